"""Curvature of one network state: Hessian-vector products by Pearlmutter's R-operator, the
Gauss-Newton product, the empirical NTK in closed form, Lanczos and Hutchinson.

Lanczos is ARPACK (scipy ``eigsh``, as in Cohen et al.'s code) where the arrays live on the host
(numpy, numba), and :func:`sims.sharpness.lanczos.top_eigenpair` on the backend's own arrays
elsewhere (CuPy on a GPU, array_api_strict), so a device's parameter vectors never cross the bus.
The choice is made once, by the backend, when the :class:`Curvature` is built."""
from __future__ import annotations

import numpy as np

from ..backend import host_backend, kernel
from .lanczos import top_eigenpair
from .net import _t_matmul, forward


@kernel(numba="sims.kernels.sharpness:curvature_primal")
def curvature_primal(xp, Ws, mults, X, y, act, gauss_newton=False):
    """The V-independent half of the R-operator pass, computed once per network state (Lanczos then
    applies H to many V): layer inputs hs[l], phi'(z_l), the backprop deltas delta_l and the
    curvature terms c_l = m_{l+1} (W_{l+1}^T delta_{l+1}) phi''(z_l); deltas and c are None for the
    Gauss-Newton product (residual set to 0)."""
    zs, hs, d1s, d2s = forward(xp, Ws, mults, X, act, second=not gauss_newton)
    if gauss_newton:
        return hs, d1s, None, None
    L = len(Ws)
    delta = (zs[-1] - y[None, :]) / X.shape[1]
    deltas, curv = [None] * L, [None] * (L - 1)
    for l in range(L - 1, -1, -1):
        deltas[l] = delta
        if l:
            back = mults[l] * _t_matmul(xp, Ws[l], delta)
            curv[l - 1] = back * d2s[l - 1]
            delta = back * d1s[l - 1]
    return hs, d1s, deltas, curv


@kernel(numba="sims.kernels.sharpness:hvp")
def hvp(xp, Ws, mults, X, y, act, V, gauss_newton=False, primal=None):
    """H V (or the Gauss-Newton J^T J V/N) by the R-operator (module docstring); V is a list shaped
    like Ws. ``primal``: this state's :func:`curvature_primal` (computed here when None). With it,
    one product costs the R-passes only: R{z} forward, R{delta} backward."""
    hs, d1s, deltas, curv = primal if primal is not None else curvature_primal.generic(
        xp, Ws, mults, X, y, act, gauss_newton)
    N = X.shape[1]
    L = len(Ws)
    Rh, Rhs, Rzs = None, [None], []
    for l in range(L):
        Rz = V[l] @ hs[l]
        if l:
            Rz = Rz + Ws[l] @ Rh
        Rz = mults[l] * Rz
        Rzs.append(Rz)
        if l < L - 1:
            Rh = d1s[l] * Rz
            Rhs.append(Rh)
    Rd = Rzs[-1] / N
    out = [None] * L
    for l in range(L - 1, -1, -1):
        if deltas is not None and l:      # R{dL/dW_l} = m_l (R{delta_l} h^T + delta_l R{h}^T)
            out[l] = mults[l] * (xp.concat([Rd, deltas[l]], axis=1)
                                 @ xp.concat([hs[l], Rhs[l]], axis=1).T)
        else:
            out[l] = mults[l] * (Rd @ hs[l].T)
        if l:
            Rback = _t_matmul(xp, Ws[l], Rd)
            if deltas is None:
                Rd = mults[l] * Rback * d1s[l - 1]
            else:
                Rback = Rback + _t_matmul(xp, V[l], deltas[l])
                Rd = mults[l] * Rback * d1s[l - 1] + curv[l - 1] * Rzs[l - 1]
    return out


def tangent_features(xp, Ws, mults, X, act):
    """b_l = df/dz_l (n_l x N) and the layer inputs h_{l-1}: the factors of J and of the NTK."""
    zs, hs, d1s, _ = forward(xp, Ws, mults, X, act)
    b = xp.ones_like(zs[-1])
    bs = [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        bs[l] = b
        if l:
            b = mults[l] * _t_matmul(xp, Ws[l], b) * d1s[l - 1]
    return bs, hs


def empirical_ntk(xp, Ws, mults, X, act):
    """Theta = J J^T (N x N) in closed form: sum_l m_l^2 (B_l^T B_l) * (H_{l-1}^T H_{l-1})."""
    bs, hs = tangent_features(xp, Ws, mults, X, act)
    return sum(mults[l] ** 2 * (bs[l].T @ bs[l]) * (hs[l].T @ hs[l]) for l in range(len(Ws)))


def jacobian(xp, Ws, mults, X, act):
    """J (N x P), rows df(x_i)/dW flattened layer by layer (for small nets and tests)."""
    bs, hs = tangent_features(xp, Ws, mults, X, act)
    blocks = [mults[l] * xp.reshape(bs[l].T[:, :, None] * hs[l].T[:, None, :], (X.shape[1], -1))
              for l in range(len(Ws))]
    return xp.concat(blocks, axis=1)


# ---- spectra -------------------------------------------------------------------------------------
class Curvature:
    """Matrix-free Hessian / Gauss-Newton of one network state, with Lanczos and Hutchinson."""

    def __init__(self, bk, Ws, mults, X, y, act):
        self.bk, self.Ws, self.mults, self.X, self.y, self.act = bk, list(Ws), mults, X, y, act
        self.shapes = [tuple(W.shape) for W in Ws]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.dim = sum(self.sizes)
        self._primal = {}
        self.on_host = host_backend(bk) is bk   # ARPACK on the host, else the device Lanczos

    def split(self, v):
        """A flat host vector v [parameter] as arrays shaped like the layers, on this backend."""
        out, i = [], 0
        for s, n in zip(self.shapes, self.sizes):
            out.append(self.bk.asarray(v[i:i + n].reshape(s)))
            i += n
        return out

    def _products(self, V, gauss_newton):
        """H V (or G V) for V shaped like Ws, on this backend's arrays."""
        if gauss_newton not in self._primal:        # this state's V-independent pass, once
            self._primal[gauss_newton] = curvature_primal(self.bk, self.Ws, self.mults, self.X,
                                                          self.y, self.act, gauss_newton)
        return hvp(self.bk, self.Ws, self.mults, self.X, self.y, self.act, V, gauss_newton,
                   self._primal[gauss_newton])

    def matvec(self, v, gauss_newton=False):
        """H v for a host vector v (ARPACK's side): one upload, one download of P numbers."""
        out = self._products(self.split(v), gauss_newton)
        return np.concatenate([self.bk.to_numpy(o).ravel() for o in out])

    def quadratic(self, v, gauss_newton=False) -> float:
        """v^T H v, summed where the products live: one upload, one number back."""
        xp = self.bk.xp
        V = self.split(v)
        HV = self._products(V, gauss_newton)
        return float(self.bk.to_numpy(sum(xp.sum(a * b) for a, b in zip(V, HV))))

    def _device_matvec(self, v, gauss_newton):
        """H v for a backend vector v: no host round trip."""
        xp = self.bk.xp
        V, i = [], 0
        for shape, n in zip(self.shapes, self.sizes):
            V.append(xp.reshape(v[i:i + n], shape))
            i += n
        return xp.concat([xp.reshape(o, (-1,)) for o in self._products(V, gauss_newton)])

    def top_eig(self, rng, tol=1e-10, gauss_newton=False, v0=None, vector=False):
        """Largest algebraic eigenvalue by Lanczos (module docstring; ARPACK: eigsh, which='LA',
        ncv 20); the start vector is ``v0`` (a warm start, e.g. the previous top eigenvector,
        returned with ``vector=True`` as the backend's array) or drawn from ``rng``."""
        if not self.on_host:
            start = self.bk.asarray(rng.standard_normal(self.dim)) if v0 is None else v0
            lam, vec = top_eigenpair(lambda v: self._device_matvec(v, gauss_newton), start,
                                     self.bk.xp, self.bk.asarray, tol=tol,
                                     basis=min(self.dim - 1, 20) or 1)
            return (lam, vec) if vector else lam
        from scipy.sparse.linalg import LinearOperator, eigsh   # here: not in every start
        op = LinearOperator((self.dim, self.dim), dtype=np.float64,
                            matvec=lambda v: self.matvec(np.ravel(v), gauss_newton))
        start = rng.standard_normal(self.dim) if v0 is None else v0
        vals, vecs = eigsh(op, k=1, which="LA", v0=start, tol=tol, ncv=min(self.dim - 1, 20),
                           maxiter=100 * self.dim)
        return (float(vals[-1]), vecs[:, -1]) if vector else float(vals[-1])

    def hutchinson(self, rng, probes, gauss_newton=False) -> tuple[float, float]:
        """tr by Hutchinson with Rademacher probes: (mean, standard error std/sqrt(m))."""
        vals = np.empty(probes)
        for k in range(probes):
            v = rng.choice(np.array([-1.0, 1.0]), size=self.dim)
            vals[k] = self.quadratic(v, gauss_newton)
        return float(vals.mean()), float(vals.std(ddof=1) / np.sqrt(probes))
