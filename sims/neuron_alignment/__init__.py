r"""Early neuron alignment: gradient flow of a two-layer ReLU net from a small balanced init.

Min, Mallada & Vidal, "Early Neuron Alignment in Two-layer ReLU Networks with Small
Initialization", ICLR 2024 (arXiv 2307.12851). Model f(x) = sum_j v_j relu(<w_j, x>), loss
L = c sum_i l(y_i f(x_i)) with l(u) = exp(-u) (or log(1 + exp(-u))) and c = 1 (the paper's sum,
``reduction: sum``) or 1/n (``mean``; its times are n times the paper's: t_paper = c t). Gradient
flow integrated:

    dv_j/dt = c sum_i -l'(y_i f(x_i)) y_i relu(<w_j, x_i>)
    dw_j/dt = c v_j sum_i -l'(y_i f(x_i)) y_i 1[<w_j, x_i> > 0] x_i

with the activation's derivative taken as 1[z > 0] (the right-hand side jumps where <w_j, x_i>
changes sign; nothing locates those crossings, so a step that straddles one is only O(h^2) accurate
in the balancedness and O(h) in the state; crossings happen while |w_j| ~ eps).

Data (unit norm, exact separation mu): x_i = y_i (sqrt(mu) u + sqrt(1 - mu) z_i) with u, z_1..z_n
orthonormal (so <x_i y_i, x_j y_j> = mu for i != j; needs d > n), half the labels +1. x_+ and x_-
are the sums of the positive and of the negative inputs (the paper's data centres).
Init (the paper's Eq. 3 with |v_j| = |w_j| = eps): w_j = eps * uniform direction, v_j = +-eps.

Integrator: classical RK4 (order 4) with a fixed step in a rescaled time tau,
dt/dtau = s(L) = (1 + ln 2) L0 / (L (1 + ln(1 + L0/L))), a smooth function of the state equal to 1
while L ~ L0 and ~ t late on (so late times cost log t steps). The step is
dtau = ``step`` / lambda with lambda = c max(|x_+|, |x_-|), the growth rate of an aligned neuron.

Experiment kinds (from the config, :func:`model.kind`): ``trajectory`` (one small-init point, its
whole trajectory), ``large_init`` (one point with eps >= 0.1: the paper's contrast), ``eps_sweep``,
``n_mu_sweep`` and ``order`` (step halvings). The claims are in :mod:`.claims`.
"""
from __future__ import annotations

from ..verdicts import Claim
from ..simulator import Simulator
from .claims import PAPER, eps_claims, large_init_claims, trajectory_claims
from .claims_sweep import n_mu_claims, order_claims
from . import run
from .config import LARGE_EPS, MAX_STEP, NeuronAlignmentConfig, kind, loss_scale
from .model import (ALIGN_COS, MAX_DROP, Alignment, Diagnostics, Field, Snapshot, Step, centres,
                    diagnostics, field, integrate, make_data, make_init, rk4_step, speed,
                    stable_rank, summarise)
from .run import cost
from theory import neuron_alignment as theory

SIMULATOR = Simulator(
    name="neuron_alignment",
    summary="gradient flow of a two-layer ReLU net from a small balanced init: early alignment "
            "with x+/x- by the paper's t_1 (Theorem 1), eps-free alignment time and a large-n "
            "law, the late O(1/t) rate with its log correction, stable rank <= 2; large init as "
            "the contrast (Min, Mallada & Vidal 2024)",
    config=NeuronAlignmentConfig, simulate=run.simulate, kind=kind,
    claims={"trajectory": trajectory_claims, "large_init": large_init_claims,
            "eps_sweep": eps_claims, "n_mu_sweep": n_mu_claims, "order": order_claims},
    symbolic=theory.verify, symbolic_reference=PAPER + " (theory (i)-(v), our derivations)",
    figure="figures.neuron_alignment",
    figure_kinds=("trajectory", "eps_sweep", "n_mu_sweep", "large_init"),
    figure_optional=("large_init",),
    cost=cost, benchmarks="benchmarks.neuron_alignment",
    # whole runs on 2 cores (benchmarks/RESULTS.md, 2026-12-02): a one-point run takes 0.15-0.3 s,
    # less than numba's cache load (numpy 2.3-3.3x faster); with the per-step records generic,
    # the quick grid is numpy 1.24 s vs numba 1.62 s and the paper grid 2.48 s vs 2.35 s, so
    # numpy is within 1.06x everywhere
    auto=lambda config: "numpy",
    outputs="sims.neuron_alignment.outputs",
)
simulate = SIMULATOR.simulate       # the entry: backend and threads resolved once, then run.simulate


def claims(results) -> list[Claim]:
    """Every claim of ``results`` (a Result, a list, or a profile's results by name)."""
    return SIMULATOR.check(results)


__all__ = ["ALIGN_COS", "Alignment", "Diagnostics", "Field", "LARGE_EPS", "MAX_DROP", "MAX_STEP",
           "NeuronAlignmentConfig", "SIMULATOR", "Snapshot", "Step", "centres", "claims", "cost",
           "diagnostics", "field", "integrate", "kind", "loss_scale", "make_data", "make_init",
           "rk4_step", "simulate", "speed", "stable_rank", "summarise", "theory"]
