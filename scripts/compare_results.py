"""Compare two result trees array by array: ``python scripts/compare_results.py OLD NEW [--only SIM]``.

For every ``<sim>/<experiment>.npz`` under OLD that NEW also has, each array present in both must be
bit-identical (same dtype, shape and bytes; NaNs compare equal); arrays only in one of them are
listed. Exit status 1 when any shared array differs. Used to show that a refactor leaves the
results of the same configs unchanged.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files if k != "__meta__"}


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--only", nargs="*", help="simulators to compare")
    a = ap.parse_args(argv)
    bad = 0
    for old in sorted(a.old.glob("*/*.npz")):
        sim = old.parent.name
        if a.only and sim not in a.only:
            continue
        new = a.new / sim / old.name
        if not new.is_file():
            print(f"{sim}/{old.stem}: missing in {a.new}")
            continue
        x, y = load(old), load(new)
        diff = sorted(k for k in set(x) & set(y) if not same(x[k], y[k]))
        only = sorted(set(x) ^ set(y))
        bad += bool(diff)
        status = "IDENTICAL" if not diff else f"DIFFERENT: {diff}"
        print(f"{sim}/{old.stem}: {status}" + (f"; only in one: {only}" if only else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
