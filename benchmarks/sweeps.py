"""Parallel sweeps: every quick experiment run on one core and on every core, end to end.

    .venv/bin/python -m benchmarks.sweeps [--only SIM ...] [--cores N] [--markdown FILE]

Each experiment runs twice in fresh child processes through ``sims.run(..., threads=n)``: once with
``n = 1`` (every sweep point in turn) and once with ``n = --cores`` (default: every core this process
may use), where ``sims.parallel`` runs the independent points (seeds, widths, depths, bisection
candidates) on that many forked worker processes. Timed is the ``sims.run`` call alone (imports and
numba's cache load excluded by a warm-up run of the same experiment). The two results' arrays are
compared bit for bit, so the table also checks that parallel equals serial.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
import numpy as np
import sims
sim, exp, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t = time.perf_counter()
res = sims.run(sim, exp, threads=n)
sec = time.perf_counter() - t
np.savez(out, **{k: v for k, v in res.arrays.items()})
print("SWEEP", json.dumps({"seconds": sec}))
"""


def _child(sim: str, exp: str, n: int, out: Path) -> float:
    proc = subprocess.run([sys.executable, "-c", CHILD, sim, exp, str(n), str(out)], cwd=REPO,
                          capture_output=True, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("SWEEP ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"{sim}/{exp} on {n} cores: {(proc.stderr or proc.stdout)[-400:]}")
    return json.loads(line[6:])["seconds"]


def _identical(a: Path, b: Path) -> bool:
    x, y = np.load(a), np.load(b)
    if set(x.files) != set(y.files):
        return False
    return all(x[k].shape == y[k].shape and np.array_equal(
        x[k], y[k], equal_nan=x[k].dtype.kind in "fc") for k in x.files)


def main(argv=None) -> None:
    from sims import threads
    from sims.config import load_profile_file
    from sims.registry import names
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sweeps",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--cores", type=int, default=threads.available_cores())
    ap.add_argument("--min-seconds", type=float, default=1.0,
                    help="report experiments whose serial run takes at least this long")
    ap.add_argument("--markdown", type=Path)
    a = ap.parse_args(argv)
    lines = [f"| simulator | experiment | 1 core s | {a.cores} cores s | speed-up | "
             "bit-identical |", "|---|---|---:|---:|---:|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for sim in names():
            if a.only and sim not in a.only:
                continue
            for exp in load_profile_file(sim, "quick")["experiments"]:
                p1, pn = Path(tmp) / f"{sim}-{exp}-1.npz", Path(tmp) / f"{sim}-{exp}-n.npz"
                _child(sim, exp, 1, p1)                    # warm-up: numba's cache, the OS's
                t1 = _child(sim, exp, 1, p1)
                if t1 < a.min_seconds:
                    continue
                tn = _child(sim, exp, a.cores, pn)
                row = (f"| {sim} | {exp} | {t1:.2f} | {tn:.2f} | {t1 / tn:.2f}x | "
                       f"{'yes' if _identical(p1, pn) else 'NO'} |")
                print(row, flush=True)
                lines.append(row)
    text = "\n".join(lines) + "\n"
    print(text)
    if a.markdown:
        a.markdown.write_text(text)


if __name__ == "__main__":
    main()
