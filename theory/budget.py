"""A CPU-time budget that interrupts sympy and mpmath: ``with clock.limit(1.0): simplify(e)``.

:class:`Clock` holds the budget of one :func:`theory.check` call. ``limit(seconds)`` runs its
block under ``min(seconds, what is left)`` of process CPU time and raises :class:`OutOfTime` in
the block when that runs out (a ``SIGPROF`` interval timer, repeated every 50 ms in case library
code swallows the first one; CPU time, not wall time, so a loaded machine does not change which
stages finish). ``SIGPROF`` leaves ``SIGALRM`` (pytest-timeout, user alarms) alone. Outside the
main thread no signal can be used: stages then run to completion and only the checks between
stages (:meth:`Clock.left`) apply.
"""
from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager


class OutOfTime(BaseException):
    """The block ran past its budget (a BaseException: sympy's ``except Exception`` cannot
    swallow it)."""


class Clock:
    """``seconds`` of CPU time in all; :meth:`limit` blocks can be nested."""

    def __init__(self, seconds: float):
        self.end = time.process_time() + seconds
        self._deadlines: list[float] = []
        self._saved = None
        self._armed = False

    def left(self) -> float:
        return self.end - time.process_time()

    def _fire(self, signum, frame):
        if self._armed:
            raise OutOfTime()

    @contextmanager
    def limit(self, seconds: float | None = None):
        end = self.end if seconds is None else min(self.end, time.process_time() + seconds)
        if self._deadlines:
            end = min(end, self._deadlines[-1])
        if end <= time.process_time():
            raise OutOfTime()
        usable = threading.current_thread() is threading.main_thread()
        if usable and not self._deadlines:
            self._saved = signal.signal(signal.SIGPROF, self._fire)
        self._deadlines.append(end)
        try:
            if usable:
                self._arm(end)
            yield
        finally:
            while usable:                 # disarm first; a signal already on its way is retried
                try:
                    self._armed = False
                    signal.setitimer(signal.ITIMER_PROF, 0)
                    break
                except OutOfTime:
                    continue
            self._deadlines.pop()
            if usable and self._deadlines:
                self._arm(self._deadlines[-1])
            elif usable:
                signal.signal(signal.SIGPROF, self._saved or signal.SIG_DFL)

    def _arm(self, end: float):
        self._armed = True
        signal.setitimer(signal.ITIMER_PROF, max(end - time.process_time(), 1e-4), 0.05)
