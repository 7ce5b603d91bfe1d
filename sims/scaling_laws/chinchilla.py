r"""Chinchilla-style fits (Hoffmann et al. 2022; Besiroglu et al. 2024).

Synthetic L(N, D) = E + A/N^a + B/D^b (Hoffmann et al.'s published constants) with ``noise``
log-noise on a ``chin_grid`` x ``chin_grid`` log grid, drawn ``draws`` times independently. Each
draw (a sweep point) is fitted by :func:`theory.scaling_laws.fit_chinchilla` (Huber loss on log L
summed over points, L-BFGS from a grid of starts), refitted on ``bootstrap`` resamples, and fitted
with the averaged objective (the known failure, Besiroglu et al. 2024). The fitted exponent
b/(a+b) varies from draw to draw (s.d. ~0.011 at the quick size), so the claims read its mean and
spread over the draws, and the bootstrap interval's coverage over them.

Arrays [dims]: ``N``, ``D`` [point] (the grid, the same for every draw); ``L`` [noise_draw, point];
``fit``, ``fit_mean`` [noise_draw, param]; ``boot`` [noise_draw, replicate, stat]; ``ci``
[noise_draw, bound, stat] (the 95% percentile interval of ``boot``); ``true`` [param].
"""
from __future__ import annotations

import numpy as np

from .. import parallel
from ..backend import Backend
from .config import ChinchillaConfig
from theory import scaling_laws as theory

PARAMS = ("E", "A", "B", "a", "b")


def _draw(c: ChinchillaConfig, seed: np.random.SeedSequence) -> dict:
    """One noise draw: the table (from ``seed.spawn(2)[0]``), its summed and averaged fits, and
    ``bootstrap`` refits from the summed fit on resamples drawn in turn from ``seed.spawn(2)[1]``."""
    data, resample = seed.spawn(2)
    N, D, L = theory.chinchilla_data(np.random.default_rng(data), c.noise, c.chin_grid)
    fit = theory.fit_chinchilla(N, D, L)
    avg = theory.fit_chinchilla(N, D, L, reduce="mean")
    rng, n = np.random.default_rng(resample), len(L)
    boot = np.array([theory.bootstrap_refit(N, D, L, rng.integers(0, n, n), fit["params"])
                     for _ in range(c.bootstrap)]).reshape(c.bootstrap, 3)
    ci = theory.bootstrap_ci(boot) if c.bootstrap else np.full((2, 3), np.nan)
    return {"N": N, "D": D, "L": L, "fit": np.array([fit[k] for k in PARAMS]),
            "fit_mean": np.array([avg[k] for k in PARAMS]), "boot": boot, "ci": ci}


def simulate_chinchilla(c: ChinchillaConfig, bk: Backend) -> tuple[dict, dict]:
    """Arrays, dims and backend of a ``chinchilla`` experiment (see :func:`sims.scaling_laws.simulate`).
    Draw k is seeded by ``SeedSequence(seed).spawn(draws)[k]``."""
    draws = parallel.run(c, range(c.draws), lambda k, seed: _draw(c, seed),
                         seeds=parallel.seeds_for(c, c.draws), desc="scaling_laws[chinchilla draws]",
                         key="draws")
    arrays = {"N": draws[0]["N"], "D": draws[0]["D"], **{k: np.stack([d[k] for d in draws])
                                 for k in ("L", "fit", "fit_mean", "boot", "ci")},
              "true": np.array([theory.CHINCHILLA[k] for k in PARAMS]),
              "params": np.asarray(PARAMS), "stats": np.asarray(["a", "b", "b/(a+b)"])}
    dims = {"N": ["point"], "D": ["point"], "L": ["noise_draw", "point"],
            "fit": ["noise_draw", "param"], "fit_mean": ["noise_draw", "param"],
            "ci": ["noise_draw", "bound", "stat"], "true": ["param"],
            "boot": ["noise_draw", "replicate", "stat"], "params": ["param"], "stats": ["stat"]}
    return arrays, dims
