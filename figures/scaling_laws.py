"""Figure: neural scaling laws. Reads the ``mrs``, ``plrf`` and ``chinchilla`` result files; draws only.

(a) MRS random features: loss vs N (P >> N) and vs P (N >> P), log-log, with the n^-alpha theory line.
(b) the N = P double-descent spike. (c) PLRF: Monte-Carlo SGD vs the exact expected-loss recursion.
(d) PLRF limit loss vs d with d^-2alpha. (e) Chinchilla fit: data vs fitted L(N, D) at fixed D.
(f) loss vs compute f = r d for each d (phase Ia) with the compute-optimal frontier and f^-y.
(g) phase diagram in (alpha, beta): derived-phase boundaries, simulated points coloured by the phase
whose (x, y) row is nearest to the measured slopes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from figures.style import SIM, THEORY, plt, save  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

from sims import results  # noqa: E402
from sims.scaling_laws import measured_exponents  # noqa: E402
from theory import scaling_laws as theory  # noqa: E402

PHASE_COLORS = {"Ia": "C0", "II": "C1", "III": "C2"}


def draw(mrs, plrf, chin, co):
    fig, axes = plt.subplots(2, 4, figsize=(13, 6.2), constrained_layout=True)
    ax = axes.ravel()
    al = mrs.meta["config"]["alpha"]
    n = mrs["n_grid"]
    for key, c, lab in (("loss_vs_N", "C0", "vs N (P >> N)"), ("loss_vs_P", "C3", "vs P (N >> P)")):
        ax[0].plot(n, mrs[key].mean(0), color=c, label=lab, **SIM)
    ref = mrs["loss_vs_N"].mean(0)[0] * (n / n[0]) ** -al
    ax[0].plot(n, ref, **THEORY, label=rf"$n^{{-\alpha}}$, $\alpha$={al:g}")
    ax[0].set(xscale="log", yscale="log", xlabel="N or P", ylabel="test loss",
              title="(a) MRS random features")
    ax[0].legend()
    q = mrs["spike_ratios"]
    ax[1].plot(q, np.median(mrs["loss_spike"], 0), color="C2", marker="o")
    ax[1].axvline(1, color="grey", lw=0.6)
    ax[1].set(xscale="log", yscale="log", xlabel="N / P", ylabel="median test loss",
              title=f"(b) spike at N = P = {mrs.meta['config']['p_spike']}")
    k = np.maximum(plrf["log_steps"], 0.5)
    ax[2].errorbar(k, plrf["mc_loss"], 2 * plrf["mc_se"], color="C1", label="SGD, Monte-Carlo", **SIM)
    ax[2].plot(k, plrf["exact_loss"], **THEORY, label="exact recursion")
    cfg = plrf.meta["config"]
    ax[2].set(xscale="log", yscale="log", xlabel="SGD steps", ylabel="expected loss",
              title=rf"(c) PLRF d={cfg['d']}, $\alpha$={cfg['alpha']:g}, $\beta$={cfg['beta']:g}")
    ax[2].legend()
    dg, lim = plrf["d_grid"], plrf["limit_loss"].mean(1)
    ax[3].plot(dg, lim, color="C4", label=r"$\min_\theta P$", **SIM)
    ax[3].plot(dg, lim[0] * (dg / dg[0]) ** (-2 * cfg["alpha"]), **THEORY, label=r"$d^{-2\alpha}$")
    ax[3].set(xscale="log", yscale="log", xlabel="d", ylabel="limit loss",
              title="(d) PLRF limit loss")
    ax[3].legend()
    N, D, L = chin["N"], chin["D"], chin["L"]
    E, A, B, a, b = chin["fit"]
    for i, Dv in enumerate(np.unique(D)[::4]):
        sel = D == Dv
        ax[4].plot(N[sel], L[sel], color=f"C{i}", **SIM)
        Ns = np.geomspace(N.min(), N.max(), 100)
        ax[4].plot(Ns, E + A / Ns**a + B / Dv**b, color=f"C{i}", lw=1, label=f"D={Dv:.1e}")
    ax[4].set(xscale="log", xlabel="N (parameters)", ylabel="L",
              title=f"(e) Chinchilla fit: b/(a+b)={b / (a + b):.3f}")
    ax[4].legend()
    _compute(ax[5], co[0])
    _phases(ax[6], co)
    ax[7].axis("off")
    for a in ax:
        a.xaxis.set_minor_formatter(NullFormatter())
        a.yaxis.set_minor_formatter(NullFormatter())
    return fig


def _compute(ax, res):
    dg, steps, curves = res["d_grid"], res["steps"], res["curves"]
    colors = plt.cm.viridis(np.linspace(0.1, 0.9, len(dg)))
    for d, c, col in zip(dg, curves, colors):
        ax.plot(steps * d, c, color=col, lw=0.7)
    ok = np.isfinite(res["d_star"])
    f, ls = res["f_grid"][ok], res["loss_star"][ok]
    ax.plot(f, ls, "o", color="C3", ms=3, label="compute-optimal P*")
    cfg = res.meta["config"]
    ph = theory.phase(cfg["alpha"], cfg["beta"])
    y = float(theory.PLRF_Y[ph](cfg["alpha"], cfg["beta"]))
    ax.plot(f, ls[0] * (f / f[0]) ** -y, **THEORY, label=f"$f^{{-{y:.2f}}}$ (phase {ph})")
    ax.set(xscale="log", yscale="log", xlabel="compute f = r d", ylabel="expected loss",
           title=rf"(f) PLRF, $\alpha$={cfg['alpha']:g}, $\beta$={cfg['beta']:g}, d={dg[0]}..{dg[-1]}")
    ax.legend()


def _phases(ax, co):
    a = np.linspace(0.2, 2.0, 200)
    ax.plot(a, np.full_like(a, 0.5), "k", lw=0.8)
    ax.plot(a[a > 0.5], a[a > 0.5], "k", lw=0.8)
    ax.axvline(0.5, color="k", lw=0.8)
    for name, (al, be) in {"Ia": (1.5, 0.2), "II": (1.6, 1.0), "III": (0.9, 1.6)}.items():
        ax.text(al, be, name, fontsize=9)
    for res in co:
        cfg = res.meta["config"]
        x, y, _ = measured_exponents(res)
        dist = {k: np.hypot(x - theory.PLRF_X[k](cfg["alpha"], cfg["beta"]),
                            y - theory.PLRF_Y[k](cfg["alpha"], cfg["beta"])) for k in PHASE_COLORS}
        best = min(dist, key=dist.get)
        ax.plot(cfg["alpha"], cfg["beta"], "o", color=PHASE_COLORS[best], ms=7,
                label=f"measured x={x:.2f}, y={y:.2f}: {best}")
    ax.set(xlim=(0.2, 2.0), ylim=(0.0, 2.0), xlabel=r"$\alpha$", ylabel=r"$\beta$",
           title="(g) phase diagram (derived rows)")
    ax.legend(loc="upper left")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    for name in ("mrs", "plrf", "chinchilla"):
        p.add_argument(name, type=Path)
    p.add_argument("compute_optimal", type=Path, nargs="+")
    p.add_argument("--out", type=Path, required=True, help="output stem (.pdf and .png)")
    a = p.parse_args(argv)
    save(draw(results.load(a.mrs), results.load(a.plrf), results.load(a.chinchilla),
              [results.load(p) for p in a.compute_optimal]), a.out)


if __name__ == "__main__":
    main()
