r"""Chinchilla-style fits (Hoffmann et al. 2022; Besiroglu et al. 2024).

Synthetic L(N, D) = E + A/N^a + B/D^b (Hoffmann et al.'s published constants) with ``noise``
log-noise on a ``chin_grid`` x ``chin_grid`` log grid, fitted by
:func:`theory.scaling_laws.fit_chinchilla` (Huber loss on log L summed over points, L-BFGS from a
grid of starts); ``bootstrap`` resampled refits, each a sweep point; and, as the known failure, the
fit of the averaged objective (Besiroglu et al. 2024).
"""
from __future__ import annotations

import numpy as np

from .. import parallel
from . import streams
from ..backend import Backend
from .config import ChinchillaConfig
from theory import scaling_laws as theory

PARAMS = ("E", "A", "B", "a", "b")


def _bootstrap(c: ChinchillaConfig, N, D, L, start) -> np.ndarray:
    """(replicate, stat) with stats a, b, b/(a+b): resamples drawn in turn from default_rng(seed)."""
    n = len(L)
    states = streams.states(np.random.default_rng(c.seed),
                            [lambda rng: rng.integers(0, n, n)] * c.bootstrap)
    values = parallel.run(c, range(c.bootstrap), lambda k, st: theory.bootstrap_refit(
        N, D, L, streams.generator(st).integers(0, n, n), start),
        seeds=states, desc="scaling_laws[bootstrap]", key="bootstrap")
    return np.asarray(values).reshape(c.bootstrap, 3)


def simulate_chinchilla(c: ChinchillaConfig, bk: Backend) -> tuple[dict, dict]:
    """Arrays, dims and backend of a ``chinchilla`` experiment (see :func:`sims.scaling_laws.simulate`)."""
    rng = np.random.default_rng(np.random.SeedSequence(c.seed))
    N, D, L = theory.chinchilla_data(rng, c.noise, c.chin_grid)
    fit = theory.fit_chinchilla(N, D, L)
    avg = theory.fit_chinchilla(N, D, L, reduce="mean")
    boot = _bootstrap(c, N, D, L, fit["params"])
    ci = theory.bootstrap_ci(boot) if c.bootstrap else np.zeros((2, 3))
    arrays = {"N": N, "D": D, "L": L, "fit": np.array([fit[k] for k in PARAMS]),
              "fit_mean": np.array([avg[k] for k in PARAMS]), "ci": ci,
              "true": np.array([theory.CHINCHILLA[k] for k in PARAMS]), "boot": boot,
              "params": np.asarray(PARAMS), "stats": np.asarray(["a", "b", "b/(a+b)"])}
    dims = {"N": ["point"], "D": ["point"], "L": ["point"], "fit": ["param"], "fit_mean": ["param"],
            "ci": ["bound", "stat"], "true": ["param"], "boot": ["replicate", "stat"],
            "params": ["param"], "stats": ["stat"]}
    return arrays, dims
