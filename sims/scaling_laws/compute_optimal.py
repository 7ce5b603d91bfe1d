r"""The PLRF compute-optimal frontier (Paquette et al. 2024): loss curves for a grid of d, d*(f), P*(f).

``sampled``: the exact expected-loss recursion for a geometric grid of d in [co_d_min, co_d_max]
(a v x co_d_max Gaussian matrix, W = its first d columns / sqrt(d), v = v_ratio co_d_max, so curves
are correlated in d), averaged over ``co_draws`` independent matrices (the paper's loss is E_W).
``equivalent``: the deterministic equivalent of E_W (:mod:`sims.scaling_laws.equivalent`), whose
cost does not grow with d, checked in the same run against ``co_draws`` sampled W at d = co_check_d.
At each compute f = r d (log grid) the loss-minimising d* (parabola in log d through the best grid
point) and the loss P* there, P* = min_d P(f/d, d).
"""
from __future__ import annotations

import numpy as np

from .. import parallel
from . import equivalent, plrf, streams
from ..backend import Backend
from .config import ComputeOptimalConfig


def co_curves(bk, alpha, beta, dg, Wbig, steps, lr):
    """Exact expected-loss curves at ``steps`` for W = Wbig[:, :d] / sqrt(d), every d in ``dg``.
    The Gram matrix G = Wbig^T D Wbig is formed once: H_d = G[:d, :d] / d, W_d^T D b = (Wbig^T D b)[:d]
    / sqrt(d); in the eigenbasis of H_d, theta* = U (c / lambda) with c = U^T W_d^T D b."""
    v = Wbig.shape[0]
    j = np.arange(1, v + 1, dtype=float)
    Dg, b = j ** (-2 * alpha), j ** (-beta)
    gamma = float(lr / Dg.sum())
    G = Wbig.T @ (Dg[:, None] * Wbig)
    h = Wbig.T @ (Dg * b)
    bDb = float(b @ (Dg * b))
    out = []
    for d in dg:
        lam, U = np.linalg.eigh(G[:d, :d] / d)
        c = U.T @ h[:d] / np.sqrt(d)
        p_inf = max(0.5 * (bDb - float(c @ (c / lam))), 0.0)
        out.append(bk.to_numpy(plrf.expected_loss(bk, bk.asarray(lam), bk.asarray((c / lam) ** 2),
                                                  gamma, p_inf, steps)))
    return np.asarray(out)


def frontier(dg, steps, curves, f_grid):
    """d*(f) and P*(f): loss at r = f/d by log-log interpolation of each curve, minimised over d by a
    parabola in log d through the best grid point and its neighbours (nan where not interior)."""
    d_star, loss_star = np.full(len(f_grid), np.nan), np.full(len(f_grid), np.nan)
    for k, f in enumerate(f_grid):
        r = f / dg
        L = np.full(len(dg), np.inf)
        ok = (r >= steps[0]) & (r <= steps[-1])
        for i in np.flatnonzero(ok):
            L[i] = np.exp(np.interp(np.log(r[i]), np.log(steps), np.log(curves[i])))
        i = int(np.argmin(L))
        if 0 < i < len(dg) - 1 and np.all(np.isfinite(L[i - 1:i + 2])):
            p = np.polyfit(np.log(dg[i - 1:i + 2]), np.log(L[i - 1:i + 2]), 2)
            xm = -p[1] / (2 * p[0])
            d_star[k], loss_star[k] = np.exp(xm), np.exp(np.polyval(p, xm))
    return d_star, loss_star


def grids(c: ComputeOptimalConfig) -> tuple[np.ndarray, np.ndarray]:
    """The widths d (geometric, rounded, unique) and the logged steps (300 log-spaced, unique)."""
    dg = np.unique(np.geomspace(c.co_d_min, c.co_d_max, c.co_n_d).round().astype(int))
    steps = np.unique(np.geomspace(1, c.co_steps, 300).round().astype(np.int64))
    return dg, steps


def _sampled_draws(c: ComputeOptimalConfig, bk, rng, dg, steps, draws: int, key: str) -> np.ndarray:
    """``draws`` W matrices (v x max dg) from ``rng`` in turn, each a sweep point: the exact curves of
    every d in ``dg`` for each, shape (draw, width, step)."""
    v, dm = c.v_ratio * int(dg[-1]), int(dg[-1])
    states = streams.states(rng, [streams.normal((v, dm))] * draws)
    values = parallel.run(c, range(draws), lambda k, st: co_curves(
        bk, c.alpha, c.beta, dg, streams.generator(st).standard_normal((v, dm)), steps, c.lr),
        seeds=states, desc=f"scaling_laws[{key}]", key=key)
    return np.asarray(values)


def _equivalent(c: ComputeOptimalConfig, bk: Backend, dg, steps) -> np.ndarray:
    """Deterministic-equivalent curves, one sweep point per width: (width, step)."""
    values = parallel.run(c, [int(d) for d in dg], lambda d, _: equivalent.equivalent_curves(
        c.alpha, c.beta, [d], c.v_ratio, c.lr, steps, backend=bk)[0],
        seeds=[None] * len(dg), desc="scaling_laws[equivalent]", key="equivalent")
    return np.asarray(values)


def simulate_compute_optimal(c: ComputeOptimalConfig, bk: Backend) -> tuple[dict, dict]:
    """Arrays, dims and backend of a ``compute_optimal`` experiment (see
    :func:`sims.scaling_laws.simulate`)."""
    dg, steps = grids(c)
    rng = np.random.default_rng(np.random.SeedSequence(c.seed))   # draw k: the k-th matrix it gives
    arrays, dims = {}, {}
    if c.co_method == "equivalent":
        curves = _equivalent(c, bk, dg, steps)
        sd = np.zeros_like(curves)
        ks = steps[steps <= c.co_check_steps]
        check = _sampled_draws(c, bk, rng, [c.co_check_d], ks, c.co_draws, "check")[:, 0]
        arrays.update(check_steps=ks, check_sampled=check.mean(0),
                      check_sampled_se=check.std(0, ddof=1) / np.sqrt(c.co_draws),
                      check_equivalent=equivalent.equivalent_curves(
                          c.alpha, c.beta, [c.co_check_d], c.v_ratio, c.lr, ks, backend=bk)[0],
                      check_gd=equivalent.gd_curve(c.alpha, c.beta, c.co_check_d, c.v_ratio, c.lr, ks))
        dims.update(check_steps=["check_step"], check_sampled=["check_step"],
                    check_sampled_se=["check_step"], check_equivalent=["check_step"],
                    check_gd=["check_step"])
    else:
        draws = _sampled_draws(c, bk, rng, dg, steps, c.co_draws, "draws")
        curves = draws.mean(0)
        sd = draws.std(0, ddof=1) if c.co_draws > 1 else np.zeros_like(curves)
    f_grid = np.geomspace(c.co_f_min or float(dg[0]) * 10,
                          c.co_f_max or float(dg[-1]) * float(c.co_steps), c.co_n_f)
    d_star, loss_star = frontier(dg, steps, curves, f_grid)
    arrays.update(d_grid=dg, steps=steps, curves=curves, curves_sd=sd, f_grid=f_grid, d_star=d_star,
                  loss_star=loss_star)
    dims.update(d_grid=["width"], steps=["step"], curves=["width", "step"],
                curves_sd=["width", "step"], f_grid=["compute"], d_star=["compute"],
                loss_star=["compute"])
    return arrays, dims
