r"""Deciding before judging: can a claim decide on this grid, at this sample size?

A claims function first asks two questions, then judges:

1. **Is it applicable?** Does the grid hold what the claim needs (a p/n near 1, the ratios its
   control is read at)? Read this from the result's *config* (what was asked for), never from
   damaged arrays: a result whose arrays disagree with its config is broken, and its rows FAIL.
   No: :func:`not_applicable` -> a NOT_APPLICABLE row (:func:`inapplicable`) saying what is missing.
2. **Is it powered?** Can its own tolerance separate the prediction from its rival or control at
   this sample size? No: :func:`underpowered` with what would (``seeds=1700``), computed from the
   claim's own variance model; :func:`monte_carlo` and :func:`order_resolved` do it for the two
   common cases below.

:func:`decide` then turns a judged row into its outcome. An UNDERPOWERED verdict applies only to a
measurement that agrees with the prediction: one that disagrees at the claim's own tolerance is a
FAIL (the theory is rejected whatever the rival does), with the power note in its reason. So a
FAIL always means the measurement disagrees with the theory (or the result is broken).

**Monte-Carlo power model.** A claim comparing a mean over S seeds with a prediction within
``z`` standard errors plus a fixed allowance ``b`` (a finite-size bias) rejects a rival prediction
at a point j when the mean falls outside the rival's band. With the prediction true the mean is
N(pred_j, se_j) (shifted by at most b), so the rival is rejected with probability >= 1 - beta at j
when

    |pred_j - rival_j| >= (z + z_beta) se_j + 2 b,        z_beta = Z_POWER = 1.645 (95% power).

When the control is another measurement (a control run, another estimator) whose mean is rival_j,
with its own standard error se'_j, judged by the same check against pred_j, it is rejected with
that power when |pred_j - rival_j| >= z se_j + z_beta se'_j + b (``control_se=``).

The standard error scales as 1/sqrt(seeds), se_j(S') = se_j sqrt(S / S'), so the fewest seeds that
separate at j are S'_j = S ((z + z_beta) se_j / (|pred_j - rival_j| - 2 b))^2 (none when the gap
is <= 2 b: only a larger size shrinks b), and the claim can decide when min_j S'_j <= S. When the
model says it can but the rival passes all the same (a 1-in-20 draw at the threshold) while the
two bands still overlap, the row is UNDERPOWERED too, with the seeds at which they no longer
overlap at all: S ((2 z se_j) / (|pred_j - rival_j| - 2 b))^2. A rival that passes although the
bands are apart is no power issue: the row stays a FAIL (the control does not discriminate).

**Order claims** (an argmax, an argmin, a monotone sequence) have no tolerance: a predicted
difference d_j between two grid points, measured as the mean of paired per-seed differences with
standard error se_j, keeps its sign with probability >= Phi(z) when |d_j| >= z se_j. The claim
decides when every difference it relies on is resolved: at S'_j = S (z se_j / d_j)^2 seeds.

Example (a claims function)::

    if not any(abs(q - 1) <= 0.1 for q in cfg["ratios"]):
        return [inapplicable(NAME, REF, STATEMENT, not_applicable(
            "no p/n within 0.1 of 1", ratios="a p/n within 0.1 of 1"))]
    row = controlled(check(finite), check(asymptotic), "the asymptotic formula")
    return [monte_carlo(row, finite, asymptotic, se, seeds=S, z=3.5)]
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numpy as np

from .verdicts import FAIL, NOT_APPLICABLE, UNDERPOWERED, Claim

Z_POWER = 1.6448536269514722        # the standard normal's 95% quantile: 95% power


@dataclass(frozen=True)
class Undecided:
    """Why a claim cannot decide: ``outcome`` NOT_APPLICABLE or UNDERPOWERED, ``reason`` in words
    ("no p/n within 0.1 of 1"; "needs >= 1700 seeds (has 50)"), ``needs`` what would decide
    (``{"seeds": 1700}``, ``{"ratios": "a p/n within 0.1 of 1"}``)."""

    outcome: str
    reason: str
    needs: Mapping[str, Any] = field(default_factory=dict)


def not_applicable(reason: str, **needs: Any) -> Undecided:
    """The grid lacks what the claim needs; ``reason`` says what is missing."""
    return Undecided(NOT_APPLICABLE, reason, dict(needs))


def underpowered(reason: str, **needs: Any) -> Undecided:
    """The claim's tolerance cannot separate its prediction from its rival at this size;
    ``needs`` says what would (``seeds=1700``, ``n=800``)."""
    return Undecided(UNDERPOWERED, reason, dict(needs))


def first(*blockers: Undecided | None) -> Undecided | None:
    """The first reason not to decide (NOT_APPLICABLE checks go first), or None."""
    return next((b for b in blockers if b is not None), None)


def _points(*arrays) -> tuple[np.ndarray, ...]:
    out = np.broadcast_arrays(*(np.asarray(a, float) for a in arrays))
    ok = np.all([np.isfinite(a) for a in out], axis=0)
    return tuple(a[ok] for a in out)


def seeds_to_separate(predicted, rival, se, seeds: int, *, z: float, bias=0.0, control_se=None,
                      power_z: float = Z_POWER) -> float:
    """The fewest seeds at which a ``z``-s.e. (plus ``bias``) check of a mean rejects ``rival``
    with power Phi(``power_z``) when ``predicted`` holds, at the best point (module docstring);
    ``se`` is the standard error at ``seeds`` seeds. ``control_se=None``: the rival is a formula
    judged on the same measurement (the gap must exceed (z + power_z) se + 2 bias); else the
    control is another measurement whose mean is ``rival``, with standard error ``control_se``
    (the gap must exceed z se + power_z control_se + bias). ``math.inf``: no seed count does (the
    bias alone covers the gap, or no finite point)."""
    twice = control_se is None
    p, r, e, c, b = _points(predicted, rival, se, se if twice else control_se, bias)
    room = np.abs(p - r) - (2 if twice else 1) * b
    ok = room > 0
    if not np.any(ok):
        return math.inf
    need = seeds * ((z * e[ok] + power_z * c[ok]) / room[ok]) ** 2
    return float(max(2.0, math.ceil(float(np.min(need)))))


def separation(predicted, rival, se, seeds: int, *, z: float, bias=0.0, control_se=None,
               rival_label: str = "the rival") -> Undecided | None:
    """None when a ``z``-s.e. check at ``seeds`` seeds tells ``predicted`` from ``rival`` (95%
    power); else UNDERPOWERED with the seeds that would (module docstring)."""
    need = seeds_to_separate(predicted, rival, se, seeds, z=z, bias=bias, control_se=control_se)
    if need <= seeds:
        return None
    if math.isinf(need):
        return underpowered(f"no seed count separates the prediction from {rival_label}: the "
                            f"size-bias allowance covers their gap; a larger size would",
                            size="larger")
    return underpowered(f"{z:g} s.e. cannot separate the prediction from {rival_label} at "
                        f"{seeds} seeds: needs >= {int(need)} seeds (s.e. ~ 1/sqrt(seeds), 95% "
                        "power)", seeds=int(need))


def monte_carlo(claim: Claim, predicted, rival, se, seeds: int, *, z: float, bias=0.0,
                control_se=None, rival_label: str | None = None) -> Claim:
    """A controlled Monte-Carlo claim (its check: the mean within ``z`` s.e. + ``bias`` of
    ``predicted``; its control: the same check against a ``rival`` formula, or on a control
    measurement whose mean is ``rival`` with standard error ``control_se``), decided:
    UNDERPOWERED when the power model says they cannot separate at ``seeds`` seeds, or when the
    control was not rejected although the check passed and the bands still overlap; a check that
    fails on the result stays FAIL."""
    label = rival_label or claim.control or "the rival"
    blocker = separation(predicted, rival, se, seeds, z=z, bias=bias, control_se=control_se,
                         rival_label=label)
    need = seeds_to_separate(predicted, rival, se, seeds, z=z, bias=bias, control_se=control_se,
                             power_z=z)
    if blocker is None and claim.check_passed is not False and claim.control_passed \
            and need > seeds:       # bands still overlap: a power issue (else: a defect, FAIL)
        blocker = underpowered(f"{label} also lies within {z:g} s.e. at {seeds} seeds (the power "
                               f"model expected it rejected); the two bands no longer overlap at "
                               f">= {need:.0f} seeds",
                               **({"seeds": int(need)} if math.isfinite(need) else {}))
    return decide(claim, blocker)


def seeds_to_resolve(differences, se, seeds: int, *, z: float) -> float:
    """The fewest seeds at which every predicted ``difference`` stands ``z`` of its standard
    errors (``se`` at ``seeds`` seeds) from zero; ``math.inf`` when one of them is 0."""
    d, e = _points(differences, se)
    if d.size == 0:
        return math.inf
    if np.any(d == 0):
        return math.inf
    return float(max(2.0, math.ceil(float(np.max(seeds * (z * e / np.abs(d)) ** 2)))))


def order_resolved(differences, se, seeds: int, *, z: float,
                   what: str = "the predicted order") -> Undecided | None:
    """None when every predicted difference an order claim relies on stands ``z`` s.e. of the
    paired per-seed differences from 0 at ``seeds`` seeds; else UNDERPOWERED with the seeds that
    would (module docstring)."""
    need = seeds_to_resolve(differences, se, seeds, z=z)
    if need <= seeds:
        return None
    if math.isinf(need):
        return underpowered(f"{what} has a zero predicted difference: no seed count resolves it")
    return underpowered(f"the seed-to-seed spread hides {what} at {seeds} seeds (each predicted "
                        f"difference must stand {z:g} s.e. from 0): needs >= {int(need)} seeds",
                        seeds=int(need))


def inapplicable(name: str, reference: str, statement: str, why: Undecided) -> Claim:
    """The row of a claim that was not judged (NOT_APPLICABLE, or UNDERPOWERED before any
    check): what it would check, and why it did not."""
    return Claim(name, reference, statement, "(not evaluated)", "-", "-", why.reason, False,
                 outcome=why.outcome, reason=why.reason, needs=dict(why.needs))


def decide(claim: Claim, blocker: Undecided | None) -> Claim:
    """``claim`` (already judged, with its control) under ``blocker``: unchanged when None;
    NOT_APPLICABLE as given; UNDERPOWERED only when the check passed on the result (a
    measurement that disagrees with the prediction stays FAIL, with the note in its reason)."""
    if blocker is None:
        return claim
    if blocker.outcome == NOT_APPLICABLE:
        return replace(claim, outcome=NOT_APPLICABLE, reason=blocker.reason,
                       needs=dict(blocker.needs))
    agrees = claim.check_passed if claim.check_passed is not None else claim.passed
    if agrees:
        return replace(claim, outcome=UNDERPOWERED, reason=blocker.reason,
                       needs=dict(blocker.needs))
    note = "the measurement disagrees with the prediction at its own tolerance"
    return replace(claim, outcome=FAIL, passed=False,
                   reason="; ".join(x for x in (claim.reason, note, f"(also: {blocker.reason})")
                                    if x))
