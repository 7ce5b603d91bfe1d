"""Verdicts: a theory prediction, the measured value, a tolerance, why that tolerance, a control,
and the outcome.

A ledger row (:class:`Claim`) is one of two kinds:

``simulation``
    a quantity measured on a simulation result against a theory prediction. Each one names a
    *negative control*: a run or a transformation (an untrained model, the large-init contrast, the
    nearest rival theory's prediction) on which the same check, with the same tolerance, must FAIL.
    Its verdict is PASS only when the check passes on the result and fails on the control
    (:func:`controlled`). A row whose control was not run says so and is counted apart.
``symbolic``
    a sympy identity of a ``theory`` module (:func:`symbolic`): it checks the derivation, never a
    simulation, and is counted apart in the headline.

**Outcomes.** Every row has an ``outcome``, one of :data:`OUTCOMES`:

``PASS``
    the check passes on the result and fails on its control.
``FAIL``
    the measurement disagrees with the theory (or the result is broken: NaN, truncated, missing
    arrays; or the control is not comparable, see below). ``reason`` says why where the row's
    values do not.
``NOT_APPLICABLE``
    the grid lacks what the claim needs ("no p/n within 0.1 of 1"); nothing was judged.
``UNDERPOWERED``
    the claim's own tolerance cannot separate the prediction from its rival or control at this
    sample size; ``needs`` says what would (``{"seeds": 1700}``), from the claim's variance model.

``passed`` is True for PASS only. A claims function decides whether it *can* decide before it
judges, with the helpers of :mod:`sims.decide` (``not_applicable``, ``underpowered``,
``monte_carlo``, ``order_resolved``, ``inapplicable``, ``decide``); a broken result is never
"not applicable": applicability is read from the result's config, and a result whose arrays do not
match it FAILs.

**Labelled values.** A claim that reports several numbers gives ``measured`` (or ``predicted``) as
a mapping label -> value, shown ``t_mem = 20, t_gen = 60`` in the ledger (:func:`labelled`).

**Controls that are comparable.** A control is a fair contrast only when it shares the settings
that matter with the result (the same M, K, steps, sizes). A claim declares them with ``share=``::

    with_control(check, result, control, "no weight decay (Fig. 3)", share=("M", "K", "steps"))

``share`` names config fields; the two configs come from ``result.config`` / ``control.config``
when the subjects are :class:`~sims.results.Result` objects, else from ``configs=(result_config,
control_config)``. A control whose config differs in a shared field gives a FAIL row "control not
comparable: M 23 vs 31", whatever the check says: never a silent pass. :func:`controlled` takes
the same ``share`` and ``configs`` for claims built by hand. A claims function finds its control
run with ``experiments.control(kind, result, share)`` (:class:`sims.simulator.Experiments`): the
run of that kind that shares the fields, else the nearest one, whose row then FAILs; a test
(tests/test_comparable_controls.py) walks the registry and fails on a cross-run control without
``share``. Controls computed from the same run
(another estimator of the same result, a rival formula) are comparable by construction and need
no ``share``.

Facts that hold by construction (an orthonormal design has tr H = 1) are tests, not ledger rows.
A simulator's claims read result files (never rerun a simulation); :mod:`sims.ledger_table`
gathers every simulator's rows into ``claims.md`` and ``claims.json``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

KINDS = ("simulation", "symbolic")
PASS, FAIL, NOT_APPLICABLE, UNDERPOWERED = "PASS", "FAIL", "NOT_APPLICABLE", "UNDERPOWERED"
OUTCOMES = (PASS, FAIL, NOT_APPLICABLE, UNDERPOWERED)
UNDECIDED = (NOT_APPLICABLE, UNDERPOWERED)     # the two outcomes that judge nothing


@dataclass(frozen=True)
class Claim:
    """One ledger row. ``passed`` is the verdict: for a controlled simulation claim, the check
    passed on the result (``check_passed``) and failed on the control (``control_passed`` False).

    ``outcome`` is PASS / FAIL, derived from ``passed``, unless it is given as NOT_APPLICABLE or
    UNDERPOWERED (then ``passed`` is False); ``reason`` says why a row is not PASS (what is
    missing, what would decide, where the measurement disagrees) and ``needs`` what would decide,
    machine-readable (``{"seeds": 1700}``, ``{"ratios": "a p/n within 0.1 of 1"}``)."""

    name: str
    reference: str      # paper and theorem / equation / figure the prediction comes from
    statement: str      # what is checked, in words
    predicted: Any      # the theory value(s) or bound (a mapping label -> value for several)
    measured: Any       # the simulation value(s) (a mapping label -> value for several)
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
    outcome: str = ""                    # PASS | FAIL | NOT_APPLICABLE | UNDERPOWERED
    reason: str = ""                     # why the outcome is not PASS
    needs: Mapping[str, Any] | None = None   # what would decide (UNDERPOWERED, NOT_APPLICABLE)

    def __post_init__(self) -> None:
        if self.outcome in UNDECIDED:
            object.__setattr__(self, "passed", False)
        elif self.outcome in ("", PASS, FAIL):
            object.__setattr__(self, "passed", bool(self.passed))
            object.__setattr__(self, "outcome", PASS if self.passed else FAIL)
        else:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {self.outcome!r}")

    @property
    def decided(self) -> bool:
        """True for PASS and FAIL: the claim could judge on this result."""
        return self.outcome not in UNDECIDED

    def to_dict(self) -> dict[str, Any]:
        out = {k: _plain(v) for k, v in asdict(self).items()}
        if out["check_passed"] is None:
            out["check_passed"] = out["passed"]
        out["needs"] = out["needs"] or {}
        return out

    def __str__(self) -> str:
        where = f"{self.experiment}: " if self.experiment else ""
        tail = f" ({self.reason})" if self.reason else ""
        return f"{self.outcome} {where}{self.name}{tail}"


def outcome_of(row: Mapping[str, Any]) -> str:
    """The outcome of a ledger row (a dict), also for files written before outcomes existed."""
    return row.get("outcome") or (PASS if row.get("passed") else FAIL)


def labelled(labels: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    """Several measured (or predicted) numbers with their names, in order: ``labelled(("t_mem",
    "t_gen"), [20, 60])`` -> ``{"t_mem": 20, "t_gen": 60}``, shown ``t_mem = 20, t_gen = 60``."""
    labels = list(labels)
    values = list(values.values()) if isinstance(values, Mapping) else \
        np.asarray(values, dtype=object).ravel().tolist()
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    return dict(zip(labels, values))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (np.ndarray, list, tuple)):
        return [_plain(v) for v in np.asarray(value).tolist()] if np.ndim(value) else _plain(
            np.asarray(value).item())
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value


def _values(measured: Any) -> np.ndarray:
    """The numbers of a measurement (a mapping's values in order), as a float array."""
    if isinstance(measured, Mapping):
        measured = list(measured.values())
    return np.asarray(measured, float)


def _shown(given: Any, values: np.ndarray) -> Any:
    """What a row shows: a labelled mapping as given, anything else as its float array."""
    return dict(given) if isinstance(given, Mapping) else values


def _finite(m: np.ndarray) -> bool:
    return bool(m.size > 0 and np.all(np.isfinite(m)))


def close(name: str, reference: str, statement: str, predicted, measured, *, rtol: float = 0.0,
          atol: float = 0.0, why: str) -> Claim:
    """|measured - predicted| <= atol + rtol |predicted|, element-wise for arrays (an empty or
    non-finite measurement fails)."""
    p, m = _values(predicted), _values(measured)
    try:
        ok = _finite(m) and bool(np.all(np.abs(m - p) <= atol + rtol * np.abs(p)))
    except ValueError:          # shapes that do not broadcast: a shortened or mangled result
        ok = False
    parts = ([f"rel {rtol:.3g}"] if rtol else []) + ([f"abs {atol:.3g}"] if atol else [])
    return Claim(name, reference, statement, _shown(predicted, p), _shown(measured, m),
                 " + ".join(parts) or "exact", why, ok)


def at_most(name: str, reference: str, statement: str, bound, measured, *, why: str) -> Claim:
    """Every measured value <= bound (an empty or non-finite measurement fails)."""
    m = _values(measured)
    try:
        ok = _finite(m) and bool(np.all(m <= np.asarray(bound, float)))
    except ValueError:
        ok = False
    return Claim(name, reference, statement, f"<= {_plain(bound)}", _shown(measured, m), "bound",
                 why, ok)


def at_least(name: str, reference: str, statement: str, bound, measured, *, why: str) -> Claim:
    """Every measured value >= bound (an empty or non-finite measurement fails)."""
    m = _values(measured)
    try:
        ok = _finite(m) and bool(np.all(m >= np.asarray(bound, float)))
    except ValueError:
        ok = False
    return Claim(name, reference, statement, f">= {_plain(bound)}", _shown(measured, m), "bound",
                 why, ok)


def within_se(name: str, reference: str, statement: str, predicted, measured, se, *,
              z: float, why: str) -> Claim:
    """|measured - predicted| <= z * se element-wise: a Monte-Carlo mean against a prediction,
    ``se`` its standard error (an empty or non-finite measurement or s.e. fails)."""
    p, m, e = (_values(a) for a in (predicted, measured, se))
    try:
        ok = _finite(m) and _finite(e) and bool(np.all(np.abs(m - p) <= z * e))
    except ValueError:
        ok = False
    return Claim(name, reference, statement, _shown(predicted, p), _shown(measured, m),
                 f"{z:g} s.e.", why, ok)


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


def controlled(claim: Claim, control: Claim | None, label: str, *, share: Sequence[str] = (),
               configs: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None) -> Claim:
    """The verdict of ``claim`` with its negative control: PASS iff ``claim`` passes and ``control``
    (the same check, same tolerance, on the control) fails. ``control=None``: not run.

    ``share`` (config field names) with ``configs=(result's config, control's config)``: a
    control that differs in one of them makes the row FAIL "control not comparable: M 23 vs 31"
    (the module docstring)."""
    if control is None:
        return replace(claim, check_passed=claim.passed, control=f"{label} (not run)",
                       control_passed=None)
    row = replace(claim, passed=bool(claim.passed and not control.passed),
                  check_passed=claim.passed, control=label, control_measured=control.measured,
                  control_passed=bool(control.passed))
    if share:
        if configs is None:
            raise TypeError("controlled(share=...) needs configs=(result config, control config)")
        differ = differences(configs[0], configs[1], share)
        if differ:
            return replace(row, passed=False, outcome=FAIL,
                           reason=f"control not comparable: {differ}")
    return row


def differences(result_config: Mapping[str, Any], control_config: Mapping[str, Any],
                share: Sequence[str]) -> str:
    """The shared fields on which two configs differ, ``"M 23 vs 31, K 512 vs 2048"`` ('' when
    they agree on every one); a field absent from a config counts as differing."""
    def get(cfg, key):
        value = cfg.get(key, "(absent)") if isinstance(cfg, Mapping) else getattr(cfg, key,
                                                                                  "(absent)")
        return _plain(value)
    out = [f"{k} {_short(get(result_config, k))} vs {_short(get(control_config, k))}"
           for k in share if get(result_config, k) != get(control_config, k)]
    return ", ".join(out)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def with_control(check: Callable[[Any], Claim], result: Any, control: Any, label: str, *,
                 share: Sequence[str] = (),
                 configs: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None) -> Claim:
    """``controlled(check(result), check(control), label)``: one check function, applied to the
    result and to its control (``control=None``: no control run). A check that cannot be evaluated
    on the control (it raises) counts as rejecting it, with the reason recorded.

    ``share``: config fields the control must share with the result (module docstring); the
    configs are ``result.config`` and ``control.config`` when both are results, else give
    ``configs=(result config, control config)``."""
    main = _safe(check, result)
    if control is None:
        return controlled(main, None, label)
    if share and configs is None:
        if not (hasattr(result, "config") and hasattr(control, "config")):
            raise TypeError("with_control(share=...) on arrays needs configs=(result config, "
                            "control config)")
        configs = (result.config, control.config)
    return controlled(main, _safe(check, control), label, share=share, configs=configs)


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


