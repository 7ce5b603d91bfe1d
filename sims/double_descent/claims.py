"""Double-descent claims, by experiment kind, each with its negative control, each deciding
whether it can decide before it judges (:mod:`sims.decide`).

Applicability is read from the sweep (:class:`Grid`: the ratios, widths, n, r, sigma the config
asked for; a result whose arrays disagree with its config FAILs as broken). Power comes from each
claim's own variance model: the standard error of a mean over S seeds scales as 1/sqrt(S), so the
per-seed spread of the run (or of a pilot: :mod:`sims.double_descent.plan`) gives the seeds at
which the claim decides. Every control here is another estimator of the same run or a rival
formula at the same sizes, so control and result share every setting by construction (no
``share=`` needed; see :mod:`sims.verdicts`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..decide import (Undecided, first, inapplicable, decide, monte_carlo, not_applicable,
                      order_resolved)
from ..verdicts import Claim, at_least, at_most, close, controlled, failed, holds, with_control, within_se
from ..results import Result
from theory import double_descent as theory
from .kernel_claim import gram_claim

HASTIE = "Hastie et al. 2022"
LIU = "Liu & Flanigan 2023"

Z_MAX = 3.5          # two-sided, per checked ratio: ~5e-4 false-fail each, ~0.3% over six
MIN_GAP = 10         # Monte-Carlo points need |p - n| >= 10: the risk's variance is finite for |p - n| > 3
RIDGE_BIAS = 3.0     # optimal-ridge finite-n bias <= RIDGE_BIAS / n (measured 1.5% at n = 200)
PEAK_WINDOW = 0.1    # the peak claim needs a grid point with |p/n - 1| <= PEAK_WINDOW
NO_PEAK_BUDGET = 1000.0     # a budget that fits the bulk of the spectrum but not its small end
PEAK_FACTOR = 10.0
NO_PEAK_FACTOR = 1.2
TRAIN_FLOOR = 1e-3
RF_RATIOS = (0.5, 1.0, 4.0)  # N/n at which the random-features claims read the curve

FINITE_N = "min-norm risk = exact finite-n formula"
TRAIN_LEVEL = "min-norm train loss = sigma^2 (n - p)/(2n) below p = n"
SEBER = ("Seber & Lee 2003, Linear Regression Analysis, Thm 3.3 (E RSS = sigma^2 (n - p)), in "
         + HASTIE + " Sec. 2's model")
PEAK = "risk peak at p/n = 1"
MINIMUM = "overparametrised minimum at gamma* = r/(r - sigma)"
RIDGE_FORMULA = "optimal ridge = asymptotic formula"
RIDGE_NO_PEAK = "optimal ridge removes the peak"
CLOSED_FORM = "closed-form GD filter = iterated GD"
GD_LIMIT = "GD at the largest budget = the min-norm solution"

CF_SAFETY = 10.0     # round-off headroom of the closed-form check (see closed_form_claim)
GD_RATE = 40.0       # GD-limit points: t lr / kappa^2 >= 40, the filters then differ by <= e^-40
GD_LIMIT_ROUNDOFF = 1e3   # GD-limit tolerance, in eps_mach min(n, p) (see gd_limit_claim)


class Grid(NamedTuple):
    """The sweep a linear claim reads, from the config: p/n ``ratios`` and ``widths`` p [ratio],
    samples ``n``, signal r, noise sigma, ``seeds``."""

    n: int
    ratios: np.ndarray
    widths: np.ndarray
    signal: float
    noise: float
    seeds: int


def grid_of(config: dict, widths) -> Grid:
    return Grid(int(config["n"]), np.asarray(config["ratios"], float), np.asarray(widths, float),
                float(config["signal"]), float(config["noise"]), int(config["seeds"]))


def mismatch(res: Result) -> str:
    """Why a result's arrays disagree with its config ('' when they agree)."""
    cfg = res.meta["config"]
    for key in ("ratios", "budgets"):
        if not np.array_equal(np.asarray(res[key], float), np.asarray(cfg[key], float)):
            return f"{key} {res[key].tolist()} but the config asked for {list(cfg[key])}"
    seeds = res["min_norm_risk"].shape[0]
    if seeds != cfg["seeds"]:
        return f"{seeds} seeds but the config asked for {cfg['seeds']}"
    return ""


def _broken(kind: str, res: Result) -> list[Claim]:
    why = mismatch(res)
    return [failed(f"{kind} result matches its config", HASTIE, "the arrays hold the sweep the "
                   "config asked for", why)] if why else []


# ---- applicability, from the grid alone ----------------------------------------------------------
def mc_points(g: Grid) -> np.ndarray:
    return np.flatnonzero(np.abs(g.widths - g.n) >= MIN_GAP)


def peak_index(g: Grid) -> int:
    """The grid point nearest p/n = 1 (ties: the larger finite-n risk)."""
    d = np.abs(g.ratios - 1.0)
    near = np.flatnonzero(d == d.min())
    risk = theory.min_norm_risk_finite(g.n, g.widths[near], g.signal, g.noise)
    return int(near[np.argmax(risk)])


def finite_applicable(g: Grid) -> Undecided | None:
    if mc_points(g).size == 0:
        return not_applicable(f"no p with |p - n| >= {MIN_GAP} (the risk's variance is infinite "
                              "near p = n)", ratios=f"a p/n with |p - n| >= {MIN_GAP}")
    return None


def peak_applicable(g: Grid) -> Undecided | None:
    j = peak_index(g)
    if abs(g.ratios[j] - 1.0) > PEAK_WINDOW:
        return not_applicable(f"no p/n within {PEAK_WINDOW:g} of 1 (nearest {g.ratios[j]:g})",
                              ratios=f"a p/n within {PEAK_WINDOW:g} of 1")
    if not (np.any(g.ratios < g.ratios[j]) and np.any(g.ratios > g.ratios[j])):
        return not_applicable(f"no p/n on both sides of {g.ratios[j]:g}: a monotone curve (the "
                              "control's) would peak there too", ratios="p/n below and above 1")
    return None


def minimum_index(g: Grid) -> tuple[int, np.ndarray]:
    over = np.flatnonzero(g.ratios > 1)
    g_star = float(theory.overparam_minimiser(g.signal, g.noise))
    return int(over[np.argmin(np.abs(g.ratios[over] - g_star))]), over


def minimum_applicable(g: Grid) -> Undecided | None:
    if g.signal <= g.noise:
        return not_applicable(f"gamma* = r/(r - sigma) exists only for r > sigma (r = "
                              f"{g.signal:g}, sigma = {g.noise:g})", signal="> noise")
    if np.sum(g.ratios > 1) < 3:
        return not_applicable("fewer than 3 p/n > 1", ratios="p/n > 1 around gamma*")
    k, over = minimum_index(g)
    q = g.ratios[over]
    if not (np.any(q < g.ratios[k]) and np.any(q > g.ratios[k])):
        g_star = float(theory.overparam_minimiser(g.signal, g.noise))
        return not_applicable(f"no p/n > 1 on both sides of the one nearest gamma* = {g_star:g}",
                              ratios=f"p/n > 1 below and above {g_star:g}")
    return None


# ---- power, from the per-seed spread (``risk`` [seed, ratio]; standard errors at ``seeds``) -------
def _se(a: np.ndarray, seeds: int) -> np.ndarray:
    return a.std(0, ddof=1) / np.sqrt(seeds)


def finite_power(g: Grid, risk: np.ndarray, seeds: int):
    """(finite-n prediction, asymptotic rival, s.e.) at the Monte-Carlo points."""
    mc = mc_points(g)
    return (theory.min_norm_risk_finite(g.n, g.widths[mc], g.signal, g.noise),
            theory.min_norm_risk(g.ratios[mc], g.signal, g.noise), _se(risk[:, mc], seeds))


def minimum_differences(g: Grid, risk: np.ndarray, seeds: int):
    """(finite-n risk of both neighbours minus that of the point nearest gamma*, their paired
    s.e.): the argmin is resolved when each stands Z_MAX s.e. above 0."""
    k, over = minimum_index(g)
    nb = [j for j in (k - 1, k + 1) if j in over]
    f = theory.min_norm_risk_finite(g.n, g.widths, g.signal, g.noise)
    return (np.array([f[j] - f[k] for j in nb]),
            np.array([_se(risk[:, j] - risk[:, k], seeds) for j in nb]))


def minimum_power(g: Grid, risk: np.ndarray, seeds: int) -> Undecided | None:
    return order_resolved(*minimum_differences(g, risk, seeds), seeds, z=Z_MAX,
                          what="the minimum against its neighbours")


def ridge_power(g: Grid, ridge: np.ndarray, risk: np.ndarray, seeds: int) -> dict:
    """The optimal-ridge formula's power model at the Monte-Carlo points: its check is the mean
    ridge risk within one tolerance, the largest of Z_MAX s.e. + bias over the points (bounded by
    the largest s.e. and the largest bias); the control is the min-norm curve, whose mean is the
    finite-n formula, with its own s.e."""
    far = mc_points(g)
    theo = theory.optimal_ridge_risk(g.ratios[far], g.signal, g.noise)
    return dict(predicted=theo, rival=theory.min_norm_risk_finite(g.n, g.widths[far], g.signal,
                                                                   g.noise),
                se=float(np.max(_se(ridge[:, far], seeds))), control_se=_se(risk[:, far], seeds),
                bias=float(np.max(RIDGE_BIAS / g.n * theo)))


def ridge_order_differences(g: Grid, ridge: np.ndarray, seeds: int):
    """(the predicted increases of the optimal-ridge risk, the s.e. of the paired differences):
    the monotone claim is resolved when each stands Z_MAX s.e. above 0."""
    return (np.diff(theory.optimal_ridge_risk(g.ratios, g.signal, g.noise)),
            _se(np.diff(ridge, axis=1), seeds))


def ridge_order_power(g: Grid, ridge: np.ndarray, seeds: int) -> Undecided | None:
    return order_resolved(*ridge_order_differences(g, ridge, seeds), seeds, z=Z_MAX,
                          what="the increase of the optimal-ridge risk")


# ---- the linear claims ---------------------------------------------------------------------------
def linear_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``linear`` experiment: finite-n min-norm risk (control: the asymptotic rival),
    the peak at p = n and the overparametrised minimum (control: optimal ridge, which has
    neither), optimal ridge = its asymptotic formula without a peak (control: min-norm), and
    GD's closed form and infinite-budget limit (:func:`closed_form_claim`,
    :func:`gd_limit_claim`)."""
    broken = _broken("linear", res)
    if broken:
        return broken
    g = grid_of(res.meta["config"], res["widths"])
    risk, ridge = res["min_norm_risk"], res["ridge_opt_risk"]
    S, n, q = risk.shape[0], g.n, g.ratios
    out = []

    blocker = finite_applicable(g)
    if blocker:
        out.append(inapplicable(FINITE_N, HASTIE + " Sec. 2", "mean |a - beta|^2", blocker))
    else:
        mc = mc_points(g)
        finite, asym, se = finite_power(g, risk, S)
        mean = risk[:, mc].mean(0)

        def risk_formula(pred):
            return within_se(FINITE_N, HASTIE + " Sec. 2 (inverse Wishart mean; bias of a uniform "
                             "projection)", f"mean |a - beta|^2 over {S} seeds at p/n = "
                             f"{q[mc].tolist()}, n = {n}", pred, mean, se, z=Z_MAX,
                             why=f"Monte-Carlo: {Z_MAX} standard errors ({S} seeds; s.e. "
                                 f"{np.max(se / np.where(finite > 0, finite, np.inf)):.1%} of "
                                 "the prediction at most); |p - n| "
                                 f">= {MIN_GAP} keeps the variance finite")
        label = "the asymptotic formula (Hastie et al. Thm 1, n -> inf)"
        row = controlled(risk_formula(finite), risk_formula(asym), label)
        out.append(monte_carlo(row, finite, asym, se, S, z=Z_MAX, rival_label=label))

    out.append(train_level_claim(g, res["min_norm_train"], S))

    blocker = peak_applicable(g)
    if blocker:
        out.append(inapplicable(PEAK, HASTIE + " Thm 1", "argmax of the mean risk", blocker))
    else:
        j1 = peak_index(g)

        def peak(curve):
            m = curve.mean(0)
            return holds(PEAK, HASTIE + " Thm 1 (divergence at gamma = 1)", "argmax over the "
                         "sweep of the mean risk is the grid point nearest 1",
                         int(np.argmax(m)) == j1, float(q[np.argmax(m)]), predicted=float(q[j1]),
                         why="exact argmax on the grid (the finite-n risk diverges at |p - n| "
                             "<= 1)")
        out.append(with_control(peak, risk, ridge, "optimal ridge (Hastie et al. Thm 5: no peak)"))

    blocker = minimum_applicable(g)
    if blocker:
        out.append(inapplicable(MINIMUM, HASTIE + " Sec. 3", "argmin over p/n > 1", blocker))
    else:
        k, over = minimum_index(g)
        g_star = float(theory.overparam_minimiser(g.signal, g.noise))

        def minimum(curve):
            m = curve.mean(0)[over]
            best = float(q[over][np.argmin(m)])
            return holds(MINIMUM, HASTIE + " Sec. 3 (Thm 1's overparametrised branch)",
                         f"argmin of the mean risk over p/n > 1 is the grid point nearest "
                         f"gamma* = {g_star:g}", best == float(q[k]), best, predicted=float(q[k]),
                         why="exact argmin on the grid")
        row = with_control(minimum, risk, ridge, "optimal ridge (risk increasing in p/n)")
        out.append(decide(row, minimum_power(g, risk, S)))

    blocker = finite_applicable(g)
    if blocker:
        out.append(inapplicable(RIDGE_FORMULA, HASTIE + " Thm 5", "mean ridge risk", blocker))
    else:
        far = mc_points(g)
        power = ridge_power(g, ridge, risk, S)
        theo = power["predicted"]

        def ridge_formula(curve):
            m, e = curve[:, far].mean(0), _se(curve[:, far], S)
            tol = Z_MAX * e + RIDGE_BIAS / n * theo
            return close(RIDGE_FORMULA, HASTIE + " Thm 5 / Dobriban & Wager 2018", f"mean risk "
                         f"at lam* = sigma^2 gamma / r^2 over {S} seeds, n = {n}", theo, m,
                         atol=float(np.max(tol)),
                         why=f"{Z_MAX} s.e. plus the finite-n O(1/n) bias, <= {RIDGE_BIAS:g}/n "
                             "relative (1.5% measured at n = 200)")
        label = "min-norm least squares (lam = 0)"
        row = with_control(ridge_formula, ridge, risk, label)
        out.append(monte_carlo(row, seeds=S, z=Z_MAX, rival_label=label, **power))

    blocker = peak_applicable(g)
    if blocker:
        out.append(inapplicable(RIDGE_NO_PEAK, HASTIE + " Thm 5", "monotone mean risk", blocker))
    else:
        def increasing(curve):
            m = curve.mean(0)
            return holds(RIDGE_NO_PEAK, HASTIE + " Thm 5 (risk increasing in gamma at lam*)",
                         "the mean risk increases monotonically in p/n",
                         bool(np.all(np.diff(m) > 0)), m, predicted="increasing",
                         why="monotone sequence")
        row = with_control(increasing, ridge, risk, "min-norm least squares (peak at p = n)")
        out.append(decide(row, ridge_order_power(g, ridge, S)))
    return out + [closed_form_claim(res), gd_limit_claim(res)]


def train_level_claim(g: Grid, train: np.ndarray, S: int) -> Claim:
    """The level of the min-norm (least-squares) training loss |Z a - y|^2/(2n) [seed, ratio] at
    every p < n: its mean over S seeds against sigma^2 (n - p)/(2n), within Z_MAX s.e.; the rival
    is the noise floor sigma^2/2, a fit that absorbs none of the noise's n dimensions."""
    statement = "mean |Z a - y|^2/(2n) of the min-norm fit"
    under = np.flatnonzero(g.widths < g.n)
    if under.size == 0:
        return inapplicable(TRAIN_LEVEL, SEBER, statement,
                            not_applicable("no p < n on the grid", ratios="a p/n below 1"))
    if g.noise == 0:
        return inapplicable(TRAIN_LEVEL, SEBER, statement, not_applicable(
            "noise-free labels: the level and its rival are both 0", noise="sigma > 0"))
    predicted = theory.min_norm_train_finite(g.n, g.widths[under], g.noise)
    rival = np.full(under.size, 0.5 * g.noise**2)
    measured, se = train[:, under].mean(0), _se(train[:, under], S)

    def level(pred):
        return within_se(TRAIN_LEVEL, SEBER, f"{statement} over {S} seeds at p/n = "
                         f"{g.ratios[under].tolist()}, n = {g.n}", pred, measured, se, z=Z_MAX,
                         why=f"Monte-Carlo: {Z_MAX} standard errors ({S} seeds; the loss is "
                             f"sigma^2 chi^2_(n-p)/(2n), s.e. {np.max(se / predicted):.1%} of the "
                             "prediction at most)")
    label = "the noise floor sigma^2/2 (the fit absorbing no noise)"
    row = controlled(level(predicted), level(rival), label)
    return monte_carlo(row, predicted, rival, se, S, z=Z_MAX, rival_label=label)


# ---- claims of both kinds: GD's closed form and its infinite-budget limit ------------------------
def closed_form_claim(res: Result) -> Claim:
    """The spectral filter phi_t(s) = [1 - (1 - eta s^2/n)^t]/s equals ``check_steps`` explicit
    GD steps from zero (seed 0, every ratio). Control: the same filter at ``check_steps - 1``."""
    cfg = res.meta["config"]
    T, lr, n = int(cfg["check_steps"]), float(cfg["lr"]), int(cfg["n"])
    p = float(np.max(res["widths"]))
    tol = CF_SAFETY * T * lr * (n + p) * np.finfo(float).eps

    def check(gap):
        return at_most(CLOSED_FORM, LIU + " Sec. 2 (GD from zero on least squares is a spectral "
                       "filter)", f"max over p/n of |a_closed - a_iter|/|a_iter| after {T} "
                       f"explicit steps at lr = {lr:g}/lambda_max (seed 0)", tol,
                       float(np.max(gap)),
                       why=f"float64 round-off: each explicit step adds <= lr (n + p) eps_mach "
                           f"relative (two matrix-vector products, contracted by the stable "
                           f"iteration, |1 - eta s^2/n| <= 1), over {T} steps, x{CF_SAFETY:g} "
                           "headroom; the filter phi_t is Lipschitz (phi_t(s) <= t eta s/n), so "
                           "the SVD's backward error enters without the condition number")
    return with_control(check, res["closed_form_check"], res["closed_form_off_by_one"],
                        f"the filter at {T - 1} steps (an off-by-one step count)")


def gd_limit_claim(res: Result) -> Claim:
    """GD at the largest budget t has the min-norm solution's risk wherever its slowest mode has
    converged: the residual of the filter is max(exp(-t lr / kappa^2), |1 - lr|^t) with kappa the
    design's condition number (``condition``), and the claim reads the (seed, ratio) points where
    that is <= e^-GD_RATE. Control: the smallest budget at the same points."""
    cfg = res.meta["config"]
    budgets = np.asarray(res["budgets"], float)
    lr = float(cfg["lr"])
    b = int(np.argmax(budgets))
    t = float(budgets[b])
    kappa = np.asarray(res["condition"], float)
    top = np.inf if lr == 1.0 else -t * np.log(abs(1.0 - lr))
    rate = np.minimum(t * lr / kappa**2, top)
    where = rate >= GD_RATE
    statement = (f"|GD risk / min-norm risk - 1| at t = {t:g}, at the {int(where.sum())} of "
                 f"{where.size} (seed, p/n) points with t lr / kappa^2 >= {GD_RATE:g}")
    reference = LIU + " Sec. 2 (GD from zero converges to the min-norm solution for 0 < lr < 2)"
    if len(budgets) < 2 or not where.any() or budgets[0] == t:
        why = not_applicable("needs a budget long enough for the slowest mode and a shorter one "
                             "(the control)", budgets="a budget t with t lr / kappa^2 >= "
                             f"{GD_RATE:g} and a smaller one")
        return inapplicable(GD_LIMIT, reference, statement, why)
    mn = np.asarray(res["min_norm_risk"], float)[where]
    p_max = float(np.max(np.minimum(res["widths"], int(cfg["n"]))))
    tol = GD_LIMIT_ROUNDOFF * p_max * np.finfo(float).eps

    def check(gd):
        return at_most(GD_LIMIT, reference, statement, tol,
                       float(np.max(np.abs(np.asarray(gd, float)[where] / mn - 1.0))),
                       why=f"the filters differ by <= e^-{GD_RATE:g} at these points, below "
                           f"round-off; the risk is a sum over min(n, p) <= {p_max:g} "
                           f"modes, each exact to a few eps_mach: {GD_LIMIT_ROUNDOFF:g} eps_mach "
                           "min(n, p) (a doubled step, lr/lambda_max -> 2 lr/lambda_max, gives "
                           "4.36 at p/n = 0.1)")
    gd = np.asarray(res["gd_risk"], float)
    return with_control(check, gd[:, :, b], gd[:, :, 0],
                        f"GD at the smallest budget t = {budgets[0]:g} (not converged)")


# ---- the random-features claims ------------------------------------------------------------------
RF_CLAIMS = ("peak height at N = n", "risk peak at N = n", f"{NO_PEAK_BUDGET:g} GD steps show no "
             "peak", f"{NO_PEAK_BUDGET:g} GD steps leave the train loss above {TRAIN_FLOOR:g}",
             "optimal ridge removes the peak")


def rf_applicable(ratios, budgets) -> Undecided | None:
    """The random-features claims read the curve at N/n = 0.5, 1, 4 after a 1000-step budget."""
    lacking = [f"N/n = {v:g}" for v in RF_RATIOS if v not in [float(x) for x in ratios]]
    if NO_PEAK_BUDGET not in [float(b) for b in budgets]:
        lacking.append(f"the {NO_PEAK_BUDGET:g}-step budget")
    if lacking:
        return not_applicable("the sweep has no " + ", no ".join(lacking),
                              ratios="N/n = 0.5, 1 and 4", budgets=f"{NO_PEAK_BUDGET:g}")
    return None


def rf_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``relu_rf`` experiment: the peak at N = n (control: the oracle ridge), and a
    GD budget that hides it without interpolating (control: the exact min-norm solver)."""
    broken = _broken("random-features", res)
    if broken:
        return broken
    blocker = first(rf_applicable(res["ratios"], res["budgets"]))
    if blocker:
        return [inapplicable(c, LIU, "random-features claims", blocker) for c in RF_CLAIMS]
    jh, j1, j4 = ([float(x) for x in res["ratios"]].index(v) for v in RF_RATIOS)
    b = [float(x) for x in res["budgets"]].index(NO_PEAK_BUDGET)
    q = res["ratios"]
    S = res["min_norm_risk"].shape[0]
    oracle = res["ridge_risk"].min(axis=2)           # best grid penalty per seed and N
    gd, exact = res["gd_risk"][:, :, b], res["min_norm_risk"]
    nearest = int(np.argmin(np.abs(q - 1.0)))

    def height(curve):
        med = np.median(curve, axis=0)
        return at_least(RF_CLAIMS[0], "Mei & Montanari 2022 Thm 1 (divergence at N = n); " + LIU,
                        f"median test error ({S} seeds) at N = n over that at N = n/2 and at "
                        "N = 4n", PEAK_FACTOR,
                        {"vs n/2": med[j1] / med[jh], "vs 4n": med[j1] / med[j4]},
                        why="a bounded-risk estimator gives ratios <= ~1 (the oracle ridge "
                            "here); the min-norm risk diverges at N = n as n -> inf. A factor 10 "
                            "separates the two on a log scale")
    out = [with_control(height, exact, oracle, "oracle ridge (no peak)")]

    def argmax(curve):
        med = np.median(curve, axis=0)
        return holds(RF_CLAIMS[1], "Mei & Montanari 2022; " + LIU, "argmax over the sweep of the "
                     "median test error is the grid point nearest N = n",
                     int(np.argmax(med)) == nearest, float(q[np.argmax(med)]),
                     predicted=float(q[nearest]), why="exact argmax on the grid")
    out.append(with_control(argmax, exact, oracle, "oracle ridge (no peak)"))

    def no_peak(curve):
        med = np.median(curve, axis=0)
        return at_most(RF_CLAIMS[2], LIU + " Sec. 4 (a finite budget regularises like ridge)",
                       f"median test error at N = n over N = n/2 after {NO_PEAK_BUDGET:g} GD "
                       "steps", NO_PEAK_FACTOR, med[j1] / med[jh],
                       why="no peak: at most 20% above N = n/2 (the oracle ridge gives ~0.6, the "
                           "exact solver > 10)")
    out.append(with_control(no_peak, gd, exact, "the exact min-norm solver (infinite budget)"))

    def not_fit(curve):
        return at_least(RF_CLAIMS[3], LIU + " Sec. 4", f"median train loss at N = n after "
                        f"{NO_PEAK_BUDGET:g} GD steps", TRAIN_FLOOR, float(np.median(curve[:, j1])),
                        why="separates a budget that has not fit the small singular directions "
                            "from an interpolant (train loss ~ round-off)")
    out.append(with_control(not_fit, res["gd_train"][:, :, b], res["min_norm_train"],
                            "the exact min-norm solver (interpolates)"))

    def ridge_no_peak(curve):
        med = np.median(curve, axis=0)
        return holds(RF_CLAIMS[4], "Mei & Montanari 2022 (optimal ridge)", "oracle-ridge median "
                     "test error has no interior maximum and is <= its N = n/2 value at N = n",
                     bool(int(np.argmax(med)) == 0 and med[j1] <= med[jh]), med,
                     predicted="no peak", why="exact comparison")
    out.append(with_control(ridge_no_peak, oracle, exact, "min-norm least squares (lam = 0)"))
    return out + [closed_form_claim(res), gd_limit_claim(res), gram_claim(res)]
