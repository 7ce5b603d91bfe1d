"""Neural-collapse claims, by experiment kind (transitional port of the old checks)."""
from __future__ import annotations

import numpy as np

from ..claims import Claim, at_most, close
from ..results import Result
from theory import neural_collapse as theory

DANG = "Dang et al. ICML 2023"
PAPYAN = "Papyan, Han, Donoho 2020"
ZHU = "Zhu et al. 2021"

NC1_TOL, NC23_TOL, CE_TOL, DIAG_RTOL = 1e-6, 1e-3, 1e-3, 1e-6
COLLAPSE_ATOL = 1e-9


def legacy_claims(name: str, res: Result, exps) -> list[Claim]:
    """The old claims of one experiment (transitional)."""
    out = []
    if True:
        cfg = res.meta["config"]
        K = len(cfg["counts"])
        out.append(at_most(f"{name}: GD converged", "(numerics)", "final full-gradient norm, "
                           "every run", cfg["tol"], res["grad_norm"],
                           why="the profile's stopping tolerance; every claim below assumes it"))
        balanced = len(set(cfg["counts"])) == 1 and not cfg["ratios"]
        if cfg["d"] < K:
            out.append(at_most(f"{name}: NC1 with d < K", DANG, "NC1 at every layer, every run",
                               NC1_TOL, np.nanmax(res["nc_layers"][:, :, 0]),
                               why="features of a class have a unique optimum given the weights"))
            return out
        if balanced:
            out += _balanced_claims(name, res, cfg)
        if cfg["loss"] == "mse" and not cfg["bias"]:
            out += _closed_form_claims(name, res, cfg)
    return out


def _balanced_claims(name, res, cfg) -> list[Claim]:
    nc = res["nc_layers"]                       # (runs, layers, [NC1, NC2, NC3, NC4])
    ce = cfg["loss"] == "ce"
    tol23 = CE_TOL if ce else NC23_TOL
    ref = ZHU if ce else DANG
    why = ("the paper's threshold; exact collapse is reached to the GD tolerance" if not ce else
           "the issue allows CE a looser tolerance; none is needed: with weight decay the CE "
           "minimiser is finite (Zhu et al. Thm 3.1) and GD is run to the same |grad| tolerance")
    deep = int(np.max(res["depth"])) > 1
    where = "every layer of every depth" if deep else "the features"
    return [
        at_most(f"{name}: NC1", ref, f"tr(Sigma_W Sigma_B^+)/K at {where}", NC1_TOL,
                np.nanmax(nc[:, :, 0]), why=why),
        at_most(f"{name}: NC2 (simplex ETF)", ref, f"centred-mean Gram vs the ETF at {where}",
                tol23, np.nanmax(nc[:, :, 1]), why=why),
        at_most(f"{name}: NC3 (self-duality)", ref, f"classifier vs class means at {where}",
                tol23, np.nanmax(nc[:, :, 2]), why=why),
        at_most(f"{name}: NC4 (nearest class centre)", PAPYAN, f"disagreement at {where}", 0.0,
                np.nanmax(nc[:, :, 3]), why="exact: collapsed features are their class means"),
    ]


def _closed_form_claims(name, res, cfg) -> list[Claim]:
    lw, lh = cfg["lambda_W"], cfg["lambda_H"]
    pred_ww, pred_wh, meas_ww, meas_wh, off, zero_pred, zero_meas, norms, pnorms = ([] for _ in range(9))
    for i, M in enumerate(res["depth"]):
        geo = theory.class_geometry(res["counts"][i], int(M), lw, lh)
        live = ~geo["collapsed"]
        ww, wh = np.diag(res["WWt"][i]), np.diag(res["WHbar"][i])
        pred_ww += list(geo["s2M"][live]); meas_ww += list(ww[live])
        pred_wh += list(geo["wh"][live]); meas_wh += list(wh[live])
        zero_pred += list(geo["s2M"][~live]); zero_meas += list(ww[~live])
        norms += list(np.linalg.norm(res["means"][i], axis=0)); pnorms += list(geo["mean_norm"])
        offd = lambda A: np.max(np.abs(A - np.diag(np.diag(A))))   # noqa: E731
        off.append(max(offd(res["WWt"][i]), offd(res["WHbar"][i])))
    depths = sorted(set(int(m) for m in res["depth"]))
    sweep = " over the imbalance sweep" if cfg["ratios"] else ""
    out = [
        close(f"{name}: W W^T diagonal = s_k^2M", DANG + " Thm (imbalanced MSE)",
              f"(W_M..W_1 W^T)_kk vs N lambda_H x_k^M, M in {depths}, non-collapsed classes{sweep}",
              pred_ww, meas_ww, rtol=DIAG_RTOL,
              why="root equation solved to machine precision; GD stopped at |grad| <= tol"),
        close(f"{name}: W Hbar diagonal = s^2M/(s^2M + N lambda_H)", DANG,
              f"(W Hbar)_kk, M in {depths}, non-collapsed classes{sweep}", pred_wh, meas_wh,
              rtol=DIAG_RTOL, why="as above"),
        at_most(f"{name}: W W^T and W Hbar are diagonal", DANG, "largest off-diagonal entry",
                1e-7, max(off), why="orthogonal frame; zero up to the GD tolerance"),
        close(f"{name}: class-mean norms", DANG, f"|hbar_k| vs s^M/(s^2M + N lambda_H){sweep}",
              pnorms, norms, rtol=DIAG_RTOL, atol=COLLAPSE_ATOL,
              why="as above; atol for classes predicted to collapse to exactly zero"),
    ]
    if zero_pred:
        out.append(close(f"{name}: minority classes collapse to zero", DANG,
                         "(W W^T)_kk of the classes below the threshold (no positive root, or the "
                         "zero solution is lower)", zero_pred, zero_meas, atol=COLLAPSE_ATOL,
                         why="decays linearly under weight decay; zero to the GD tolerance"))
    return out
