"""Superposition claims, by experiment kind (``strong``: gamma < 0, ``weak``: gamma > 0), each with
its negative control: the rival regime's scaling law, the untrained model (the same widths at
initialisation, evaluated on the same held-out samples) or a model whose rows decay wiped."""
from __future__ import annotations

import dataclasses
import math
from statistics import NormalDist
from typing import Callable

import numpy as np

from ..decide import inapplicable, underpowered
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

SEED_NEEDS = ("seed_loss", "seed_loss_se", "seed_init_loss", "seed_init_loss_se")
STRONG_NEEDS = ("m_grid", "p", "weighted_overlap", "init_weighted_overlap", "norms",
                "init_norms") + SEED_NEEDS
WEAK_NEEDS = ("m_grid", "p", "norms", "init_norms", "seed_norms", "seed_init_norms") + SEED_NEEDS


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


class SeedFit:
    """The seed mean of per-replicate log-log slopes (:class:`Fit` each, rows of x, y, y_se
    [seed, width]) and its s.e. sqrt((sd^2 + mean fit.se^2) / S): the seed-to-seed s.d. of the slopes
    (of their differences from ``paired`` [seed], per-replicate predicted slopes, when given), with
    the within-replicate fit s.e. added, an upper bound (that s.e. is part of the spread) that keeps
    a small S from understating the spread by chance."""

    def __init__(self, x, y, y_se, paired=None):
        y, y_se = np.atleast_2d(np.asarray(y, float)), np.atleast_2d(np.asarray(y_se, float))
        x = np.broadcast_to(np.asarray(x, float), y.shape)
        self.fits = [Fit(x[r], y[r], y_se[r]) for r in range(y.shape[0])]
        self.slopes = np.array([f.slope for f in self.fits])
        self.S = len(self.fits)
        self.slope = float(np.mean(self.slopes))
        self.paired = None if paired is None else np.asarray(paired, float)
        spread = self.slopes - (0.0 if self.paired is None else self.paired)
        self.sd = float(np.std(spread, ddof=1)) if self.S > 1 else float("nan")
        self.fit_se = float(np.sqrt(np.mean([f.se**2 for f in self.fits])))
        self.se = float(math.sqrt((self.sd**2 + self.fit_se**2) / self.S))

    def why(self) -> str:
        what = "of the slopes" if self.paired is None else "of measured minus predicted slopes"
        return (f"{Z:g} s.e. of the mean slope over {self.S} seeds (per seed "
                f"{np.round(self.slopes, 3).tolist()}): seed s.d. {what} {self.sd:.3g} and rms "
                f"within-seed fit s.e. {self.fit_se:.3g} (OLS scatter and held-out Monte-Carlo), "
                f"sqrt((sd^2 + fit se^2)/S) = {self.se:.3g}")


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
    worst = np.max(np.atleast_2d(loss), axis=0) / L0          # per width, the largest over seeds
    return dataclasses.replace(c, passed=bool(c.passed and below),
                               measured=[float(c.measured), *worst.round(4).tolist()])


def _one_seed(res: Result, name: str, reference: str, statement: str) -> Claim | None:
    """UNDERPOWERED row for a seed-mean claim run on one replicate (no seed spread), else None."""
    S = int(np.shape(res["seed_loss"])[0])
    if S >= 2:
        return None
    return inapplicable(name, reference, statement, underpowered(
        f"{S} replicate: the slope varies from seed to seed and one seed gives no spread", seeds=3))


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
    law = "loss ~ m^-1 (strong superposition)"
    stmt = f"seed mean of the log-log slope of the test loss over m ({_where(res)})"
    one = _one_seed(res, law, FIG_STRONG, stmt)
    trained = SeedFit(m, res["seed_loss"], res["seed_loss_se"])
    untrained = SeedFit(m, res["seed_init_loss"], res["seed_init_loss_se"])

    def rival_row():
        return controlled(_exponent(law, FIG_STRONG, stmt, theory.STRONG_EXPONENT, trained),
                          _exponent(law, FIG_STRONG, stmt, rival, trained),
                          f"rival: the weak-superposition law m^-(alpha-1) = m^{rival:.3g}")

    L0 = float(theory.weak_loss([0], int(res.meta["config"]["n"]), alpha,
                                float(res.meta["config"].get("density", 1.0)))[0])

    def untrained_row():
        return with_control(lambda s: _learned(law + ", learned", FIG_STRONG, stmt,
                                               theory.STRONG_EXPONENT, s, L0),
                            (trained, res["seed_loss"]), (untrained, res["seed_init_loss"]),
                            UNTRAINED)

    def overlap_row():
        return with_control(lambda s: _below_random(res, *s), (res["weighted_overlap"],
                            res["norms"]), (res["init_weighted_overlap"], res["init_norms"]),
                            UNTRAINED + "; its rows are random")

    slope_rows = [_guard(rival_row, law, FIG_STRONG), _guard(untrained_row, law, FIG_STRONG)]
    if one is not None:
        slope_rows = [one, dataclasses.replace(one, name=law + ", learned")]
    return slope_rows + [_guard(overlap_row, "frequent features overlap less than random rows",
                                FIG_STRONG)]


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
    """Claims of a ``weak`` experiment: the loss exponent in m, predicted with the represented rows'
    own error (controls: the strong law m^-1 as rival; the untrained model); the loss equal to
    (1/n) sum_i (1 - w_i)^2 (4/3 p_i - p_i^2) at every width and seed (control: the untrained
    model); the exponent in the number k of represented features (control: the rival m^-1); and
    the represented features being the m most frequent ones (controls: decay wiping every row;
    the untrained model)."""
    out = _missing(res, WEAK_NEEDS, FIG_WEAK)
    if out:
        return out
    cfg = res.meta["config"]
    n, alpha, density = int(cfg["n"]), float(cfg["alpha"]), float(cfg.get("density", 1.0))
    m, p = res["m_grid"], res["p"]
    asym = float(theory.weak_exponent(alpha))
    tail_m = loglog_slope(m, theory.weak_loss(m, n, alpha, density)).slope
    rows = theory.rows_loss(np.asarray(res["seed_norms"], float) ** 2, p)      # [seed, width]
    rows_slopes = np.array([loglog_slope(m, r).slope for r in rows])
    trained = SeedFit(m, res["seed_loss"], res["seed_loss_se"], paired=rows_slopes)
    law = "loss ~ m^-(alpha-1) (weak superposition)"
    stmt = (f"seed mean of the log-log slope of the test loss over m ({_where(res)}); predicted: "
            f"the seed mean of the slope of (1/n) sum_i (1 - w_i)^2 (4/3 p_i - p_i^2), w_i = "
            f"min(|W_i|^2, 1) of the trained rows (orthogonal rows at their best biases: the "
            f"unlearned tail plus the learned rows' own error), per seed "
            f"{np.round(rows_slopes, 3).tolist()}; the tail alone (w_i = 1 for i <= m) gives "
            f"{tail_m:.3f}, its n -> oo limit -(alpha-1) = {asym:g}")
    pred = float(np.mean(rows_slopes))
    rival = f"rival: the strong-superposition law m^{theory.STRONG_EXPONENT}"
    one = _one_seed(res, law, FIG_WEAK, stmt)

    def m_rival():
        return controlled(_exponent(law, FIG_WEAK, stmt, pred, trained),
                          _exponent(law, FIG_WEAK, stmt, theory.STRONG_EXPONENT, trained), rival)

    L0 = float(theory.weak_loss([0], n, alpha, density)[0])

    def m_untrained():
        return with_control(lambda sub: _learned(law + ", learned", FIG_WEAK, stmt, pred, sub, L0),
                            (trained, res["seed_loss"]),
                            (SeedFit(m, res["seed_init_loss"], res["seed_init_loss_se"],
                                     paired=rows_slopes), res["seed_init_loss"]), UNTRAINED)

    def rows_row():
        return with_control(lambda sub: _rows_loss(res, *sub), (res["seed_loss"], res["seed_loss_se"],
                            res["seed_norms"]), (res["seed_init_loss"], res["seed_init_loss_se"],
                            res["seed_init_norms"]), UNTRAINED + "; its rows are random, not "
                            "orthogonal")

    def k_rival():
        ks = (np.asarray(res["seed_norms"]) > REPRESENTED).sum(axis=-1)          # [seed, width]
        tails = np.array([loglog_slope(k, theory.weak_loss(k, n, alpha, density)).slope
                          for k in ks])
        fit = SeedFit(ks, res["seed_loss"], res["seed_loss_se"], paired=tails)
        kname = "loss ~ k^-(alpha-1) in the number k of represented features"
        kstmt = (f"seed mean of the log-log slope of the test loss over k = #{{i: |W_i| > "
                 f"{REPRESENTED}}} = {ks.tolist()} ({_where(res)}); predicted: the seed mean of the "
                 f"finite-n tail slopes at those k, {np.round(tails, 3).tolist()}")
        return controlled(_exponent(kname, FIG_WEAK, kstmt, float(np.mean(tails)), fit),
                          _exponent(kname, FIG_WEAK, kstmt, theory.STRONG_EXPONENT, fit), rival)

    top = "the represented features are the m most frequent"

    def top_row(control, label, suffix=""):
        return with_control(lambda nm: _top_m(res, nm, suffix), res["norms"], control, label)

    slope_rows = [_guard(m_rival, law, FIG_WEAK), _guard(m_untrained, law, FIG_WEAK),
                  _guard(k_rival, "loss ~ k^-(alpha-1)", FIG_WEAK)]
    if one is not None:
        slope_rows = [dataclasses.replace(one, name=r.name) for r in slope_rows]
    return slope_rows + [
        _guard(rows_row, ROWS, FIG_WEAK),
        _guard(lambda: top_row(np.zeros_like(res["norms"]), WIPED), top, FIG_DECAY),
        _guard(lambda: top_row(res["init_norms"], UNTRAINED, ", learned"), top, FIG_DECAY)]


ROWS = "loss = (1/n) sum_i (1 - w_i)^2 (4/3 p_i - p_i^2) (orthogonal rows, best biases)"


def _rows_loss(res: Result, loss, loss_se, norms) -> Claim:
    """At every (seed, width): |loss - L_rows| <= z loss_se, L_rows = (1/n) sum_i (1 - w_i)^2
    (4/3 p_i - p_i^2) from the rows' squared norms w_i (clipped to [0, 1]); z Bonferroni over the
    S x widths checks (family-wise 1% for normal errors)."""
    loss, loss_se = np.atleast_2d(np.asarray(loss, float)), np.atleast_2d(np.asarray(loss_se, float))
    pred = theory.rows_loss(np.asarray(norms, float) ** 2, res["p"])
    k = loss.size
    z = float(NormalDist().inv_cdf(1 - 0.005 / k))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = loss / pred
    ok = bool(np.all(np.isfinite(ratio)) and np.all(np.abs(loss - pred) <= z * loss_se))
    return holds(ROWS, FIG_WEAK + "; the per-feature error (1 - w)^2 (4/3 p - p^2) at the best "
                 "bias p (1 - w) is derived in theory/superposition.py", "measured / predicted "
                 f"test loss per seed (rows) and width m = {[int(v) for v in res['m_grid']]}, the "
                 f"prediction from the trained row norms ({_where(res)})", ok,
                 np.round(ratio, 3), predicted=f"1 within {z:.2f} held-out s.e. at every point",
                 why=f"{z:.2f} s.e. of the held-out loss per point: Bonferroni over the {k} "
                     "(seed, width) points, 1% family-wise for normal errors; the rows' "
                     "interference (not orthogonal) and dead biases (output 0 instead of the best "
                     "constant, -p_i^2) are not in the prediction and must hide inside it")


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
