"""numba kernels for :mod:`sims.double_descent` (same arguments and results as the generic ones)."""
import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def linear_model_risks(s, c, vb, y2, beta2, lr_over_n, budgets, lambdas, n, tol):
    """Fused filter + reduction: no (filters x rank) temporaries, one pass per filter."""
    F = 1 + budgets.size + lambdas.size
    risk = np.empty(F)
    train = np.empty(F)
    base_risk = beta2 - np.sum(vb * vb)
    base_train = y2 - np.sum(c * c)
    for f in range(F):
        acc_r = 0.0
        acc_t = 0.0
        for i in range(s.size):
            si = s[i]
            if si > tol:
                if f == 0:
                    phi = 1.0 / si
                elif f <= budgets.size:
                    phi = (1.0 - (1.0 - lr_over_n * si * si) ** budgets[f - 1]) / si
                else:
                    phi = si / (si * si + n * lambdas[f - 1 - budgets.size])
            else:
                phi = 0.0
            theta = phi * c[i]
            acc_r += (theta - vb[i]) ** 2
            acc_t += (si * theta - c[i]) ** 2
        risk[f] = acc_r + base_risk
        train[f] = (acc_t + base_train) / (2.0 * n)
    return risk, train


@njit(cache=True, error_model="numpy")
def gd_iterate(Z, y, eta_over_n, steps):
    """Explicit GD a <- a - (eta/n) Z^T (Z a - y) from zero, without Python overhead per step."""
    Z = np.ascontiguousarray(Z)
    a = np.zeros(Z.shape[1])
    for _ in range(steps):
        a -= eta_over_n * (Z.T @ (Z @ a - y))
    return a
