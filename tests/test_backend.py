"""sims.backend: choosing array namespaces and dispatching to numba kernels."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from sims.backend import (BACKENDS, Backend, cupy_available, get_backend, kernel,
                          numba_available)
from sims.errors import SimsError

EPS = np.finfo(float).eps


@pytest.mark.parametrize("name", ["numpy", "numba", "array_api_strict"])
def test_cpu_backends_round_trip_float64(name):
    """Each CPU backend takes host data in as float64 and gives back the same numbers (exact)."""
    bk = get_backend(name)
    assert isinstance(bk, Backend) and bk.name == name
    host = np.arange(6).reshape(2, 3)                  # int on purpose: asarray must cast
    back = bk.to_numpy(bk.xp.sum(bk.asarray(host) * 2.0, axis=0))
    assert isinstance(back, np.ndarray) and back.dtype == np.float64
    np.testing.assert_array_equal(back, 2.0 * host.sum(0))


def test_numpy_and_numba_share_the_numpy_namespace():
    """numba differs from numpy only by its kernels: both compute on array_api_compat.numpy."""
    assert get_backend("numba").xp is get_backend("numpy").xp


def test_auto_picks_best_available():
    """auto = cupy if a CUDA device is usable, else numba if it imports, else numpy."""
    expected = "cupy" if cupy_available() else ("numba" if numba_available() else "numpy")
    assert get_backend("auto").name == expected


def test_unknown_backend_is_a_clear_error():
    """An unknown name raises SimsError naming the bad value and every valid choice."""
    with pytest.raises(SimsError) as info:
        get_backend("torch")
    message = str(info.value)
    assert "'torch'" in message and all(b in message for b in BACKENDS)


@pytest.mark.skipif(cupy_available(), reason="CuPy works here, so asking for it cannot fail")
def test_cupy_without_gpu_is_a_clear_error():
    """Asking for cupy where CuPy or a CUDA device is missing raises SimsError, not ImportError."""
    with pytest.raises(SimsError, match="CuPy"):
        get_backend("cupy")


@pytest.fixture
def fake_kernel_module(monkeypatch):
    """A stand-in numba module, so the dispatch is observed without relying on numba itself."""
    module = types.ModuleType("fake_numba_kernels")
    module.scale = lambda a, k: ("numba twin", a, k)
    monkeypatch.setitem(sys.modules, "fake_numba_kernels", module)
    return module


def test_kernel_decorator_dispatch(fake_kernel_module):
    """@kernel runs the named twin on the numba backend and the generic code (given xp) elsewhere."""
    @kernel(numba="fake_numba_kernels:scale")
    def scale(xp, a, k):
        return ("generic", xp, a, k)

    assert scale(get_backend("numba"), 1, k=2) == ("numba twin", 1, 2)
    for name in ("numpy", "array_api_strict"):
        bk = get_backend(name)
        assert scale(bk, 1, k=2) == ("generic", bk.xp, 1, 2)
    assert scale.generic(None, 1, 2)[0] == "generic"
    assert scale.numba_path == "fake_numba_kernels:scale" and scale.__name__ == "scale"


def test_simulator_kernels_point_at_real_numba_functions():
    """Every numba path named by the double-descent simulator imports and is a numba dispatcher."""
    import importlib

    from numba.core.registry import CPUDispatcher

    from sims import double_descent as dd
    for f in (dd.linear_model_risks, dd.gd_iterate):
        module, attr = f.numba_path.split(":")
        assert isinstance(getattr(importlib.import_module(module), attr), CPUDispatcher)


@pytest.mark.gpu
@pytest.mark.skipif(not cupy_available(), reason="needs CuPy and a CUDA device")
def test_cupy_matches_numpy():
    """double_descent on cupy gives numpy's arrays.

    Tolerance: cuSOLVER's SVD differs from LAPACK's by ~eps * s_max per singular value, i.e. a
    relative ~eps * cond on the smallest; the risks divide by s^2, so rel 1e3 * eps * cond^2 per
    (seed, ratio) cell (cond from the stored ``condition`` array), plus abs 1e-10 for train losses
    that are exactly zero (interpolation) and so are pure round-off of |y|^2 - |U^T y|^2.
    """
    from sims.double_descent import DoubleDescentConfig, simulate
    for model in ("linear", "relu_rf"):
        base = dict(model=model, n=40, ratios=(0.5, 1.0, 2.0), seeds=3,
                    budgets=(10.0, 1000.0, float("inf")), ridge=(1e-3, 0.1), seed=5,
                    **({"d": 20, "n_test": 50} if model == "relu_rf" else {}))
        ref = simulate(DoubleDescentConfig(**base, backend="numpy"))
        gpu = simulate(DoubleDescentConfig(**base, backend="cupy"))
        assert gpu.meta["backend"] == "cupy"
        rtol = 1e3 * EPS * ref["condition"] ** 2
        for key, want in ref.arrays.items():
            got = gpu[key]
            if key in ("condition", "closed_form_check") or want.dtype.kind != "f":
                continue
            if want.ndim == 3:
                tol = rtol[:, :, None]
            elif want.shape == rtol.shape:
                tol = rtol
            else:
                np.testing.assert_array_equal(got, want)
                continue
            assert np.all(np.abs(got - want) <= 1e-10 + tol * np.abs(want)), key
        # s_min moves by ~eps * s_max, so cond moves by a relative ~eps * cond <= 1e-11 here
        np.testing.assert_allclose(gpu["condition"], ref["condition"], rtol=1e-9)
