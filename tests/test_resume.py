"""Resumable sweeps: the checkpoint helper (sims/checkpoint.py), a neural-collapse sweep interrupted
and resumed, and the workflow killed mid-sweep and rerun recomputing only the missing runs."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sims import neural_collapse as nc
from sims import results
from sims.checkpoint import ENV, Checkpoint, config_key

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]

# four small neural-collapse experiments of ~1 s each, so a kill can land between and inside them
TINY_NC = """
resources: {runtime: 5, mem_mb: 1000, cpus: 1}
experiments:
""" + "".join(f"""  e{k}: {{counts: [12, 12, 12, 12], depths: [1, 2], ratios: [1, 2, 3, 4], d: 6,
        lambda_W: 0.02, lambda_H: 0.02, lr: 0.2, seed: {k}}}
""" for k in range(4))


def tiny_config(**changes):
    base = dict(counts=(12, 12, 12, 12), depths=(1, 2), ratios=(1.0, 2.0, 3.0), d=6,
                lambda_W=0.02, lambda_H=0.02, lr=0.2, seed=3)
    return nc.NeuralCollapseConfig(**{**base, **changes})


# ---- the helper ----------------------------------------------------------------------------------
def test_items_round_trip_bit_identically_and_are_computed_once(tmp_path):
    rng = np.random.default_rng(0)
    values = [{"x": rng.standard_normal((3, 4)), "steps": np.int64(7), "loss": 0.1 + k,
               "name": np.asarray("abc")} for k in range(3)]
    calls = []

    def run(k):
        calls.append(k)
        return values[k]

    first = Checkpoint(tmp_path, "key")
    out1 = [first.item(k, lambda: run(k)) for k in range(3)]
    second = Checkpoint(tmp_path, "key")
    out2 = [second.item(k, lambda: run(k)) for k in range(3)]
    assert calls == [0, 1, 2] and (first.computed, second.resumed) == (3, 3)
    for a, b in zip(out1, out2):
        assert set(a) == set(b)
        assert np.array_equal(a["x"], b["x"]) and a["x"].dtype == b["x"].dtype
        assert b["steps"] == 7 and b["loss"] == a["loss"] and str(b["name"]) == "abc"
    assert Checkpoint(tmp_path, "key").item(9, lambda: np.arange(3.0)).tolist() == [0, 1, 2]
    assert Checkpoint(tmp_path, "key").item(9, lambda: 1 / 0).tolist() == [0, 1, 2]   # plain arrays


def test_disabled_without_a_directory(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV, raising=False)
    ckpt = Checkpoint.for_config(tiny_config())
    assert ckpt.dir is None and ckpt.item(0, lambda: 5) == 5
    monkeypatch.setenv(ENV, str(tmp_path))
    assert Checkpoint.for_config(tiny_config()).dir.parent == tmp_path


def test_a_different_config_never_reuses_a_checkpoint():
    assert config_key(tiny_config()) == config_key(tiny_config())
    assert config_key(tiny_config()) != config_key(tiny_config(seed=4))
    assert config_key(tiny_config()) != config_key(tiny_config(lr=0.21))


def test_a_torn_item_is_recomputed_and_object_arrays_are_refused(tmp_path):
    ckpt = Checkpoint(tmp_path, "k")
    ckpt.item(0, lambda: {"a": np.ones(3)})
    ckpt.path(0).write_bytes(ckpt.path(0).read_bytes()[:20])      # a torn file (not via atomic_write)
    again = Checkpoint(tmp_path, "k")
    assert again.item(0, lambda: {"a": np.zeros(3)})["a"].tolist() == [0, 0, 0]
    assert again.computed == 1
    with pytest.raises(TypeError, match="pickle"):
        again.item(1, lambda: {"a": np.array([{}], dtype=object)})


# ---- a simulator's sweep ---------------------------------------------------------------------------
def test_interrupted_neural_collapse_sweep_resumes_to_the_identical_result(tmp_path, monkeypatch):
    config = tiny_config()                      # 2 depths x 3 ratios = 6 runs
    monkeypatch.delenv(ENV, raising=False)
    reference = nc.simulate(config, threads=1)  # uninterrupted, no checkpoint
    monkeypatch.setenv(ENV, str(tmp_path))
    real, calls = nc.run.run_one, []

    def dies_after_two(*args):
        if len(calls) == 2:
            raise KeyboardInterrupt("preempted")
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(nc.run, "run_one", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        nc.simulate(config, threads=1)
    assert len(list(tmp_path.glob("*/item-*.npz"))) == 2
    calls.clear()
    monkeypatch.setattr(nc.run, "run_one", lambda *a: calls.append(a) or real(*a))
    resumed = nc.simulate(config, threads=1)
    assert len(calls) == 4                      # only the 4 missing runs were computed
    assert set(resumed.arrays) == set(reference.arrays)
    for key, ref in reference.arrays.items():
        assert resumed[key].dtype == ref.dtype, key
        assert np.array_equal(resumed[key], ref, equal_nan=True), key


# ---- the workflow ----------------------------------------------------------------------------------
def snakemake(work, *args, check=True):
    proc = subprocess.run([*SNAKEMAKE, "-d", str(work), *args], capture_output=True, text=True,
                          env={**os.environ, "SIMS_CONFIG_DIR": str(work / "config")})
    if check and proc.returncode:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout + proc.stderr


def arrays(path: Path) -> dict:
    return results.load(path).arrays


def test_killed_workflow_reruns_only_the_missing_runs(tmp_path):
    """SIGKILL the whole Snakemake process group (as a lost node would) once two of four runs are done
    and the third has checkpointed a run; rerun: the two finished runs are not touched, the third
    resumes from its checkpoint, and every result equals that of an uninterrupted workflow."""
    work = tmp_path / "killed"
    (work / "config" / "quick").mkdir(parents=True)
    (work / "config" / "quick" / "neural_collapse.yaml").write_text(TINY_NC)
    res = work / "results/quick/neural_collapse"
    targets = [f"results/quick/neural_collapse/e{k}.npz" for k in range(4)]
    proc = subprocess.Popen([*SNAKEMAKE, "-d", str(work), *targets, "--cores", "1"],
                            env={**os.environ, "SIMS_CONFIG_DIR": str(work / "config")},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    ckpt = work / "results/quick/checkpoints/neural_collapse"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            done = {p.stem for p in res.glob("e*.json")}       # the sidecar is written last
            # with --cores 1 a later run has started (so Snakemake has recorded the earlier ones as
            # complete) once a checkpoint of a run without a result exists
            started = {p.parent.parent.name for p in ckpt.glob("e*/*/item-*.npz")} - done
            if len(done) >= 2 and started:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = sorted(p.stem for p in res.glob("e*.json"))
    partial = sorted({p.parent.parent.name for p in ckpt.glob("e*/*/item-*.npz")} - set(done))
    assert 2 <= len(done) < 4 and partial, (done, partial, "killed too late: slower machine?")
    before = {e: ((res / f"{e}.npz").stat().st_mtime_ns, (res / f"{e}.json").read_text())
              for e in done}

    snakemake(work, "--unlock")
    plan = snakemake(work, *targets, "--cores", "1", "-n", "--rerun-incomplete")
    missing = 4 - len(done)
    assert _count(plan, "run_experiment") == missing, plan
    snakemake(work, *targets, "--cores", "1", "--rerun-incomplete")
    for e, (mtime, meta) in before.items():
        assert (res / f"{e}.npz").stat().st_mtime_ns == mtime and (res / f"{e}.json").read_text() == meta
    resumed = {p.name for p in (work / "results/quick/logs").glob("neural_collapse-e*.log")
               if "checkpoint: resuming" in p.read_text()}
    assert f"neural_collapse-{partial[0]}.log" in resumed
    assert not any(ckpt.glob("e*/*/item-*.npz"))     # checkpoints are removed once a run is written

    fresh = tmp_path / "fresh"
    (fresh / "config" / "quick").mkdir(parents=True)
    (fresh / "config" / "quick" / "neural_collapse.yaml").write_text(TINY_NC)
    snakemake(fresh, *targets, "--cores", "2")
    for k in range(4):
        a, b = arrays(res / f"e{k}.npz"), arrays(fresh / f"results/quick/neural_collapse/e{k}.npz")
        assert set(a) == set(b)
        assert all(np.array_equal(a[key], b[key], equal_nan=True) for key in a), k


def _count(plan: str, rule: str) -> int:
    """The job count of ``rule`` in Snakemake's dry-run table ("rule   count")."""
    for line in plan.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == rule and parts[1].isdigit():
            return int(parts[1])
    return -1


# ---- the other long sweeps: the same kill-and-resume property --------------------------------------
def _interrupt_and_resume(simulate, module, inner, config, tmp_path, monkeypatch, die_after):
    """Run ``config`` once uninterrupted; then with checkpoints, make ``module.inner`` raise on its
    ``die_after``-th call (a preemption), and rerun: the resumed result is bit-identical and the
    rerun calls ``inner`` fewer times than a fresh run (finished items are read back). One core:
    the calls are counted in this process."""
    real, calls = getattr(module, inner), []
    monkeypatch.setattr(module, inner, lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.delenv(ENV, raising=False)
    reference = simulate(config, threads=1)
    fresh_calls = len(calls)

    def dies(*a, **k):
        if len(calls) == die_after:
            raise KeyboardInterrupt("preempted")
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setenv(ENV, str(tmp_path))
    calls.clear()
    monkeypatch.setattr(module, inner, dies)
    with pytest.raises(KeyboardInterrupt):
        simulate(config, threads=1)
    assert list(tmp_path.glob("*/item-*.npz"))
    calls.clear()
    monkeypatch.setattr(module, inner, lambda *a, **k: calls.append(1) or real(*a, **k))
    resumed = simulate(config, threads=1)
    assert 0 < len(calls) < fresh_calls
    assert set(resumed.arrays) == set(reference.arrays)
    for key, ref in reference.arrays.items():
        assert resumed[key].dtype == ref.dtype, key
        assert np.array_equal(resumed[key], ref, equal_nan=True), key


def test_interrupted_neuron_alignment_grid_resumes_to_the_identical_result(tmp_path, monkeypatch):
    from sims import neuron_alignment as na
    config = na.NeuronAlignmentConfig(n=(6, 8), mu=(0.3,), eps=(1e-4, 1e-6), d=10, width=8,
                                      t_end=200.0, stop_loss=0.25, seed=1)      # 4 grid points
    _interrupt_and_resume(na.simulate, na.model, "integrate", config, tmp_path, monkeypatch,
                          die_after=2)


def test_interrupted_grokking_sweep_resumes_to_the_identical_result(tmp_path, monkeypatch):
    from sims import grokking as gk
    config = gk.GrokkingConfig(kind="sweep", sweep_M=(17, 19), K=16, steps=40, seeds=1, bisect=1,
                               seed=0)
    _interrupt_and_resume(gk.simulate, gk.training, "train", config, tmp_path, monkeypatch,
                          die_after=4)                                    # 3 per point
