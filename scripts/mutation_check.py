"""One simulator's quick experiments and their verdicts, for the mutation survey
(scripts/mutation_survey.py runs this in a fresh process with one mutation applied on disk).

    python scripts/mutation_check.py SIM OUT.json [--experiments E ...]

Writes OUT.json: per experiment the SHA-256 of its result arrays (names, dtypes, shapes, bytes:
two runs agree bit for bit iff their digests do), a digest of the simulation claims (outcome,
predicted, measured and control values: a mutant of the prediction side changes these and not
the arrays), the simulation claims that are not PASS, and,
if a run or a claim raised, the exception. One thread (deterministic reductions), the profile's
own backends. The exit status is 0 unless this script itself fails.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import traceback
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def digest(result) -> str:
    """SHA-256 over the result's arrays in name order (name, dtype, shape, bytes)."""
    h = hashlib.sha256()
    for name in sorted(result.arrays):
        a = np.ascontiguousarray(np.asarray(result.arrays[name]))
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes() if a.dtype != object else repr(a.tolist()).encode())
    return h.hexdigest()


def check(sim: str, experiments: list[str] | None) -> dict:
    import sims
    from sims.config import load_profile_file
    from sims.registry import get_simulator
    names = experiments or list(load_profile_file(sim, "quick")["experiments"])
    out = {"simulator": sim, "experiments": names, "digests": {}, "not_pass": [], "error": None}
    try:
        results = {}
        for e in names:
            results[e] = sims.run(sim, e, "quick", threads=1)
            out["digests"][e] = digest(results[e])
        rows = get_simulator(sim).check(results, symbolic=False)
        sim_rows = [r for r in rows if r.kind == "simulation"]
        out["claims"] = len(sim_rows)
        out["claims_digest"] = hashlib.sha256(repr(
            [(r.experiment, r.name, r.outcome, r.predicted, r.measured, r.control_measured)
             for r in sim_rows]).encode()).hexdigest()
        out["not_pass"] = [f"{r.experiment}: {r.name} ({r.outcome})" for r in rows
                           if r.kind == "simulation" and r.outcome != "PASS"]
    except Exception as exc:  # noqa: BLE001 - a raised guard is an outcome, recorded
        out["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        out["traceback"] = traceback.format_exc()[-4000:]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sim")
    ap.add_argument("out", type=Path)
    ap.add_argument("--experiments", nargs="*")
    a = ap.parse_args(argv)
    record = check(a.sim, a.experiments)
    tmp = a.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
