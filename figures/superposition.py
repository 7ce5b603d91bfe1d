"""Figure: superposition and neural scaling (Liu, Liu & Gore 2025). Reads the experiments of kinds
``strong`` and ``weak``; draws only (never simulates). Panels (``PANELS``, each drawable alone
with ``panel(name, experiments, ax)``):

(a) test loss vs m, log-log: strong superposition with the m^-1 line, weak with the finite-n tail
sum (1/n) sum_{i>m} (4/3 p_i - p_i^2), its m^-(alpha-1) asymptote and L_rows (the tail plus the
learned rows' own error, from replicate 0's row norms); open markers: the untrained
control (the same widths at initialisation). (b) m times the mean squared overlap of the strong
run's represented rows, unweighted and weighted by p_i p_j, trained and untrained, against random
rows (1) and the Welch bound. (c) row norms |W_i| against feature rank i. (d) training curves.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from figures import style
from figures.style import SIM, THEORY, one, plt
from theory import superposition as theory


def loss_vs_m(exps, ax):
    """(a) test loss vs m: strong and weak runs, their untrained controls and the two laws."""
    strong, weak = one(exps, "strong"), one(exps, "weak")
    for res, col, lab in ((strong, "C0", "strong"), (weak, "C3", "weak")):
        cfg = res.meta["config"]
        m = res["m_grid"]
        ax.errorbar(m, res["loss"], 2 * res["loss_se"], color=col, **SIM,
                    label=rf"{lab} ($\gamma$={cfg['gamma']:g}, $\alpha$={cfg['alpha']:g})")
        ax.plot(m, res["init_loss"], color=col, marker="o", mfc="none", ls="none", ms=3,
                label=f"{lab}: untrained")
    ms, mw = strong["m_grid"], weak["m_grid"]
    ax.plot(ms, strong["loss"][0] * (ms / ms[0]) ** theory.STRONG_EXPONENT, **THEORY,
            label=r"$\propto m^{-1}$")
    cw = weak.meta["config"]
    tail = theory.weak_loss(mw, cw["n"], cw["alpha"], cw.get("density", 1.0))
    ax.plot(mw, tail, color="C3", lw=1, label=r"tail $\frac{1}{n}\sum_{i>m}(\frac{4}{3}p_i-p_i^2)$")
    ax.plot(mw, theory.rows_loss(weak["norms"] ** 2, weak["p"]), color="C3", ls="--", lw=1,
            label=r"$L_{rows}$: tail + learned rows' shrinkage")
    ax.plot(mw, tail[0] * (mw / mw[0]) ** float(theory.weak_exponent(cw["alpha"])), color="C3",
            ls=":", lw=1, label=r"$\propto m^{-(\alpha-1)}$")
    ax.set(xscale="log", yscale="log", xlabel="hidden dimension m", ylabel="test loss",
           title="(a) loss vs m")
    ax.legend(loc="center right", fontsize=6)


def overlaps(exps, ax):
    """(b) m x mean squared overlap of the strong run's rows: trained vs untrained (random)."""
    strong = one(exps, "strong")
    ms, n = strong["m_grid"], strong.meta["config"]["n"]
    ax.plot(ms, ms * strong["overlap"], color="C0", marker="o", label="trained, unweighted")
    ax.plot(ms, ms * strong["weighted_overlap"], color="C0", marker="s", ls="--",
            label=r"trained, weighted $p_ip_j$")
    ax.plot(ms, ms * strong["init_overlap"], color="grey", marker="o", mfc="none",
            label="untrained, unweighted")
    ax.plot(ms, ms * strong["init_weighted_overlap"], color="grey", marker="s", mfc="none",
            ls="--", label=r"untrained, weighted $p_ip_j$")
    ax.axhline(1.0, **THEORY, label="random rows (1/m)")
    ax.plot(ms, ms * theory.welch_bound(n, ms), color="k", ls=":", lw=1,
            label=f"Welch bound, n={n}")
    ax.set(xscale="log", xlabel="m", ylabel=r"$m\,\langle(\hat W_i\cdot\hat W_j)^2\rangle$",
           title="(b) squared overlaps (strong)")
    ax.legend(fontsize=6)


def row_norms(exps, ax):
    """(c) row norms |W_i| against feature rank i (solid strong, dashed weak)."""
    for kind, ls in (("strong", "-"), ("weak", "--")):
        res = one(exps, kind)
        widths = res["m_grid"]
        for k, m in enumerate(widths):
            ax.plot(np.arange(1, res["norms"].shape[1] + 1), res["norms"][k], ls=ls, lw=0.8,
                    color=plt.cm.viridis(k / max(len(widths) - 1, 1)),
                    label=f"{kind} m={m}" if ls == "-" or k == len(widths) - 1 else None)
            if kind == "weak":
                ax.axvline(m, color=plt.cm.viridis(k / max(len(widths) - 1, 1)), lw=0.4, ls=":")
    ax.axhline(0.5, color="grey", lw=0.6)
    ax.set(xscale="log", xlabel="feature rank i", ylabel=r"$|W_i|$",
           title="(c) row norms (solid strong, dashed weak)")
    ax.legend(ncol=2, fontsize=6)


def training(exps, ax):
    """(d) batch loss during training (solid strong, dashed weak)."""
    for kind, ls in (("strong", "-"), ("weak", "--")):
        res = one(exps, kind)
        widths = res["m_grid"]
        for k, _ in enumerate(widths):
            ax.plot(res["train_steps"], res["train_loss"][k], ls=ls, lw=0.8,
                    color=plt.cm.viridis(k / max(len(widths) - 1, 1)))
    ax.set(xscale="log", yscale="log", xlabel="AdamW step", ylabel="batch loss",
           title="(d) training (solid strong, dashed weak)")


PANELS = {"loss_vs_m": loss_vs_m, "overlaps": overlaps, "row_norms": row_norms,
          "training": training}


def panel(name, exps, ax=None):
    """Draw one panel (a key of ``PANELS``) into ``ax``; returns the axes."""
    return style.panel(PANELS, name, exps, ax)


def _plain_minor(fn):
    """``fn`` with no labels on minor ticks (log axes spanning less than a decade label them)."""
    def drawn(exps, ax):
        fn(exps, ax)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
    return drawn


def draw(exps):
    """The whole figure: every panel of ``PANELS`` on a grid that wraps to the current width
    (:func:`figures.style.use`)."""
    return style.draw_panels([_plain_minor(fn) for fn in PANELS.values()], exps)
