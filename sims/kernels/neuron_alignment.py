"""numba twins for :mod:`sims.neuron_alignment` (same arguments and results as the generic ones)."""
import math

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def _field(X, y, W, v, scale, logistic):
    """The gradient-flow field with the three products on BLAS (Z = X W^T, A^T r, (1[Z>0] r)^T X)
    and the element-wise work fused into single passes."""
    n, d = X.shape
    h = W.shape[0]
    Z = X @ W.T
    A = np.empty((n, h))
    for i in range(n):
        for j in range(h):
            A[i, j] = Z[i, j] if Z[i, j] > 0.0 else 0.0
    u = A @ v
    r = np.empty(n)
    loss = 0.0
    for i in range(n):
        ui = y[i] * u[i]
        if logistic:
            lo = max(-ui, 0.0) + math.log1p(math.exp(-abs(ui)))
            g = math.exp(-(max(ui, 0.0) + math.log1p(math.exp(-abs(ui)))))
        else:
            lo = math.exp(-ui)
            g = lo
        loss += lo
        r[i] = scale * g * y[i]
    dv = A.T @ r
    for i in range(n):                      # A becomes the masked residual 1[Z > 0] r
        for j in range(h):
            A[i, j] = r[i] if Z[i, j] > 0.0 else 0.0
    dW = A.T @ X
    for j in range(h):
        for k in range(d):
            dW[j, k] *= v[j]
    return dW, dv, scale * loss


@njit(cache=True, error_model="numpy")
def _speed(loss, loss0):
    return (1.0 + math.log(2.0)) * loss0 / (loss * (1.0 + math.log1p(loss0 / loss)))


@njit(cache=True, error_model="numpy")
def field(X, y, W, v, scale, logistic):
    return _field(X, y, W, v, scale, logistic)


@njit(cache=True, error_model="numpy")
def rk4_step(X, y, W, v, dtau, loss0, scale, logistic):
    """One classical RK4 step of the time-changed flow (see the generic version)."""
    a1, b1, l1 = _field(X, y, W, v, scale, logistic)
    c1 = _speed(l1, loss0)
    a2, b2, l2 = _field(X, y, W + 0.5 * dtau * c1 * a1, v + 0.5 * dtau * c1 * b1, scale, logistic)
    c2 = _speed(l2, loss0)
    a3, b3, l3 = _field(X, y, W + 0.5 * dtau * c2 * a2, v + 0.5 * dtau * c2 * b2, scale, logistic)
    c3 = _speed(l3, loss0)
    a4, b4, l4 = _field(X, y, W + dtau * c3 * a3, v + dtau * c3 * b3, scale, logistic)
    c4 = _speed(l4, loss0)
    W_new = W + dtau / 6.0 * (c1 * a1 + 2.0 * c2 * a2 + 2.0 * c3 * a3 + c4 * a4)
    v_new = v + dtau / 6.0 * (c1 * b1 + 2.0 * c2 * b2 + 2.0 * c3 * b3 + c4 * b4)
    dt = dtau / 6.0 * (c1 + 2.0 * c2 + 2.0 * c3 + c4)
    return W_new, v_new, dt, l1
