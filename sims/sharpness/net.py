"""The network: forward pass, loss and gradient by backpropagation, GD / SGD loops, data and init.

Generic array-API code; the numba twins of the ``@kernel`` functions live in sims.kernels.sharpness.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..backend import kernel
from theory import sharpness as theory


def activation(xp, act: str, z, second: bool = False):
    """(phi, phi', phi'') at z; phi'' only when ``second`` (the gradient never needs it), else None."""
    if act == "tanh":
        t = xp.tanh(z)
        d1 = 1 - t * t
        return t, d1, (-2 * t * d1 if second else None)
    if act == "relu":
        pos = xp.astype(z > 0, z.dtype)
        return z * pos, pos, (xp.zeros_like(z) if second else None)
    return z, xp.ones_like(z), (xp.zeros_like(z) if second else None)


def _t_matmul(xp, A, B):
    """A^T B; an outer product (A with one row, the scalar output layer) by broadcasting, which
    is the same sum with one term and skips a k = 1 GEMM call (2x faster at width 1024)."""
    if A.shape[0] == 1:
        return xp.reshape(A, (-1, 1)) * B
    return A.T @ B


class Forward(NamedTuple):
    """A forward pass, per layer: pre-activations ``zs[l]`` [unit, sample] (n_l x N; zs[-1] the
    output f), layer inputs ``hs[l]`` (hs[0] = X [feature, sample], hs[l] = phi(zs[l-1])), and per
    hidden layer phi' ``d1s[l]`` and (when asked) phi'' ``d2s[l]``."""

    zs: list
    hs: list
    d1s: list
    d2s: list


class LossGrad(NamedTuple):
    """The loss L and its gradient ``grads[l]`` = dL/dW_l (shaped like W_l)."""

    loss: float
    grads: list


def forward(xp, Ws, mults, X, act, second=False) -> Forward:
    """The :class:`Forward` pass of the MLP (phi'' only when ``second``)."""
    zs, hs, d1s, d2s = [], [X], [], []
    h = X
    for l, W in enumerate(Ws):
        z = mults[l] * (W @ h)
        zs.append(z)
        if l < len(Ws) - 1:
            h, d1, d2 = activation(xp, act, z, second)
            hs.append(h)
            d1s.append(d1)
            d2s.append(d2)
    return Forward(zs, hs, d1s, d2s)


def loss_and_grad(xp, Ws, mults, X, y, act) -> LossGrad:
    """L and dL/dW_l by backpropagation (module docstring)."""
    zs, hs, d1s, _ = forward(xp, Ws, mults, X, act)
    N = X.shape[1]
    res = zs[-1] - y[None, :]
    delta = res / N
    grads = [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        grads[l] = mults[l] * (delta @ hs[l].T)
        if l:
            delta = mults[l] * _t_matmul(xp, Ws[l], delta) * d1s[l - 1]
    return LossGrad(float(xp.sum(res * res)) / (2 * N), grads)


@kernel(numba="sims.kernels.sharpness:gd_steps")
def gd_steps(xp, Ws, mults, X, y, act, lr, steps):
    """``steps`` full-batch GD steps W <- W - lr dL/dW; returns the new weights (a list)."""
    Ws, lr = list(Ws), float(lr)
    for _ in range(steps):
        _, g = loss_and_grad(xp, Ws, mults, X, y, act)
        Ws = [W - lr * gW for W, gW in zip(Ws, g)]
    return Ws


@kernel(numba="sims.kernels.sharpness:sgd_steps")
def sgd_steps(xp, Ws, mults, X, y, act, lr, idx):
    """SGD on the mini-batches idx[t] (steps x B, drawn on the host): W <- W - lr dL_B/dW."""
    Ws, lr, idx = list(Ws), float(lr), xp.asarray(idx)
    for t in range(idx.shape[0]):
        b = idx[t, :]
        _, g = loss_and_grad(xp, Ws, mults, xp.take(X, b, axis=1), xp.take(y, b, axis=0), act)
        Ws = [W - lr * gW for W, gW in zip(Ws, g)]
    return Ws


@kernel(numba="sims.kernels.sharpness:lstsq_sgd")
def lstsq_sgd(xp, X, y, w, lr, idx):
    """SGD on (1/2N)|Xw - y|^2 with mini-batches idx[t]: w <- w - lr X_B^T (X_B w - y_B)/B."""
    B, lr, idx = idx.shape[1], float(lr), xp.asarray(idx)
    for t in range(idx.shape[0]):
        Xb = xp.take(X, idx[t, :], axis=0)
        w = w - lr * (Xb.T @ (Xb @ w - xp.take(y, idx[t, :], axis=0))) / B
    return w


# ---- data and init -------------------------------------------------------------------------------
def teacher_data(d, N, task, rng):
    """Inputs with |x|^2 = d; targets from a random width-4 tanh teacher, normalised to unit RMS."""
    X = rng.standard_normal((d, N))
    X *= np.sqrt(d) / np.linalg.norm(X, axis=0)
    U, v = rng.standard_normal((4, d)), rng.standard_normal(4)
    y = v @ np.tanh(U @ X / np.sqrt(d))
    y /= np.sqrt(np.mean(y**2))
    return X, (np.sign(y) if task == "classification" else y)


def chebyshev_data(N=20):
    """Cohen et al.'s toy regression: N points evenly spaced on [-1, 1], labels T_3(x) = 4x^3 - 3x."""
    x = np.linspace(-1.0, 1.0, N)
    return x[None, :], 4 * x**3 - 3 * x


def first_layer_bias(Ws, X):
    """A first-layer bias b (init 0), as in Cohen et al.'s ``regression`` net (PyTorch
    Linear(d, n) with bias), written as a constant input feature: W_1 X + b 1^T = [W_1, b] [X; 1^T].
    Returns (Ws with W_1 -> [W_1, 0] [n, d + 1], X -> [X; 1^T] [d + 1, sample]); the gradient,
    Hessian and training of the bias are then those of W_1's last column, exactly."""
    Ws = [np.hstack([Ws[0], np.zeros((Ws[0].shape[0], 1))])] + list(Ws[1:])
    return Ws, np.vstack([X, np.ones((1, X.shape[1]))])


class Problem(NamedTuple):
    """A net and its data: weights ``Ws``, multipliers ``mults``, inputs X [feature, sample] and
    targets y [sample]."""

    Ws: list
    mults: list
    X: Any
    y: Any


def chebyshev_problem(cfg, rng) -> Problem:
    """The eos experiment's :class:`Problem`: :func:`chebyshev_data` and the config's net drawn
    from ``rng`` (width widths[0]), with :func:`first_layer_bias` when ``cfg.bias``."""
    X, y = chebyshev_data(cfg.n_data)
    Ws, mults, _ = init_net(cfg, "standard", cfg.widths[0], rng)
    if cfg.bias:
        Ws, X = first_layer_bias(Ws, X)
    return Problem(Ws, mults, X, y)


def init_net(cfg, param: str, width: int, rng):
    """(Ws, multipliers, learning-rate factor) of one network, from the abc-table or Xavier."""
    dims = [cfg.d] + [width] * (cfg.depth - 1) + [1]
    if cfg.init == "xavier":
        stds = [g * np.sqrt(2.0 / (i + o)) for g, i, o in zip(cfg.gains, dims[:-1], dims[1:])]
        mults, lr_factor = np.ones(cfg.depth), 1.0
    else:
        mults, stds, lr_factor = theory.layer_scales(param, cfg.depth, width, cfg.d, cfg.base_width)
    Ws = [s * rng.standard_normal((o, i)) for s, i, o in zip(stds, dims[:-1], dims[1:])]
    return Ws, [float(m) for m in mults], float(lr_factor)


def state(bk, Ws):
    """The weights as arrays of backend ``bk``."""
    return [bk.asarray(W) for W in Ws]


DIVERGED = 1e8       # a loss above this (or non-finite) counts as a diverged run


def diverged(loss) -> bool:
    return not np.isfinite(loss) or loss > DIVERGED
