"""Threads that fit the machine: BLAS, OpenMP and numba pinned to one count per process.

On a small machine a multi-threaded BLAS that spins on many small products collapses when another
process is busy (a quick scaling-laws run went from 9 s to over 6 minutes with one other busy
process on 2 cores). Runs from the CLI and the Python API therefore pin every thread pool to
``--threads`` (default: :func:`available_cores`, the cores this process may use), as the
Snakemake rules do per job.
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
