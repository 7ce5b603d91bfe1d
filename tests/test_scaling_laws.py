"""sims.scaling_laws: config validation, determinism, backend agreement, the PLRF recursion vs SGD."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from sims import scaling_laws as sl
from sims.backend import cupy_available, get_backend
from sims.errors import ConfigError
from sims.fits import loglog_slope

TINY = {
    "plrf": dict(model="plrf", d=6, v_ratio=3, steps=40, runs=200, n_log=5, d_grid=(4, 8),
                 w_draws=2),
    "mrs": dict(model="mrs", m_latent=64, m_finite=8, n_grid=(4, 8), p_big=32, p_spike=8,
                spike_ratios=(0.5, 1.0, 2.0), seeds=2),
}


@pytest.mark.parametrize("bad, match", [
    (dict(d=-3), "d must be a positive"),
    (dict(runs=0), "runs must be a positive"),
    (dict(lr=1.0), "diverges"),
    (dict(lr=-0.1), "diverges"),
    (dict(model="nope"), "model must be one of"),
    (dict(v_ratio=1), "v_ratio"),
    (dict(p_big=10, n_grid=(8, 16)), "max\\(n_grid\\) < p_big"),
    (dict(co_draws=0), "co_draws must be a positive"),
    (dict(co_f_min=-1.0), "co_f_min must be in"),
    (dict(co_method="exact"), "co_method must be one of"),
    (dict(co_method="equivalent", co_draws=1), "needs co_draws >= 2"),
    (dict(co_atol=0.0), "co_atol must be in"),
])
def test_config_validation(bad, match):
    with pytest.raises(ConfigError, match=match):
        sl.Config(**bad)


@pytest.mark.parametrize("model", ["plrf", "mrs"])
def test_determinism(model):
    a = sl.simulate(sl.Config(**TINY[model], seed=4, backend="numpy"))
    b = sl.simulate(sl.Config(**TINY[model], seed=4, backend="numpy"))
    c = sl.simulate(sl.Config(**TINY[model], seed=5, backend="numpy"))
    for k in a.arrays:
        np.testing.assert_array_equal(a[k], b[k])
    key = "mc_loss" if model == "plrf" else "loss_vs_N"
    assert not np.array_equal(a[key], c[key])


@pytest.mark.parametrize("model", ["plrf", "mrs"])
@pytest.mark.parametrize("backend", ["numba", "array_api_strict"])
def test_backends_agree_with_numpy(model, backend):
    """Same host random numbers on every backend: results agree to round-off."""
    ref = sl.simulate(sl.Config(**TINY[model], seed=1, backend="numpy"))
    got = sl.simulate(sl.Config(**TINY[model], seed=1, backend=backend))
    for k, want in ref.arrays.items():
        np.testing.assert_allclose(got[k], want, rtol=1e-9, atol=1e-14, err_msg=k)


@pytest.mark.gpu
@pytest.mark.skipif(not cupy_available(), reason="needs CuPy and a CUDA device")
def test_cupy_agrees_with_numpy():
    for model in ("plrf", "mrs"):
        ref = sl.simulate(sl.Config(**TINY[model], seed=1, backend="numpy"))
        got = sl.simulate(sl.Config(**TINY[model], seed=1, backend="cupy"))
        for k, want in ref.arrays.items():
            np.testing.assert_allclose(got[k], want, rtol=1e-8, atol=1e-13, err_msg=k)
    from sims.plrf_equivalent import equivalent_curves
    steps = np.concatenate([[0], np.unique(np.geomspace(1, 1e9, 80).round().astype(np.int64))])
    ref = equivalent_curves(0.4, 0.8, [1000, 10**6], 4, 0.5, steps, backend="numpy")
    np.testing.assert_allclose(equivalent_curves(0.4, 0.8, [1000, 10**6], 4, 0.5, steps, backend="cupy"),
                               ref, rtol=1e-8)


def test_numba_kernels_are_real_dispatchers():
    from numba.core.registry import CPUDispatcher
    from sims.scaling_laws import equivalent as pe
    for f in (sl.sgd_chunk, sl.expected_loss, pe.weighted_expected_loss, pe.block_expected_loss):
        module, attr = f.numba_path.split(":")
        assert isinstance(getattr(importlib.import_module(module), attr), CPUDispatcher)


def test_sgd_chunk_matches_explicit_sgd_in_v_dimensions():
    """Drawing (W^T x, b^T x) from their joint law is SGD on x itself: with x = D^(1/2) g, feeding the
    same g through both gives the same iterates."""
    rng = np.random.default_rng(0)
    d, v, runs, steps = 4, 12, 3, 5
    pr = sl.plrf_problem(1.0, 0.8, d, v, rng)
    j = np.arange(1, v + 1.0)
    Dg, b = j**-2.0, j**-0.8
    W = np.random.default_rng(0).standard_normal((v, d)) / np.sqrt(d)  # same draw as plrf_problem
    assert np.allclose(W.T @ (Dg[:, None] * W), pr["H"])
    g = rng.standard_normal((steps, runs, v))
    x = g * np.sqrt(Dg)
    gamma = 0.3 / Dg.sum()
    theta = np.zeros((runs, d))
    for t in range(steps):
        z = x[t] @ W
        theta = theta - gamma * ((z @ theta.T).diagonal() - x[t] @ b)[:, None] * z
    # (z, s) = x [W, b] = g (D^(1/2) [W, b]); a QR factor R of D^(1/2)[W, b] gives R^T R = K, so
    # L = R^T and xi = g Q carry the same law and, here, the very same numbers.
    Q, R = np.linalg.qr(np.sqrt(Dg)[:, None] * np.column_stack([W, b]))
    xi = g @ Q
    for name in ("numpy", "numba"):
        out = sl.sgd_chunk(get_backend(name), np.zeros((runs, d)), xi, R.T.copy(), gamma)
        np.testing.assert_allclose(out, theta, rtol=1e-10, atol=1e-13)


def test_recursion_matches_monte_carlo_sgd_small():
    """Deterministic equivalent vs 20000 SGD runs at d = 4: every logged step within 4 s.e."""
    cfg = sl.Config(model="plrf", d=4, v_ratio=4, steps=60, runs=20000, n_log=6, d_grid=(4, 8),
                    w_draws=1, lr=0.3, seed=3, backend="numba")
    res = sl.simulate(cfg)
    gap = np.abs(res["mc_loss"] - res["exact_loss"])
    assert np.all(gap <= 4 * res["mc_se"] + 1e-12), (gap, res["mc_se"])
    assert res["exact_loss"][-1] < 0.5 * res["exact_loss"][0]


def test_recursion_detects_a_wrong_noise_term():
    """The MC comparison is sharp enough to reject the recursion without its 2 gamma^2 lam P term."""
    cfg = sl.Config(model="plrf", d=4, v_ratio=4, steps=60, runs=20000, n_log=6, d_grid=(4, 8),
                    w_draws=1, lr=0.6, seed=3, backend="numpy")
    res = sl.simulate(cfg)
    pr = sl.plrf_problem(1.0, 0.75, 4, 16, np.random.default_rng(np.random.SeedSequence(3).spawn(3)[0]))
    lam, U = np.linalg.eigh(pr["H"])
    a = (U.T @ pr["theta_star"]) ** 2
    gamma = float(res["gamma"])
    k, wrong = 0, []
    for target in res["log_steps"]:
        while k < target:
            a = (1 - gamma * lam) ** 2 * a       # drops the SGD noise 2 gamma^2 lam P
            k += 1
        wrong.append(0.5 * lam @ a + pr["p_inf"])
    np.testing.assert_allclose(wrong[0], res["exact_loss"][0])
    assert np.max(np.abs(np.array(wrong) - res["mc_loss"]) / res["mc_se"].clip(1e-30)) > 6


def test_claims_pass_on_a_quick_sized_plrf_run_and_can_fail():
    res = sl.simulate(sl.Config(model="plrf", d=8, runs=2000, steps=100, d_grid=(16, 32, 64),
                                w_draws=4, seed=2, lr=0.2, backend="numba"))
    res.meta["config"] = sl.Config(model="plrf", d=8, runs=2000, steps=100).to_dict()
    names = {c.name: c.passed for c in sl._plrf_claims(res)}
    assert names["PLRF: Monte-Carlo SGD = exact recursion"]
    res.arrays["mc_loss"] = res["mc_loss"] * 1.05
    assert not {c.name: c.passed for c in sl._plrf_claims(res)}["PLRF: Monte-Carlo SGD = exact recursion"]


CO_TINY = dict(model="compute_optimal", alpha=0.75, beta=0.25, lr=0.5, co_d_min=4, co_d_max=16,
               co_n_d=5, co_steps=300, co_n_f=8, v_ratio=3, co_draws=2)


@pytest.mark.parametrize("backend", ["numba", "array_api_strict"])
def test_compute_optimal_backends_agree(backend):
    ref = sl.simulate(sl.Config(**CO_TINY, backend="numpy"))
    got = sl.simulate(sl.Config(**CO_TINY, backend=backend))
    for k, want in ref.arrays.items():
        np.testing.assert_allclose(got[k], want, rtol=1e-9, atol=1e-14, err_msg=k)


def test_co_curves_match_the_direct_construction_for_each_d():
    """The Gram-block shortcut (H_d = G[:d, :d] / d) against W = Wbig[:, :d] / sqrt(d) built per d,
    theta* = H^-1 W^T D b, P_inf = (1/2)(b^T D b - g^T theta*), as in plrf_problem."""
    bk = get_backend("numpy")
    alpha, beta, v, dg = 0.75, 1.5, 48, np.array([3, 7, 12])
    Wbig = np.random.default_rng(8).standard_normal((v, 12))
    steps = np.array([1, 5, 40, 200])
    got = sl.co_curves(bk, alpha, beta, dg, Wbig, steps, 0.5)
    j = np.arange(1, v + 1.0)
    Dg, b = j ** (-2 * alpha), j ** -beta
    for d, row in zip(dg, got):
        W = Wbig[:, :d] / np.sqrt(d)
        H, g = W.T @ (Dg[:, None] * W), W.T @ (Dg * b)
        ts = np.linalg.solve(H, g)
        lam, U = np.linalg.eigh(H)
        want = sl.expected_loss(bk, lam, (U.T @ ts) ** 2, 0.5 / Dg.sum(),
                                0.5 * (b @ (Dg * b) - g @ ts), steps)
        np.testing.assert_allclose(row, want, rtol=1e-9)


def test_compute_optimal_averages_independent_draws():
    """co_draws = 2 is the mean of the first matrix (the single-draw run) and the next one."""
    cfg = dict(CO_TINY, backend="numpy")
    two = sl.simulate(sl.Config(**cfg))
    one = sl.simulate(sl.Config(**{**cfg, "co_draws": 1}))
    rng = np.random.default_rng(np.random.SeedSequence(0))
    shape = (3 * 16, 16)
    first, second = rng.standard_normal(shape), rng.standard_normal(shape)
    curve = lambda W: sl.co_curves(get_backend("numpy"), 0.75, 0.25, two["d_grid"], W,  # noqa: E731
                                   two["steps"], 0.5)
    np.testing.assert_allclose(one["curves"], curve(first), rtol=1e-12)
    np.testing.assert_allclose(two["curves"], (curve(first) + curve(second)) / 2, rtol=1e-12)
    assert np.all(two["curves_sd"][:, -1] > 0) and not np.any(one["curves_sd"])


def test_frontier_recovers_a_planted_optimum():
    """Curves L_d(r) = d^-1 + r^-1 (rows of a synthetic 'simulation'): at fixed f = r d the optimum is
    d* = sqrt(f), P* = 2/sqrt(f); the frontier finder must give slopes 1/2 and -1/2."""
    dg = np.unique(np.geomspace(2, 2000, 40).round().astype(int))
    steps = np.unique(np.geomspace(1, 1e6, 400).round())
    curves = 1.0 / dg[:, None] + 1.0 / steps[None, :]
    f = np.geomspace(1e3, 1e6, 10)
    d_star, p_star = sl.frontier(dg, steps, curves, f)
    assert np.all(np.isfinite(d_star))
    assert abs(loglog_slope(f, d_star).slope - 0.5) < 0.02 and abs(loglog_slope(f, p_star).slope + 0.5) < 0.02
    np.testing.assert_allclose(p_star, 2 / np.sqrt(f), rtol=0.02)


def test_quick_profile_configs_load_and_name_derived_phases():
    from sims.config import load_experiments
    from theory.scaling_laws import phase
    cfgs = load_experiments("scaling_laws", sl.Config, "quick")
    co = [c for c in cfgs.values() if c.model == "compute_optimal"]
    assert {phase(c.alpha, c.beta) for c in co} == {"Ia", "II", "III", "Ib", "Ic", "IVa", "IVb"}
