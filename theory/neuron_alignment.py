r"""Gradient flow of f(x) = sum_j v_j relu(<w_j, x>) from a small balanced initialisation.

Min, Mallada & Vidal, ICLR 2024 (arXiv 2307.12851); Maennel et al. 2018; Boursier et al. 2022.
Loss L = c sum_i l(y_i f(x_i)), c = 1/n (mean; the issue's convention) or 1 (sum). Checked here:

(i) balancedness: for every activation pattern a_ij = 1[<w_j, x_i> > 0], relu(z) = a z gives
    d/dt (v_j^2 - |w_j|^2) = 2 v_j sum_i g_i a_ij <w_j, x_i> - 2 <w_j, v_j sum_i g_i a_ij x_i> = 0,
    g_i = -c l'(y_i f(x_i)) y_i: conserved exactly by gradient flow (also across pattern changes).
(ii) small-eps directional dynamics: with w = eps rho w_hat, v = eps s rho (balanced, s = +-1),
    d/dt w_hat = s P_{w_hat-perp} sum_i a_i y_i x_i (-c l'(0)) + O(eps^2): the eps -> 0 limit is
    independent of eps (so is the alignment time); the norm grows like exp(lambda t) with
    lambda = c |x_+| for a neuron aligned with x_+ (its own rate: the escape time is
    log(1/eps)/lambda + O(1), linear in log(1/eps)).
(iii) the paper's alignment-time bound (Theorem 1 as we read it; only the abstract was reachable
    from the sandbox, the constant 4 is quoted from the paper's statement t_1 = 4 log n / sqrt(mu)):
    t_1 = 4 log n / sqrt(mu), for eps below a threshold exponentially small in n/sqrt(mu).
(iv) after alignment, the O(1/t) rate: the aligned network reduces to margins s(t) with
    ds/dt = a s e^{-s} (2-homogeneous model, exponential loss), solved by Ei(s) = a t + C; then
    t L ~ 1/(a s) -> 0 (t L(t) eventually decreasing) and d log L / d log t = -1 - 1/s + o(1/s).
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

n_, mu_ = sp.symbols("n mu", positive=True)
ALIGN_TIME_BOUND = 4 * sp.log(n_) / sp.sqrt(mu_)


def _balancedness() -> bool:
    """(i) for d = 3, n = 3, symbolic data, weights, loss derivatives and activation indicators."""
    d, n = 3, 3
    w = sp.Matrix(sp.symbols(f"w0:{d}"))
    v = sp.Symbol("v")
    X = [sp.Matrix(sp.symbols(f"x{i}_0:{d}")) for i in range(n)]
    g = sp.symbols(f"g0:{n}")          # -c l'(y_i f) y_i: arbitrary
    a = sp.symbols(f"a0:{n}")          # activation indicators (any pattern)
    relu = [a[i] * (w.T * X[i])[0] for i in range(n)]
    dv = sum(g[i] * relu[i] for i in range(n))
    dw = v * sum((g[i] * a[i] * X[i] for i in range(n)), sp.zeros(d, 1))
    rate = 2 * v * dv - 2 * (w.T * dw)[0]
    return sp.expand(rate) == 0


def _directional(loss: str) -> tuple[bool, bool]:
    """(ii) exact d/dt w_hat for a d = 2 neuron on n = 2 points, expanded in eps: the eps^0 term is
    the formula (independent of eps); the O(eps^1) term vanishes."""
    eps, rho, s, c = sp.symbols("epsilon rho s c", positive=True)
    th = sp.Symbol("theta", real=True)
    x = [sp.Matrix(sp.symbols(f"p{i}_0:2", real=True)) for i in range(2)]
    yl = sp.symbols("y0:2", real=True)
    a = sp.symbols("a0:2", real=True)           # pattern, fixed on a neighbourhood
    what = sp.Matrix([sp.cos(th), sp.sin(th)])
    w, v = eps * rho * what, eps * rho          # s = +1 (the s = -1 case flips the sign of v)
    u = sp.Symbol("u")
    ell = sp.exp(-u) if loss == "exponential" else sp.log(1 + sp.exp(-u))
    dl = sp.diff(ell, u)
    # network: this neuron plus others of O(eps^2) output, modelled by an eps^2 * f_other term
    f_other = sp.symbols("F0:2", real=True)
    f = [v * a[i] * (w.T * x[i])[0] + eps**2 * f_other[i] for i in range(2)]
    gi = [-c * dl.subs(u, yl[i] * f[i]) * yl[i] for i in range(2)]
    dw = v * sum((gi[i] * a[i] * x[i] for i in range(2)), sp.zeros(2, 1))
    P = sp.eye(2) - what * what.T
    dwhat = P * dw / (eps * rho)                # d/dt (w/|w|) = P dw/dt / |w|
    formula = P * sum((a[i] * yl[i] * x[i] * (-c * dl.subs(u, 0)) for i in range(2)), sp.zeros(2, 1))
    zeroth = dwhat.applyfunc(lambda e: sp.limit(e, eps, 0))
    first = dwhat.applyfunc(lambda e: sp.limit(sp.diff(e, eps), eps, 0))
    return (sp.simplify(zeroth - formula) == sp.zeros(2, 1),
            sp.simplify(first) == sp.zeros(2, 1))


def _late_rate() -> dict[str, bool]:
    """(iv) with Ei(s) = a t + C: (d/dt) Ei(s(t)) = a, s e^{-s} Ei(s) -> 1, s (s e^{-s} Ei(s) - 1) -> 1."""
    s, a = sp.symbols("s a", positive=True)
    ds = a * s * sp.exp(-s)
    ratio = s * sp.exp(-s) * sp.Ei(s)           # = -d log L / d log t (up to the constant C)
    return {
        "late: Ei(s) = a t + C solves ds/dt = a s e^-s": sp.simplify(sp.diff(sp.Ei(s), s) * ds - a) == 0,
        "late: d log L / d log t -> -1": sp.limit(ratio, s, sp.oo) == 1,
        "late: slope = -1 - 1/s + o(1/s) (t L decreasing)": sp.limit(s * (ratio - 1), s, sp.oo) == 1,
    }


def verify() -> dict[str, bool]:
    """Run every symbolic check; returns {check name: passed}."""
    checks = {"gradient flow conserves v_j^2 - |w_j|^2": _balancedness()}
    for loss in ("exponential", "logistic"):
        zeroth, first = _directional(loss)
        checks[f"directional dynamics, eps -> 0 limit = formula ({loss})"] = zeroth
        checks[f"directional dynamics: no O(eps) correction ({loss})"] = first
    checks.update(_late_rate())
    m = sp.Symbol("m", positive=True)          # n = 1 + m >= 2 data points
    bound = ALIGN_TIME_BOUND.subs(n_, 1 + m)
    checks["bound t_1 increases in n, decreases in mu"] = bool(
        sp.diff(bound, m).is_positive and sp.diff(bound, mu_).is_negative)
    return {k: bool(v) for k, v in checks.items()}


# ---- numeric functions -------------------------------------------------------------------------
align_time_bound = sp.lambdify((n_, mu_), ALIGN_TIME_BOUND, "numpy")


def escape_slope(x_plus_norm, scale):
    """d t_escape / d log(1/eps) = 1/lambda, lambda = scale * |x_+| (growth rate of aligned neurons)."""
    return 1.0 / (scale * np.asarray(x_plus_norm, float))


def late_slope(margin):
    """Predicted log-log slope of the loss at margin s: -1 - 1/s (leading order)."""
    return -1.0 - 1.0 / np.asarray(margin, float)


def data_center_norm(n: int, mu: float) -> float:
    """|x_+| for the suite's data (ceil(n/2) positive unit vectors with pairwise inner product mu)."""
    k = (n + 1) // 2
    return math.sqrt(k + k * (k - 1) * mu)
