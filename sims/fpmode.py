"""Denormals as zeros: the x86-64 FTZ / DAZ floating-point mode for a block of a run.

Arithmetic on subnormal numbers (|x| < 2.2e-308) takes a microcode assist of ~100 cycles on x86
CPUs. A run in which weight decay drives many weights towards zero (grokking over 10,000 steps:
~150 of 512 nodes) passes them through the subnormal range, and its steps become 6-13 times slower
for a thousand steps (measured: 1.0 s per 1000 numba steps, 6.3 and 13.9 s in the two thousands
where the squares of the decaying weights are subnormal). ``with flush_denormals():`` sets the
flush-to-zero and denormals-are-zero bits of MXCSR for the calling thread (where numpy's ufuncs,
numba kernels and single-threaded OpenBLAS run) and restores the caller's mode afterwards. Results
change only where a value would have been subnormal, which then counts as 0 (as on GPUs); the rest
of the arithmetic is bit for bit the same. On other processors it does nothing.
"""
from __future__ import annotations

import contextlib
import functools
import platform

FTZ_DAZ = 0x8040          # MXCSR bit 15 (flush to zero) | bit 6 (denormals are zero)


@functools.cache
def _mxcsr():
    """(get, set) of the calling thread's MXCSR (numba, cached on disk: sims.kernels.mxcsr), or
    None off x86."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    from .kernels.mxcsr import get_mxcsr, set_mxcsr
    return get_mxcsr, set_mxcsr


@contextlib.contextmanager
def flush_denormals(enabled: bool = True):
    """FTZ and DAZ on for the block (see the module docstring); ``enabled=False`` does nothing."""
    ops = _mxcsr() if enabled else None
    if ops is None:
        yield
        return
    get, set_ = ops
    old = int(get())
    set_(old | FTZ_DAZ)
    try:
        yield
    finally:
        set_(old)


def mode() -> int | None:
    """The calling thread's MXCSR (None off x86), for tests."""
    ops = _mxcsr()
    return None if ops is None else int(ops[0]())
