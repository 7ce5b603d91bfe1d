"""Scaling laws: ``simulate`` (dispatch on the experiment kind) and the cost model."""
from __future__ import annotations

import math

from ..context import RunContext
from ..results import Result, make_result
from .chinchilla import simulate_chinchilla
from .compute_optimal import simulate_compute_optimal
from .config import ScalingLawsConfig
from .equivalent import BLOCK_H
from .mrs import simulate_mrs
from .plrf import simulate_plrf

COORDS = {"mrs": {"n": "n_grid", "spike_ratio": "spike_ratios", "finite_n": "finite_N"},
          "plrf": {"step": "log_steps", "width": "d_grid"},
          "compute_optimal": {"width": "d_grid", "step": "steps", "compute": "f_grid"},
          "chinchilla": {"param": "params", "stat": "stats"}}


def simulate(config: ScalingLawsConfig, run: RunContext) -> Result:
    """Run one experiment of kind ``config.model``. Returns (arrays [dims]):

    ``mrs``: ``loss_vs_N`` [seed, n] (N = n_grid at P = p_big), ``loss_vs_P`` [seed, n] (P = n_grid at
    N = p_big), ``loss_spike`` [seed, spike_ratio] (N = q p_spike at P = p_spike), ``loss_finite``
    [seed, finite_n] (latent M = m_finite, N = ``finite_N``), coordinates ``n_grid``,
    ``spike_ratios``, ``finite_N``.
    ``plrf``: ``exact_loss``, ``mc_loss``, ``mc_se`` [step] (the expected-loss recursion, the mean
    loss of ``runs`` SGD runs and its s.e. at ``log_steps``), ``limit_loss`` [width, draw] (P_inf
    at each d of ``d_grid`` for ``w_draws`` W), ``eigenvalues`` [eigen] of H, ``gamma`` [].
    ``compute_optimal``: ``curves``, ``curves_sd`` [width, step] (E_W of the loss at ``steps`` for
    each d of ``d_grid``, and its s.d. over draws: 0 on the equivalent), ``d_star``, ``loss_star``
    [compute] (nan where the optimum is not interior) at ``f_grid``; on the equivalent also
    ``check_equivalent``, ``check_sampled``, ``check_sampled_se`` [check_step] at ``check_steps``.
    ``chinchilla``: ``N``, ``D``, ``L`` [point], ``fit``, ``fit_mean``, ``true`` [param] (E, A, B, a,
    b of the summed-Huber fit, the averaged-objective fit, the generating constants), ``boot``
    [replicate, stat] and its 95% interval ``ci`` [bound, stat] (stats a, b, b/(a+b)).
    """
    body = {"mrs": simulate_mrs, "plrf": simulate_plrf, "chinchilla": simulate_chinchilla,
            "compute_optimal": simulate_compute_optimal}[config.model]
    arrays, dims = body(config, run.backend)
    return make_result(config, arrays, dims, coords=COORDS[config.model])


EQUIV_Z, EQUIV_J, EQUIV_NEWTON = 2000, 2400, 10   # deterministic equivalent: z points, j-terms, iterations


def cost(c: ScalingLawsConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim), per model: mrs, features (P x M x N) and a pseudo-inverse
    (P N min(P, N)) per seed and grid point; plrf, runs x steps SGD steps of (d + 1)^2 plus the
    eigenproblems of the d_grid (v d^2 + d^3 per draw); compute_optimal, co_steps recursion steps
    over co_n_d widths up to co_d_max (sampled W) or, on the deterministic equivalent, a fixed-point
    grid and a blocked recursion per width whatever its size, plus the sampled check; chinchilla,
    per noise draw two multi-start fits and the bootstrap refits of a chin_grid^2 table."""
    if c.model == "mrs":
        P, M = c.p_big, c.m_latent
        sizes = [(P, N) for N in c.n_grid] * 2 + [(c.p_spike, max(1, round(q * c.p_spike)))
                                                  for q in c.spike_ratios]
        ops = c.seeds * sum(p * M * n + p * n * min(p, n) for p, n in sizes)
        return ops, 8.0 * (P * M + M * max(c.n_grid) + P * max(c.n_grid)), max(P, M)
    if c.model == "plrf":
        v = c.v_ratio * max(c.d_grid + (c.d,))
        ops = c.runs * c.steps * (c.d + 1) ** 2 + c.w_draws * sum(v * d * d + d**3 for d in c.d_grid)
        return ops, 8.0 * (c.runs * (c.d + 1) * 2 + v * max(c.d_grid)), v   # runs: a batch axis
    if c.model == "compute_optimal" and c.co_method == "equivalent":
        # per width: the fixed point on ~EQUIV_Z grid points over ~EQUIV_J compressed j-terms, and the
        # blocked recursion (log(co_steps)/BLOCK_H blocks of ~EQUIV_Z/4 nodes); plus the sampled check
        grid = EQUIV_Z * EQUIV_J * EQUIV_NEWTON
        blocks = (1 + math.log(c.co_steps)) / BLOCK_H * EQUIV_Z / 4
        vc = c.v_ratio * c.co_check_d
        check = c.co_draws * (vc * c.co_check_d**2 + c.co_check_steps * c.co_check_d)
        return c.co_n_d * (grid + blocks) + check, 8.0 * (EQUIV_Z * EQUIV_J + vc * c.co_check_d), vc
    if c.model == "compute_optimal":
        v = c.v_ratio * c.co_d_max
        ops = c.co_steps * c.co_n_d * c.co_d_max + v * c.co_d_max**2
        return ops, 8.0 * (v * c.co_d_max + c.co_n_d * c.co_d_max), v
    # per draw: the bootstrap refits and the two multi-start fits (measured: the summed fit from the
    # 162 starts of theory.scaling_laws.START_GRID ~ 160 refits, the averaged one ~ 70)
    return (c.draws * (c.bootstrap + 230) * c.chin_grid**2 * 1e4,
            8.0 * c.chin_grid**2 * c.draws * max(1, c.bootstrap), c.chin_grid)
