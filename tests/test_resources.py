"""SLURM resources derived from sweep sizes (workflow/cost_model.py, profiles/slurm/calibration.yaml)."""
from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))
import cost_model as cm  # noqa: E402
from sims.config import load_profile_file  # noqa: E402
from sims.registry import names  # noqa: E402

MODELLED = [s for s in names() if cm.cost_function(s) is not None]


def modelled():
    return [s for s in MODELLED if s in cm.calibration().get("simulators", {})]


def test_every_modelled_simulator_is_calibrated_on_its_quick_experiments():
    cal = cm.calibration()["simulators"]
    assert set(MODELLED) <= set(cal), "run scripts/calibrate_resources.py"
    for sim in MODELLED:
        assert set(cal[sim]["runs"]) >= set(load_profile_file(sim, "quick")["experiments"])
        assert cal[sim]["startup_s"] > 0 and cal[sim]["rss_base_mb"] > 0


@pytest.mark.parametrize("sim", sorted(MODELLED))
def test_paper_jobs_get_at_least_the_quick_jobs_resources(sim):
    quick, paper = (load_profile_file(sim, p) for p in ("quick", "paper"))
    for exp in set(quick["experiments"]) & set(paper["experiments"]):
        q, p = cm.job_resources(sim, exp, quick), cm.job_resources(sim, exp, paper)
        assert cm.estimate(sim, paper["experiments"][exp])[0] >= cm.estimate(sim, quick["experiments"][exp])[0]
        assert p["runtime"] >= q["runtime"] >= cm.MIN_RUNTIME, (exp, q, p)
        if cm.estimate(sim, paper["experiments"][exp])[1] >= cm.estimate(sim, quick["experiments"][exp])[1]:
            assert p["mem_mb"] >= q["mem_mb"], (exp, q, p)
        assert p["runtime"] <= cm.MAX_RUNTIME and p["cpus"] in (1, 2, 4) and p["gpu"] == 0


def test_predicted_memory_is_never_below_a_smaller_runs_measured_peak():
    """Two measured peaks carry noise (a toy's quick peak was 371 MB, its slightly larger paper
    run's 370 MB): on 200 generated calibrations the prediction at any size is at least the
    measured peak of every calibration point at or below that size, so a paper job never asks
    for less memory than its quick job."""
    rng = np.random.default_rng(28)
    for _ in range(200):
        qb, pb = sorted(rng.uniform(1e5, 1e9, 2))
        q = {"bytes": qb, "rss_mb": rng.uniform(50, 500)}
        p = {"bytes": pb, "rss_mb": q["rss_mb"] + rng.normal(0, 20)}      # may be below q's
        cal = {"runs": {"x": q}, "paper_runs": {"x": p}, "rss_base_mb": 60.0}
        for b in np.concatenate([rng.uniform(qb, 2 * pb, 40), [qb, pb]]):
            floor = max(r["rss_mb"] for r in (q, p) if r["bytes"] <= b)
            assert cm.predicted_mb(cal, "x", b) >= floor, (q, p, b)
        assert cm.predicted_mb(cal, "x", pb) >= cm.predicted_mb(cal, "x", qb)


def test_quick_jobs_stay_single_threaded():
    for sim in MODELLED:
        data = load_profile_file(sim, "quick")
        assert all(cm.job_resources(sim, e, data)["cpus"] == 1 for e in data["experiments"]), sim


def test_work_grows_with_the_sweep():
    base = {"model": "linear", "n": 100, "ratios": [0.5, 1.0, 2.0], "seeds": 10}
    w = lambda **c: cm.estimate("double_descent", {**base, **c})[0]   # noqa: E731
    assert w(seeds=30) - w(seeds=20) == w(seeds=20) - w() > 0.5 * w()   # linear in the seeds
    assert w(n=200) > 6 * w()                                   # SVD: n p min(n, p) ~ n^3 at fixed p/n
    nc = lambda **c: cm.estimate("neural_collapse", {"counts": [10] * 4, "lr": 0.1, **c})[0]  # noqa: E731
    assert nc(depths=[1, 2]) > nc(depths=[1]) and nc(lr=0.05) == pytest.approx(2 * nc())


def test_cupy_runs_ask_for_a_gpu_and_unknown_simulators_keep_their_profile_resources():
    data = {"experiments": {"e": {"model": "linear", "n": 50, "backend": "cupy"}}}
    assert cm.job_resources("double_descent", "e", data)["gpu"] == 1
    fallback = {"resources": {"runtime": 77, "mem_mb": 3000, "cpus": 3},
                "experiments": {"e": {"anything": 1}}}
    assert cm.job_resources("no_model_here", "e", fallback) == {"runtime": 77, "mem_mb": 3000,
                                                                "cpus": 3, "gpu": 0}
    broken = {**fallback, "experiments": {"e": {"unknown_key": 1}}}     # the model cannot apply
    assert cm.job_resources("double_descent", "e", broken)["runtime"] == 77


@pytest.mark.parametrize("backend, cluster_gpus, gpu", [
    ("cupy", False, 1), ("cupy", True, 1), (None, False, 0), (None, True, 1), ("auto", True, 1),
    ("auto", False, 0), ("numpy", True, 0), ("numba", True, 0)])
def test_auto_asks_for_a_gpu_exactly_on_a_cluster_with_gpus(backend, cluster_gpus, gpu):
    """``auto`` (the default backend) resolves to CuPy where a GPU is visible: on a cluster whose
    nodes have GPUs (``--config cluster_gpus=true``) its jobs ask for one; a CPU backend never."""
    values = {"model": "linear", "n": 50, **({"backend": backend} if backend else {})}
    data = {"experiments": {"e": values}}
    assert cm.job_resources("double_descent", "e", data, cluster_gpus=cluster_gpus)["gpu"] == gpu


def test_the_workflow_passes_cluster_gpus_to_the_jobs(tmp_path):
    """``--config cluster_gpus=true`` reaches the run jobs' resources (a dry run prints them)."""
    out = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-n",
                          "--config", "profile=quick", "cluster_gpus=true", "-d", str(tmp_path),
                          "results/quick/double_descent/linear.npz"],
                         cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "gpu=1" in out.stdout + out.stderr, (out.stdout + out.stderr)[-2000:]


def test_the_workflow_submits_the_derived_resources(tmp_path):
    out = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-n",
                          "--config", "profile=paper", "-d", str(tmp_path),
                          "results/paper/double_descent/linear.npz"],
                         capture_output=True, text=True, check=True).stdout
    want = cm.job_resources("double_descent", "linear", load_profile_file("double_descent", "paper"))
    line = next(ln for ln in out.splitlines() if "resources:" in ln)
    got = dict(re.findall(r"(\w+)=(\w+)", line))
    assert int(got["runtime"]) == want["runtime"] and int(got["mem_mb"]) == want["mem_mb"]
    assert int(got["cpus_per_task"]) == want["cpus"], line


def test_runtime_and_memory_bound_runs_they_were_not_calibrated_on(tmp_path):
    """Double-descent sweeps of other sizes than the quick profile's, each run in a child process on
    one thread: its CPU time (as in the calibration, so that neighbours on a shared machine do not
    count) stays below the runtime limit (SAFETY_TIME x the prediction, without the minute rounding),
    the prediction (less the compile time a warm cache skips) is within 2x of it (not uselessly
    loose), and its peak resident memory stays below the mem_mb request."""
    sweeps = {"random_features": {"model": "relu_rf", "n": 240, "d": 80, "n_test": 1200,
                                  "seeds": 30, "ratios": [0.5, 1.0, 2.0, 4.0]},
              "linear": {"model": "linear", "n": 300, "seeds": 60, "ratios": [0.5, 1.0, 2.0, 4.0]}}
    for exp, values in sweeps.items():
        args = ["run", "double_descent", "--experiment", exp, "--out", str(tmp_path / exp),
                "--threads", "1",                          # one process, as a 1-CPU job runs
                *(f"--set={k}={v}" for k, v in values.items())]
        # peak RSS of the child's own address space (VmHWM): ru_maxrss survives fork + exec, so a
        # child of a large pytest process reports the parent's size (seen in CI: 1006 MiB vs 295)
        code = (f"from sims.__main__ import main; assert main({args!r}) == 0\n"
                "import resource; r = resource.getrusage(resource.RUSAGE_SELF)\n"
                "from pathlib import Path; st = Path('/proc/self/status')\n"
                "hwm = [int(l.split()[1]) for l in st.read_text().splitlines() if l.startswith('VmHWM')]"
                " if st.exists() else [r.ru_maxrss]\n"
                "print('USAGE', r.ru_utime + r.ru_stime, hwm[0] / 1024)")
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                             env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
        cpu, rss_mb = map(float, out.stdout.split("USAGE")[1].split())
        predicted = cm.predicted_seconds("double_descent", exp, values)
        # the child finds the numba cache warm: the compile time the request budgets is not spent
        warm = predicted - cm.calibration()["simulators"]["double_descent"]["compile_s"]
        # covered: the request's factor; not uselessly loose: within 2x, the spread of the work
        # model's leading-order flop counts between sizes (the measured quick and paper rates of
        # the linear sweep differ by 1.7x)
        assert cpu <= cm.SAFETY_TIME * predicted and warm <= 2 * cpu, (exp, cpu, predicted)
        mem_mb = cm.job_resources("double_descent", exp, {"experiments": {exp: values}})["mem_mb"]
        assert rss_mb <= mem_mb, (exp, rss_mb, mem_mb)
        print(f"{exp}: {cpu:.2f} CPU s (predicted {predicted:.2f}), {rss_mb:.0f} MiB (asked {mem_mb})")


# every paper job measured (scripts/measure_profile.py); $SIMS_PAPER_PROFILE names another report
# (a simulator outside the repository, docs/adding-a-simulator.md)
PAPER = json.loads(Path(os.environ.get("SIMS_PAPER_PROFILE")
                        or REPO / "benchmarks" / "paper_profile.json").read_text())


@pytest.mark.parametrize("row", [r for r in PAPER["rows"] if "cpu_s" in r],
                         ids=lambda r: f"{r['sim']}-{r['experiment']}")
def test_every_paper_request_is_within_twice_the_measured_job(row):
    """benchmarks/paper_profile.json holds every paper job measured (scripts/measure_profile.py:
    CPU seconds and peak memory of a one-thread run); its request must cover it and ask for at most
    twice it, but for the floors (SLURM's whole minutes: up to the minute above 1.5x; MIN_MEM_MB).
    The row must be of
    the config in the profile now (same work): a changed paper config needs remeasuring."""
    sim, exp = row["sim"], row["experiment"]
    data = load_profile_file(sim, "paper")
    assert exp in data["experiments"], f"{sim}/{exp} measured but no longer in the paper profile"
    work = cm.estimate(sim, data["experiments"][exp])[0]
    assert work == pytest.approx(row["work"], rel=1e-9), \
        f"{sim}/{exp}: the paper config changed since it was measured; rerun scripts/measure_profile.py"
    req = cm.job_resources(sim, exp, data)
    minutes = max(cm.MIN_RUNTIME, math.ceil(cm.SAFETY_TIME * row["cpu_s"] / 60))
    assert row["cpu_s"] <= 60 * req["runtime"] <= max(2 * row["cpu_s"], 60 * minutes), (req, row)
    assert row["peak_mb"] <= req["mem_mb"] <= max(2 * row["peak_mb"], cm.MIN_MEM_MB), (req, row)


def test_every_paper_job_was_measured():
    measured = {(r["sim"], r["experiment"]) for r in PAPER["rows"] if "cpu_s" in r}
    for sim in MODELLED:
        for exp in load_profile_file(sim, "paper")["experiments"]:
            assert (sim, exp) in measured, f"{sim}/{exp}: not in benchmarks/paper_profile.json"


def test_rate_is_interpolated_in_the_matrix_size_between_the_calibration_points():
    """cost_model.scaled_rate on 200 generated calibrations: at the quick and paper points' largest
    matrix dimensions it gives their own rates whatever the work (more seeds of the same matrices
    keep their rate), between them a value between the two, monotone in the dimension, outside
    them the nearest point's; with equal dimensions it interpolates in the work as before."""
    rng = np.random.default_rng(12)
    for case in range(200):
        t0 = rng.uniform(0, 2)
        w_q, w_p = 10 ** rng.uniform(8, 10), 10 ** rng.uniform(10, 13)
        r_q, r_p = 10 ** rng.uniform(-10, -8, 2)
        cal = {"startup_s": t0, "compile_s": 0.0,
               "runs": {"e": {"work": w_q, "seconds": t0 + 2 + r_q * w_q}},
               "paper_runs": {"e": {"work": w_p, "seconds": t0 + r_p * w_p}}}
        r_q = cal["runs"]["e"]["seconds"] - t0
        r_q /= w_q
        d_q, d_p = sorted(int(x) for x in rng.integers(10, 5000, 2))
        if d_q == d_p:
            continue
        ops = 10 ** rng.uniform(6, 14)
        at = lambda d: cm.scaled_rate(cal, "e", ops, d, (d_q, d_p))   # noqa: E731
        assert np.isclose(at(d_q), r_q) and np.isclose(at(d_p), r_p), case
        assert np.isclose(at(d_q / 2), r_q) and np.isclose(at(2 * d_p), r_p), case
        mids = [at(d) for d in np.geomspace(d_q, d_p, 7)]
        assert all(min(r_q, r_p) - 1e-18 <= m <= max(r_q, r_p) + 1e-18 for m in mids), case
        assert np.all(np.diff(mids) * np.sign(r_p - r_q) >= -1e-18), case
        same = cm.scaled_rate(cal, "e", np.sqrt(w_q * w_p), 100, (100, 100))
        assert np.isclose(same, (r_q + r_p) / 2), case
