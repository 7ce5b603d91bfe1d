"""Mutation survey with cosmic-ray: its operators over a simulator's physics code, each mutant judged
by that simulator's quick claims (issue 24 item 1).

    python scripts/mutation_survey.py SIM [SIM ...] --out DIR [--sample N] [--seed S] [--full]

Modules mutated per simulator: ``sims/<sim>/*.py`` except the claims, config, outputs and package
files (the verdicts and their plumbing are not physics), ``sims/kernels/<sim>*.py`` and
``theory/<sim>.py`` (or ``theory/<sim>/*.py``). cosmic-ray (``pip install -e ".[mutation]"``)
enumerates the mutations with its core operators (binary / unary / comparison operator swaps,
number replacement, boolean swaps, break / continue, zero-iteration loops, removed decorators, ...;
swaps to a bitwise or shift operator are counted but not run: on floats they raise)
and applies each on disk; ``scripts/mutation_check.py`` then runs every quick experiment of the
simulator in a fresh process (one thread) and evaluates its simulation claims. Outcomes:

- not executed (set aside, counted): the mutated lines never run in the unmutated quick
  experiments (coverage of the baseline run; kernel modules are compiled by numba, not traced, so
  never set aside this way);
- ``equivalent``: every result array bit-identical to the unmutated run's (SHA-256 digests) and
  every claim's outcome and numbers unchanged (a mutant of a prediction changes only these);
- ``killed``: some simulation claim is not PASS;
- ``raised``: a run or a claim raised (a guard of the simulator, or a crash: the exception type
  is recorded), or it timed out;
- ``survived``: the arrays changed and every claim still PASSes.

The kill rate is killed / (killed + survived): of the mutants that ran to the end with changed
results, the share some claim rejects; the report also gives the raised ones.

Mutants are drawn in a fixed random order (``--seed``) among those executed, until ``--sample``
live ones (not equivalent) have run, or all with ``--full``. Writes
``DIR/<sim>.json`` (every mutant run: file, line, operator, the diff, outcome, the failing claims)
and ``DIR/report.md``. Cost: one quick run of the simulator per mutant (6 s .. 2 min of CPU).
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECK = REPO / "scripts" / "mutation_check.py"
NOT_PHYSICS = ("__init__.py", "config.py", "outputs.py")
# binary-operator swaps *to* a bitwise or shift operator: on float arrays they raise (TypeError, a
# numba typing error) instead of computing a wrong number; counted, not run
CRASH_TARGETS = ("_BitOr", "_BitAnd", "_BitXor", "_LShift", "_RShift")
OUTCOMES = ("equivalent", "killed", "raised", "survived")


def modules(sim: str) -> list[Path]:
    """The simulator's physics modules (see the module docstring), relative to the repository."""
    own = [p for p in sorted((REPO / "sims" / sim).glob("*.py"))
           if p.name not in NOT_PHYSICS and "claim" not in p.name]
    kernels = sorted((REPO / "sims" / "kernels").glob(f"{sim}*.py"))
    if sim == "scaling_laws":
        kernels += [REPO / "sims" / "kernels" / "plrf_equivalent.py"]
    theory = REPO / "theory" / sim
    theo = sorted(p for p in theory.glob("*.py") if p.name != "__init__.py") if theory.is_dir() \
        else [theory.with_suffix(".py")]
    return [p.relative_to(REPO) for p in own + kernels + theo if p.exists()]


def enumerate_mutations(paths: list[Path]) -> list:
    """cosmic-ray's work items (one mutation each) for ``paths``, all core operators."""
    from cosmic_ray.commands import init
    from cosmic_ray.work_db import WorkDB, use_db
    with tempfile.TemporaryDirectory() as tmp, use_db(Path(tmp) / "session.sqlite",
                                                      WorkDB.Mode.create) as db:
        init([REPO / p for p in paths], db, {})
        return [item.mutations[0] for item in db.pending_work_items]


def _env(numba_cache: Path) -> dict:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "NUMBA_CACHE_DIR": str(numba_cache),
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "NUMBA_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def run_check(sim: str, out: Path, env: dict, timeout: float, cover: Path | None = None) -> dict:
    cmd = [sys.executable, str(CHECK), sim, str(out)]
    if cover is not None:
        cmd = [sys.executable, "-m", "coverage", "run", f"--data-file={cover}",
               f"--include={REPO}/sims/*,{REPO}/theory/*", str(CHECK), sim, str(out)]
    try:
        subprocess.run(cmd, cwd=REPO, env=env, timeout=timeout, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s", "digests": {}, "not_pass": []}
    except subprocess.CalledProcessError as exc:
        return {"error": f"checker failed: {exc.stderr.decode()[-1500:]}", "digests": {},
                "not_pass": []}
    return json.loads(out.read_text())


def executed_lines(cover: Path) -> dict[str, set[int]]:
    import coverage
    data = coverage.CoverageData(basename=str(cover))
    data.read()
    return {str(Path(f).relative_to(REPO)): set(data.lines(f) or ()) for f in data.measured_files()}


def classify(record: dict, baseline: dict) -> str:
    if record.get("error"):
        return "raised"
    if record["digests"] == baseline["digests"] and \
            record.get("claims_digest") == baseline.get("claims_digest"):
        return "equivalent"                 # neither the arrays nor any claim's numbers moved
    return "killed" if record["not_pass"] else "survived"


def require_clean(paths: list[Path]) -> None:
    """Mutations are applied on disk and undone after each run; a survey killed mid-run leaves one
    mutated file behind, so start only from committed modules (``git checkout -- FILE`` restores)."""
    dirty = subprocess.run(["git", "status", "--porcelain", "--", *map(str, paths)], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.strip()
    if dirty:
        raise SystemExit(f"uncommitted changes in the modules to mutate (commit or stash them; "
                         f"run the survey in a separate worktree):\n{dirty}")


def survey(sim: str, out_dir: Path, sample: int | None, seed: int,
           minutes: float | None = None) -> dict:
    paths = modules(sim)
    require_clean(paths)
    specs = enumerate_mutations(paths)
    tmp = Path(tempfile.mkdtemp(prefix=f"mut-{sim}-"))
    shared_cache = tmp / "numba-baseline"
    start = time.perf_counter()
    baseline = run_check(sim, tmp / "baseline.json", _env(shared_cache), 3600, cover=tmp / "cov")
    base_s = time.perf_counter() - start
    if baseline.get("error") or baseline["not_pass"]:
        raise SystemExit(f"{sim}: the unmutated quick run does not pass: "
                         f"{baseline.get('error') or baseline['not_pass']}")
    ran = executed_lines(tmp / "cov")
    timeout = max(120.0, 5 * base_s)
    order = list(range(len(specs)))
    random.Random(seed).shuffle(order)
    rows, live, executed, crash_ops = [], 0, 0, 0
    counts = dict.fromkeys(OUTCOMES, 0)
    deadline = None if minutes is None else time.monotonic() + 60 * minutes
    report = {"simulator": sim, "seed": seed, "sample": sample, "minutes": minutes,
              "modules": [str(p) for p in paths], "generated": len(specs),
              "baseline_s": round(base_s, 1), "claims": baseline.get("claims"), "counts": counts,
              "runs": rows}
    for i in order:
        spec = specs[i]
        rel = str(Path(spec.module_path).relative_to(REPO))
        lines = set(range(spec.start_pos[0], spec.end_pos[0] + 1))
        is_kernel = rel.startswith("sims/kernels/")
        if not is_kernel and not lines & ran.get(rel, set()):
            continue
        executed += 1
        if spec.operator_name.endswith(CRASH_TARGETS):
            crash_ops += 1
            continue
        if (sample is not None and live >= sample) or \
                (deadline is not None and time.monotonic() > deadline):
            report["stopped"] = "sample reached" if live >= (sample or 0) else "time budget"
            continue
        row = _run_mutant(sim, spec, rel, tmp, shared_cache, baseline, timeout, is_kernel)
        if row is None:                      # cosmic-ray made no change at this occurrence
            counts["equivalent"] += 1
            continue
        counts[row["outcome"]] += 1
        live += row["outcome"] != "equivalent"
        rows.append(row)
        (out_dir / f"{sim}.json").write_text(json.dumps(report, indent=1))   # kept if cut off
        print(f"{sim} {len(rows)}: {row['where']} {row['operator']}: {row['outcome']}", flush=True)
    report.update(executed=executed, bitwise_targets_not_run=crash_ops)
    (out_dir / f"{sim}.json").write_text(json.dumps(report, indent=1))
    return report


def _run_mutant(sim, spec, rel, tmp, shared_cache, baseline, timeout, is_kernel):
    from cosmic_ray.mutating import use_mutation
    from cosmic_ray.plugins import get_operator
    operator = get_operator(spec.operator_name)(**spec.operator_args)
    cache = Path(tempfile.mkdtemp(dir=tmp)) if is_kernel else shared_cache
    with use_mutation(Path(spec.module_path), operator, spec.occurrence) as (before, after):
        if after is None:
            return None
        diff = [d for d in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                lineterm="", n=0) if d[:1] in "+-"][2:]
        record = run_check(sim, tmp / "mutant.json", _env(cache), timeout)
    outcome = classify(record, baseline)
    return {"where": f"{rel}:{spec.start_pos[0]}", "operator": spec.operator_name,
            "occurrence": spec.occurrence, "diff": diff, "outcome": outcome,
            "failing": record.get("not_pass", []), "error": record.get("error")}


def markdown(reports: list[dict]) -> str:
    head = ("| simulator | generated | executed | run (sample) | equivalent | killed by a claim | "
            "raised | survived | kill rate |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    body, notes = "", ""
    for r in reports:
        c = r["counts"]
        done = c["killed"] + c["survived"]
        rate = f"{c['killed'] / done:.0%} of {done}" if done else "-"
        body += (f"| {r['simulator']} | {r['generated']} | {r['executed']} "
                 f"({r.get('bitwise_targets_not_run', '-')} to bitwise ops) | {len(r['runs'])} | "
                 f"{c['equivalent']} | {c['killed']} | {c['raised']} | {c['survived']} | {rate} |\n")
        for row in r["runs"]:
            if row["outcome"] in ("survived", "raised"):
                notes += (f"- {r['simulator']} `{row['where']}` {row['operator']} "
                          f"({row['outcome']}{': ' + row['error'][:120] if row['error'] else ''}): "
                          f"`{' / '.join(d.strip() for d in row['diff'])[:200]}`\n")
    return head + body + ("\nSurvivors and raised:\n\n" + notes if notes else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sims", nargs="+")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--sample", type=int, default=25, help="live mutants per simulator")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--full", action="store_true", help="every executed mutant")
    ap.add_argument("--minutes", type=float, nargs="*",
                    help="time budget per simulator (one value, or one per simulator): no new "
                         "mutant starts after it")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    budget = a.minutes or [None]
    budget = budget * len(a.sims) if len(budget) == 1 else budget
    if len(budget) != len(a.sims):
        ap.error("--minutes: one value, or one per simulator")
    reports = [survey(s, a.out, None if a.full else a.sample, a.seed, m)
               for s, m in zip(a.sims, budget)]
    (a.out / "report.md").write_text(markdown(reports))
    print(markdown(reports))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
