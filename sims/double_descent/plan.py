"""Double descent's planning model (``Simulator.plans``; see :mod:`sims.plan`).

Before a run: each claim's applicability from the config (the functions its claims call), and
the power of the Monte-Carlo and order claims from their variance model, the standard error
se(S) = s / sqrt(S) with the per-seed spread s measured on a pilot of ``PILOT_SEEDS`` seeds at the
same sizes (n, ratios, r, sigma): the seeds a claim needs follow from the same
:mod:`sims.decide` formulas its row uses after the run. The random-features claims are threshold
claims without a variance model: their applicability is known before the run, their verdict after.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from ..decide import seeds_to_resolve, seeds_to_separate
from ..verdicts import UNDERPOWERED
from ..plan import ClaimPlan
from . import claims as c
from .model import widths_of

PILOT_SEEDS = 64       # the pilot's seeds: enough for the spread within ~10% (chi-square, 63 dof)


def _from(name: str, blocker, source: str) -> ClaimPlan:
    if blocker is None:
        return ClaimPlan(name, True, source=source)
    return ClaimPlan(name, False, blocker.outcome, blocker.reason, dict(blocker.needs), source)


def plan_linear(config: Any, pilot: Callable[[Any], Any] | None) -> list[ClaimPlan]:
    """The linear claims at ``config`` (module docstring)."""
    g = c.grid_of(config.to_dict(), widths_of(config))
    applicable = {c.FINITE_N: c.finite_applicable(g), c.PEAK: c.peak_applicable(g),
                  c.MINIMUM: c.minimum_applicable(g), c.RIDGE_FORMULA: c.finite_applicable(g),
                  c.RIDGE_NO_PEAK: c.peak_applicable(g)}
    out = {name: _from(name, b, "config") for name, b in applicable.items() if b is not None}
    out.setdefault(c.PEAK, ClaimPlan(c.PEAK, True, reason="exact argmax: no variance model",
                                     source="config"))
    open_ = [name for name in applicable if name not in out]
    k = min(config.seeds, PILOT_SEEDS)
    res = pilot(config.replace(seeds=k)) if open_ and pilot is not None and k >= 2 else None
    k = res["min_norm_risk"].shape[0] if res is not None else k     # the pilot may cut it
    if res is None:
        why = "pilots skipped" if pilot is None else "no cheap pilot"
        for name in open_:
            out[name] = ClaimPlan(name, None, reason=f"{why}: its power needs the per-seed spread; "
                                  "decided after the run", source="config")
    else:
        S, risk, ridge = g.seeds, res["min_norm_risk"], res["ridge_opt_risk"]
        src = f"variance model (s.e. ~ 1/sqrt(seeds), spread from a {k}-seed pilot)"
        needed = {
            c.FINITE_N: lambda: seeds_to_separate(*c.finite_power(g, risk, S), S, z=c.Z_MAX),
            c.MINIMUM: lambda: seeds_to_resolve(*c.minimum_differences(g, risk, S), S, z=c.Z_MAX),
            c.RIDGE_FORMULA: lambda: _ridge_need(g, ridge, risk, S),
            c.RIDGE_NO_PEAK: lambda: seeds_to_resolve(*c.ridge_order_differences(g, ridge, S), S,
                                                      z=c.Z_MAX),
        }
        for name in open_:
            need = needed[name]()
            if need <= S:
                out[name] = ClaimPlan(name, True, reason=f"needs >= {need:.0f} seeds, has {S}",
                                      needs={"seeds": int(need)}, source=src)
            elif math.isinf(need):
                out[name] = ClaimPlan(name, False, UNDERPOWERED, "no seed count decides it at "
                                      "this size", {"size": "larger"}, src)
            else:
                out[name] = ClaimPlan(name, False, UNDERPOWERED, f"needs >= {need:.0f} seeds, has "
                                      f"{S} (s.e. ~ 1/sqrt(seeds))", {"seeds": int(need)}, src)
    return [out[name] for name in applicable]


def _ridge_need(g, ridge, risk, S) -> float:
    return seeds_to_separate(seeds=S, z=c.Z_MAX, **c.ridge_power(g, ridge, risk, S))


def plan_rf(config: Any, pilot: Callable[[Any], Any] | None) -> list[ClaimPlan]:
    """The random-features claims at ``config``: applicability now, verdicts after the run."""
    blocker = c.rf_applicable(config.ratios, config.budgets)
    if blocker is not None:
        return [_from(name, blocker, "config") for name in c.RF_CLAIMS]
    return [ClaimPlan(name, None, reason="a threshold claim without a variance model: decided "
                      "after the run", source="config") for name in c.RF_CLAIMS]

