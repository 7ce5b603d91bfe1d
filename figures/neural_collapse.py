"""Figure: neural collapse under full-batch GD with weight decay (Dang et al. ICML 2023).

Reads the ``balanced``, ``imbalanced``, ``sweep`` and ``cross_entropy`` result files; draws only.
(a) NC1-NC3 of the features vs GD step (log scale), MSE depth 1 and 3 and CE; (b) NC1-NC3 at every
layer of the deepest balanced net; (c) class-mean norms vs the minority class size n_k over the
imbalance sweep, with the closed-form global minimiser (zero below the collapse threshold);
(d) the K = 4 centred class means (a simplex ETF) and classifier rows in their 3-D span.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from figures import style  # noqa: E402
from figures.style import SIM, THEORY, plt  # noqa: E402
from theory import neural_collapse as theory  # noqa: E402

NAMES = ("NC1", "NC2", "NC3")


def _history(ax, res, i, label, ls):
    t = res["hist_steps"]
    for j, c in enumerate(("C0", "C1", "C2")):
        ax.plot(t, np.abs(res["hist"][i, 2 + j]), ls=ls, color=c, label=f"{NAMES[j]} {label}")


def _sweep(ax, res):
    cfg = res.meta["config"]
    lw, lh = cfg["lambda_W"], cfg["lambda_H"]
    counts = res["counts"]
    norms = np.linalg.norm(res["means"], axis=1)              # (runs, K)
    half = counts.shape[1] // 2
    n_maj = counts[0, 0]
    ax.plot(counts[:, half], norms[:, half:].mean(1), color="C3", label="minority (sim)", **SIM)
    ax.plot(counts[:, half], norms[:, :half].mean(1), color="C0", label="majority (sim)", **SIM)
    dense = np.geomspace(counts[:, half].min() * 0.8, n_maj, 400)
    pred = np.array([theory.class_geometry([n_maj] * half + [m] * (counts.shape[1] - half), 1,
                                           lw, lh)["mean_norm"] for m in dense])
    ax.plot(dense, pred[:, -1], label="theory, minority (global min.)", **THEORY)
    ax.plot(dense, pred[:, 0], ls="--", color="k", lw=0.8, label="theory, majority")
    ax.set(xscale="log", xlabel=r"minority class size $n_k$ (majority 40)",
           ylabel=r"$|\bar h_k|$", title=r"(c) class-mean norms, M = 1, $\lambda$=" f"{lw:g}")
    ax.legend(loc="center right")


def _means3d(ax, res, i):
    means = res["means"][i]
    cen = means - means.mean(1, keepdims=True)
    U, _, _ = np.linalg.svd(cen, full_matrices=False)
    P, Wp = U[:, :3].T @ cen, U[:, :3].T @ res["W"][i].T
    Wp *= np.linalg.norm(P) / np.linalg.norm(Wp)
    for k in range(P.shape[1]):
        ax.plot(*[[0, v] for v in P[:, k]], color=f"C{k}", lw=2)
        ax.plot(*[[0, v] for v in Wp[:, k]], color=f"C{k}", lw=1, ls="--")
        ax.scatter(*P[:, k], color=f"C{k}", s=20)
    for a in range(4):
        for b in range(a + 1, 4):
            ax.plot(*[[P[j, a], P[j, b]] for j in range(3)], color="grey", lw=0.5)
    ax.set_title("(d) centred class means (solid) and\nclassifier rows (dashed), K = 4, M = 1")
    ax.set_xticks([]); ax.set_yticks([]); ax.set_zticks([])   # noqa: E702


def draw(balanced, imbalanced, sweep, ce):
    fig = plt.figure(figsize=(13, 3.4), constrained_layout=True)
    axes = [fig.add_subplot(1, 4, j + 1) for j in range(3)]
    ax = axes[0]
    _history(ax, balanced, 0, "MSE M=1", "-")
    deep3 = int(np.flatnonzero(balanced["depth"] == 3)[0]) if 3 in balanced["depth"] else 0
    _history(ax, balanced, deep3, f"MSE M={balanced['depth'][deep3]}", ":")
    _history(ax, ce, 0, "CE", "--")
    ax.set(xscale="log", yscale="log", ylim=(1e-32, 1e2), xlabel="GD step",
           ylabel="metric (layer 0 features)", title="(a) NC metrics during training")
    ax.legend(ncol=1, loc="lower left", fontsize=6)

    ax = axes[1]
    i = int(np.argmax(balanced["depth"]))
    M = int(balanced["depth"][i])
    nc = balanced["nc_layers"][i, :M]
    for j, mk in enumerate("osd"):
        ax.semilogy(np.arange(M), np.maximum(np.abs(nc[:, j]), 1e-35), marker=mk, label=NAMES[j])
    ax.axhline(1e-3, color="grey", lw=0.6, ls="--")
    ax.axhline(1e-6, color="grey", lw=0.6, ls=":")
    ax.set(xlabel=r"layer $l$ (features $W_l\cdots W_1 H$)", ylabel="metric at convergence",
           title=f"(b) NC at every layer, M = {M}, balanced")
    ax.legend()
    _sweep(axes[2], sweep)
    _means3d(fig.add_subplot(1, 4, 4, projection="3d"), balanced, 0)
    return fig


def main(argv=None):
    style.main(draw, ("balanced", "imbalanced", "sweep", "cross_entropy"), __doc__, argv)


if __name__ == "__main__":
    main()
