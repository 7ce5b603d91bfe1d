"""Neuron-alignment claims for single runs (kinds ``trajectory``, ``large_init``, ``eps_sweep``),
each with its negative control; the sweeps' claims are in :mod:`.claims_sweep`.

Every check is evaluated through :func:`row`, so a mangled, truncated or NaN-poisoned result gives
FAIL rows with the reason, never an exception. Times are in the run's units unless a row says
"paper units" (t_paper = c t, c = 1 for the paper's sum loss, 1/n for the mean).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..verdicts import Claim, at_least, at_most, close, controlled, failed, holds, with_control
from ..results import Result
from .model import ALIGN_COS, centres
from theory import neuron_alignment as theory

PAPER = "Min, Mallada & Vidal 2024"
THM1 = PAPER + " Thm 1 part 1"
THM1B = PAPER + " Thm 1 part 2"
LARGE = "large init eps = {eps:g} (the paper's contrast: Thm 1 needs a small init)"
SMALL = "small init eps = {eps:g} (the trajectory run)"
# What the init-scale contrast keeps (sims.verdicts: a control differing in one FAILs "control not
# comparable"): the same data (n, mu, d, seed), network width and loss; only eps (and the time the
# run needs, t_end, stop_loss) differs.
INIT_SHARES = ("n", "mu", "d", "width", "loss", "reduction", "seed")
EPS_SHARES = INIT_SHARES       # an eps sweep at one (n, mu): the same point, a larger eps


# ---- helpers --------------------------------------------------------------------------------------
def row(name, reference, statement, check, subject, control, label, share=()) -> Claim:
    """``with_control`` of ``check`` (subject -> Claim) on ``subject`` and ``control``; an exception
    on the subject gives ``failed(name, ...)`` with its reason (on the control: a rejection).
    ``share``: the config fields a control run must share with ``subject`` (both results)."""
    def safe(s):
        try:
            with np.errstate(all="ignore"):     # NaN / inf inputs fail the check instead
                return check(s)
        except Exception as exc:  # noqa: BLE001 - claims report, never raise
            return failed(name, reference, statement, f"{type(exc).__name__}: {exc}")
    return with_control(safe, subject, control, label, share=share)


def built(name, reference, statement, build) -> list[Claim]:
    """The rows ``build()`` returns (one Claim or a list), or one FAIL row with the reason when
    building them raised (a missing or mangled array the rows' inputs come from)."""
    try:
        with np.errstate(all="ignore"):
            out = build()
        return list(out) if isinstance(out, (list, tuple)) else [out]
    except Exception as exc:  # noqa: BLE001 - claims report, never raise
        return [failed(name, reference, statement, f"{type(exc).__name__}: {exc}")]


def against_rivals(main: Claim, rivals: list[Claim], label: str) -> Claim:
    """``main`` controlled by every rival: the control passes if any rival passes the same check."""
    passing = [r for r in rivals if r.passed]
    shown = [float(np.max(r.measured)) if r.tolerance == "bound" else r.predicted for r in rivals]
    control = passing[0] if passing else dataclasses.replace(rivals[0], measured=shown)
    return controlled(main, control, label)


def label_of(template: str, control: Result | None, fallback: str) -> str:
    """``template`` filled with the control run's eps, or ``fallback`` (no control, or unreadable)."""
    try:
        return template.format(eps=float(np.ravel(control["eps"])[0]))
    except Exception:  # noqa: BLE001 - a mangled control is reported by its own rows
        return fallback


def scale_of(res: Result) -> float:
    """c of the run's loss: the paper's times are c times the run's."""
    cfg = res.meta["config"]
    return 1.0 if cfg["reduction"] == "sum" else 1.0 / float(res["n"][0])


def completeness(res: Result) -> list[Claim]:
    """One FAIL row when some integration stopped at max_steps before its stopping rule."""
    cfg = res.meta.get("config", {})
    statement = ("every integration ended by its stopping rule (t_end or stop_loss), not by "
                 "max_steps")
    if "truncated" not in res:
        return [failed("run complete", PAPER, statement, "the result has no 'truncated' array")]
    tr = np.asarray(res["truncated"], float)
    if "order_truncated" in res:
        tr = np.concatenate([tr.ravel(), np.asarray(res["order_truncated"], float).ravel()])
    if np.any(tr != 0):
        return [failed("run complete", PAPER, statement,
                       f"{int(np.sum(tr != 0))} of {tr.size} runs stopped at max_steps = "
                       f"{cfg.get('max_steps')} before t_end = {cfg.get('t_end')}")]
    return []


def truncated(res: Result) -> bool:
    return "truncated" not in res or bool(np.asarray(res["truncated"]).ravel()[0])


def escape_index(res: Result) -> int:
    """First recorded step with L <= L0/2 (ValueError when there is none)."""
    loss = res["loss"]
    if len(loss) != len(res["t"]):
        raise ValueError(f"loss has {len(loss)} entries, t has {len(res['t'])}")
    below = loss <= 0.5 * loss[0]
    if not below.any():
        raise ValueError("the loss never fell to L0/2")
    return int(np.argmax(below))


def early_phase_alignment(res: Result):
    """Min cosine of surviving v>0 (v<0) neurons to x_+ (x_-) at the escape-time snapshot."""
    ie = escape_index(res)
    k = min(int(np.searchsorted(res["snap_t"], res["t"][ie])), len(res["snap_t"]) - 1)
    cls, v = res["neuron_class"][k], res["v_t"][k]
    alive = cls != 0
    cp = res["cos_plus"][k][alive & (v > 0)]
    cm = res["cos_minus"][k][alive & (v < 0)]
    return float(np.min(np.concatenate([cp, cm]))), float(res["snap_t"][k])


def margin_window(res: Result):
    """(slope of log L on log t over the last decade, its s.e., the margins s = -log(L/(c n)) there)."""
    from ..fits import loglog_slope        # scipy.stats: imported when claims run, not on import
    t, loss = res["t"], res["loss"]
    late = t >= t[-1] / 10
    fit = loglog_slope(t[late], loss[late])
    s = -np.log(loss[late] / (scale_of(res) * len(res["y"])))
    return fit, s


# ---- kind "trajectory" ----------------------------------------------------------------------------
def trajectory_claims(res: Result, exps) -> list[Claim]:
    """Claims of one small-init run: early alignment by the escape (Thm 1 part 1), neurons stay
    aligned (part 2), t L(t) non-increasing and the late rate q against the 1- and 3-homogeneous
    rivals (part 2; theory (iv)), stable rank <= 2 (part 2). Controls: the large-init run (kind
    ``large_init``) and the rivals' rates. Reads ``t``, ``loss``, ``all_ok``, ``frac_ok``
    [step], the snapshots, ``aligned_at_escape``, ``frac_ok_escape``, ``stable_rank``
    [n, mu, eps], ``W_final``, ``X``, ``y``."""
    large = exps.control("large_init", res, INIT_SHARES)
    out = completeness(res)
    out += _alignment_rows(res, large)
    out.append(_tl_row(res, large))
    late = [_late_rate_row(res), _stable_rank_row(res, large)]
    if truncated(res):
        late = [failed(c.name, c.reference, c.statement, "the run stopped at max_steps before "
                       "t_end (or has no 'truncated' flag): no late-time window") for c in late]
    return out + late


def _alignment_rows(res, large) -> list[Claim]:
    label = label_of(LARGE, large, "large init")
    st1 = (f"at the escape (L = L0/2) every v>0 neuron is dead or in S+ with cos(w, x+) >= "
           f"{ALIGN_COS}, every v<0 neuron dead or in S- with cos(w, x-) >= {ALIGN_COS}")
    why_cos = (f"c* = {ALIGN_COS} (our threshold; the paper's S+/S- membership is exact and its "
               "aligned cosines -> 1 as eps -> 0, theory (v): cos = tanh(|g| t + atanh C0) passes "
               "any c* < 1 in finite time)")

    def aligned(r):
        return holds("early alignment (all neurons aligned or dead)", THM1, st1,
                     bool(np.ravel(r["aligned_at_escape"])[0]),
                     float(np.ravel(r["frac_ok_escape"])[0]), predicted=1.0, why=why_cos)
    st2 = "min cosine to their data centre over surviving neurons, at the escape snapshot"

    def cosine(r):
        cos_min, t_snap = early_phase_alignment(r)
        return at_least("surviving neurons' cosine at the end of the early phase", THM1,
                        f"{st2} (t = {t_snap:.3g})", ALIGN_COS, cos_min, why=why_cos)
    st3 = ("once every neuron is aligned or dead (t_1), it stays so at every recorded step to "
           "t_end")

    def stays(r):
        ok = np.asarray(r["all_ok"], bool)
        ia = int(np.argmax(ok)) if ok.any() else len(ok)
        frac = float(ok[ia:].mean()) if ia < len(ok) else 0.0
        return holds("neurons stay aligned after t_1", THM1B + " (neurons stay in their sets)",
                     st3, bool(ia < len(ok) and ok[ia:].all()), frac, predicted=1.0,
                     why="exact, at every step of the RK4 record; " + why_cos)
    return [row("early alignment (all neurons aligned or dead)", THM1, st1, aligned, res, large,
                label, INIT_SHARES),
            row("surviving neurons' cosine at the end of the early phase", THM1, st2, cosine, res,
                large, label, INIT_SHARES),
            row("neurons stay aligned after t_1", THM1B, st3, stays, res, large, label,
                INIT_SHARES)]


def _tl_row(res, large) -> Claim:
    name = "t L(t) does not increase after the escape"
    st = "t_k L(t_k) non-increasing over every recorded step after L first drops below L0/2"

    def check(r):
        ie = escape_index(r)
        tl = r["t"][ie:] * r["loss"][ie:]
        return holds(name, THM1B + " (O(1/t)); theory (iv)", st,
                     bool(len(tl) > 1 and np.all(np.diff(tl) <= 1e-12 * tl[:-1])),
                     float(tl[0] / tl[-1]), predicted="non-increasing",
                     why="theory (iv): d log L / d log t = -1 - 1/s < -1 once aligned; exact "
                         "monotonicity with a round-off slack of 1e-12")
    label = label_of(LARGE + ": t L rises after its escape", large, "large init")
    return row(name, THM1B, st, check, res, large, label, INIT_SHARES)


def _late_rate_row(res) -> Claim:
    name = "late loss rate: O(1/t) with the 2-homogeneous log correction"
    ref = THM1B + " (O(1/t)); theory (iv) (our derivation)"
    st = ("q = -s (d log L / d log t + 1) from the log-log slope of L over the last decade, s = "
          "-log(L/(c n)) the margin there (mean over the window)")

    def check(degree):
        def q_of(r):
            fit, s = margin_window(r)
            s_bar = float(np.mean(s))
            q = -(fit.slope + 1.0) * s_bar
            pred = (theory.late_rate_q(s_bar) if degree == 2
                    else theory.rival_rate_q(s_bar, degree))
            spread = float(abs(theory.late_rate_q(s.min()) - theory.late_rate_q(s.max())))
            tol = spread + 3.0 * s_bar * fit.stderr
            return close(name, ref, f"{st}; {fit.k} steps, s in [{s.min():.3g}, {s.max():.3g}]",
                         float(pred), q, atol=tol,
                         why=f"the prediction's spread over the window's margins ({spread:.3g}) "
                             f"plus 3 s.e. of the fitted slope times s ({3 * s_bar * fit.stderr:.2g})")
        return q_of
    main = row(name, ref, st, check(2), res, None, "")
    rivals = [row(name, ref, st, check(degree), res, None, "") for degree in (1, 3)]
    return against_rivals(main, rivals, "rivals: a 1-homogeneous predictor (q = 0, the paper's "
                                        "exact 1/t shape) and a 3-homogeneous net (q = 4/3 + ...)")


def _stable_rank_row(res, large) -> Claim:
    name = "final first-layer stable rank"
    st = "|W|_F^2 / |W|_2^2 at t_end"

    def check(r):
        return at_most(name, THM1B + " (limsup <= 2)", st, 2.0,
                       float(np.ravel(r["stable_rank"])[0]),
                       why="the paper's bound, no slack: aligned neurons point along x+ or x- (two "
                           "directions) and dead ones keep their eps-small norm")
    label = label_of(LARGE + ": W stays near its random init", large, "large init")
    return row(name, THM1B, st, check, res, large, label, INIT_SHARES)


# ---- kind "large_init" ----------------------------------------------------------------------------
def large_init_claims(res: Result, exps) -> list[Claim]:
    """The contrast itself: with eps >= 0.1 the loss is fit before the neurons rotate, so at most
    half are aligned at the escape. Control: the small-init trajectory run (all aligned). Reads
    ``frac_ok_escape`` [n, mu, eps]."""
    small = exps.control("trajectory", res, INIT_SHARES)
    st = label_of("fraction of neurons aligned-or-dead at the escape (L = L0/2), eps = {eps:g}",
                  res, "fraction of neurons aligned-or-dead at the escape (L = L0/2)")

    def check(r):
        return at_most("large init: no early alignment", THM1 + " (small-init condition (28))",
                       st, 0.5, float(np.ravel(r["frac_ok_escape"])[0]),
                       why="a majority test: the small init aligns every neuron (1), an O(1) init "
                           "fits the data while the directions are still random (~0)")
    label = label_of(SMALL, small, "small init")
    return completeness(res) + [row("large init: no early alignment", THM1, st, check, res,
                                    small, label, INIT_SHARES)]


# ---- kind "eps_sweep" -----------------------------------------------------------------------------
def eps_claims(res: Result, exps) -> list[Claim]:
    """Claims of an eps sweep at one (n, mu): t_align independent of eps (control: the escape
    times, which grow like log(1/eps)), alignment at every eps (control: large init), the escape
    slope 1/lambda (rivals: the u-only rate of theory (v), a linear network's rate) and the
    escape linear in log(1/eps) (rival: a 3-homogeneous net's 1/eps). Reads ``t_align``,
    ``dt_align``, ``t_escape``, ``dt_escape``, ``lam``, ``aligned_at_escape`` [n, mu, eps],
    ``eps``, ``X``, ``y``."""
    large = exps.control("large_init", res, EPS_SHARES)
    eps = np.asarray(res["eps"], float)
    out = completeness(res)
    st = f"max - min of t_align over eps = {eps.tolist()}, in units of the largest local step dt"

    def spread(times_dt):
        times, dt = times_dt
        return at_most("alignment time independent of eps", THM1 + " (t_1 has no eps); theory "
                       "(ii)", st, 1.0, float(np.ptp(times) / np.max(dt)),
                       why="t_align is read on the RK4 time grid (one step dt); the eps -> 0 "
                           "directional flow has no eps, its corrections are O(eps^2)")
    pick = lambda key: np.asarray(res[key], float)[0, 0]     # noqa: E731
    out += built("alignment time independent of eps", THM1, st, lambda: row(
        "alignment time independent of eps", THM1, st, spread, (pick("t_align"), pick("dt_align")),
        (pick("t_escape"), pick("dt_align")),
        "the escape times of the same runs (eps-dependent: log(1/eps)/lambda + O(1))"))
    st = "all neurons aligned or dead when L = L0/2, at every eps"

    def every(r):
        a = np.asarray(r["aligned_at_escape"], float)
        return holds("alignment holds at escape for every eps", THM1, st, bool(np.all(a > 0)),
                     a.ravel(), predicted=1.0, why=f"exact, with the threshold cos >= {ALIGN_COS}")
    out.append(row("alignment holds at escape for every eps", THM1, st, every, res, large,
                   label_of(LARGE, large, "large init"), EPS_SHARES))
    out += built("escape time slope in log(1/eps)", THM1B, "the escape-time rows",
                 lambda: _escape_rows(res, eps))
    return out


def _escape_rows(res, eps) -> list[Claim]:
    te, dte = np.asarray(res["t_escape"], float)[0, 0], np.asarray(res["dt_escape"], float)[0, 0]
    lam = float(np.asarray(res["lam"], float)[0, 0, 0])
    c = scale_of(res)
    X, y = res["X"], res["y"]
    k = max(int(np.sum(y > 0)), int(np.sum(y < 0)))
    mu = float(res["mu"][0])
    rates = {"theory (ii): lambda = c |x+|": lam,
             "theory (v)'s large-n rate c k sqrt(mu) (x+ without its off-u part)":
                 c * k * np.sqrt(mu),
             "a linear network's rate c |x+ - x-|": c * float(np.linalg.norm(np.subtract(
                 *centres(X, y))))}
    from ..fits import semilog_slope
    fit = semilog_slope(1.0 / eps, te)
    grid = float(2 * np.max(dte) / np.ptp(np.log(1 / eps)) * lam)
    name = "escape time slope in log(1/eps)"
    ref = PAPER + " Thm 1 part 2 (t_2 = Theta((1/n) log(1/(sqrt(h) eps)))); theory (ii)"
    st = "least-squares slope of t_escape vs log(1/eps) against 1/rate"

    def check(rate):
        def slope(_):
            return close(name, ref, f"{st} ({fit.k} eps values)", 1.0 / rate, fit.slope,
                         rtol=grid, why=f"t_escape is read on the RK4 grid (dt <= {np.max(dte):.3g} "
                                        f"at escape): two grid steps over the log(1/eps) range "
                                        f"{np.ptp(np.log(1 / eps)):.3g}; the O(1) alignment offset "
                                        "cancels in the slope")
        return slope
    main, *rivals = [row(name, ref, st, check(r), None, None, "") for r in rates.values()]
    labels = [f"{what} -> slope {1 / v:.4g}" for what, v in list(rates.items())[1:]]
    out = [against_rivals(main, rivals, "rivals: " + "; ".join(labels))]
    name = "escape time linear in log(1/eps)"
    st = "max |residual| of the linear fit of t_escape on log(1/eps), relative to its range"
    tol = float(2 * np.max(dte) / np.ptp(te)) if np.ptp(te) > 0 else 0.0

    def linear(times):
        times = np.asarray(times, float)
        L = np.log(1 / eps)
        A = np.vstack([L, np.ones_like(L)]).T
        resid = times - A @ np.linalg.lstsq(A, times, rcond=None)[0]
        return at_most(name, "theory (ii): norms grow like eps exp(lambda t)", st, tol,
                       float(np.max(np.abs(resid)) / np.ptp(times)),
                       why="two steps of the time grid at the escape, relative to the range")
    out.append(row(name, "theory (ii)", st, linear, te, 1.0 / eps,
                   "rival: a 3-homogeneous net's escape, t ~ 1/eps (shape only)"))
    return out
