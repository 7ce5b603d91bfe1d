"""Plan a run before running it: can each claim decide at these settings, and what will it cost?

    sims.plan("double_descent", "linear", profile="quick", n=300, seeds=50)
    python -m sims plan double_descent --experiment linear --set n=300 --set seeds=50

For each claim of the experiment: whether it can decide at these settings (:class:`ClaimPlan`:
``decides`` True / False / None = known only after the run), the outcome it would have when it
cannot (NOT_APPLICABLE, UNDERPOWERED), the seeds or size it would need (``needs``), and for the
run the predicted CPU seconds and peak memory (:class:`Cost`, from ``workflow/cost_model.py``:
the simulator's declared cost model and its measured calibration).

Where the answers come from, in this order:

1. the simulator's **planning model** for the experiment's kind, ``Simulator.plans[kind](config,
   pilot)``: applicability read from the config, power from the claim's own variance model
   (double_descent: the same functions its claims call, with the per-seed spread of a small pilot);
2. else a **pilot**: a reduced copy of the config (``seeds`` cut to ``seeds // PILOT_FRACTION``,
   at least ``PILOT_MIN_SEEDS``), run in memory when the cost model predicts it takes at most
   ``PILOT_BUDGET_S`` seconds; its claims' outcomes are the answer (an UNDERPOWERED row's seeds
   are compared with the full config's; a pilot PASS decides; a pilot FAIL is reported and the
   full run decides after it runs). Controls read from other experiments are not run in a pilot;
3. else "decided after the run", with the cost prediction.

``pilot=False`` skips every pilot (a planning model then answers from the config alone).
"""
from __future__ import annotations

import dataclasses
import functools
import html
import importlib.util
import math
from pathlib import Path
from typing import Any, Callable, Mapping

from . import config as cfg
from .errors import SimsError
from .results import Result
from .verdicts import FAIL, NOT_APPLICABLE, PASS, UNDERPOWERED, Claim

PILOT_BUDGET_S = 20.0          # run a pilot only when its predicted CPU time is at most this
PILOT_FRACTION = 8             # the generic pilot's seeds: seeds // PILOT_FRACTION ...
PILOT_MIN_SEEDS = 16           # ... but at least this many (a spread to ~20%)
COST_MODEL = Path(__file__).resolve().parents[1] / "workflow" / "cost_model.py"

Pilot = Callable[[Any], "Result | None"]


@dataclasses.dataclass(frozen=True)
class ClaimPlan:
    """Whether one claim can decide at the planned settings (see the module docstring)."""

    claim: str                 # the claim's name, as in the ledger (or "claims of kind K")
    decides: bool | None       # True: it can; False: it cannot (see outcome); None: after the run
    outcome: str | None = None     # NOT_APPLICABLE / UNDERPOWERED when it cannot; a pilot's outcome
    reason: str = ""
    needs: Mapping[str, Any] = dataclasses.field(default_factory=dict)   # {"seeds": 1700}
    source: str = ""           # "config", "variance model (pilot of 64 seeds)", "pilot ...", ...

    def verdict(self) -> str:
        return {True: "decides", False: self.outcome or "cannot decide",
                None: "decided after the run"}[self.decides]

    def line(self) -> str:
        verdict = self.verdict()
        needs = ", ".join(f"{k} >= {v}" if isinstance(v, (int, float)) else f"{k}: {v}"
                          for k, v in self.needs.items())
        tail = "; ".join(x for x in (self.reason or (f"needs {needs}" if needs else ""),
                                     f"[{self.source}]" if self.source else "") if x)
        return f"{verdict:>22}  {self.claim}" + (f": {tail}" if tail else "")


@dataclasses.dataclass(frozen=True)
class Cost:
    """Predicted one-thread CPU seconds and peak memory of the run (None: no prediction)."""

    seconds: float | None
    memory_mb: float | None
    note: str = ""

    def __str__(self) -> str:
        if self.seconds is None:
            return f"cost: no prediction ({self.note})"
        return (f"predicted {_duration(self.seconds)} of CPU (one thread), peak memory "
                f"{self.memory_mb:.0f} MB ({self.note})")


@dataclasses.dataclass(frozen=True)
class Plan:
    """The plan of one experiment: a :class:`ClaimPlan` per claim and the run's :class:`Cost`."""

    simulator: str
    experiment: str
    kind: str
    config: dict
    claims: tuple[ClaimPlan, ...]
    cost: Cost

    @property
    def decides(self) -> bool:
        """True when every claim is known to decide at these settings."""
        return bool(self.claims) and all(c.decides is True for c in self.claims)

    def __str__(self) -> str:
        head = f"{self.simulator}/{self.experiment} ({self.kind}): {self.cost}"
        return "\n".join([head, *(c.line() for c in self.claims)])

    def __repr__(self) -> str:
        n = sum(c.decides is True for c in self.claims)
        return (f"<Plan {self.simulator}/{self.experiment}: {n} / {len(self.claims)} claims "
                f"decide; {self.cost}>")

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.claim)}</td><td>{html.escape(c.verdict())}</td><td>{html.escape(c.reason)}</td><td>{html.escape(str(dict(c.needs) or ''))}</td>"
            f"<td>{html.escape(c.source)}</td></tr>" for c in self.claims)
        return (f"<p><b>{html.escape(self.simulator)}/{html.escape(self.experiment)}</b> "
                f"({html.escape(self.kind)}): {html.escape(str(self.cost))}</p><table><thead><tr>"
                "<th>claim</th><th>verdict</th><th>reason</th><th>needs</th><th>from</th></tr>"
                f"</thead><tbody>{rows}</tbody></table>")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def plan(simulator: str, experiment: str | None = None, profile: str = "quick", *,
         profile_dir: str | Path | None = None, pilot: bool = True,
         **overrides: Any) -> Plan | dict[str, Plan]:
    """The plan of one experiment of a profile with ``overrides`` (or of every experiment, by
    name, when ``experiment`` is None): module docstring. Overrides are validated as in
    :func:`sims.run`."""
    from .registry import get_simulator
    sim = get_simulator(simulator)
    name, root = cfg.resolve_profile(profile, profile_dir)
    configs = cfg.load_experiments(simulator, sim.config, name, overrides, config_dir=root,
                                   only=experiment)
    out = {e: plan_config(sim, e, c, pilot=pilot) for e, c in configs.items()}
    return out[experiment] if experiment is not None else out


def plan_config(sim, experiment: str, config: Any, *, pilot: bool = True) -> Plan:
    """The plan of one validated config of simulator ``sim`` (module docstring)."""
    kind = sim.kind(config)
    runner = pilot_runner(sim, experiment) if pilot else None
    model = sim.plans.get(kind)
    try:
        rows = list(model(config, runner)) if model else generic(sim, experiment, config, runner)
    except SimsError:
        raise
    except Exception as exc:  # noqa: BLE001 - a planning model's bug must not hide the cost
        rows = [ClaimPlan(f"claims of kind {kind!r}", None, reason=f"the planning model failed "
                          f"({type(exc).__name__}: {exc}); decided after the run", source="error")]
    return Plan(sim.name, experiment, kind, config.to_dict(), tuple(rows),
                predict_cost(sim.name, experiment, config))


# ---- the cost prediction ------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _cost_model():
    if not COST_MODEL.is_file():
        return None
    spec = importlib.util.spec_from_file_location("sims_plan_cost_model", COST_MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict_cost(simulator: str, experiment: str, config: Any) -> Cost:
    """Predicted CPU seconds and peak memory of one run (workflow/cost_model.py)."""
    cm = _cost_model()
    if cm is None:
        return Cost(None, None, f"no cost model ({COST_MODEL} not found)")
    if cm.cost_function(simulator) is None:
        return Cost(None, None, f"{simulator} declares no cost model")
    cal = cm.calibration().get("simulators", {}).get(simulator)
    if cal is None:
        return Cost(None, None, f"{simulator} is not calibrated (scripts/calibrate_resources.py)")
    values = config.to_dict()
    try:
        _, nbytes, _ = cm.estimate(simulator, values)
        seconds = cm.predicted_seconds(simulator, experiment, values)
        memory = cm.predicted_mb(cal, experiment, nbytes)
    except Exception as exc:  # noqa: BLE001 - a cost-model error is reported, not raised
        return Cost(None, None, f"the cost model failed: {type(exc).__name__}: {exc}")
    return Cost(float(seconds), float(memory), "workflow/cost_model.py, calibrated "
                                               "on this suite's quick and paper runs")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


# ---- pilots and the generic answer ---------------------------------------------------------------
def pilot_runner(sim, experiment: str) -> Pilot:
    """``run(config)``: the simulation in memory (one thread) of ``config``, or of a copy with
    fewer ``seeds`` (not below PILOT_MIN_SEEDS), whichever the cost model predicts to take at
    most PILOT_BUDGET_S seconds; None when neither does (or nothing predicts the cost). The
    result's own arrays say how many seeds it has."""
    from . import threads
    from .api import simulate

    def run(config: Any) -> Result | None:
        config = affordable(sim.name, experiment, config)
        if config is None:
            return None
        with threads.limited(*threads.plan(sim, config, 1)):
            return simulate(sim, config, experiment=experiment, profile="pilot")
    return run


def affordable(simulator: str, experiment: str, config: Any) -> Any | None:
    """``config``, or the copy with the most ``seeds`` (>= PILOT_MIN_SEEDS), predicted to run
    within PILOT_BUDGET_S; None when neither is."""
    def cheap(c) -> bool:
        s = predict_cost(simulator, experiment, c).seconds
        return s is not None and s <= PILOT_BUDGET_S
    if cheap(config):
        return config
    seeds = getattr(config, "seeds", None)
    if not isinstance(seeds, int) or seeds <= PILOT_MIN_SEEDS:
        return None
    lo, hi = PILOT_MIN_SEEDS, seeds - 1           # bisect the largest affordable seed count
    if not cheap(config.replace(seeds=lo)):
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if cheap(config.replace(seeds=mid)) else (lo, mid - 1)
    return config.replace(seeds=lo)


def reduced(config: Any) -> Any:
    """The generic pilot's config: ``seeds`` cut to ``seeds // PILOT_FRACTION`` (at least
    PILOT_MIN_SEEDS); the config itself when it has no ``seeds`` or few of them."""
    seeds = getattr(config, "seeds", None)
    if not isinstance(seeds, int) or seeds <= PILOT_MIN_SEEDS:
        return config
    try:
        return config.replace(seeds=max(PILOT_MIN_SEEDS, seeds // PILOT_FRACTION))
    except SimsError:
        return config


def generic(sim, experiment: str, config: Any, pilot: Pilot | None) -> list[ClaimPlan]:
    """The answer without a planning model: a pilot's claims, else "decided after the run"."""
    kind = sim.kind(config)
    small = reduced(config)
    result = pilot(small) if pilot is not None else None
    if result is None:
        why = "pilots skipped" if pilot is None else \
            f"no pilot predicted under {PILOT_BUDGET_S:g} s"
        return [ClaimPlan(f"claims of kind {kind!r}", None, reason=f"{why}: decided after the "
                          "run", source="after the run")]
    rows = [r for r in sim.check({experiment: result}, symbolic=False) if r.kind == "simulation"]
    seeds = getattr(config, "seeds", None)
    used = getattr(small, "seeds", None)
    source = f"pilot ({used} of {seeds} seeds)" if small is not config else \
        "pilot (the full config)"
    return [from_pilot(r, full_seeds=seeds, exact=small is config, source=source) for r in rows]


def from_pilot(row: Claim, *, full_seeds: int | None, exact: bool, source: str) -> ClaimPlan:
    """What a pilot's row says about the full run."""
    if row.outcome == NOT_APPLICABLE:
        return ClaimPlan(row.name, False, NOT_APPLICABLE, row.reason, dict(row.needs or {}),
                         source)
    if row.outcome == UNDERPOWERED:
        need = (row.needs or {}).get("seeds")
        if isinstance(need, (int, float)) and full_seeds is not None and not exact \
                and math.isfinite(need) and need <= full_seeds:
            return ClaimPlan(row.name, True, None, f"the pilot's spread puts the seeds needed at "
                             f"{int(need)} <= {full_seeds}", dict(row.needs), source)
        return ClaimPlan(row.name, False, UNDERPOWERED, row.reason, dict(row.needs or {}), source)
    if row.outcome == PASS or exact:
        return ClaimPlan(row.name, True, row.outcome, "the pilot decided" if not exact else
                         f"the run itself: {row.outcome}", {}, source)
    note = "control not run in the pilot; " if row.control_passed is None else ""
    why = row.reason or "see the claim"
    return ClaimPlan(row.name, None, FAIL, f"{note}the pilot FAILed ({why}); the full run "
                     "decides after it runs", {}, source)
