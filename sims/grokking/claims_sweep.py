"""Grokking claims of the threshold sweep: how the minimal training fraction that generalises scales
with M, against the law of Theorem 4 (ln M / M, i.e. n ~ M ln M pairs) and its rivals.

The statistic is the least-squares exponent s of ln T[M, seed] on ln M over every (M, seed) of
``threshold`` [M, seed]. Its standard error has two parts:

* the seed spread, ``se_seed`` = the larger of the pooled OLS standard error (residuals over the
  len(M) x seeds points) and the pure-error one sigma_w / sqrt(seeds Sxx) (sigma_w the pooled
  within-M s.d. of ln T over seeds, Sxx = sum_M (ln M - mean)^2); it shrinks as 1/sqrt(seeds);
* the bisection resolution, ``se_bisect`` = (w / sqrt 12) / sqrt(Sxx) with w = ln(high/low) /
  2^bisect the final log-interval (a uniform error per M, seeds often sharing a cell); it does
  not shrink with seeds.

se(S) = sqrt(se_seed^2 S0 / S + se_bisect^2). A rival law with effective exponent r is told from
ln M / M's (p) with 95% power when |p - r| >= (Z_LAW + 1.645) se (:mod:`sims.decide`); when it
is not, the row is UNDERPOWERED with the seeds that would be (or more bisection steps, when the
resolution alone covers the gap), never a FAIL.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..decide import Z_POWER, decide, inapplicable, not_applicable, underpowered
from ..verdicts import Claim, failed, with_control, within_se
from ..fits import loglog_slope
from ..results import Result
from theory import grokking as theory

SAMPLE = (theory.REF + " Thm 4 (n >~ d_k^2 M log(M/delta) pairs, constants unnamed: a training "
          "fraction ~ ln M / M); the shape only, no constant is tested")
Z_LAW = 3.0
RIVALS = ("1/M", "M^-1/2", "ln^2 M / M")
MIN_SEEDS = 2          # the seed spread of the threshold is measured within each M


class Fit(NamedTuple):
    """The threshold exponent ``slope`` and its standard error ``se`` = hypot(``se_seed``,
    ``se_bisect``) (module docstring); ``spread`` the pooled within-M s.d. of ln T over seeds,
    ``resid`` the OLS residual s.d.; ``censored`` points outside the bracket; ``seeds``."""

    slope: float
    se: float
    se_seed: float
    se_bisect: float
    spread: float
    resid: float
    censored: int
    seeds: int


def thresholds(res: Result) -> tuple[np.ndarray, int]:
    """The bisected thresholds [M, seed], NaN where the bracket does not hold the threshold (its
    lower end generalised or its upper end did not: the bisection would report an edge), and the
    number of such censored points."""
    acc = res.meta["config"]["success_acc"]
    ok = (res["acc_low"] < acc) & (res["acc_high"] >= acc)
    return np.where(ok, res["threshold"], np.nan), int(np.sum(~ok))


def exponent(res: Result) -> Fit:
    """The least-squares exponent of the threshold in M and its error parts (module docstring);
    NaN when a point is censored, or with fewer than 3 M."""
    cfg = res.meta["config"]
    T, censored = thresholds(res)
    Ms = np.asarray(res["M"], float)
    S = int(T.shape[1]) if T.ndim == 2 else 0
    nan = float("nan")
    if censored or T.size == 0 or len(np.unique(Ms)) < 3:
        return Fit(nan, nan, nan, nan, nan, nan, censored, S)
    x = np.log(Ms)
    sxx = float(np.sum((x - x.mean()) ** 2))
    fit = loglog_slope(np.repeat(Ms, S), T.ravel())
    lnT = np.log(T)
    yhat = lnT.mean() + fit.slope * (np.repeat(x, S) - np.repeat(x, S).mean())
    resid = float(np.sqrt(np.sum((lnT.ravel() - yhat) ** 2) / max(lnT.size - 2, 1)))
    spread = (float(np.sqrt(np.sum((lnT - lnT.mean(axis=1, keepdims=True)) ** 2)
                            / (Ms.size * (S - 1)))) if S > 1 else nan)
    se_seed = float(np.nanmax([fit.stderr, spread / math.sqrt(S * sxx)]))
    w = np.log(cfg["high"] / cfg["low"]) / 2 ** cfg["bisect"]
    se_bisect = float(w / math.sqrt(12) / math.sqrt(sxx))
    return Fit(fit.slope, float(math.hypot(se_seed, se_bisect)), se_seed, se_bisect, spread,
               resid, censored, S)


def se_at(fit: Fit, seeds: float) -> float:
    """The exponent's standard error at ``seeds`` seeds: the seed part scales as 1/sqrt(seeds),
    the bisection part stays."""
    return math.hypot(fit.se_seed * math.sqrt(fit.seeds / seeds), fit.se_bisect)


def seeds_to_separate(fit: Fit, gap: float, z: float) -> float:
    """The fewest seeds at which (``z``) se(seeds) <= ``gap``; ``math.inf`` when the bisection
    resolution alone covers it."""
    room = (gap / z) ** 2 - fit.se_bisect ** 2
    if not (room > 0 and math.isfinite(fit.se_seed)):
        return math.inf
    return float(max(MIN_SEEDS, math.ceil(fit.se_seed ** 2 * fit.seeds / room)))


def power(fit: Fit, gap: float, rival: str, row: Claim):
    """None when the sweep can tell ln M / M from ``rival`` (exponent gap ``gap``) at its seeds
    with 95% power, and the rival was rejected or its band no longer overlaps; else the
    UNDERPOWERED blocker with the seeds (or bisection steps) that would decide."""
    S = fit.seeds
    need = seeds_to_separate(fit, gap, Z_LAW + Z_POWER)
    if math.isinf(need):
        bisect = math.floor(math.log2(fit.se_bisect * (Z_LAW + Z_POWER) / gap)) + 1
        return underpowered(f"the bisection resolution alone ({fit.se_bisect:.3f} in the exponent) "
                            f"covers the gap to {rival}: needs >= {bisect} more bisection steps",
                            bisect=f"+{bisect}")
    if need > S:
        return underpowered(f"{Z_LAW:g} s.e. cannot separate ln M / M from {rival} at {S} seeds "
                             f"(s.e. {fit.se:.3f}, gap {gap:.3f}): needs >= {int(need)} seeds "
                             "(seed part of the s.e. ~ 1/sqrt(seeds), 95% power)", seeds=int(need))
    apart = seeds_to_separate(fit, gap, 2 * Z_LAW)
    if row.check_passed and row.control_passed and apart > S:
        return underpowered(f"{rival} also lies within {Z_LAW:g} s.e. at {S} seeds (the power "
                            "model expected it rejected); the two bands no longer overlap at "
                            f">= {apart:.0f} seeds",
                            **({"seeds": int(apart)} if math.isfinite(apart) else {}))
    return None


def sweep_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``sweep``: one row per rival law (1/M, M^-1/2, ln^2 M/M), each passing when the
    fitted exponent of the threshold is within Z_LAW standard errors (seed spread and bisection
    resolution, module docstring) of ln M / M's effective exponent on the same M grid and not
    within them of the rival's (the control); UNDERPOWERED when the seeds cannot tell the two
    apart with 95% power; NOT_APPLICABLE with fewer than MIN_SEEDS seeds per M."""
    cfg = res.meta["config"]
    Ms = np.asarray(res["M"], float)
    if Ms.size < 3:
        return [failed("threshold exponent", SAMPLE, "the sweep has at least 3 values of M",
                       f"M = {Ms.tolist()}")]
    fit = exponent(res)
    S = res["threshold"].shape[1]
    span = (f"M in {[int(m) for m in Ms]} x {S} seeds, bracket {cfg['bracket']} [{cfg['low']:g}, "
            f"{cfg['high']:g}], {cfg['bisect']} bisection steps, {cfg['steps']} steps a run, "
            f"success = test acc >= {cfg['success_acc']:g}")
    why = (f"{Z_LAW:g} s.e. of the exponent, {fit.se:.3f} = the seed spread over {S} seeds "
           f"({fit.se_seed:.3f}: the larger of the OLS s.e. over {Ms.size * S} points, residual "
           f"s.d. {fit.resid:.3f} in ln T, and the within-M seed s.d. {fit.spread:.3f} / "
           f"sqrt(seeds Sxx)) and the bisection resolution w/sqrt(12)/sqrt(Sxx) = "
           f"{fit.se_bisect:.3f} in quadrature; decided only when (3 + 1.645) s.e. <= the exponent "
           "gap to the rival (95% power), else UNDERPOWERED" + (f"; {fit.censored} censored points (threshold "
                                                    "outside the bracket)" if fit.censored else ""))
    pred = theory.law_exponent(theory.PREDICTED_LAW, Ms)

    def check(law):
        return within_se(f"threshold scales as {theory.PREDICTED_LAW}, not {rival}", SAMPLE,
                         "least-squares exponent of the bisected minimal training fraction in M ("
                         + span + f") against the effective exponent of {law} on the same grid",
                         theory.law_exponent(law, Ms), fit.slope, fit.se, z=Z_LAW, why=why)
    out = []
    for rival in RIVALS:
        r = theory.law_exponent(rival, Ms)
        label = f"the rival law {rival} (exponent {r:.2f} on this grid)"
        if S < MIN_SEEDS:
            out.append(inapplicable(check(theory.PREDICTED_LAW).name, SAMPLE, span, not_applicable(
                f"the seed spread of the threshold needs >= {MIN_SEEDS} seeds per M (has {S})",
                seeds=MIN_SEEDS)))
            continue
        row = with_control(check, theory.PREDICTED_LAW, rival, label)
        out.append(decide(row, power(fit, abs(pred - r), rival, row)
                          if math.isfinite(fit.se) else None))
    return out
