"""Shared pieces of the neural-collapse claims: the runs of a result with their bounds, the checks
against a prediction and its rivals, and the guards that turn a broken result into FAIL rows."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..verdicts import Claim, controlled, failed
from ..results import Result
from . import bounds as bd

EPS = float(np.finfo(float).eps)
ROUNDOFF = 64 * EPS     # float64: d-term inner products and the root's rtol 4 eps, in ulps
DELTA_WHY = ("first order in tol: |q - q*| <= |grad q| delta with delta = tol/mu, mu the Hessian "
             "gap of the class-mean problem transverse to the symmetry orbit at the minimiser "
             "(bounds.py), so a run stopped at |grad| <= tol is within delta of the minimiser; "
             "plus 64 ulp of the largest entry for round-off")


@dataclasses.dataclass(frozen=True)
class Run:
    """One (depth, ratio) run of a result: its class-mean problem and, where the theory has a
    minimiser, the distance bound of a stop at |grad| <= tol."""

    index: int
    M: int
    counts: tuple[int, ...]
    prob: bd.Reduced
    bound: bd.Bound | None


def runs(res: Result) -> list[Run]:
    cfg = res.meta["config"]
    out = []
    for i, (M, counts) in enumerate(zip(res["depth"], res["counts"])):
        counts = tuple(int(v) for v in counts)
        prob = bd.Reduced(counts, bd.effective_width(int(cfg["d"]), len(counts)), int(M),
                          float(cfg["lambda_W"]),
                          float(cfg["lambda_H"]), float(cfg["lambda_b"]), cfg["loss"] == "ce",
                          bool(cfg["bias"]))
        ok = int(cfg["d"]) >= len(counts)
        out.append(Run(i, int(M), counts, prob, bd.bound(prob, float(cfg["tol"])) if ok else None))
    return out


def layer_mask(res: Result) -> np.ndarray:
    """[run, layer]: True for the layers l < M of each run (from the depths, not from nan-ness, so a
    nan-poisoned metric is checked, and fails)."""
    L = res["nc_layers"].shape[1]
    return np.arange(L)[None, :] < np.asarray(res["depth"])[:, None]


# ---- checks -------------------------------------------------------------------------------------
def _fmt_tol(tol) -> str:
    t = np.asarray(tol, float)
    return f"abs {float(t.max()):.3g}" if t.size and np.all(np.isfinite(t)) else "abs (none)"


def _dev(measured, predicted, tol) -> float:
    """max |measured - predicted| / tol (inf when shapes disagree; nan for non-finite input)."""
    m, p, t = (np.asarray(a, float) for a in (measured, predicted, tol))
    try:
        d = np.abs(m - p) / t
    except ValueError:
        return float("inf")
    return float(np.max(d)) if d.size else float("nan")


def _ok(dev: float, measured) -> bool:
    m = np.asarray(measured, float)
    return bool(m.size and np.all(np.isfinite(m)) and np.isfinite(dev) and dev <= 1.0)


def against_rivals(name: str, reference: str, statement: str, measured, predicted, tol, *,
                   rivals: Mapping[str, object], why: str) -> Claim:
    """|measured - predicted| <= tol element-wise, and the same check with the same tol FAILS for
    every rival prediction (the control passes if any rival matches: a defect)."""
    dev = _dev(measured, predicted, tol)
    main = Claim(name, reference, statement, np.asarray(predicted, float), np.asarray(measured, float),
                 _fmt_tol(tol), why, _ok(dev, measured))
    devs = {label: _dev(measured, r, tol) for label, r in rivals.items()}
    if not devs:
        return controlled(main, None, "no rival prediction applies")
    ctrl = Claim(name, reference, statement, "rivals", [float(f"{v:.3g}") for v in devs.values()],
                 main.tolerance, why, any(_ok(v, measured) for v in devs.values()))
    return controlled(main, ctrl, "rival predictions (measured: max deviation / tol of each): "
                      + "; ".join(devs))


def bounded(name: str, reference: str, statement: str, measured, tol, *,
            controls: Mapping[str, object], why: str, share: Sequence[str] = (),
            configs: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None) -> Claim:
    """Every measured statistic <= tol (a scalar or element-wise array), and the same statistic of
    every control exceeds it somewhere (the control passes if any control is within: a defect).
    ``share``, ``configs``: as for :func:`sims.verdicts.controlled`, when a control is another run."""
    m = np.asarray(measured, float)

    def within(x) -> bool:
        x = np.asarray(x, float)
        try:
            return bool(x.size and np.all(np.isfinite(x)) and np.all(x <= np.asarray(tol, float)))
        except ValueError:
            return False

    main = Claim(name, reference, statement, f"<= {_fmt_tol(tol)[4:]}", m, "bound", why, within(m))
    if not controls:
        return controlled(main, None, "no control")
    worst = [float(f"{np.nanmax(np.asarray(v, float)):.3g}") if np.size(v) else float("nan")
             for v in controls.values()]
    ctrl = Claim(name, reference, statement, f"<= {_fmt_tol(tol)[4:]}", worst, "bound", why,
                 any(within(v) for v in controls.values()))
    label = "; ".join(controls) + (" (measured: the largest statistic of each)"
                                   if len(controls) > 1 else "")
    return controlled(main, ctrl, label, share=share, configs=configs)


# ---- guards -------------------------------------------------------------------------------------
NEEDED = ("depth", "counts", "grad_norm", "nc_layers", "nc_init", "grams", "gains", "sb_pinv",
          "means", "W", "bias", "WWt", "WHbar")


def guarded(reference: str, rows: Mapping[str, Callable[[], Claim]], res: Result) -> list[Claim]:
    """Evaluate each named row; a missing array, an unconverged run or a row that raises gives a
    FAIL row with the reason instead of the check."""
    missing = [k for k in NEEDED if k not in res]
    cfg = res.meta.get("config", {})
    if not missing:
        g = np.asarray(res["grad_norm"], float)
        tol = float(cfg.get("tol", np.nan))
        converged = bool(g.size and np.all(np.isfinite(g)) and np.all(g <= tol))
    out = []
    for name, build in rows.items():
        if missing:
            out.append(failed(name, reference, "the result has the arrays this claim reads",
                              f"missing arrays {missing}"))
        elif not converged:
            out.append(failed(name, reference, "GD stopped at |grad| <= tol (the tolerances "
                              "assume it)", f"final |grad| {np.asarray(res['grad_norm']).tolist()} "
                              f"vs tol {cfg.get('tol')}"))
        else:
            try:
                out.append(dataclasses.replace(build(), name=name))
            except Exception as exc:  # noqa: BLE001 - a claim reports, never raises
                out.append(failed(name, reference, "the claim could be evaluated on the result",
                                  f"{type(exc).__name__}: {exc}"))
    return out
