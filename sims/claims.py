"""Claims: a theory prediction, the measured value, a tolerance, why that tolerance, and a control.

A ledger row is one of two kinds:

``simulation``
    a quantity measured on a simulation result against a theory prediction. Each one names a
    *negative control*: a run or a transformation (an untrained model, the large-init contrast, the
    nearest rival theory's prediction) on which the same check, with the same tolerance, must FAIL.
    Its verdict is PASS only when the check passes on the result and fails on the control
    (:func:`controlled`). A row whose control was not run says so and is counted apart.
``symbolic``
    a sympy identity of a ``theory`` module (:func:`symbolic`): it checks the derivation, never a
    simulation, and is counted apart in the headline.

Facts that hold by construction (an orthonormal design has tr H = 1) are tests, not ledger rows.
A simulator's claims read result files (never rerun a simulation); :func:`write_ledger` gathers every
simulator's rows into ``claims.md`` and ``claims.json``.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .results import atomic_write_text

KINDS = ("simulation", "symbolic")


@dataclass(frozen=True)
class Claim:
    """One ledger row. ``passed`` is the verdict: for a controlled simulation claim, the check
    passed on the result (``check_passed``) and failed on the control (``control_passed`` False)."""

    name: str
    reference: str      # paper and theorem / equation / figure the prediction comes from
    statement: str      # what is checked, in words
    predicted: Any      # the theory value(s) or bound
    measured: Any       # the simulation value(s)
    tolerance: str      # e.g. "rel 0.05"
    why: str            # where the tolerance comes from
    passed: bool
    simulator: str = ""
    kind: str = "simulation"
    experiment: str = ""
    check_passed: bool | None = None     # the check on the result alone (None: same as passed)
    control: str | None = None           # what the negative control is
    control_measured: Any = None         # the same statistic on the control
    control_passed: bool | None = None   # the same check on the control; None: control not run

    def to_dict(self) -> dict[str, Any]:
        out = {k: _plain(v) for k, v in asdict(self).items()}
        if out["check_passed"] is None:
            out["check_passed"] = out["passed"]
        return out


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


def _finite(m: np.ndarray) -> bool:
    return bool(m.size > 0 and np.all(np.isfinite(m)))


def close(name: str, reference: str, statement: str, predicted, measured, *, rtol: float = 0.0,
          atol: float = 0.0, why: str) -> Claim:
    """|measured - predicted| <= atol + rtol |predicted|, element-wise for arrays (an empty or
    non-finite measurement fails)."""
    p, m = np.asarray(predicted, float), np.asarray(measured, float)
    try:
        ok = _finite(m) and bool(np.all(np.abs(m - p) <= atol + rtol * np.abs(p)))
    except ValueError:          # shapes that do not broadcast: a shortened or mangled result
        ok = False
    parts = ([f"rel {rtol:.3g}"] if rtol else []) + ([f"abs {atol:.3g}"] if atol else [])
    return Claim(name, reference, statement, p, m, " + ".join(parts) or "exact", why, ok)


def at_most(name: str, reference: str, statement: str, bound, measured, *, why: str) -> Claim:
    """Every measured value <= bound (an empty or non-finite measurement fails)."""
    m = np.asarray(measured, float)
    try:
        ok = _finite(m) and bool(np.all(m <= np.asarray(bound, float)))
    except ValueError:
        ok = False
    return Claim(name, reference, statement, f"<= {_plain(bound)}", m, "bound", why, ok)


def at_least(name: str, reference: str, statement: str, bound, measured, *, why: str) -> Claim:
    """Every measured value >= bound (an empty or non-finite measurement fails)."""
    m = np.asarray(measured, float)
    try:
        ok = _finite(m) and bool(np.all(m >= np.asarray(bound, float)))
    except ValueError:
        ok = False
    return Claim(name, reference, statement, f">= {_plain(bound)}", m, "bound", why, ok)


def within_se(name: str, reference: str, statement: str, predicted, measured, se, *,
              z: float, why: str) -> Claim:
    """|measured - predicted| <= z * se element-wise: a Monte-Carlo mean against a prediction,
    ``se`` its standard error (an empty or non-finite measurement or s.e. fails)."""
    p, m, e = (np.asarray(a, float) for a in (predicted, measured, se))
    try:
        ok = _finite(m) and _finite(e) and bool(np.all(np.abs(m - p) <= z * e))
    except ValueError:
        ok = False
    return Claim(name, reference, statement, p, m, f"{z:g} s.e.", why, ok)


def holds(name: str, reference: str, statement: str, passed: bool, measured, *,
          predicted: Any = True, why: str) -> Claim:
    """A yes/no claim (an argmax location, a monotone sequence, an order of events)."""
    return Claim(name, reference, statement, predicted, measured, "exact", why, bool(passed))


def failed(name: str, reference: str, statement: str, reason: str) -> Claim:
    """A row for a check that could not be evaluated (a missing array, a crashed computation):
    FAIL, with the reason as its measured value."""
    return Claim(name, reference, statement, "(not evaluated)", f"error: {reason}", "-",
                 "the check could not be evaluated on this result", False)


def guarded_rows(name: str, reference: str, build: Callable[[], Iterable[Claim]]) -> list[Claim]:
    """``build()``'s rows, or one FAIL row naming what went wrong: claims never raise. NaN / inf
    inputs fail the checks quietly (no floating-point warnings)."""
    try:
        with np.errstate(all="ignore"):
            return list(build())
    except Exception as exc:  # noqa: BLE001 - a mangled result gives a FAIL row with its reason
        return [failed(name, reference, "the claim could be evaluated on this result",
                       f"{type(exc).__name__}: {exc}")]


def controlled(claim: Claim, control: Claim | None, label: str) -> Claim:
    """The verdict of ``claim`` with its negative control: PASS iff ``claim`` passes and ``control``
    (the same check, same tolerance, on the control) fails. ``control=None``: not run."""
    if control is None:
        return replace(claim, check_passed=claim.passed, control=f"{label} (not run)",
                       control_passed=None)
    return replace(claim, passed=bool(claim.passed and not control.passed),
                   check_passed=claim.passed, control=label, control_measured=control.measured,
                   control_passed=bool(control.passed))


def with_control(check: Callable[[Any], Claim], result: Any, control: Any, label: str) -> Claim:
    """``controlled(check(result), check(control), label)``: one check function, applied to the
    result and to its control (``control=None``: no control run). A check that cannot be evaluated
    on the control (it raises) counts as rejecting it, with the reason recorded."""
    main = _safe(check, result)
    if control is None:
        return controlled(main, None, label)
    return controlled(main, _safe(check, control), label)


def _safe(check: Callable[[Any], Claim], subject: Any) -> Claim:
    try:
        return check(subject)
    except Exception as exc:  # noqa: BLE001 - a check must report, never raise
        return failed("(check)", "", "", f"{type(exc).__name__}: {exc}")


def symbolic(checks: Mapping[str, bool], reference: str, module: str) -> list[Claim]:
    """One ``symbolic`` row per sympy identity of ``module`` (``theory.<x>.verify()``)."""
    return [Claim(f"sympy: {name}", reference, f"verified symbolically in {module}", True,
                  bool(ok), "exact", "symbolic identity", bool(ok), kind="symbolic")
            for name, ok in checks.items()]


def write_claims(path: Path, simulator: str, claims: Iterable[Claim]) -> list[dict]:
    rows = [{**c.to_dict(), "simulator": simulator} for c in claims]
    atomic_write_text(Path(path), json.dumps(rows, indent=2) + "\n")
    return rows


# ---- the ledger -----------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if isinstance(value, list):
        inner = ", ".join(_fmt(v) for v in value[:8])
        return f"[{inner}{', ...' if len(value) > 8 else ''}]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def control_cell(row: Mapping[str, Any]) -> str:
    """The ledger's control column: what the control is and how the same check came out on it."""
    if row.get("kind") == "symbolic":
        return "-"
    row = {**row, "control": str(row.get("control") or "").replace("|", "\\|")}
    if not row.get("control"):
        return "**no control**"
    if row.get("control_passed") is None:
        return f"{row['control']}: **not run**"
    if row["control_passed"]:
        return f"{row['control']}: **passes (does not discriminate)**"
    return f"{row['control']}: FAIL as required ({_fmt(row.get('control_measured'))})"


def summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Counts for the headline: simulation rows passed / with a control that rejects / uncontrolled,
    symbolic identities verified."""
    sim = [r for r in rows if r.get("kind", "simulation") == "simulation"]
    sym = [r for r in rows if r.get("kind") == "symbolic"]
    return {
        "simulation": len(sim),
        "simulation_passed": sum(bool(r["passed"]) for r in sim),
        "controls_rejecting": sum(r.get("control_passed") is False for r in sim),
        "controls_missing": sum(r.get("control_passed") is None for r in sim),
        "controls_passing": sum(r.get("control_passed") is True for r in sim),
        "symbolic": len(sym),
        "symbolic_passed": sum(bool(r["passed"]) for r in sym),
        "total": len(rows),
        "passed": sum(bool(r["passed"]) for r in rows),
    }


def headline(s: Mapping[str, int]) -> str:
    parts = [f"**{s['simulation_passed']} / {s['simulation']} simulation claims pass**"]
    if s["controls_missing"] == 0 and s["controls_passing"] == 0:
        parts[0] += ", each rejected by its negative control"
    else:
        parts.append(f"{s['controls_rejecting']} rejected by their control, "
                     f"{s['controls_passing']} controls pass (defects), "
                     f"{s['controls_missing']} controls not run")
    parts.append(f"**{s['symbolic_passed']} / {s['symbolic']} symbolic identities verified**")
    return "; ".join(parts) + "."


def write_ledger(claim_files: Sequence[Path], md_path: Path, json_path: Path,
                 title: str = "Claims ledger") -> dict[str, int]:
    """Merge per-simulator claim files into one table; return the headline counts."""
    rows = [row for f in sorted(map(Path, claim_files)) for row in json.loads(f.read_text())]
    counts = summary(rows)
    lines = [f"# {title}", "", headline(counts), "",
             "| | simulator | kind | claim | reference | predicted | measured | tolerance | why "
             "| control |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        mark = "PASS" if r["passed"] else "**FAIL**"
        label = f"{r['experiment']}: {r['name']}" if r.get("experiment") else r["name"]
        cells = [mark, r["simulator"], r.get("kind", "simulation"), f"{label}: {r['statement']}",
                 r["reference"], r["predicted"], r["measured"], r["tolerance"], r["why"]]
        lines.append("| " + " | ".join(_fmt(c) for c in cells) + f" | {control_cell(r)} |")
    atomic_write_text(Path(md_path), "\n".join(lines) + "\n")
    atomic_write_text(Path(json_path), json.dumps({**counts, "claims": rows}, indent=2) + "\n")
    return counts
