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
(iii) the paper's alignment-time bound (Theorem 1 part 1, explicit constant of Appendix C):
    t_1 = 16 log n / (min{zeta, xi} sqrt(mu) X_min), X_min = min_i |x_i|, in the paper's time (the
    gradient flow of the SUM loss; a run with c = 1/n has t_paper = t / n). zeta (from the init,
    Lemma 8) and xi (from the data, Lemma 9) lie in (0, 1]; their definitions were not reachable
    here, so the suite evaluates the bound at min{zeta, xi} = 1: a LOWER estimate of the paper's
    t_1, so checking t_align <= it is conservative. The log n is a worst case (a harmonic sum over
    up to n activation changes): an upper bound, not a predicted growth.
(iv) after alignment (Theorem 1 part 2: L(t) <= L(t_2)/(L(t_2) alpha (t - t_2) + 1), O(1/t)),
    the aligned network reduces to margins s(t) with ds/dt = a s e^{-s} (2-homogeneous model,
    exponential loss), solved by Ei(s) = a t + C; then t L ~ 1/(a s) -> 0 (t L(t) eventually
    decreasing) and d log L / d log t = -1 - 1/s + o(1/s). Statistic q = -s (d log L/d log t + 1):
    q(s) = s (s e^{-s} Ei(s) - 1) = 1 + 2/s + 6/s^2 + ... Rivals: a degree-L homogeneous model has
    ds/dt = a s^beta e^{-s}, beta = 2 - 2/L, so q = beta + beta (beta + 1)/s + ...: beta = 0 for a
    1-homogeneous (linear) predictor, whose loss is exactly ~ 1/t as the paper's bound, beta = 4/3
    for a 3-homogeneous (depth-3) net.
(v) the alignment time itself, for the suite's data (y_i x_i = sqrt(mu) u + sqrt(1 - mu) z_i, k
    points a class). In a fixed activation pattern with constant drive g the eps -> 0 flow gives
    C = cos(w_hat, g) the closed form C(t) = tanh(|g| t + atanh C(0)) (dC/dt = |g| (1 - C^2)), so a
    neuron reaches cos = c* at T = (atanh c* - atanh C(0)) / |g|. In S+, g = c x_+ with
    |x_+|^2 = k + k(k - 1) mu = k^2 mu (1 + rho), rho = (1 - mu)/(k mu). Before S+ the drive along
    the common direction u is still c sqrt(mu) |A| with |A| = k for every sign-coherent pattern
    (a neuron is active on one whole class), and x_+ -> u as rho -> 0. Hence the large-n law
        t_align -> t* = max_j (atanh c* - atanh cos(w_j(0), x_{s_j})) / (c |x_{s_j}|),
    with relative corrections O(rho) (the part of x_+ off u; the part of the drive the law drops).
    With c = 1/n, c |x_+| -> sqrt(mu)/2: t* is flat in n and ~ 1/sqrt(mu) (with c = 1 it falls
    like 1/(n sqrt(mu))). The bound's sqrt(mu) is attained; its log n is not: it covers worst
    cases over data and initialisations that random inits on this family do not reach.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ._lambdified import lambdified
from .formulas import Formula

n_, mu_ = sp.symbols("n mu", positive=True)
xmin_, zx_ = sp.symbols("X_min zeta_xi", positive=True)          # min_i |x_i|, min{zeta, xi}
ALIGN_TIME_BOUND = 16 * sp.log(n_) / (zx_ * sp.sqrt(mu_) * xmin_)  # (iii), the paper's units
G_, C0_, cstar_ = sp.symbols("G C0 c_star", real=True)
ALIGN_TIME_FIXED_PATTERN = (sp.atanh(cstar_) - sp.atanh(C0_)) / G_     # (v): rate G, cos C0 -> c*
k_ = sp.Symbol("k", positive=True)                                     # points in one class
CENTRE_NORM_SQ = k_ + k_ * (k_ - 1) * mu_                              # (v): |x_+|^2
FINITE_CLASS_RATIO = (1 - mu_) / (k_ * mu_)                            # (v): rho
s_, beta_ = sp.symbols("s beta", positive=True)                        # (iv): margin, 2 - 2/L
Q_SERIES = beta_ + beta_ * (beta_ + 1) / s_ + beta_ * (beta_ + 1) * (beta_ + 2) / s_**2


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


def _homogeneous_margin_law() -> bool:
    """(iv) rivals: f = gamma rho^L along a fixed direction, exponential loss, d rho/dt = -dL/d rho
    gives ds/dt = L^2 gamma^(2/L) s^beta e^{-s} with s = gamma rho^L, beta = 2 - 2/L."""
    rho, gamma, L = sp.symbols("rho gamma L", positive=True)
    s = gamma * rho**L
    drho = -sp.diff(sp.exp(-s), rho)
    ds = sp.diff(s, rho) * drho
    beta = 2 - 2 / L
    return sp.simplify(ds / (L**2 * gamma ** (2 / L) * s**beta * sp.exp(-s)) - 1) == 0


def _rate_series() -> bool:
    """(iv) the asymptotic antiderivative behind q_beta: with
    F(s) = e^s s^-beta (1 + beta/s + beta(beta+1)/s^2 + beta(beta+1)(beta+2)/s^3),
    F' = e^s s^-beta (1 - beta(beta+1)(beta+2)(beta+3)/s^4), so t = F(s)/a + O(e^s s^(-beta-4)) and
    -d log L / d log t = s^beta e^-s F(s) = 1 + q_beta(s)/s + O(s^-4)."""
    s, b = sp.symbols("s beta", positive=True)
    F = sp.exp(s) * s**-b * (1 + b / s + b * (b + 1) / s**2 + b * (b + 1) * (b + 2) / s**3)
    exact = sp.simplify(sp.diff(F, s) - sp.exp(s) * s**-b * (1 - b * (b + 1) * (b + 2) * (b + 3)
                                                             / s**4)) == 0
    q = s * (s**b * sp.exp(-s) * F - 1)
    return exact and sp.simplify(q - Q_SERIES.subs(beta_, b).subs(s_, s)) == 0


def _alignment_law() -> dict[str, bool]:
    """(v) the closed-form alignment trajectory in a fixed pattern and the data-centre algebra."""
    phi, G, t, C0, cs = sp.symbols("phi G t C0 c_star", positive=True)
    w = sp.Matrix([sp.cos(phi), sp.sin(phi)])
    g = sp.Matrix([G, 0])
    flow = g - (w.T * g)[0] * w                              # P_{w-perp} g
    dphi = (sp.Matrix([-sp.sin(phi), sp.cos(phi)]).T * flow)[0]
    dC = -sp.sin(phi) * dphi                                 # d/dt cos(phi)
    C = sp.tanh(G * t + sp.atanh(C0))
    T = sp.solve(sp.Eq(G * t + sp.atanh(C0), sp.atanh(cs)), t)
    k, norm_sq, rho = k_, CENTRE_NORM_SQ, FINITE_CLASS_RATIO
    # |x_+|^2 = 1^T Gram 1 with Gram = mu 11^T + (1 - mu) I (one class): exact matrices for k = 1..6
    # against the closed form (both quadratic in k, so six points pin it)
    gram_ok = all(sp.simplify((sp.ones(1, m) * (mu_ * sp.ones(m, m) + (1 - mu_) * sp.eye(m))
                               * sp.ones(m, 1))[0] - norm_sq.subs(k, m)) == 0
                  for m in range(1, 7))
    cos_u_sq = (k * sp.sqrt(mu_)) ** 2 / norm_sq
    rate = sp.sqrt(norm_sq).subs(k, n_ / 2) / n_
    T_closed = ALIGN_TIME_FIXED_PATTERN.subs({G_: G, C0_: C0, cstar_: cs})
    zero = lambda e: sp.simplify(e) == 0                     # noqa: E731
    return {
        "alignment law: dC/dt = |g| (1 - C^2) in a fixed pattern":
            zero(dC - G * (1 - sp.cos(phi) ** 2)),
        "alignment law: C = tanh(|g| t + atanh C0) solves it":
            zero(sp.diff(C, t) - G * (1 - C**2)) and zero(C.subs(t, 0) - C0),
        "alignment law: time to cos c* is (atanh c* - atanh C0)/|g|":
            len(T) == 1 and zero(T[0] - T_closed),
        "data centre: |x_+|^2 = k + k(k-1) mu = k^2 mu (1 + rho)":
            gram_ok and zero(norm_sq - k**2 * mu_ * (1 + rho)),
        "data centre: cos^2(u, x_+) = 1/(1 + rho) -> 1":
            zero(cos_u_sq - 1 / (1 + rho)) and sp.limit(cos_u_sq, k, sp.oo) == 1,
        "data centre: rate |x_+|/n -> sqrt(mu)/2 as n -> oo (k = n/2)":
            zero(sp.limit(rate, n_, sp.oo) - sp.sqrt(mu_) / 2),
    }


def verify() -> dict[str, bool]:
    """Run every symbolic check; returns {check name: passed}."""
    checks = {"gradient flow conserves v_j^2 - |w_j|^2": _balancedness()}
    for loss in ("exponential", "logistic"):
        zeroth, first = _directional(loss)
        checks[f"directional dynamics, eps -> 0 limit = formula ({loss})"] = zeroth
        checks[f"directional dynamics: no O(eps) correction ({loss})"] = first
    checks.update(_late_rate())
    checks["late rivals: degree-L homogeneous margins obey ds/dt ~ s^(2-2/L) e^-s"] = \
        _homogeneous_margin_law()
    checks["late rivals: q_beta = beta + beta(beta+1)/s + beta(beta+1)(beta+2)/s^2"] = \
        _rate_series()
    checks.update(_alignment_law())
    m = sp.Symbol("m", positive=True)          # n = 1 + m >= 2 data points
    bound = ALIGN_TIME_BOUND.subs(n_, 1 + m)
    checks["bound t_1 increases in n, decreases in mu"] = bool(
        sp.diff(bound, m).is_positive and sp.diff(bound, mu_).is_negative)
    return {k: bool(v) for k, v in checks.items()}


# ---- the verified formulas, by name (theory.formulas(), python -m theory list) ---------------------
MMV = "Min, Mallada & Vidal, ICLR 2024 (arXiv 2307.12851)"
FORMULAS = (
    Formula("align_time_bound", ALIGN_TIME_BOUND, "alignment-time bound t_1 = 16 log n / "
            "(min{zeta, xi} sqrt(mu) X_min), paper time (gradient flow of the sum loss)",
            MMV + " Thm 1 part 1 (explicit constant of Appendix C)",
            {"n": (2, 1000), "mu": (0, 1), "X_min": (0, 10), "zeta_xi": (0, 1)}),
    Formula("align_time_fixed_pattern", ALIGN_TIME_FIXED_PATTERN, "time for a neuron's cosine to "
            "its drive to go from C0 to c* in a fixed activation pattern with rate G = |g| "
            "(C(t) = tanh(G t + atanh C0))", "derived in this module (docstring (v)), for " + MMV
            + "'s small-initialisation flow", {"G": (0, 10), "C0": (-0.9, 0.5), "c_star": (0.5, 0.999)}),
    Formula("centre_norm_sq", CENTRE_NORM_SQ, "|x_+|^2 = k + k(k-1) mu for k unit vectors with "
            "pairwise inner product mu (the suite's data centre)",
            "derived in this module (docstring (v)), the suite's data for " + MMV,
            {"k": (1, 100), "mu": (0, 1)}),
    Formula("finite_class_ratio", FINITE_CLASS_RATIO, "rho = (1 - mu)/(k mu): the off-u share of "
            "|x_+|^2 = k^2 mu (1 + rho), the size of the large-n law's corrections",
            "derived in this module (docstring (v)), the suite's data for " + MMV,
            {"k": (1, 100), "mu": (0, 1)}),
    Formula("q_series", Q_SERIES, "q = -s (d log L/d log t + 1) of the margin law ds/dt = a s^beta "
            "e^-s to O(1/s^2) (beta = 2 - 2/L for a degree-L homogeneous model; beta = 2 for the "
            "paper's 2-homogeneous net)", "derived in this module (docstring (iv)); late phase of "
            + MMV + " Thm 1 part 2", {"s": (1, 100), "beta": (0, 2)}),
)


# ---- numeric functions -------------------------------------------------------------------------
_bound = lambdified((n_, mu_, xmin_, zx_), ALIGN_TIME_BOUND, "numpy")


def align_time_bound(n, mu, x_min=1.0, zeta_xi=1.0):
    """(iii) Theorem 1's t_1 = 16 log n / (min{zeta, xi} sqrt(mu) X_min), paper units (sum loss);
    the default min{zeta, xi} = 1 gives its lower estimate."""
    return _bound(np.asarray(n, float), np.asarray(mu, float), np.asarray(x_min, float),
                  np.asarray(zeta_xi, float))


_time_to_cos = lambdified((C0_, G_, cstar_), ALIGN_TIME_FIXED_PATTERN, "numpy")


def large_n_align_time(cos0, rate, threshold):
    """(v) t* = max over neurons (last axis) of (atanh c* - atanh cos_j(0)) / rate_j, where cos_j(0)
    is neuron j's initial cosine to its own data centre and rate_j = c |x_{s_j}|."""
    cos0 = np.clip(np.asarray(cos0, float), -1 + 1e-15, 1 - 1e-15)
    return np.max(_time_to_cos(cos0, np.asarray(rate, float), threshold), axis=-1)


_rho = lambdified((k_, mu_), FINITE_CLASS_RATIO, "numpy")
_centre_norm = lambdified((k_, mu_), sp.sqrt(CENTRE_NORM_SQ), "numpy")


def finite_class_ratio(n, mu):
    """rho = (1 - mu) / (k mu), k = floor(n/2) the smaller class: the off-u share of |x_+|^2."""
    return _rho(np.floor(np.asarray(n, float) / 2), np.asarray(mu, float))


def escape_slope(x_plus_norm, scale):
    """d t_escape / d log(1/eps) = 1/lambda, lambda = scale * |x_+| (growth rate of aligned neurons)."""
    return 1.0 / (scale * np.asarray(x_plus_norm, float))


def late_slope(margin):
    """Predicted log-log slope of the loss at margin s: -1 - 1/s (leading order)."""
    return -1.0 - 1.0 / np.asarray(margin, float)


_q_series = lambdified((s_, beta_), Q_SERIES, "numpy")


def late_rate_q(margin):
    """(iv) q = -s (d log L / d log t + 1) of the 2-homogeneous margin law, exactly
    s (s e^{-s} Ei(s) - 1) (the constant C of Ei(s) = a t + C dropped): 1 + 2/s + 6/s^2 + ..."""
    from scipy.special import expi
    s = np.asarray(margin, float)
    return s * (s * np.exp(-s) * expi(s) - 1.0)


def rival_rate_q(margin, degree):
    """(iv) q of a degree-``degree`` homogeneous model's margin law ds/dt = a s^beta e^{-s},
    beta = 2 - 2/degree, to O(1/s^2) (degree 1: q = 0, an exact 1/t loss)."""
    beta = 2.0 - 2.0 / degree
    return _q_series(np.asarray(margin, float), beta) if beta > 0 else 0.0 * np.asarray(margin, float)


def data_center_norm(n: int, mu: float) -> float:
    """|x_+| for the suite's data (ceil(n/2) positive unit vectors with pairwise inner product mu)."""
    return float(_centre_norm((n + 1) // 2, mu))
