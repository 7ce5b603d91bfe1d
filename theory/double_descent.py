r"""Risk of min-norm least squares, gradient descent and ridge on the isotropic linear model.

Model (Hastie, Montanari, Rosset, Tibshirani 2022, "Surprises in high-dimensional ridgeless least
squares interpolation", Sec. 2-5): x ~ N(0, I_p), y = x.beta + eps, |beta| = r, eps ~ N(0, sigma^2),
n samples, gamma = p/n. The (excess) prediction risk of an estimate a is R = E_x[(x.(a - beta))^2]
= |a - beta|^2.

* Min-norm least squares, asymptotic (their Thm 1):
  R = sigma^2 gamma/(1 - gamma) for gamma < 1, R = r^2 (1 - 1/gamma) + sigma^2/(gamma - 1) for gamma > 1.
* The same at finite n, exact in expectation over Gaussian X (inverse-Wishart mean, their Sec. 2;
  uniformly random projection for the bias): sigma^2 p/(n - p - 1) for p < n - 1 and
  r^2 (1 - n/p) + sigma^2 n/(p - n - 1) for p > n + 1.
* Ridge, a = (X^T X/n + lam)^-1 X^T y/n (their Thm 5, Dobriban & Wager 2018):
  R(lam) = r^2 lam^2 m'(-lam) + sigma^2 gamma [m(-lam) - lam m'(-lam)] with m the Stieltjes transform
  of the Marchenko-Pastur law of ratio gamma; optimal lam* = sigma^2 gamma / r^2, R* = sigma^2 gamma m(-lam*).
* Gradient descent from zero, a_{t+1} = a_t - lr X^T (X a_t - y)/n, stays in the row space of X
  and so converges to the min-norm interpolant; in the SVD X = U S V^T it is
  a_t = sum_i [1 - (1 - lr s_i^2/n)^t]/s_i (u_i.y) v_i (Liu & Flanigan 2023 use this to explain why a
  finite step budget hides the peak).

Every statement above is checked by :func:`verify`; the numeric functions at the bottom are lambdified
from the very expressions checked.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ._lambdified import lambdified
from .formulas import Formula

gamma, r, sigma, lam, t, lr, s, n, p, uy, z = sp.symbols(
    "gamma r sigma lambda t eta s n p u_y z", positive=True)

RISK_UNDER = sigma**2 * gamma / (1 - gamma)
RISK_OVER = r**2 * (1 - 1 / gamma) + sigma**2 / (gamma - 1)
RISK_FINITE_UNDER = sigma**2 * p / (n - p - 1)
RISK_FINITE_OVER = r**2 * (1 - n / p) + sigma**2 * n / (p - n - 1)
# E |Z a - y|^2 / (2n) of least squares at p < n: the residual (I - P) eps is the noise projected on
# the n - p dimensional complement of Z's columns, E eps^T (I - P) eps = sigma^2 tr(I - P)
TRAIN_FINITE_UNDER = sigma**2 * (n - p) / (2 * n)

# Marchenko-Pastur Stieltjes transform m(z) = int dmu(x)/(x - z), evaluated at z = -lam < 0.
MP_STIELTJES = (-(1 - gamma + lam) + sp.sqrt((1 - gamma + lam)**2 + 4 * gamma * lam)) / (2 * gamma * lam)
_m_prime = sp.diff(MP_STIELTJES, lam) * -1          # m'(z) at z = -lam, since d/dlam = -d/dz
RIDGE_RISK = r**2 * lam**2 * _m_prime + sigma**2 * gamma * (MP_STIELTJES - lam * _m_prime)
RIDGE_LAMBDA_OPT = sigma**2 * gamma / r**2
RIDGE_RISK_OPT = (sigma**2 * gamma * MP_STIELTJES).subs(lam, RIDGE_LAMBDA_OPT)
OVERPARAM_MINIMISER = r / (r - sigma)
GD_MODE_COEFF = (1 - (1 - lr * s**2 / n)**t) / s * uy   # coefficient of v_i after t steps


def verify() -> dict[str, bool]:
    """Run every symbolic check; returns {check name: passed}."""
    g = sp.Symbol("g", positive=True)
    checks: dict[str, bool] = {}
    checks["under: gamma->0 gives 0"] = sp.limit(RISK_UNDER, gamma, 0, "+") == 0
    checks["under: gamma->1- diverges"] = sp.limit(RISK_UNDER, gamma, 1, "-") == sp.oo
    checks["over: gamma->1+ diverges"] = sp.limit(RISK_OVER, gamma, 1, "+") == sp.oo
    checks["over: gamma->inf gives null risk r^2"] = sp.limit(RISK_OVER, gamma, sp.oo) == r**2
    for label, finite, asym in (("under", RISK_FINITE_UNDER, RISK_UNDER),
                                ("over", RISK_FINITE_OVER, RISK_OVER)):
        along = finite.subs(p, g * n)
        checks[f"finite-n {label} -> asymptotic as n->inf"] = sp.simplify(
            sp.limit(along, n, sp.oo) - asym.subs(gamma, g)) == 0
        gap = sp.simplify(sp.limit(n * (along - asym.subs(gamma, g)), n, sp.oo))
        checks[f"finite-n {label} gap is O(1/n)"] = (
            gap != 0 and gap.free_symbols <= {g, r, sigma} and not gap.has(sp.oo, sp.zoo, sp.nan))
    checks["train (p < n): the noise sigma^2/2 at p -> 0, zero at p = n"] = (
        sp.simplify(TRAIN_FINITE_UNDER.subs(p, 0) - sigma**2 / 2) == 0
        and sp.simplify(TRAIN_FINITE_UNDER.subs(p, n)) == 0)
    checks["train (p < n) = sigma^2 tr(I - P)/(2n), a symbolic 4 x 2 design"] = _residual_trace_identity()
    # Local minimum of the overparametrised risk (needs r > sigma).
    stationary = sp.solve(sp.diff(RISK_OVER, gamma), gamma)
    checks["over: stationary point is r/(r - sigma)"] = any(
        sp.simplify(root - OVERPARAM_MINIMISER) == 0 for root in stationary)
    curvature = sp.simplify(sp.diff(RISK_OVER, gamma, 2).subs(gamma, OVERPARAM_MINIMISER))
    checks["over: it is a minimum for r > sigma"] = sp.simplify(
        curvature.subs(r, sigma + sp.Symbol("d", positive=True))).is_positive
    # MP Stieltjes transform solves gamma z m^2 + (z - 1 + gamma) m + 1 = 0 at z = -lam.
    checks["MP Stieltjes transform solves its quadratic"] = sp.simplify(
        (gamma * (-lam) * MP_STIELTJES**2 + (-lam - 1 + gamma) * MP_STIELTJES + 1).expand()) == 0
    # Ridge: lam* is stationary, R* = sigma^2 gamma m(-lam*), and R* increases with gamma
    # (so optimal ridge has no peak at gamma = 1). Checked at exact rational points to 50 digits.
    d_ridge = sp.diff(RIDGE_RISK, lam)
    d_opt = sp.diff(RIDGE_RISK_OPT, gamma)
    grid = [(sp.Rational(gn, 8), sp.Rational(rn, 4), sp.Rational(sn, 4))
            for gn in (1, 3, 6, 7, 8, 9, 12, 20, 40) for rn in (2, 4, 8) for sn in (1, 2, 6)]
    checks["ridge: lam* = sigma^2 gamma/r^2 is stationary"] = all(
        abs(d_ridge.subs({gamma: G, r: R, sigma: S, lam: S**2 * G / R**2}).evalf(50)) < 1e-40
        for G, R, S in grid)
    checks["ridge: R(lam*) = sigma^2 gamma m(-lam*)"] = all(
        abs((RIDGE_RISK.subs(lam, RIDGE_LAMBDA_OPT) - RIDGE_RISK_OPT)
            .subs({gamma: G, r: R, sigma: S}).evalf(50)) < 1e-40 for G, R, S in grid)
    checks["ridge: optimal risk increases with gamma (no peak)"] = all(
        d_opt.subs({gamma: G, r: R, sigma: S}).evalf(50) > 0 for G, R, S in grid)
    # GD: the per-mode closed form satisfies the GD recursion and tends to u.y/s (= pinv).
    step = GD_MODE_COEFF - lr / n * s * (s * GD_MODE_COEFF - uy)
    checks["GD closed form satisfies the recursion"] = sp.simplify(
        step - GD_MODE_COEFF.subs(t, t + 1)) == 0
    checks["GD closed form at t=0 is zero init"] = GD_MODE_COEFF.subs(t, 0) == 0
    checks["GD: gradient stays in the row space, limit is pinv"] = _row_space_identity()
    checks.update(verify_kernels())              # the random-features kernels (Cho & Saul)
    return {name: bool(ok) for name, ok in checks.items()}


def _residual_trace_identity() -> bool:
    """E eps^T (I - P) eps / (2n) = TRAIN_FINITE_UNDER for the projector P = Z (Z^T Z)^-1 Z^T of a
    symbolic full-rank 4 x 2 design: tr(I - P) = n - p, so the least-squares residual keeps
    sigma^2 (n - p) of the noise."""
    N, Pn = 4, 2
    Z = sp.Matrix(N, Pn, lambda i, j: sp.Symbol(f"z{i}{j}", real=True))
    P = Z * (Z.T * Z).inv() * Z.T
    trace = sp.simplify((sp.eye(N) - P).trace())
    return sp.simplify(sigma**2 * trace / (2 * N) - TRAIN_FINITE_UNDER.subs({n: N, p: Pn})) == 0


def _row_space_identity() -> bool:
    """For a generic full-row-rank 2x3 X: (I - X^+ X) X^T = 0, so every GD step X^T(Xa - y) lies
    in the row space; the only interpolant there is X^+ y = X^T (X X^T)^-1 y."""
    X = sp.Matrix(2, 3, sp.symbols("x0:6"))
    y = sp.Matrix(2, 1, sp.symbols("y0:2"))
    pinv = X.T * (X * X.T).inv()
    projector_null = sp.eye(3) - pinv * X
    a = pinv * y
    return (sp.simplify(projector_null * X.T) == sp.zeros(3, 2)
            and sp.simplify(X * a - y) == sp.zeros(2, 1)
            and sp.simplify(projector_null * a) == sp.zeros(3, 1))


# ---- the verified formulas, by name (theory.formulas(), python -m theory list) ---------------------
HASTIE = "Hastie, Montanari, Rosset & Tibshirani 2022"
FORMULAS = (
    Formula("risk_under", RISK_UNDER, "asymptotic min-norm risk for gamma = p/n < 1",
            HASTIE + " Thm 1", {"gamma": (0, 1), "sigma": (0, sp.oo)}),
    Formula("risk_over", RISK_OVER, "asymptotic min-norm risk for gamma > 1 (bias + variance)",
            HASTIE + " Thm 1", {"gamma": (1, sp.oo), "r": (0, sp.oo), "sigma": (0, sp.oo)}),
    Formula("risk_finite_under", RISK_FINITE_UNDER, "exact E risk at finite n, p < n - 1 "
            "(inverse-Wishart mean)", HASTIE + " Sec. 2", {"n": (10, 1000), "p": (1, 8),
                                                   "sigma": (0, 10)}),
    Formula("risk_finite_over", RISK_FINITE_OVER, "exact E risk at finite n, p > n + 1 (bias of a "
            "uniform projection + inverse Wishart)", HASTIE + " Sec. 2",
            {"n": (1, 50), "p": (60, 1000), "r": (0, 10), "sigma": (0, 10)}),
    Formula("ridge_risk", RIDGE_RISK, "asymptotic ridge risk at penalty lambda (Marchenko-Pastur "
            "Stieltjes transform)", HASTIE + " Thm 5; Dobriban & Wager 2018",
            {"gamma": (0, 10), "lambda": (0, 10), "r": (0, 10), "sigma": (0, 10)}),
    Formula("ridge_lambda_opt", RIDGE_LAMBDA_OPT, "optimal ridge penalty sigma^2 gamma / r^2",
            HASTIE + " Thm 5 (optimal penalty)", {"gamma": (0, 10), "r": (0, 10), "sigma": (0, 10)}),
    Formula("ridge_risk_opt", RIDGE_RISK_OPT, "risk at the optimal ridge penalty",
            HASTIE + " Thm 5 (optimal penalty)", {"gamma": (0, 10), "r": (0, 10), "sigma": (0, 10)}),
    Formula("overparam_minimiser", OVERPARAM_MINIMISER, "gamma* = r/(r - sigma) minimising the "
            "overparametrised risk (r > sigma)", HASTIE + " Sec. 3", {"r": (2, 10), "sigma": (0, 1)}),
    Formula("gd_mode_coeff", GD_MODE_COEFF, "coefficient of v_i after t GD steps from zero",
            "Liu & Flanigan 2023 Sec. 4", {"t": (0, 100), "eta": (0, 1), "s": (0, 1),
                                           "n": (1, 100), "u_y": (0, 10)}),
)


# ---- numeric functions, lambdified from the expressions verified above -------------------------
_risk_under = lambdified((gamma, sigma), RISK_UNDER, "numpy")
_risk_over = lambdified((gamma, r, sigma), RISK_OVER, "numpy")
_finite_under = lambdified((n, p, sigma), RISK_FINITE_UNDER, "numpy")
_finite_over = lambdified((n, p, r, sigma), RISK_FINITE_OVER, "numpy")
_train_under = lambdified((n, p, sigma), TRAIN_FINITE_UNDER, "numpy")
ridge_risk = lambdified((gamma, lam, r, sigma), RIDGE_RISK, "numpy")
optimal_ridge_lambda = lambdified((gamma, r, sigma), RIDGE_LAMBDA_OPT, "numpy")
optimal_ridge_risk = lambdified((gamma, r, sigma), RIDGE_RISK_OPT, "numpy")
overparam_minimiser = lambdified((r, sigma), OVERPARAM_MINIMISER, "numpy")
# Marchenko-Pastur: the nonzero singular values of an n x p matrix of i.i.d. entries fill
# [|1 - sqrt(gamma)|, 1 + sqrt(gamma)] (times sqrt(n)) as n, p -> inf with p/n = gamma
MP_CONDITION = (1 + sp.sqrt(gamma)) / sp.Abs(1 - sp.sqrt(gamma))
mp_condition = lambdified((gamma,), MP_CONDITION, "numpy")


def min_norm_risk(gamma_, r_, sigma_):
    """Asymptotic min-norm risk (Hastie et al. Thm 1); +inf at gamma = 1."""
    g = np.asarray(gamma_, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(g < 1, _risk_under(g, sigma_), _risk_over(g, r_, sigma_))
    return np.where(g == 1, np.inf, out)


def min_norm_risk_finite(n_, p_, r_, sigma_):
    """Exact expected min-norm risk at finite n for Gaussian X; +inf where |p - n| <= 1."""
    p_ = np.asarray(p_, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p_ < n_, _finite_under(n_, p_, sigma_), _finite_over(n_, p_, r_, sigma_))
    return np.where(np.abs(p_ - n_) <= 1, np.inf, out)


def min_norm_train_finite(n_, p_, sigma_):
    """Exact E |Z a - y|^2/(2n) of the min-norm fit to y = Z beta + eps, eps ~ N(0, sigma^2 I_n):
    sigma^2 (n - p)/(2n) for p < n (:data:`TRAIN_FINITE_UNDER`), 0 for p >= n (interpolation)."""
    p_ = np.asarray(p_, float)
    return np.where(p_ < n_, _train_under(n_, p_, sigma_), 0.0)


# ---- random features: the arc-cosine kernels -----------------------------------------------------
"""The arc-cosine kernels of ReLU random features (Cho & Saul 2009, 'Kernel methods for deep
learning', Eq. 1-4), in the feature normalisation of :mod:`sims.double_descent`.

Features z_a(x) = ReLU(w_a . x / sqrt(d)), w_a ~ N(0, I_d), a = 1..N. For two inputs x, x' at angle
theta, w . x / sqrt(d) and w . x' / sqrt(d) are jointly Gaussian with variances |x|^2/d, |x'|^2/d
and correlation cos(theta), and

    E_w[ReLU(u)^k ReLU(v)^k] = (|x| |x'| / d)^k J_k(theta) / (2 pi),
    J_1 = sin(theta) + (pi - theta) cos(theta),
    J_2 = 3 sin(theta) cos(theta) + (pi - theta) (1 + 2 cos(theta)^2).

So the feature Gram matrix G = Z Z^T / N [sample, sample2] is an average of N independent matrices
with mean K1 (k = 1) and entry variances K2 - K1^2 (k = 2, the fourth moment), hence exactly

    E |G - K1|_F^2 = (1/N) sum_(i,j) (K2_ij - K1_ij^2).

A feature map scaled as ReLU(w . x / d) (the 1/d rival) has kernels K1/d and K2/d^2 instead.
:func:`verify` checks J_1 and J_2 against the Gaussian integral in polar coordinates.
"""
th, rho, phi = sp.symbols("theta rho phi", positive=True)

J1 = sp.sin(th) + (sp.pi - th) * sp.cos(th)
J2 = 3 * sp.sin(th) * sp.cos(th) + (sp.pi - th) * (1 + 2 * sp.cos(th) ** 2)


def _gaussian_moment(k: int) -> sp.Expr:
    """E[ReLU(w_1)^k ReLU(w_1 cos(theta) + w_2 sin(theta))^k], w ~ N(0, I_2), by polar coordinates:
    w = rho (cos phi, sin phi), both factors positive for phi in (theta - pi/2, pi/2)."""
    radial = sp.integrate(rho ** (2 * k + 1) * sp.exp(-rho**2 / 2), (rho, 0, sp.oo)) / (2 * sp.pi)
    angular = sp.integrate((sp.cos(phi) * sp.cos(phi - th)) ** k, (phi, th - sp.pi / 2, sp.pi / 2))
    return radial * angular


def verify_kernels() -> dict[str, bool]:
    """Cho & Saul's J_1, J_2 against the polar integral (for 0 <= theta <= pi), and their values at
    theta = 0 (E ReLU(g)^2 = 1/2, E ReLU(g)^4 = 3/2) and theta = pi/2 (independent factors)."""
    out = {}
    for k, J in ((1, J1), (2, J2)):
        out[f"arc-cosine kernel J_{k} (Cho & Saul 2009 Eq. 4): Gaussian integral = J_{k}/(2 pi)"] = sp.simplify(
            sp.expand_trig(_gaussian_moment(k) - J / (2 * sp.pi))) == 0
    out["arc-cosine kernels (Cho & Saul 2009) at theta = 0: E ReLU(g)^2 = 1/2, E ReLU(g)^4 = 3/2"] = (
        sp.simplify(J1.subs(th, 0) / (2 * sp.pi)) == sp.Rational(1, 2)
        and sp.simplify(J2.subs(th, 0) / (2 * sp.pi)) == sp.Rational(3, 2))
    out["arc-cosine kernels (Cho & Saul 2009) at theta = pi/2: (E ReLU(g))^2 = 1/(2 pi), (E ReLU(g)^2)^2 = 1/4"] = (
        sp.simplify(J1.subs(th, sp.pi / 2) / (2 * sp.pi)) == 1 / (2 * sp.pi)
        and sp.simplify(J2.subs(th, sp.pi / 2) / (2 * sp.pi)) == sp.Rational(1, 4))
    return {k: bool(v) for k, v in out.items()}


_J1 = lambdified(th, J1, "numpy")
_J2 = lambdified(th, J2, "numpy")


def kernels(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(K1, K2) [sample, sample2] of the inputs X [sample, feature] (d = X.shape[1]): the mean and
    the second moment of the entries of z(x_i) z(x_j) (module docstring)."""
    d = X.shape[1]
    norms = np.linalg.norm(X, axis=1)
    scale = np.outer(norms, norms) / d
    cos = np.clip((X @ X.T) / np.outer(norms, norms), -1.0, 1.0)
    theta = np.arccos(cos)
    return scale * _J1(theta) / (2 * np.pi), scale**2 * _J2(theta) / (2 * np.pi)


def gram_error_variance(X: np.ndarray, width: int) -> float:
    """E |Z Z^T / N - K1|_F^2 = sum_(i,j) (K2_ij - K1_ij^2) / N for N = ``width`` features."""
    K1, K2 = kernels(X)
    return float(np.sum(K2 - K1**2) / width)
