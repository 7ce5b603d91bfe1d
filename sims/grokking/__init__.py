r"""Grokking of modular addition by a 2-layer network and the three Li2 stages (Tian 2025).

Model (Tian 2025, "Provable Scaling Laws of Feature Emergence from Learning Dynamics of Grokking",
arXiv:2509.21519; hyper-parameters of its code, yuandong-tian/understanding,
ssl/real-dataset/cogo/modular_addition_simple2.py): the M^2 pairs (a, b) of Z_M with label
y = (a + b) mod M (or the product of the dihedral group D_n, M = 2n), a random fraction
``train_fraction`` of them for training; frozen one-hot inputs x = [e_a; e_b] in R^{2M}; hidden
F = sigma(W x), W in R^{K x 2M}, no bias, sigma(h) = h^2 ("sqr", the paper's default) or relu;
output o = V F, V in R^{M x K}; centred MSE loss

    L = (1/N) sum_i |o_i - mean(o_i) - (e_{y_i} - 1/M)|^2.

Gradients in closed form: with R = P o - ytil (P centres over classes), G_O = 2R/N, dL/dV = G_O^T F,
G_F = -dL/dF = -G_O V, dL/dW = -(G_F * sigma'(H))^T X. Full-batch optimisers, float64:
``adam`` = torch.optim.Adam with weight_decay (L2 added to the gradient before the moments: what the
paper's code runs), ``adamw`` = decoupled decay as torch.optim.AdamW, ``gd`` = GD on L + wd/2 |theta|^2.
Init as torch.nn.Linear: W ~ U(+-1/sqrt(2M)), V ~ U(+-1/sqrt(K)). ``labels: shuffled`` permutes the
labels over the pairs (the control task without group structure).

Recorded every ``record_every`` steps: train/test loss and accuracy; the folded Fourier power of every
hidden node's a- and b-weights (frequency classes {0}, {1, M-1}, ...; irrep classes on D_n); its
inverse participation ratio IPR_2 = sum_k p_k^2; the energy E(w/|w|) / (M/4) of each node (the Li2
stage-II energy E(w) = 1/2 |Ytil^T sigma(X w)|^2, maximal M/4 at a Fourier feature); |G_F|, the
fraction of |G_F|^2 in the label span col(Ytil) and the cosine between G_F and the stage-II form
Ytil Ytil^T F. "Strongest" nodes are the top ``top_fraction`` by |w_j| |V e_j|.

Kinds (from the config): ``grok`` (Z_M with weight decay), ``no_decay`` (weight_decay = 0),
``shuffled`` (shuffled labels: a control run, no claims of its own), ``dihedral`` (group D_n),
``stage2`` (``seeds`` networks with an independent ascent of E per node from an early record) and
``sweep`` (the minimal training fraction that generalises, bisected for each M and seed inside a
bracket of fractions, absolute or in units of p*(M) = 2.7482 ln M / M, the author's code constant).
"""
from __future__ import annotations

from ..verdicts import Claim
from ..simulator import Simulator
from . import run
from .claims import dihedral_claims, grok_claims, no_decay_claims, stage2_claims
from .claims_sweep import sweep_claims
from .config import GrokkingConfig, RunConfig, Stage2Config, SweepConfig, kind
from .metrics import (Stages, detect_stages, dominant, independent_ascent, node_energy,
                      node_report, spectra, strength, top_nodes, unit_rows)
from .model import Hyper, TrainState, init_params, loss_and_grads, split, train_chunk
from .run import cost, ridge_identity_error
from .training import Snapshot, Training, train
from theory import grokking as theory

SIMULATOR = Simulator(
    name="grokking",
    summary="a 2-layer x^2 network on modular addition with Adam and weight decay (Tian 2025, "
            "Li2): stages in order, single-frequency nodes at the maxima of the stage-II energy, "
            "nodes that follow its independent ascent, no grokking without weight decay, the "
            "threshold fraction ~ ln M / M against rival laws, single irreps on D_n",
    config=GrokkingConfig, simulate=run.simulate, kind=kind,
    claims={"grok": grok_claims, "no_decay": no_decay_claims, "dihedral": dihedral_claims,
            "stage2": stage2_claims, "sweep": sweep_claims},
    symbolic=theory.verify, symbolic_reference=theory.REF,
    figure="figures.grokking",
    figure_kinds=("grok", "no_decay", "shuffled", "stage2", "sweep", "dihedral"),
    figure_optional=("no_decay", "shuffled"),
    cost=cost, benchmarks="benchmarks.grokking",
    outputs="sims.grokking.outputs",
)
simulate = SIMULATOR.simulate       # the entry: backend and threads resolved once, then run.simulate

__all__ = ["GrokkingConfig", "Hyper", "RunConfig", "SIMULATOR", "Snapshot", "Stage2Config",
           "Stages", "SweepConfig", "TrainState", "Training", "claims", "cost", "detect_stages",
           "dominant", "independent_ascent", "init_params", "kind", "loss_and_grads",
           "node_energy", "node_report", "ridge_identity_error", "simulate", "spectra", "split",
           "strength", "top_nodes", "train", "train_chunk", "unit_rows"]


def claims(results) -> list[Claim]:
    """Every claim of ``results`` (a Result, a list, or a profile's results by name)."""
    return SIMULATOR.check(results)
