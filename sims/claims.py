"""Claims: a theory prediction, the measured value, a tolerance and why that tolerance.

Each simulator has ``claims(results) -> list[Claim]`` that reads its result files (never reruns a
simulation) and compares them to the formulas of its ``theory`` module. :func:`write_ledger` gathers
every simulator's claims into ``claims.md`` and ``claims.json`` with pass/fail.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .results import atomic_write_text


@dataclass(frozen=True)
class Claim:
    name: str
    reference: str      # paper and equation/section the prediction comes from
    statement: str      # what is checked, in words
    predicted: Any      # the theory value(s) or bound
    measured: Any       # the simulation value(s)
    tolerance: str      # e.g. "rel 5%"
    why: str            # where the tolerance comes from
    passed: bool
    simulator: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(v) for k, v in asdict(self).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, (np.ndarray, list, tuple)):
        return [_plain(v) for v in np.asarray(value).tolist()] if np.ndim(value) else _plain(
            np.asarray(value).item())
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value


def close(name: str, reference: str, statement: str, predicted, measured, *, rtol: float = 0.0,
          atol: float = 0.0, why: str) -> Claim:
    """|measured - predicted| <= atol + rtol |predicted|, element-wise for arrays."""
    p, m = np.asarray(predicted, float), np.asarray(measured, float)
    ok = bool(np.all(np.isfinite(m)) and np.all(np.abs(m - p) <= atol + rtol * np.abs(p)))
    parts = ([f"rel {rtol:.3g}"] if rtol else []) + ([f"abs {atol:.3g}"] if atol else [])
    return Claim(name, reference, statement, p, m, " + ".join(parts), why, ok)


def at_most(name: str, reference: str, statement: str, bound, measured, *, why: str) -> Claim:
    m = np.asarray(measured, float)
    ok = bool(np.all(np.isfinite(m)) and np.all(m <= np.asarray(bound, float)))
    return Claim(name, reference, statement, f"<= {_plain(bound)}", m, "bound", why, ok)


def at_least(name: str, reference: str, statement: str, bound, measured, *, why: str) -> Claim:
    m = np.asarray(measured, float)
    ok = bool(np.all(np.isfinite(m)) and np.all(m >= np.asarray(bound, float)))
    return Claim(name, reference, statement, f">= {_plain(bound)}", m, "bound", why, ok)


def holds(name: str, reference: str, statement: str, passed: bool, measured, *,
          predicted: Any = True, why: str) -> Claim:
    """A yes/no claim (a symbolic identity, an argmax location, a monotone sequence)."""
    return Claim(name, reference, statement, predicted, measured, "exact", why, bool(passed))


def write_claims(path: Path, simulator: str, claims: Iterable[Claim]) -> list[dict]:
    rows = [{**c.to_dict(), "simulator": simulator} for c in claims]
    atomic_write_text(Path(path), json.dumps(rows, indent=2) + "\n")
    return rows


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        inner = ", ".join(_fmt(v) for v in value[:8])
        return f"[{inner}{', ...' if len(value) > 8 else ''}]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


def write_ledger(claim_files: Sequence[Path], md_path: Path, json_path: Path,
                 title: str = "Claims ledger") -> tuple[int, int]:
    """Merge per-simulator claim files into one table; return (passed, total)."""
    rows = [row for f in sorted(map(Path, claim_files)) for row in json.loads(f.read_text())]
    passed = sum(r["passed"] for r in rows)
    lines = [f"# {title}", "", f"**{passed} / {len(rows)} claims pass.**", "",
             "| | simulator | claim | reference | predicted | measured | tolerance | why |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        mark = "PASS" if r["passed"] else "**FAIL**"
        cells = [mark, r["simulator"], f"{r['name']}: {r['statement']}", r["reference"],
                 r["predicted"], r["measured"], r["tolerance"], r["why"]]
        lines.append("| " + " | ".join(_fmt(c) for c in cells) + " |")   # _fmt escapes '|' once
    atomic_write_text(Path(md_path), "\n".join(lines) + "\n")
    atomic_write_text(Path(json_path), json.dumps(
        {"passed": passed, "total": len(rows), "claims": rows}, indent=2) + "\n")
    return passed, len(rows)
