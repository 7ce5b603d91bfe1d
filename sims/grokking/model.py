"""Grokking: the network's loss and gradients, the optimisers, the training state and the data (see
the package docstring for the equations)."""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from array_api_compat import is_numpy_namespace

from ..backend import kernel
from .config import ACTIVATIONS, OPTIMIZERS, GrokkingConfig


class TrainState(NamedTuple):
    """A network and its optimiser moments (backend arrays): ``W`` [node, input] (K x 2M, the first
    layer), ``V`` [output, node] (M x K, the second), ``mW``, ``vW`` (Adam's first and second
    moments of W, shaped like W) and ``mV``, ``vV`` (of V, shaped like V)."""

    W: Any
    V: Any
    mW: Any
    vW: Any
    mV: Any
    vV: Any


class Hyper(NamedTuple):
    """The optimiser's hyper-parameters and the activation, by name."""

    lr: float
    weight_decay: float
    beta1: float
    beta2: float
    eps: float
    optimizer: str          # adam | adamw | gd
    activation: str         # sqr | relu

    @classmethod
    def of(cls, c: GrokkingConfig) -> "Hyper":
        return cls(c.lr, c.weight_decay, c.beta1, c.beta2, c.eps, c.optimizer, c.activation)


# ---- the numba kernels' boundary: the only place where the names become integer codes ----------
def _code(names: tuple[str, ...], name: str) -> int:
    return names.index(name)          # adam 0, adamw 1, gd 2; sqr 0, relu 1 (sims.kernels.grokking)


def _chunk_to_numba(state: TrainState, X, Yt, t0: int, steps: int, hp: Hyper) -> tuple:
    return (*state, X, Yt, t0, steps, hp.lr, hp.weight_decay, hp.beta1, hp.beta2, hp.eps,
            _code(OPTIMIZERS, hp.optimizer), _code(ACTIVATIONS, hp.activation))


def _chunk_from_numba(out: tuple) -> tuple[TrainState, float]:
    return TrainState(*out[:6]), out[6]


def _gather_to_numba(WT, ia, ib, activation: str, work=None) -> tuple:
    return WT, ia, ib, _code(ACTIVATIONS, activation)      # numba allocates its own (no faults)


# ---- loss, gradients, optimiser (generic array-API code; numba twin in sims.kernels) ------------
def _act(xp, H, activation: str):
    """sigma(H) and sigma'(H)."""
    if activation == "sqr":
        return H * H, 2 * H
    return xp.maximum(H, 0.0), xp.astype(H > 0, H.dtype)


class OneHot(NamedTuple):
    """The one-hot input rows x_i = [e_a; e_b] of X [pair, input] as two products, resolved once
    per chunk (:func:`one_hot`): ``gather(W)`` = X W^T [pair, node] (h_i = w_a + w_b, the sum of
    two columns of W) and ``scatter(D)`` = D^T X [node, input] (column c of the result is the sum
    of D's rows over the pairs whose x has a one at c). Both are exact: every product with a zero
    of X adds an exact zero, so the gather equals the dense X W^T bit for bit and the scatter sums
    the same terms (in pair order; the dense product's order may differ by an ulp)."""

    gather: Any
    scatter: Any


def one_hot(xp, X) -> OneHot:
    """:class:`OneHot` of X: on numpy a CSR incidence matrix (2 nonzeros per pair: O(N K) per
    product), on any other namespace (array_api_strict, CuPy) the dense products with X (the array
    API has no scatter-add; O(N K 2M))."""
    if is_numpy_namespace(xp):
        from scipy import sparse
        S = sparse.csr_matrix(np.asarray(X))
        ST = sparse.csr_matrix(S.T)
        # the scatter's result in W's (C) order: the optimiser's element-wise arithmetic on
        # mixed layouts took 3x as long
        return OneHot(lambda W: S @ W.T, lambda D: np.ascontiguousarray((ST @ D).T))
    return OneHot(lambda W: X @ W.T, lambda D: D.T @ X)


def loss_and_grads(xp, W, V, X, Yt, activation: str, ops: OneHot | None = None,
                   extras: bool = True):
    """Loss of the package docstring and (dL/dW, dL/dV, G_F = -dL/dF, F), for X [pair, input]
    (N x 2M one-hot rows) and Yt [pair, output] (centred targets); ``ops`` (:func:`one_hot` of X,
    built here when None) does X's two products. Without ``extras`` (a training step) G_F and F
    come back as None, and at most two [pair, node] arrays are alive at a time (H with F, then H
    with G V, updated in place): fresh arrays of that size cost a page fault per 4 KiB at every
    step (measured: 0 faults a step against ~1,000, 1.2 ms against 5.2 ms at M = 23, K = 512 on
    the project's VM)."""
    ops = one_hot(xp, X) if ops is None else ops
    N = X.shape[0]
    H = ops.gather(W)
    F, dF = (H * H, None) if activation == "sqr" else _act(xp, H, activation)
    O = F @ V.T
    R = O - xp.mean(O, axis=1, keepdims=True) - Yt
    loss = xp.sum(R * R) / N
    G = 2 * R / N
    gV = G.T @ F
    if not extras:
        F = None
    GV = G @ V                          # -G_F
    GF = -GV if extras else None
    # sqr: sigma' = 2H, and 2 (sum of GV H) = sum of GV (2H) exactly (a factor 2 is exact)
    GV *= H if dF is None else dF
    gW = 2 * ops.scatter(GV) if dF is None else ops.scatter(GV)
    return loss, gW, gV, GF, F


def _update(xp, P, g, m, v, t: int, hp: Hyper) -> None:
    """One step of ``hp.optimizer`` on parameter P with gradient g and moments (m, v) at step t
    (torch's Adam / AdamW / SGD update rules), in place on P, m, v (and g, which it consumes):
    the same operations in the same order as P - upd, b1 m + (1 - b1) g, ..., without a fresh
    parameter-sized array per step (those cost page faults: ~260 a step at K = 512)."""
    lr, wd, b1, b2, eps = hp.lr, hp.weight_decay, hp.beta1, hp.beta2, hp.eps
    if hp.optimizer == "gd":
        P -= lr * (g + wd * P)
        return
    if hp.optimizer == "adam":
        g += wd * P
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    upd = lr * (m / (1 - b1**t)) / (xp.sqrt(v / (1 - b2**t)) + eps)
    if hp.optimizer == "adamw":
        P *= 1 - lr * wd
    P -= upd


@kernel(numba="sims.kernels.grokking:train_chunk", to_numba=_chunk_to_numba,
        from_numba=_chunk_from_numba)
def train_chunk(xp, state: TrainState, X, Yt, t0: int, steps: int, hp: Hyper):
    """``steps`` full-batch optimiser steps from step count t0; returns the new state and the loss
    before the last step."""
    W, V, mW, vW, mV, vV = (xp.asarray(a, copy=True) for a in state)   # updated in place below
    ops = one_hot(xp, X)
    loss = 0.0
    for s in range(steps):
        loss, gW, gV, _, _ = loss_and_grads(xp, W, V, X, Yt, hp.activation, ops, extras=False)
        t = t0 + s + 1
        _update(xp, W, gW, mW, vW, t, hp)
        _update(xp, V, gV, mV, vV, t, hp)
    return TrainState(W, V, mW, vW, mV, vV), float(loss)


# ---- the hidden layer on the host (records) -------------------------------------------------------
def hidden(X, W, activation: str):
    """sigma(X W^T) by a dense product (X [pair, input], W [node, input])."""
    H = X @ W.T
    return H * H if activation == "sqr" else np.maximum(H, 0.0)


@kernel(numba="sims.kernels.grokking:hidden_gather", to_numba=_gather_to_numba)
def hidden_gather(xp, WT, ia, ib, activation: str, work=None):
    """sigma(W^T[ia] + W^T[ib]) [pair, node] for one-hot pairs (ia, ib); WT is W^T (2M x K).
    The same sums as sigma(X W^T) (adding exact zeros changes nothing), O(N K) instead of
    O(N K 2M). ``work``: two [pair, node] buffers to write into (the result is ``work[0]``),
    for a host that calls this at every record: fresh arrays of this size cost a page fault per
    4 KiB each time (~4 ms a record at M = 23, K = 512 on the project's VM, against ~0.3 ms)."""
    if work is None:
        H = xp.take(WT, ia, axis=0) + xp.take(WT, ib, axis=0)
    else:
        H, Hb = work
        np.take(WT, ia, axis=0, out=H, mode="clip")     # (indices valid; "raise" buffers out)
        np.take(WT, ib, axis=0, out=Hb, mode="clip")
        H += Hb
    if activation == "sqr":
        H *= H
        return H
    return xp.maximum(H, 0.0)


def one_hot_pairs(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ia, ib): the columns of the ones in the two halves of each one-hot row x = [e_a; e_b]."""
    M = X.shape[1] // 2
    return np.argmax(X[:, :M], axis=1), M + np.argmax(X[:, M:], axis=1)


# ---- data and init ------------------------------------------------------------------------------
def split(M: int, fraction: float, rng: np.random.Generator):
    """A random permutation of the M^2 pairs; the first round(fraction M^2) train (nested in p)."""
    perm = rng.permutation(M * M)
    n = int(round(fraction * M * M))
    return perm[:n], perm[n:]


def init_params(M: int, K: int, rng: np.random.Generator):
    """(W, V) as torch.nn.Linear: W ~ U(+-1/sqrt(2M)) [node, input], V ~ U(+-1/sqrt(K))
    [output, node]."""
    W = rng.uniform(-1, 1, (K, 2 * M)) / math.sqrt(2 * M)
    V = rng.uniform(-1, 1, (M, K)) / math.sqrt(K)
    return W, V
