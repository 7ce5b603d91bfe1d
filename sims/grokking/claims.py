"""Grokking claims of the single-run kinds (grok, no_decay, dihedral, stage2), each with its negative
control. The threshold sweep's claims are in :mod:`.claims_sweep`."""
from __future__ import annotations

import functools
import math
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from ..verdicts import NOT_APPLICABLE, Claim, at_least, at_most, close, failed, holds, with_control
from ..results import Result
from . import metrics
from theory import grokking as theory

REF = theory.REF
STAGES = REF + ": the Li2 stages I (lazy), II (independent), III (interactive)"
MAXIMA = REF + " Thm 2 / Cor. 2 (local maxima of E are single-frequency features)"
ESTAR = (" E* = M/4: our derivation from the paper's E with |w| = 1 (theory.grokking; the paper "
         "states M/16, which is the maximum of E without the factor 2 of the cross term 2 u_a v_b)")
STAGE3 = REF + ": stage III (interacting nodes: G_F focuses on the missing features)"
NO_WD = (REF + " Fig. 3 (no grokking without weight decay under the default top-layer init; "
         "in v5 weight decay is sufficient, not necessary)")
GROUPS = REF + ": group arithmetic, features = irreducible representations"

IPR_WD = 0.6           # mean IPR_2 of the strongest quarter with weight decay
AB_SHARE = 0.95        # fraction of specialised nodes with the same a- and b-frequency
E_AT_MAX = 0.1         # |mean E/E* - 1| of specialised nodes
STATIONARY = 0.1       # median |grad_sphere E| / |grad E|
NO_GEN = 0.1           # final test accuracy without weight decay
Z_PAIRED = 3.0         # one-sided McNemar test on the discordant nodes: p ~ 1.3e-3
E_ASCENT = 0.05        # |mean E/E* - 1| (all pairs) of the ascent endpoints on 90% of the pairs

SHUFFLED = "shuffled labels (same network and budget, no group structure)"
# The no-decay contrast is judged over a budget of at least HORIZON times the decay run's grokking
# time t_grok: "never" is told from "later than the decay run" on the decay run's own clock, not
# on where the runs stop (quick: t_grok 380-560 over 6 seeds, budget 1500 = 2.7-3.9 t_grok)
HORIZON = 2.0

# What a control run must share with the run it controls (sims.verdicts: a control differing in one
# of these FAILs "control not comparable"). Each contrast changes one setting and keeps the task, the
# network, the optimiser, the budget and the seed (so the same training split and initial weights).
SAME_RUN = ("group", "M", "K", "activation", "optimizer", "lr", "train_fraction", "steps", "seed")
# the no-decay contrast (Fig. 3) changes the weight decay; the stage times are read on the records,
# so the record grid is shared too
NO_DECAY_SHARES = SAME_RUN + ("labels", "record_every")
# the shuffled-label contrast changes the labels: with the same weight decay; for the Fourier checks
# (final weights only) the record grid may differ, for the stage check it may not
SHUFFLED_SHARES = SAME_RUN + ("weight_decay",)
SHUFFLED_STAGE_SHARES = SHUFFLED_SHARES + ("record_every",)


def _weights(res: Result, which: str = "final"):
    return res[f"W_{which}"], res[f"V_{which}"]


def _stages(res: Result) -> metrics.Stages:
    M = res.meta["config"]["M"]
    return metrics.detect_stages(res["step"], res["train_acc"], res["test_acc"], res["ipr_top"], M)


def _horizon(steps: int, decay: Result | None) -> tuple[str, str | None]:
    """(the budget in the decay run's grokking time, for a statement; the reason the no-decay
    contrast cannot judge, or None): a budget shorter than HORIZON t_grok cannot tell a run that
    never groks from one that groks later, and a decay run that never groks gives no clock (its
    own stage claim FAILs)."""
    if decay is None:
        return "", None
    t = _stages(decay).t_grok
    if not math.isfinite(t):
        return "", (f"the run with weight decay did not grok within {steps} steps: the contrast "
                    "has no clock")
    text = f" = {steps / t:.2f} t_grok of the run with weight decay (t_grok = {t:g})"
    if steps < HORIZON * t:
        return text, (f"budget {steps} < {HORIZON:g} x the decay run's t_grok = {t:g}: no stage "
                      "II by then cannot tell 'never' from 'later'")
    return text, None


def _undecided(row: Claim, reason: str | None, steps: float) -> Claim:
    """``row`` NOT_APPLICABLE for ``reason`` (a budget too short for the no-decay contrast), unless
    there is none or the control is not comparable (that FAIL comes first)."""
    if reason is None or row.reason.startswith("control not comparable"):
        return row
    need = int(math.ceil(steps)) if math.isfinite(steps) else "more than the decay run's t_grok"
    return replace(row, outcome=NOT_APPLICABLE, reason=reason, needs={"steps": need})


def _stage_check(label: str):
    def check(res: Result) -> Claim:
        st = _stages(res)
        return holds(f"{label}three stages in order", STAGES,
                     metrics.STAGE_CRITERIA + "; measured [t_mem, t_feat, t_grok, delay]",
                     st.ordered and st.clean_mem, [st.t_mem, st.t_feat, st.t_grok, st.delay],
                     predicted="t_mem < t_feat < t_grok",
                     why="exact order of record steps; criteria of detect_stages (tested on "
                         "synthetic traces)")
    return check


# ---- grok (Z_M with weight decay) -------------------------------------------------------------
class _Final:
    """A Z_M run's final weights and their node report (:func:`metrics.node_report`), computed
    once, when a check first asks for it."""

    def __init__(self, res: Result, M: int, frac: float):
        self.res, self.M, self.frac = res, M, frac

    @functools.cached_property
    def report(self) -> metrics.NodeReport:
        return metrics.node_report(*_weights(self.res), self.M, self.frac)


def _fourier_checks() -> list:
    """The checks on a Z_M run's final weights, each ``fn(_Final) -> Claim``: single-frequency
    strongest nodes, the same frequency in the a- and b-parts, every frequency used, specialised
    nodes at the maxima of E."""
    def rep(r: _Final):
        return r.report, r.report.ipr >= metrics.SPECIALISED

    def ipr(r):
        return at_least("strongest nodes are single-frequency", MAXIMA,
                        "mean IPR_2 over frequency classes of the strongest quarter (|w_j||V e_j|),"
                        " final step", IPR_WD, float(rep(r)[0].ipr.mean()),
                        why="1 at a Fourier feature, ~0.13 for a random direction (measured at "
                            "init); 0.6 means ~77% of a node's power in one class on average")

    def ab(r):
        rp, s = rep(r)
        return at_least("a- and b-parts share the dominant frequency", MAXIMA + " (w* = [u; +-P u])",
                        "fraction of specialised strongest nodes (IPR >= 0.5) with argmax_k |u_k| "
                        "= argmax_k |v_k| (undefined, so failing, when none is specialised)",
                        AB_SHARE, float(np.mean(rp.fa[s] == rp.fb[s])) if s.any() else np.nan,
                        why="equal at every maximum of E; 0.05 allows one stray node in 20 "
                            "(chance is 2/(M-1))")

    def coverage(r):
        rp, s = rep(r)
        return at_least("all (M-1)/2 frequencies represented", STAGE3,
                        "distinct dominant frequencies among specialised strongest nodes",
                        (r.M - 1) // 2, len(np.unique(rp.ftot[s])), why="exact count")

    def at_max(r):
        rp, s = rep(r)
        return close("specialised nodes sit at maxima of E", MAXIMA + ";" + ESTAR,
                     "mean E(w/|w|)/(M/4) (all M^2 pairs) over specialised strongest nodes "
                     "(undefined, so failing, when none is specialised)", 1.0,
                     float(rp.E[s].mean()) if s.any() else np.nan, atol=E_AT_MAX,
                     why="1 at a Fourier feature (E <= M/4 everywhere); a fraction f of the power "
                         "in one matched frequency gives ~f^2, so 0.9 asks f >= 0.95 (residual "
                         "stage-III mixing after a finite budget); M/16 would read 4")
    return [ipr, ab, coverage, at_max]


def grok_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``grok`` run (Z_M, weight decay): the three stages in order (control: the
    no-decay run), and at the final step single-frequency strongest nodes, the same frequency in
    the a- and b-parts, every frequency used, nodes at the maxima of E (control: the shuffled-label
    run) and stationary there (control: the untrained weights)."""
    cfg = res.meta["config"]
    M, frac = cfg["M"], cfg["top_fraction"]
    shuffled = exps.control("shuffled", res, SHUFFLED_SHARES)
    budget, short = _horizon(int(cfg["steps"]), res)
    t_grok = _stages(res).t_grok
    short = short if math.isfinite(t_grok) else None     # no grokking: the stage check FAILs
    out = [_undecided(with_control(_stage_check(""), res,
                                   exps.control("no_decay", res, NO_DECAY_SHARES),
                                   f"no weight decay (the paper's contrast; {cfg['steps']} steps"
                                   f"{budget})", share=NO_DECAY_SHARES),
                      short, HORIZON * t_grok)]
    final = _Final(res, M, frac)
    control = _Final(shuffled, M, frac) if shuffled is not None else None
    pair = (res.config, shuffled.config) if shuffled is not None else None
    out += [with_control(check, final, control, SHUFFLED, share=SHUFFLED_SHARES, configs=pair)
            for check in _fourier_checks()]

    def stationary(which):
        rp = metrics.node_report(*_weights(res, which), M, frac)
        return at_most("strongest nodes are stationary on the sphere", MAXIMA,
                       "median |grad E - (w.grad E) w| / |grad E| over the strongest quarter at "
                       "w/|w| (all pairs)", STATIONARY, float(np.median(rp.rgrad)),
                       why="0 at a critical point; a random direction gives ~0.69 (measured on "
                           "the initial weights)")
    out.append(with_control(stationary, "final", "init", "the untrained initial weights"))
    return out


# ---- no_decay ---------------------------------------------------------------------------------
def no_decay_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``no_decay`` run (weight_decay = 0): stage II does not start and the test
    accuracy stays near chance over a budget of at least HORIZON times the decay run's grokking
    time (control: the run with weight decay; a shorter budget is NOT_APPLICABLE)."""
    cfg = res.meta["config"]
    M, steps = cfg["M"], cfg["steps"]
    n_test = M * M - len(res["train_idx"])
    se = np.sqrt((1 / M) * (1 - 1 / M) / max(n_test, 1))
    grok = exps.control("grok", res, NO_DECAY_SHARES)
    budget, short = _horizon(int(steps), grok)

    def no_stage2(r):
        rise = float(np.max(r["ipr_top"]) - r["ipr_top"][0])
        return at_most("stage II does not start without weight decay", NO_WD,
                       f"largest rise of the strongest quarter's mean IPR over its initial value "
                       f"within {steps} steps{budget}", metrics.FEAT_RISE, rise,
                       why=f"below the stage-II criterion of detect_stages (a rise of "
                           f"{metrics.FEAT_RISE:g}); judged over >= {HORIZON:g} t_grok of the "
                           "decay run, so the contrast does not hang on where the runs stop")

    def no_generalisation(r):
        return at_most("no generalisation without weight decay", NO_WD,
                       f"final test accuracy after {steps} steps{budget} ({n_test} test pairs)",
                       NO_GEN, float(r["test_acc"][-1]),
                       why=f"chance is 1/M = {1 / M:.3f}, binomial s.e. {se:.3f} on {n_test} "
                           f"pairs: 0.1 is >= {(NO_GEN - 1 / M) / se:.0f} s.e. above chance and "
                           f"far below a grokked 1.0; judged over >= {HORIZON:g} t_grok of the "
                           "decay run")
    label = "the same run with weight decay"
    need = HORIZON * _stages(grok).t_grok if short else math.nan
    return [_undecided(with_control(no_stage2, res, grok, label, share=NO_DECAY_SHARES), short,
                       need),
            _undecided(with_control(no_generalisation, res, grok, label, share=NO_DECAY_SHARES),
                       short, need)]


# ---- dihedral ---------------------------------------------------------------------------------
class _IrrepReport(NamedTuple):
    """Per strongest node of a D_n network [node]: ``ipr`` over irrep classes, ``specialised``
    (ipr >= SPECIALISED), the dominant non-trivial irrep of the a- and b-parts ``fa``, ``fb``
    (0-based among the non-trivial ones) and ``tot`` [node, irrep class], the power per class."""

    ipr: np.ndarray
    specialised: np.ndarray
    fa: np.ndarray
    fb: np.ndarray
    tot: np.ndarray


def dihedral_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``dihedral`` run (D_n, weight decay): three stages in order (control: the
    shuffled-label run on the same D_n, found by :data:`SHUFFLED_STAGE_SHARES`), strongest nodes inside one irreducible representation, the same irrep in
    the a- and b-parts and every non-trivial irrep used (control: the untrained weights)."""
    cfg = res.meta["config"]
    M, frac, n = cfg["M"], cfg["top_fraction"], cfg["M"] // 2
    control = exps.control("shuffled", res, SHUFFLED_STAGE_SHARES)
    out = [with_control(_stage_check(f"D_{n}: "), res, control, f"{SHUFFLED}, on D_{n}",
                        share=SHUFFLED_STAGE_SHARES)]

    def report(which) -> _IrrepReport:
        W, V = _weights(res, which)
        top = metrics.top_nodes(W, V, frac)
        tot, pa, pb = metrics.spectra(W[top], M, "dihedral")
        ipr = theory.ipr(tot)
        return _IrrepReport(ipr, ipr >= metrics.SPECIALISED, np.argmax(pa[:, 1:], 1),
                            np.argmax(pb[:, 1:], 1), tot)

    def single(which):
        return at_least(f"D_{n}: strongest nodes are single-irrep", GROUPS, "mean IPR_2 over irrep "
                        "classes (theory.irrep_spectrum) of the strongest quarter", IPR_WD,
                        float(report(which).ipr.mean()), why="1 inside one isotypic component, "
                        "~0.2 for a random direction; the Z_M threshold")

    def same(which):
        rp = report(which)
        s = rp.specialised
        return at_least(f"D_{n}: a- and b-parts share the irrep", GROUPS,
                        "fraction of specialised strongest nodes (IPR >= 0.5) whose a- and b-parts "
                        "have the same dominant non-trivial irrep (undefined, so failing, when none "
                        "is specialised)", AB_SHARE,
                        float(np.mean(rp.fa[s] == rp.fb[s])) if s.any() else np.nan,
                        why="as for Z_M: one stray node in 20")

    def every(which):
        rp = report(which)
        return at_least(f"D_{n}: every non-trivial irrep represented", GROUPS + "; " + STAGE3,
                        f"distinct dominant irreps among specialised strongest nodes (sign and the "
                        f"{(n - 1) // 2} two-dimensional irreps)", 1 + (n - 1) // 2,
                        len(np.unique(np.argmax(rp.tot[rp.specialised, 1:], 1))),
                        why="exact count")
    label = "the untrained initial weights"
    return out + [with_control(f, "final", "init", label) for f in (single, same, every)]


# ---- stage2 -----------------------------------------------------------------------------------
def _fates(res: Result) -> list[metrics.NodeFates]:
    """Per seed: the :class:`metrics.NodeFates` of its nodes."""
    M = res.meta["config"]["M"]
    return [metrics.node_fates(res["W_final"][s], res["W_indep"][s], res["W_start"][s], M)
            for s in range(res["W_final"].shape[0])]


def stage2_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``stage2`` experiment: on the nodes where the independent ascent of E and the
    no-ascent null (the start weights' own leading frequency) disagree, the network follows the
    ascent (control: the null, the same paired test with the roles swapped); and the ascent ends
    at Fourier maxima of E (control: its start weights)."""
    cfg = res.meta["config"]
    M, S = cfg["M"], res["W_final"].shape[0]
    if "W_indep" not in res or "W_start" not in res:
        return [failed("stage2 claims", REF, "the result has W_start and W_indep", "missing")]
    fates = _fates(res)
    start = float(np.median(res["step_start"]))
    where = (f"{S} networks, p = {cfg['train_fraction']}, nodes specialised at step {cfg['steps']};"
             f" ascent of E on the training pairs from the weights at step {start:g}")

    def follows(pair):
        own, rival = pair           # fields of NodeFates: the prediction tested and its rival
        counts = [metrics.discordant(f, own, rival) for f in fates]
        a, b = sum(c[0] for c in counts), sum(c[1] for c in counts)
        z = (a - b) / np.sqrt(a + b) if a + b else np.nan
        return at_least("the network follows the independent ascent of E", REF + " stage II "
                        "(each node ascends E independently)", "McNemar z = (a - b)/sqrt(a + b) "
                        "on the nodes where the two predictions of the final frequency differ: a "
                        "nodes end where this predictor says, b where the other does; " + where,
                        Z_PAIRED, z, why=f"one-sided paired test, z >= {Z_PAIRED:g} (p ~ 1.3e-3) "
                        "over the discordant nodes (binomial under 'no better than the other')")
    out = [with_control(follows, ("ascent", "start"), ("start", "ascent"), "the no-ascent null: each node keeps its "
                        "leading frequency at the start")]

    def at_maxima(key):
        E = [metrics.node_energy(res[key][s], M, "sqr") for s in range(S)]
        return close("the independent ascent ends at Fourier maxima", MAXIMA + ";" + ESTAR,
                     f"mean E(w/|w|)/(M/4) on all M^2 pairs over every node of the {S} ascents "
                     f"({where})", 1.0, float(np.mean(E)), atol=E_ASCENT,
                     why="1 at a Fourier feature; the ascent maximises E on 90% of the pairs, "
                         "whose maxima are displaced by O(1 - p) (measured 0.98 +- 0.01); a "
                         "random direction gives ~0.09 and M/16 would read 4")
    out.append(with_control(at_maxima, "W_indep", "W_start", "the start weights (no ascent)"))
    return out
