"""Measure every experiment of a profile: wall and CPU seconds, peak resident memory, and what the
cost model predicted for its SLURM job.

    .venv/bin/python scripts/measure_profile.py --profile paper [--jobs 2] [--only SIM ...]
        [--out benchmarks/paper_profile.json] [--merge] [--markdown FILE] [--calibrate]
    .venv/bin/python scripts/measure_profile.py --from benchmarks/paper_profile.json --calibrate

``--merge`` keeps the rows of the simulators not measured this time from the existing ``--out``;
``--calibrate`` writes the measured jobs (CPU seconds, peak memory, and the work and bytes of the
configs measured) into ``profiles/slurm/calibration.yaml`` as ``paper_runs``, which the cost model
interpolates between (workflow/cost_model.py).

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


def calibrate(report: dict) -> None:
    """The measured rows -> ``paper_runs`` of the calibration file (see the module docstring)."""
    import yaml
    path = cost_model.CALIBRATION
    cal = yaml.safe_load(path.read_text())
    for r in report["rows"]:
        if "cpu_s" not in r or r["sim"] not in cal["simulators"]:
            continue
        work, nbytes = r.get("work"), r.get("bytes")
        if work is None:
            values = load_profile_file(r["sim"], report["profile"])["experiments"][r["experiment"]]
            work, nbytes, _ = cost_model.estimate(r["sim"], values)
        cal["simulators"][r["sim"]].setdefault("paper_runs", {})[r["experiment"]] = {
            "seconds": round(r["cpu_s"], 3), "rss_mb": round(r["peak_mb"], 1),
            "work": float(work), "bytes": float(nbytes)}
    cal["paper_runs_measured"] = f"{report['date']}, {report['machine']}, " \
                                 f"{report['jobs_at_once']} jobs at once (scripts/measure_profile.py)"
    path.write_text(cost_model.CALIBRATION_HEADER + yaml.safe_dump(cal, sort_keys=True))
    cost_model.calibration.cache_clear()


def markdown(report: dict) -> str:
    """The predicted-vs-measured table: CPU seconds measured, predicted from the quick calibration
    alone, and the job's request (after calibration) against its measured time and peak memory."""
    lines = [f"Profile `{report['profile']}`, {report['date']}, {report['machine']}, "
             f"{report['jobs_at_once']} jobs at once, one thread each: "
             f"**{report['total_cpu_min']:.1f} CPU-minutes** in all.", "",
             "| simulator | experiment | CPU s | predicted from quick s | request min | peak MB "
             "| request MB |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in report["rows"]:
        data = load_profile_file(r["sim"], report["profile"])
        values = data["experiments"][r["experiment"]]
        req = cost_model.job_resources(r["sim"], r["experiment"], data)
        try:
            pred = f"{cost_model.predicted_seconds(r['sim'], r['experiment'], values, False):.0f}"
        except Exception:  # noqa: BLE001 - a simulator without calibration
            pred = "-"
        lines.append(f"| {r['sim']} | {r['experiment']} | {r.get('cpu_s', float('nan')):.1f} | "
                     f"{pred} | {req['runtime']} | {r.get('peak_mb', float('nan')):.0f} | "
                     f"{req['mem_mb']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="paper")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--experiments", nargs="*", help="measure only these experiments (of the "
                    "--only simulators); with --merge every other row of --out is kept")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--results-dir", type=Path, help="keep the result files here (default: a "
                    "temporary folder); layout <dir>/<profile>/<sim>/<experiment>.npz")
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--merge", action="store_true", help="keep --out's rows of other simulators")
    ap.add_argument("--calibrate", action="store_true", help="write the rows into the calibration")
    ap.add_argument("--from", dest="from_json", type=Path, help="use this report, measure nothing")
    a = ap.parse_args(argv)
    if a.from_json:
        report = json.loads(a.from_json.read_text())
        if a.calibrate:
            calibrate(report)
        if a.markdown:
            a.markdown.write_text(markdown(report))
        return
    jobs = []
    for sim in names():
        if a.only and sim not in a.only:
            continue
        try:
            data = load_profile_file(sim, a.profile)
        except Exception:  # noqa: BLE001 - no such profile for this simulator
            continue
        for exp in data["experiments"]:
            if a.experiments and exp not in a.experiments:
                continue
            jobs.append((sim, exp, cost_model.job_resources(sim, exp, data)))
    rows = []
    with tempfile.TemporaryDirectory() as tmp, cf.ThreadPoolExecutor(a.jobs) as pool:
        where = a.results_dir / a.profile if a.results_dir else Path(tmp)
        jobs.sort(key=lambda j: -cost_model.predicted_seconds(j[0], j[1], load_profile_file(
            j[0], a.profile)["experiments"][j[1]]))                 # longest first
        futures = {pool.submit(run_one, s, e, a.profile, where): (s, e, r) for s, e, r in jobs}
        for fut in cf.as_completed(futures):
            s, e, req = futures[fut]
            work, nbytes, _ = cost_model.estimate(s, load_profile_file(s, a.profile)["experiments"][e])
            row = {**fut.result(), "work": work, "bytes": nbytes, "requested_runtime_min": req["runtime"],
                   "requested_mem_mb": req["mem_mb"], "requested_cpus": req["cpus"]}
            rows.append(row)
            shown = (f"{row['cpu_s']:.1f} CPU s, {row['peak_mb']:.0f} MB" if "cpu_s" in row
                     else f"ERROR {row['error'][-200:]}")
            print(f"{s}/{e}: {shown}; requested {req['runtime']} min, {req['mem_mb']} MB",
                  flush=True)
    if a.merge and a.out and a.out.is_file():
        for r in rows if a.experiments else ():   # a partial remeasure: each new row says when
            r.update(date=time.strftime("%Y-%m-%d"), jobs_at_once=a.jobs)
        done = {(r["sim"], r["experiment"]) for r in rows} if a.experiments else \
            {r["sim"] for r in rows}
        rows += [r for r in json.loads(a.out.read_text())["rows"]
                 if ((r["sim"], r["experiment"]) if a.experiments else r["sim"]) not in done]
    rows.sort(key=lambda r: (r["sim"], r["experiment"]))
    total = sum(r.get("cpu_s", 0.0) for r in rows) / 60
    report = {"profile": a.profile, "date": time.strftime("%Y-%m-%d"),
              "machine": f"{platform.machine()} {os.cpu_count()} cores", "jobs_at_once": a.jobs,
              "total_cpu_min": round(total, 1), "rows": rows}
    if a.experiments and a.merge and a.out and a.out.is_file():    # the file's header stays its own
        kept = json.loads(a.out.read_text())
        report.update({k: kept[k] for k in ("date", "machine", "jobs_at_once") if k in kept})
    print(f"total: {total:.1f} CPU-minutes over {len(rows)} experiments")
    if a.out:
        a.out.write_text(json.dumps(report, indent=1) + "\n")
    if a.calibrate:
        calibrate(report)
    if a.markdown:
        a.markdown.write_text(markdown(report))


if __name__ == "__main__":
    main()
