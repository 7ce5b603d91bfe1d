"""Measure what workflow/cost_model.py scales from: every quick-profile experiment, run twice on one
core (the second run has a warm numba cache), plus the bare import of each simulator.

    .venv/bin/python scripts/calibrate_resources.py [--out profiles/slurm/calibration.yaml]

Records per simulator: startup_s (import, median of 3), compile_s (max over experiments of first run,
with an empty numba cache, minus second run), rss_base_mb (resident memory after import) and per
experiment the seconds of the warm run, its peak resident memory and its work and array bytes
(cost_model.estimate). Seconds are CPU seconds of the one-thread child process
(see ``timed``). Rerun it after changing a simulator's algorithm.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "workflow")]
import cost_model  # noqa: E402
from sims.config import load_profile_file  # noqa: E402
from sims.registry import modules  # noqa: E402

ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
       "NUMBA_NUM_THREADS": "1"}
# peak RSS of the child's own address space: VmHWM where /proc exists (ru_maxrss survives fork + exec,
# so it would report a large parent's size; from this small parent the two agree)
RSS = ("import resource, pathlib; r = resource.getrusage(resource.RUSAGE_SELF); "
       "st = pathlib.Path('/proc/self/status'); "
       "kb = [int(l.split()[1]) for l in st.read_text().splitlines() if l.startswith('VmHWM')] "
       "if st.exists() else [r.ru_maxrss]; "
       "print('RSS_KB', kb[0], r.ru_utime + r.ru_stime)")


def timed(code: str, numba_cache: str | None = None) -> tuple[float, float]:
    """CPU seconds (user + system) and peak RSS (MiB) of `python -c code` on one thread. CPU time,
    not wall time: on a shared machine wall time measures the neighbours too, while a SLURM job has
    its cores to itself, where wall time is CPU time for a one-thread run."""
    env = {**ENV, "NUMBA_CACHE_DIR": numba_cache} if numba_cache else ENV
    out = subprocess.run([sys.executable, "-c", f"{code}\n{RSS}"], cwd=REPO, env=env, check=True,
                         capture_output=True, text=True).stdout
    _, rss, cpu = next(line.split() for line in out.splitlines() if line.startswith("RSS_KB"))
    return float(cpu), float(rss) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=cost_model.CALIBRATION)
    ap.add_argument("--only", nargs="*", help="simulators to (re)measure; others are kept")
    ap.add_argument("--experiments", nargs="*", help="with --only SIM: (re)measure only these "
                    "quick experiments; the simulator's other entries and its startup are kept")
    args = ap.parse_args()
    old = yaml.safe_load(args.out.read_text()) if args.out.is_file() else {}
    sims = dict(old.get("simulators", {}))
    with tempfile.TemporaryDirectory() as tmp:
        for sim, module in sorted(modules().items()):
            if (args.only and sim not in args.only) or cost_model.cost_function(sim) is None:
                continue
            data = load_profile_file(sim, "quick")
            if args.experiments and sim in sims:
                runs, compile_s = dict(sims[sim]["runs"]), sims[sim]["compile_s"]
                startup, rss_base = sims[sim]["startup_s"], sims[sim]["rss_base_mb"]
            else:
                imports = [timed(f"import {module}") for _ in range(3)]
                startup = statistics.median(s for s, _ in imports)
                rss_base = statistics.median(r for _, r in imports)
                runs, compile_s = {}, 0.0
            for exp, values in data["experiments"].items():
                if args.experiments and exp not in args.experiments:
                    continue
                code = ("from sims.__main__ import main; assert main(['run', "
                        f"'{sim}', '--profile', 'quick', '--experiment', '{exp}', '--out', "
                        f"'{tmp}/{sim}-{exp}', '--threads', '1']) == 0")   # one process, as a 1-CPU job
                cache = f"{tmp}/numba-{sim}-{exp}"       # empty: the first run compiles
                first, _ = timed(code, cache)
                second, rss = timed(code, cache)
                compile_s = max(compile_s, first - second)
                work, nbytes, _ = cost_model.estimate(sim, values)
                runs[exp] = {"seconds": round(second, 3), "work": float(work),
                             "bytes": float(nbytes), "rss_mb": round(rss, 1)}
                print(f"{sim}/{exp}: {second:.2f} s warm, {first:.2f} s cold (CPU), {rss:.0f} MiB",
                      flush=True)
            sims[sim] = {"startup_s": round(startup, 3), "compile_s": round(compile_s, 3),
                         "rss_base_mb": round(rss_base, 1),
                         "runs": runs,
                         **({"paper_runs": sims[sim]["paper_runs"]}
                            if "paper_runs" in sims.get(sim, {}) else {})}
    out = {**{k: v for k, v in old.items() if k == "paper_runs_measured"},
           "measured": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, one used",
           "load_average": [round(x, 2) for x in os.getloadavg()],
           "seconds": "CPU seconds (user + system) of one-thread runs",
           "simulators": sims}
    if args.experiments:        # a partial remeasure: the file's date and machine stay its own
        out.update({k: old[k] for k in ("measured", "machine", "load_average") if k in old})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(cost_model.CALIBRATION_HEADER + yaml.safe_dump(out, sort_keys=True))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
