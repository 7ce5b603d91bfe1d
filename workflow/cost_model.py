"""SLURM resources of one run job (runtime, memory, CPUs, GPU), derived from the sweep sizes of its config.

Each simulator declares ``cost(config) -> (work, bytes, largest matrix dim)`` (``Simulator.cost``):
the dominant arithmetic of one experiment counted from its sizes (up to a constant) and the bytes of
its largest arrays.
The constants are measured, at two sizes: ``scripts/calibrate_resources.py`` times every experiment
of the quick profile on one thread (CPU seconds, numba cache warm) and records seconds, work,
start-up and numba-compile time and resident memory in ``profiles/slurm/calibration.yaml``
(``runs``); ``scripts/measure_profile.py --calibrate`` adds the paper profile's measured jobs
(``paper_runs``: CPU seconds, peak memory, work and bytes of the config that was measured). A job's
prediction is

    seconds = startup + compile + rate(work) * work(config)
    rate    = seconds per unit of work, interpolated in log(largest matrix dimension) between the
              experiment's calibration points (its quick run and its paper run; in log(work)
              where their dimensions are equal), the nearest one's outside them
    rss     = measured peak of the calibration point with the largest bytes <= the config's
              + 3 * (the extra bytes), else overhead + 3 * footprint (predicted_rss_mb)
    runtime = ceil(SAFETY_TIME * seconds / 60) minutes, within [MIN_RUNTIME, MAX_RUNTIME]
    mem_mb  = ceil(SAFETY_MEM * rss), at least MIN_MEM_MB
    cpus    = 1 for jobs predicted under PARALLEL_MIN_S; else 1, 2 or 4 as the largest dense matrix
              dimension passes 2000 and 8000 (BLAS-3 threading pays off only there; the runtime is
              not divided by it, so it stays an upper bound)
    gpu     = 1 when the experiment asks for the CuPy backend, or for ``auto`` (the default) on a
              cluster with GPUs (``cluster_gpus``: there ``auto`` resolves to CuPy), else 0

so that a measured job is asked for 1.5x its measured CPU time and peak memory (the floors: SLURM's
one-minute resolution and MIN_MEM_MB); tests/test_resources.py bounds every paper request within
[measured, 2 x measured] (floors allowed). Rates come from the same experiment when its quick work
time was resolved (see ``rate``). Steps of run-to-tolerance simulators are estimated from their
conditioning (see each model); a job that outlives its limit anyway resumes from its checkpoint
(``sims.parallel``) when resubmitted. Simulators without a cost model or calibration (and any model
error) fall back to the ``resources:`` block of their profile file.
"""
from __future__ import annotations

import functools
import math
import os
import sys
from pathlib import Path
from typing import Any, Callable

import yaml

REPO = Path(__file__).resolve().parents[1]
# the measured calibration; $SIMS_CALIBRATION names another file (a simulator outside the repository)
CALIBRATION = Path(os.environ.get("SIMS_CALIBRATION") or REPO / "profiles" / "slurm" / "calibration.yaml")
CALIBRATION_HEADER = ("# written by scripts/calibrate_resources.py and scripts/measure_profile.py "
                      "--calibrate; read by workflow/cost_model.py\n")
# 1.5: the spread of one-thread CPU times of one job between runs and machines seen so far is
# within +-25% (paper jobs measured two at a time on 2 cores vs alone), and a job that outlives its
# limit resumes from its checkpoint when resubmitted
SAFETY_TIME, SAFETY_MEM = 1.5, 1.5
MIN_RUNTIME, MAX_RUNTIME = 1, 3 * 24 * 60          # minutes (SLURM's resolution; 3 days: a common limit)
MIN_MEM_MB = 128                     # below every measured job's peak (Python + numpy alone ~100 MB)
RESOLVED_S = 1.0                     # a quick run's work time below this is start-up noise
PARALLEL_MIN_S = 600                 # shorter jobs run on one core


# ---- from work to resources --------------------------------------------------------------------------
def config_of(sim: str, values: dict) -> Any:
    from sims.config import from_mapping
    from sims.registry import get_simulator
    return from_mapping(get_simulator(sim).config, values or {}, where=sim)


def cost_function(sim: str) -> Callable[[Any], tuple[float, float, int]] | None:
    """The simulator's declared cost model (``Simulator.cost``), None without one (or for a name
    the registry does not know)."""
    from sims.errors import SimsError
    from sims.registry import get_simulator
    try:
        return get_simulator(sim).cost
    except SimsError:
        return None


def estimate(sim: str, values: dict) -> tuple[float, float, int]:
    """(work, bytes, largest matrix dimension) of one experiment's config values."""
    return cost_function(sim)(config_of(sim, values))


@functools.lru_cache(maxsize=1)
def calibration() -> dict:
    return yaml.safe_load(CALIBRATION.read_text()) if CALIBRATION.is_file() else {}


def predicted_seconds(sim: str, experiment: str, values: dict, paper_runs: bool = True) -> float:
    """CPU seconds of one run (see the module docstring); ``paper_runs=False``: from the quick
    calibration alone (what the model extrapolates before the paper jobs were measured)."""
    cal = calibration()["simulators"][sim]
    if not paper_runs:
        cal = {k: v for k, v in cal.items() if k != "paper_runs"}
    ops, _, dim = estimate(sim, values)
    return (cal["startup_s"] + cal["compile_s"]
            + scaled_rate(cal, experiment, ops, dim, calibration_dims(sim, experiment)) * ops)


@functools.lru_cache(maxsize=None)
def calibration_dims(sim: str, experiment: str) -> tuple[int, int] | None:
    """Largest matrix dimension of the experiment's quick and paper configs (the calibration
    points), None where either profile lacks it or its cost model fails."""
    from sims.config import load_profile_file
    try:
        return tuple(int(estimate(sim, load_profile_file(sim, p)["experiments"][experiment])[2])
                     for p in ("quick", "paper"))
    except Exception:  # noqa: BLE001 - no dims: the rate is interpolated in the work instead
        return None


def scaled_rate(cal: dict, experiment: str, ops: float, dim: float | None = None,
                dims: tuple[int, int] | None = None) -> float:
    """Seconds per unit of work: the quick rate (``rate``) and, where the experiment's paper job
    was measured, its rate there, interpolated linearly in log of the largest matrix dimension
    ``dim`` between the two points' ``dims`` (quick, paper) where those differ (BLAS and LAPACK
    run faster per flop on larger matrices, not on more of them: a sweep with more seeds keeps its
    matrices' rate), else in log(work) ``ops``; the nearest point's outside the two."""
    r_q = rate(cal, experiment)
    run, paper = cal["runs"].get(experiment), cal.get("paper_runs", {}).get(experiment)
    if run is None or paper is None or paper["work"] <= 0:
        return r_q
    t0 = cal["startup_s"] + cal["compile_s"]
    r_p = max(paper["seconds"] - t0, 0.0) / paper["work"]
    if dim is not None and dims is not None and dims[1] != dims[0]:
        x, x_q, x_p = float(dim), float(dims[0]), float(dims[1])
    else:
        x, x_q, x_p = float(ops), float(run["work"]), float(paper["work"])
    if x_p <= x_q:
        return r_p if x >= x_p else r_q
    if x >= x_p:
        return r_p
    if x <= x_q:
        return r_q
    f = math.log(x / x_q) / math.log(x_p / x_q)
    return r_q + f * (r_p - r_q)


def rate(cal: dict, experiment: str) -> float:
    """Seconds per unit of work: from the same quick experiment when its work time (run minus
    start-up) was resolved (>= RESOLVED_S), else the largest resolved rate of the simulator (an
    upper bound), else the largest total time per work (start-up included: a looser bound)."""
    runs, t0 = cal["runs"], cal["startup_s"]
    resolved = {e: (r["seconds"] - t0) / r["work"] for e, r in runs.items()
                if r["seconds"] - t0 >= RESOLVED_S}
    if experiment in resolved:
        return resolved[experiment]
    return max(resolved.values()) if resolved else max(r["seconds"] / r["work"] for r in runs.values())


def predicted_rss_mb(cal: dict, nbytes: float) -> float:
    """Peak resident memory: the simulator's measured overhead (the largest quick-run RSS beyond three
    copies of its arrays: interpreter, libraries, JIT code) plus three copies of the arrays
    (inputs, results and the temporaries of one step)."""
    overhead = max(r["rss_mb"] - 3 * r["bytes"] / 2**20 for r in cal["runs"].values())
    return max(overhead, cal["rss_base_mb"]) + 3 * nbytes / 2**20


def predicted_mb(cal: dict, experiment: str, nbytes: float) -> float:
    """Peak resident memory of a run with ``nbytes`` of arrays: the measured peak of the
    experiment's calibration point (quick or paper) with the largest bytes <= ``nbytes``, plus three
    copies of the extra bytes, and never below the measured peak of any point with bytes <=
    ``nbytes`` (a smaller run's peak bounds a larger one's from below; two measured peaks carry an
    MB of noise); the overhead model (predicted_rss_mb) below every point."""
    points = [p for p in (cal["runs"].get(experiment), cal.get("paper_runs", {}).get(experiment))
              if p is not None and "rss_mb" in p and p["bytes"] <= nbytes]
    if not points:
        return predicted_rss_mb(cal, nbytes)
    p = max(points, key=lambda p: (p["bytes"], p["rss_mb"]))      # ties: the larger peak
    return max(p["rss_mb"] + 3 * (nbytes - p["bytes"]) / 2**20, *(q["rss_mb"] for q in points))


def job_resources(sim: str, experiment: str, profile_data: dict,
                  cluster_gpus: bool = False) -> dict[str, int]:
    """Resources of the run job of ``experiment``; ``profile_data`` is the profile file's YAML;
    ``cluster_gpus``: the nodes have CUDA GPUs (the workflow's ``--config cluster_gpus=true``), so
    a job whose backend is ``auto`` runs on CuPy and asks for one."""
    values = dict(profile_data["experiments"][experiment] or {})
    fallback = profile_data.get("resources", {})
    out = {"runtime": int(fallback.get("runtime", 30)), "mem_mb": int(fallback.get("mem_mb", 2000)),
           "cpus": int(fallback.get("cpus", 1)), "gpu": int(fallback.get("gpu", 0))}
    if values.get("backend", "auto") == "cupy" or \
            (cluster_gpus and values.get("backend", "auto") == "auto"):
        out["gpu"] = 1
    cal = calibration().get("simulators", {})
    if cost_function(sim) is None or sim not in cal:
        return out
    try:
        ops, nbytes, dim = estimate(sim, values)
        seconds = predicted_seconds(sim, experiment, values)
    except Exception as exc:   # a model bug must not break planning: keep the profile's resources
        print(f"cost_model: {sim}/{experiment}: {exc!r}; using the profile's resources",
              file=sys.stderr)
        return out
    out["runtime"] = int(min(MAX_RUNTIME, max(MIN_RUNTIME, math.ceil(SAFETY_TIME * seconds / 60))))
    out["mem_mb"] = int(max(MIN_MEM_MB, math.ceil(SAFETY_MEM * predicted_mb(cal[sim], experiment, nbytes))))
    long_job = SAFETY_TIME * seconds >= PARALLEL_MIN_S
    from sims.threads import blas_threads
    out["cpus"] = blas_threads(dim) if long_job else 1
    return out


def table(profile: str) -> list[tuple[str, str, dict]]:
    """Every run job of a profile with its resources (``python workflow/cost_model.py paper``)."""
    from sims.config import load_profile_file
    from sims.registry import names
    rows = []
    for sim in names():
        try:
            data = load_profile_file(sim, profile)
        except Exception:   # noqa: BLE001 - a simulator without this profile
            continue
        rows += [(sim, e, job_resources(sim, e, data)) for e in data["experiments"]]
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    for sim, exp, r in table(sys.argv[1] if len(sys.argv) > 1 else "paper"):
        print(f"{sim:18s} {exp:20s} runtime={r['runtime']:5d} min  mem_mb={r['mem_mb']:6d}  "
              f"cpus={r['cpus']}  gpu={r['gpu']}")
