"""Claims against rivals: a check that must pass on the theory's prediction and fail on every rival.

:func:`against_rivals` runs one check function on the prediction and on each rival (another
phase's exponents, another scaling law, a recursion without a term) with the same tolerance; the
row passes only when the prediction's check passes and every rival's fails. The control shown is the
nearest rival (the one the measurement is closest to, by the check's own distance); the others are
checked too and named in the label.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

import numpy as np

from ..verdicts import Claim, controlled, failed


def against_rivals(check: Callable[[Any], Claim], own: Any, rivals: Mapping[str, Any],
                   distance: Callable[[Any], float]) -> Claim:
    """``check(own)`` controlled by every rival in ``rivals`` (label -> input of ``check``):
    the control passes (a defect) when any rival passes. ``distance(input)`` is the measurement's
    distance from an input in units of the tolerance (> 1: outside); it ranks the rivals, the
    nearest is shown as the control with its distance as the control's measured value."""
    main = _safe(check, own)
    if not rivals:
        return controlled(main, None, "no rival")
    rows = {label: _safe(check, r) for label, r in rivals.items()}
    dist = {label: _distance(distance, r) for label, r in rivals.items()}
    near = min(dist, key=dist.get)
    passing = [label for label, row in rows.items() if row.passed]
    others = [label for label in rivals if label != near]
    label = near + (f"; also checked: {', '.join(others)}" if others else "")
    if passing:
        label += f"; within tolerance: {', '.join(passing)}"
    shown = f"{dist[near]:.3g} x the tolerance from the measurement"
    return controlled(main, replace(rows[near], passed=bool(passing), measured=shown), label)


def _safe(check: Callable[[Any], Claim], subject: Any) -> Claim:
    try:
        return check(subject)
    except Exception as exc:  # noqa: BLE001 - a check reports, never raises
        return failed("(check)", "", "", f"{type(exc).__name__}: {exc}")


def _distance(distance: Callable[[Any], float], rival: Any) -> float:
    try:
        value = float(distance(rival))
    except Exception:  # noqa: BLE001 - an unusable rival ranks last
        return float("inf")
    return value if np.isfinite(value) else float("inf")


def close_each(name: str, reference: str, statement: str, predicted, measured, atol, *,
               why: str, labels: tuple[str, ...] = ()) -> Claim:
    """|measured_i - predicted_i| <= atol_i for every component (a non-finite value fails)."""
    p, m, t = (np.asarray(a, float) for a in (predicted, measured, atol))
    try:
        ok = bool(m.size and np.all(np.isfinite(m)) and np.all(np.isfinite(p))
                  and np.all(np.abs(m - p) <= t))
    except ValueError:
        ok = False
    parts = [f"{lab} {v:.3g}" for lab, v in zip(labels or [""] * t.size, np.atleast_1d(t))]
    return Claim(name, reference, statement, p, m, "abs " + ", ".join(parts), why, ok)


def within_se_bias(name: str, reference: str, statement: str, predicted, measured, se, *, z: float,
                   rel: float, why: str) -> Claim:
    """|measured - predicted| <= z se + rel |measured| element-wise: Monte-Carlo error plus a
    bounded relative systematic (finite-size) bias; the same tolerance for any ``predicted``."""
    p, m, e = (np.asarray(a, float) for a in (predicted, measured, se))
    try:
        ok = bool(m.size and np.all(np.isfinite(m)) and np.all(np.isfinite(e))
                  and np.all(np.abs(m - p) <= z * e + rel * np.abs(m)))
    except ValueError:
        ok = False
    return Claim(name, reference, statement, p, m, f"{z:g} s.e. + rel {rel:.3g}", why, ok)
