"""Grokking: ``simulate`` for the three kinds of experiment (one run with its snapshots and stage-II
ascent; stage2's networks; the threshold sweep over M, seeds and bisection steps, through
:func:`sims.parallel.run`) and the cost model."""
from __future__ import annotations

import math

import numpy as np

from .. import parallel
from ..context import RunContext
from ..results import Result, make_result
from . import metrics, model, training
from .config import GrokkingConfig, RunConfig, Stage2Config, SweepConfig
from .training import HISTORY
from theory import grokking as theory

SNAPSHOTS = ("init", "mem", "feat", "grok", "final")


def stage2_seeds(config: Stage2Config) -> list:
    """Seed s of a stage2 experiment: ``SeedSequence(seed).spawn(seeds)[s]``."""
    return np.random.SeedSequence(config.seed).spawn(config.seeds)


def sweep_seeds(config: SweepConfig) -> list:
    """Seed of point (sweep_M[i], s) of a sweep: ``SeedSequence(seed).spawn(len(sweep_M) seeds)
    [i seeds + s]``."""
    return np.random.SeedSequence(config.seed).spawn(len(config.sweep_M) * config.seeds)


def simulate(config: GrokkingConfig, run: RunContext) -> Result:
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
    if isinstance(config, SweepConfig):
        return _sweep(config, run)
    if isinstance(config, Stage2Config):
        return _stage2(config, run)
    return _run(config, run)


def _stages(h: training.Training, M: int) -> metrics.Stages:
    return metrics.detect_stages(h.history["step"], h.history["train_acc"], h.history["test_acc"],
                                 h.history["ipr_top"], M)


def _run(config: RunConfig, run: RunContext) -> Result:
    h = training.train(config, config.M, config.train_fraction, np.random.SeedSequence(config.seed),
                    run)
    st = _stages(h, config.M)
    snaps = h.snapshots
    last = len(snaps) - 1
    pick = {"init": 0, "mem": st.i_mem, "feat": st.i_feat, "grok": st.i_grok, "final": last}
    arrays = dict(h.history)
    arrays["train_idx"] = h.train_idx
    dims = {k: ["record"] for k in HISTORY}
    dims["train_idx"] = ["train_pair"]
    arrays["spectra"] = np.stack([s.spectrum for s in snaps])    # (records, S, classes)
    arrays["node_energy"] = np.stack([s.energy for s in snaps])  # (records, S)
    dims.update(spectra=["record", "stored_node", "irrep"], node_energy=["record", "stored_node"])
    for name, i in pick.items():
        i = last if i is None else i
        arrays[f"W_{name}"], arrays[f"V_{name}"] = snaps[i].W, snaps[i].V
        arrays[f"step_{name}"] = np.array(h.history["step"][i])
        dims.update({f"W_{name}": ["node", "input"], f"V_{name}": ["output", "node"],
                     f"step_{name}": []})
    arrays["stage_found"] = np.array([pick[k] is not None for k in ("mem", "feat", "grok")])
    # stage II on its own: ascent of E per node from the network's weights at the end of stage I
    X, _, Yt = theory.dataset(config.M, config.group)
    tr = h.train_idx
    W0 = snaps[st.i_mem if st.i_mem is not None else 0].W
    arrays["W_indep"] = metrics.independent_ascent(W0, X[tr], Yt[tr], config.activation,
                                                   config.indep_steps, config.indep_lr)
    arrays["ridge_identity_err"] = np.array(ridge_identity_error(
        model.hidden(X[tr], W0, config.activation), Yt[tr]))
    dims.update(stage_found=["stage"], W_indep=["node", "input"], ridge_identity_err=[])
    return make_result(config, arrays, dims, coords={"record": "step"})


def _ascent_start(config: Stage2Config, st: metrics.Stages) -> int:
    """The record the independent ascent starts from: ``indep_record``, or t_mem when it is None
    (record 0 when the run never memorises)."""
    if config.indep_record is not None:
        return config.indep_record
    return st.i_mem if st.i_mem is not None else 0


def _stage2_point(config: Stage2Config, seed, run: RunContext) -> dict:
    h = training.train(config, config.M, config.train_fraction, seed, run)
    snaps = h.snapshots
    i0 = min(_ascent_start(config, _stages(h, config.M)), len(snaps) - 1)
    X, _, Yt = theory.dataset(config.M, config.group)
    tr = h.train_idx
    W0 = snaps[i0].W
    return {"W_start": W0, "step_start": h.history["step"][i0], "W_final": snaps[-1].W,
            "V_final": snaps[-1].V, "step": h.history["step"],
            "train_acc": h.history["train_acc"], "test_acc": h.history["test_acc"],
            "ipr_top": h.history["ipr_top"],
            "W_indep": metrics.independent_ascent(W0, X[tr], Yt[tr], config.activation,
                                                  config.indep_steps, config.indep_lr)}


def _stage2(config: Stage2Config, run: RunContext) -> Result:
    values = parallel.run(config, list(range(config.seeds)),
                          lambda s, ss: _stage2_point(config, ss, run),
                          seeds=stage2_seeds(config), desc="grokking stage2")
    grid = parallel.Grid(seed=range(config.seeds))
    inner = {"W_start": ("node", "input"), "W_indep": ("node", "input"),
             "W_final": ("node", "input"), "V_final": ("output", "node"), "step_start": (),
             "step": ("record",), "train_acc": ("record",), "test_acc": ("record",),
             "ipr_top": ("record",)}
    arrays, dims = parallel.stack(values, grid, inner)
    arrays["record_step"], dims["record_step"] = arrays["step"][0], ["record"]
    return make_result(config, arrays, dims, coords={"record": "record_step"})


def ridge_identity_error(F: np.ndarray, Yt: np.ndarray) -> float:
    """max |Y - F(F'F + eta)^-1 F'Y - eta (FF' + eta)^-1 Y| / max |rhs| with eta = 1e-3 tr(F'F)/K:
    the push-through identity (exact for any F), in float64."""
    eta = 1e-3 * float(np.trace(F.T @ F)) / F.shape[1]
    lhs = Yt - F @ np.linalg.solve(F.T @ F + eta * np.eye(F.shape[1]), F.T @ Yt)
    rhs = eta * np.linalg.solve(F @ F.T + eta * np.eye(F.shape[0]), Yt)
    return float(np.abs(lhs - rhs).max() / np.abs(rhs).max())


# ---- the threshold sweep ------------------------------------------------------------------------
def _threshold_point(config: SweepConfig, M: int, seed, run: RunContext) -> dict:
    """One (M, seed): the bracket's two ends, then ``bisect`` log-bisection steps for the smallest
    training fraction whose final test accuracy reaches ``success_acc``."""
    lo, hi = config.bracket_of(M)

    def final_acc(p):
        h = training.train(config, M, p, seed, run, record=False, stop_acc=config.success_acc)
        return float(h.history["test_acc"][-1]), float(h.history["step"][-1])

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


def _sweep(config: SweepConfig, run: RunContext) -> Result:
    Ms = list(config.sweep_M)
    S = config.seeds
    points = [(M, s) for M in Ms for s in range(S)]          # seeds[i * S + s] for (Ms[i], s)
    done = parallel.run(config, points, lambda pt, ss: _threshold_point(config, pt[0], ss, run),
                        seeds=sweep_seeds(config), desc="grokking sweep")
    keys = ("acc_low", "acc_high", "steps_high", "threshold")
    arrays = {k: np.array([d[k] for d in done], float).reshape(len(Ms), S) for k in keys}
    arrays.update(M=np.array(Ms), p_star=theory.critical_fraction(np.array(Ms, float)),
                  bracket=np.array([config.bracket_of(M) for M in Ms]))
    dims = {**{k: ["M", "seed"] for k in keys}, "M": ["M"], "p_star": ["M"], "bracket": ["M", "end"]}
    return make_result(config, arrays, dims, coords={"M": "M"})


def cost(c: GrokkingConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim). A full-batch step on P = fraction M^2 pairs costs P K M (hidden
    layer from one-hot inputs, the M-class output layer and both backward). A run adds the stage-II
    ascent (indep_steps over the top nodes, M^2 pairs); ``stage2`` trains ``seeds`` such runs and
    ascends every node; the sweep trains (2 + bisect) nets per M and seed at fractions ~ p*(M)
    (clipped into the bracket; an upper bound: a run stops once it generalises)."""
    if isinstance(c, SweepConfig):
        def frac(M):
            p = theory.critical_fraction(M)
            lo, hi = c.bracket_of(M)
            return p if c.bracket == "p_star" else min(max(p, lo), hi)
        ops = c.seeds * sum((2 + c.bisect) * c.steps * frac(M) * M**3 * c.K for M in c.sweep_M)
        Mx = max(c.sweep_M)
        return ops, 8.0 * (Mx**3 * 2 + 3 * Mx * Mx * c.K), max(c.K, Mx * Mx)
    P = c.train_fraction * c.M**2
    records = c.steps // c.record_every + 1
    arrays = 2 * c.M**3 + 3 * c.M * c.M * c.K + records * c.spectrum_nodes * (c.M + 2)
    if isinstance(c, Stage2Config):
        per_seed = (c.steps * P * c.K * c.M + c.indep_steps * c.train_fraction * c.K * c.M**3
                    + records * c.K * c.M**3)
        return c.seeds * per_seed, 8.0 * (arrays + 4 * c.seeds * c.K * c.M), max(c.K, c.M * c.M)
    ops = c.steps * P * c.K * c.M + c.indep_steps * c.top_fraction * c.K * c.M**3
    return ops, 8.0 * arrays, max(c.K, c.M * c.M)
