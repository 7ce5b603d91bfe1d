"""Grokking: ``simulate`` for the two shapes of experiment (one run with its snapshots and stage-II
ascent; the threshold sweep over M, seeds and bisection steps, through :func:`sims.parallel.run`)."""
from __future__ import annotations

import math

import numpy as np

from .. import parallel
from ..backend import get_backend
from ..results import Result, make_result
from . import metrics
from .model import GrokkingConfig, _hidden
from theory import grokking as theory

HISTORY = ("step", "train_acc", "test_acc", "train_loss", "test_loss", "ipr_top", "ipr_all",
           "energy_top", "gf_norm", "gf_label", "gf_indep", "weight_norm")
SNAPSHOTS = ("init", "mem", "feat", "grok", "final")


def _train(*args, **kwargs):
    """:func:`model.train`, looked up on the package at call time, so that a patched
    ``sims.grokking.train`` (a preemption test, a mutant) is the one the sweep calls."""
    import sims.grokking as pkg
    return pkg.train(*args, **kwargs)


def simulate(config: GrokkingConfig) -> Result:
    """One experiment.

    ``kind: run`` (any group): per record (dim ``record``, coordinate ``step``) the histories
    ``step, train_acc, test_acc, train_loss, test_loss, ipr_top, ipr_all, energy_top, gf_norm,
    gf_label, gf_indep, weight_norm``; ``spectra`` [record, stored_node, irrep] (power share of the
    first ``spectrum_nodes`` nodes per irrep class: Z_M frequencies {0}, {+-1}, ...);
    ``node_energy`` [record, stored_node] (E(w/|w|)/(M/4)); snapshots ``W_<s>`` [node, input] and
    ``V_<s>`` [output, node] with their ``step_<s>`` [] for s in init, mem, feat, grok, final (the
    last record when a stage was not found); ``stage_found`` [stage] (mem, feat, grok);
    ``train_idx`` [train_pair]; ``W_indep`` [node, input] (independent ascent of E from W_mem);
    ``ridge_identity_err`` [] (the push-through identity on the network's F at t_mem).

    ``kind: stage2``: for each of ``seeds`` networks (dim ``seed``; seed s trains from
    ``SeedSequence(seed).spawn(seeds)[s]``) the histories ``step``, ``train_acc``, ``test_acc``,
    ``ipr_top`` [seed, record]; the weights ``W_start`` at record ``indep_record`` (``step_start``
    [seed]), the independent ascent ``W_indep`` from there, and ``W_final`` [seed, node, input],
    ``V_final`` [seed, output, node] at the last step; ``record_step`` [record] (coordinate).

    ``kind: sweep``: ``M`` [M], ``p_star`` [M], and per M and seed ``acc_low``, ``acc_high``
    (test accuracy at the bracket's ends), ``steps_high`` and the bisected ``threshold``.
    """
    if config.kind == "sweep":
        return _sweep(config)
    if config.kind == "stage2":
        return _stage2(config)
    return _run(config)


def _run(config: GrokkingConfig) -> Result:
    bk = get_backend(config.backend, config)
    seed = np.random.SeedSequence(config.seed)
    h = _train(config, config.M, config.train_fraction, seed)
    st = metrics.detect_stages(h["step"], h["train_acc"], h["test_acc"], h["ipr_top"], config.M)
    snaps = h.pop("snaps")
    last = len(snaps) - 1
    pick = {"init": 0, "mem": st["i_mem"], "feat": st["i_feat"], "grok": st["i_grok"], "final": last}
    arrays = {k: v for k, v in h.items()}
    dims = {k: ["record"] for k in HISTORY}
    dims["train_idx"] = ["train_pair"]
    arrays["spectra"] = np.stack([s[2] for s in snaps])          # (records, S, classes)
    arrays["node_energy"] = np.stack([s[3] for s in snaps])      # (records, S)
    dims.update(spectra=["record", "stored_node", "irrep"], node_energy=["record", "stored_node"])
    for name, i in pick.items():
        i = last if i is None else i
        arrays[f"W_{name}"], arrays[f"V_{name}"] = snaps[i][0], snaps[i][1]
        arrays[f"step_{name}"] = np.array(h["step"][i])
        dims.update({f"W_{name}": ["node", "input"], f"V_{name}": ["output", "node"],
                     f"step_{name}": []})
    arrays["stage_found"] = np.array([pick[k] is not None for k in ("mem", "feat", "grok")])
    # stage II on its own: ascent of E per node from the network's weights at the end of stage I
    X, _, Yt = theory.dataset(config.M, config.group)
    tr = h["train_idx"]
    i0 = st["i_mem"] if st["i_mem"] is not None else 0
    arrays["W_indep"] = metrics.independent_ascent(snaps[i0][0], X[tr], Yt[tr], config.activation,
                                                   config.indep_steps, config.indep_lr)
    arrays["ridge_identity_err"] = np.array(ridge_identity_error(_hidden(X[tr], snaps[i0][0],
                                                                         config.activation), Yt[tr]))
    dims.update(stage_found=["stage"], W_indep=["node", "input"], ridge_identity_err=[])
    return make_result(config, arrays, dims, coords={"record": "step"}, backend=bk.name)


def _ascent_start(config: GrokkingConfig, st: dict) -> int:
    """The record the independent ascent starts from: ``indep_record``, or t_mem when it is -1
    (record 0 when the run never memorises)."""
    if config.indep_record >= 0:
        return config.indep_record
    return st["i_mem"] if st["i_mem"] is not None else 0


def _stage2_point(config: GrokkingConfig, seed) -> dict:
    h = _train(config, config.M, config.train_fraction, seed)
    snaps = h.pop("snaps")
    st = metrics.detect_stages(h["step"], h["train_acc"], h["test_acc"], h["ipr_top"], config.M)
    i0 = min(_ascent_start(config, st), len(snaps) - 1)
    X, _, Yt = theory.dataset(config.M, config.group)
    tr = h["train_idx"]
    W0 = snaps[i0][0]
    return {"W_start": W0, "step_start": h["step"][i0], "W_final": snaps[-1][0],
            "V_final": snaps[-1][1], "step": h["step"], "train_acc": h["train_acc"],
            "test_acc": h["test_acc"], "ipr_top": h["ipr_top"],
            "W_indep": metrics.independent_ascent(W0, X[tr], Yt[tr], config.activation,
                                                  config.indep_steps, config.indep_lr)}


def _stage2(config: GrokkingConfig) -> Result:
    seeds = np.random.SeedSequence(config.seed).spawn(config.seeds)
    values = parallel.run(config, list(range(config.seeds)), lambda s, ss: _stage2_point(config, ss),
                       seeds=seeds, desc="grokking stage2")
    grid = parallel.Grid(seed=range(config.seeds))
    inner = {"W_start": ("node", "input"), "W_indep": ("node", "input"),
             "W_final": ("node", "input"), "V_final": ("output", "node"), "step_start": (),
             "step": ("record",), "train_acc": ("record",), "test_acc": ("record",),
             "ipr_top": ("record",)}
    arrays, dims = parallel.stack(values, grid, inner)
    arrays["record_step"], dims["record_step"] = arrays["step"][0], ["record"]
    return make_result(config, arrays, dims, coords={"record": "record_step"},
                       backend=get_backend(config.backend, config).name)


def ridge_identity_error(F: np.ndarray, Yt: np.ndarray) -> float:
    """max |Y - F(F'F + eta)^-1 F'Y - eta (FF' + eta)^-1 Y| / max |rhs| with eta = 1e-3 tr(F'F)/K:
    the push-through identity (exact for any F), in float64."""
    eta = 1e-3 * float(np.trace(F.T @ F)) / F.shape[1]
    lhs = Yt - F @ np.linalg.solve(F.T @ F + eta * np.eye(F.shape[1]), F.T @ Yt)
    rhs = eta * np.linalg.solve(F @ F.T + eta * np.eye(F.shape[0]), Yt)
    return float(np.abs(lhs - rhs).max() / np.abs(rhs).max())


# ---- the threshold sweep ------------------------------------------------------------------------
def _threshold_point(config: GrokkingConfig, M: int, seed) -> dict:
    """One (M, seed): the bracket's two ends, then ``bisect`` log-bisection steps for the smallest
    training fraction whose final test accuracy reaches ``success_acc``."""
    lo, hi = config.bracket_of(M)

    def final_acc(p):
        h = _train(config, M, p, seed, record=False, stop_acc=config.success_acc)
        return float(h["test_acc"][-1]), float(h["step"][-1])

    acc_low, _ = final_acc(lo)
    acc_high, steps_high = final_acc(hi)
    for _ in range(config.bisect):
        mid = math.sqrt(lo * hi)
        if final_acc(mid)[0] >= config.success_acc:
            hi = mid
        else:
            lo = mid
    return {"acc_low": acc_low, "acc_high": acc_high, "steps_high": steps_high,
            "threshold": math.sqrt(lo * hi)}


def _sweep(config: GrokkingConfig) -> Result:
    Ms = list(config.sweep_M)
    S = config.seeds
    seeds = np.random.SeedSequence(config.seed).spawn(len(Ms) * S)
    points = [(M, s) for M in Ms for s in range(S)]          # seeds[i * S + s] for (Ms[i], s)
    done = parallel.run(config, points, lambda pt, ss: _threshold_point(config, pt[0], ss),
                     seeds=seeds, desc="grokking sweep")
    keys = ("acc_low", "acc_high", "steps_high", "threshold")
    arrays = {k: np.array([d[k] for d in done], float).reshape(len(Ms), S) for k in keys}
    arrays.update(M=np.array(Ms), p_star=theory.critical_fraction(np.array(Ms, float)),
                  bracket=np.array([config.bracket_of(M) for M in Ms]))
    dims = {**{k: ["M", "seed"] for k in keys}, "M": ["M"], "p_star": ["M"], "bracket": ["M", "end"]}
    return make_result(config, arrays, dims, coords={"M": "M"},
                       backend=get_backend(config.backend, config).name)
