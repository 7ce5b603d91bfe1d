"""Sharpness claims of the stability kinds (eos, sgd_lstsq, sgd_net), each with its negative control."""
from __future__ import annotations

import numpy as np

from ..verdicts import Claim, at_least, at_most, failed, holds, with_control
from ..verdicts import guarded_rows as _guard
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
def eos_claims(res: Result, exps) -> list[Claim]:
    """Claims of an ``eos`` experiment (Cohen et al.'s Chebyshev toy): every EoS run's sharpness
    reaches 2/eta and its late-time mean sits at 2/eta (control for both: the small-eta run), and the
    small-eta run sharpens past every EoS run's 2/eta (control: the EoS runs themselves)."""
    return _guard("edge-of-stability claims", EOS_REF, lambda: _eos_rows(res))


def _eos_rows(res: Result) -> list[Claim]:
    ctrl_mask = np.asarray(res["is_control"], bool)
    main = np.flatnonzero(~ctrl_mask)
    if main.size < 2:
        return [failed("edge-of-stability claims", EOS_REF, "at least two EoS step sizes (the "
                       "band is half their spacing)", f"{main.size} EoS runs")]
    eta = np.asarray(res["eta"], float)
    sharp = np.asarray(res["sharpness"], float)
    t = np.asarray(res["logs"])
    late = t >= t[-1] / 2
    level = np.mean(sharp[:, late], axis=1)            # late-time sharpness per run (NaN if diverged)
    thr = np.sort(2 / eta[main])
    band = float(np.min(thr[1:] / thr[:-1]) - 1) / 2   # relative half-spacing of the runs' 2/eta
    tol_l = float(res.meta.get("config", {}).get("lanczos_tol", 1e-6))
    k_ctrl = int(np.flatnonzero(ctrl_mask)[0]) if ctrl_mask.any() else None
    c = np.asarray(res["factors"], float)
    label = (f"the small-eta run (eta = 2/({c[k_ctrl]:g} lambda_0))" if k_ctrl is not None
             else "the small-eta run")
    pick = lambda idx: None if idx is None else np.atleast_1d(idx)   # noqa: E731

    def reaches(idx):
        return at_least("sharpness reaches 2/eta", EOS_REF, f"max_t eta lambda_t of each run "
                        f"(factors c = {c[idx].tolist()}, eta = 2/(c lambda_0): eta lambda_0 = 2/c "
                        "< 1 at the start)", 2 * (1 - tol_l),
                        np.max(sharp[idx] * eta[idx, None], axis=1),
                        why=f"progressive sharpening up to the GD stability threshold eta lambda = "
                            f"2; Lanczos relative tolerance {tol_l:g}")

    def hovers(idx):
        return at_most("sharpness hovers at 2/eta", EOS_REF, f"|mean over t >= T/2 of eta "
                       f"lambda_t - 2| of each run (c = {c[idx].tolist()})", 2 * band,
                       np.abs(level[idx] * eta[idx] - 2),
                       why=f"band 2 x {band:.3g}: half the smallest relative spacing of the EoS "
                           f"runs' 2/eta, so each run's late sharpness is nearer its own 2/eta "
                           f"than any other run's (the sharpness identifies eta)")

    cap = float(np.max(2 / eta[main]))

    def past_cap(levels):
        return at_least("the small-eta run sharpens past 2/eta of every EoS run", EOS_REF,
                        "late-time sharpness (mean over t >= T/2) over the largest EoS threshold "
                        f"max_k 2/eta_k = {cap:.4g}", 1 + band, np.max(levels) / cap,
                        why=f"outside the same band (1 + {band:.3g}): the EoS runs are capped by "
                            "their eta, not by the landscape, which sharpens further at small eta")
    return [
        with_control(reaches, main, pick(k_ctrl), label + ": converges below its 2/eta"),
        with_control(hovers, main, pick(k_ctrl), label + ": settles below its 2/eta"),
        with_control(past_cap, level[k_ctrl] if k_ctrl is not None else np.nan, level[main],
                     "the EoS runs' own late sharpness (capped at their 2/eta)")
        if k_ctrl is not None else failed("the small-eta run sharpens past 2/eta of every EoS run",
                                          EOS_REF, "a small-eta run (control_factor > 0)", "none"),
    ]


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
    return with_control(check, s, g, "the GD runs from the same inits at the same eta")
