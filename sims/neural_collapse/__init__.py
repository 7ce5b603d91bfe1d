r"""Neural collapse: full-batch heavy-ball GD on the unconstrained feature model and deep linear nets.

Model (Dang et al., ICML 2023, "Neural Collapse in Deep Linear Networks: From Balanced to Imbalanced
Data"; Zhu et al. 2021 for the unconstrained feature model): free features H (d x N), M layers
W_M (K x d), W_{M-1}, ..., W_1 (d x d), optional bias b (K), logits Z = W_M ... W_1 H + b 1^T, one-hot
targets Y (K x N) with n_k samples in class k, and the loss

    MSE:  L = |Z - Y|_F^2 / (2N) + R,       CE:  L = -(1/N) sum_i log softmax(z_i)_{y_i} + R,
    R = lambda_W/2 sum_i |W_i|_F^2 + lambda_H/2 |H|_F^2 + lambda_b/2 |b|^2.

Gradients in closed form (backpropagation: with G_M = dL/dZ = (Z - Y)/N or (softmax(Z) - Y)/N and
P_l = W_l ... W_1 H: dL/dW_l = G_l P_{l-1}^T + lambda_W W_l, G_{l-1} = W_l^T G_l, dL/dH = G_0 +
lambda_H H, dL/db = G_M 1 + lambda_b b). Heavy-ball GD as in the paper's PyTorch code
(v <- mu v + g, theta <- theta - lr v), float64, until the full gradient norm is below ``tol``.

Metrics at every layer l = 0..M-1 (features P_l, classifier C_l = W_M ... W_{l+1}; Papyan, Han,
Donoho 2020; Han, Papyan, Donoho 2022): class means hbar_k, their mean h_G = (1/K) sum_k hbar_k,
NC1 = tr(Sigma_W Sigma_B^+)/K with Sigma_W = (1/N) sum_i (h_i - hbar_{y_i})(.)^T and
Sigma_B = (1/K) sum_k (hbar_k - h_G)(.)^T; NC2 = |G/|G|_F - E/|E|_F|_F with G the Gram of the centred
means and E = I - 11^T/K (the simplex ETF); NC3 = |C_l^T/|C_l|_F - Hbar/|Hbar|_F|_F (uncentred means:
in the bias-free model the classifier rows align with the means themselves; with a bias h_G = 0 at
the optimum, so it is the same); NC4 = fraction of samples whose classifier prediction differs from
the nearest class mean.

Experiment kinds (:func:`kind`, from the config): ``narrow`` (d < K), ``cross_entropy`` (loss ce),
``mse_bias`` (MSE with a bias), and for bias-free MSE with d >= K: ``sweep`` (an imbalance sweep),
``balanced`` (equal n_k), ``imbalanced`` (unequal n_k).
"""
from __future__ import annotations

from ..verdicts import Claim
from ..simulator import Simulator
from .claims import CLAIMS, DANG
from . import run
from .config import LOSSES, NeuralCollapseConfig, kind
from .model import (Chunk, Hyper, NCMetrics, Params, gd_chunk, layer_metrics, loss_and_grads,
                    nc_metrics)
from .run import class_counts, cost, init_state, run_one, runs_of
from theory import neural_collapse as theory


SIMULATOR = Simulator(
    name="neural_collapse",
    summary="full-batch GD with weight decay on the unconstrained feature model and deep linear "
            "nets: NC1-NC4, the orthogonal frame / simplex ETF, the closed-form (imbalanced) "
            "global minimiser and minority collapse (Dang et al. 2023, Zhu et al. 2021)",
    config=NeuralCollapseConfig, simulate=run.simulate, kind=kind,
    claims=CLAIMS,
    symbolic=theory.verify, symbolic_reference=DANG,
    figure="figures.neural_collapse", figure_kinds=("balanced", "imbalanced", "sweep",
                                                    "cross_entropy"),
    figure_optional=("imbalanced",),
    cost=cost, benchmarks="benchmarks.neural_collapse",
    outputs="sims.neural_collapse.outputs",
)
simulate = SIMULATOR.simulate       # the entry: backend and threads resolved once, then run.simulate


def claims(results) -> list[Claim]:
    """Every claim of ``results`` (a Result, a list, or a profile's results by name)."""
    return SIMULATOR.check(results)
