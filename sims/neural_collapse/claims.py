"""Neural-collapse claims, by experiment kind, each with its negative control.

Tolerances come from the stopping rule |grad| <= tol (see :mod:`.bounds` and :mod:`.checks`):
NC1 has a rigorous bound, everything else a first-order distance bound delta = tol/mu to the
minimiser. Controls: the untrained initial state (NC1, NC3, NC4), the rival frame (orthogonal
frame vs simplex ETF) and the d < K run (frames), rival closed forms (see :mod:`.closed_form`).

Each kind's function returns a list of :class:`sims.verdicts.Claim` rows (one per claim, named as in
docs/simulators/neural_collapse.md) and reads the result arrays ``depth``, ``counts``, ``grad_norm``
[run]; ``nc_layers``, ``nc_init`` [run, layer, metric]; ``grams`` [run, layer, class, class2];
``gains``, ``sb_pinv`` [run, layer]; ``WWt``, ``WHbar`` [run, class, class2]; ``means`` [run,
feature, class]; ``bias`` [run, class].
"""
from __future__ import annotations

import numpy as np

from ..verdicts import Claim
from ..config import from_mapping
from ..results import Result
from . import bounds as bd
from .checks import bounded, guarded, layer_mask, runs
from .closed_form import DANG, ZHU, bias_free, bias_free_row, bias_row, ce_row, collapse_row

PAPYAN = "Papyan, Han, Donoho 2020"
# The d < K control of the orthogonal-frame check (sims.verdicts: a control differing in one FAILs
# "control not comparable"): bias-free MSE, the problem whose minimiser is an orthogonal frame, with
# the same number of classes K; only d < K (no K orthogonal means fit in R^d) differs by design.
NARROW_SHARES = ("classes", "loss", "bias")
FRAME_WHY = ("first order in tol: the residual's Jacobian (spectral norm, at the minimiser) times "
             "delta = tol/mu; the largest over runs and layers")


def _config(res: Result):
    from .config import NeuralCollapseConfig
    return from_mapping(NeuralCollapseConfig, res.meta["config"])


def _balanced(cfg) -> bool:
    return len(set(cfg.counts)) == 1 and not cfg.ratios


def nc1_row(res: Result, reference: str) -> Claim:
    """NC1 at every layer of every run against its rigorous bound; control: the initial state."""
    cfg = res.meta["config"]
    mask = layer_mask(res)
    N = np.asarray(res["counts"], float).sum(1)[:, None]
    K = len(cfg["counts"])
    bound = res["gains"] ** 2 * (cfg["tol"] / cfg["lambda_H"]) ** 2 * res["sb_pinv"] / (N * K)
    return bounded("NC1: within-class variability collapses", reference + "; " + PAPYAN + " (NC1)",
                   "tr(Sigma_W Sigma_B^+)/K at every layer l < M of every run", res["nc_layers"][
                       ..., 0][mask], bound[mask],
                   controls={"the untrained initial state": res["nc_init"][..., 0][mask]},
                   why="rigorous: given the weights each feature's loss term is lambda_H-strongly "
                       "convex, so |E|_F <= |grad_H| / lambda_H <= tol/lambda_H (E: deviations "
                       "from the class optima), and NC1_l <= |W_l..W_1|_2^2 |E|_F^2 "
                       "|Sigma_B^+|_2 / (N K), element-wise")


def _targets(run) -> list[np.ndarray] | None:
    theta = run.bound.theta if run.bound is not None else bd.minimiser(run.prob)
    if theta is None:
        return None
    means, _ = bd.layers_of(run.prob, theta)
    return [m.T @ m for m in means]


def _frame_stats(res: Result, target) -> np.ndarray:
    """|G_l/|G_l| - T_l/|T_l|| for every run and layer l < M; ``target(run, l)`` gives T_l."""
    out = []
    for run in runs(res):
        for l in range(run.M):
            out.append(np.linalg.norm(bd.frame_residual(res["grams"][run.index, l],
                                                         target(run, l))))
    return np.asarray(out)


def _frame_tol(res: Result) -> float:
    tols = []
    for run in runs(res):
        T = _targets(run)

        def r(theta, T=T, prob=run.prob):
            return np.concatenate([bd.frame_residual(m.T @ m, t).ravel()
                                   for m, t in zip(bd.layers_of(prob, theta)[0], T)])
        tols.append(run.bound.residual_bounds(r, run.M).max())
    return float(max(tols))


def frame_row(res: Result, exps, frame: str) -> Claim:
    """The uncentred class means at every layer form the predicted frame (``of``: orthogonal,
    bias-free MSE; ``etf``: simplex ETF, with a bias or CE), not the rival frame."""
    K = len(res.meta["config"]["counts"])
    etf, eye = np.eye(K) - 1.0 / K, np.eye(K)
    own = lambda run, l: _targets(run)[l]            # noqa: E731
    controls, pair = {}, None        # pair: the configs of the result and of its d < K control
    if frame == "of":
        controls["the simplex ETF (T = I - 11^T/K, the frame with a bias)"] = _frame_stats(
            res, lambda run, l: etf)
        if not _balanced(_config(res)):
            controls["the equal-norm orthogonal frame (T = I, the balanced theory)"] = \
                _frame_stats(res, lambda run, l: eye)
        narrow = _narrow_control(exps, res)
        if narrow is not None:
            controls["the d < K run (K orthogonal means do not fit in R^d)"] = _frame_stats(
                narrow, own)
            pair = (_frame_setting(res), _frame_setting(narrow))
        what, ref = ("orthogonal frame T_l = diag(|W_l..W_1 hbar_k|^2) of the closed form",
                     DANG + " (the bias-free minimiser has W W^T and W Hbar diagonal: an orthogonal "
                     "frame); at every layer: our derivation from the balanced layers")
    else:
        controls["the orthogonal frame (T = I, the bias-free frame)"] = _frame_stats(
            res, lambda run, l: eye)
        what = "simplex ETF T_l = I - 11^T/K"
        ref = (ZHU + " (global minimisers are simplex ETFs)" if res.meta["config"]["loss"] == "ce"
               else "our derivation (b = 1/K centres the features: a simplex ETF)")
    title = "orthogonal frame" if frame == "of" else "simplex ETF"
    return bounded(f"NC2: class means form the {title}",
                   ref, f"|G_l/|G_l| - T_l/|T_l||_F with G_l = Hbar_l^T Hbar_l (uncentred means) and "
                   f"the {what}, every layer of every run", _frame_stats(res, own), _frame_tol(res),
                   controls=controls, why=FRAME_WHY,
                   share=NARROW_SHARES if pair else (), configs=pair)


def _frame_setting(res: Result) -> dict:
    """The settings of :data:`NARROW_SHARES` of a run: its number of classes, loss and bias."""
    cfg = res.meta["config"]
    return {"classes": len(cfg["counts"]), "loss": cfg["loss"], "bias": cfg["bias"]}


def _narrow_control(exps, res: Result) -> Result | None:
    """The d < K experiment of the profile that shares :data:`NARROW_SHARES` with ``res``, else
    the first d < K one (its row FAILs "control not comparable"); None when there is none."""
    return (exps.control("narrow", res, NARROW_SHARES, settings=_frame_setting)
            if exps is not None else None)


def nc3_row(res: Result, reference: str) -> Claim:
    """NC3 (self-duality) at every layer; control: the initial state."""
    mask = layer_mask(res)
    tols = []
    for run in runs(res):
        def r(theta, prob=run.prob):
            means, cls = bd.layers_of(prob, theta)
            return np.concatenate([bd.duality_residual(C, m).ravel() for C, m in zip(cls, means)])
        tols.append(run.bound.residual_bounds(r, run.M).max())
    return bounded("NC3: classifier = class means (self-duality)", reference + "; " + PAPYAN +
                   " (NC3)", "|C_l^T/|C_l| - Hbar_l/|Hbar_l||_F, C_l = W_M..W_{l+1}, every layer "
                   "of every run", res["nc_layers"][..., 2][mask], float(max(tols)),
                   controls={"the untrained initial state": res["nc_init"][..., 2][mask]},
                   why=FRAME_WHY)


def nc4_row(res: Result, reference: str) -> Claim:
    """NC4 (nearest class centre) exactly; control: the initial state."""
    mask = layer_mask(res)
    return bounded("NC4: classifier = nearest class centre", reference + "; " + PAPYAN + " (NC4)",
                   "fraction of samples whose classifier decision differs from the nearest class "
                   "mean, every layer of every run", res["nc_layers"][..., 3][mask], 0.0,
                   controls={"the untrained initial state": res["nc_init"][..., 3][mask]},
                   why="exact: at the minimiser both rules pick the sample's class with O(1) "
                       "margins; the run is within delta ~ 1e-9 of it")


# ---- by kind ------------------------------------------------------------------------------------
def mse_claims(res: Result, exps) -> list[Claim]:
    """Bias-free MSE with d >= K (kinds ``balanced``, ``imbalanced``, ``sweep``): NC1 (control:
    initial state) and the orthogonal frame (controls: the ETF, the equal-norm frame, the d < K run)
    except on a sweep; the closed-form minimiser and minority collapse (controls: rival closed forms);
    NC3 and NC4 on balanced classes (control: initial state)."""
    cfg = _config(res)
    rows = {}
    if not cfg.ratios:
        rows["NC1: within-class variability collapses"] = lambda: nc1_row(res, DANG)
        rows["NC2: class means form the orthogonal frame"] = lambda: frame_row(res, exps, "of")
    rows["global minimiser = closed form"] = lambda: bias_free_row(res, runs(res))
    if _predicts_collapse(cfg):
        rows["minority collapse"] = lambda: collapse_row(res, runs(res))
    if _balanced(cfg):
        rows["NC3: classifier = class means (self-duality)"] = lambda: nc3_row(res, DANG)
        rows["NC4: classifier = nearest class centre"] = lambda: nc4_row(res, DANG)
    return guarded(DANG, rows, res)


def _predicts_collapse(cfg) -> bool:
    from .run import class_counts, runs_of
    return any(bias_free(class_counts(cfg, r), M, cfg.lambda_W, cfg.lambda_H)["collapsed"].any()
               for M, r in runs_of(cfg))


def bias_claims(res: Result, exps) -> list[Claim]:
    """MSE with a bias (kind ``mse_bias``): NC1; with balanced classes and lambda_b = 0 also the
    simplex ETF (control: the orthogonal frame) and the closed form (controls: rival closed forms)."""
    cfg = _config(res)
    rows = {"NC1: within-class variability collapses": lambda: nc1_row(res, DANG)}
    if _balanced(cfg) and cfg.lambda_b == 0:
        rows["NC2: class means form the simplex ETF"] = lambda: frame_row(res, exps, "etf")
        rows["global minimiser = closed form (MSE with bias)"] = lambda: bias_row(res, runs(res))
    return guarded(DANG, rows, res)


def ce_claims(res: Result, exps) -> list[Claim]:
    """Cross-entropy (kind ``cross_entropy``): NC1; with balanced classes at depth 1 and lambda_b = 0
    also the simplex ETF (control: the orthogonal frame), NC3, NC4 (control: initial state) and the
    closed-form norms (controls: rival closed forms)."""
    cfg = _config(res)
    rows = {"NC1: within-class variability collapses": lambda: nc1_row(res, ZHU)}
    if _balanced(cfg) and cfg.lambda_b == 0 and set(cfg.depths) == {1}:
        rows["NC2: class means form the simplex ETF"] = lambda: frame_row(res, exps, "etf")
        rows["NC3: classifier = class means (self-duality)"] = lambda: nc3_row(res, ZHU)
        rows["NC4: classifier = nearest class centre"] = lambda: nc4_row(res, ZHU)
        rows["global minimiser = closed form (cross-entropy)"] = lambda: ce_row(res, runs(res))
    return guarded(ZHU, rows, res)


def narrow_claims(res: Result, exps) -> list[Claim]:
    """d < K (kind ``narrow``): NC1 still holds (control: initial state); no frame fits."""
    return guarded(DANG, {"NC1: within-class variability collapses (d < K)":
                          lambda: nc1_row(res, DANG)}, res)


CLAIMS = {"balanced": mse_claims, "imbalanced": mse_claims, "sweep": mse_claims,
          "mse_bias": bias_claims, "cross_entropy": ce_claims, "narrow": narrow_claims}
