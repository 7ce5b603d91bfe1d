"""Sharpness claims of the stability kinds (eos, sgd_lstsq, sgd_net), each with its negative control."""
from __future__ import annotations

import numpy as np

from ..verdicts import Claim, at_least, at_most, failed, holds, with_control
from ..verdicts import guarded_rows as _guard
from ..decide import decide, inapplicable, not_applicable
from ..results import Result
from theory import sharpness as theory

COHEN = "Cohen et al. 2021"
WUSU = "Wu & Su 2023"
EOS_REF = COHEN + " Fig. 1 (progressive sharpening, then the sharpness hovers at 2/eta)"
WUSU_REF = (WUSU + ", linear-stability analysis (abstract: a minimum linearly stable for SGD has "
            "tr H <= 2/eta; GD only needs lambda_max <= 2/eta)")
CONVERGED, DIVERGED = 1e-6, 1e6   # sgd_lstsq: relative error after T steps (see the why strings)
AT_MINIMUM = 1e-8                 # sgd_net: final loss of a run that reached a global minimum
ALPHA = 0.01


# ---- eos --------------------------------------------------------------------------------------------
FLOW_REF = (COHEN + " Sec. 3 / Fig. 1 (gradient flow sharpens past 2/eta where GD at eta is held "
            "at 2/eta; their Appendix runs of gradient flow)")
RKC_HALVING = 0.01    # halving the flow's RKC2 step moves its sharpness by less (measured <= 0.4%,
                      # tests/test_sharpness_eos.py; docs/simulators/sharpness.md)


def eos_claims(res: Result, exps) -> list[Claim]:
    """Claims of an ``eos`` experiment (Cohen et al.'s Chebyshev toy), both judged at matching
    times t = k eta over each GD run's late window T/2 <= t <= T (T = steps x eta): GD's sharpness
    hovers at 2/eta (control: the gradient flow over the same time, judged against the same 2/eta),
    and the gradient flow sharpens past 2/eta of every run (control: the GD runs themselves)."""
    return (_guard("edge-of-stability claims", EOS_REF, lambda: _eos_rows(res))
            + _guard(HVP_NAME, HVP_REF, lambda: [_hvp_row(res)]))


HVP_NAME = "Hessian-vector product = finite difference of the gradient at the last state"
HVP_REF = ("the curvature every sharpness row reads (Pearlmutter's R-operator, "
           "sims/sharpness/curvature.py); the residual term sum_i r_i grad^2 f_i is non-zero "
           "where the loss is")
FD_FLOOR = 1e-10      # relative round-off of the differences: eps |grad L| / (e/2) at e = 1e-4


def _hvp_row(res: Result) -> Claim:
    """Each GD run's H v within its central difference's own error estimate (sims.sharpness.fd_check)
    at the run's last state; control: the Gauss-Newton product at the same state and v. NOT
    APPLICABLE where a run ends at zero loss (nothing to decide); a non-finite loss (a diverged or
    broken run) fails."""
    spread = np.asarray(res["fd_spread"], float)
    bound = spread + FD_FLOOR
    loss = np.asarray(res["loss"], float)[:, -1]
    if np.all(np.isfinite(loss)) and np.any(loss <= 0):
        return inapplicable(HVP_NAME, HVP_REF, "H v against a finite difference of the gradient at "
                            "each GD run's last state", not_applicable(
                                f"last training losses {loss.tolist()}: a run at zero loss has no "
                                "residual term to tell H from the Gauss-Newton product",
                                loss="> 0"))

    def within(gap):
        return at_most(HVP_NAME, HVP_REF, "|H v - D(e/2)| / (|D(e) - D(e/2)| + "
                       f"{FD_FLOOR:g} |D(e/2)|) per GD run, one random unit v at its last state (training loss "
                       f"{np.round(loss, 5).tolist()})", 1.0,
                       np.where(np.isfinite(loss), np.asarray(gap, float) / bound, np.nan),
                       why="the central difference's error is ~1/3 of |D(e) - D(e/2)| (an O(e^2) "
                           f"scheme at e = 1e-4 and e/2; measured {np.round(spread, 12).tolist()} "
                           "relative), plus round-off; the Gauss-Newton product misses the "
                           "residual term, which a sign or factor slip in the second-order pass "
                           "changes too")
    return with_control(within, res["hvp_fd_gap"], res["gn_fd_gap"],
                        "the Gauss-Newton product J^T J v / N at the same state and v")


def late_level(sharp, times, horizon) -> np.ndarray:
    """Per run r: the mean of sharp[r] over its records at times t >= horizon[r]/2 (sharp, times
    [run, record]; NaN where a run has none or diverged)."""
    late = times >= np.asarray(horizon)[:, None] / 2
    return np.array([np.mean(row[m]) if m.any() else np.nan for row, m in zip(sharp, late)])


def first_time(x, times, level) -> np.ndarray:
    """Per run: the first recorded time with x >= level (NaN if none)."""
    hit = np.asarray(x) >= level
    return np.array([t[h][0] if h.any() else np.nan for t, h in zip(times, hit)])


def _eos_rows(res: Result) -> list[Claim]:
    eta = np.asarray(res["eta"], float)
    if eta.size < 2:
        return [failed("edge-of-stability claims", EOS_REF, "at least two GD step sizes (the "
                       "band is half their spacing)", f"{eta.size} GD runs")]
    logs = np.asarray(res["logs"], float)
    horizon = logs[-1] * eta                                      # T = steps x eta per run
    gd_t = logs[None, :] * eta[:, None]
    gd = np.asarray(res["sharpness"], float) * eta[:, None]       # eta lambda_t, GD
    fl_t = np.asarray(res["flow_time"], float)
    fl = np.asarray(res["flow_sharpness"], float) * eta[:, None]  # eta_r lambda(t = k eta_r), flow
    if fl.shape[0] != eta.size or fl_t.shape != fl.shape:
        raise ValueError(f"flow arrays {fl.shape} / {fl_t.shape} do not match {eta.size} runs")
    thr = np.sort(2 / eta)
    band = float(np.min(thr[1:] / thr[:-1]) - 1) / 2    # relative half-spacing of the runs' 2/eta
    level = {"gd": late_level(gd, gd_t, horizon), "flow": late_level(fl, fl_t, horizon)}
    c = np.asarray(res["factors"], float).tolist()
    frac = lambda t: np.round(t / horizon, 3).tolist()                      # noqa: E731
    gd_reach = frac(first_time(gd, gd_t, 2 * (1 - band)))
    fl_at_2 = frac(first_time(fl, fl_t, 2.0))
    fl_past = first_time(fl, fl_t, 2 * (1 + band))
    after = [float(np.min(x[t >= tc])) if np.isfinite(tc) else np.nan
             for x, t, tc in zip(fl, fl_t, fl_past)]
    cfg = res.meta.get("config", {})
    h = float(cfg.get("flow_step", np.nan))
    window = (f"mean of eta lambda_t over t = k eta in [T/2, T], T = steps x eta, per GD run "
              f"(c = {c}, eta = 2/(c lambda_0))")

    def hovers(x):
        return at_most("GD's sharpness hovers at 2/eta", EOS_REF, "|" + window + " - 2|",
                       2 * band, np.abs(x - 2),
                       why=f"band 2 x {band:.3g}: half the smallest relative spacing of the runs' "
                           f"2/eta, so each run's late sharpness is nearer its own 2/eta than any "
                           f"other run's; GD first reaches 2(1 - {band:.3g})/eta at t/T = "
                           f"{gd_reach} (the window starts at 1/2); the control is the gradient "
                           "flow from the same init at the same times, judged against the same "
                           "eta")

    def sharpens(x):
        return at_least("gradient flow over the same time sharpens past 2/eta of every GD run",
                        FLOW_REF, window + " (the flow's lambda at those times)", 2 * (1 + band),
                        x, why=f"outside the same band (1 + {band:.3g}); the flow crosses 2/eta "
                               f"at t/T = {fl_at_2} (GD reaches 2(1 - band)/eta at {gd_reach}: it "
                               f"follows the flow until then) and 2(1 + band)/eta at t/T = {frac(fl_past)}, "
                               f"then stays past it to T (min eta lambda after crossing "
                               f"{np.round(after, 3).tolist()}): the verdict holds for every "
                               "horizon T over twice the crossing time, the one the hover row "
                               f"needs too. Flow by RKC2 (order 2), step h = {h:g} x min eta; "
                               f"halving h moves lambda by < {RKC_HALVING:.0%}, against a "
                               f"margin of {np.nanmin(x) / (2 * (1 + band)) - 1:+.0%}")
    return [with_control(hovers, level["gd"], level["flow"],
                         "the gradient flow over the same time (sharpens past 2/eta)"),
            with_control(sharpens, level["flow"], level["gd"],
                         "the GD runs' own late sharpness (held at 2/eta)")]


# ---- sgd_lstsq --------------------------------------------------------------------------------------
def sgd_lstsq_claims(res: Result, exps) -> list[Claim]:
    """Claims of an ``sgd_lstsq`` experiment: GD converges iff eta < 2/lambda_max (control: the SGD
    runs) and batch-1 SGD converges iff eta < 2/tr H (control: the GD runs, Wu & Su's contrast)."""
    return _guard("least-squares stability claims", WUSU_REF, lambda: _lstsq_rows(res))


def _lstsq_rows(res: Result) -> list[Claim]:
    cfg = res.meta.get("config", {})
    if int(cfg.get("batch", 1)) != 1:
        return [failed("least-squares stability claims", WUSU_REF, "batch-1 SGD (the thresholds "
                       "below are derived for it)", f"batch {cfg.get('batch')}")]
    lrs, err = np.asarray(res["lrs"], float), np.asarray(res["rel_error"], float)
    methods = [str(m) for m in res["methods"]]
    gd, sgd = err[methods.index("gd")], err[methods.index("sgd")]
    T, N = int(cfg.get("steps", 0)), int(cfg.get("rows", 1))
    lam, tr = float(res["lambda_max"]), float(res["trace"])

    def classify(threshold, label, ref, factor):
        below, above = lrs[lrs < threshold], lrs[lrs > threshold]
        near = ([below.max()] if below.size else []) + ([above.min()] if above.size else [])
        per = ", ".join(f"eta = {v:g}: {factor(v):.1e}" for v in near)

        def check(e):
            e = np.asarray(e, float)
            conv, div = e < CONVERGED, ~np.isfinite(e) | (e > DIVERGED)
            ok = below.size > 0 and above.size > 0 and bool(np.all(np.where(lrs < threshold,
                                                                            conv, div)))
            return holds(label, ref, f"|X(w_T - w*)| / |X(w_0 - w*)| after {T} steps: < "
                         f"{CONVERGED:g} where eta < {threshold:.4g}, > {DIVERGED:g} (or overflow) "
                         f"above; eta = {lrs.tolist()} (needs points on both sides)", ok, e,
                         predicted=np.where(lrs < threshold, "converge", "diverge").tolist(),
                         why=f"predicted factor after {T} steps at the grid points nearest the "
                             f"threshold: {per}; the thresholds {CONVERGED:g} / {DIVERGED:g} lie "
                             "decades inside them")
        return check

    gd_check = classify(theory.gd_threshold(lam), "GD converges iff eta < 2/lambda_max",
                        COHEN + " Sec. 2 (GD on a quadratic is stable iff eta lambda_max < 2)",
                        lambda v: abs(1 - v * lam) ** T)
    sgd_check = classify(theory.sgd_trace_threshold(tr), "batch-1 SGD converges iff eta < 2/tr H",
                         WUSU_REF + "; E e_j^2 factor 1 - (2 eta - eta^2)/N (theory.sgd_lstsq_factor)",
                         lambda v: abs(1 - v) ** _hits(T / N, v < 2))
    return [with_control(gd_check, gd, sgd, "the SGD runs at the same eta (diverge above 2/tr H)"),
            with_control(sgd_check, sgd, gd, "the GD runs at the same eta (stable up to "
                                             "2/lambda_max)")]


def _hits(mean: float, converging: bool) -> float:
    """Hits of a row in T steps of batch-1 SGD: Poisson(T/N) per row, each multiplying that row's
    error by (1 - eta). A converging error is set by the least-hit row (about T/N - 2 sqrt(T/N) of
    N = 20 rows), a diverging one grows at least like a typical row (T/N)."""
    return mean - 2 * np.sqrt(mean) if converging else mean


# ---- sgd_net ----------------------------------------------------------------------------------------
def sgd_net_claims(res: Result, exps) -> list[Claim]:
    """Claim of an ``sgd_net`` experiment: every SGD run that reached a global minimum has tr(H) <=
    2/eta (control: the GD runs from the same inits at the same eta, whose minima may violate it)."""
    return _guard("bounded SGD ends with tr(H) <= 2/eta", WUSU_REF, lambda: [_sgd_net_row(res)])


def _sgd_net_row(res: Result) -> Claim:
    lrs = np.asarray(res["lrs"], float)
    methods = [str(m) for m in res["methods"]]
    loss, trace, se = (np.asarray(res[k], float) for k in ("loss", "trace", "trace_se"))
    bound = theory.sgd_trace_threshold(lrs)[:, None]
    at_min = lambda j: np.isfinite(trace[j]) & (loss[j] < AT_MINIMUM)   # noqa: E731
    s, g = methods.index("sgd"), methods.index("gd")
    m = max(int(at_min(s).sum()), 1)
    from scipy import stats            # here, not at import: ~0.5 s of every run job's start-up
    z = float(stats.norm.isf(ALPHA / m))
    probes = res.meta.get("config", {}).get("probes", "?")

    def check(j):
        ok = at_min(j)
        gap = np.where(ok, trace[j] - z * se[j] - bound, -np.inf)
        measured = float(np.max(gap)) if ok.any() else float("nan")
        return at_most("runs that reach a minimum end with tr(H) <= 2/eta", WUSU_REF,
                       f"max over runs at a minimum (loss < {AT_MINIMUM:g}) of tr(H) - {z:.2f} SE "
                       f"- 2/eta (Hutchinson, {probes} Rademacher probes; eta = "
                       f"{np.round(lrs, 3).tolist()})", 0.0, measured,
                       why=f"the linear-stability bound; {z:.2f} = one-sided normal quantile at "
                           f"{ALPHA:g} Bonferroni-corrected over the {m} SGD minima, times the "
                           "Hutchinson standard error std/sqrt(probes)")
    row = with_control(check, s, g, "the GD runs from the same inits at the same eta")
    if row.check_passed and not at_min(g).any():   # no GD minimum in T steps: a mute control
        steps = res.meta.get("config", {}).get("steps", "?")
        return decide(row, not_applicable(
            f"no GD run reached a minimum (loss < {AT_MINIMUM:g}) in {steps} steps: the control "
            "is rejected only for want of a minimum, not by tr(H) > 2/eta",
            steps="more GD steps (or larger eta) so that the GD runs reach a minimum"))
    return row
