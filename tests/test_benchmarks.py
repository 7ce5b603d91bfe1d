"""The benchmark harness: every case runs, and each PyTorch peer computes the same dynamics as the
suite (so the speed ratios compare like with like). Peer checks skip without torch (the optional
``bench`` extra)."""
from __future__ import annotations

import numpy as np
import pytest

import importlib

from benchmarks import suite
from benchmarks.__main__ import targets
from benchmarks.suite import benchmark_modules

# each simulator's declared benchmark module, by simulator name (the registry is the one list)
BENCH = {name: importlib.import_module(path) for name, path in benchmark_modules().items()}

torch_only = pytest.mark.skipif(not suite.torch_available(), reason="torch (bench extra) absent")


def test_rk4_peer_matches_suite():
    out = BENCH["neuron_alignment"].cases("quick")[0].suite("numpy")()
    if not suite.torch_available():
        pytest.skip("torch (bench extra) absent")
    W, v, dt = BENCH["neuron_alignment"].cases("quick")[0].torch("cpu")()
    np.testing.assert_allclose(W.detach().numpy(), out[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(v.detach().numpy(), out[1], rtol=1e-12, atol=1e-15)
    assert dt == pytest.approx(out[2], rel=1e-12)


@torch_only
def test_heavy_ball_peer_matches_suite():
    case = BENCH["neural_collapse"].cases("quick")[1]            # depth 3
    loss_suite = case.suite("numba")()[-2]              # loss after the chunk
    loss_torch = case.torch("cpu")()                    # loss before the last of its steps
    # the peer reports the loss evaluated before its last update: compare with one step less
    shorter = BENCH["neural_collapse"].STEPS
    try:
        BENCH["neural_collapse"].STEPS = shorter - 1
        loss_suite_prev = BENCH["neural_collapse"].cases("quick")[1].suite("numpy")()[-2]
    finally:
        BENCH["neural_collapse"].STEPS = shorter
    assert loss_torch == pytest.approx(loss_suite_prev, rel=1e-10)
    assert loss_suite < loss_suite_prev


@torch_only
def test_gd_peer_matches_suite():
    case = BENCH["double_descent"].cases("quick")[1]
    a = case.suite("numpy")()
    n, p, steps = BENCH["double_descent"].GD["quick"]
    # the peer's loss is 0.5 |Za - y|^2 with step eta; the suite's step is eta_over_n Z^T(Za - y)
    np.testing.assert_allclose(case.torch("cpu")().detach().numpy(), a, rtol=1e-9, atol=1e-12)


@torch_only
def test_adamw_peer_matches_suite():
    case = BENCH["superposition"].cases("quick")[0]
    W, b, *_, losses = case.suite("numpy")()
    Wt, bt, lt = case.torch("cpu")()
    np.testing.assert_allclose(lt.numpy(), losses, rtol=1e-10)
    np.testing.assert_allclose(Wt.detach().numpy(), W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bt.detach().numpy(), b, rtol=1e-9, atol=1e-12)


@torch_only
def test_plrf_peers_match_suite():
    sgd, rec, equiv = BENCH["scaling_laws"].cases("quick")
    np.testing.assert_allclose(sgd.torch("cpu")().detach().numpy(), sgd.suite("numpy")(),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(rec.torch("cpu")().numpy(), rec.suite("numpy")(), rtol=1e-10)


def test_equivalent_curve_backends_match():
    """numba and numpy blocked recursions agree to round-off: sums over ~10^3 nodes in another order,
    compounded over ~2 10^3 blocks (measured 9e-10 relative)."""
    equiv = BENCH["scaling_laws"].cases("quick")[2]
    np.testing.assert_allclose(equiv.suite("numba")(), equiv.suite("numpy")(), rtol=1e-8)


@torch_only
def test_adam_peer_matches_suite():
    case = BENCH["grokking"].cases("quick")[0]
    W, V, *_, loss = case.suite("numpy")()
    Wt, Vt, loss_t = case.torch("cpu")()
    assert loss_t == pytest.approx(loss, rel=1e-10)
    np.testing.assert_allclose(Wt.detach().numpy(), W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(Vt.detach().numpy(), V, rtol=1e-9, atol=1e-12)


def _arrays(out):
    return [np.asarray(a.detach() if hasattr(a, "detach") else a) for a in out]


@pytest.mark.parametrize("size", ["quick", "paper"])
def test_sharpness_peers_and_backends_match_suite(size):
    """Every sharpness case: the numba kernels equal the numpy suite (rel 1e-12) and the PyTorch
    peer (autograd GD steps; double-backward HVP) computes the same weights / HVP vector to 1e-10
    (round-off of sums of <= 4096 terms in another order, grown over at most 50 GD steps)."""
    for case in BENCH["sharpness"].cases(size):
        want = _arrays(case.suite("numpy")())
        assert len(want) in (2, 3) and all(np.all(np.isfinite(w)) for w in want)
        for a, b in zip(want, _arrays(case.suite("numba")())):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-15, err_msg=case.name)
        if suite.torch_available():
            for a, b in zip(want, _arrays(case.torch("cpu")())):
                np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12 * np.abs(a).max(),
                                           err_msg=case.name)
    if not suite.torch_available():
        pytest.skip("torch (bench extra) absent: peers not checked")


def test_sharpness_gd_case_is_a_real_step():
    """The timed GD call moves the weights (so the peers are compared on a non-trivial result)."""
    case = BENCH["sharpness"].cases("quick")[0]
    Ws, *_ = BENCH["sharpness"]._net("sweep", BENCH["sharpness"].WIDTHS["quick"])
    moved = [np.max(np.abs(a - b)) for a, b in zip(_arrays(case.suite("numpy")()), Ws)]
    assert min(moved) > 1e-6


def test_every_case_runs_on_numpy_and_ratios_are_consistent():
    cases = [c for mod in (BENCH["neural_collapse"], BENCH["neuron_alignment"]) for c in mod.cases("quick")]
    cases.append(BENCH["double_descent"].cases("quick")[1])
    for c in cases:
        c.torch = None                                  # the peers are checked above
    records = suite.run(cases, repeats=3, min_time=0.0, verbose=False, gemm=100.0)
    for rec in records:
        res = rec["results"]
        assert res["numpy"]["rate"] > 0 and res["numba"]["rate"] > 0
        assert rec["ratios"]["numba/numpy"] == pytest.approx(
            res["numba"]["rate"] / res["numpy"]["rate"])
    lines = targets(records)
    assert any("3x PyTorch" in line for line in lines)
    assert any("CuPy" in line for line in lines)


# the whole-run peers, cut to a few steps on the quick experiment of the same name
SMOKE = {"double_descent": {"seeds": 1}, "grokking": {"steps": 20},
         "neural_collapse": {"max_steps": 200}, "neuron_alignment": {"max_steps": 40},
         "sharpness": {"steps": 20}, "scaling_laws": {"steps": 20, "seeds": 1},
         "superposition": {"steps": 20}}
SMOKE_OF = {("scaling_laws", "plrf"): {"steps": 20}, ("scaling_laws", "mrs"): {"seeds": 1}}   # a
# config takes only its own kind's fields


@torch_only
def test_every_whole_run_peer_runs():
    """Every paper row's named whole-run peer resolves and runs (on the quick experiment of the
    same name, a few steps), returning its seconds; simulators without a peer say why in their
    module. At least one peer per simulator but scaling_laws' compute-optimal row."""
    from benchmarks import whole_runs
    from sims.config import load_profile_file
    rows = [r for r in whole_runs.rows(("paper",)) if r.torch]
    assert {r.sim for r in rows} == set(SMOKE)
    for r in rows:
        if r.experiment not in load_profile_file(r.sim, "quick")["experiments"]:
            continue
        smoke = SMOKE_OF.get((r.sim, r.experiment), SMOKE[r.sim])
        quick = whole_runs.WholeRun(r.sim, "quick", r.experiment, smoke, torch=r.torch)
        module, fn = r.torch.split(":")
        seconds = getattr(importlib.import_module(module), fn)(quick)
        assert 0 < seconds < 60, (r.sim, r.experiment, seconds)
