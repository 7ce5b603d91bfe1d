"""Superposition: the toy model, its loss and gradients, AdamW with signed decay and the
overlap measures (see the package docstring)."""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..backend import kernel
from .config import SuperpositionConfig

REPRESENTED = 0.5      # |W_i| above which feature i counts as represented (the authors' phi_1/2)


def probabilities(n: int, alpha: float, density: float) -> np.ndarray:
    p = np.arange(1, n + 1, dtype=float) ** -alpha
    return density * p / p.sum()


def draw(rng: np.random.Generator, p: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """x_i = Bernoulli(p_i) U(0, 2) from one uniform u per entry: given u < p_i, u / p_i ~ U(0, 1)."""
    return sparse_inputs.generic(np, rng.random(shape + (len(p),)), p)


@kernel(numba="sims.kernels.superposition:sparse_inputs")
def sparse_inputs(xp, u, p):
    """The inputs of :func:`draw` from its uniforms u (..., n) [.., feature]: x = 2 u / p_i where
    u < p_i, else 0."""
    return xp.where(u < p, 2.0 * u / p, 0.0)


def schedule(c: SuperpositionConfig) -> np.ndarray:
    """Learning rate per step: linear warm-up, then cosine from lr to min_lr * lr (the authors')."""
    s = np.arange(1, c.steps + 1, dtype=float)
    w = int(c.warmup * c.steps)
    lo = c.min_lr * c.lr
    cos = lo + (c.lr - lo) * 0.5 * (1 + np.cos(np.pi * (s - w) / max(c.steps - w, 1)))
    return np.where(s < w, c.lr * s / max(w, 1), cos)


# ---- loss, gradients and AdamW (generic array-API code; numba twin in sims.kernels) ----------------
def loss_and_grads(xp, W, b, x):
    """L = mean (ReLU(x W W^T + b) - x)^2 and its gradients (dL/dW, dL/db), in closed form."""
    B, n = x.shape
    h = x @ W
    z = h @ W.T + b[None, :]
    y = xp.where(z > 0, z, xp.zeros_like(z))
    r = y - x
    G = xp.where(z > 0, r, xp.zeros_like(r)) * (2.0 / (B * n))
    return xp.sum(r * r) / (B * n), G.T @ h + x.T @ (G @ W), xp.sum(G, axis=0)


def decay(xp, W, lr, gamma, eps):
    """Decoupled, signed weight decay of the rows of W (see the module docstring)."""
    if gamma >= 0:
        return W * (1.0 - lr * gamma)
    norms = xp.sqrt(xp.sum(W * W, axis=1, keepdims=True))
    return W + lr * gamma * W * (1.0 - 1.0 / (norms + eps))


def adam(xp, p, g, mom, vel, lr, t, beta1, beta2, eps):
    mom = beta1 * mom + (1 - beta1) * g
    vel = beta2 * vel + (1 - beta2) * g * g
    step = lr / (1 - beta1**t) * mom / (xp.sqrt(vel) / math.sqrt(1 - beta2**t) + eps)
    return p - step, mom, vel


class AdamWState(NamedTuple):
    """One width's model and AdamW moments (backend arrays): ``W`` [feature, hidden] (n x m),
    ``b`` [feature], ``mW``, ``vW`` (first and second moments of W, shaped like W), ``mb``, ``vb``
    (of b)."""

    W: Any
    b: Any
    mW: Any
    vW: Any
    mb: Any
    vb: Any


def _chunk_to_numba(state: AdamWState, X, lrs, t0, gamma, beta1, beta2, eps) -> tuple:
    return (*state, X, lrs, t0, gamma, beta1, beta2, eps)


def _chunk_from_numba(out: tuple) -> tuple[AdamWState, Any]:
    return AdamWState(*out[:6]), out[6]


@kernel(numba="sims.kernels.superposition:train_chunk", to_numba=_chunk_to_numba,
        from_numba=_chunk_from_numba)
def train_chunk(xp, state: AdamWState, X, lrs, t0, gamma, beta1, beta2, eps):
    """AdamW steps on the fresh batches X[t] [step, sample, feature]; returns the new state and the
    batch losses [step]."""
    W, b, mW, vW, mb, vb = state
    losses = []
    for t in range(X.shape[0]):
        lr = float(lrs[t])
        loss, gW, gb = loss_and_grads(xp, W, b, X[t, ...])
        losses.append(loss)
        W = decay(xp, W, lr, gamma, eps)
        W, mW, vW = adam(xp, W, gW, mW, vW, lr, t0 + t + 1, beta1, beta2, eps)
        b, mb, vb = adam(xp, b, gb, mb, vb, lr, t0 + t + 1, beta1, beta2, eps)
    return AdamWState(W, b, mW, vW, mb, vb), xp.stack(losses)


def eval_loss(xp, W, b, x):
    """Per-sample test loss mean_i (ReLU(x W W^T + b)_i - x_i)^2."""
    z = (x @ W) @ W.T + b[None, :]
    r = xp.where(z > 0, z, xp.zeros_like(z)) - x
    return xp.mean(r * r, axis=1)


def mean_sq_overlap(W: np.ndarray, threshold: float = REPRESENTED) -> float:
    """Mean over pairs i != j of represented rows of (W_i.W_j)^2 / (|W_i|^2 |W_j|^2)."""
    norms = np.linalg.norm(W, axis=1)
    keep = norms > threshold
    k = int(keep.sum())
    if k < 2:
        return float("nan")
    U = W[keep] / norms[keep, None]
    G = U @ U.T
    return float((np.sum(G * G) - k) / (k * (k - 1)))


def weighted_sq_overlap(W: np.ndarray, p: np.ndarray, threshold: float = REPRESENTED) -> float:
    """sum_{i != j} p_i p_j (W_i.W_j)^2 / (|W_i|^2 |W_j|^2) / sum_{i != j} p_i p_j over pairs of
    represented rows: the squared overlap weighted by how often both features occur."""
    norms = np.linalg.norm(W, axis=1)
    keep = norms > threshold
    if int(keep.sum()) < 2:
        return float("nan")
    U = W[keep] / norms[keep, None]
    w = np.outer(p[keep], p[keep])
    np.fill_diagonal(w, 0.0)
    G = U @ U.T
    return float(np.sum(w * G * G) / np.sum(w))
