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
on every set, and a table per simulator (claims, PASS on every set). Exit status 1 on any
difference or non-PASS, 2 when a workflow run fails.
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
    """The ledger (claims.json) of ``snakemake figures`` on ``profile_dir``, run in ``work``."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "figures",
           "--cores", str(cores), "-d", str(work), "--rerun-incomplete",
           "--config", f"profile_dir={profile_dir.resolve()}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(2)
    return work / "results" / profile_dir.name / "claims.json"


def verdicts(ledger: Path) -> dict[tuple[str, str, str], str]:
    """(simulator, experiment, claim) -> outcome of every simulation claim; a PASS whose control
    was not rejected counts as 'PASS, control not rejected' (not a pass of the job)."""
    out = {}
    for row in json.loads(ledger.read_text())["claims"]:
        if not row.get("experiment"):
            continue                                     # symbolic identities: no seed
        outcome = row.get("outcome") or ("PASS" if row["passed"] else "FAIL")
        if outcome == "PASS" and row.get("control_passed") is True:
            outcome = "PASS, control not rejected"
        out[(row["simulator"], row["experiment"], row["name"])] = outcome
    return out


def report(sets: dict[str, dict[tuple[str, str, str], str]]) -> tuple[str, bool]:
    """The markdown report of the compared sets and whether the job passes."""
    labels = list(sets)
    keys = sorted(set().union(*sets.values()))
    per_sim: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    differing = []
    for key in keys:
        got = [sets[lab].get(key, "missing") for lab in labels]
        per_sim[key[0]][0] += 1
        if all(g == "PASS" for g in got):
            per_sim[key[0]][1] += 1
        else:
            differing.append((key, got))
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
        sets["seeds + 0"] = verdicts(a.reference)
    for offset in ([] if a.reference else [0]) + list(a.offsets):
        folder = shifted_profile(a.profile, offset, out / f"seeds_{offset}")
        ledger = out / "results" / folder.name / "claims.json"
        if not ledger.is_file():
            print(f"running the {a.profile} profile with seeds + {offset} ...", flush=True)
            ledger = run_workflow(folder, out, a.cores)
        sets[f"seeds + {offset}"] = verdicts(ledger)
    text, passed = report(sets)
    print(text)
    if a.markdown:
        a.markdown.write_text(text)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
