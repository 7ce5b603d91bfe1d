"""Whole-run benchmarks: what a user waits for, ``simulate(config)`` end to end with every
diagnostic it records, per CPU backend, beside ``auto``'s choice and (where one exists) a PyTorch
peer of the whole run.

Each simulator's benchmark module lists its rows in ``WHOLE_RUNS = {"quick": [...], "paper": [...]}``:
``(experiment, overrides)`` pairs, an experiment of that profile with optional changes (paper rows
keep the paper's sizes and cut only step or seed counts, so that a row takes about a minute), or
``(experiment, overrides, "module:function")`` with the row's whole-run PyTorch peer (a function
of the row returning its seconds).
``HEADLINES`` (here) are named rows with an outside reference time. Every (row, backend) runs in a
fresh child process on every core the CLI would give it by default (``sims.threads.plan``: sweep
points on worker processes, BLAS threads by the dimension rule), numba's on-disk cache warm; the
time is the ``simulate`` call alone (imports excluded). ``auto`` is the backend
``get_backend("auto", config)`` picks (asked in a child of its own, which runs nothing), so its time
is that backend's.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CPU_BACKENDS = ("numpy", "numba")


@dataclass
class WholeRun:
    sim: str
    size: str                              # "quick" | "paper" (the profile the experiment is from)
    experiment: str
    overrides: dict = field(default_factory=dict)
    label: str = ""
    reference: str = ""                     # an outside time to compare with, in words
    torch: str | None = None                # "module:function" of a whole-run PyTorch peer

    def config(self):
        """The row's config: its profile's experiment with the row's overrides."""
        from sims.config import from_mapping, load_profile_file
        from sims.registry import get_simulator
        return from_mapping(get_simulator(self.sim).config, {
            **load_profile_file(self.sim, self.size)["experiments"][self.experiment],
            **self.overrides})


# The Li2 headline (issue: Tian 2025's setting; the authors' published run log shows ~28 s on a GPU).
HEADLINES = [
    WholeRun("grokking", "quick", "grok", {"M": 23, "K": 512, "train_fraction": 0.4, "steps": 10000},
             label="Li2 headline: M=23, K=512, p=0.4, 10,000 full-batch Adam steps",
             reference="the authors' GPU run log: ~28 s",
             torch="benchmarks.grokking:whole_run_torch"),
]

CHILD = r"""
import importlib, json, sys, time
from sims.config import from_mapping, load_profile_file
from sims.registry import get_simulator
from sims.backend import get_backend
from sims import threads
sim_name, size, exp, overrides, backend = sys.argv[1:6]
sim = get_simulator(sim_name)
values = {**load_profile_file(sim_name, size)["experiments"][exp], **json.loads(overrides)}
values["backend"] = backend          # "auto": what auto picks, even where a profile names one
config = from_mapping(sim.config, values)
picked = get_backend(config.backend, sim.auto, config).name
workers = threads.plan(sim, config, None).workers
if backend == "auto":
    print("WHOLE", json.dumps({"picked": picked, "threads": workers}))
    raise SystemExit
simulate = importlib.import_module(sim.module).simulate      # as a user calls it, directly
t = time.perf_counter()
simulate(config)
print("WHOLE", json.dumps({"seconds": time.perf_counter() - t, "picked": picked,
                           "threads": workers}))
"""

PATHS = ("direct", "sims.run", "CLI")
PATH_CHILD = r"""
import importlib, json, resource, sys, tempfile, time
import sims
from sims.__main__ import main
from sims.config import from_mapping, load_profile_file
from sims.registry import get_simulator
sim_name, size, exp, overrides, path = sys.argv[1:6]
overrides = json.loads(overrides)
sim = get_simulator(sim_name)
config = from_mapping(sim.config, {**load_profile_file(sim_name, size)["experiments"][exp],
                                   **overrides})
simulate = importlib.import_module(sim.module).simulate
with tempfile.TemporaryDirectory() as tmp:
    argv = ["run", sim_name, "--profile", size, "--experiment", exp, "--results-dir", tmp]
    for k, v in overrides.items():
        argv += ["--set", f"{k}={json.dumps(v)}"]
    def cpu():
        return sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF,
                   resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
    c, t = cpu(), time.perf_counter()
    if path == "direct":
        simulate(config)
    elif path == "sims.run":
        sims.run(sim_name, exp, profile=size, **overrides)
    else:
        assert main(argv) == 0
    print("PATH", json.dumps({"seconds": time.perf_counter() - t, "cpu": cpu() - c}))
"""


def rows(sizes=("quick", "paper"), only=None) -> list[WholeRun]:
    """Every simulator's declared rows of the given sizes, then the headlines."""
    from benchmarks.suite import benchmark_modules
    out = []
    for name, path in benchmark_modules().items():
        if only and name not in only:
            continue
        mod = importlib.import_module(path)
        for size in sizes:
            for exp, over, *peer in getattr(mod, "WHOLE_RUNS", {}).get(size, []):
                out.append(WholeRun(name, size, exp, dict(over), torch=peer[0] if peer else None))
    out += [h for h in HEADLINES if (not only or h.sim in only) and h.size in sizes]
    return out


def _child(row: WholeRun, backend: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    proc = subprocess.run([sys.executable, "-c", CHILD, row.sim, row.size, row.experiment,
                           json.dumps(row.overrides), backend], cwd=REPO, env=env,
                          capture_output=True, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WHOLE ")), None)
    if proc.returncode or line is None:
        return {"error": (proc.stderr or proc.stdout)[-400:]}
    return json.loads(line[6:])


def _path_child(row: WholeRun, path: str) -> dict | None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    proc = subprocess.run([sys.executable, "-c", PATH_CHILD, row.sim, row.size, row.experiment,
                           json.dumps(row.overrides), path], cwd=REPO, env=env,
                          capture_output=True, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("PATH ")), None)
    if proc.returncode or line is None:
        print(f"    {path}: failed: {(proc.stderr or proc.stdout)[-400:]}", file=sys.stderr)
        return None
    return json.loads(line[5:])


def measure_paths(row: WholeRun, repeats: int = 3) -> dict[str, Any]:
    """The fastest wall seconds and the CPU seconds (the process and its sweep workers, user +
    system; what oversubscribed thread pools inflate, and what a neighbour's load does not) of
    the direct call, sims.run and the CLI, interleaved (see the module docstring; one warm-up
    run first, for numba's on-disk cache), and their ratios to the direct call."""
    _path_child(row, "direct")
    runs: dict[str, list[dict]] = {p: [] for p in PATHS}
    for r in range(repeats):
        for path in PATHS[r % 3:] + PATHS[:r % 3]:
            t = _path_child(row, path)
            if t is not None:
                runs[path].append(t)
    best = {p: (min(x["seconds"] for x in v) if v else None) for p, v in runs.items()}
    cpu = {p: (min(x["cpu"] for x in v) if v else None) for p, v in runs.items()}
    ratio = lambda m: {p: (m[p] / m["direct"] if m[p] and m["direct"] else None)  # noqa: E731
                       for p in PATHS}
    return {"sim": row.sim, "size": row.size, "experiment": row.experiment,
            "overrides": row.overrides, "label": row.label or f"{row.experiment} ({row.size})",
            "seconds": best, "cpu": cpu, "all": runs, "over_direct": ratio(best),
            "cpu_over_direct": ratio(cpu)}


def paths_table(records: list[dict]) -> str:
    cell = lambda x: "-" if x is None else f"{x:.2f}"  # noqa: E731
    lines = ["| simulator | run | wall s: direct / sims.run / CLI | sims.run / direct | "
             "CLI / direct | CPU s: direct / sims.run / CLI | sims.run / direct | CLI / direct |",
             "|" + "---|" * 8]
    for r in records:
        s, o, c, co = r["seconds"], r["over_direct"], r["cpu"], r["cpu_over_direct"]
        lines.append(f"| {r['sim']} | {r['label']} | {' / '.join(cell(s[p]) for p in PATHS)} | "
                     f"{cell(o['sims.run'])}x | {cell(o['CLI'])}x | "
                     f"{' / '.join(cell(c[p]) for p in PATHS)} | {cell(co['sims.run'])}x | "
                     f"{cell(co['CLI'])}x |")
    return "\n".join(lines) + "\n"


def _torch(row: WholeRun) -> float | None:
    if row.torch is None:
        return None
    from benchmarks.suite import torch_available
    if not torch_available():
        return None
    module, fn = row.torch.split(":")
    return float(getattr(importlib.import_module(module), fn)(row))


def measure(row: WholeRun) -> dict[str, Any]:
    """Seconds per backend, auto's pick, the best CPU backend, auto / best, and the torch peer."""
    res = {b: _child(row, b) for b in CPU_BACKENDS}
    auto = _child(row, "auto")
    secs = {b: r["seconds"] for b, r in res.items() if "seconds" in r}
    best = min(secs, key=secs.get) if secs else None
    picked = auto.get("picked")
    rec = {"sim": row.sim, "size": row.size, "experiment": row.experiment,
           "overrides": row.overrides, "label": row.label or f"{row.experiment} ({row.size})",
           "reference": row.reference, "seconds": secs,
           "errors": {b: r["error"] for b, r in res.items() if "error" in r},
           "threads": next((r["threads"] for r in res.values() if "threads" in r), None),
           "auto": picked, "auto_seconds": secs.get(picked), "best": best}
    rec["auto_over_best"] = (secs[picked] / secs[best]) if picked in secs and best else None
    t = _torch(row)
    rec["torch_seconds"] = t
    rec["best_over_torch"] = (t / secs[best]) if t and best else None   # >1: the suite is faster
    return rec


def repick(rec: dict) -> dict:
    """``rec`` (one row of a measured run) with auto's pick asked again of the current rules and
    its columns recomputed from the row's own measured times."""
    row = WholeRun(rec["sim"], rec["size"], rec["experiment"], rec["overrides"])
    picked = _child(row, "auto").get("picked")
    secs, best = rec["seconds"], rec["best"]
    return {**rec, "auto": picked, "auto_seconds": secs.get(picked),
            "auto_over_best": (secs[picked] / secs[best]) if picked in secs and best else None}


def table(records: list[dict]) -> str:
    head = ("| simulator | run | threads | numpy s | numba s | auto (picks) | auto / best | "
            "PyTorch peer s | peer / best | reference |")
    lines = [head, "|" + "---|" * 10]
    for r in records:
        s = r["seconds"]
        cell = lambda x: "-" if x is None else f"{x:.2f}"  # noqa: E731
        lines.append(f"| {r['sim']} | {r['label']} | {r['threads']} | {cell(s.get('numpy'))} | "
                     f"{cell(s.get('numba'))} | {cell(r['auto_seconds'])} ({r['auto']}) | "
                     f"{cell(r['auto_over_best'])}x | {cell(r['torch_seconds'])} | "
                     f"{cell(r['best_over_torch'])}x | {r['reference'] or '-'} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m benchmarks.whole_runs", description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=("quick", "paper", "both"), default="both")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--repick", type=Path, help="a --json of an earlier run: ask auto again (in a "
                    "child per row, which runs nothing) and redo its columns from that run's times")
    ap.add_argument("--paths", action="store_true", help="time the direct call, sims.run and the "
                    "CLI on the first row of each simulator and the headlines, interleaved")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    if a.paths:
        sizes = ("quick", "paper") if a.size == "both" else (a.size,)
        chosen, seen = [], set()
        for row in rows(sizes, a.only):
            if row.sim not in seen or row in HEADLINES:
                seen.add(row.sim)
                chosen.append(row)
        records = []
        for row in chosen:
            print(f"  paths {row.sim} [{row.size}] {row.label or row.experiment} ...", flush=True)
            records.append(measure_paths(row, a.repeats))
        text = paths_table(records)
        print(text)
        if a.json:
            a.json.write_text(json.dumps(records, indent=1) + "\n")
        if a.markdown:
            a.markdown.write_text(text)
        return
    if a.repick:
        records = [repick(r) for r in json.loads(a.repick.read_text())]
    else:
        sizes = ("quick", "paper") if a.size == "both" else (a.size,)
        records = []
        for row in rows(sizes, a.only):
            print(f"  whole run {row.sim} [{row.size}] {row.label or row.experiment} ...", flush=True)
            records.append(measure(row))
    text = table(records)
    print(text)
    if a.json:
        a.json.write_text(json.dumps(records, indent=1) + "\n")
    if a.markdown:
        a.markdown.write_text(text)

if __name__ == "__main__":
    main()
