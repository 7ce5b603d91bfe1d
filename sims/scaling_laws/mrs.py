r"""Maloney, Roberts & Sully 2022: linear random features on a power-law latent spectrum.

Latent x in R^M with x_I ~ N(0, lambda_I), lambda_I = I^-(1+alpha); target y = w.x with w_I = +-1
(Rademacher: a unit-variance teacher with less seed noise than a Gaussian w); N linear random
features phi = U x (U_ij ~ N(0, 1)); P samples; min-norm least squares (pseudo-inverse, threshold as
numpy's pinv). The test loss is exact: L = (1/2) sum_I lambda_I ((U^T theta)_I - w_I)^2.
"""
from __future__ import annotations

import numpy as np

from .. import parallel
from ..backend import Backend
from .config import MrsConfig


def min_norm_loss(xp, X, U, w, lam):
    """Min-norm least squares on features F = X U^T, y = X w; exact test loss (1/2) sum lam (U^T th - w)^2."""
    F = X @ U.T
    y = X @ w
    Us, s, Vh = xp.linalg.svd(F, full_matrices=False)
    tol = float(max(F.shape) * np.finfo(float).eps) * float(s[0])
    inv = xp.where(s > tol, 1.0 / xp.where(s > tol, s, xp.ones_like(s)), xp.zeros_like(s))
    theta = Vh.T @ (inv * (Us.T @ y))
    err = U.T @ theta - w
    return 0.5 * xp.sum(lam * err**2)


def ridge_loss(xp, X, U, w, lam, penalty):
    """Ridge regression on the same features (objective |F theta - y|^2 / (2P) + penalty |theta|^2 / 2,
    theta = V s / (s^2 + P penalty) U^T y); the exact test loss as in :func:`min_norm_loss`."""
    F = X @ U.T
    y = X @ w
    Us, s, Vh = xp.linalg.svd(F, full_matrices=False)
    theta = Vh.T @ ((s / (s**2 + F.shape[0] * penalty)) * (Us.T @ y))
    err = U.T @ theta - w
    return 0.5 * xp.sum(lam * err**2)


def _sweeps(c: MrsConfig, bk, rng, M):
    """Loss vs N at P = p_big, vs P at N = p_big, and across N = q p_spike at P = p_spike."""
    xp = bk.xp
    lam = np.arange(1, M + 1, dtype=float) ** (-(1 + c.alpha))
    w = rng.choice([-1.0, 1.0], M)
    nmax = max(c.p_big, round(max(c.spike_ratios) * c.p_spike))
    X = np.sqrt(lam)[None, :] * rng.standard_normal((c.p_big, M))
    U = rng.standard_normal((nmax, M))
    Xb, Ub, wb, lb = bk.asarray(X), bk.asarray(U), bk.asarray(w), bk.asarray(lam)
    loss = lambda P, N: float(min_norm_loss(xp, Xb[:P, :], Ub[:N, :], wb, lb))   # noqa: E731
    ridge = lambda P, N: float(ridge_loss(xp, Xb[:P, :], Ub[:N, :], wb, lb, c.mrs_ridge))  # noqa: E731
    spike_n = [max(1, round(q * c.p_spike)) for q in c.spike_ratios]
    return {"vs_N": [loss(c.p_big, n) for n in c.n_grid],
            "vs_P": [loss(p, c.p_big) for p in c.n_grid],
            "spike": [loss(c.p_spike, n) for n in spike_n],
            "spike_ridge": [ridge(c.p_spike, n) for n in spike_n]}


def finite_ns(c: MrsConfig) -> list[int]:
    """N of the finite-latent sweep: M/4, M/2, M, 2M, 4M with M = ``m_finite``."""
    return [max(1, c.m_finite // 4), c.m_finite // 2, c.m_finite, 2 * c.m_finite, 4 * c.m_finite]


def _finite(c: MrsConfig, bk, rng):
    """A finite latent dimension M = m_finite, P = max(p_big, 4M) >= M samples, N across M."""
    M = c.m_finite
    lam = np.arange(1, M + 1, dtype=float) ** (-(1 + c.alpha))
    w = rng.choice([-1.0, 1.0], M)
    P = max(c.p_big, 4 * M)
    X = np.sqrt(lam)[None, :] * rng.standard_normal((P, M))
    U = rng.standard_normal((4 * M, M))
    return [float(min_norm_loss(bk.xp, bk.asarray(X), bk.asarray(U[:n]), bk.asarray(w),
                                bk.asarray(lam))) for n in finite_ns(c)]


def _one_seed(c: MrsConfig, bk, seed) -> dict:
    """Every sweep of one seed (one latent teacher, data and feature draw)."""
    rng = np.random.default_rng(seed)
    out = {k: np.asarray(v) for k, v in _sweeps(c, bk, rng, c.m_latent).items()}
    out["finite"] = np.asarray(_finite(c, bk, rng))
    return out


def seeds_of(c: MrsConfig) -> list:
    """The seed tree: draw k from ``SeedSequence(seed).spawn(seeds)[k]``."""
    return parallel.seeds_for(c, c.seeds)


def simulate_mrs(c: MrsConfig, bk: Backend) -> tuple[dict, dict]:
    """Arrays and dims of an ``mrs`` experiment (see :func:`sims.scaling_laws.run.simulate`)."""
    values = parallel.run(c, range(c.seeds), lambda k, seed: _one_seed(c, bk, seed),
                          seeds=seeds_of(c), desc="scaling_laws[mrs]")
    arrays = {f"loss_{k}": np.stack([v[k] for v in values])
              for k in ("vs_N", "vs_P", "spike", "spike_ridge")}
    arrays.update(n_grid=np.asarray(c.n_grid), spike_ratios=np.asarray(c.spike_ratios),
                  finite_N=np.asarray(finite_ns(c)),
                  loss_finite=np.stack([v["finite"] for v in values]))
    dims = {"loss_vs_N": ["seed", "n"], "loss_vs_P": ["seed", "n"],
            "loss_spike": ["seed", "spike_ratio"], "loss_spike_ridge": ["seed", "spike_ratio"],
            "n_grid": ["n"], "spike_ratios": ["spike_ratio"],
            "finite_N": ["finite_n"], "loss_finite": ["seed", "finite_n"]}
    return arrays, dims
