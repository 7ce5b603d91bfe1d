"""numba kernel for :mod:`sims.neural_collapse` (same arguments and results as the generic one)."""
import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def _sumsq(A):
    tot = 0.0
    for x in A.ravel():
        tot += x * x
    return tot


@njit(cache=True, error_model="numpy")
def _grads(H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias, feats, gWs, G, G2):
    """Loss and gradients; layer features go into ``feats`` (feats[l] = W_l...W_1 H for l >= 1),
    W_1..W_{M-1} grads into ``gWs`` and the backpropagated dL/dH without its decay into ``G``
    (G2: work buffer), so that a step allocates no d x N array. Returns (loss, gWout, gb)."""
    N = H.shape[1]
    K = Wout.shape[0]
    L = Ws.shape[0]
    for i in range(L):
        np.dot(Ws[i], H if i == 0 else feats[i], feats[i + 1])
    top = H if L == 0 else feats[L]
    Z = Wout @ top
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
    reg = lam_h * _sumsq(H) + lam_w * _sumsq(Wout) + lam_w * _sumsq(Ws)
    if use_bias:
        reg += lam_b * _sumsq(b)
    loss += 0.5 * reg
    gWout = R @ top.T + lam_w * Wout
    np.dot(Wout.T, R, G)
    for i in range(L - 1, -1, -1):
        gWs[i] = G @ (H if i == 0 else feats[i]).T + lam_w * Ws[i]
        np.dot(Ws[i].T, G, G2)
        G[:, :] = G2
    gb = np.zeros(K)
    if use_bias:
        for k in range(K):
            gb[k] = np.sum(R[k]) + lam_b * b[k]
    return loss, gWout, gb


@njit(cache=True, error_model="numpy")
def _heavy_ball(P, V, g, lr, mu):
    """v <- mu v + g, P <- P - lr v, element by element in place."""
    Pf, Vf, gf = P.ravel(), V.ravel(), g.ravel()
    for i in range(Pf.shape[0]):
        v = mu * Vf[i] + gf[i]
        Vf[i] = v
        Pf[i] -= lr * v


@njit(cache=True, error_model="numpy")
def _heavy_ball_h(H, vH, G, lam_h, lr, mu):
    """The heavy-ball step of H with its gradient G + lam_h H formed on the fly."""
    Hf, vf, Gf = H.ravel(), vH.ravel(), G.ravel()
    for i in range(Hf.shape[0]):
        v = mu * vf[i] + (Gf[i] + lam_h * Hf[i])
        vf[i] = v
        Hf[i] -= lr * v


@njit(cache=True, error_model="numpy")
def gd_chunk(H, Ws, Wout, b, vH, vWs, vWout, vb, Y, lr, mu, lam_w, lam_h, lam_b, ce, use_bias,
             steps):
    """``steps`` heavy-ball steps (v <- mu v + g, theta <- theta - lr v), in place on copies."""
    H, Ws, Wout, b = H.copy(), Ws.copy(), Wout.copy(), b.copy()
    vH, vWs, vWout, vb = vH.copy(), vWs.copy(), vWout.copy(), vb.copy()
    feats = np.empty((Ws.shape[0] + 1, H.shape[0], H.shape[1]))
    gWs = np.empty_like(Ws)
    G, G2 = np.empty_like(H), np.empty_like(H)
    for _ in range(steps):
        loss, gWout, gb = _grads(H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias, feats,
                                 gWs, G, G2)
        _heavy_ball_h(H, vH, G, lam_h, lr, mu)
        _heavy_ball(Ws, vWs, gWs, lr, mu)
        _heavy_ball(Wout, vWout, gWout, lr, mu)
        _heavy_ball(b, vb, gb, lr, mu)
    loss, gWout, gb = _grads(H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias, feats, gWs,
                             G, G2)
    gH = G + lam_h * H
    gnorm = np.sqrt(np.sum(gH * gH) + np.sum(gWs * gWs) + np.sum(gWout * gWout) + np.sum(gb * gb))
    return H, Ws, Wout, b, vH, vWs, vWout, vb, loss, gnorm
