"""Neural collapse: the model's loss and gradients, the heavy-ball GD chunk and the NC metrics
(see the package docstring for the equations)."""
from __future__ import annotations

from typing import Any, NamedTuple

from ..backend import kernel
from .config import NeuralCollapseConfig


class Params(NamedTuple):
    """The model's parameters (or their velocities, or gradients), backend arrays: free features
    ``H`` [feature, sample] (d x N), hidden layers ``Ws`` [layer, feature, feature] (M-1 x d x d;
    Ws[i] is W_(i+1)), the classifier ``Wout`` [class, feature] (K x d) and the bias ``b``
    [class]."""

    H: Any
    Ws: Any
    Wout: Any
    b: Any


class Hyper(NamedTuple):
    """Heavy-ball GD's step and momentum, the weight decays, the loss (mse | ce) and whether the
    model has a bias."""

    lr: float
    momentum: float
    lambda_W: float
    lambda_H: float
    lambda_b: float
    loss: str
    bias: bool

    @classmethod
    def of(cls, c: NeuralCollapseConfig) -> "Hyper":
        return cls(c.lr, c.momentum, c.lambda_W, c.lambda_H, c.lambda_b, c.loss, c.bias)


class Chunk(NamedTuple):
    """After a GD chunk: ``params``, ``velocity`` (:class:`Params`), the ``loss`` and the full
    gradient norm ``grad_norm`` at the new point."""

    params: Params
    velocity: Params
    loss: float
    grad_norm: float


# ---- the numba kernel's boundary: the only place where the loss name becomes a flag -------------
def _chunk_to_numba(p: Params, vel: Params, Y, hp: Hyper, steps: int) -> tuple:
    return (*p, *vel, Y, hp.lr, hp.momentum, hp.lambda_W, hp.lambda_H, hp.lambda_b,
            hp.loss == "ce", hp.bias, steps)


def _chunk_from_numba(out: tuple) -> Chunk:
    return Chunk(Params(*out[:4]), Params(*out[4:8]), float(out[8]), float(out[9]))


# ---- loss, gradients and the GD loop (generic array-API code; numba twin in sims.kernels) --------
def loss_and_grads(xp, p: Params, Y, hp: Hyper) -> tuple[Any, Params]:
    """The loss of the package docstring and its gradient (:class:`Params`), for one-hot targets
    Y [class, sample]."""
    H, Ws, Wout, b = p
    lam_w, lam_h, lam_b = hp.lambda_W, hp.lambda_H, hp.lambda_b
    ce, use_bias = hp.loss == "ce", hp.bias
    N = H.shape[1]
    L = Ws.shape[0]
    feats = [H]
    for i in range(L):
        feats.append(Ws[i, ...] @ feats[-1])
    Z = Wout @ feats[-1]
    if use_bias:
        Z = Z + b[:, None]
    if ce:
        Zs = Z - xp.max(Z, axis=0, keepdims=True)
        lse = xp.log(xp.sum(xp.exp(Zs), axis=0, keepdims=True))
        data = -xp.sum(Y * (Zs - lse)) / N
        R = (xp.exp(Zs - lse) - Y) / N
    else:
        data = xp.sum((Z - Y) ** 2) / (2 * N)
        R = (Z - Y) / N
    reg = lam_h * xp.sum(H * H) + lam_w * (xp.sum(Wout * Wout) + xp.sum(Ws * Ws))
    if use_bias:
        reg = reg + lam_b * xp.sum(b * b)
    gWout = R @ feats[-1].T + lam_w * Wout
    G = Wout.T @ R
    gWs = [None] * L
    for i in range(L - 1, -1, -1):
        gWs[i] = G @ feats[i].T + lam_w * Ws[i, ...]
        G = Ws[i, ...].T @ G
    gWs = xp.stack(gWs) if L else xp.zeros_like(Ws)
    gb = xp.sum(R, axis=1) + lam_b * b if use_bias else xp.zeros_like(b)
    return data + reg / 2, Params(G + lam_h * H, gWs, gWout, gb)


@kernel(numba="sims.kernels.neural_collapse:gd_chunk", to_numba=_chunk_to_numba,
        from_numba=_chunk_from_numba)
def gd_chunk(xp, p: Params, vel: Params, Y, hp: Hyper, steps: int) -> Chunk:
    """``steps`` heavy-ball steps (v <- mu v + g, theta <- theta - lr v) from ``p`` with velocity
    ``vel``."""
    lr, mu = hp.lr, hp.momentum
    for _ in range(steps):
        _, g = loss_and_grads(xp, p, Y, hp)
        vel = Params(*(mu * v + gi for v, gi in zip(vel, g)))
        p = Params(*(x - lr * v for x, v in zip(p, vel)))
    loss, g = loss_and_grads(xp, p, Y, hp)
    gnorm = xp.sqrt(xp.sum(g.H**2) + xp.sum(g.Ws**2) + xp.sum(g.Wout**2) + xp.sum(g.b**2))
    return Chunk(p, vel, float(loss), float(gnorm))


class NCMetrics(NamedTuple):
    """NC1-NC4 of features under a classifier, and the class means ``means`` [feature, class]."""

    nc1: float
    nc2: float
    nc3: float
    nc4: float
    means: Any


def nc_metrics(xp, F, C, b, Y, counts) -> NCMetrics:
    """The :class:`NCMetrics` of features F (d x N) under classifier C (K x d)."""
    K = Y.shape[0]
    N = F.shape[1]
    means = (F @ Y.T) / counts[None, :]
    hG = xp.mean(means, axis=1, keepdims=True)
    within = F - means @ Y
    Sw = within @ within.T / N
    cen = means - hG
    Sb = cen @ cen.T / K
    nc1 = xp.linalg.trace(Sw @ xp.linalg.pinv(Sb)) / K
    gram = cen.T @ cen
    etf = xp.eye(K, dtype=F.dtype) - 1.0 / K
    nc2 = xp.linalg.matrix_norm(gram / xp.linalg.matrix_norm(gram) - etf / xp.linalg.matrix_norm(etf))
    nc3 = xp.linalg.matrix_norm(C.T / xp.linalg.matrix_norm(C) - means / xp.linalg.matrix_norm(means))
    logits = C @ F + b[:, None]
    dist = xp.sum(F**2, axis=0)[None, :] - 2 * means.T @ F + xp.sum(means**2, axis=0)[:, None]
    nc4 = xp.mean(xp.astype(xp.argmax(logits, axis=0) != xp.argmin(dist, axis=0), F.dtype))
    return NCMetrics(float(nc1), float(nc2), float(nc3), float(nc4), means)


def layer_metrics(xp, H, Ws, Wout, b, Y, counts) -> tuple[list[NCMetrics], Any]:
    """nc_metrics at every layer l = 0..M-1 (features W_l...W_1 H under classifier W_M...W_{l+1})
    and the product W_M...W_1."""
    L = Ws.shape[0]
    feats = [H]
    for i in range(L):
        feats.append(Ws[i, ...] @ feats[-1])
    out, C = [None] * (L + 1), Wout
    for l in range(L, -1, -1):
        out[l] = nc_metrics(xp, feats[l], C, b, Y, counts)
        if l:
            C = C @ Ws[l - 1, ...]
    return out, C            # C = W_M ... W_1


class LayerExtras(NamedTuple):
    """Per layer l = 0..M-1: ``grams``, the uncentred Gram Hbar_l^T Hbar_l of the class means
    (K x K), ``gains`` = |W_l...W_1|_2 (1 at l = 0) and ``sb_pinv`` = |Sigma_B^+|_2 (the spectral
    norm of the pinv NC1 uses)."""

    grams: list
    gains: list
    sb_pinv: list


def layer_extras(xp, H, Ws, Y, counts) -> LayerExtras:
    """The :class:`LayerExtras` of features H through the hidden layers Ws."""
    feats, prod = H, None
    grams, gains, sb_pinv = [], [], []
    K = Y.shape[0]
    for l in range(Ws.shape[0] + 1):
        if l:
            feats = Ws[l - 1, ...] @ feats
            prod = Ws[l - 1, ...] if prod is None else Ws[l - 1, ...] @ prod
        means = (feats @ Y.T) / counts[None, :]
        cen = means - xp.mean(means, axis=1, keepdims=True)
        grams.append(means.T @ means)
        gains.append(1.0 if prod is None else float(xp.linalg.matrix_norm(prod, ord=2)))
        sb_pinv.append(float(xp.linalg.matrix_norm(xp.linalg.pinv(cen @ cen.T / K), ord=2)))
    return LayerExtras(grams, gains, sb_pinv)
