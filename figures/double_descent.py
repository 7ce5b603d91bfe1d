"""Figure: double descent. Test risk vs p/n for the exact solver, GD budgets and ridge, with theory.

Reads the experiments of kinds ``linear`` and ``relu_rf``; draws only (never simulates). Panels
(``PANELS``, each drawable alone with ``panel(name, experiments, ax)``):
(a) isotropic linear model: mean min-norm risk (error bars: 1 s.e.) with the exact finite-n and
asymptotic formulas of Hastie et al.; optimal ridge with its asymptotic formula; GD budgets.
(b) ReLU random features: median test error of the exact solver, GD budgets and oracle ridge.
(c) condition number of the feature matrix.
"""
from __future__ import annotations

import numpy as np

from figures import style
from figures.style import SIM, THEORY, one, plt
from theory import double_descent as theory

SHOW_BUDGETS = (100.0, 1000.0, 10000.0, 1e6)


def _gd(ax, res, agg):
    colors = plt.cm.viridis(np.linspace(0.15, 0.85, len(SHOW_BUDGETS)))
    for t, c in zip(SHOW_BUDGETS, colors):
        if t in res["budgets"]:
            b = list(res["budgets"]).index(t)
            ax.plot(res["ratios"], agg(res["gd_risk"][:, :, b]), "-", color=c, marker=".",
                    label=f"GD, {t:g} steps")


def linear_risk(exps, ax):
    """(a) isotropic linear model: min-norm risk with the finite-n and asymptotic formulas."""
    linear = one(exps, "linear")
    cfg = linear.meta["config"]
    n, r, sigma = cfg["n"], cfg["signal"], cfg["noise"]
    q = linear["ratios"]
    risk = linear["min_norm_risk"]
    ok = np.abs(q - 1) * n > 1
    ax.errorbar(q[ok], risk[:, ok].mean(0), risk[:, ok].std(0, ddof=1) / np.sqrt(len(risk)),
                color="C3", label="min-norm (sim, mean)", **SIM)
    dense = np.linspace(0.05, q.max(), 2000)
    ax.plot(dense, theory.min_norm_risk_finite(n, dense * n, r, sigma), **THEORY,
            label=f"finite-n theory (n={n})")
    ax.plot(dense, theory.min_norm_risk(dense, r, sigma), ls=":", color="k", lw=1.0,
            label="asymptotic theory")
    ax.plot(q, linear["ridge_opt_risk"].mean(0), color="C0", marker="s", ls="none", ms=3,
            label="optimal ridge (sim)")
    ax.plot(dense, theory.optimal_ridge_risk(dense, r, sigma), color="C0", lw=1.0,
            label="optimal ridge (theory)")
    _gd(ax, linear, lambda a: a.mean(0))
    ax.axvline(1, color="grey", lw=0.6)
    ax.set(xscale="log", yscale="log", ylim=(0.01, 50), xlabel="p / n",
           ylabel=r"excess risk $|a-\beta|^2$", title=f"(a) isotropic linear model, n={n}")
    ax.legend(loc="upper left", ncol=1)


def rf_risk(exps, ax):
    """(b) ReLU random features: median test error of the exact solver, GD budgets, oracle ridge."""
    rf = one(exps, "relu_rf")
    qr = rf["ratios"]
    ax.plot(qr, np.median(rf["min_norm_risk"], 0), color="C3", marker="o", label="min-norm (exact)")
    _gd(ax, rf, lambda a: np.median(a, 0))
    ax.plot(qr, np.median(rf["ridge_risk"], 0).min(1), color="C0", marker="s", ms=3,
            label="oracle ridge")
    ax.axvline(1, color="grey", lw=0.6)
    ax.set(xscale="log", yscale="log", xlabel="N / n", ylabel="test MSE (median over seeds)",
           title=f"(b) ReLU random features, n={rf.meta['config']['n']}")
    ax.legend(loc="upper right")


def rf_condition(exps, ax):
    """(c) condition number of the random-features matrix."""
    rf = one(exps, "relu_rf")
    qr = rf["ratios"]
    ax.plot(qr, np.median(rf["condition"], 0), color="C2", marker="o")
    ax.axvline(1, color="grey", lw=0.6)
    ax.set(xscale="log", yscale="log", xlabel="N / n", ylabel=r"cond(Z) (median)",
           title="(c) conditioning of the features")


PANELS = {"linear_risk": linear_risk, "rf_risk": rf_risk, "rf_condition": rf_condition}


def panel(name, exps, ax=None):
    """Draw one panel (a key of ``PANELS``) into ``ax``; returns the axes."""
    return style.panel(PANELS, name, exps, ax)


def draw(exps):
    """The whole figure: every panel of ``PANELS`` on a grid that wraps to the current width
    (:func:`figures.style.use`)."""
    return style.draw_panels(list(PANELS.values()), exps)
