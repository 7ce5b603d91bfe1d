"""Neuron alignment: the (n, mu, eps) sweep, the step halvings, the result and the cost model."""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from typing import NamedTuple

from .. import parallel
from ..context import RunContext
from ..results import Result, make_result
from . import model
from .config import NeuronAlignmentConfig, loss_scale

# per-step arrays of grid point 0 and their dims
TRAJECTORY_DIMS = {
    "t": ["step"], "loss": ["step"], "all_ok": ["step"], "frac_ok": ["step"], "bal_err_t": ["step"],
    "snap_t": ["snapshot"], "cos_plus": ["snapshot", "neuron"], "cos_minus": ["snapshot", "neuron"],
    "norm_w": ["snapshot", "neuron"], "v_t": ["snapshot", "neuron"],
    "neuron_class": ["snapshot", "neuron"], "svals": ["snapshot", "singular"],
    "W_final": ["neuron", "input"], "v_final": ["neuron"], "X": ["sample", "input"],
    "y": ["sample"],
}
PER_NEURON = ("init_cos", "centre_rate")      # summaries with a trailing neuron axis
ORDER_KEYS = ("order_steps", "order_bal_err", "order_t_final", "order_bal_err_smooth",
              "order_loss_final", "order_norm_change", "order_truncated", "order_t_smooth",
              "order_loss_smooth", "order_smooth_crossed")


class Seeds(NamedTuple):
    """The seed tree: ``SeedSequence(seed).spawn(2)`` = the data (every (n, mu) drawn from it,
    the same for every eps) and the init directions and signs (shared by every grid point)."""

    data: np.random.SeedSequence
    init: np.random.SeedSequence


def seeds_of(config: NeuronAlignmentConfig) -> Seeds:
    return Seeds(*parallel.seeds_for(config, 2))


def simulate(config: NeuronAlignmentConfig, run: RunContext) -> Result:
    """Gradient flow from a small balanced init at every (n, mu, eps) of the grid.

    Returns arrays (dims): per grid point ``t_align``, ``dt_align``, ``t_escape``, ``dt_escape``,
    ``aligned_at_escape``, ``frac_ok_escape``, ``stable_rank``, ``bal_err``, ``lam`` (c |x_+|),
    ``x_min`` (min_i |x_i|), ``t_final``, ``truncated`` [n, mu, eps]; ``init_cos`` (each neuron's
    initial cosine to its own data centre), ``centre_rate`` (c |x_{s_j}|) [n, mu, eps, neuron];
    the trajectory of grid point 0: ``t``, ``loss``, ``all_ok``, ``frac_ok``, ``bal_err_t``
    [step], snapshots ``snap_t`` [snapshot], ``cos_plus``, ``cos_minus``, ``norm_w``, ``v_t``,
    ``neuron_class`` [snapshot, neuron], ``svals`` [snapshot, singular], ``W_final`` [neuron,
    input], ``v_final`` [neuron], its data ``X`` [sample, input], ``y`` [sample]; with
    ``halvings`` the step-halving runs of point 0: ``order_steps``, ``order_bal_err``,
    ``order_bal_err_smooth``, ``order_norm_change``, ``order_t_final``, ``order_loss_final``,
    ``order_truncated``, and from the state after the last activation-pattern change the clock
    ``order_t_smooth``, loss ``order_loss_smooth`` and ``order_smooth_crossed`` (1 if a pattern
    changed after all) at one rescaled time [halving]; coordinates ``n``, ``mu``, ``eps``.
    """
    bk = run.backend
    seeds = seeds_of(config)
    W0dir, v0sign = model.make_init(config.width, config.d, 1.0, np.random.default_rng(seeds.init))
    grid = parallel.Grid(n=config.n, mu=config.mu, eps=config.eps)
    points = list(enumerate(grid.points()))
    cache: dict = {}

    def data(n, mu, seed):
        # the same data for every eps (each (n, mu) drawn from the same seed)
        if (n, mu) not in cache:
            cache[(n, mu)] = model.make_data(n, config.d, mu, np.random.default_rng(seed))
        return cache[(n, mu)]

    def grid_point(point, seed):
        g, (n, mu, eps) = point
        X, y = data(n, mu, seed)
        return _grid_point(bk, config, g, X, y, eps * W0dir, eps * v0sign, W0dir, v0sign)

    values = parallel.run(config, points, grid_point, seeds=[seeds.data] * len(points),
                          desc="neuron_alignment")
    arrays = {k: v for k, v in values[0].items() if not k.startswith(("summary/", "base/"))}
    dims = {k: TRAJECTORY_DIMS[k] for k in arrays}
    for key in (k for k in values[0] if k.startswith("summary/")):
        a = np.array([v[key] for v in values], dtype=float)
        name = key.removeprefix("summary/")
        arrays[name] = a.reshape(grid.shape + a.shape[1:])
        dims[name] = list(grid.dims) + (["neuron"] if name in PER_NEURON else [])
    arrays.update({"n": np.asarray(config.n), "mu": np.asarray(config.mu),
                   "eps": np.asarray(config.eps)})
    dims.update({"n": ["n"], "mu": ["mu"], "eps": ["eps"]})
    coords = {"n": "n", "mu": "mu", "eps": "eps"}
    if config.halvings:
        X, y = data(config.n[0], config.mu[0], seeds.data)
        arrays.update(_halvings(bk, X, y, config.eps[0] * W0dir, config.eps[0] * v0sign, config,
                                values[0], seeds.data))
        dims.update({k: ["halving"] for k in ORDER_KEYS})
        coords["halving"] = "order_steps"
    return make_result(config, arrays, dims, coords)


def _grid_point(bk, config, g, X, y, W0, v0, W0dir, v0sign) -> dict:
    """One grid point: its summaries (``summary/<name>``) and, for point 0, the trajectory arrays
    and the drifts the step-halving sweep compares with."""
    run = model.integrate(bk, X, y, W0, v0, config, config.step, trajectories=(g == 0))
    out = {f"summary/{k}": v for k, v in model.summarise(run).items()}
    out["summary/lam"] = run["lam"]
    out["summary/x_min"] = float(np.min(np.linalg.norm(X, axis=1)))
    out["summary/init_cos"], out["summary/centre_rate"] = _own_centre(X, y, W0dir, v0sign, config)
    if g == 0:
        out.update(_trajectory_arrays(run, X, y))
        out.update({f"base/{k}": v for k, v in _drifts(run, W0, v0).items()})
    return out


def _own_centre(X, y, W0, v0, config):
    """Per neuron: the initial cosine to its own data centre (x_+ for v > 0, x_- for v < 0) and
    that centre's rate c |x_{+-}| (theory (v))."""
    diag = model.diagnostics(X, y, W0, v0)
    norms = [np.linalg.norm(c) for c in model.centres(X, y)]
    return (np.where(v0 > 0, diag.cos_plus, diag.cos_minus),
            loss_scale(config, len(y)) * np.where(v0 > 0, norms[0], norms[1]))


def _trajectory_arrays(run, X, y) -> dict:
    ts, cp, cm, nw, vs, cl, sv = [], [], [], [], [], [], []
    for snap in run["snaps"]:
        diag = model.diagnostics(X, y, snap.W, snap.v)
        ts.append(snap.t), cp.append(diag.cos_plus), cm.append(diag.cos_minus)
        nw.append(diag.norms), vs.append(snap.v), cl.append(diag.neuron_class)
        sv.append(np.linalg.svd(snap.W, compute_uv=False))
    return {"t": run["t"], "loss": run["loss"], "all_ok": run["all_ok"], "frac_ok": run["frac_ok"],
            "bal_err_t": run["bal_err"], "snap_t": np.asarray(ts), "cos_plus": np.asarray(cp),
            "cos_minus": np.asarray(cm), "norm_w": np.asarray(nw), "v_t": np.asarray(vs),
            "neuron_class": np.asarray(cl, dtype=np.int8), "svals": np.asarray(sv),
            "W_final": run["W"], "v_final": run["v"], "X": X, "y": y}


def _drifts(run, W0, v0) -> dict:
    """Whole-run balancedness drift, smooth-phase drift, the change of the (not conserved)
    v_j^2 + |w_j|^2, the final time and loss, and whether the run was truncated."""
    energy = lambda W, v: v**2 + np.sum(W**2, axis=1)      # noqa: E731
    return {"bal_err": float(run["bal_err"].max()), "bal_err_smooth": run["bal_err_smooth"],
            "norm_change": float(np.max(np.abs(energy(run["W"], run["v"]) - energy(W0, v0)))),
            "t_final": float(run["t"][-1]), "loss_final": float(run["loss"][-1]),
            "truncated": float(run["truncated"]), "n_steps": len(run["t"]) - 1,
            "crossing_step": int(np.flatnonzero(run["t"] == run["t_last_crossing"])[0])}


def _halvings(bk, X, y, W0, v0, config, point0, seed) -> dict:
    """Balancedness drift and final state at step, step/2, ..., step/2^halvings, run to the same
    t_end; the halved runs go through the sweep runner (one checkpoint each)."""
    steps = [config.step / 2**k for k in range(config.halvings + 1)]
    finer = parallel.run(config, steps[1:],
                          lambda s, _seed: _drifts(model.integrate(bk, X, y, W0, v0, config, s),
                                                   W0, v0),
                          seeds=[seed] * (len(steps) - 1), desc="neuron_alignment halvings",
                          key="halvings")
    base = {k.removeprefix("base/"): v for k, v in point0.items() if k.startswith("base/")}
    runs = [base, *finer]
    col = lambda key: np.asarray([float(r[key]) for r in runs])   # noqa: E731
    return {"order_steps": np.asarray(steps), "order_bal_err": col("bal_err"),
            "order_t_final": col("t_final"), "order_bal_err_smooth": col("bal_err_smooth"),
            "order_loss_final": col("loss_final"), "order_norm_change": col("norm_change"),
            "order_truncated": col("truncated"), **_smooth_order(bk, X, y, W0, v0, config, base)}


def _smooth_order(bk, X, y, W0, v0, config, base) -> dict:
    """The clock t and the loss after the same rescaled time at step, step/2, ..., all started
    from the base run's state one step after its last activation-pattern change (a smooth
    field: RK4's order 4 applies; the whole runs carry the O(h) error of the crossings, and
    their ends lie on step-dependent grid points). M base steps = M 2^k halved steps, with
    M = the base run's remaining steps; nan where no step remains."""
    K = int(base["crossing_step"]) + 1
    M = int(base["n_steps"]) - K
    H = config.halvings + 1
    if M < 1:
        nan = np.full(H, np.nan)
        return {"order_t_smooth": nan, "order_loss_smooth": nan, "order_smooth_crossed": nan}
    start = model.integrate(bk, X, y, W0, v0, dataclasses.replace(config, max_steps=K),
                            config.step)
    ts, losses, crossed = [], [], []
    for k in range(H):
        c = dataclasses.replace(config, max_steps=M * 2**k, t_end=math.inf, stop_loss=0.0)
        r = model.integrate(bk, X, y, start["W"], start["v"], c, config.step / 2**k)
        ts.append(float(r["t"][-1])), losses.append(float(r["loss"][-1]))
        crossed.append(float(r["t_last_crossing"] > 0))
    return {"order_t_smooth": np.asarray(ts), "order_loss_smooth": np.asarray(losses),
            "order_smooth_crossed": np.asarray(crossed)}


# ---- cost model (workflow/cost_model.py) ----------------------------------------------------------
HOST_N = 50      # host work per step, in units of one data point's matmuls


def cost(c: NeuronAlignmentConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim): an RK4 step costs 4 x 2 width n d, and the host-side diagnostics
    of a step (norms, patterns, copies of W) cost about HOST_N more n's worth of width d (measured:
    the cost per step is linear in n + 50 at width 60 and 500). Steps in the rescaled time: the
    escape from the small init takes ~ log(1/eps) / step, and late times cost log t, so ~ log(1 +
    t_end) / step; halvings rerun grid point 0 at step/2^k. Snapshots of W (width x d) of the
    first point."""
    grid = [(n, m, e) for n in c.n for m in c.mu for e in c.eps]
    steps = [(math.log(1 / min(e, 0.5)) + math.log1p(c.t_end)) / c.step for _, _, e in grid]
    ops = sum(s * c.width * (n + HOST_N) * c.d for s, (n, _, _) in zip(steps, grid))
    ops += sum(steps[0] * 2**k * c.width * (c.n[0] + HOST_N) * c.d
               for k in range(1, c.halvings + 1))
    if c.halvings:           # the smooth-phase restarts: at most the base run again per halving
        ops += sum(steps[0] * 2**k * c.width * (c.n[0] + HOST_N) * c.d
                   for k in range(c.halvings + 1))
    arrays = steps[0] / c.record_every * c.width * (c.d + 2) + max(c.n) * c.d
    return ops, 8.0 * arrays, max(c.width, c.d, max(c.n))
