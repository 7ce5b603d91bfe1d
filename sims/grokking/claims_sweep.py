"""Grokking claims of the threshold sweep: how the minimal training fraction that generalises scales
with M, against the law of Theorem 4 (ln M / M, i.e. n ~ M ln M pairs) and its rivals."""
from __future__ import annotations

import numpy as np

from ..verdicts import Claim, failed, with_control, within_se
from ..fits import loglog_slope
from ..results import Result
from theory import grokking as theory

SAMPLE = (theory.REF + " Thm 4 (n >~ d_k^2 M log(M/delta) pairs, constants unnamed: a training "
          "fraction ~ ln M / M); the shape only, no constant is tested")
Z_LAW = 3.0
RIVALS = ("1/M", "M^-1/2", "ln^2 M / M")


def thresholds(res: Result) -> tuple[np.ndarray, int]:
    """The bisected thresholds [M, seed], NaN where the bracket does not hold the threshold (its
    lower end generalised or its upper end did not: the bisection would report an edge), and the
    number of such censored points."""
    acc = res.meta["config"]["success_acc"]
    ok = (res["acc_low"] < acc) & (res["acc_high"] >= acc)
    return np.where(ok, res["threshold"], np.nan), int(np.sum(~ok))


def exponent(res: Result) -> tuple[float, float, int]:
    """(s, its standard error, censored points): the least-squares slope of ln threshold on ln M
    over every (M, seed). The error adds to the OLS one the bisection resolution: the final
    interval has log-width w = ln(high/low)/2^bisect and its midpoint is off by a uniform error of
    s.d. w/sqrt(12) per M (seeds often share a cell, so the residuals miss it)."""
    cfg = res.meta["config"]
    T, censored = thresholds(res)
    Ms = np.asarray(res["M"], float)
    if censored or T.size == 0 or len(np.unique(Ms)) < 3:
        return float("nan"), float("nan"), censored
    fit = loglog_slope(np.repeat(Ms, T.shape[1]), T.ravel())
    w = np.log(cfg["high"] / cfg["low"]) / 2 ** cfg["bisect"]
    x = np.log(Ms)
    se = float(np.hypot(fit.stderr, w / np.sqrt(12) / np.sqrt(np.sum((x - x.mean()) ** 2))))
    return fit.slope, se, censored


def sweep_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``sweep``: one row per rival law (1/M, M^-1/2, ln^2 M/M), each passing when the
    fitted exponent of the threshold is within Z_LAW standard errors of ln M / M's effective
    exponent on the same M grid and not within them of the rival's (the control)."""
    cfg = res.meta["config"]
    Ms = np.asarray(res["M"], float)
    if Ms.size < 3:
        return [failed("threshold exponent", SAMPLE, "the sweep has at least 3 values of M",
                       f"M = {Ms.tolist()}")]
    s, se, censored = exponent(res)
    S = res["threshold"].shape[1]
    span = (f"M in {[int(m) for m in Ms]} x {S} seeds, bracket {cfg['bracket']} [{cfg['low']:g}, "
            f"{cfg['high']:g}], {cfg['bisect']} bisection steps, {cfg['steps']} steps a run, "
            f"success = test acc >= {cfg['success_acc']:g}")
    why = (f"{Z_LAW:g} standard errors of the OLS slope over {Ms.size * S} points, the bisection "
           "resolution added in quadrature" + (f"; {censored} censored points (threshold outside "
                                               "the bracket)" if censored else ""))

    def check(law):
        return within_se(f"threshold scales as {theory.PREDICTED_LAW}, not {rival}", SAMPLE,
                         "least-squares exponent of the bisected minimal training fraction in M ("
                         + span + f") against the effective exponent of {law} on the same grid",
                         theory.law_exponent(law, Ms), s, se, z=Z_LAW, why=why)
    out = []
    for rival in RIVALS:
        out.append(with_control(check, theory.PREDICTED_LAW, rival,
                                f"the rival law {rival} (exponent "
                                f"{theory.law_exponent(rival, Ms):.2f} on this grid)"))
    return out
