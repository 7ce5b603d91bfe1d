"""One sweep runner for every simulator with more than one independent run.

A sweep is a list of grid points, each computed by ``run_point(point, seed)`` into a dict of
arrays (or any value :mod:`sims.checkpoint` can store). :func:`run`

* gives each point its own ``numpy.random.SeedSequence`` (spawned from the config's seed unless
  the caller passes its own, so that a point's numbers never depend on the points before it),
* checkpoints every finished point (``$SIMS_CHECKPOINT_DIR``), so a killed job recomputes only the
  missing points and a resumed sweep is bit-identical to an uninterrupted one,
* shows progress on a terminal,
* and, where a simulator supplies ``block(points, seeds) -> values``, runs the missing points in
  blocks of ``block_size`` as one batched computation (stacked arrays, batched products); each
  value of a block is checkpointed as if it had been computed alone.

:func:`stack` turns the per-point dicts into arrays shaped ``grid.shape + value.shape`` with their
dims, ready for :func:`sims.results.make_result`::

    grid = Grid(seed=range(S), ratio=config.ratios)
    values = sweep.run(config, grid.points(), one_point, desc="double_descent")
    arrays, dims = sweep.stack(values, grid, {"risk": ("filter",), "cond": ()})
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .checkpoint import Checkpoint, config_key
from .progress import progress

RunPoint = Callable[[Any, Any], Any]
RunBlock = Callable[[Sequence[Any], Sequence[Any]], Sequence[Any]]


@dataclass(frozen=True)
class Grid:
    """A product grid: dim name -> coordinate values, in order (``Grid(n=(10, 40), mu=(0.1,))``)."""

    axes: tuple[tuple[str, tuple], ...]

    def __init__(self, **axes: Sequence):
        object.__setattr__(self, "axes", tuple((k, tuple(v)) for k, v in axes.items()))

    @property
    def dims(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for _, v in self.axes)

    def points(self) -> list[tuple]:
        """Every grid point as a tuple of coordinates, last dim fastest (C order)."""
        return list(itertools.product(*(v for _, v in self.axes)))


def seeds_for(config: Any, count: int) -> list[np.random.SeedSequence]:
    """``count`` independent seeds from the config's master seed."""
    return np.random.SeedSequence(int(getattr(config, "seed", 0))).spawn(count)


def run(config: Any, points: Sequence[Any], run_point: RunPoint, *,
        seeds: Sequence[Any] | None = None, desc: str = "sweep", key: str = "",
        block: RunBlock | None = None, block_size: int = 1) -> list[Any]:
    """The value of every point, in order (see the module docstring). ``key`` tells apart two
    sweeps of one config (their checkpoints live side by side)."""
    points = list(points)
    seeds = list(seeds) if seeds is not None else seeds_for(config, len(points))
    if len(seeds) != len(points):
        raise ValueError(f"{len(seeds)} seeds for {len(points)} points")
    ckpt = Checkpoint.for_config(config)
    if key and ckpt.dir is not None:
        ckpt = Checkpoint(ckpt.dir.parent, f"{config_key(config)}-{key}")
    if block is None or block_size <= 1:
        return [ckpt.item(i, lambda i=i: run_point(points[i], seeds[i]))
                for i in progress(range(len(points)), desc=desc)]
    values: dict[int, Any] = {}
    todo = []
    for i in range(len(points)):
        saved = ckpt.saved(i)
        if saved is not None:
            values[i] = saved[0]
        else:
            todo.append(i)
    for start in progress(range(0, len(todo), block_size), desc=desc,
                          total=-(-len(todo) // block_size)):
        idx = todo[start:start + block_size]
        out = list(block([points[i] for i in idx], [seeds[i] for i in idx]))
        if len(out) != len(idx):
            raise ValueError(f"block returned {len(out)} values for {len(idx)} points")
        for i, value in zip(idx, out):
            values[i] = ckpt.store(i, value)
    return [values[i] for i in range(len(points))]


def stack(values: Sequence[Mapping[str, Any]], grid: Grid,
          point_dims: Mapping[str, Sequence[str]]) -> tuple[dict[str, np.ndarray], dict[str, list]]:
    """Per-point dicts -> arrays of shape ``grid.shape + value.shape`` and their dims
    (``grid.dims + point_dims[key]``); only the keys named in ``point_dims`` are stacked."""
    arrays, dims = {}, {}
    for key, inner in point_dims.items():
        a = np.stack([np.asarray(v[key]) for v in values])
        arrays[key] = a.reshape(grid.shape + a.shape[1:])
        dims[key] = list(grid.dims) + list(inner)
    return arrays, dims
