"""Tests for sims.neuron_alignment: gradient vs finite differences, RK4 order, backends, config,
kinds, the truncated record, and the claims (pass with every control rejecting; mangled results
give FAIL rows)."""
from __future__ import annotations

import numpy as np
import pytest

import sims
from sims import results
from sims.__main__ import main

from sims import neuron_alignment as na
from sims.backend import cupy_available, get_backend
from sims.verdicts import Claim
from sims.errors import ConfigError
from sims.results import Result

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
    t, L0 = 0.0, na.field(NUMPY, X, y, W, v, 1.0, False).loss
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
    cfg = na.NeuronAlignmentConfig(backend="numpy", n=(8,), d=10, width=12, eps=(1e-4, 1e-6), t_end=50.0,
                    stop_loss=0.4, step=0.1)
    res = na.simulate(cfg)
    assert np.all(res["bal_err"] < 1e-3 * np.asarray(cfg.eps) ** 2)
    ta, dt = res["t_align"].ravel(), res["dt_align"].ravel()
    assert np.all(np.isfinite(ta)) and abs(ta[0] - ta[1]) <= dt.max()
    assert np.all(res["t_escape"].ravel()[1] > res["t_escape"].ravel()[0])


TINY = dict(n=(6,), d=8, width=5, eps=(1e-3,), t_end=20.0, step=0.1, record_every=3)


@pytest.mark.parametrize("backend", ["numba", "array_api_strict"])
def test_backends_agree_with_numpy(backend):
    ref = na.simulate(na.NeuronAlignmentConfig(backend="numpy", **TINY))
    other = na.simulate(na.NeuronAlignmentConfig(backend=backend, **TINY))
    for key in ("t", "loss", "W_final", "v_final", "cos_plus"):
        assert np.allclose(ref[key], other[key], rtol=1e-9, atol=1e-14), key


@pytest.mark.gpu
@pytest.mark.skipif(not cupy_available(), reason="CuPy with a CUDA device is not available")
def test_cupy_agrees_with_numpy():
    ref = na.simulate(na.NeuronAlignmentConfig(backend="numpy", **TINY))
    other = na.simulate(na.NeuronAlignmentConfig(backend="cupy", **TINY))
    assert np.allclose(ref["W_final"], other["W_final"], rtol=1e-8, atol=1e-12)


def test_deterministic_for_a_seed():
    a = na.simulate(na.NeuronAlignmentConfig(backend="numpy", seed=4, **TINY))
    b = na.simulate(na.NeuronAlignmentConfig(backend="numpy", seed=4, **TINY))
    c = na.simulate(na.NeuronAlignmentConfig(backend="numpy", seed=5, **TINY))
    assert np.array_equal(a["W_final"], b["W_final"])
    assert not np.array_equal(a["W_final"], c["W_final"])


def test_large_init_does_not_align():
    res = na.simulate(na.NeuronAlignmentConfig(backend="numpy", n=(10,), d=12, width=20, eps=(1.0,),
                                t_end=5.0))
    assert res["frac_ok_escape"].ravel()[0] < 0.5


@pytest.mark.parametrize("bad, match", [
    (dict(width=-3), "width"), (dict(width=0), "width"), (dict(eps=(0.0,)), "eps"),
    (dict(eps=(-1e-3,)), "eps"), (dict(step=2.0), "step"), (dict(step=0.0), "step"),
    (dict(mu=(1.5,)), "mu"), (dict(n=(30,), d=24), "d = 24"), (dict(loss="hinge"), "loss"),
])
def test_config_errors(bad, match):
    with pytest.raises(ConfigError, match=match):
        na.NeuronAlignmentConfig(**bad)


def test_step_limit_is_where_rk4_still_tracks_the_flow():
    # At the largest allowed step, the early growth rate still matches the fine-step one.
    X, y, W, v = _problem(n=8, d=10, h=6, eps=1e-4)
    cfg = na.NeuronAlignmentConfig(backend="numpy", n=(8,), d=10, width=6, t_end=30.0, stop_loss=0.25)
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
    cfg = na.NeuronAlignmentConfig(backend="numba", n=(8, 80), mu=(0.6,), eps=(1e-6,), d=100, width=12, step=0.05,
                    t_end=100.0, stop_loss=0.5)
    res = na.simulate(cfg)
    t_star = na.theory.large_n_align_time(res["init_cos"][:, 0, 0], res["centre_rate"][:, 0, 0],
                                          na.ALIGN_COS)
    gap = res["t_align"][:, 0, 0] / t_star - 1
    rho = na.theory.finite_class_ratio(np.array([8, 80]), 0.6)
    dt = res["dt_align"][:, 0, 0] / t_star
    assert np.all(np.abs(gap) <= rho + dt), (gap, rho, dt)
    assert abs(gap[1]) < 0.05 and abs(gap[1]) < abs(gap[0])


# ---- kinds, record, sweep ---------------------------------------------------------------------------
@pytest.mark.parametrize("changes, kind", [
    ({}, "trajectory"), ({"eps": (1.0,)}, "large_init"), ({"eps": (1e-3, 1e-5)}, "eps_sweep"),
    ({"n": (6, 8)}, "n_mu_sweep"), ({"mu": (0.2, 0.4), "eps": (1e-3, 1e-4)}, "n_mu_sweep"),
    ({"halvings": 1, "n": (6, 8)}, "order"),
])
def test_kind_is_computed_from_the_config(changes, kind):
    assert na.kind(na.NeuronAlignmentConfig(**changes)) == kind


def test_result_names_the_dims_of_every_array():
    res = na.simulate(na.NeuronAlignmentConfig(backend="numpy", halvings=1, **TINY))
    assert res.meta["kind"] == "order" and res.simulator == "neuron_alignment"
    assert set(res.dims) == set(res.arrays)
    assert res.dims["t_align"] == ["n", "mu", "eps"] and res.dims["init_cos"][-1] == "neuron"
    assert res.dims["order_bal_err"] == ["halving"] and res.coords["halving"] == "order_steps"
    assert len(res["t"]) == len(res["loss"]) == len(res["all_ok"])


def test_data_are_drawn_once_per_n_mu_from_the_data_seed():
    """Every (n, mu) draws its data from the same SeedSequence (the first child of the seed), so
    the data of a point do not depend on the grid around it."""
    cfg = na.NeuronAlignmentConfig(backend="numpy", n=(6, 8), mu=(0.3,), eps=(1e-3,), d=10, width=5, t_end=5.0,
                    seed=3)
    res = na.simulate(cfg)
    data_ss = np.random.SeedSequence(3).spawn(2)[0]
    X, y = na.make_data(6, 10, 0.3, np.random.default_rng(data_ss))
    assert np.array_equal(res["X"], X) and np.array_equal(res["y"], y)


def test_halvings_are_checkpointed_and_resume_identically(tmp_path, monkeypatch):
    cfg = na.NeuronAlignmentConfig(backend="numpy", halvings=2, **TINY)
    ref = na.simulate(cfg)
    monkeypatch.setenv("SIMS_CHECKPOINT_DIR", str(tmp_path))
    first = na.simulate(cfg)
    assert len(list(tmp_path.glob("*-halvings/item-*.npz"))) == 2
    again = na.simulate(cfg)
    for key in ref.arrays:
        assert np.array_equal(ref[key], first[key], equal_nan=True), key
        assert np.array_equal(ref[key], again[key], equal_nan=True), key


def test_a_truncated_run_keeps_its_record_consistent_and_its_claims_fail():
    """Issue 20: a run that reaches max_steps before t_end has as many loss entries as times (the
    last recorded state is the last one integrated), is flagged ``truncated``, and its claims give
    FAIL rows with a reason instead of raising."""
    cfg = na.NeuronAlignmentConfig(backend="numpy", n=(6,), d=8, width=5, eps=(1e-3,), t_end=1e6, step=0.1,
                    max_steps=30)
    res = na.simulate(cfg)
    assert len(res["t"]) == len(res["loss"]) == 31 and res["truncated"].ravel()[0] == 1.0
    rows = na.claims({"short": res})
    sim = [r for r in rows if r.kind == "simulation"]
    assert sim and all(isinstance(r, Claim) for r in rows)
    reasons = [r for r in sim if not r.passed and "max_steps" in str(r.measured)]
    assert reasons, [(r.name, r.measured) for r in sim]


def test_cost_grows_with_the_grid_and_the_halvings():
    small = na.cost(na.NeuronAlignmentConfig(**TINY))
    assert na.cost(na.NeuronAlignmentConfig(**{**TINY, "n": (6, 7)}))[0] > small[0]
    assert na.cost(na.NeuronAlignmentConfig(halvings=2, **TINY))[0] > small[0] and small[2] >= 8


# ---- claims ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quick():
    """Every quick-profile experiment on the numpy backend (a few seconds in all)."""
    return sims.run("neuron_alignment", profile="quick", backend="numpy", threads=1)


def test_claims_pass_on_the_quick_runs_and_every_control_rejects(quick):
    rows = na.claims(quick)
    sim = [r for r in rows if r.kind == "simulation"]
    assert len(sim) >= 15
    assert [r.name for r in sim if not r.passed] == []
    assert [r.name for r in sim if r.control_passed is not False] == []
    assert all(r.passed for r in rows if r.kind == "symbolic")
    kinds = {quick[e].meta["kind"] for e in quick}
    assert kinds == {"trajectory", "large_init", "eps_sweep", "n_mu_sweep", "order"}


def test_claims_follow_kinds_not_names(quick):
    renamed = {f"run{i}": r for i, r in enumerate(quick.values())}
    a = [(r.name, r.passed) for r in na.SIMULATOR.check(quick, symbolic=False)]
    b = [(r.name, r.passed) for r in na.SIMULATOR.check(renamed, symbolic=False)]
    assert a == b


def test_a_missing_control_run_is_reported_as_not_run(quick):
    alone = {"base": quick["base"]}
    rows = na.SIMULATOR.check(alone, symbolic=False)
    assert any(r.control_passed is None and "not run" in r.control for r in rows)


def _mangle(res, **arrays):
    return Result({**res.arrays, **arrays}, res.meta)


@pytest.mark.parametrize("exp", ["base", "eps_sweep", "n_mu_sweep", "order", "large_init"])
def test_mangled_results_give_fail_rows_without_raising(quick, exp):
    res = quick[exp]
    nan = _mangle(res, **{k: np.full_like(res[k], np.nan) for k in ("loss", "t_align",
                                                                    "t_escape", "stable_rank",
                                                                    "frac_ok_escape")})
    nan.arrays.update({k: np.full_like(res[k], np.nan) for k in res.arrays
                       if k.startswith("order_")})
    missing = Result({k: v for k, v in res.arrays.items()
                      if k not in ("truncated", "t_align", "order_bal_err", "snap_t")}, res.meta)
    coords = {"n", "mu", "eps", "order_steps"}
    short = _mangle(res, **{k: v[..., :-1] for k, v in res.arrays.items()       # one entry less
                            if k not in coords and v.ndim and v.shape[-1] > 0})
    for mangled in (nan, missing, short):
        rows = na.SIMULATOR.check({"mangled": mangled, "large_init": quick["large_init"],
                                   "base": quick["base"]}, symbolic=False)
        mine = [r for r in rows if r.experiment == "mangled"]
        assert mine and all(isinstance(r, Claim) for r in mine)
        assert any(not r.passed for r in mine), [(r.name, r.measured) for r in mine]


def test_the_late_rate_claim_rejects_a_pure_one_over_t_loss(quick):
    """The late-rate row fails on a loss decaying exactly like 1/t (the 1-homogeneous rival)."""
    base = quick["base"]
    t = base["t"]
    fake = _mangle(base, loss=np.where(t > 0, base["loss"][-1] * t[-1] / np.maximum(t, 1e-300),
                                       base["loss"]))
    row = {r.name: r for r in na.claims({"base": fake})}[
        "late loss rate: O(1/t) with the 2-homogeneous log correction"]
    assert not row.check_passed


def test_figure_draws_every_panel_from_kinds_not_names(quick):
    from figures import neuron_alignment as fig
    from sims.simulator import Experiments
    exps = Experiments(na.SIMULATOR, {f"run{i}": r for i, r in enumerate(quick.values())})
    assert len(fig.draw(exps).axes) == len(fig.PANELS)
    for name in fig.PANELS:
        assert fig.panel(name, exps) is not None
