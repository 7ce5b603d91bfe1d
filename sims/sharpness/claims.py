"""Sharpness claims by experiment kind, each with its negative control.

Width and parametrisation kinds here (ntk_init, width_sweep, lr_transfer; coord_check in
:mod:`sims.sharpness.coord_claims`); the stability kinds
(eos, sgd_lstsq, sgd_net) in :mod:`sims.sharpness.stability_claims`. gauss_newton has no ledger row:
lambda_max(J^T J/N) = lambda_max(J J^T)/N holds for any matrix and H = J^T J/N at r = 0 by
construction, so both are tests (tests/test_sharpness.py).

Tolerances: the NTK error exponent is the OLS slope over every (width, seed) point
(:func:`sims.fits.loglog_slope`) with tolerance t_{0.995, k-2} x its standard error (two-sided 99%),
fixed on the result and applied unchanged to the control; the width-sweep exponents are slopes of
the seed RMS with a jackknife s.e., t_{0.995, S-1} and a finite-width allowance, decided with
:func:`sims.decide.monte_carlo` (the width_sweep section); a grid optimum is known to half a grid
step; NTK entries are compared with the exact CLT standard deviation sigma_ij/sqrt(n).
"""
from __future__ import annotations

import numpy as np

from ..verdicts import Claim, at_most, failed, with_control
from ..verdicts import guarded_rows as _guard
from ..decide import decide, not_applicable
from ..results import Result
from .coord_claims import coord_check_claims
from .stability_claims import eos_claims, sgd_lstsq_claims, sgd_net_claims
from theory import sharpness as theory

JACOT = "Jacot et al. 2018"
NOCI = "Noci et al. 2024"
YANG = "Yang & Hu 2021"
REFERENCE = "theory/sharpness.py (Cho & Saul 2009; Jacot et al. 2018; Yang & Hu 2021; Wu & Su 2023)"
ALPHA = 0.01          # two-sided level of every fitted-exponent and CLT band (family-wise for the NTK)


# scipy.stats (through sims.fits) is imported where a claim needs it: it costs ~0.5 s of start-up,
# and every run job imports this package without checking a claim.
def loglog_slope(x, y):
    """:func:`sims.fits.loglog_slope`."""
    from ..fits import loglog_slope as fit
    return fit(x, y)


def t_band(fit) -> float:
    """t_{1 - ALPHA/2, k - 2} x the slope's standard error (nan when it has none)."""
    from scipy import stats
    if not (fit.k > 2 and np.isfinite(fit.stderr)):
        return float("nan")
    return float(stats.t.ppf(1 - ALPHA / 2, fit.k - 2) * fit.stderr)


def exponent_claim(name, reference, statement, fit, predicted: float, rival: float,
                   tol: float, rival_label: str, why: str) -> Claim:
    """The fitted exponent is within ``tol`` of ``predicted`` AND more than ``tol`` from ``rival``."""
    s = fit.slope
    ok = bool(np.isfinite(s) and np.isfinite(tol) and abs(s - predicted) <= tol
              and abs(s - rival) > tol)
    return Claim(name, reference, statement, predicted, s,
                 f"abs {tol:.3g}; {rival_label} {rival:g} outside it", why, ok)


def _pooled(x, y):
    """The (width, seed) points of y [width, seed] for a log-log fit."""
    y = np.asarray(y, float)
    return np.repeat(np.asarray(x, float), y.shape[-1]), y.ravel()


# ---- ntk_init ---------------------------------------------------------------------------------------
def ntk_init_claims(res: Result, exps) -> list[Claim]:
    """Claims of an ``ntk_init`` experiment: every entry of the empirical NTK within the CLT band of
    Theta_inf at every width (control: the nearest rival kernel), and the RMS error ~ n^-1/2
    (control: the rival O(1/n) rate)."""
    return (_guard("empirical NTK = Theta_inf within the CLT band", JACOT, lambda: [_ntk_band(res)])
            + _guard("NTK error ~ width^-1/2", JACOT, lambda: [_ntk_rate(res)]))


def _ntk_band(res: Result) -> Claim:
    X, emp, w = res["X"], res["ntk_emp"], np.asarray(res["widths"], float)
    iu = np.triu_indices(X.shape[1])
    se = theory.relu_ntk_entry_sd(X)[iu] / np.sqrt(w[:, None, None])      # [width, 1, entry]
    tests = emp[..., iu[0], iu[1]].size
    from scipy import stats
    z_crit = float(stats.norm.isf(ALPHA / 2 / tests))

    def check(kernel):
        z = np.abs(emp[..., iu[0], iu[1]] - kernel[iu]) / se
        return at_most("empirical NTK = Theta_inf within the CLT band", JACOT + " Thm 1 (Theta_n "
                       "-> Theta_inf at init); arc-cosine kernel: Cho & Saul 2009",
                       f"max over the {len(iu[0])} distinct entries and {emp.shape[1]} seeds of "
                       f"|Theta_n - Theta| / (sigma/sqrt n), per width n = {w.astype(int).tolist()}",
                       z_crit, z.max(axis=(1, 2)),
                       why=f"CLT: Theta_n is a mean of n iid neuron terms with the exact s.d. "
                           f"sigma_ij (theory.relu_ntk_entry_sd, kappa2); {z_crit:.2f} = two-sided "
                           f"normal quantile at {ALPHA:g} Bonferroni-corrected over {tests} entries")
    rivals = theory.relu_nngp_ntk_rivals(X)
    z_of = {k: float(np.max(np.abs(emp[..., iu[0], iu[1]] - K[iu]) / se)) for k, K in rivals.items()}
    nearest = min(z_of, key=z_of.get)
    others = ", ".join(f"{k}: max z {v:.3g}" for k, v in z_of.items() if k != nearest)
    return with_control(check, theory.relu_ntk(X), rivals[nearest],
                        f"nearest rival kernel, {nearest} (others also rejected: {others})")


def _ntk_rate(res: Result) -> Claim:
    w, rms = res["widths"], res["err_rms"]
    fit = loglog_slope(*_pooled(w, rms))
    tol = t_band(fit)
    predicted, rival = -0.5, -1.0

    def check(pred):
        other = rival if pred == predicted else predicted
        return exponent_claim(
            "NTK error ~ width^-1/2", JACOT + " Thm 1 (CLT rate of the infinite-width limit)",
            f"OLS slope of log RMS entry error vs log width over {fit.k} (width, seed) points, "
            f"widths {int(w[0])}..{int(w[-1])}", fit, pred, other, tol, "the other exponent",
            why=f"t_(0.995, {fit.k - 2}) x OLS s.e. {fit.stderr:.2g} (seed scatter of the RMS); the "
                "rival n^-1 is the rate of a finite-width mean correction (deeper nets: Hanin & "
                "Nica 2020; here E Theta_n = Theta_inf exactly, so only the n^-1/2 fluctuation "
                "remains)")

    return with_control(check, predicted, rival, "the rival exponent -1 (an O(1/n) mean correction)")


# ---- width_sweep ------------------------------------------------------------------------------------
# Each width-exponent row: v [width, seed] (eta (lambda_T - lambda_0), or the final relative feature
# movement); per width the seed RMS R_n = sqrt(mean_s v_ns^2); the exponent is the OLS slope of
# log R_n on log n, its s.e. the delete-one-seed jackknife's, z = t_(1 - ALPHA/(2 m), S - 1)
# (Bonferroni over the m = 4 rows of the sweep: a data set's four verdicts hold together); the
# tolerance z se + b (b: the finite-width allowance, :func:`width_allowance`), fixed on the row's own
# run and applied unchanged to the other parametrisation's run (the control); decided by
# :func:`sims.decide.monte_carlo` (UNDERPOWERED when S seeds cannot separate the two).
#
# Why the RMS and not the mean: in the kernel regime the sharpness change is O(1/n) in its mean AND
# in its seed-to-seed part (the first-order kernel change is odd in the readout weights, so it sums
# to an O(1/n) random-sign term), so on some data sets the mean is within its noise of 0 and single
# changes are negative; n v_n then has a width-independent distribution and its RMS ~ n^-1 whatever
# the sign. Under muP the change is O(1) with O(n^-1/2) seed scatter: RMS ~ mean ~ n^0.
def width_sweep_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``width_sweep`` experiment: width exponents of the sharpness change eta (lambda_T -
    lambda_0) and of the relative feature movement, for muP (0) and NTK (-1 and -1/2); each
    parametrisation's row is controlled by the other parametrisation's run of the same sweep."""
    params = [str(p) for p in res["params"]]
    out = []
    rows = 2 * sum(p in params for p in ("mup", "ntk"))         # the family of the Bonferroni
    for quantity in ("sharpness change", "feature movement"):
        for p in ("mup", "ntk"):
            if p in params:
                out += _guard(f"{p} {quantity} exponent", NOCI,
                              lambda p=p, q=quantity: [_width_row(res, params, p, q, rows)])
    return out or [failed("width-sweep claims", NOCI, "the sweep has an ntk or mup run",
                          f"params {params}")]


def _width_values(res: Result, p: int, quantity: str) -> np.ndarray:
    """[width, seed]: eta (lambda_T - lambda_0) or the final relative feature movement."""
    if quantity == "sharpness change":
        S = res["sharpness"][p]
        return (S[..., -1] - S[..., 0]) * res["eta"][p][:, None]
    return res["feature_move"][p][..., -1]


FORMULA = {"sharpness change": "eta (lambda_T - lambda_0)",
           "feature movement": "|phi(z_T) - phi(z_0)|_F / |phi(z_0)|_F"}


def _width_exponent(param: str, quantity: str) -> float:
    if quantity == "sharpness change":
        return theory.sharpness_change_exponent(param)
    return theory.width_exponents(param)["feature change per step"]


def rms_slope(widths, values) -> tuple[float, float]:
    """(OLS slope of log R_n on log n, its delete-one-seed jackknife s.e.), R_n = sqrt(mean_s
    v_ns^2) from values [width, seed]; (nan, nan) unless every value is finite and every R_n > 0."""
    v = np.asarray(values, float)
    x = np.log(np.asarray(widths, float))
    c = (x - x.mean()) / np.sum((x - x.mean()) ** 2)
    S = v.shape[-1]
    if not (np.all(np.isfinite(v)) and S >= 2 and np.all(np.sum(v * v, axis=-1) > 0)):
        return float("nan"), float("nan")

    def slope(ms):                          # ms: mean square [width, ...]
        return np.tensordot(c, 0.5 * np.log(ms), axes=(0, 0))
    sq = v * v
    full = float(slope(sq.mean(-1)))
    jack = slope((sq.sum(-1, keepdims=True) - sq) / (S - 1))       # [seed]: seed j left out
    se = float(np.sqrt((S - 1) / S * np.sum((jack - jack.mean()) ** 2)))
    return full, se


def width_allowance(widths, values) -> float:
    """b: the OLS-slope shift allowed for the finite-width correction, |sum_n c_n r_n^2| with c_n the
    OLS weights of log n and r_n^2 = 1 - mean_s(v)^2 / mean_s(v^2) the relative seed variance at
    width n. The leading corrections to both limits are O(1/n) relative: second order in the
    O(n^-1/2) per-seed fluctuation under muP (whose square r_n^2 measures them), O(1/n^2) on the
    O(1/n) change under NTK (where r_n^2 is width-independent to leading order, so b ~ its change
    with n); b is the slope a relative correction of size r_n^2 at each width would give."""
    v = np.asarray(values, float)
    x = np.log(np.asarray(widths, float))
    c = (x - x.mean()) / np.sum((x - x.mean()) ** 2)
    r2 = 1.0 - v.mean(-1) ** 2 / np.mean(v * v, axis=-1)
    return float(abs(np.sum(c * np.log1p(r2))))


def init_output_ratio(res: Result, params: list[str]) -> np.ndarray:
    """eps_n [width]: muP's init output relative to the targets, rms(f_0) / rms(y), from the
    step-0 losses L0 = mean_i (f_0i - y_i)^2 / 2 of both runs (f_0 independent of y, mean 0):
    E L0 = (sigma^2 g_n + Y) / 2 with g_n = 1 (NTK), n0/n (muP: f = NTK net / sqrt(n/n0)), so
    sigma^2 = 2 (L_ntk - L_mup) / (1 - n0/n) and Y = 2 L_mup - sigma^2 n0/n, seed means pooled over
    widths; without an NTK run sigma^2 / Y = 1. n0 = the config's base_width (16)."""
    w = np.asarray(res["widths"], float)
    n0 = float(res.meta.get("config", {}).get("base_width", 16))
    g = n0 / w
    ratio = 1.0
    if "ntk" in params and "loss" in res:
        L = np.asarray(res["loss"], float)[..., 0].mean(-1)               # [param, width]
        l_ntk, l_mup = L[params.index("ntk")], L[params.index("mup")]
        sigma2 = max(float(np.mean(2 * (l_ntk - l_mup) / (1 - g))), 0.0)
        Y = float(np.mean(2 * l_mup - sigma2 * g))
        ratio = sigma2 / Y if Y > 0 else float("inf")
    return np.sqrt(ratio * g)


def init_output_allowance(widths, eps) -> float:
    """b_f: the OLS-slope shift of a first-order correction of relative size eps_n (muP's init
    output: the first residual is f_0 - y, coord_claims.allowance's argument), i.e. |sum_n c_n
    (-log(1 - eps_n))|; inf where eps_n >= 1."""
    x = np.log(np.asarray(widths, float))
    c = (x - x.mean()) / np.sum((x - x.mean()) ** 2)
    eps = np.asarray(eps, float)
    if not np.all(eps < 1):
        return float("inf")
    return float(abs(np.sum(c * -np.log1p(-eps))))


def _width_row(res: Result, params: list[str], param: str, quantity: str, rows: int) -> Claim:
    from scipy import stats
    from ..decide import monte_carlo
    w = np.asarray(res["widths"], float)
    other = "ntk" if param == "mup" else "mup"
    pred, rival = _width_exponent(param, quantity), _width_exponent(other, quantity)
    main = _width_values(res, params.index(param), quantity)
    S = main.shape[-1]
    slope, se = rms_slope(w, main)
    b_r = width_allowance(w, main)
    eps = init_output_ratio(res, params) if param == "mup" else np.zeros_like(w)
    b_f = init_output_allowance(w, eps)
    b = b_r + b_f
    z = float(stats.t.ppf(1 - ALPHA / (2 * rows), S - 1)) if S >= 2 else float("nan")
    tol = z * se + b
    ref = (NOCI + " (abstract: sharpness width-independent along training under muP, width-"
           "dependent under NTK)"
           if quantity == "sharpness change" else
           YANG + " (abc power counting: Delta z ~ n^-1/2 for NTK, n^0 for muP)")
    src = ("theory.sharpness_change_exponent: 0 with feature learning, twice the feature exponent "
           "in the kernel regime (our derivation)" if quantity == "sharpness change"
           else "theory.width_exponents['feature change per step']")
    name = f"{param} {quantity} ~ width^{pred:g}"

    def check(values):
        s, e = rms_slope(w, values)
        ok = bool(np.isfinite(s) and np.isfinite(tol) and abs(s - pred) <= tol)
        return Claim(
            name, ref,
            f"OLS slope of log RMS over {S} seeds of {quantity} ({FORMULA[quantity]}) vs log "
            f"width, widths {w.astype(int).tolist()} (measured {s:.3g} +- {e:.2g} jackknife s.e.)",
            pred, round(s, 4) if np.isfinite(s) else s,
            f"abs {tol:.3g} = {z:.3g} s.e. + b {b:.3g}",
            f"exponent from {src}. Tolerance: t_(1 - {ALPHA:g}/(2 x {rows}), {S - 1}) = {z:.3g} "
            f"(Student t, {S} seeds, family-wise {ALPHA:g} Bonferroni over the sweep's {rows} "
            f"exponent rows) x the delete-one-seed jackknife s.e. {se:.2g} of the slope (seed "
            "spread), "
            f"plus b = {b:.3g}, the finite-width allowance: {b_r:.3g}, the slope shift of an O(1/n) "
            "correction of relative size r_n^2 (the measured relative seed variance at each width; "
            "sims.sharpness.claims.width_allowance)"
            + (f", plus {b_f:.3g}, that of a first-order correction of relative size eps_n = "
               f"rms(f_0)/rms(y) = {', '.join(f'{e:.3g}' for e in eps)} (muP's init output, "
               "estimated from both runs' step-0 losses: init_output_ratio)" if param == "mup"
               else "") + "; both fixed on the "
            f"{param} run and applied unchanged to the control. RMS, not mean: the NTK change's "
            "O(1/n) part has a random sign", ok)

    control = _width_values(res, params.index(other), quantity) if other in params else None
    row = with_control(check, main, control, f"the {other} run of the same sweep")
    if not np.isfinite(tol):
        return row
    # powered only if (1) this run's band excludes the rival exponent with 95% power (gap >=
    # (z + 1.645) se + 2 b: a run whose truth were the rival's would FAIL) and (2) the control
    # run's slope, with its own s.e., falls outside the band (gap >= z se + 1.645 se_c + b)
    row = monte_carlo(row, pred, rival, se, S, z=z, bias=b,
                      rival_label=f"the {other} exponent {rival:g}")
    if control is None or row.outcome != "PASS":
        return row
    c_slope, c_se = rms_slope(w, control)
    return monte_carlo(row, pred, c_slope if np.isfinite(c_slope) else rival, se, S, z=z, bias=b,
                       control_se=c_se if np.isfinite(c_se) else se,
                       rival_label=f"the {other} run of the same sweep")


# ---- lr_transfer ------------------------------------------------------------------------------------
def lr_transfer_claims(res: Result, exps) -> list[Claim]:
    """Claims of an ``lr_transfer`` experiment: the width exponent of the optimal base lr is 0 for
    muP and -1 for standard parametrisation, each controlled by the other parametrisation's run."""
    params = [str(p) for p in res["params"]]
    out = []
    for p, other in (("mup", "standard"), ("standard", "mup")):
        if p in params:
            out += _guard(f"{p} optimal lr exponent", YANG,
                          lambda p=p, o=other: [_lr_row(res, params, p, o)])
    return out or [failed("lr-transfer claims", YANG, "the sweep has a mup or standard run",
                          f"params {params}")]


def best_lr_index(loss) -> np.ndarray:
    """Grid index of the lr with the smallest seed-mean final loss, per width (a diverged seed makes
    the mean inf); -1 where every lr diverged."""
    m = np.mean(np.asarray(loss, float), axis=-1)
    m = np.where(np.isfinite(m), m, np.inf)
    return np.where(np.all(np.isinf(m), axis=-1), -1, np.argmin(m, axis=-1))


def _lr_row(res: Result, params: list[str], param: str, other: str) -> Claim:
    w, lrs = np.asarray(res["widths"], float), np.asarray(res["lrs"], float)
    x = np.log2(w)
    step = float(np.max(np.diff(np.log2(lrs)))) if lrs.size > 1 else float("nan")
    tol = 0.5 * step * np.sum(np.abs(x - x.mean())) / np.sum((x - x.mean()) ** 2)
    pred, rival = theory.optimal_lr_exponent(param), theory.optimal_lr_exponent(other)
    ref = YANG + " (output change ~ n^(1 - c) at c = 0 for standard, O(1) for muP); " + NOCI

    def check(loss):
        b = best_lr_index(loss)
        if np.any((b <= 0) | (b >= lrs.size - 1)):
            return Claim(f"{param} optimal lr ~ width^{pred:g}", ref, "the optimum must be inside "
                         "the lr grid at every width", pred, b, "-",
                         "an optimum at the grid's edge (or none) is not resolved", False)
        from ..fits import Slope
        fit = Slope(round(float(np.polyfit(x, np.log2(lrs[b]), 1)[0]), 12) + 0.0, float("nan"), len(b))
        return exponent_claim(
            f"{param} optimal lr ~ width^{pred:g}", ref,
            f"slope of log2 (base lr minimising the seed-mean loss after the run) vs log2 width, "
            f"widths {list(map(int, w))}: best lrs {lrs[b].tolist()}", fit, pred, rival, tol,
            f"the {other} exponent",
            why=f"grid resolution: each optimum is within half a grid step ({step / 2:g} in log2) of "
                f"the grid argmin, which moves the least-squares slope by at most "
                f"{tol:.3g} (= half step x sum|x - mean| / sum (x - mean)^2); exponent from "
                "theory.optimal_lr_exponent")
    ctrl = res["final_loss"][params.index(other)] if other in params else None
    row = with_control(check, res["final_loss"][params.index(param)], ctrl,
                       f"the {other} run of the same sweep")
    if ctrl is not None and row.check_passed:
        b = best_lr_index(ctrl)
        if np.any((b <= 0) | (b >= lrs.size - 1)):    # the control is unresolved, not rejected
            return decide(row, not_applicable(
                f"the {other} run's optimum is at the lr grid's edge (indices {b.tolist()} of "
                f"{lrs.size}): its exponent is not resolved, so its rejection says nothing",
                lrs="a grid that extends past the control's optimum at every width"))
    return row


CLAIMS = {"ntk_init": ntk_init_claims, "width_sweep": width_sweep_claims,
          "lr_transfer": lr_transfer_claims, "coord_check": coord_check_claims, "eos": eos_claims, "sgd_lstsq": sgd_lstsq_claims,
          "sgd_net": sgd_net_claims}
