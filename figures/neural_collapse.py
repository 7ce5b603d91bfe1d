"""Figure: neural collapse under full-batch GD with weight decay (Dang et al. ICML 2023).

Reads the experiments of kinds ``balanced``, ``imbalanced``, ``sweep`` and ``cross_entropy``; draws
only (never simulates). Panels (``PANELS``, each drawable alone with ``panel(name, experiments, ax)``):
(a) NC1-NC3 of the features vs GD step (log scale), MSE depth 1 and the deepest balanced net, and CE;
(b) NC1-NC3 at every layer of the deepest balanced net, with the NC1 bound from |grad| <= tol;
(c) class-mean norms vs the minority class size n_k over the imbalance sweep, with the closed-form
global minimiser (zero below the collapse threshold n_k <= N^2 lambda_W lambda_H);
(d) normalised Grams G/|G| of the class means: balanced and imbalanced bias-free MSE (orthogonal
frames) and CE with bias (simplex ETF);
(e) (W W^T)_kk of every imbalanced experiment against the closed form and its rival predictions.
"""
from __future__ import annotations

import re

import numpy as np
from matplotlib.lines import Line2D

from figures import style
from figures.style import SIM, THEORY, one, plt
from sims.neural_collapse import closed_form as cf
from theory import neural_collapse as theory

NAMES = ("NC1", "NC2", "NC3")


def _history(ax, res, i, ls):
    t = res["hist_steps"]
    for j, c in enumerate(("C0", "C1", "C2")):
        ax.plot(t, np.abs(res["hist"][i, 2 + j]), ls=ls, color=c)


def history(exps, ax):
    """(a) NC1-NC3 of the layer-0 features during training (colour: metric; line: run)."""
    bal, ce = one(exps, "balanced"), one(exps, "cross_entropy")
    runs = [(0, f"MSE, M = {bal['depth'][0]}", "-", bal)]
    deep = int(np.argmax(bal["depth"]))
    if deep:
        runs.append((deep, f"MSE, M = {bal['depth'][deep]}", ":", bal))
    runs.append((0, "CE + bias", "--", ce))
    for i, _, ls, res in runs:
        _history(ax, res, i, ls)
    handles = [Line2D([], [], color=c, label=n) for c, n in zip(("C0", "C1", "C2"), NAMES)]
    handles += [Line2D([], [], color="grey", ls=ls, label=lab) for _, lab, ls, _ in runs]
    ax.set(xscale="log", yscale="log", ylim=(1e-32, 1e2), xlabel="GD step",
           ylabel="metric (layer-0 features)", title="(a) NC metrics during training")
    ax.legend(handles=handles, ncol=2, loc="lower left")


def layers(exps, ax):
    """(b) NC1-NC3 at every layer of the deepest balanced net, with the NC1 bound."""
    bal = one(exps, "balanced")
    cfg = bal.meta["config"]
    i = int(np.argmax(bal["depth"]))
    M = int(bal["depth"][i])
    nc = bal["nc_layers"][i, :M]
    for j, mk in enumerate("osd"):
        ax.semilogy(np.arange(M), np.maximum(np.abs(nc[:, j]), 1e-35), marker=mk, label=NAMES[j])
    N, K = bal["counts"][i].sum(), bal["counts"].shape[1]
    bound = bal["gains"][i, :M] ** 2 * (cfg["tol"] / cfg["lambda_H"]) ** 2 * bal["sb_pinv"][i, :M]
    ax.semilogy(np.arange(M), bound / (N * K), color="C0", ls="--", lw=0.8,
                label="NC1 bound from |grad| <= tol")
    ax.semilogy(np.arange(M), bal["nc_init"][i, :M, 0], color="C0", ls=":", lw=0.8,
                label="NC1 untrained")
    ax.set(xlabel=r"layer $l$ (features $W_l\cdots W_1 H$)", ylabel="metric at convergence",
           title=f"(b) NC at every layer, M = {M}, balanced")
    ax.legend()


def sweep(exps, ax):
    """(c) class-mean norms across the imbalance sweep, with the closed form."""
    res = one(exps, "sweep")
    cfg = res.meta["config"]
    lw, lh = cfg["lambda_W"], cfg["lambda_H"]
    counts = res["counts"]
    M = int(res["depth"][0])
    norms = np.linalg.norm(res["means"], axis=1)              # (runs, K)
    half = counts.shape[1] // 2
    n_maj = counts[0, 0]
    ax.plot(counts[:, half], norms[:, half:].mean(1), color="C3", label="minority (sim)", **SIM)
    ax.plot(counts[:, half], norms[:, :half].mean(1), color="C0", label="majority (sim)", **SIM)
    dense = np.geomspace(counts[:, half].min() * 0.8, n_maj, 400)
    K = counts.shape[1]
    pred = np.array([theory.class_geometry([n_maj] * half + [m] * (K - half), M, lw, lh)
                     ["mean_norm"] for m in dense])
    ax.plot(dense, pred[:, -1], label="theory, minority (global min.)", **THEORY)
    ax.plot(dense, pred[:, 0], ls="--", color="k", lw=0.8, label="theory, majority")
    ax.set(xscale="log", xlabel=rf"minority size $n_k$ (majority {n_maj})",
           ylabel=r"$|\bar h_k|$", title="(c) class-mean norms\n" + rf"M = {M}, $\lambda$ = {lw:g}")
    ax.legend(loc="center right")


def frames(exps, ax):
    """(d) normalised Grams of the class means: orthogonal frames (bias-free) and an ETF (CE)."""
    tiles, labels = [], []
    for kind, label in (("balanced", "MSE,\nbalanced"), ("imbalanced", "MSE,\nimbalanced"),
                        ("cross_entropy", "CE + bias,\nbalanced")):
        res = exps.first(kind)
        if res is None:
            continue
        G = res["grams"][0, 0]
        tiles.append(G / np.abs(G).max())
        labels.append(label)
    K = tiles[0].shape[0]
    gap = np.full((K, 1), np.nan)
    img = np.concatenate([x for t in tiles for x in (t, gap)][:-1], axis=1)
    ax.imshow(img, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks([k * (K + 1) + (K - 1) / 2 for k in range(len(labels))], labels)
    ax.set_yticks([])
    ax.grid(False)
    ax.set_title("(d) Gram of the class means\n" + r"$\bar H^T \bar H / \max$: frames")


def rivals(exps, ax):
    """(e) (W W^T)_kk of the imbalanced runs: measured vs the closed form and its rivals."""
    from sims.neural_collapse.checks import runs
    shown = set()
    for res in exps.of_kind("imbalanced").values():
        for run in runs(res):
            pred = cf.bias_free(run.counts, run.M, run.prob.lam_w, run.prob.lam_h)["s2M"]
            meas = np.diag(res["WWt"][run.index])
            ax.plot(pred, meas, "o", color="C3", ms=4,
                    label=None if "m" in shown else "closed form (sim vs theory)")
            shown.add("m")
            for j, (label, r) in enumerate(cf.bias_free_rivals(run).items()):
                ax.plot(r["s2M"], meas, "x", color=f"C{j}", ms=3,
                        label=None if label in shown else "rival: " + _short(label))
                shown.add(label)
    lim = ax.get_xlim()
    ax.plot(lim, lim, **THEORY)
    ax.set(xlabel=r"predicted $(W W^T)_{kk}$", ylabel=r"measured $(W W^T)_{kk}$",
           title="(e) imbalanced: closed form vs rivals")
    ax.legend(loc="upper left")


def _short(label: str) -> str:
    """A rival's name without its explanation: 'depth M+1 (an off-by-one ...)' -> 'depth M+1'."""
    return re.split(r" \(|: ", label)[0]


PANELS = {"history": history, "layers": layers, "sweep": sweep, "frames": frames,
          "rivals": rivals}


def panel(name, exps, ax=None):
    """Draw one panel (a key of ``PANELS``) into ``ax``; returns the axes."""
    return style.panel(PANELS, name, exps, ax)


def draw(exps):
    """The whole figure: every panel of ``PANELS`` on a grid that wraps to the current width
    (:func:`figures.style.use`)."""
    return style.draw_panels(list(PANELS.values()), exps)
