"""Gradient flow dW/dt = -grad L(W) by the second-order Runge-Kutta-Chebyshev method (RKC), the
edge-of-stability experiment's contrast to GD (Cohen et al. 2021, their gradient-flow runs).

Why RKC. Along the flow the Jacobian of the vector field is -H (real spectrum, down to -lambda_max),
and lambda_max rises to ~9 lambda_0 on the Chebyshev toy: an explicit method's step is capped by
its real stability interval [-beta, 0] (RK4: beta = 2.79, 4 gradients per step). The s-stage RKC
scheme (van der Houwen & Sommeijer 1980; Sommeijer, Shampine & Verwer 1998, J. Comput. Appl. Math.
88, 315, damping eps = 2/13) keeps second order with beta(s) ~ 0.65 s^2 for s gradients, so a
step h with h lambda_max = 10 costs 5 gradients instead of ~16.

Scheme (one step of size h from y_n, F = -grad L; T_j the Chebyshev polynomials):
    w0 = 1 + eps/s^2,  w1 = T_s'(w0)/T_s''(w0),  b_j = T_j''(w0)/T_j'(w0)^2 (j >= 2), b_0 = b_1 = b_2,
    a_j = 1 - b_j T_j(w0);  Y_0 = y_n,  Y_1 = Y_0 + mt_1 h F(Y_0),  mt_1 = b_1 w1,
    Y_j = (1 - mu_j - nu_j) Y_0 + mu_j Y_{j-1} + nu_j Y_{j-2} + mt_j h F(Y_{j-1}) + gt_j h F(Y_0),
    mu_j = 2 b_j w0/b_{j-1},  nu_j = -b_j/b_{j-2},  mt_j = 2 b_j w1/b_{j-1},  gt_j = -a_{j-1} mt_j,
    y_{n+1} = Y_s.
Its stability polynomial is P_s(z) = a_s + b_s T_s(w0 + w1 z), |P_s| <= 1 on [-beta(s), 0] with
beta(s) = (1 + w0)/w1. The step count per output interval is fixed, the stage count is picked from
the last measured lambda_max (:func:`stages_for`) and checked again at the interval's end.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, NamedTuple

import numpy as np

EPS = 2.0 / 13.0       # RKC damping (Sommeijer, Shampine & Verwer's default)
SAFETY = 1.5           # stages chosen for h lambda_max up to beta(s)/SAFETY at the interval start
MAX_STAGES = 64


class Rkc(NamedTuple):
    """The s-stage RKC coefficients (module docstring): mu, nu, mt, gt [stage j = 0..s, entries 0
    (and 1 for mu, nu, gt) unused] and the real stability boundary beta."""

    s: int
    mu: np.ndarray
    nu: np.ndarray
    mt: np.ndarray
    gt: np.ndarray
    beta: float


def _chebyshev(s: int, x: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """T_j(x), T_j'(x), T_j''(x) for j = 0..s by the three-term recurrence."""
    T, d1, d2 = np.zeros(s + 1), np.zeros(s + 1), np.zeros(s + 1)
    T[0], T[1], d1[1] = 1.0, x, 1.0
    for j in range(2, s + 1):
        T[j] = 2 * x * T[j - 1] - T[j - 2]
        d1[j] = 2 * T[j - 1] + 2 * x * d1[j - 1] - d1[j - 2]
        d2[j] = 4 * d1[j - 1] + 2 * x * d2[j - 1] - d2[j - 2]
    return T, d1, d2


@lru_cache(maxsize=None)
def rkc(s: int, eps: float = EPS) -> Rkc:
    """The coefficients of the s-stage scheme (s >= 2)."""
    if s < 2:
        raise ValueError("RKC needs s >= 2 stages")
    w0 = 1 + eps / s**2
    T, d1, d2 = _chebyshev(s, w0)
    w1 = d1[s] / d2[s]
    b = np.empty(s + 1)
    b[2:] = d2[2:] / d1[2:] ** 2
    b[0] = b[1] = b[2]
    a = 1 - b * T
    mu, nu, mt, gt = (np.zeros(s + 1) for _ in range(4))
    mt[1] = b[1] * w1
    for j in range(2, s + 1):
        mu[j] = 2 * b[j] * w0 / b[j - 1]
        nu[j] = -b[j] / b[j - 2]
        mt[j] = 2 * b[j] * w1 / b[j - 1]
        gt[j] = -a[j - 1] * mt[j]
    return Rkc(s, mu, nu, mt, gt, float((1 + w0) / w1))


def stability_polynomial(s: int, z):
    """P_s(z) = a_s + b_s T_s(w0 + w1 z): one step's factor on y' = (z/h) y."""
    w0 = 1 + EPS / s**2
    T, d1, d2 = _chebyshev(s, w0)
    b = d2[s] / d1[s] ** 2
    x = w0 + (d1[s] / d2[s]) * np.asarray(z, float)
    return (1 - b * T[s]) + b * np.polynomial.chebyshev.chebval(x, np.eye(s + 1)[s])


def stages_for(h_lam: float, safety: float = SAFETY) -> int:
    """The fewest stages s >= 2 with beta(s) >= safety h lambda_max."""
    for s in range(2, MAX_STAGES + 1):
        if rkc(s).beta >= safety * h_lam:
            return s
    raise ValueError(f"h lambda_max = {h_lam:g} needs more than {MAX_STAGES} RKC stages")


def rkc_step(field: Callable[[list], list], y: list, h: float, s: int) -> list:
    """One RKC step of size h for y' = field(y), y a list of arrays (the weights)."""
    c = rkc(s)
    f0 = field(y)
    prev2, prev = y, [a + c.mt[1] * h * f for a, f in zip(y, f0)]
    for j in range(2, s + 1):
        fj = field(prev)
        new = [(1 - c.mu[j] - c.nu[j]) * a0 + c.mu[j] * a1 + c.nu[j] * a2 + c.mt[j] * h * f
               + c.gt[j] * h * g for a0, a1, a2, f, g in zip(y, prev, prev2, fj, f0)]
        prev2, prev = prev, new
    return prev


class FlowLog(NamedTuple):
    """The flow at the requested times: sharpness, loss [time], the final weights, and the
    gradient evaluations spent (stages summed over steps)."""

    sharpness: np.ndarray
    loss: np.ndarray
    state: list
    gradients: int


def integrate(field: Callable[[list], list], y0: list, times: np.ndarray, h_max: float,
              lam0: float, measure: Callable[[list], tuple[float, float]]) -> FlowLog:
    """The flow from y0 (time 0) to each of the increasing ``times``, by RKC steps of at most
    ``h_max`` (each interval split into equal steps); ``measure(y) -> (lambda_max, loss)`` at every
    time. The stage count of an interval comes from lambda_max at its start (lam0 first); if
    lambda_max at its end exceeds beta(s)/h the interval is integrated again with more stages."""
    times = np.asarray(times, float)
    lam_out, loss_out = np.full(times.size, np.nan), np.full(times.size, np.nan)
    y, t, lam, spent = list(y0), 0.0, float(lam0), 0
    for i, target in enumerate(times):
        n = max(1, int(np.ceil((target - t) / h_max - 1e-9)))
        h = (target - t) / n
        s = stages_for(h * lam)
        while True:
            z = y
            for _ in range(n):
                z = rkc_step(field, z, h, s)
            spent += n * s
            lam_end, loss = measure(z)
            if not np.isfinite(lam_end) or h * lam_end <= rkc(s).beta:
                break
            s = stages_for(h * lam_end)       # lambda_max outgrew the stages: redo the interval
        y, t, lam = z, float(target), lam_end
        lam_out[i], loss_out[i] = lam_end, loss
        if not np.isfinite(lam_end):
            break
    return FlowLog(lam_out, loss_out, y, spent)
