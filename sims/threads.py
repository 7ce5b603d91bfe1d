"""Threads that fit the machine: BLAS, OpenMP and numba pinned to one count per process.

On a small machine a multi-threaded BLAS that spins on many small products can collapse when
another process is busy (an earlier build measured a quick scaling-laws run going from 9 s to over 6
minutes with one other busy process on 2 cores; today's: 14.5 s unpinned, 12.1 s pinned,
benchmarks/RESULTS.md), and even on an idle machine it is slower on the suite's small matrices (the
quick double-descent linear sweep, 100 x 600 SVDs: 7.5 s on two OpenBLAS threads, 3.7 s on one).
Runs from the CLI and the Python API therefore take ``--threads`` cores (default: the cores this
process may use, :func:`available_cores`) and use them as processes, not BLAS threads: a sweep's
independent points run in that many worker processes (:mod:`sims.parallel`), each on one BLAS thread,
and BLAS gets more than one thread only where the experiment's largest dense matrix makes BLAS-3
threading pay (:func:`default_threads`: >= 2000: 2, >= 8000: 4), as the Snakemake rules give it.
"""
from __future__ import annotations

import os
import sys
from typing import NamedTuple

# NUMBA_NUM_THREADS is not among them: numba re-reads the environment at every compilation and
# refuses a value other than the one its thread pool was launched with; numba.set_num_threads
# limits it instead.
_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_state: dict[str, int] = {}     # "workers": this process's sweep workers (set by limited / a worker)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which SLURM and taskset set)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


THREAD_DIMS = ((8000, 4), (2000, 2))     # largest matrix dim -> BLAS threads worth having


def blas_threads(dim: int) -> int:
    """BLAS threads worth having for a run whose largest dense matrix has dimension ``dim`` (the
    rule of the CLI, the API and the workflow's cost model)."""
    return next((n for lim, n in THREAD_DIMS if dim >= lim), 1)


def default_threads(sim=None, config=None) -> int:
    """Threads for one run of ``config`` (see the module docstring); the available cores when the
    simulator declares no cost model."""
    cores = available_cores()
    cost = getattr(sim, "cost", None)
    if cost is None or config is None:
        return cores
    try:
        dim = cost(config)[2]
    except Exception:  # noqa: BLE001 - a cost-model bug must not stop a run
        return cores
    return min(cores, blas_threads(dim))


def pin(threads: int | None = None) -> int:
    """Limit BLAS / OpenMP (threadpoolctl, for libraries already loaded, and the environment, for
    child processes and libraries loaded later) and numba to ``threads`` (None: the available
    cores); return the count. Idempotent; the limit stays for the life of the process."""
    n = available_cores() if threads is None else int(threads)
    if n < 1:
        from .errors import ConfigError
        raise ConfigError(f"--threads must be >= 1, got {n}")
    for var in _ENV:
        os.environ[var] = str(n)
    try:
        from threadpoolctl import threadpool_limits
        _state["limits"] = threadpool_limits(limits=n)
    except ImportError:   # pragma: no cover - threadpoolctl is a dependency
        pass
    _set_numba_threads(n)
    return n


def numba_pool_started() -> bool:
    """Whether numba's parallel thread pool has started in this process (its OpenMP layer cannot
    be forked after that)."""
    par = sys.modules.get("numba.np.ufunc.parallel")
    return par is not None and bool(getattr(par, "_is_initialized", False))


def _set_numba_threads(n: int) -> int | None:
    """Limit numba's parallel pool to ``n`` threads where it has started, and return its previous
    count; None (nothing done) where it has not: ``numba.set_num_threads`` would launch it, and a
    process whose OpenMP pool has started cannot fork the sweep's workers (sims.parallel), so a
    pinned numba run would sweep serially. An unstarted pool starts, at the first parallel kernel,
    with the cores of the process's affinity (the cores --threads gave it under SLURM/taskset)."""
    if "numba" not in sys.modules or not numba_pool_started():
        return None
    import numba
    old = numba.get_num_threads()
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    return old


def set_workers(n: int) -> int:
    """Worker processes a sweep may use (sims.parallel), at least 1, for the life of this process
    (a sweep's worker process sets 1); returns the count."""
    _state["workers"] = max(1, int(n))
    return _state["workers"]


def workers() -> int:
    """The worker processes a sweep may use in this process: the running run's plan
    (:class:`limited`), 1 outside a run and inside a sweep's worker."""
    return int(_state.get("workers", 1))


class ThreadPlan(NamedTuple):
    """The threads of one run, planned once (:func:`plan`) and set for it by :class:`limited`."""

    blas: int       # BLAS / OpenMP / numba threads of the run's own process
    workers: int    # processes a sweep's independent points may use (sims.parallel)


def cores_of(threads: int | None) -> int:
    """The cores a run may use: ``threads``, or every available core for None; a count below 1
    is a ConfigError (the one check of --threads, made before anything runs)."""
    cores = available_cores() if threads is None else int(threads)
    if cores < 1:
        from .errors import ConfigError
        raise ConfigError(f"--threads must be >= 1, got {cores}")
    return cores


def plan(sim, config, threads: int | None) -> ThreadPlan:
    """The threads of a run of ``config`` given ``threads`` cores (None: every available core):
    the sweep workers get all of them, BLAS the dimension rule's count within them."""
    cores = cores_of(threads)
    return ThreadPlan(min(cores, default_threads(sim, config)), cores)


class limited:
    """``with limited(plan):`` (or ``limited(blas, workers)``) the thread pools at ``plan.blas``
    (threadpoolctl for the libraries loaded, the environment for those loaded inside the block
    and for child processes, numba's pool where it has started) and the sweep workers at
    ``plan.workers`` for the block, everything restored for the caller afterwards. Every run
    enters it once, in :meth:`sims.simulator.Simulator.simulate`, whichever path called it."""

    def __init__(self, threads: int | ThreadPlan, workers: int = 1):
        if isinstance(threads, ThreadPlan):
            threads, workers = threads
        self.n = int(threads)
        self.workers = max(1, int(workers))
        if self.n < 1:
            from .errors import ConfigError
            raise ConfigError(f"threads must be >= 1, got {self.n}")

    def __enter__(self):
        self._workers = _state.get("workers")
        self._env = {var: os.environ.get(var) for var in _ENV}
        for var in _ENV:
            os.environ[var] = str(self.n)
        from threadpoolctl import threadpool_limits
        self._limits = threadpool_limits(limits=self.n)
        _state["workers"] = self.workers
        self._numba = _set_numba_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self._workers is None:
            _state.pop("workers", None)
        else:
            _state["workers"] = self._workers
        for var, value in self._env.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
        self._limits.restore_original_limits()
        if self._numba is not None:
            import numba
            numba.set_num_threads(self._numba)
        return False
