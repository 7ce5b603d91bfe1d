"""numba twins for :mod:`sims.sharpness` (same arguments and results as the generic kernels).

Where the time goes, and what is done about it (profiles in benchmarks/sharpness.py):

* element-wise work: numba's ``np.tanh`` calls the scalar libm tanh, ~15x slower than numpy's SIMD
  loop (0.94 ms vs 0.05 ms on 1024 x 32 entries), which made the old compiled GD step 7x slower than
  numpy at width 1024. :func:`_tanh` is an exp-based tanh written as straight-line loops that LLVM
  vectorises (<= 3 ulp from numpy's, tested), and phi, phi', phi'' and every R-operator product are
  fused into one pass each. ``error_model="numpy"`` because Python's division-by-zero check blocks
  vectorisation.
* GEMMs go to BLAS through numba's ``@`` (transposed operands are F-contiguous views, which BLAS
  takes as they are); products with the one-row output layer are written as outer-product loops.
* per-call overhead: a GD / SGD step is one compiled call (the EoS net is overhead-bound in numpy).

The weights travel as tuples of C-contiguous 2-D arrays; the wrappers return lists, like the
generic code.
"""
import math

import numpy as np
from numba import njit

_ACT = {"linear": 0, "relu": 1, "tanh": 2}
_OPT = dict(cache=True, error_model="numpy")
_FAST = dict(cache=True, error_model="numpy", fastmath={"contract"})

# tanh(x) = -E/(2 + E) with E = expm1(-2|x|), sign restored; |x| is capped at 20 (tanh = 1 in
# float64 beyond 19.1). expm1(u) = 2^k (expm1(r) + 1) - 1 with u = k ln2 + r, |r| <= ln2/2
# (Cody-Waite split of ln2, fdlibm's constants, k ln2_hi exact), expm1(r) by its Taylor series to
# r^13 (remainder < r^14/14! < 5e-18 relative), 2^k assembled from its exponent bits.
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e+00
_SHIFT = 6755399441055744.0      # 1.5 * 2^52: x + _SHIFT rounds x to an integer in the low bits
(_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13) = (
    1.0 / math.factorial(j) for j in range(2, 14))


@njit(**_FAST)
def _expm1_reduced(x, m, kd, em):
    """For u = -2 |m x_i|: kd_i = k + _SHIFT (k = round(u/ln2)) and em_i = expm1(u - k ln2)."""
    for i in range(x.size):
        u = -2.0 * min(abs(m * x[i]), 20.0)
        kk = u * _INV_LN2 + _SHIFT
        kd[i] = kk
        k = kk - _SHIFT
        r = (u - k * _LN2_HI) - k * _LN2_LO
        p = _C13 * r + _C12
        p = p * r + _C11
        p = p * r + _C10
        p = p * r + _C9
        p = p * r + _C8
        p = p * r + _C7
        p = p * r + _C6
        p = p * r + _C5
        p = p * r + _C4
        p = p * r + _C3
        p = p * r + _C2
        em[i] = r + r * r * p


@njit(**_OPT)
def _pow2_bits(bits):
    """kd -> 2^k in place: the low bits of kd's pattern hold k; shift k + 1023 into the exponent."""
    for i in range(bits.size):
        bits[i] = (bits[i] + 1023) << 52


@njit(**_FAST)
def _tanh_finish(x, m, s, out):
    for i in range(x.size):
        E = s[i] * out[i] + (s[i] - 1.0)
        t = -E / (2.0 + E)
        out[i] = t if m * x[i] >= 0 else -t


@njit(**_OPT)
def _tanh(x, m, out):
    """out = tanh(m x) for 1-D arrays (see the constants above)."""
    kd = np.empty(x.size)
    _expm1_reduced(x, m, kd, out)
    _pow2_bits(kd.view(np.int64))
    _tanh_finish(x, m, kd, out)


@njit(**_OPT)
def tanh(x):
    """tanh of an array (the activation's kernel, exposed for tests)."""
    a = np.ascontiguousarray(x)
    out = np.empty(a.size)
    _tanh(a.reshape(a.size), 1.0, out)
    return out.reshape(a.shape)


@njit(**_OPT)
def _activate(z, m, act, second):
    """(phi(m z), phi'(m z), phi''(m z)) for a C-contiguous z (phi'' 0 x 0 unless second)."""
    n = z.size
    x = z.reshape(n)
    h, d1 = np.empty_like(z), np.empty_like(z)
    d2 = np.empty_like(z) if second else np.empty((0, 0))
    hh, g1, g2 = h.reshape(n), d1.reshape(n), d2.reshape(d2.size)
    if act == 2:
        _tanh(x, m, hh)
        for i in range(n):
            g1[i] = 1.0 - hh[i] * hh[i]
        if second:
            for i in range(n):
                g2[i] = -2.0 * hh[i] * g1[i]
    else:
        for i in range(n):
            v = m * x[i]
            pos = v > 0 or act == 0
            hh[i] = v if pos else 0.0
            g1[i] = 1.0 if pos else 0.0
        if second:
            g2[:] = 0.0
    return h, d1, d2


@njit(**_OPT)
def _t_matmul(A, B):
    """A^T B; as an outer-product loop when A has one row (the scalar output layer)."""
    if A.shape[0] != 1:
        return A.T @ B
    out = np.empty((A.shape[1], B.shape[1]))
    for i in range(A.shape[1]):
        a = A[0, i]
        for j in range(B.shape[1]):
            out[i, j] = a * B[0, j]
    return out


@njit(**_OPT)
def _forward(W, mults, X, act, second):
    """Layer inputs hs (hs[0] = X), phi', phi'' per hidden layer and the output f (1 x N)."""
    L = len(W)
    hs = [X]
    d1s = [np.empty((0, 0)) for _ in range(0)]
    d2s = [np.empty((0, 0)) for _ in range(0)]
    for l in range(L - 1):
        h, d1, d2 = _activate(W[l] @ hs[l], mults[l], act, second)
        hs.append(h)
        d1s.append(d1)
        d2s.append(d2)
    f = W[L - 1] @ hs[L - 1]
    f *= mults[L - 1]
    return hs, d1s, d2s, f


@njit(**_OPT)
def _step(W, mults, X, y, act, lr):
    """One GD step on (X, y) in place on the list W (every gradient from the old weights)."""
    L = len(W)
    N = X.shape[1]
    hs, d1s, _, f = _forward(W, mults, X, act, False)
    delta = np.empty((1, N))
    for j in range(N):
        delta[0, j] = (f[0, j] - y[j]) / N
    for l in range(L - 1, -1, -1):
        g = delta @ hs[l].T
        m = mults[l]
        if l > 0:
            back = _t_matmul(W[l], delta)
            d1 = d1s[l - 1]
            for i in range(back.shape[0]):
                for j in range(N):
                    back[i, j] = m * back[i, j] * d1[i, j]
            delta = back
        Wl = W[l]
        for i in range(Wl.shape[0]):
            for j in range(Wl.shape[1]):
                Wl[i, j] -= lr * (m * g[i, j])


@njit(**_OPT)
def _gd(Ws, mults, X, y, act, lr, steps):
    W = [Ws[l].copy() for l in range(len(Ws))]
    for _ in range(steps):
        _step(W, mults, X, y, act, lr)
    return W


@njit(**_OPT)
def _sgd(Ws, mults, X, y, act, lr, idx):
    W = [Ws[l].copy() for l in range(len(Ws))]
    B = idx.shape[1]
    Xb = np.empty((X.shape[0], B))
    yb = np.empty(B)
    for t in range(idx.shape[0]):
        for j in range(B):
            Xb[:, j] = X[:, idx[t, j]]
            yb[j] = y[idx[t, j]]
        _step(W, mults, Xb, yb, act, lr)
    return W


@njit(**_OPT)
def _primal(W, mults, X, y, act, gn):
    """V-independent half of the R-operator pass (as the generic ``curvature_primal``)."""
    L = len(W)
    N = X.shape[1]
    hs, d1s, d2s, f = _forward(W, mults, X, act, not gn)
    deltas = [np.empty((0, 0)) for _ in range(L)]
    curv = [np.empty((0, 0)) for _ in range(L - 1)]
    if gn:
        return hs, d1s, deltas, curv
    delta = np.empty((1, N))
    for j in range(N):
        delta[0, j] = (f[0, j] - y[j]) / N
    for l in range(L - 1, -1, -1):
        deltas[l] = delta
        if l > 0:
            back = _t_matmul(W[l], delta)
            c, nd = np.empty_like(back), np.empty_like(back)
            d1, d2, m = d1s[l - 1], d2s[l - 1], mults[l]
            for i in range(back.shape[0]):
                for j in range(N):
                    b = m * back[i, j]
                    c[i, j] = b * d2[i, j]
                    nd[i, j] = b * d1[i, j]
            curv[l - 1] = c
            delta = nd
    return hs, d1s, deltas, curv


@njit(**_OPT)
def _hvp(W, mults, V, hs, d1s, deltas, curv, gn):
    """R-passes of the Hessian (Gauss-Newton when gn) product, element-wise work fused."""
    L = len(W)
    N = hs[0].shape[1]
    Rzs = [np.empty((0, 0)) for _ in range(0)]
    Rhs = [np.empty((0, 0))]                       # Rhs[l] pairs with hs[l]; R{h_0} = R{X} = 0
    for l in range(L):
        Rz = V[l] @ hs[l]
        m = mults[l]
        if l > 0:
            B = W[l] @ Rhs[l]
            for i in range(Rz.shape[0]):
                for j in range(N):
                    Rz[i, j] = m * (Rz[i, j] + B[i, j])
        else:
            Rz *= m
        Rzs.append(Rz)
        if l < L - 1:
            d1 = d1s[l]
            Rh = np.empty_like(Rz)
            for i in range(Rz.shape[0]):
                for j in range(N):
                    Rh[i, j] = d1[i, j] * Rz[i, j]
            Rhs.append(Rh)
    Rd = Rzs[L - 1] / N
    out = [np.empty((0, 0)) for _ in range(L)]
    for l in range(L - 1, -1, -1):
        m = mults[l]
        if not gn and l > 0:                        # [R{delta} delta] [h R{h}]^T in one GEMM
            A = np.empty((Rd.shape[0], 2 * N))
            A[:, :N] = Rd
            A[:, N:] = deltas[l]
            Bm = np.empty((hs[l].shape[0], 2 * N))
            Bm[:, :N] = hs[l]
            Bm[:, N:] = Rhs[l]
            G = A @ Bm.T
        else:
            G = Rd @ hs[l].T
        G *= m
        out[l] = G
        if l > 0:
            Rb = _t_matmul(W[l], Rd)
            d1 = d1s[l - 1]
            if gn:
                for i in range(Rb.shape[0]):
                    for j in range(N):
                        Rb[i, j] = m * Rb[i, j] * d1[i, j]
            else:
                Vb = _t_matmul(V[l], deltas[l])
                c, Rz = curv[l - 1], Rzs[l - 1]
                for i in range(Rb.shape[0]):
                    for j in range(N):
                        Rb[i, j] = m * (Rb[i, j] + Vb[i, j]) * d1[i, j] + c[i, j] * Rz[i, j]
            Rd = Rb
    return out


@njit(**_OPT)
def _hvp_alone(W, mults, X, y, act, V, gn):
    """Primal and R-passes in one compiled call (no boxing of the primal in between)."""
    hs, d1s, deltas, curv = _primal(W, mults, X, y, act, gn)
    return _hvp(W, mults, V, hs, d1s, deltas, curv, gn)


# ---- wrappers: same arguments and results as the generic kernels ---------------------------------
def _c(a):
    return np.ascontiguousarray(a, dtype=np.float64)


def _tup(arrays):
    return tuple(_c(a) for a in arrays)


def gd_steps(Ws, mults, X, y, act, lr, steps):
    return list(_gd(_tup(Ws), np.asarray(mults, np.float64), _c(X), _c(y), _ACT[act], float(lr),
                    int(steps)))


def sgd_steps(Ws, mults, X, y, act, lr, idx):
    return list(_sgd(_tup(Ws), np.asarray(mults, np.float64), _c(X), _c(y), _ACT[act], float(lr),
                     np.asarray(idx, np.int64)))


def curvature_primal(Ws, mults, X, y, act, gauss_newton=False):
    hs, d1s, deltas, curv = _primal(_tup(Ws), np.asarray(mults, np.float64), _c(X), _c(y),
                                    _ACT[act], bool(gauss_newton))
    if gauss_newton:
        return list(hs), list(d1s), None, None
    return list(hs), list(d1s), list(deltas), list(curv)


def hvp(Ws, mults, X, y, act, V, gauss_newton=False, primal=None):
    if primal is None:
        return list(_hvp_alone(_tup(Ws), np.asarray(mults, np.float64), _c(X), _c(y), _ACT[act],
                               _tup(V), bool(gauss_newton)))
    hs, d1s, deltas, curv = primal
    gn = deltas is None
    empty = np.empty((0, 0))
    return list(_hvp(_tup(Ws), np.asarray(mults, np.float64), _tup(V), _tup(hs), _tup(d1s),
                     tuple(empty for _ in Ws) if gn else _tup(deltas),
                     tuple(empty for _ in d1s) if gn else _tup(curv), gn))


@njit(cache=True, error_model="numpy")
def lstsq_sgd(X, y, w, lr, idx):
    """w <- w - lr X_B^T (X_B w - y_B)/B for each row idx[t] of mini-batch indices."""
    w = w.copy()
    B = idx.shape[1]
    r = np.empty(B)
    for t in range(idx.shape[0]):
        for j in range(B):
            i = idx[t, j]
            r[j] = X[i] @ w - y[i]
        for j in range(B):
            w -= (lr * r[j] / B) * X[idx[t, j]]
    return w
