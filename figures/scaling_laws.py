"""Figure: neural scaling laws. Reads the ``mrs``, ``plrf``, ``chinchilla`` and ``compute_optimal_*``
result files and :mod:`theory.scaling_laws`; draws only.

(a) MRS random features: loss vs N (P >> N) and vs P (N >> P), log-log, with the n^-alpha theory line.
(b) the N = P double-descent spike. (c) PLRF: Monte-Carlo SGD vs the exact expected-loss recursion.
(d) PLRF limit loss vs d with d^-2alpha. (e) Chinchilla fit: data vs fitted L(N, D) at fixed D.
(f)-(h), and a third row when there are more: loss vs compute f = r d for each d (W-averaged exact
recursion, or the deterministic equivalent at large d), one panel per compute-optimal experiment,
with the compute-optimal frontier P*(f) = min_d P(f/d, d) and f^-y.
Last row: phase diagram in (alpha, beta): the boundaries of the seven derived rows (zero sets of their
dropped-term margins and balance slopes, drawn where phase() changes across them), alpha + beta = 1/2,
simulated points coloured by the derived row nearest to their measured (x, y), annotated with x and y.
and d*(f) of every experiment with its theory slope f^x.
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

PHASE_COLORS = {"Ia": "C0", "II": "C1", "III": "C2", "Ib": "C4", "Ic": "C5", "IVa": "C6", "IVb": "C9"}
LETTERS = "fghijklmnop"                 # panel letters after (a)-(e)
PHASE_LABELS = {"Ia": (1.4, 0.22), "II": (1.5, 1.0), "III": (0.8, 1.7), "Ib": (0.33, 0.3),
                "Ic": (0.12, 1.2), "IVa": (0.27, 1.9), "IVb": (0.4, 1.2)}


def draw(mrs, plrf, chin, co):
    rows = 3 + (len(co) > 3)
    fig = plt.figure(figsize=(13, 3.1 * rows + 0.1), constrained_layout=True)
    gs = fig.add_gridspec(rows, 4)
    ax = [fig.add_subplot(gs[i // 4, i % 4]) for i in range(8)]
    co_ax = ax[5:8] + [fig.add_subplot(gs[2, i]) for i in range(min(4, len(co) - 3))]
    ax += [fig.add_subplot(gs[rows - 1, :2]), fig.add_subplot(gs[rows - 1, 2:])]
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
    for i, (a_, res) in enumerate(zip(co_ax, co)):
        _compute(a_, res, LETTERS[i])
    for a_ in co_ax[len(co):]:
        a_.axis("off")
    _phases(ax[8], co, LETTERS[len(co_ax)])
    _d_star(ax[9], co, LETTERS[len(co_ax) + 1])
    ax += co_ax[3:]
    for a_ in ax:
        a_.xaxis.set_minor_formatter(NullFormatter())
        a_.yaxis.set_minor_formatter(NullFormatter())
    return fig


def _rows(res):
    cfg = res.meta["config"]
    ph = theory.phase(cfg["alpha"], cfg["beta"])
    return cfg, ph, float(theory.PLRF_X[ph](cfg["alpha"], cfg["beta"])), float(
        theory.PLRF_Y[ph](cfg["alpha"], cfg["beta"]))


def _compute(ax, res, letter):
    dg, steps, curves = res["d_grid"], res["steps"], res["curves"]
    every = max(1, len(dg) // 24)                     # at most ~24 curves a panel stay readable
    dg, curves = dg[::every], curves[::every]
    colors = plt.cm.viridis(np.linspace(0.1, 0.9, len(dg)))
    for d, c, col in zip(dg, curves, colors):
        ax.plot(steps.astype(float) * float(d), c, color=col, lw=0.6)   # f = r d overflows int64
    ok = np.isfinite(res["d_star"])
    f, ls = res["f_grid"][ok], res["loss_star"][ok]
    cfg, ph, _, y = _rows(res)
    _, ym, _ = measured_exponents(res)
    ax.plot(f, ls, "o", color="C3", ms=3, label=f"P* = min_d P(f/d, d): y={ym:.3f}")
    ax.plot(f, _through(f, ls, -y), **THEORY, label=f"$f^{{-{y:.3f}}}$ (phase {ph})")
    draws = cfg.get("co_draws", 1)
    how = ("det. equivalent" if cfg.get("co_method") == "equivalent"
           else f"{draws} W draw{'s' if draws > 1 else ''}")
    ax.set(xscale="log", yscale="log", xlabel="compute f = r d", ylabel="expected loss",
           ylim=(ls.min() / 3, curves[:, 0].max() * 1.5),
           title=rf"({letter}) {ph}: $\alpha$={cfg['alpha']:g}, $\beta$={cfg['beta']:g}, {how}")
    ax.legend(loc="lower left")


def _through(f, v, p):
    """The power law f^p through the points (f, v) in the least-squares sense (log scale)."""
    return np.exp(np.mean(np.log(v) - p * np.log(f))) * f**p


def _phases(ax, co, letter):
    """Every boundary factor drawn only where phase() actually changes across it."""
    a = np.linspace(0.0, 2.0, 801)
    eps = 1e-3
    for fac in theory.boundary_factors():
        kind, fn = theory.boundary_beta(fac)
        if kind == "alpha":
            b = np.linspace(0.0, 2.0, 801)
            keep = np.array([theory.phase(fn - eps, y) != theory.phase(fn + eps, y) for y in b])
            ax.plot(np.where(keep, fn, np.nan), b, "k", lw=0.9)
        else:
            b = np.broadcast_to(fn(a), a.shape).astype(float)
            keep = np.array([theory.phase(x, y - eps) != theory.phase(x, y + eps) for x, y in zip(a, b)])
            ax.plot(a, np.where(keep, b, np.nan), "k", lw=0.9)
    ax.plot(a, 0.5 - a, color="grey", lw=0.9, ls=":")          # alpha + beta = 1/2
    ax.fill_between(a, 0, np.clip(0.5 - a, 0, None), color="0.85")
    ax.text(0.02, 0.04, r"$\alpha+\beta<1/2$", fontsize=7, color="grey")
    for name, (x, y) in PHASE_LABELS.items():
        ax.text(x, y, name, fontsize=9, color=PHASE_COLORS[name], weight="bold", ha="center")
    for res in co:
        cfg = res.meta["config"]
        x, y, _ = measured_exponents(res)
        dist = {k: np.nan_to_num(np.hypot(*np.subtract((x, y), theory.predicted(k, cfg["alpha"],
                                                                             cfg["beta"]))), nan=np.inf)
                for k in PHASE_COLORS}
        best = min(dist, key=dist.get)
        ax.plot(cfg["alpha"], cfg["beta"], "o", color=PHASE_COLORS[best], ms=8, mec="k",
                label=f"({cfg['alpha']:g}, {cfg['beta']:g}) measured as {best}")
        ax.annotate(f"x={x:.2f}, y={y:.2f}", (cfg["alpha"], cfg["beta"]), xytext=(6, 4),
                    textcoords="offset points", fontsize=7)
    ax.set(xlim=(0.0, 2.0), ylim=(0.0, 2.0), xlabel=r"$\alpha$ (data complexity)",
           ylabel=r"$\beta$ (target complexity)",
           title=f"({letter}) PLRF compute-optimal phases: boundaries from theory, points measured")
    ax.legend(loc="upper right")


def _d_star(ax, co, letter):
    for res in co:
        ok = np.isfinite(res["d_star"])
        f, ds = res["f_grid"][ok], res["d_star"][ok]
        cfg, ph, x, _ = _rows(res)
        xm, _, _ = measured_exponents(res)
        col = PHASE_COLORS[ph]
        ax.plot(f, ds, "o", color=col, ms=3,
                label=rf"{ph} ($\alpha$={cfg['alpha']:g}, $\beta$={cfg['beta']:g}): x={xm:.3f}")
        ax.plot(f, _through(f, ds, x), color=col, lw=1, label=f"$f^{{{x:.3f}}}$ theory")
    ax.set(xscale="log", yscale="log", xlabel="compute f = r d", ylabel="d*(f)",
           title=f"({letter}) compute-optimal model size")
    ax.legend(ncol=2)


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
