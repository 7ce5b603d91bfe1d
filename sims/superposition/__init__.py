r"""Superposition toy model of neural scaling (Liu, Liu, Gore 2025, "Superposition Yields Robust
Neural Scaling", arXiv:2505.10465; the toy model of Elhage et al. 2022).

n features, m < n hidden dimensions. Feature i is active with probability p_i = D i^-alpha / Z
(Z = sum_{i<=n} i^-alpha, D = ``density`` expected active features per sample; the authors use D = 1),
and then takes a value u ~ U(0, 2): x_i = Bernoulli(p_i) u_i. The model reconstructs x through the
bottleneck W (n x m):

    y = ReLU(x W W^T + b),     L = (1/(B n)) sum_{s, i} (y_si - x_si)^2     (MSE over batch and features).

Closed-form gradients, with h = x W, z = h W^T + b and G = dL/dz = (2/(B n)) (y - x) 1[z > 0]:

    dL/db = sum_s G_s,      dL/dW = G^T h + x^T (G W).

Training is online (a fresh batch every step), AdamW written out by hand as in the authors' code
(exp/adamw.py of liuyz0/SuperpositionScaling): decoupled weight decay first, then the bias-corrected
Adam step (betas 0.9, 0.999, eps 1e-8), with a linear warm-up over ``warmup`` of the steps and cosine
decay to ``min_lr`` of the peak. The decay of W has a sign ``gamma``: gamma > 0 is ordinary decay
W_i <- (1 - lr gamma) W_i, which leaves only the most frequent features represented (weak
superposition); gamma < 0 pulls every row norm towards 1, W_i <- W_i + lr gamma W_i (1 - 1/|W_i|),
so all features keep a row and overlap (strong superposition). The bias is not decayed. Init:
W_ij ~ N(0, 1/m), b_i ~ N(0, ``b_init``^2) (the authors use b_init = 1).

Experiment kinds, from the config: ``strong`` (gamma < 0), ``weak`` (gamma > 0), ``no_decay``
(gamma = 0, no claims). Every width in ``m_grid`` is trained on the same stream of batches (common
random numbers; a sweep over widths through :func:`sims.parallel.run`, checkpointed per width) and
evaluated, trained and at initialisation (the untrained control), on the same ``eval_batch``
held-out samples. Theory in :mod:`theory.superposition`; claims in :mod:`.claims`.
"""
from __future__ import annotations

from ..verdicts import Claim
from ..simulator import Simulator
from .claims import LLG, strong_claims, weak_claims
from . import run
from .config import SuperpositionConfig, kind
from .model import (REPRESENTED, AdamWState, adam, decay, draw, eval_loss, loss_and_grads,
                    mean_sq_overlap, probabilities, schedule, train_chunk, weighted_sq_overlap)
from .run import cost
from theory import superposition as theory


SIMULATOR = Simulator(
    name="superposition",
    summary="superposition toy model (ReLU autoencoder, power-law feature frequencies, AdamW with "
            "signed weight decay): strong superposition gives loss ~ 1/m and frequent features "
            "less overlapped than random rows, weak superposition keeps the m most frequent "
            "features and loss ~ m^-(alpha-1) (Liu, Liu & Gore 2025)",
    config=SuperpositionConfig, simulate=run.simulate, kind=kind,
    claims={"strong": strong_claims, "weak": weak_claims},
    symbolic=theory.verify, symbolic_reference=LLG,
    figure="figures.superposition", figure_kinds=("strong", "weak"),
    cost=cost, benchmarks="benchmarks.superposition",
    outputs="sims.superposition.outputs",
)
simulate = SIMULATOR.simulate       # the entry: backend and threads resolved once, then run.simulate


def claims(results) -> list[Claim]:
    """Every claim of ``results`` (a Result, a list, or a profile's results by name)."""
    return SIMULATOR.check(results)
