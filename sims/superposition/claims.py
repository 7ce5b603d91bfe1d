"""Superposition claims, by experiment kind (``strong``: gamma < 0, ``weak``: gamma > 0), each with
its negative control: the rival regime's scaling law, the untrained model (the same widths at
initialisation, evaluated on the same held-out samples) or a model whose rows decay wiped."""
from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

from ..verdicts import Claim, at_least, controlled, failed, holds, with_control, within_se
from ..fits import loglog_slope
from ..results import Result
from .model import REPRESENTED
from theory import superposition as theory

LLG = "Liu, Liu & Gore 2025 (arXiv:2505.10465)"
FIG_WEAK = LLG + " Fig. 5 (weak superposition: the loss is that of the activated but unlearned features)"
FIG_STRONG = LLG + " Fig. 6 (strong superposition: squared overlaps and loss ~ 1/m)"
FIG_DECAY = LLG + " Fig. 3 (weight decay > 0 keeps only the most frequent features)"

Z = 3.0             # two-sided, per row: ~0.3% false-fail for a normal statistic
J_MIN = 0.5         # Jaccard index of the represented set with the m most frequent features
UNTRAINED = "the untrained model (the same widths and init at zero steps, same held-out samples)"
WIPED = "decay wiping every row (W = 0: no feature represented)"

STRONG_NEEDS = ("m_grid", "p", "loss", "loss_se", "init_loss", "init_loss_se",
                "weighted_overlap", "init_weighted_overlap", "norms", "init_norms")
WEAK_NEEDS = ("m_grid", "p", "loss", "loss_se", "init_loss", "init_loss_se", "norms", "init_norms")


class Fit:
    """log-log slope of y against x with its standard error: the OLS one (scatter about the power
    law) combined with the Monte-Carlo error of y (relative s.e. se/y of each point, propagated as
    if independent: an upper bound, the widths share their held-out samples)."""

    def __init__(self, x, y, y_se):
        x, y, y_se = (np.asarray(a, float).ravel() for a in (x, y, y_se))
        ols = loglog_slope(x, y)
        self.slope, self.ols_se, self.k = ols.slope, ols.stderr, ols.k
        self.mc_se = float("nan")
        if x.shape == y.shape == y_se.shape:
            ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(y_se) & (x > 0) & (y > 0)
            lx = np.log(x[ok])
            if ok.sum() > 2 and np.ptp(lx) > 0:
                a = (lx - lx.mean()) / np.sum((lx - lx.mean()) ** 2)
                self.mc_se = float(np.sqrt(np.sum(a**2 * (y_se[ok] / y[ok]) ** 2)))
        self.se = float(math.hypot(self.ols_se, self.mc_se))

    def why(self) -> str:
        return (f"{Z:g} s.e. of the fitted slope over {self.k} widths: OLS s.e. {self.ols_se:.3g} "
                f"(scatter about the power law) and held-out Monte-Carlo s.e. {self.mc_se:.3g}, "
                f"combined {self.se:.3g}")


def _exponent(name: str, reference: str, statement: str, predicted: float, fit: Fit) -> Claim:
    return within_se(name, reference, statement, predicted, fit.slope, fit.se, z=Z, why=fit.why())


def _learned(name: str, reference: str, statement: str, predicted: float, subject, L0: float) -> Claim:
    """The exponent check plus the level: a loss below L0 = (1/n) sum_i (4/3 p_i - p_i^2), that of
    the model representing nothing (every output its best constant), at every width."""
    fit, loss = subject
    c = _exponent(name, reference, statement + f"; and the loss below L0 = {L0:.3g} (no feature "
                  "represented, every output its best constant) at every m (measured: the slope, "
                  "then loss / L0 per width)", predicted, fit)
    loss = np.asarray(loss, float)
    below = bool(loss.size and np.all(np.isfinite(loss)) and np.all(loss < L0))
    return dataclasses.replace(c, passed=bool(c.passed and below),
                               measured=[float(c.measured), *(loss / L0).round(4).tolist()])


def _missing(res: Result, needs, reference: str) -> list[Claim]:
    gone = [k for k in needs if k not in res]
    if gone:
        return [failed("superposition claims", reference, "the result holds every array the "
                       "claims read", f"missing arrays {gone}")]
    return []


def _guard(build: Callable[[], Claim], name: str, reference: str) -> Claim:
    """A row that reports instead of raising (a mangled result: wrong shapes, a bad config)."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001
        return failed(name, reference, "the claim could be evaluated", f"{type(exc).__name__}: {exc}")


def _where(res: Result) -> str:
    cfg = res.meta.get("config", {})
    return (f"n = {cfg.get('n')}, m in {[int(v) for v in res['m_grid']]}, alpha = "
            f"{cfg.get('alpha')}, gamma = {cfg.get('gamma')}, {cfg.get('steps')} AdamW steps of "
            f"batch {cfg.get('batch')}, test loss on {cfg.get('eval_batch')} held-out samples")


# ---- strong superposition (gamma < 0) ---------------------------------------------------------
def strong_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``strong`` experiment: the loss exponent -1 (controls: the weak law
    m^-(alpha-1) as rival; the untrained model), and frequent features overlapping less than random
    rows (control: the untrained model, whose rows are random)."""
    out = _missing(res, STRONG_NEEDS, FIG_STRONG)
    if out:
        return out
    alpha = float(res.meta["config"]["alpha"])
    rival = float(theory.weak_exponent(alpha))
    m = res["m_grid"]
    trained = Fit(m, res["loss"], res["loss_se"])
    untrained = Fit(m, res["init_loss"], res["init_loss_se"])
    law = "loss ~ m^-1 (strong superposition)"
    stmt = f"log-log slope of the test loss over m ({_where(res)})"

    def rival_row():
        return controlled(_exponent(law, FIG_STRONG, stmt, theory.STRONG_EXPONENT, trained),
                          _exponent(law, FIG_STRONG, stmt, rival, trained),
                          f"rival: the weak-superposition law m^-(alpha-1) = m^{rival:.3g}")

    L0 = float(theory.weak_loss([0], int(res.meta["config"]["n"]), alpha,
                                float(res.meta["config"].get("density", 1.0)))[0])

    def untrained_row():
        return with_control(lambda s: _learned(law + ", learned", FIG_STRONG, stmt,
                                               theory.STRONG_EXPONENT, s, L0),
                            (trained, res["loss"]), (untrained, res["init_loss"]), UNTRAINED)

    def overlap_row():
        return with_control(lambda s: _below_random(res, *s), (res["weighted_overlap"],
                            res["norms"]), (res["init_weighted_overlap"], res["init_norms"]),
                            UNTRAINED + "; its rows are random")

    return [_guard(rival_row, law, FIG_STRONG), _guard(untrained_row, law, FIG_STRONG),
            _guard(overlap_row, "frequent features overlap less than random rows", FIG_STRONG)]


def _below_random(res: Result, wov, norms) -> Claim:
    """Pooled z-score (Stouffer, over the widths) of the p_i p_j-weighted mean squared overlap of
    the represented rows below the random-row value 1/m, in units of its random-row s.d."""
    p, m = res["p"], res["m_grid"]
    wov, norms = np.asarray(wov, float), np.asarray(norms, float)
    zs, ratio = [], []
    for k, mk in enumerate(m):
        keep = norms[k] > REPRESENTED
        w = np.outer(p[keep], p[keep])
        np.fill_diagonal(w, 0.0)
        sd = theory.random_weighted_overlap_se(int(mk), w) if keep.sum() > 1 else float("nan")
        zs.append((theory.random_overlap(float(mk)) - wov[k]) / sd)
        ratio.append(wov[k] * mk)
    pooled = float(np.sum(zs) / math.sqrt(len(zs))) if len(zs) else float("nan")
    return at_least("frequent features overlap less than random rows", FIG_STRONG + "; the "
                    "frequency weighting is our derivation (interference between features that "
                    "occur together costs loss)", "pooled z-score over the widths of 1/m minus the "
                    "p_i p_j-weighted mean squared overlap of the represented rows, in random-row "
                    f"standard deviations (m x weighted overlap: {np.round(ratio, 3).tolist()})",
                    Z, pooled, why=f"random unit rows give 1/m with s.d. sqrt(2 Var[(u.v)^2] "
                    "sum w^2)/sum w, Var = 2(m-1)/(m^2(m+2)) (pairs uncorrelated, theory/"
                    f"superposition.py); a pooled z >= {Z:g} is ~0.1% likely for random rows")


# ---- weak superposition (gamma > 0) -----------------------------------------------------------
def weak_claims(res: Result, exps) -> list[Claim]:
    """Claims of a ``weak`` experiment: the loss exponent of the unlearned-feature tail, in m
    (controls: the strong law m^-1 as rival; the untrained model) and in the number k of
    represented features (control: the rival m^-1), and the represented features being the m most
    frequent ones (controls: decay wiping every row; the untrained model)."""
    out = _missing(res, WEAK_NEEDS, FIG_WEAK)
    if out:
        return out
    cfg = res.meta["config"]
    n, alpha, density = int(cfg["n"]), float(cfg["alpha"]), float(cfg.get("density", 1.0))
    m = res["m_grid"]
    asym = float(theory.weak_exponent(alpha))
    tail_m = loglog_slope(m, theory.weak_loss(m, n, alpha, density)).slope
    trained = Fit(m, res["loss"], res["loss_se"])
    law = "loss ~ m^-(alpha-1) (weak superposition)"
    stmt = (f"log-log slope of the test loss over m ({_where(res)}); predicted: the slope of the "
            f"finite-n tail (1/n) sum_(i>m) (4/3 p_i - p_i^2) over the grid, {tail_m:.3f} (its "
            f"n -> oo limit -(alpha-1) = {asym:g})")
    rival = f"rival: the strong-superposition law m^{theory.STRONG_EXPONENT}"

    def m_rival():
        return controlled(_exponent(law, FIG_WEAK, stmt, tail_m, trained),
                          _exponent(law, FIG_WEAK, stmt, theory.STRONG_EXPONENT, trained), rival)

    L0 = float(theory.weak_loss([0], n, alpha, density)[0])

    def m_untrained():
        return with_control(lambda s: _learned(law + ", learned", FIG_WEAK, stmt, tail_m, s, L0),
                            (trained, res["loss"]),
                            (Fit(m, res["init_loss"], res["init_loss_se"]), res["init_loss"]),
                            UNTRAINED)

    def k_rival():
        k = (res["norms"] > REPRESENTED).sum(axis=1)
        tail_k = loglog_slope(k, theory.weak_loss(k, n, alpha, density)).slope
        fit = Fit(k, res["loss"], res["loss_se"])
        kname = "loss ~ k^-(alpha-1) in the number k of represented features"
        kstmt = (f"log-log slope of the test loss over k = #{{i: |W_i| > {REPRESENTED}}} = "
                 f"{k.tolist()} ({_where(res)}); predicted: the finite-n tail slope at those k, "
                 f"{tail_k:.3f}")
        return controlled(_exponent(kname, FIG_WEAK, kstmt, tail_k, fit),
                          _exponent(kname, FIG_WEAK, kstmt, theory.STRONG_EXPONENT, fit), rival)

    top = "the represented features are the m most frequent"

    def top_row(control, label, suffix=""):
        return with_control(lambda nm: _top_m(res, nm, suffix), res["norms"], control, label)

    return [_guard(m_rival, law, FIG_WEAK), _guard(m_untrained, law, FIG_WEAK),
            _guard(k_rival, "loss ~ k^-(alpha-1)", FIG_WEAK),
            _guard(lambda: top_row(np.zeros_like(res["norms"]), WIPED), top, FIG_DECAY),
            _guard(lambda: top_row(res["init_norms"], UNTRAINED, ", learned"), top, FIG_DECAY)]


def _top_m(res: Result, norms, suffix: str = "") -> Claim:
    """Jaccard index |R & T| / |R | T| of the represented set R = {i: |W_i| > 1/2} with the m most
    frequent features T = {1..m}, at every width (>= J_MIN everywhere)."""
    norms = np.asarray(norms, float)
    m = res["m_grid"]
    jac = []
    for k, mk in enumerate(m):
        rep = set(np.flatnonzero(norms[k] > REPRESENTED).tolist())
        topm = set(range(int(mk)))
        jac.append(len(rep & topm) / len(rep | topm))
    jac = np.asarray(jac)
    return holds("the represented features are the m most frequent" + suffix, FIG_DECAY,
                 f"Jaccard index of {{i: |W_i| > {REPRESENTED}}} with the m most frequent "
                 f"features, at m = {[int(v) for v in m]} ({_where(res)})",
                 bool(jac.size and np.all(jac >= J_MIN)), np.round(jac, 3),
                 predicted=f">= {J_MIN:g} (1 for exactly the top m)",
                 why=f"J >= {J_MIN:g} fails for fewer than half of the top m alone, or the top "
                     "m with more than m others; every row represented gives J = m/n, none J = 0. "
                     "Below 1 from near-ties in frequency at the edge (p_m / p_1.3m = 1.3^alpha)")
