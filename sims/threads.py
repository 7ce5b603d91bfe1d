"""Threads that fit the machine: BLAS, OpenMP and numba pinned to one count per process.

On a small machine a multi-threaded BLAS that spins on many small products collapses when another
process is busy (a quick scaling-laws run went from 9 s to over 6 minutes with one other busy
process on 2 cores), and even on an idle machine it is slower on the suite's small matrices (the
quick double-descent linear sweep, 100 x 600 SVDs: 7.5 s on two OpenBLAS threads, 3.7 s on one).
Runs from the CLI and the Python API therefore pin every thread pool to ``--threads``; its default
(:func:`default_threads`) is what the Snakemake rules give the same job: one thread unless the
experiment's largest dense matrix dimension makes BLAS-3 threading pay (>= 2000: 2, >= 8000: 4),
never more than the cores this process may use (:func:`available_cores`).
"""
from __future__ import annotations

import os
import sys

_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
_state: dict[str, object] = {}


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which SLURM and taskset set)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


THREAD_DIMS = ((8000, 4), (2000, 2))     # largest matrix dim -> BLAS threads worth having


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
    return min(cores, next((n for lim, n in THREAD_DIMS if dim >= lim), 1))


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
    if "numba" in sys.modules:
        import numba
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    _state["threads"] = n
    return n


def pinned() -> int | None:
    """The count set by :func:`pin` in this process, or None."""
    return _state.get("threads")  # type: ignore[return-value]


class limited:
    """``with limited(n):`` the thread pools at ``n`` for the block, restored afterwards (the
    Python API uses this so that a notebook keeps its own settings between runs)."""

    def __init__(self, threads: int):
        self.n = int(threads)
        if self.n < 1:
            from .errors import ConfigError
            raise ConfigError(f"threads must be >= 1, got {self.n}")

    def __enter__(self):
        from threadpoolctl import threadpool_limits
        self._limits = threadpool_limits(limits=self.n)
        self._numba = None
        if "numba" in sys.modules:
            import numba
            self._numba = numba.get_num_threads()
            numba.set_num_threads(min(self.n, numba.config.NUMBA_NUM_THREADS))
        return self

    def __exit__(self, *exc):
        self._limits.restore_original_limits()
        if self._numba is not None:
            import numba
            numba.set_num_threads(self._numba)
        return False
