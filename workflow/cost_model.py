"""SLURM resources of one run job (runtime, memory, CPUs, GPU), derived from the sweep sizes of its config.

For each simulator, ``work(config)`` counts the dominant arithmetic of one experiment from its sizes
(operation counts below, up to a constant) and ``footprint(config)`` the bytes of its largest arrays.
The constant is measured: ``scripts/calibrate_resources.py`` times every experiment of the quick
profile on one thread (CPU seconds, numba cache warm) and records seconds, work, start-up and
numba-compile time and resident memory in ``profiles/slurm/calibration.yaml``. A job's prediction is

    seconds = startup + compile + (t_quick - startup) * work(config) / work(quick config)
    runtime = ceil(SAFETY_TIME * seconds / 60) minutes, within [MIN_RUNTIME, MAX_RUNTIME]
    mem_mb  = ceil(SAFETY_MEM * (overhead + 3 * footprint)), at least MIN_MEM_MB (predicted_rss_mb)
    cpus    = 1 for jobs predicted under PARALLEL_MIN_S; else 1, 2 or 4 as the largest dense matrix
              dimension passes 2000 and 8000 (BLAS-3 threading pays off only there; the runtime is
              not divided by it, so it stays an upper bound)
    gpu     = 1 when the experiment asks for the CuPy backend, else 0

using the same experiment of the quick profile when its work time was resolved (see ``rate``). Steps of run-to-tolerance simulators are estimated from their conditioning (see each model);
a job that outlives its limit anyway resumes from its checkpoint (``sims.checkpoint``) when
resubmitted. Simulators without a model here (and any model error) fall back to the ``resources:``
block of their profile file.
"""
from __future__ import annotations

import functools
import math
import sys
from pathlib import Path
from typing import Any, Callable

import yaml

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = REPO / "profiles" / "slurm" / "calibration.yaml"
SAFETY_TIME, SAFETY_MEM = 3.0, 1.5
MIN_RUNTIME, MAX_RUNTIME = 5, 3 * 24 * 60          # minutes; 3 days is a common cluster limit
MIN_MEM_MB = 1000
RESOLVED_S = 1.0                     # a quick run's work time below this is start-up noise
PARALLEL_MIN_S = 600                 # shorter jobs run on one core
THREAD_DIMS = ((8000, 4), (2000, 2))


# ---- per-simulator operation counts and footprints (c: the validated Config) ----------------------
# A simulator declares its own ``cost(config) -> (work, bytes, largest dim)`` (sims.simulator); the
# models below are the ones not yet moved into their simulators.
def _nc(c) -> tuple[float, float, int]:
    """Neural collapse: a heavy-ball GD step costs N d (d (M - 1) + K + d) multiply-adds (forward and
    backward through M layers). GD to a fixed tolerance needs O(kappa) steps, kappa ~ 1/(lr lambda)
    with lambda the smaller weight decay (strong convexity at the minimiser), capped by max_steps."""
    N, K = sum(c.counts), len(c.counts)
    steps = min(c.max_steps, 1.0 / (c.lr * min(c.lambda_W, c.lambda_H)))
    runs = max(1, len(c.ratios))
    ops = sum(runs * steps * N * c.d * (c.d * (M - 1) + K + c.d) for M in c.depths)
    arrays = N * c.d * 3 + max(c.depths) * c.d * c.d * 3 + runs * len(c.depths) * c.records * 5
    return ops, 8.0 * arrays, max(N, c.d)


NA_HOST_N = 50      # neuron alignment: host work per step, in units of one data point's matmuls


def _na(c) -> tuple[float, float, int]:
    """Neuron alignment: an RK4 step costs 4 x 2 width n d, and the host-side diagnostics of a step
    (norms, patterns, copies of W) cost about NA_HOST_N more n's worth of width d (measured: the
    cost per step is linear in n + 50 at width 60 and 500). Steps in the rescaled time: the escape
    from the small init takes ~ log(1/eps) / step, and late times cost log t, so ~ log(1 + t_end) /
    step; halvings rerun grid point 0 at step/2^k. Snapshots of W (width x d) of the first point."""
    grid = [(n, m, e) for n in c.n for m in c.mu for e in c.eps]
    steps = [(math.log(1 / min(e, 0.5)) + math.log1p(c.t_end)) / c.step for _, _, e in grid]
    ops = sum(s * c.width * (n + NA_HOST_N) * c.d for s, (n, _, _) in zip(steps, grid))
    ops += sum(steps[0] * 2**k * c.width * (c.n[0] + NA_HOST_N) * c.d
               for k in range(1, c.halvings + 1))
    arrays = steps[0] / c.record_every * c.width * (c.d + 2) + max(c.n) * c.d
    return ops, 8.0 * arrays, max(c.width, c.d, max(c.n))


def _sp(c) -> tuple[float, float, int]:
    """Superposition: an AdamW step on a batch costs batch x n x m (x W, x W W^T, their transposes
    backward) per width m of the grid; the final evaluation eval_batch x n x m."""
    ops = sum((c.steps * c.batch + c.eval_batch) * c.n * m for m in c.m_grid)
    arrays = (c.chunk * c.batch + c.eval_batch) * c.n * 2 + 4 * c.n * max(c.m_grid)
    return ops, 8.0 * arrays, max(c.n, c.batch)


def _gk(c) -> tuple[float, float, int]:
    """Grokking: a full-batch step on P = fraction M^2 pairs costs P K M (hidden layer from one-hot
    inputs, the M-class output layer and both backward). A run adds the stage-II ascent (indep_steps
    over the top nodes, M^2 pairs); the sweep trains (2 + bisect) nets per M and seed at fractions
    ~ p*(M) (an upper bound: a run stops once it generalises)."""
    from theory.grokking import critical_fraction
    if c.kind == "sweep":
        ops = c.seeds * sum((2 + c.bisect) * c.steps * critical_fraction(M) * M**3 * c.K
                            for M in c.sweep_M)
        Mx = max(c.sweep_M)
        return ops, 8.0 * (Mx**3 * 2 + 3 * Mx * Mx * c.K), max(c.K, Mx * Mx)
    P = c.train_fraction * c.M**2
    ops = c.steps * P * c.K * c.M + c.indep_steps * c.top_fraction * c.K * c.M**3
    records = c.steps // c.record_every + 1
    arrays = 2 * c.M**3 + 3 * c.M * c.M * c.K + records * c.spectrum_nodes * (c.M + 2)
    return ops, 8.0 * arrays, max(c.K, c.M * c.M)


def _sh(c) -> tuple[float, float, int]:
    """Sharpness: a GD/SGD step of an MLP with P weights on N points costs N P (forward, backward);
    every log_every steps Lanczos takes ~40 Hessian-vector products (3 N P each). ntk_init builds
    N x N empirical kernels (N^2 w per width w and seed); sgd_lstsq is rows x cols per step."""
    if c.kind == "sgd_lstsq":
        return len(c.lrs) * c.steps * c.rows * c.cols, 8.0 * 4 * c.rows * c.cols, c.cols
    if c.kind == "ntk_init":
        ops = c.seeds * sum(w * c.n_data * (c.n_data + c.d) for w in c.widths)
        return ops, 8.0 * 3 * max(c.widths) * max(c.n_data, c.d), max(c.widths)
    weights = [w * c.d + w + (w * w if c.depth == 3 else 0) for w in c.widths]
    runs = len(c.params) * c.seeds * (len(c.lrs) + (1 if c.control_factor else 0))
    per_point = c.batch if c.kind == "sgd_net" else c.n_data
    logs = c.steps // c.log_every + 1
    ops = runs * sum(P * (c.steps * per_point + logs * 120 * c.n_data) for P in weights)
    if c.kind == "sgd_net":
        ops += runs * sum(P * c.probes * 3 * c.n_data for P in weights)
    return ops, 8.0 * 6 * max(weights), max(c.widths)


MODELS: dict[str, Callable[[Any], tuple[float, float, int]]] = {
    "neural_collapse": _nc, "neuron_alignment": _na,
    "superposition": _sp, "grokking": _gk, "sharpness": _sh}


# ---- from work to resources --------------------------------------------------------------------------
def config_of(sim: str, values: dict) -> Any:
    from sims.config import from_mapping
    from sims.registry import get_simulator
    return from_mapping(get_simulator(sim).config, values or {}, where=sim)


def cost_function(sim: str) -> Callable[[Any], tuple[float, float, int]] | None:
    """The simulator's declared cost model (or a legacy one of this module), None without one."""
    from sims.registry import get_simulator
    return get_simulator(sim).cost or MODELS.get(sim)


def estimate(sim: str, values: dict) -> tuple[float, float, int]:
    """(work, bytes, largest matrix dimension) of one experiment's config values."""
    return cost_function(sim)(config_of(sim, values))


@functools.lru_cache(maxsize=1)
def calibration() -> dict:
    return yaml.safe_load(CALIBRATION.read_text()) if CALIBRATION.is_file() else {}


def predicted_seconds(sim: str, experiment: str, values: dict) -> float:
    cal = calibration()["simulators"][sim]
    ops, _, _ = estimate(sim, values)
    return cal["startup_s"] + cal["compile_s"] + rate(cal, experiment) * ops


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


def job_resources(sim: str, experiment: str, profile_data: dict) -> dict[str, int]:
    """Resources of the run job of ``experiment``; ``profile_data`` is the profile file's YAML."""
    values = dict(profile_data["experiments"][experiment] or {})
    fallback = profile_data.get("resources", {})
    out = {"runtime": int(fallback.get("runtime", 30)), "mem_mb": int(fallback.get("mem_mb", 2000)),
           "cpus": int(fallback.get("cpus", 1)), "gpu": int(fallback.get("gpu", 0))}
    if values.get("backend") == "cupy":
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
    out["mem_mb"] = int(max(MIN_MEM_MB, math.ceil(SAFETY_MEM * predicted_rss_mb(cal[sim], nbytes))))
    long_job = SAFETY_TIME * seconds >= PARALLEL_MIN_S
    out["cpus"] = next((n for lim, n in THREAD_DIMS if dim >= lim), 1) if long_job else 1
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
