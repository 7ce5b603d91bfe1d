"""The one place where array libraries and compiled kernels are chosen.

A simulator writes its array code once, against the Python array API standard, taking ``xp`` (an
array namespace) as its first argument, in the style of scipy's array-API dispatch. Where a loop or a
fused element-wise reduction pays off on the CPU, it also names a numba kernel with the
:func:`kernel` decorator; the decorated function is then called as ``f(backend, *args)`` and runs the
numba kernel on the ``numba`` backend and the generic array-API code everywhere else.

Backends:

``numpy``
    the reference: generic code on ``array_api_compat.numpy``.
``numba``
    numpy arrays, with numba kernels (``cache=True``) where a simulator provides them.
``cupy``
    generic code on ``array_api_compat.cupy``; CuPy is imported only when asked for.
``array_api_strict``
    generic code on the strict reference namespace: a test-only backend that catches numpy-only
    habits (implicit casts, methods outside the standard) that would break CuPy, without a GPU.
``auto``
    cupy if a CUDA device is usable; on the CPU, the path that is faster for this run: the
    simulator's declared rule (``Simulator.auto(config) -> "numba" | "numpy"``, calibrated by the
    whole-run benchmarks) when it has one and numba imports, else numba if it imports, else numpy.
"""
from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

import numpy as np

from .errors import ConfigError, SimsError

BACKENDS = ("numpy", "numba", "cupy", "array_api_strict", "auto")


@dataclass(frozen=True)
class Backend:
    """An array namespace ``xp`` plus the name used to pick compiled kernels."""

    name: str
    xp: ModuleType

    def asarray(self, a: Any) -> Any:
        """Host data -> float64 array of this backend (the only way data enters a simulator)."""
        return self.xp.asarray(np.asarray(a, dtype=np.float64))

    def stream(self, seed: Any) -> "HostStream | DeviceStream":
        """A stream of random numbers (``random``, ``standard_normal``) that arrive as this
        backend's arrays: drawn on the host from ``np.random.default_rng(seed)`` (every CPU
        backend: the same numbers), or, on ``cupy``, on the device, so that Monte-Carlo draws
        never cross the bus (same law and seed, other numbers)."""
        return DeviceStream(self, seed) if self.name == "cupy" else HostStream(self, seed)

    def to_numpy(self, a: Any) -> np.ndarray:
        """Backend array -> numpy array on the host (the only way results leave it)."""
        if isinstance(a, np.ndarray):
            return a
        if isinstance(a, np.generic):          # a numpy reduction's scalar
            return np.asarray(a)
        if self.name == "cupy":
            return a.get()
        return np.from_dlpack(a)


class HostStream:
    """Draws from numpy's Generator on the host, then :meth:`Backend.asarray`."""

    def __init__(self, bk: Backend, seed: Any):
        self.bk, self.gen = bk, np.random.default_rng(seed)

    def random(self, shape: tuple[int, ...]) -> Any:
        """U[0, 1) of the given shape."""
        return self.bk.asarray(self.gen.random(shape))

    def standard_normal(self, shape: tuple[int, ...]) -> Any:
        """N(0, 1) of the given shape."""
        return self.bk.asarray(self.gen.standard_normal(shape))


class DeviceStream:
    """CuPy's Generator on the device, seeded by one integer drawn from the host stream of the
    same seed (deterministic for a seed; not the host stream's numbers)."""

    def __init__(self, bk: Backend, seed: Any):
        cupy = importlib.import_module("cupy")
        self.gen = cupy.random.default_rng(int(np.random.default_rng(seed).integers(2**63)))

    def random(self, shape: tuple[int, ...]) -> Any:
        return self.gen.random(shape, dtype="float64")

    def standard_normal(self, shape: tuple[int, ...]) -> Any:
        return self.gen.standard_normal(shape, dtype="float64")


def cupy_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        cupy = importlib.import_module("cupy")
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def numba_available() -> bool:
    try:
        importlib.import_module("numba")
        return True
    except Exception:
        return False


def check_backend_name(name: Any) -> None:
    """The one check of a backend's name (a config's ``backend`` field, ``--backend``)."""
    if name not in BACKENDS:
        raise ConfigError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")


def get_backend(name: str = "auto", rule: Callable[[Any], str] | None = None,
                config: Any = None) -> Backend:
    """The backend called ``name`` (see the module docstring), or a clear error. For ``auto``,
    ``rule(config)`` (a simulator's declared ``auto``) picks the faster CPU path. A run resolves
    its backend once (:meth:`sims.simulator.Simulator.simulate`) and passes it down."""
    check_backend_name(name)
    return resolve_backend(name, rule, config)


def resolve_backend(name: str, rule: Callable[[Any], str] | None = None,
                    config: Any = None) -> Backend:
    """:func:`get_backend` for a name already checked (a validated config's ``backend``)."""
    return _backend(_auto(rule, config) if name == "auto" else name)


def _auto(rule: Callable[[Any], str] | None, config: Any) -> str:
    if cupy_available():
        return "cupy"
    if not numba_available():
        return "numpy"
    if rule is not None and config is not None:
        choice = rule(config)
        if choice in ("numpy", "numba"):
            return choice
    return "numba"


def host_backend(bk: Backend) -> Backend:
    """The CPU backend that computes on host copies of ``bk``'s arrays (records, diagnostics):
    ``bk`` itself on numpy and numba, numpy for a device or the strict namespace (whose functions
    must never see numpy arrays)."""
    return bk if bk.name in ("numpy", "numba") else _backend("numpy")


@functools.cache
def _backend(name: str) -> Backend:
    if name in ("numpy", "numba"):
        if name == "numba" and not numba_available():
            raise SimsError("backend 'numba' asked for, but numba does not import")
        from array_api_compat import numpy as xp
        return Backend(name, xp)
    if name == "cupy":
        if not cupy_available():
            raise SimsError("backend 'cupy' asked for, but CuPy is not installed or no CUDA "
                            "device is visible (install the 'gpu' extra on a GPU machine)")
        from array_api_compat import cupy as xp
        return Backend(name, xp)
    try:
        xp = importlib.import_module("array_api_strict")
    except ImportError as exc:
        raise SimsError("backend 'array_api_strict' needs the 'test' extra installed") from exc
    return Backend(name, xp)


def kernel(numba: str, to_numba: Callable[..., tuple] | None = None,
           from_numba: Callable[[Any], Any] | None = None) -> Callable[[Callable], Callable]:
    """Declare that a generic array-API function has a numba twin.

    ``numba`` is ``"module:function"``; the module is imported (and numba with it) only the first
    time the numba backend calls the kernel. The decorated function takes the backend first::

        @kernel(numba="sims.kernels.double_descent:gd_iterate")
        def gd_iterate(xp, Z, y, lr, steps): ...

        gd_iterate(backend, Z, y, lr, steps)

    Both versions must accept and return the same things; tests check they agree. Where the
    generic function takes named state (named tuples, option names) and the compiled one plain
    arrays and integer codes, ``to_numba(*args) -> args`` and ``from_numba(out) -> out`` translate
    at the kernel's boundary, the one place where the codes appear.
    """
    module_name, attr = numba.split(":")

    def decorate(generic: Callable) -> Callable:
        @functools.wraps(generic)
        def dispatch(backend: Backend, *args, **kwargs):
            if backend.name == "numba":
                compiled = getattr(importlib.import_module(module_name), attr)
                if to_numba is not None:
                    args, kwargs = to_numba(*args, **kwargs), {}
                out = compiled(*args, **kwargs)
                return from_numba(out) if from_numba is not None else out
            return generic(backend.xp, *args, **kwargs)

        dispatch.generic = generic
        dispatch.numba_path = numba
        return dispatch

    return decorate
