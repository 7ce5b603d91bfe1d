"""Measure every experiment of a profile: wall and CPU seconds, peak resident memory, and what the
cost model predicted for its SLURM job.

    .venv/bin/python scripts/measure_profile.py --profile paper [--jobs 2] [--only SIM ...]
        [--out benchmarks/paper_profile.json] [--markdown benchmarks/PAPER_PROFILE.md]

Each experiment runs as its own ``python -m sims run ... --threads 1`` child (one BLAS / numba
thread, as the workflow runs it), ``--jobs`` at a time; CPU seconds are the child's user + system
time and the peak memory its VmHWM, both from ``resource.getrusage`` / ``/proc`` of the child. The
JSON is what tests/test_resources.py bounds the cost model's requests by.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "workflow")]
import cost_model  # noqa: E402
from sims.config import load_profile_file  # noqa: E402
from sims.registry import names  # noqa: E402

CHILD = """
import resource, pathlib, sys, time
from sims.__main__ import main
t = time.perf_counter()
rc = main(sys.argv[1:])
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_SELF)
st = pathlib.Path('/proc/self/status')
kb = [int(l.split()[1]) for l in st.read_text().splitlines() if l.startswith('VmHWM')] \\
    if st.exists() else [r.ru_maxrss]
print('MEASURED', rc, wall, r.ru_utime + r.ru_stime, kb[0], flush=True)
"""


def run_one(sim: str, exp: str, profile: str, out_dir: Path) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    cmd = [sys.executable, "-c", CHILD, "run", sim, "--profile", profile, "--experiment", exp,
           "--out", str(out_dir / sim / exp), "--threads", "1"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("MEASURED")), None)
    if proc.returncode or line is None:
        return {"sim": sim, "experiment": exp, "error": (proc.stderr or proc.stdout)[-500:],
                "wall_s": time.perf_counter() - start}
    _, rc, wall, cpu, kb = line.split()
    return {"sim": sim, "experiment": exp, "wall_s": float(wall), "cpu_s": float(cpu),
            "peak_mb": int(kb) / 1024}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="paper")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--results-dir", type=Path, help="keep the result files here (default: a "
                    "temporary folder); layout <dir>/<profile>/<sim>/<experiment>.npz")
    ap.add_argument("--markdown", type=Path)
    a = ap.parse_args(argv)
    jobs = []
    for sim in names():
        if a.only and sim not in a.only:
            continue
        try:
            data = load_profile_file(sim, a.profile)
        except Exception:  # noqa: BLE001 - no such profile for this simulator
            continue
        for exp in data["experiments"]:
            jobs.append((sim, exp, cost_model.job_resources(sim, exp, data)))
    rows = []
    with tempfile.TemporaryDirectory() as tmp, cf.ThreadPoolExecutor(a.jobs) as pool:
        where = a.results_dir / a.profile if a.results_dir else Path(tmp)
        jobs.sort(key=lambda j: -cost_model.predicted_seconds(j[0], j[1], load_profile_file(
            j[0], a.profile)["experiments"][j[1]]))                 # longest first
        futures = {pool.submit(run_one, s, e, a.profile, where): (s, e, r) for s, e, r in jobs}
        for fut in cf.as_completed(futures):
            s, e, req = futures[fut]
            row = {**fut.result(), "requested_runtime_min": req["runtime"],
                   "requested_mem_mb": req["mem_mb"], "requested_cpus": req["cpus"]}
            rows.append(row)
            shown = (f"{row['cpu_s']:.1f} CPU s, {row['peak_mb']:.0f} MB" if "cpu_s" in row
                     else f"ERROR {row['error'][-200:]}")
            print(f"{s}/{e}: {shown}; requested {req['runtime']} min, {req['mem_mb']} MB",
                  flush=True)
    rows.sort(key=lambda r: (r["sim"], r["experiment"]))
    total = sum(r.get("cpu_s", 0.0) for r in rows) / 60
    report = {"profile": a.profile, "date": time.strftime("%Y-%m-%d"),
              "machine": f"{platform.machine()} {os.cpu_count()} cores", "jobs_at_once": a.jobs,
              "total_cpu_min": round(total, 1), "rows": rows}
    print(f"total: {total:.1f} CPU-minutes over {len(rows)} experiments")
    if a.out:
        a.out.write_text(json.dumps(report, indent=1) + "\n")
    if a.markdown:
        lines = [f"Profile `{a.profile}`, {report['date']}, {report['machine']}, {a.jobs} jobs at "
                 f"once, one thread each: **{total:.1f} CPU-minutes** in all.", "",
                 "| simulator | experiment | CPU s | wall s | peak MB | requested min | requested MB |",
                 "|---|---|---|---|---|---|---|"]
        for r in rows:
            lines.append(f"| {r['sim']} | {r['experiment']} | {r.get('cpu_s', float('nan')):.1f} | "
                         f"{r['wall_s']:.1f} | {r.get('peak_mb', float('nan')):.0f} | "
                         f"{r['requested_runtime_min']} | {r['requested_mem_mb']} |")
        a.markdown.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
