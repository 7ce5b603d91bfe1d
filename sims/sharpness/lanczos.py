"""The top eigenpair of a symmetric operator by Lanczos on the operator's own arrays (a device's):
explicitly restarted, with full reorthogonalisation.

ARPACK (``scipy.sparse.linalg.eigsh``) keeps its Krylov basis on the host, so on a GPU every
product would move a parameter vector across the bus twice. Here the basis ``Q`` [n, m], the
products and the projections stay in the array namespace ``xp`` of the start vector; only the
m x m tridiagonal matrix ``T`` (m = ``basis``, 20 by default, as the suite's ARPACK call) and
a few scalars per step come to the host.

One cycle: q_1 = v / |v|; for j = 1..m: w = A q_j, alpha_j = q_j^T w, then w <- w - Q (Q^T w)
twice ("twice is enough", Kahan-Parlett: full reorthogonalisation against every q so far, which
also removes alpha_j q_j and beta_{j-1} q_{j-1}), beta_j = |w|, q_{j+1} = w / beta_j. The
largest eigenpair (theta, s) of T = tridiag(beta, alpha, beta) gives the Ritz pair (theta, Q s)
with residual |A Q s - theta Q s| = beta_m |s_m|. Converged when beta_m |s_m| <= tol |theta|
(ARPACK's criterion for ``tol``); otherwise restart from v = Q s. A Krylov space that closes
(beta_j ~ 0: an invariant subspace) gives the exact top eigenpair of A on it.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..errors import SimsError

_BREAKDOWN = 1e-14          # beta_j / |A q_j| below this: the Krylov space is invariant


def _norm(xp, v) -> float:
    return float(xp.sqrt(xp.sum(v * v)))


def top_eigenpair(matvec: Callable[[Any], Any], v0: Any, xp: Any,
                  to_device: Callable[[np.ndarray], Any], *, tol: float = 1e-10, basis: int = 20,
                  max_restarts: int | None = None) -> tuple[float, Any]:
    """(lambda_max, unit eigenvector) of the symmetric operator ``matvec`` (n-vector -> n-vector,
    arrays of ``xp``) from the start vector ``v0`` [n]; ``to_device`` brings a host vector into
    ``xp`` (:meth:`sims.backend.Backend.asarray`). See the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([3.0, 1.0, -5.0])
    >>> lam, v = top_eigenpair(lambda x: A @ x, np.ones(3), np, np.asarray)
    >>> round(lam, 12), round(abs(float(v[0])), 12)
    (3.0, 1.0)
    """
    n = int(v0.shape[0])
    m = max(1, min(basis, n))
    restarts = max_restarts if max_restarts is not None else max(50, 10 * n)
    v = v0 / _norm(xp, v0)
    for _ in range(restarts):
        Q, alphas, betas = [v], [], []
        beta, closed = 0.0, False
        for j in range(m):
            w = matvec(Q[j])
            scale = _norm(xp, w)
            alphas.append(float(xp.sum(w * Q[j])))
            B = xp.stack(Q, axis=1)                               # [n, j + 1]
            for _ in range(2):
                w = w - B @ (B.T @ w)
            beta = _norm(xp, w)
            if beta <= _BREAKDOWN * max(scale, 1e-300):
                closed = True
                break
            if j < m - 1:
                betas.append(beta)
                Q.append(w / beta)
        k = len(alphas)
        T = np.diag(alphas) + np.diag(betas[:k - 1], 1) + np.diag(betas[:k - 1], -1)
        vals, vecs = np.linalg.eigh(T)
        theta, s = float(vals[-1]), vecs[:, -1]
        ritz = xp.stack(Q[:k], axis=1) @ to_device(s)
        ritz = ritz / _norm(xp, ritz)
        if closed or beta * abs(s[-1]) <= tol * max(abs(theta), 1e-300):
            return theta, ritz
        v = ritz
    raise SimsError(f"Lanczos did not reach tol {tol:g} in {restarts} restarts of {m} steps")
