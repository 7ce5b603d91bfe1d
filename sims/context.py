"""What a run resolves once and passes down: its backend and its thread plan.

:meth:`sims.simulator.Simulator.simulate` (the one entry of every run: a simulator's ``simulate``
called directly, :func:`sims.run` and the CLI) resolves the config's backend (``auto`` by the
simulator's declared rule) and plans the threads once, sets the thread limits for the run, and
hands the simulator's code a :class:`RunContext`; nothing below it resolves either again.
"""
from __future__ import annotations

from dataclasses import dataclass

from .backend import Backend, get_backend, host_backend
from .threads import ThreadPlan


@dataclass(frozen=True)
class RunContext:
    """``backend``: where the run's arrays live and its kernels run; ``threads``: the plan its
    thread limits were set from (BLAS threads, sweep workers)."""

    backend: Backend
    threads: ThreadPlan = ThreadPlan(1, 1)

    @property
    def host(self) -> Backend:
        """The CPU backend for work on host copies (records, diagnostics): the backend itself on
        numpy / numba, numpy for a device or the strict namespace."""
        return host_backend(self.backend)

    @classmethod
    def on(cls, backend: str | Backend = "numpy") -> "RunContext":
        """A serial context on a named backend (for calling a simulator's parts directly)."""
        bk = backend if isinstance(backend, Backend) else get_backend(backend)
        return cls(bk, ThreadPlan(1, 1))
