"""One sweep runner for every simulator with more than one independent run.

A sweep is a list of grid points, each computed by ``run_point(point, seed)`` into a dict of
arrays (or any value :mod:`sims.checkpoint` can store). :func:`run`

* gives each point its own ``numpy.random.SeedSequence`` (spawned from the config's seed unless
  the caller passes its own, so that a point's numbers never depend on the points before it),
* checkpoints every finished point (``$SIMS_CHECKPOINT_DIR``), so a killed job recomputes only the
  missing points and a resumed sweep is bit-identical to an uninterrupted one,
* shows progress on a terminal,
* runs the missing points in parallel worker processes (``sims.threads.workers()``: the cores a
  run was given, ``--threads``), each on one BLAS thread; a point's value does not depend on where
  it was computed, so the result is bit-identical to a serial run (tested),
* and, where a simulator supplies ``block(points, seeds) -> values``, runs the missing points in
  blocks of ``block_size`` as one batched computation (stacked arrays, batched products); each
  value of a block is checkpointed as if it had been computed alone.

:func:`stack` turns the per-point dicts into arrays shaped ``grid.shape + value.shape`` with their
dims, ready for :func:`sims.results.make_result`::

    grid = Grid(seed=range(S), ratio=config.ratios)
    values = parallel.run(config, grid.points(), one_point, desc="double_descent")
    arrays, dims = parallel.stack(values, grid, {"risk": ("filter",), "cond": ()})
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import queue
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from . import threads as _threads
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
    n_workers = _threads.workers()
    if (block is None or block_size <= 1) and n_workers > 1:
        return _parallel(run_point, points, seeds, ckpt, n_workers, desc)
    if block is None or block_size <= 1:
        return [ckpt.item(i, lambda i=i: run_point(points[i], seeds[i]))
                for i in progress(range(len(points)), desc=desc)]
    values, todo = _saved_and_missing(ckpt, len(points))
    for start in progress(range(0, len(todo), block_size), desc=desc,
                          total=-(-len(todo) // block_size)):
        idx = todo[start:start + block_size]
        out = list(block([points[i] for i in idx], [seeds[i] for i in idx]))
        if len(out) != len(idx):
            raise ValueError(f"block returned {len(out)} values for {len(idx)} points")
        for i, value in zip(idx, out):
            values[i] = ckpt.store(i, value)
    return [values[i] for i in range(len(points))]


def _saved_and_missing(ckpt: Checkpoint, n: int) -> tuple[dict[int, Any], list[int]]:
    """The checkpointed values by index, and the indices still to compute."""
    values: dict[int, Any] = {}
    todo = []
    for i in range(n):
        saved = ckpt.saved(i)
        if saved is not None:
            values[i] = saved[0]
        else:
            todo.append(i)
    return values, todo


def _worker(run_point: RunPoint, points: Sequence[Any], seeds: Sequence[Any], tasks, results) -> None:
    """A forked worker: computes the points whose indices it takes from ``tasks`` (None: stop),
    serially, on one BLAS thread (the parent owns the cores), sending ``(i, ok, value)``. It
    inherits the sweep (``run_point`` and its closures) by the fork: nothing is pickled but
    indices and values."""
    _threads.pin(1)
    _threads.set_workers(1)
    for i in iter(tasks.get, None):
        try:
            results.put((i, True, run_point(points[i], seeds[i])))
        except BaseException as exc:  # noqa: BLE001 - the parent re-raises it
            results.put((i, False, _portable(exc)))
            return


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it pickles (to cross back to the parent), else a RuntimeError with its text."""
    try:
        pickle.dumps(exc)
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _arrivals(procs, results, count: int) -> Iterator[tuple[int, bool, Any]]:
    """The workers' messages as they arrive; stops early (leaving points missing) when a worker
    died or every worker has exited."""
    for _ in range(count):
        while True:
            try:
                yield results.get(timeout=0.5)
                break
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in procs) or \
                        all(p.exitcode is not None for p in procs):
                    print("sweep: a worker process died; computing the remaining points serially",
                          file=sys.stderr)
                    return


def _parallel(run_point, points, seeds, ckpt, n_workers: int, desc: str) -> list[Any]:
    """The missing points on ``n_workers`` forked processes (forked: the points' closures need no
    pickling), checkpointed as each arrives; the saved ones read back."""
    values, todo = _saved_and_missing(ckpt, len(points))
    if len(todo) > 1 and _fork_safe():
        ctx = multiprocessing.get_context("fork")
        tasks, results = ctx.SimpleQueue(), ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(run_point, points, seeds, tasks, results),
                             daemon=True) for _ in range(min(n_workers, len(todo)))]
        for proc in procs:
            proc.start()
        try:
            for i in [*todo, *[None] * len(procs)]:     # after the start: a full pipe blocks
                tasks.put(i)
            for i, ok, value in progress(_arrivals(procs, results, len(todo)), desc=desc,
                                         total=len(todo)):
                if not ok:
                    raise value
                values[i] = ckpt.store(i, value)
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
                proc.join()
            results.close()
    for i in todo:                                # serially: what no worker computed
        if i not in values:
            values[i] = ckpt.store(i, run_point(points[i], seeds[i]))
    return [values[i] for i in range(len(points))]


def _fork_safe() -> bool:
    """False once numba's parallel thread pool has started in this process: its OpenMP layer
    cannot be forked (the child aborts), so such a process sweeps serially."""
    return hasattr(os, "fork") and not _threads.numba_pool_started()


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
