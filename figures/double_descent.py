"""Figure: double descent. Test risk vs p/n for the exact solver, GD budgets and ridge, with theory.

Reads the experiments of kinds ``linear`` and ``relu_rf``; draws only (never simulates). Panels
(``PANELS``, each drawable alone with ``panel(name, experiments, ax)``):
(a) isotropic linear model: mean min-norm risk (error bars: 1 s.e.) with the exact finite-n and
asymptotic formulas of Hastie et al.; optimal ridge with its asymptotic formula; GD budgets.
(b) the finite-n correction made visible: the exact finite-n formula and the simulated mean, each
divided by the asymptotic formula (1 = no finite-size effect).
(c) ReLU random features: median test error of the exact solver, GD budgets and oracle ridge; the
dotted line marks the divergence at N = n (Mei & Montanari 2022); the suite has no closed form for
this risk curve.
(d) condition number of the feature matrix, with the Marchenko-Pastur value
(1 + sqrt(N/n)) / |1 - sqrt(N/n)| of i.i.d. Gaussian features (the ReLU features' mean adds an
outlying top singular value, so the measured curve lies above it).
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
    ax.legend(loc="upper left", ncol=2)


def finite_n_ratio(exps, ax):
    """(b) finite-n over asymptotic min-norm risk: the exact formula and the simulated mean."""
    linear = one(exps, "linear")
    cfg = linear.meta["config"]
    n, r, sigma = cfg["n"], cfg["signal"], cfg["noise"]
    q = linear["ratios"]
    ok = np.abs(q - 1) * n > 1
    asym = theory.min_norm_risk(q[ok], r, sigma)
    risk = linear["min_norm_risk"][:, ok]
    se = risk.std(0, ddof=1) / np.sqrt(len(risk))
    ax.errorbar(q[ok], risk.mean(0) / asym, se / asym, color="C3", label="simulation / asymptotic",
                **SIM)
    dense = np.concatenate([np.linspace(0.05, 1 - 1.5 / n, 600), np.linspace(1 + 1.5 / n, q.max(),
                                                                                600)])
    ax.plot(dense, theory.min_norm_risk_finite(n, dense * n, r, sigma)
            / theory.min_norm_risk(dense, r, sigma), **THEORY, label=f"finite-n / asymptotic (n={n})")
    ax.axhline(1.0, color="k", ls=":", lw=1.0, label="asymptotic (ratio 1)")
    ax.axvline(1, color="grey", lw=0.6)
    ax.set(xscale="log", yscale="log", xlabel="p / n", ylabel="risk / asymptotic risk",
           title="(b) finite-n correction")
    ax.legend(loc="upper left")


def rf_risk(exps, ax):
    """(c) ReLU random features: median test error of the exact solver, GD budgets, oracle ridge."""
    rf = one(exps, "relu_rf")
    qr = rf["ratios"]
    ax.plot(qr, np.median(rf["min_norm_risk"], 0), color="C3", marker="o", label="min-norm (exact)")
    _gd(ax, rf, lambda a: np.median(a, 0))
    ax.plot(qr, np.median(rf["ridge_risk"], 0).min(1), color="C0", marker="s", ms=3,
            label="oracle ridge")
    ax.axvline(1, color="k", ls=":", lw=1.0, label="theory: divergence at N = n")
    ax.set(xscale="log", yscale="log", xlabel="N / n", ylabel="test MSE (median over seeds)",
           title=f"(c) ReLU random features, n={rf.meta['config']['n']}")
    ax.legend(loc="upper right")


def rf_condition(exps, ax):
    """(d) condition number of the random-features matrix, with the Marchenko-Pastur value."""
    rf = one(exps, "relu_rf")
    qr = rf["ratios"]
    ax.plot(qr, np.median(rf["condition"], 0), color="C2", marker="o", label="ReLU features (sim)")
    dense = np.geomspace(qr.min(), qr.max(), 800)
    dense = dense[np.abs(dense - 1) > 1e-3]
    mp = np.where(np.abs(dense - 1) < 1e-3, np.nan, theory.mp_condition(dense))
    ax.plot(dense, mp, **THEORY, label="Marchenko-Pastur (Gaussian)")
    ax.axvline(1, color="grey", lw=0.6)
    ax.set(xscale="log", yscale="log", xlabel="N / n", ylabel=r"cond(Z) (median)",
           title="(d) conditioning of the features")
    ax.legend(loc="upper right")


PANELS = {"linear_risk": linear_risk, "finite_n_ratio": finite_n_ratio, "rf_risk": rf_risk,
          "rf_condition": rf_condition}


def panel(name, exps, ax=None):
    """Draw one panel (a key of ``PANELS``) into ``ax``; returns the axes."""
    return style.panel(PANELS, name, exps, ax)


def draw(exps):
    """The whole figure: every panel of ``PANELS`` on a grid that wraps to the current width
    (:func:`figures.style.use`)."""
    return style.draw_panels(list(PANELS.values()), exps)
