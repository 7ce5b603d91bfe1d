"""numba kernels for :mod:`sims.scaling_laws.plrf` (same arguments and results as the generic ones)."""
import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def sgd_chunk(theta, xi, L, gamma):
    """One-pass SGD on (runs x d) parameters: each step's samples (z, s) = L xi for every run in one
    BLAS GEMM (runs x (d+1)) x ((d+1) x (d+1)), then one fused residual-and-update pass per run.
    (A per-run triangular loop instead was 3x slower at d = 16: the GEMM is the bulk of the work.)"""
    steps, runs, k = xi.shape
    d = k - 1
    out = theta.copy()
    LT = np.ascontiguousarray(L.T)
    for t in range(steps):
        Z = xi[t] @ LT
        for q in range(runs):
            res = -Z[q, d]
            for i in range(d):
                res += Z[q, i] * out[q, i]
            g = gamma * res
            for i in range(d):
                out[q, i] -= g * Z[q, i]
    return out


@njit(cache=True, error_model="numpy")
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
