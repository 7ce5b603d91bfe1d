"""Tests for sims.neuron_alignment: gradient vs finite differences, RK4 order, backends, config."""
from __future__ import annotations

import numpy as np
import pytest

from sims import results
from sims.__main__ import main

from sims import neuron_alignment as na
from sims.backend import cupy_available, get_backend
from sims.errors import ConfigError

NUMPY = get_backend("numpy")


def _problem(n=6, d=8, h=5, mu=0.3, eps=0.3, seed=0):
    rng = np.random.default_rng(seed)
    X, y = na.make_data(n, d, mu, rng)
    W, v = na.make_init(h, d, eps, rng)
    W = W + 0.1 * eps * rng.standard_normal(W.shape)      # unbalanced, generic
    return X, y, W, v


def _loss(X, y, W, v, scale, logistic):
    u = y * (np.maximum(X @ W.T, 0) @ v)
    return scale * np.sum(np.logaddexp(0, -u) if logistic else np.exp(-u))


@pytest.mark.parametrize("logistic", [False, True])
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_field_is_minus_gradient(backend, logistic):
    X, y, W, v = _problem()
    dW, dv, L = na.field(get_backend(backend), X, y, W, v, 0.5, logistic)
    assert np.isclose(L, _loss(X, y, W, v, 0.5, logistic), rtol=1e-13)
    h = 1e-6
    for j, k in [(0, 0), (2, 3), (4, 7)]:
        E = np.zeros_like(W)
        E[j, k] = h
        fd = (_loss(X, y, W + E, v, 0.5, logistic) - _loss(X, y, W - E, v, 0.5, logistic)) / (2 * h)
        assert np.isclose(-dW[j, k], fd, rtol=1e-6, atol=1e-10)
    for j in range(len(v)):
        e = np.zeros_like(v)
        e[j] = h
        fd = (_loss(X, y, W, v + e, 0.5, logistic) - _loss(X, y, W, v - e, 0.5, logistic)) / (2 * h)
        assert np.isclose(-dv[j], fd, rtol=1e-6, atol=1e-10)


def test_data_have_exact_separation():
    X, y = na.make_data(10, 12, 0.25, np.random.default_rng(3))
    G = (X * y[:, None]) @ (X * y[:, None]).T
    assert np.allclose(np.diag(G), 1.0)
    assert np.allclose(G[~np.eye(10, dtype=bool)], 0.25)


def _run_to(tau_end, dtau, X, y, W, v):
    t, L0 = 0.0, na.field(NUMPY, X, y, W, v, 1.0, False)[2]
    for _ in range(round(tau_end / dtau)):
        W, v, dt, _ = na.rk4_step(NUMPY, X, y, W, v, dtau, L0, 1.0, False)
        t += dt
    return np.concatenate([W.ravel(), v, [t]])


def test_rk4_is_fourth_order_on_a_fixed_pattern():
    # Points and neurons with a fixed activation pattern (all active): a smooth flow.
    X, y, _, _ = _problem(n=4, d=6)
    W = 0.3 * X[y > 0].sum(0)[None, :].repeat(3, 0) + 0.01 * np.arange(18).reshape(3, 6)
    v = np.array([0.5, 0.6, 0.7])
    ref = _run_to(0.8, 0.8 / 256, X, y, W, v)
    errs = [np.linalg.norm(_run_to(0.8, 0.8 / m, X, y, W, v) - ref) for m in (8, 16, 32)]
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(orders - 4) < 0.3), orders


def test_balancedness_conserved_and_eps_free_alignment():
    cfg = na.Config(backend="numpy", n=(8,), d=10, width=12, eps=(1e-4, 1e-6), t_end=50.0,
                    stop_loss=0.4, step=0.1)
    res = na.simulate(cfg)
    assert np.all(res["bal_err"] < 1e-3 * np.asarray(cfg.eps) ** 2)
    ta, dt = res["t_align"].ravel(), res["dt_align"].ravel()
    assert np.all(np.isfinite(ta)) and abs(ta[0] - ta[1]) <= dt.max()
    assert np.all(res["t_escape"].ravel()[1] > res["t_escape"].ravel()[0])


TINY = dict(n=(6,), d=8, width=5, eps=(1e-3,), t_end=20.0, step=0.1, record_every=3)


@pytest.mark.parametrize("backend", ["numba", "array_api_strict"])
def test_backends_agree_with_numpy(backend):
    ref = na.simulate(na.Config(backend="numpy", **TINY))
    other = na.simulate(na.Config(backend=backend, **TINY))
    for key in ("t", "loss", "W_final", "v_final", "cos_plus"):
        assert np.allclose(ref[key], other[key], rtol=1e-9, atol=1e-14), key


@pytest.mark.gpu
@pytest.mark.skipif(not cupy_available(), reason="CuPy with a CUDA device is not available")
def test_cupy_agrees_with_numpy():
    ref = na.simulate(na.Config(backend="numpy", **TINY))
    other = na.simulate(na.Config(backend="cupy", **TINY))
    assert np.allclose(ref["W_final"], other["W_final"], rtol=1e-8, atol=1e-12)


def test_deterministic_for_a_seed():
    a = na.simulate(na.Config(backend="numpy", seed=4, **TINY))
    b = na.simulate(na.Config(backend="numpy", seed=4, **TINY))
    c = na.simulate(na.Config(backend="numpy", seed=5, **TINY))
    assert np.array_equal(a["W_final"], b["W_final"])
    assert not np.array_equal(a["W_final"], c["W_final"])


def test_large_init_does_not_align():
    res = na.simulate(na.Config(backend="numpy", n=(10,), d=12, width=20, eps=(1.0,),
                                t_end=5.0))
    assert res["frac_ok_escape"].ravel()[0] < 0.5


@pytest.mark.parametrize("bad, match", [
    (dict(width=-3), "width"), (dict(width=0), "width"), (dict(eps=(0.0,)), "eps"),
    (dict(eps=(-1e-3,)), "eps"), (dict(step=2.0), "step"), (dict(step=0.0), "step"),
    (dict(mu=(1.5,)), "mu"), (dict(n=(30,), d=24), "d = 24"), (dict(loss="hinge"), "loss"),
])
def test_config_errors(bad, match):
    with pytest.raises(ConfigError, match=match):
        na.Config(**bad)


def test_step_limit_is_where_rk4_still_tracks_the_flow():
    # At the largest allowed step, the early growth rate still matches the fine-step one.
    X, y, W, v = _problem(n=8, d=10, h=6, eps=1e-4)
    cfg = na.Config(backend="numpy", n=(8,), d=10, width=6, t_end=30.0, stop_loss=0.25)
    coarse = na.summarise(na.integrate(NUMPY, X, y, W, v, cfg, na.MAX_STEP))
    fine = na.summarise(na.integrate(NUMPY, X, y, W, v, cfg, 0.02))
    assert abs(coarse["t_escape"] - fine["t_escape"]) < 0.05 * fine["t_escape"]


def test_a_step_too_large_for_the_init_is_a_clear_error(tmp_path, capsys):
    """A large, wide init fits far faster than the small-init rate the step is sized for: the
    overshooting step is caught (gradient flow never raises the loss or divides it by > MAX_DROP
    in one step) with one error line and no result file; a small enough step runs."""
    base = ["run", "neuron_alignment", "--experiment", "large_init", "--set", "n=[10]", "--set", "eps=[1.0]", "--set", "d=12",
            "--set", "width=400", "--set", "t_end=100.0", "--out", str(tmp_path / "r")]
    assert main(base) == 2
    assert "RK4 step too large" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    assert main([*base, "--set", "step=0.0002"]) == 0
    r = results.load(tmp_path / "r.npz")
    assert np.all(r["loss"][1:] <= r["loss"][:-1] * (1 + 1e-9))


def test_alignment_time_approaches_the_large_n_law():
    # theory (v): where rho = (1 - mu)/(k mu) is small the measured alignment time is t* up to
    # O(rho) and one step, and the gap shrinks as rho does (n = 8: rho = 0.17; n = 80: 0.017).
    cfg = na.Config(backend="numba", n=(8, 80), mu=(0.6,), eps=(1e-6,), d=100, width=12, step=0.05,
                    t_end=100.0, stop_loss=0.5)
    res = na.simulate(cfg)
    t_star = na.theory.large_n_align_time(res["init_cos"][:, 0, 0], res["centre_rate"][:, 0, 0],
                                          na.ALIGN_COS)
    gap = res["t_align"][:, 0, 0] / t_star - 1
    rho = na.theory.finite_class_ratio(np.array([8, 80]), 0.6)
    dt = res["dt_align"][:, 0, 0] / t_star
    assert np.all(np.abs(gap) <= rho + dt), (gap, rho, dt)
    assert abs(gap[1]) < 0.05 and abs(gap[1]) < abs(gap[0])
