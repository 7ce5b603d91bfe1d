"""Closed-form claims: the global minimiser's W W^T, W Hbar, |hbar_k| (and b) against theory, each
against the rival predictions of the nearest wrong theory or convention (Dang et al. 2023; our
derivations for the bias and cross-entropy cases)."""
from __future__ import annotations

import numpy as np

from ..verdicts import Claim
from ..results import Result
from . import bounds as bd
from .checks import DELTA_WHY, ROUNDOFF, Run, against_rivals
from theory import neural_collapse as theory

DANG = "Dang et al. ICML 2023"
ZHU = "Zhu et al. 2021"
REF_DANG = (DANG + " (the imbalanced minimiser of the authors' code, papers.md: b = M N (N "
            "lambda_W^M lambda_H)^(1/M), b/n_k = M x^(M-1)/(x^M + 1)^2, s_k^2M = N lambda_H x_k^M;"
            " the theorem text was not reachable)")
REF_BIAS = ("our derivation (the simplex ETF with an unregularised bias, cf. " + DANG + "): b = 1/K, "
            "h_G = 0 and the bias-free (s, c) along the K - 1 unit singular directions of I - 11^T/K")
REF_CE = (ZHU + " (global minimisers are simplex ETFs); our derivation of the norms: rho = -(K-1)/K "
          "log(beta/(K - (K-1) beta)), beta = sqrt(lambda_W lambda_H K N)")


def bias_free(counts, M: int, lw: float, lh: float, compare_zero: bool = True) -> dict:
    """The bias-free global minimiser (W W^T, W Hbar diagonal) with its collapse flags."""
    geo = theory.class_geometry(counts, M, lw, lh, compare_zero=compare_zero)
    return {"WWt": np.diag(geo["s2M"]), "WHbar": np.diag(geo["wh"]), "norms": geo["mean_norm"],
            "collapsed": geo["collapsed"], "s2M": geo["s2M"]}


def _conventions(counts, M: int, lw: float, lh: float, rule) -> dict[str, dict]:
    """The convention rivals, predicted by ``rule(counts, M, lw, lh)``."""
    N = float(np.sum(counts))
    return {"depth M+1 (an off-by-one in the depth)": rule(counts, M + 1, lw, lh),
            "the weight decay without the 1/2 (the closed form at 2 lambda)": rule(counts, M, 2 * lw,
                                                                                2 * lh),
            "the loss summed over samples, not averaged (lambda/N)": rule(counts, M, lw / N, lh / N)}


def bias_free_rivals(run: Run) -> dict[str, dict]:
    p = run.prob
    out = _conventions(run.counts, run.M, p.lam_w, p.lam_h, bias_free)
    if len(set(run.counts)) > 1:
        K, N = len(run.counts), float(sum(run.counts))
        out["the balanced closed form (every n_k = N/K)"] = bias_free(np.full(K, N / K), run.M,
                                                                      p.lam_w, p.lam_h)
    if run.M >= 2:
        out["per-layer decay not raised to M: b = M N (N lambda_W lambda_H)^(1/M)"] = bias_free(
            run.counts, run.M, p.lam_w ** (1 / run.M), p.lam_h)
        out["the positive root, never compared with zero (the authors' code)"] = bias_free(
            run.counts, run.M, p.lam_w, p.lam_h, compare_zero=False)
    return out


def _stack(per_run: list[dict], key: str) -> np.ndarray:
    return np.concatenate([np.ravel(r[key]) for r in per_run]) if per_run else np.zeros(0)


def _vector(pred: dict, keys, mask) -> np.ndarray:
    return np.concatenate([np.ravel(pred[k]) for k in keys])[mask]


def _measured(res: Result, i: int, keys) -> np.ndarray:
    parts = {"WWt": res["WWt"][i], "WHbar": res["WHbar"][i],
             "norms": np.linalg.norm(res["means"][i], axis=0), "bias": res["bias"][i]}
    return np.concatenate([np.ravel(parts[k]) for k in keys])


def _invariants(prob: bd.Reduced, keys):
    def f(theta):
        q = bd.closed_form(prob, theta)
        q["bias"] = prob.unpack(theta)[3]
        return np.concatenate([np.ravel(q[k]) for k in keys])
    return f


def compare(name: str, reference: str, statement: str, res: Result, runs: list[Run], predict,
            rivals, keys, mask_of) -> Claim:
    """Gather, over the runs, the entries ``mask_of(pred)`` of ``keys`` (predicted by ``predict(run)``
    and by each of ``rivals(run)``) and check them against the measured ones with the first-order
    bounds |grad q| delta of each run."""
    meas, pred, tol, rival_vals = [], [], [], {}
    for run in runs:
        p = predict(run)
        mask = mask_of(p, run)
        q = _invariants(run.prob, keys)
        q_star = q(run.bound.theta)
        scale = ROUNDOFF * np.max(np.abs(q_star))
        meas.append(_measured(res, run.index, keys)[mask])
        pred.append(_vector(p, keys, mask))
        tol.append(run.bound.row_bounds(q)[mask] + scale)
        for label, r in rivals(run).items():
            rival_vals.setdefault(label, {})[run.index] = _vector(r, keys, mask)
    # a rival that applies to some runs only keeps the prediction on the others
    full = {label: np.concatenate([vals.get(run.index, pv) for run, pv in zip(runs, pred)])
            for label, vals in rival_vals.items()}
    pred_v = np.concatenate(pred)
    full = {k: v for k, v in full.items() if not np.array_equal(v, pred_v)}
    return against_rivals(name, reference, statement, np.concatenate(meas), pred_v,
                          np.concatenate(tol), rivals=full, why=DELTA_WHY)


def _live_entries(pred: dict, run: Run) -> np.ndarray:
    """W W^T and W Hbar entries except those between two collapsed classes, and |hbar_k| of
    the classes that do not collapse (the collapsed ones: :func:`collapse_row`)."""
    live = ~np.asarray(pred["collapsed"])
    pair = (live[:, None] | live[None, :]).ravel()
    return np.concatenate([pair, pair, live])


def bias_free_row(res: Result, runs: list[Run]) -> Claim:
    depths = sorted({r.M for r in runs})
    sweep = " over the imbalance sweep" if len({r.counts for r in runs}) > 1 else ""
    return compare("global minimiser = closed form", REF_DANG,
                   f"W W^T = diag(s_k^2M), W Hbar = diag(s_k^2M/(s_k^2M + N lambda_H)) and |hbar_k| "
                   f"= s_k^M/(s_k^2M + N lambda_H), M in {depths}{sweep}",
                   res, runs, lambda run: bias_free(run.counts, run.M, run.prob.lam_w,
                                                    run.prob.lam_h),
                   bias_free_rivals, ("WWt", "WHbar", "norms"), _live_entries)


def _amplitude(norm, wwt_kk, n_k, s_max, M: int, delta: float) -> np.ndarray:
    """max(sqrt(n_k) |hbar_k|, sqrt((W W^T)_kk)/(s_max + delta)^(M-1)): both are <= delta within
    delta of a minimiser where class k is zero (u_k = sqrt(n_k) hbar_k and row k of W_M are
    coordinates of the parameters; the other layers have norm <= s_max + delta)."""
    return np.maximum(np.sqrt(n_k) * np.asarray(norm),
                      np.sqrt(np.maximum(wwt_kk, 0)) / (s_max + delta) ** (M - 1))


def collapse_row(res: Result, runs: list[Run]) -> Claim | None:
    """Classes predicted to collapse to zero (below the M = 1 threshold n_k <= N^2 lambda_W
    lambda_H, or no root, or a root above the zero solution for M >= 2) are zero; None if none."""
    meas, tol, rivals = [], [], {}
    for run in runs:
        p = run.prob
        pred = bias_free(run.counts, run.M, p.lam_w, p.lam_h)
        dead = np.flatnonzero(pred["collapsed"])
        if not dead.size:
            continue
        n = np.asarray(run.counts, float)[dead]
        s_max = float(np.max(pred["s2M"])) ** (1 / (2 * run.M))
        args = (n, s_max, run.M, run.bound.delta)
        i = run.index
        meas.append(_amplitude(np.linalg.norm(res["means"][i], axis=0)[dead],
                               np.diag(res["WWt"][i])[dead], *args))
        tol.append(np.full(dead.size, run.bound.delta))
        for label, r in bias_free_rivals(run).items():
            rivals.setdefault(label, {})[i] = _amplitude(r["norms"][dead], r["s2M"][dead], *args)
    if not meas:
        return None
    zero = [np.zeros_like(m) for m in meas]
    used = [run.index for run in runs if np.any(bias_free(run.counts, run.M, run.prob.lam_w,
                                                           run.prob.lam_h)["collapsed"])]
    full = {label: np.concatenate([v.get(i, z) for i, z in zip(used, zero)])
            for label, v in rivals.items()}
    full = {k: v for k, v in full.items() if np.any(v > 0)}
    return against_rivals("minority collapse", DANG + " (minority collapse; M = 1: n_k <= N^2 "
                          "lambda_W lambda_H, papers.md) and our comparison with the zero solution (a "
                          "local minimum for M >= 2, papers.md)", "the classes whose global "
                          "minimiser is zero have amplitude max(sqrt(n_k)|hbar_k|, sqrt((W W^T)_kk)"
                          "/(s_max + delta)^(M-1)) = 0", np.concatenate(meas), np.concatenate(zero),
                          np.concatenate(tol), rivals=full,
                          why="within delta = tol/mu of a minimiser where the class is zero, both "
                              "parts of the amplitude are <= delta (they are parameter "
                              "coordinates, up to the other layers' norms)")


def bias_prediction(counts, M: int, lw: float, lh: float) -> dict:
    K = len(counts)
    geo = theory.bias_geometry(counts, M, lw, lh)
    P = np.eye(K) - 1.0 / K
    return {"WWt": geo["s2M"] * P, "WHbar": geo["wh"] * P, "norms": np.full(K, geo["mean_norm"]),
            "bias": np.full(K, geo["bias"])}


def ce_prediction(counts, M: int, lw: float, lh: float) -> dict:
    K = len(counts)
    geo = theory.ce_geometry(counts, lw, lh)
    E = K / (K - 1) * (np.eye(K) - 1.0 / K)
    return {"WWt": geo["s2"] * E, "WHbar": geo["rho"] * E, "norms": np.full(K, geo["c"]),
            "bias": np.zeros(K)}


def _as_bias_free(counts, M, lw, lh) -> dict:
    return {**bias_free(counts, M, lw, lh), "bias": np.zeros(len(counts))}


def bias_row(res: Result, runs: list[Run]) -> Claim:
    """MSE with an unregularised bias, balanced classes: the ETF closed form (our derivation)."""
    def rivals(run):
        p = run.prob
        out = _conventions(run.counts, run.M, p.lam_w, p.lam_h, bias_prediction)
        out["the bias-free closed form (orthogonal frame, b = 0)"] = _as_bias_free(
            run.counts, run.M, p.lam_w, p.lam_h)
        if run.M == 1:
            out["the cross-entropy closed form (same geometry, other loss)"] = ce_prediction(
                run.counts, 1, p.lam_w, p.lam_h)
        return out
    K = len(runs[0].counts)
    return compare("global minimiser = closed form (MSE with bias)", REF_BIAS,
                   "W W^T = s^2M (I - 11^T/K), W Hbar = s^2M/(s^2M + N lambda_H) (I - 11^T/K), "
                   "|hbar_k| = c sqrt((K-1)/K), b = 1/K",
                   res, runs, lambda run: bias_prediction(run.counts, run.M, run.prob.lam_w,
                                                          run.prob.lam_h),
                   rivals, ("WWt", "WHbar", "norms", "bias"),
                   lambda p, run: np.ones(2 * K * K + 2 * K, bool))


def ce_row(res: Result, runs: list[Run]) -> Claim:
    """Cross-entropy, balanced, M = 1: the ETF with rho from CE'(rho) = -beta (our derivation)."""
    def rivals(run):
        p = run.prob
        out = _conventions(run.counts, 1, p.lam_w, p.lam_h, ce_prediction)
        del out["depth M+1 (an off-by-one in the depth)"]       # the CE form is for M = 1
        out["the MSE-with-bias closed form (same geometry, other loss)"] = bias_prediction(
            run.counts, 1, p.lam_w, p.lam_h)
        return out
    K = len(runs[0].counts)
    return compare("global minimiser = closed form (cross-entropy)", REF_CE,
                   "W W^T = s^2 K/(K-1) (I - 11^T/K), W Hbar = rho K/(K-1) (I - 11^T/K), "
                   "|hbar_k|^2 = rho sqrt(lambda_W K/(lambda_H N))",
                   res, runs, lambda run: ce_prediction(run.counts, 1, run.prob.lam_w,
                                                        run.prob.lam_h),
                   rivals, ("WWt", "WHbar", "norms"), lambda p, run: np.ones(2 * K * K + K, bool))
