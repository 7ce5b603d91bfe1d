"""The SLURM path: a single-node SLURM cluster on localhost (scripts/slurm_cluster.sh), a reduced sweep
through `snakemake --profile profiles/slurm` (the SLURM executor), results identical to a local run,
and every run job submitted with the resources workflow/cost_model.py derives.

Skips without the SLURM daemons (a laptop); CI installs Debian's slurm-wlm and munge in .ci/run.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tiny import TINY_DD, tiny_workdir

REPO = Path(__file__).resolve().parents[1]
CLUSTER = REPO / "scripts" / "slurm_cluster.sh"
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
MISSING = [b for b in ("slurmctld", "slurmd", "munged", "sbatch", "squeue") if not shutil.which(b)]
pytestmark = [
    pytest.mark.skipif(bool(MISSING), reason=f"SLURM not installed (no {', '.join(MISSING)}); "
                       "`apt-get install slurm-wlm munge` or run .ci/run"),
    pytest.mark.timeout(420),
]
pytest.importorskip("snakemake_executor_plugin_slurm",
                    reason="the SLURM executor plugin is missing: pip install -e '.[slurm]'")
sys.path.insert(0, str(REPO / "workflow"))
import cost_model  # noqa: E402

TARGETS = ["results/quick/figures/double_descent.png", "results/quick/claims/double_descent.json"]
EXPERIMENTS = ("linear", "random_features")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    state = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "SIMS_SLURM_CTLD_PORT": str(free_port()),
           "SIMS_SLURM_SLURMD_PORT": str(free_port())}
    t0 = time.monotonic()
    try:
        out = subprocess.run(["bash", str(CLUSTER), "start", str(state)], env=env, text=True,
                             capture_output=True, timeout=90)
        assert out.returncode == 0, out.stdout + out.stderr
        print(f"cluster up in {time.monotonic() - t0:.1f} s")
        yield {**env, "SLURM_CONF": str(state / "slurm.conf"),
               "PATH": f"{state / 'bin'}{os.pathsep}{env['PATH']}"}
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop", str(state)], env=env, timeout=60)
    for name in ("slurmctld", "slurmd", "munged"):    # the script cleaned up its daemons
        assert not (state / f"{name}.pid").exists()


def snakemake(work: Path, *args, env=None) -> str:
    proc = subprocess.run([*SNAKEMAKE, "-d", str(work), *TARGETS, *args], capture_output=True,
                          text=True, env={**(env or os.environ), "SIMS_CONFIG_DIR": str(work / "config")})
    assert proc.returncode == 0, f"snakemake failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-8000:]}"
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def runs(cluster, tmp_path_factory):
    local = tiny_workdir(tmp_path_factory.mktemp("local"))
    snakemake(local, "--cores", "2")
    slurm = tiny_workdir(tmp_path_factory.mktemp("slurm_run"))
    t0 = time.monotonic()
    log = snakemake(slurm, "--profile", str(REPO / "profiles" / "slurm"), "--jobs", "4",
                    "--slurm-no-account", "--slurm-status-command", "squeue",
                    "--slurm-init-seconds-before-status-checks", "1", "--latency-wait", "5",
                    "--retries", "0", "--slurm-logdir", str(slurm / "slurm_logs"),
                    "--slurm-keep-successful-logs", env=cluster)
    print(f"SLURM workflow: {time.monotonic() - t0:.1f} s")
    return local, slurm, log


def test_jobs_ran_under_slurm(runs, cluster):
    _, slurm, log = runs
    assert "slurm" in log.lower()
    jobs = squeue_jobs(cluster)
    rules = sorted(j["comment"].split("_wildcards_")[0] for j in jobs.values())
    assert rules.count("rule_run_experiment") == 2 and "rule_check_claims" in rules, rules
    assert all(j["state"] == "COMPLETED" for j in jobs.values()), jobs
    assert list((slurm / "slurm_logs").rglob("*.log"))


def test_results_identical_to_the_local_run(runs):
    import numpy as np
    from sims import results
    local, slurm, _ = runs
    for e in EXPERIMENTS:
        a = results.load(local / f"results/quick/double_descent/{e}.npz")
        b = results.load(slurm / f"results/quick/double_descent/{e}.npz")
        assert set(a.arrays) == set(b.arrays)
        for key in a.arrays:
            assert np.array_equal(a[key], b[key]), (e, key)
        assert a.meta["config"] == b.meta["config"]
    strip = lambda rows: [{k: r[k] for k in ("name", "measured", "passed")} for r in rows]  # noqa: E731
    claims = [json.loads((w / TARGETS[1]).read_text()) for w in (local, slurm)]
    assert strip(claims[0]) == strip(claims[1]) and len(claims[1]) > 10
    # figures are byte-reproducible from identical inputs
    assert (local / TARGETS[0]).read_bytes() == (slurm / TARGETS[0]).read_bytes()


def test_run_jobs_requested_the_derived_resources(runs, cluster):
    data = {"experiments": __import__("yaml").safe_load(TINY_DD)["experiments"]}
    for job in squeue_jobs(cluster).values():
        if not job["comment"].startswith("rule_run_experiment"):
            continue
        # the executor's comment: rule_<rule>_wildcards_<sim>_<experiment> (the profile is the
        # results folder, sims/paths.py, not a wildcard)
        exp = job["comment"].split("_wildcards_")[1].split("double_descent_", 1)[1]
        want = cost_model.job_resources("double_descent", exp, data)
        assert job["minutes"] == want["runtime"], (exp, job, want)
        assert job["mem_mb"] == want["mem_mb"], (exp, job, want)
        assert job["cpus"] == want["cpus"], (exp, job, want)


def squeue_jobs(env) -> dict[str, dict]:
    """Every job SLURM still remembers (MinJobAge = 600 s): state, comment, limits."""
    out = subprocess.run(["squeue", "-t", "all", "-h", "-o", "%i|%T|%k|%l|%m|%C"], env=env,
                         capture_output=True, text=True, check=True).stdout
    jobs = {}
    for line in out.splitlines():
        jid, state, comment, limit, mem, cpus = line.split("|")
        jobs[jid] = {"state": state, "comment": comment, "minutes": _minutes(limit),
                     "mem_mb": _mb(mem), "cpus": int(cpus)}
    return jobs


def _minutes(limit: str) -> int | None:
    if limit in ("UNLIMITED", "INVALID", "NOT_SET"):
        return None
    days, _, hms = limit.rpartition("-")
    parts = [int(p) for p in hms.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    h, m, s = parts
    return (int(days or 0) * 24 + h) * 60 + m + (1 if s else 0)


def _mb(mem: str) -> int:
    scale = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2}
    return round(float(mem[:-1]) * scale[mem[-1]]) if mem[-1] in scale else int(mem)
