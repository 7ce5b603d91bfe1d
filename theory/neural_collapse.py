r"""Global minimisers of the bias-free MSE unconstrained-feature / deep-linear model (neural collapse).

Model (Dang, Tran, Osher, Tran-The, Ho, Nguyen, ICML 2023, "Neural Collapse in Deep Linear Networks:
From Balanced to Imbalanced Data"; the loss and minimiser as in the authors' code, papers.md; the
theorem text was not reachable): free features H (d x N, column i of class y_i), M bias-free
layers W_M (K x d), W_{M-1}, ..., W_1 (d x d), one-hot targets Y (K x N), n_k samples in class k,
N = sum n_k, and

    L = |W_M ... W_1 H - Y|_F^2 / (2N) + lambda_W/2 sum_i |W_i|_F^2 + lambda_H/2 |H|_F^2.

Reduction (checked below, and numerically on full matrices in the tests): at a global minimiser with
d >= K every feature of class k equals its class mean hbar_k = c_k v_k (NC1), the v_k are orthonormal,
each layer has singular value s_k along class k's direction (layers balanced: for a fixed product
s_1...s_M, sum s_i^2 is smallest when all are equal), and the loss splits into one scalar problem per
class:

    f_k(s, c) = n_k/(2N) (s^M c - 1)^2 + M lambda_W/2 s^2 + n_k lambda_H/2 c^2.

Stationarity in c gives c = s^M/(s^(2M) + N lambda_H), so with W = W_M...W_1 and Hbar = [hbar_k]:
W W^T = diag(s_k^(2M)) and W Hbar = diag(s_k^(2M)/(s_k^(2M) + N lambda_H)). Stationarity in s, with
s^(2M) = N lambda_H x^M, gives the paper's root equation

    b/n_k = M x^(M-1)/(x^M + 1)^2,      b = M N (N lambda_W^M lambda_H)^(1/M),

i.e. the normalisation of the authors' code (papers.md; the per-layer weight decay lambda_W enters
as lambda_W^M inside the M-th root). For M = 1: x = sqrt(n_k/b) - 1,
(W hbar_k)_k = 1 - N sqrt(lambda_W lambda_H/n_k), |w_k|^2 = sqrt(n_k lambda_H/lambda_W) - N lambda_H,
and the class collapses to zero iff n_k <= N^2 lambda_W lambda_H. For M >= 2, g(x) = M x^(M-1)/(x^M+1)^2 rises from 0 to its maximum at
x* = ((M-1)/(M+1))^(1/M) and then decays, so there are two positive roots or none; the larger one
(on the decreasing branch) is the local minimum, the smaller a saddle. Because s = c = 0 is also a
local minimum when M >= 2, the global minimiser is whichever of the two has the lower f_k; no root
means the class collapses to zero. :func:`class_geometry` returns that global minimiser.

Balanced classes (n_k = n): all classes share (s, c), the class means are orthogonal with equal norm
c, so the centred means form a simplex ETF: their Gram is c^2 (I - 11^T/K).

With an unregularised bias (MSE, balanced; our derivation) the bias takes the mean target 1/K and the
features are centred, so the means and classifier rows form a simplex ETF with the bias-free (s, c)
along the K - 1 unit singular directions of I - 11^T/K (:func:`bias_geometry`). Cross-entropy
(balanced, M = 1; our derivation on the ETF global minimiser of Zhu et al. 2021): with rho =
w_k . hbar_k the loss is CE(rho) = log(1 + (K-1) exp(-K rho/(K-1))) plus a regulariser that, for a
fixed rho, is smallest at lambda_W K s^2 = lambda_H N c^2 (:func:`ce_geometry`).
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .formulas import Formula

s, c, x, n, N, lw, lh = sp.symbols("s c x n_k N lambda_W lambda_H", positive=True)
M_sym = sp.Symbol("M", positive=True, integer=True)


def class_loss(M: int):
    """The per-class scalar loss f_k(s, c) of the module docstring."""
    return n / (2 * N) * (s**M * c - 1) ** 2 + M * lw / 2 * s**2 + n * lh / 2 * c**2


def root_g(M: int):
    """g(x) = M x^(M-1)/(x^M + 1)^2; the root equation is g(x) = b/n_k."""
    return M * x ** (M - 1) / (x**M + 1) ** 2


B_CONST = M_sym * N * (N * lw**M_sym * lh) ** (1 / M_sym)
C_OF_S = lambda M: s**M / (s ** (2 * M) + N * lh)   # noqa: E731  optimal c given s
X_PEAK = ((M_sym - 1) / (M_sym + 1)) ** (1 / M_sym)    # argmax of g for M >= 2
# M = 1 closed forms (Dang et al.'s normalisation)
WH_M1 = 1 - N * sp.sqrt(lw * lh / n)                   # (W hbar_k)_k
W_NORM_SQ_M1 = sp.sqrt(n * lh / lw) - N * lh           # |w_k|^2
COLLAPSE_THRESHOLD_M1 = N**2 * lw * lh                 # the class collapses iff n_k <= this
# cross-entropy on the simplex ETF (balanced, M = 1; our derivation): the optimal rho = w_k . hbar_k
K_sym = sp.Symbol("K", positive=True, integer=True)
beta_ce = sp.Symbol("beta", positive=True)             # sqrt(lambda_W lambda_H K N)
CE_RHO_OPT = -(K_sym - 1) / K_sym * sp.log(beta_ce / (K_sym - (K_sym - 1) * beta_ce))


def _claimed_point(M: int):
    """(s, c, lambda_W) on the curve parametrised by the root x: lambda_W solves g(x) = b/n_k."""
    lam_w = sp.solve(sp.Eq(root_g(M), B_CONST.subs(M_sym, M) / n), lw)
    lam_w = [v for v in lam_w if v.is_positive is not False][0]
    s_val = (N * lh) ** sp.Rational(1, 2 * M) * sp.sqrt(x)
    return s_val, C_OF_S(M).subs(s, s_val), lam_w


def _check_depth(M: int) -> dict[str, bool]:
    """Stationarity, second order and the root's branch of the per-class problem at depth M."""
    checks: dict[str, bool] = {}
    f = class_loss(M)
    s_v, c_v, lam_w = _claimed_point(M)
    sub = {s: s_v, c: c_v, lw: lam_w}
    checks[f"M={M}: df/dc = 0 at c = s^M/(s^2M + N lambda_H)"] = sp.simplify(
        sp.diff(f, c).subs(c, C_OF_S(M))) == 0
    checks[f"M={M}: df/ds = 0 at the root of b/n_k = g(x)"] = sp.simplify(
        sp.diff(f, s).subs(sub)) == 0
    checks[f"M={M}: W Hbar = s^2M/(s^2M + N lambda_H)"] = sp.simplify(
        (s**M * C_OF_S(M)) - s ** (2 * M) / (s ** (2 * M) + N * lh)) == 0
    # second order: Hessian of f is positive definite at the largest root (rational points)
    hess = sp.hessian(f, (s, c))
    ok = True
    for nv, Nv, lv in ((20, 80, sp.Rational(1, 200)), (10, 80, sp.Rational(1, 100)),
                       (50, 200, sp.Rational(1, 1000)), (7, 40, sp.Rational(1, 50))):
        xr = largest_root(M, float(B_CONST.subs({M_sym: M, N: Nv, lw: lv, lh: lv})) / nv)
        if math.isnan(xr):
            continue
        pt = {x: sp.Float(xr, 30), N: Nv, lh: lv, n: nv}
        point = {s: s_v.subs(pt), c: c_v.subs(pt), lw: lv, lh: lv, N: Nv, n: nv}
        H = hess.subs(point).evalf(30)
        ok &= bool(H[0, 0] > 0 and H.det() > 0)
    checks[f"M={M}: largest root is a strict local minimum (Hessian > 0)"] = ok
    if M >= 2:
        H0 = hess.subs({s: 0, c: 0})
        checks[f"M={M}: s = c = 0 is also a local minimum"] = bool(
            sp.simplify(H0[0, 0]).is_positive and sp.simplify(H0.det()).is_positive)
        xs = X_PEAK.subs(M_sym, M)
        checks[f"M={M}: g peaks at x* = ((M-1)/(M+1))^(1/M)"] = sp.simplify(
            sp.diff(root_g(M), x).subs(x, xs)) == 0
    return checks


def _check_depth_one() -> dict[str, bool]:
    """The M = 1 closed forms (Dang et al.'s normalisation) and the collapse threshold."""
    b1 = B_CONST.subs(M_sym, 1)
    x1 = sp.sqrt(n / b1) - 1
    s2 = N * lh * x1
    return {
        "M=1: x = sqrt(n_k/b) solves b/n_k = 1/(x+1)^2": sp.simplify(
            root_g(1).subs(x, x1) - b1 / n) == 0,
        "M=1: |w_k|^2 = sqrt(n_k lambda_H/lambda_W) - N lambda_H": sp.simplify(
            s2 - W_NORM_SQ_M1) == 0,
        "M=1: (W hbar_k)_k = 1 - N sqrt(lambda_W lambda_H/n_k)": sp.simplify(
            s2 / (s2 + N * lh) - WH_M1) == 0,
        # x > 0 iff n_k > b = N^2 lambda_W lambda_H: the threshold in the papers' convention
        "M=1: the root is positive iff n_k > N^2 lambda_W lambda_H": sp.simplify(
            b1 - COLLAPSE_THRESHOLD_M1) == 0,
    }


def _check_frames(K: int) -> dict[str, bool]:
    """Equal orthogonal means centre to a simplex ETF; the centring projection has rank K - 1."""
    Hb = sp.eye(K) * c                       # orthogonal means of equal norm c (in R^K)
    P = sp.eye(K) - sp.ones(K, K) / K
    cen = Hb * P
    return {
        f"K={K}: equal orthogonal means centre to a simplex ETF": sp.simplify(
            cen.T * cen - c**2 * P) == sp.zeros(K, K),
        f"K={K}: I - 11^T/K is a projection of rank K - 1 (target of the MSE with bias)":
            sp.simplify(P * P - P) == sp.zeros(K, K) and P.rank() == K - 1,
    }


def _check_ce(K: int) -> dict[str, bool]:
    """CE on a simplex ETF (our derivation): the per-sample loss, the optimal rho and the norms."""
    rho, beta, sv, cv = sp.symbols("rho beta s_w c_h", positive=True)
    # unit ETF vectors u_k = sqrt(K/(K-1)) (e_k - 1/K): u_j.u_k = -1/(K-1); logits rho u_j.u_k
    P = sp.eye(K) - sp.ones(K, K) / K
    U = sp.sqrt(sp.Rational(K, K - 1)) * P
    z = rho * (U.T * U)[:, 0]
    ce = -sp.log(sp.exp(z[0]) / sum(sp.exp(z[j]) for j in range(K)))
    ce_closed = ce_loss(K, rho)
    rho_star = CE_RHO_OPT.subs({K_sym: K, beta_ce: beta})
    reg = lw * K * sv**2 / 2 + lh * N * cv**2 / 2
    bal = {sv: sp.sqrt(rho) * (lh * N / (lw * K)) ** sp.Rational(1, 4),
           cv: sp.sqrt(rho) * (lw * K / (lh * N)) ** sp.Rational(1, 4)}
    return {
        # a transcendental identity: checked at rational points to 40 digits
        f"K={K}: CE of a sample on the ETF = log(1 + (K-1) exp(-K rho/(K-1)))": all(
            abs(sp.N((ce - ce_closed).subs(rho, r), 40)) < 1e-35
            for r in (sp.Rational(1, 3), sp.Rational(7, 5), sp.Integer(4))),
        f"K={K}: d/drho [CE + beta rho] = 0 at rho* = -(K-1)/K log(beta/(K - (K-1) beta))":
            sp.simplify(sp.diff(ce_closed + beta * rho, rho).subs(rho, rho_star)) == 0,
        f"K={K}: at fixed s c = rho the regulariser is smallest at lambda_W K s^2 = lambda_H N c^2"
        " and equals sqrt(lambda_W lambda_H K N) rho": sp.simplify(
            reg.subs(bal) - sp.sqrt(lw * lh * K * N) * rho) == 0 and sp.simplify(
            (sv * cv).subs(bal) - rho) == 0,
    }


def verify(depths=(1, 2, 3)) -> dict[str, bool]:
    """Symbolic checks of every statement in the module docstring; returns {check: passed}."""
    checks: dict[str, bool] = {}
    for M in depths:
        checks.update(_check_depth(M))
    checks.update(_check_depth_one())
    # balanced layers: with s1 s2 = P fixed, s1^2 + s2^2 is minimised at s1 = s2
    s1, P = sp.symbols("s1 P", positive=True)
    crit = sp.solve(sp.diff(s1**2 + (P / s1) ** 2, s1), s1)
    checks["layers balanced at the optimum (M=2 Lagrange)"] = crit == [sp.sqrt(P)]
    for K in (3, 4):
        checks.update(_check_frames(K))
        checks.update(_check_ce(K))
    return {k: bool(v) for k, v in checks.items()}


# ---- numerics --------------------------------------------------------------------------------------
def b_const(M: int, Ntot: float, lam_w: float, lam_h: float) -> float:
    return M * Ntot * (Ntot * lam_w**M * lam_h) ** (1.0 / M)


def largest_root(M: int, rhs: float) -> float:
    """Largest real root of M x^(M-1)/(x^M+1)^2 = rhs (rhs = b/n_k > 0); nan if none is positive.

    M = 1: x = 1/sqrt(rhs) - 1 (nan if <= 0: the class collapses). M >= 2: the root on the
    decreasing branch x > x*, found by bracketing to machine precision; nan if max g < rhs.
    """
    if rhs <= 0 or not math.isfinite(rhs):
        raise ValueError(f"rhs = b/n_k must be positive and finite, got {rhs}")
    if M == 1:
        r = 1.0 / math.sqrt(rhs) - 1.0
        return r if r > 0 else math.nan
    g = lambda t: M * t ** (M - 1) / (t**M + 1) ** 2 - rhs   # noqa: E731
    xs = ((M - 1) / (M + 1)) ** (1.0 / M)
    if g(xs) < 0:
        return math.nan
    if g(xs) == 0:
        return xs
    hi = 2 * xs
    while g(hi) > 0:
        hi *= 2
    from scipy.optimize import brentq    # ~0.25 s of import: only where a root is sought
    return brentq(g, xs, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)


def class_geometry(counts, M: int, lam_w: float, lam_h: float,
                   compare_zero: bool = True) -> dict[str, np.ndarray]:
    """Global minimiser per class: s^(2M) (= (W W^T)_kk), (W Hbar)_kk, |hbar_k| and collapse flags.

    ``compare_zero=False`` gives the authors' code's choice instead: the largest root whenever one
    exists, never compared with the zero solution (papers.md; a rival for M >= 2)."""
    counts = np.asarray(counts, float)
    Ntot = counts.sum()
    b = b_const(M, Ntot, lam_w, lam_h)
    out = {k: np.zeros(counts.size) for k in ("s2M", "wh", "mean_norm", "root")}
    out["collapsed"] = np.ones(counts.size, bool)
    for k, nk in enumerate(counts):
        xr = largest_root(M, b / nk)
        out["root"][k] = xr
        if math.isnan(xr):
            continue
        s2M = Ntot * lam_h * xr**M
        sv = s2M ** (1.0 / (2 * M))
        cv = math.sqrt(s2M) / (s2M + Ntot * lam_h)
        f = (nk / (2 * Ntot) * (sv**M * cv - 1) ** 2 + M * lam_w / 2 * sv**2 + nk * lam_h / 2 * cv**2)
        if f < nk / (2 * Ntot) or not compare_zero:   # beats the zero solution f(0, 0) = n_k/(2N)
            out["s2M"][k], out["wh"][k], out["mean_norm"][k] = s2M, s2M / (s2M + Ntot * lam_h), cv
            out["collapsed"][k] = False
    return out


def ce_loss(K: int, rho):
    """Cross-entropy of one sample when classifier rows and class means lie on one simplex ETF
    with w_j . hbar_k = rho (j = k) and -rho/(K-1) (j != k): log(1 + (K-1) exp(-K rho/(K-1)))."""
    return sp.log(1 + (K - 1) * sp.exp(-K * rho / (K - 1)))


def ce_geometry(counts, lam_w: float, lam_h: float) -> dict[str, float]:
    """Global minimiser of the balanced CE unconstrained feature model (M = 1, bias unregularised,
    our derivation on the simplex ETF that Zhu et al. 2021 show is the global minimiser): rho = s c
    solves
    CE'(rho) = -beta with beta = sqrt(lambda_W lambda_H K N), i.e.
    rho = -(K-1)/K log(beta/(K - (K-1) beta)) (beta < 1; else the minimiser is 0), and the norms
    |w_k|^2 = s^2 = rho sqrt(lambda_H N/(lambda_W K)),
    |hbar_k|^2 = c^2 = rho sqrt(lambda_W K/(lambda_H N)).
    W W^T = s^2 K/(K-1) (I - 11^T/K), W Hbar = rho K/(K-1) (I - 11^T/K)."""
    counts = np.asarray(counts, float)
    K, Ntot = counts.size, counts.sum()
    beta = math.sqrt(lam_w * lam_h * K * Ntot)
    if beta >= 1:
        return {"rho": 0.0, "s2": 0.0, "c": 0.0, "collapsed": True}
    rho = -(K - 1) / K * math.log(beta / (K - (K - 1) * beta))
    return {"rho": rho, "s2": rho * math.sqrt(lam_h * Ntot / (lam_w * K)),
            "c": math.sqrt(rho * math.sqrt(lam_w * K / (lam_h * Ntot))), "collapsed": False}


def bias_geometry(counts, M: int, lam_w: float, lam_h: float) -> dict[str, np.ndarray | float]:
    """Global minimiser of the balanced MSE model with an unregularised bias (our derivation): the
    bias absorbs the mean target, b = 1/K, h_G = 0, and the centred targets I - 11^T/K have K - 1
    unit singular values, so along each the scalar problem is the bias-free one: W W^T =
    s^2M (I - 11^T/K), W Hbar = s^2M/(s^2M + N lambda_H) (I - 11^T/K), |hbar_k| = c sqrt((K-1)/K)."""
    geo = class_geometry(counts, M, lam_w, lam_h)
    K = len(counts)
    return {"s2M": float(geo["s2M"][0]), "wh": float(geo["wh"][0]),
            "mean_norm": float(geo["mean_norm"][0]) * math.sqrt((K - 1) / K), "bias": 1.0 / K}


def etf_gram(K: int) -> np.ndarray:
    """Gram of a unit simplex ETF: K/(K-1) (I - 11^T/K)."""
    return K / (K - 1) * (np.eye(K) - np.ones((K, K)) / K)


# ---- the verified formulas, by name (theory.formulas(), python -m theory list) ---------------------
DANG = ("Dang, Tran, Osher, Tran-The, Ho & Nguyen, ICML 2023 (normalisation of the authors' code, "
        "papers.md)")
_REG = {"lambda_W": (0, 1e-3), "lambda_H": (0, 1e-3)}
_DEPTH1 = {"n_k": (10, 100), "N": (100, 1000), **_REG}   # n_k > N^2 lambda_W lambda_H: no collapse
FORMULAS = (
    Formula("b_const", B_CONST, "b = M N (N lambda_W^M lambda_H)^(1/M) of the root equation "
            "b/n_k = M x^(M-1)/(x^M + 1)^2", DANG + ", root equation",
            {"M": (1, 6), "N": (10, 1000), **_REG}),
    Formula("optimal_c", C_OF_S(M_sym), "class-mean norm c minimising f_k(s, c) at fixed layer "
            "singular value s: s^M/(s^(2M) + N lambda_H)", DANG + ", per-class reduction",
            {"s": (0, 3), "M": (1, 6), "N": (10, 1000), "lambda_H": (0, 1e-3)}),
    Formula("root_peak", X_PEAK, "x* = ((M-1)/(M+1))^(1/M) where g(x) = M x^(M-1)/(x^M+1)^2 peaks "
            "(M >= 2: two positive roots or none)", DANG + ", root equation (M >= 2)", {"M": (2, 8)}),
    Formula("wh_depth1", WH_M1, "(W hbar_k)_k = 1 - N sqrt(lambda_W lambda_H/n_k) at M = 1",
            DANG + ", M = 1 closed form", _DEPTH1),
    Formula("weight_norm_sq_depth1", W_NORM_SQ_M1, "|w_k|^2 = sqrt(n_k lambda_H/lambda_W) - N lambda_H "
            "at M = 1", DANG + ", M = 1 closed form", _DEPTH1),
    Formula("collapse_threshold_depth1", COLLAPSE_THRESHOLD_M1, "class k collapses to zero iff "
            "n_k <= N^2 lambda_W lambda_H (M = 1)", DANG + ", M = 1 collapse threshold",
            {"N": (10, 1000), **_REG}),
    Formula("ce_rho_opt", CE_RHO_OPT, "balanced cross-entropy UFM (M = 1): optimal w_k . hbar_k = "
            "-(K-1)/K log(beta/(K - (K-1) beta)), beta = sqrt(lambda_W lambda_H K N) < 1",
            "our derivation on the simplex ETF global minimiser of Zhu et al. 2021",
            {"K": (2, 10), "beta": (0, 1)}),
)
