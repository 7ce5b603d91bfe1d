"""numba kernels for :mod:`sims.superposition` (same arguments and results as the generic ones).

The inputs are sparse (about ``density`` active features per sample) and, once the biases have turned
negative, so is the output error: only z = h W^T + b is computed densely (one BLAS product per step);
h = x W, dL/dW = G^T h + x^T (G W) and dL/db loop over the non-zeros of x and of G.
"""
from typing import NamedTuple

import numpy as np
from numba import njit


class _Work(NamedTuple):
    """Scratch arrays of one gradient evaluation (see :func:`_loss_grad_into`)."""

    h: np.ndarray          # [sample, hidden]  x W
    z: np.ndarray          # [sample, feature] h W^T
    start: np.ndarray      # [sample + 1]      sample s's active inputs: cols[start[s]:start[s + 1]]
    cols: np.ndarray       # [sample x feature] their feature indices
    active: np.ndarray     # [feature]         one sample's active outputs
    gw_row: np.ndarray     # [hidden]          (G W)[s]


@njit(cache=True, error_model="numpy")
def sparse_inputs(u, p):
    """x = 2 u / p_i where u < p_i, else 0, for uniforms u (..., n) [.., feature]: one pass."""
    flat = u.reshape(-1, p.size)
    x = np.empty_like(flat)
    for s in range(flat.shape[0]):
        for i in range(p.size):
            v = flat[s, i]
            x[s, i] = 2.0 * v / p[i] if v < p[i] else 0.0
    return x.reshape(u.shape)


@njit(cache=True, error_model="numpy", fastmath={"reassoc", "nsz"})
def _squared_error(z, b, x):
    """sum_i (relu(z_i + b_i) - x_i)^2 over one sample's outputs (reassociated: vectorised)."""
    acc = 0.0
    for i in range(z.size):
        zi = z[i] + b[i]
        r = (zi if zi > 0.0 else 0.0) - x[i]
        acc += r * r
    return acc


@njit(cache=True, error_model="numpy")
def _loss_grad(W, b, x, gW, gb):
    """Loss (1/(B n)) sum (relu(x W W^T + b) - x)^2; writes its gradients into gW and gb."""
    B, n = x.shape
    return _loss_grad_into(W, b, x, gW, gb, _work(B, n, W.shape[1]))


@njit(cache=True)
def _work(B, n, m):
    return _Work(np.empty((B, m)), np.empty((B, n)), np.empty(B + 1, np.int64),
                 np.empty(B * n, np.int64), np.empty(n, np.int64), np.empty(m))


@njit(cache=True, error_model="numpy")
def _loss_grad_into(W, b, x, gW, gb, work):
    """:func:`_loss_grad` with its scratch arrays given (``work``, a :class:`_Work`): a fresh 1 MB
    z per step costs page faults.

    The gradients are accumulated over the non-zeros of x and the active outputs (z_si + b_i > 0)
    in sample-then-output order, the operations and their order of a dense loop; only the loss is
    summed per sample with reassociation (it is recorded, never differentiated)."""
    B, n = x.shape
    m = W.shape[1]
    h, z, start, cols, active, gw_row = work
    nnz = 0
    start[0] = 0
    for s in range(B):
        for j in range(n):              # branch-free compaction: write always, advance if non-zero
            cols[nnz] = j
            nnz += x[s, j] != 0.0
        start[s + 1] = nnz
    h[:] = 0.0
    for s in range(B):
        for q in range(start[s], start[s + 1]):
            j = cols[q]
            for k in range(m):
                h[s, k] += x[s, j] * W[j, k]
    np.dot(h, W.T, z)
    gW[:] = 0.0
    gb[:] = 0.0
    c = 2.0 / (B * n)
    loss = 0.0
    for s in range(B):
        loss += _squared_error(z[s], b, x[s])
        na = 0
        for i in range(n):              # the active outputs z_si + b_i > 0, branch-free
            active[na] = i
            na += z[s, i] + b[i] > 0.0
        gw_row[:] = 0.0
        for q in range(na):
            i = active[q]
            g = c * (z[s, i] + b[i] - x[s, i])
            gb[i] += g
            for k in range(m):
                gW[i, k] += g * h[s, k]
                gw_row[k] += g * W[i, k]
        for q in range(start[s], start[s + 1]):
            j = cols[q]
            for k in range(m):
                gW[j, k] += x[s, j] * gw_row[k]
    return loss / (B * n)


@njit(cache=True, error_model="numpy")
def _decay(W, lr, gamma, eps):
    """Decoupled weight decay of the rows W_i: gamma >= 0: W_i <- (1 - lr gamma) W_i (decay);
    gamma < 0: W_i <- W_i + lr gamma W_i (1 - 1/(|W_i| + eps)) (row norms pulled towards 1)."""
    n, m = W.shape
    for i in range(n):
        if gamma >= 0.0:
            f = 1.0 - lr * gamma
        else:
            nrm = 0.0
            for k in range(m):
                nrm += W[i, k] * W[i, k]
            f = 1.0 + lr * gamma * (1.0 - 1.0 / (np.sqrt(nrm) + eps))
        for k in range(m):
            W[i, k] *= f


@njit(cache=True, error_model="numpy")
def _adam(p, g, mom, vel, lr, t, beta1, beta2, eps):
    """The bias-corrected Adam step on flat arrays (in place)."""
    bc1 = 1.0 - beta1**t
    bc2 = np.sqrt(1.0 - beta2**t)
    for q in range(p.size):
        mom[q] = beta1 * mom[q] + (1.0 - beta1) * g[q]
        vel[q] = beta2 * vel[q] + (1.0 - beta2) * g[q] * g[q]
        p[q] -= lr / bc1 * mom[q] / (np.sqrt(vel[q]) / bc2 + eps)


@njit(cache=True, error_model="numpy")
def train_chunk(W, b, mW, vW, mb, vb, X, lrs, t0, gamma, beta1, beta2, eps):
    """AdamW on one fresh batch X[t] per step; returns the updated state and the batch losses."""
    W, b, mW, vW, mb, vb = W.copy(), b.copy(), mW.copy(), vW.copy(), mb.copy(), vb.copy()
    gW = np.empty_like(W)
    gb = np.empty_like(b)
    work = _work(X.shape[1], X.shape[2], W.shape[1])
    losses = np.empty(X.shape[0])
    for t in range(X.shape[0]):
        losses[t] = _loss_grad_into(W, b, X[t], gW, gb, work)
        _decay(W, lrs[t], gamma, eps)
        _adam(W.reshape(-1), gW.reshape(-1), mW.reshape(-1), vW.reshape(-1), lrs[t], t0 + t + 1,
              beta1, beta2, eps)
        _adam(b, gb, mb, vb, lrs[t], t0 + t + 1, beta1, beta2, eps)
    return W, b, mW, vW, mb, vb, losses
