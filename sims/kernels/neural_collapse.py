"""numba kernel for :mod:`sims.neural_collapse` (same arguments and results as the generic one)."""
import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def _grads(H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias, feats, gWs):
    """Loss and gradients; writes layer features into ``feats`` and W_1..W_{M-1} grads into ``gWs``."""
    N = H.shape[1]
    K = Wout.shape[0]
    L = Ws.shape[0]
    feats[0] = H
    for i in range(L):
        feats[i + 1] = Ws[i] @ feats[i]
    Z = Wout @ feats[L]
    if use_bias:
        for k in range(K):
            Z[k] += b[k]
    loss = 0.0
    if ce:
        for j in range(N):
            zmax = Z[0, j]
            for k in range(1, K):
                zmax = max(zmax, Z[k, j])
            tot = 0.0
            for k in range(K):
                Z[k, j] = np.exp(Z[k, j] - zmax)
                tot += Z[k, j]
            for k in range(K):
                p = Z[k, j] / tot
                if Y[k, j] > 0:
                    loss -= Y[k, j] * np.log(p)
                Z[k, j] = (p - Y[k, j]) / N
        loss /= N
    else:
        for k in range(K):
            for j in range(N):
                r = Z[k, j] - Y[k, j]
                loss += r * r
                Z[k, j] = r / N
        loss /= 2.0 * N
    R = Z
    reg = lam_h * np.sum(H * H) + lam_w * np.sum(Wout * Wout) + lam_w * np.sum(Ws * Ws)
    if use_bias:
        reg += lam_b * np.sum(b * b)
    loss += 0.5 * reg
    gWout = R @ feats[L].T + lam_w * Wout
    G = Wout.T @ R
    for i in range(L - 1, -1, -1):
        gWs[i] = G @ feats[i].T + lam_w * Ws[i]
        G = Ws[i].T @ G
    gH = G + lam_h * H
    gb = np.zeros(K)
    if use_bias:
        for k in range(K):
            gb[k] = np.sum(R[k]) + lam_b * b[k]
    return loss, gH, gWout, gb


@njit(cache=True, error_model="numpy")
def gd_chunk(H, Ws, Wout, b, vH, vWs, vWout, vb, Y, lr, mu, lam_w, lam_h, lam_b, ce, use_bias,
             steps):
    """``steps`` heavy-ball steps (v <- mu v + g, theta <- theta - lr v), in place on copies."""
    H, Ws, Wout, b = H.copy(), Ws.copy(), Wout.copy(), b.copy()
    vH, vWs, vWout, vb = vH.copy(), vWs.copy(), vWout.copy(), vb.copy()
    feats = np.empty((Ws.shape[0] + 1, H.shape[0], H.shape[1]))
    gWs = np.empty_like(Ws)
    for _ in range(steps):
        loss, gH, gWout, gb = _grads(H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias, feats,
                                     gWs)
        vH = mu * vH + gH
        vWs = mu * vWs + gWs
        vWout = mu * vWout + gWout
        vb = mu * vb + gb
        H -= lr * vH
        Ws -= lr * vWs
        Wout -= lr * vWout
        b -= lr * vb
    loss, gH, gWout, gb = _grads(H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias, feats, gWs)
    gnorm = np.sqrt(np.sum(gH * gH) + np.sum(gWs * gWs) + np.sum(gWout * gWout) + np.sum(gb * gb))
    return H, Ws, Wout, b, vH, vWs, vWout, vb, loss, gnorm
