"""The seed-robustness job: the whole quick profile rerun on other seed sets, every verdict compared.

    .venv/bin/python scripts/seed_robustness.py [--offsets 1000 2000 3000] [--profile quick]
        [--cores 2] [--out seed-robustness] [--markdown FILE] [--reference LEDGER]

For each offset k, a copy of the profile is written (``<out>/seeds_<k>/<sim>.yaml``) with every
experiment's ``seed`` shifted by k (the config's default seed where the profile gives none), so the
runs a claim pairs (a run and its control, which share a seed on purpose) stay paired. Each copy
runs the whole workflow (``snakemake figures --config profile_dir=...``, working directory
``<out>``), and so does the profile as shipped (offset 0), unless its ledger is already there or
``--reference`` names the shipped profile's claims.json from an earlier run of this checkout.
Then every simulation claim is compared across the sets by (simulator, experiment, claim name).

A set passes when every simulation claim is PASS with its control rejected; the job passes when
every set does. The report lists each claim whose outcome differs between sets, with the outcome
on every set ("missing" where a run of that simulator failed, e.g. a diverging step, whose error
is printed), a table per simulator (claims, PASS on every set), and every claim's verdict and
measured value per set with the spread of that value over the sets. Exit status 1 on any
difference, non-PASS or failed run.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sims.config import load_profile_file, resolve_profile  # noqa: E402
from sims.registry import get_simulator, names  # noqa: E402


def shifted_profile(profile: str, offset: int, folder: Path) -> Path:
    """``folder`` holding the profile's files with every experiment's seed shifted by ``offset``."""
    _, config_dir = resolve_profile(profile, None)
    folder.mkdir(parents=True, exist_ok=True)
    for sim in names():
        data = load_profile_file(sim, profile, config_dir)
        default = getattr(get_simulator(sim).config, "seed", 0)
        for values in data["experiments"].values():
            values["seed"] = int(values.get("seed", default)) + offset
        (folder / f"{sim}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def run_workflow(profile_dir: Path, work: Path, cores: int) -> Path:
    """``snakemake figures --keep-going`` on ``profile_dir``, run in ``work``: the results folder
    (its claims/<sim>.json for every simulator whose runs all finished; a failed run, e.g. a
    diverging step, leaves its simulator without one, reported as such)."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "figures",
           "--cores", str(cores), "-d", str(work), "--rerun-incomplete", "--keep-going",
           "--config", f"profile_dir={profile_dir.resolve()}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    base = work / "results" / profile_dir.name
    if proc.returncode:
        failed, in_error = set(), False
        for line in (proc.stdout + proc.stderr).splitlines():
            in_error = in_error or line.startswith("Error in rule")
            if in_error and line.strip().startswith("log: "):
                failed.add(line.strip().split("log: ")[1].split(" ")[0])
                in_error = False
        failed = sorted(failed)
        print(f"  failed jobs in {base.name}: " + ", ".join(Path(f).stem for f in failed))
        for f in failed:
            log = work / f
            if log.is_file():
                print("    " + Path(f).stem + ": " + log.read_text().strip().splitlines()[-1][:150])
    return base


def rows_of(path: Path) -> list[dict]:
    """The claim rows of a ledger (claims.json), or of a results folder's claims/<sim>.json."""
    if path.is_dir():
        rows = []
        for f in sorted((path / "claims").glob("*.json")):
            rows += json.loads(f.read_text())
        return rows
    return json.loads(path.read_text())["claims"]


def verdicts(ledger: Path) -> dict[tuple[str, str, str], str]:
    """(simulator, experiment, claim) -> outcome of every simulation claim; a PASS whose control
    was not rejected counts as 'PASS, control not rejected' (not a pass of the job)."""
    return {key: outcome for key, (outcome, _) in claims_of(ledger).items()}


def claims_of(ledger: Path) -> dict[tuple[str, str, str], tuple[str, object]]:
    """(simulator, experiment, claim) -> (outcome as in :func:`verdicts`, measured value)."""
    out = {}
    for row in rows_of(ledger):
        if not row.get("experiment"):
            continue                                     # symbolic identities: no seed
        outcome = row.get("outcome") or ("PASS" if row["passed"] else "FAIL")
        if outcome == "PASS" and row.get("control_passed") is True:
            outcome = "PASS, control not rejected"
        out[(row["simulator"], row["experiment"], row["name"])] = (outcome, row.get("measured"))
    return out


def _numbers(value) -> list[float] | None:
    """The measured value as a flat list of numbers (a mapping's values in order), or None."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, list):
        flat = []
        for v in value:
            sub = _numbers(v)
            if sub is None:
                return None
            flat += sub
        return flat
    return None


def _short(value) -> str:
    nums = _numbers(value)
    if nums is None:
        return str(value)[:24]
    shown = ", ".join(f"{v:.4g}" for v in nums[:3])
    return shown + (f", ... ({len(nums)})" if len(nums) > 3 else "")


def spread(values: list) -> str:
    """max - min over the sets of a scalar measurement; for equal-length vectors the largest such
    range over their entries; '-' where the values are not numbers of one shape."""
    nums = [_numbers(v) for v in values]
    if any(n is None for n in nums) or len({len(n) for n in nums}) != 1 or not nums[0]:
        return "-"
    ranges = [max(col) - min(col) for col in zip(*nums)]
    return f"{max(ranges):.3g}"


def report(sets: dict[str, dict[tuple[str, str, str], tuple[str, object]]]) -> tuple[str, bool]:
    """The markdown report of the compared sets (per simulator; the claims not PASS on every set;
    every claim's verdict and measured value per set with their spread) and whether the job
    passes."""
    labels = list(sets)
    keys = sorted(set().union(*sets.values()))
    per_sim: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    differing, every = [], []
    for key in keys:
        got = [sets[lab].get(key, ("missing", None)) for lab in labels]
        outcomes = [g[0] for g in got]
        per_sim[key[0]][0] += 1
        if all(o == "PASS" for o in outcomes):
            per_sim[key[0]][1] += 1
        else:
            differing.append((key, outcomes))
        every.append((key, got))
    lines = ["| simulator | simulation claims | PASS with control rejected on every set |",
             "|---|---|---|"]
    lines += [f"| {sim} | {n} | {ok} |" for sim, (n, ok) in sorted(per_sim.items())]
    total, ok = sum(v[0] for v in per_sim.values()), sum(v[1] for v in per_sim.values())
    lines.append(f"| all | {total} | {ok} |")
    if differing:
        lines += ["", "Claims not PASS on every set:", "",
                  "| simulator | experiment | claim | " + " | ".join(labels) + " |",
                  "|---|---|---|" + "---|" * len(labels)]
        lines += [f"| {s} | {e} | {c} | " + " | ".join(got) + " |" for (s, e, c), got in differing]
    lines += ["", "Every claim: verdict and measured value per set, and the spread of the value "
              "(max - min over the sets; for a vector, the largest over its entries):", "",
              "| simulator | experiment | claim | " + " | ".join(labels) + " | spread |",
              "|---|---|---|" + "---|" * (len(labels) + 1)]
    for (s, e, c), got in every:
        cells = [f"{o}: {_short(m)}" for o, m in got]
        lines.append(f"| {s} | {e} | {c} | " + " | ".join(cells).replace("\n", " ")
                     + f" | {spread([m for _, m in got])} |")
    return "\n".join(lines) + "\n", not differing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--offsets", type=int, nargs="+", default=[1000, 2000, 3000])
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("seed-robustness"))
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--reference", type=Path, help="the shipped profile's claims.json, already built")
    a = ap.parse_args(argv)
    out = a.out.resolve()
    sets = {}
    if a.reference:
        sets["seeds + 0"] = claims_of(a.reference)
    for offset in ([] if a.reference else [0]) + list(a.offsets):
        folder = shifted_profile(a.profile, offset, out / f"seeds_{offset}")
        base = out / "results" / folder.name
        if not (base / "claims.json").is_file():
            print(f"running the {a.profile} profile with seeds + {offset} ...", flush=True)
            run_workflow(folder, out, a.cores)
        sets[f"seeds + {offset}"] = claims_of(base)
    text, passed = report(sets)
    print(text)
    if a.markdown:
        a.markdown.write_text(text)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
