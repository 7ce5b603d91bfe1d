r"""The arc-cosine kernels of ReLU random features (Cho & Saul 2009, "Kernel methods for deep
learning", Eq. 1-4), in the feature normalisation of :mod:`sims.double_descent`.

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
from __future__ import annotations

import numpy as np
import sympy as sp

from .formulas import Formula

th, rho, phi = sp.symbols("theta rho phi", positive=True)

J1 = sp.sin(th) + (sp.pi - th) * sp.cos(th)
J2 = 3 * sp.sin(th) * sp.cos(th) + (sp.pi - th) * (1 + 2 * sp.cos(th) ** 2)


def _gaussian_moment(k: int) -> sp.Expr:
    """E[ReLU(w_1)^k ReLU(w_1 cos(theta) + w_2 sin(theta))^k], w ~ N(0, I_2), by polar coordinates:
    w = rho (cos phi, sin phi), both factors positive for phi in (theta - pi/2, pi/2)."""
    radial = sp.integrate(rho ** (2 * k + 1) * sp.exp(-rho**2 / 2), (rho, 0, sp.oo)) / (2 * sp.pi)
    angular = sp.integrate((sp.cos(phi) * sp.cos(phi - th)) ** k, (phi, th - sp.pi / 2, sp.pi / 2))
    return radial * angular


def verify() -> dict[str, bool]:
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


# ---- the verified formulas, by name (theory.formulas(), python -m theory list) ---------------------
CHO_SAUL = "Cho & Saul 2009, Kernel methods for deep learning, Eq. 1-4"
FORMULAS = (
    Formula("arccos_k1", J1 / (2 * sp.pi), "E[ReLU(u) ReLU(v)] for unit-variance Gaussians u, v "
            "at angle theta: the degree-1 arc-cosine kernel J_1/(2 pi) at |x| |x'| / d = 1",
            CHO_SAUL, {"theta": (0, sp.pi)}),
    Formula("arccos_k2", J2 / (2 * sp.pi), "E[ReLU(u)^2 ReLU(v)^2] at angle theta: the degree-2 "
            "arc-cosine kernel J_2/(2 pi) (the fourth moment behind the Gram's variance)",
            CHO_SAUL, {"theta": (0, sp.pi)}),
    Formula("gram_entry_variance", J2 / (2 * sp.pi) - (J1 / (2 * sp.pi)) ** 2,
            "Var[ReLU(u) ReLU(v)] = K2 - K1^2 at angle theta: N times the variance of a Gram entry "
            "of N random features", "derived in this module from " + CHO_SAUL,
            {"theta": (0, sp.pi)}),
)


_J1 = sp.lambdify(th, J1, "numpy")
_J2 = sp.lambdify(th, J2, "numpy")


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
