"""Thread and worker settings (sims.threads) and the parallel sweep runner (sims.parallel)."""
import subprocess
import sys

import numpy as np
import pytest

import sims
from sims import parallel, threads
from sims.errors import ConfigError


def test_pinning_different_counts_does_not_break_numba():
    """pin(1) then pin(2) in one process, compiling between: numba re-reads NUMBA_NUM_THREADS at
    each compilation and raises if it changed after its pool started (the CI failure this guards)."""
    code = """
import numba, numpy as np
from sims import threads
threads.pin(1)
@numba.njit(parallel=True, cache=False)
def f(x):
    s = 0.0
    for i in numba.prange(x.size):
        s += x[i]
    return s
f(np.ones(10))
threads.pin(2)
@numba.njit(cache=False)
def g(x):
    return x.sum()
g(np.ones(3))
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_plan_gives_workers_the_cores_and_blas_the_dimension_rule():
    sim = sims.get_simulator("double_descent")
    cfg = sim.config(**{"model": "linear", "n": 20, "ratios": [0.5, 1.0], "seeds": 2,
                            "budgets": [10], "ridge": [0.1], "check_steps": 5})
    assert threads.plan(sim, cfg, 3) == (1, 3)
    with pytest.raises(ConfigError):
        threads.plan(sim, cfg, 0)


def _point(x, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((40, 40)) + x * np.eye(40)
    return {"s": np.linalg.svd(a, compute_uv=False), "x": np.float64(x)}


@pytest.mark.parametrize("n_workers", [2, 3])
def test_parallel_sweep_is_bit_identical_to_serial(n_workers):
    points = [0.0, 0.5, 1.0, 2.0, 4.0]
    seeds = [11, 12, 13, 14, 15]
    with threads.limited(1, 1):
        serial = parallel.run(None, points, _point, seeds=seeds)
    with threads.limited(1, n_workers):
        pooled = parallel.run(None, points, _point, seeds=seeds)
    assert len(pooled) == len(serial)
    for a, b in zip(serial, pooled):
        assert np.array_equal(a["s"], b["s"]) and a["x"] == b["x"]


def test_whole_simulation_parallel_equals_serial():
    """A neural-collapse sweep (its depths are independent sweep points) on 2 worker processes
    gives the same arrays as on one."""
    kw = dict(counts=[6, 6, 6], depths=[1, 2, 3], d=4, lambda_W=0.02, lambda_H=0.02, lr=0.2)
    one = sims.run("neural_collapse", "balanced", threads=1, **kw)
    two = sims.run("neural_collapse", "balanced", threads=2, **kw)
    assert set(one.arrays) == set(two.arrays)
    for k, a in one.arrays.items():
        b = two.arrays[k]
        assert a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), k


def test_pinning_does_not_start_numbas_pool_so_a_numba_sweep_still_forks():
    """pin() before a numba sweep (as the CLI does) must leave the sweep parallel: starting numba's
    OpenMP pool would make sims.parallel fall back to a serial run (it cannot fork such a process)."""
    code = """
import numba
from sims import parallel, threads
threads.pin(1)
threads.set_workers(2)
print(parallel._fork_safe())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "True"


def _blas_threads() -> set[int]:
    from threadpoolctl import threadpool_info
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


def test_a_direct_call_runs_with_the_planned_thread_limits(monkeypatch):
    """Calling a simulator's ``simulate`` directly (the grokking call of issue 28, no sims.run, no
    CLI) runs with the plan's limits: BLAS threads (threadpoolctl, and the environment for
    libraries loaded later and child processes) at the dimension rule's count and the sweep
    workers at the cores; the caller's limits are back afterwards, also when the run raises."""
    from threadpoolctl import threadpool_limits
    import os

    import sims.grokking as gk
    config = gk.GrokkingConfig(M=7, K=8, train_fraction=0.6, steps=20, record_every=10,
                               indep_steps=2, backend="numpy")
    plan = threads.plan(gk.SIMULATOR, config, None)
    assert plan.blas == 1 and plan.workers == threads.available_cores()
    seen = []
    real = gk.training.train

    def observed(*args, **kwargs):
        seen.append((_blas_threads(), threads.workers(), os.environ.get("OPENBLAS_NUM_THREADS")))
        return real(*args, **kwargs)
    monkeypatch.setattr(gk.training, "train", observed)
    with threadpool_limits(limits=2):
        caller = _blas_threads()
        assert caller == {2}
        gk.simulate(config)
        assert _blas_threads() == caller and threads.workers() == 1
        explicit = []
        monkeypatch.setattr(gk.training, "train", lambda *a, **k: explicit.append(
            (_blas_threads(), threads.workers())) or real(*a, **k))
        gk.simulate(config, threads=1)
        monkeypatch.setattr(gk.training, "train", lambda *a, **k: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            gk.simulate(config)
        assert _blas_threads() == caller and threads.workers() == 1
    assert seen == [({plan.blas}, plan.workers, str(plan.blas))]
    assert explicit == [({1}, 1)]


def test_the_cli_the_api_and_a_direct_call_take_one_entry():
    """sims.run and the CLI reach the simulator through the same entry as a direct call: the
    simulators' public ``simulate`` is their Simulator's entry, which plans the threads."""
    for name in sims.names():
        sim = sims.get_simulator(name)
        module = __import__(sim.module, fromlist=["simulate"])
        assert module.simulate is sim.simulate and hasattr(sim.simulate, "body")
