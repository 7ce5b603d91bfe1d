"""numba kernel for :mod:`sims.grokking` (same arguments and results as the generic one).

The one-hot input x = [e_a; e_b] makes X W^T a gather (h_ij = W[j, a_i] + W[j, M + b_i]) and
X^T G a scatter-add, so the hidden layer costs O(N K) instead of O(N K 2M)."""
import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def _indices(X):
    N, twoM = X.shape
    M = twoM // 2
    ia = np.empty(N, np.int64)
    ib = np.empty(N, np.int64)
    for i in range(N):
        for c in range(M):
            if X[i, c] != 0.0:
                ia[i] = c
            if X[i, M + c] != 0.0:
                ib[i] = M + c
    return ia, ib


@njit(cache=True, error_model="numpy")
def _grads(WT, V, ia, ib, Yt, act, H, F, O, GF, gWT, gV):
    """Loss (1/N) sum_i |P o_i - ytil_i|^2 and its gradients, written into gWT (dL/dW, transposed:
    the first layer is kept as W^T, 2M x K, so that the gather of a pair's two rows and the
    scatter-add of its gradient run along contiguous memory) and gV. H, F, O, GF are work buffers
    (the products write into them: no allocation per step)."""
    N, K = H.shape
    M = V.shape[0]
    for i in range(N):
        a, b = ia[i], ib[i]
        for j in range(K):
            h = WT[a, j] + WT[b, j]
            H[i, j] = h
            F[i, j] = h * h if act == 0 else max(h, 0.0)
    np.dot(F, V.T, O)
    loss = 0.0
    for i in range(N):
        mean = 0.0
        for k in range(M):
            mean += O[i, k]
        mean /= M
        for k in range(M):
            r = O[i, k] - mean - Yt[i, k]
            loss += r * r
            O[i, k] = 2.0 * r / N          # G = dL/dO (already centred over classes)
    loss /= N
    np.dot(O.T, F, gV)
    np.dot(O, V, GF)
    gWT[:, :] = 0.0
    for i in range(N):
        a, b = ia[i], ib[i]
        for j in range(K):
            h = H[i, j]
            d = GF[i, j] * (2.0 * h if act == 0 else (1.0 if h > 0 else 0.0))
            gWT[a, j] += d
            gWT[b, j] += d
    return loss


@njit(cache=True, error_model="numpy")
def _step(P, g, m, v, t, lr, wd, b1, b2, eps, opt):
    """One optimiser step in place (the same arithmetic, element by element, as the generic
    ``_update``); the branch on ``opt`` sits outside the loops so that they vectorise."""
    bc1 = 1.0 - b1 ** t
    bc2 = 1.0 - b2 ** t
    Pf, gf, mf, vf = P.ravel(), g.ravel(), m.ravel(), v.ravel()
    n = Pf.shape[0]
    if opt == 2:                              # GD with L2 weight decay
        for x in range(n):
            Pf[x] = Pf[x] - lr * (gf[x] + wd * Pf[x])
        return
    if opt == 0:                              # Adam + L2 (torch.optim.Adam weight_decay)
        for x in range(n):
            p = Pf[x]
            gg = gf[x] + wd * p
            mm = b1 * mf[x] + (1.0 - b1) * gg
            vv = b2 * vf[x] + (1.0 - b2) * gg * gg
            mf[x] = mm
            vf[x] = vv
            Pf[x] = p - lr * (mm / bc1) / (np.sqrt(vv / bc2) + eps)
        return
    for x in range(n):                        # AdamW: decoupled decay
        p = Pf[x]
        gg = gf[x]
        mm = b1 * mf[x] + (1.0 - b1) * gg
        vv = b2 * vf[x] + (1.0 - b2) * gg * gg
        mf[x] = mm
        vf[x] = vv
        Pf[x] = p * (1.0 - lr * wd) - lr * (mm / bc1) / (np.sqrt(vv / bc2) + eps)


@njit(cache=True, error_model="numpy", nogil=True)
def train_chunk(W, V, mW, vW, mV, vV, X, Yt, t0, steps, lr, wd, b1, b2, eps, opt, act):
    WT, mWT, vWT = W.T.copy(), mW.T.copy(), vW.T.copy()      # the first layer as W^T (2M x K)
    V, mV, vV = V.copy(), mV.copy(), vV.copy()
    ia, ib = _indices(X)
    N = X.shape[0]
    K = W.shape[0]
    H = np.empty((N, K))
    F = np.empty((N, K))
    O = np.empty((N, V.shape[0]))
    GF = np.empty((N, K))
    gWT = np.empty_like(WT)
    gV = np.empty_like(V)
    loss = 0.0
    for s in range(steps):
        loss = _grads(WT, V, ia, ib, Yt, act, H, F, O, GF, gWT, gV)
        t = t0 + s + 1
        _step(WT, gWT, mWT, vWT, t, lr, wd, b1, b2, eps, opt)    # element-wise: any layout
        _step(V, gV, mV, vV, t, lr, wd, b1, b2, eps, opt)
    return (WT.T.copy(), V, mWT.T.copy(), vWT.T.copy(), mV, vV, loss)


@njit(cache=True, error_model="numpy")
def hidden_gather(WT, ia, ib, act):
    N, K = ia.shape[0], WT.shape[1]
    F = np.empty((N, K))
    for i in range(N):
        a, b = ia[i], ib[i]
        for j in range(K):
            h = WT[a, j] + WT[b, j]
            F[i, j] = h * h if act == 0 else max(h, 0.0)
    return F
