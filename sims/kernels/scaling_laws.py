"""numba kernels for :mod:`sims.scaling_laws` (same arguments and results as the generic ones)."""
import numpy as np
from numba import njit


@njit(cache=True)
def sgd_chunk(theta, xi, L, gamma):
    """One-pass SGD on (runs x d) parameters, one fused pass per run and step (no temporaries)."""
    steps, runs, k = xi.shape
    d = k - 1
    out = theta.copy()
    z = np.empty(k)
    for t in range(steps):
        for q in range(runs):
            for i in range(k):
                acc = 0.0
                for j in range(i + 1):          # L is lower-triangular
                    acc += L[i, j] * xi[t, q, j]
                z[i] = acc
            res = -z[d]
            for i in range(d):
                res += z[i] * out[q, i]
            g = gamma * res
            for i in range(d):
                out[q, i] -= g * z[i]
    return out


@njit(cache=True)
def expected_loss(lam, a0, gamma, p_inf, log_steps):
    """The exact expected-loss recursion, O(d) per step, loss recorded at ``log_steps``."""
    a = a0.copy()
    out = np.empty(log_steps.size)
    j = 0
    k = 0
    while j < log_steps.size:
        P = p_inf
        for i in range(a.size):
            P += 0.5 * lam[i] * a[i]
        while j < log_steps.size and log_steps[j] == k:
            out[j] = P
            j += 1
        for i in range(a.size):
            gl = gamma * lam[i]
            a[i] = (1.0 - 2.0 * gl + 2.0 * gl * gl) * a[i] + 2.0 * gamma * gl * P
        k += 1
    return out
