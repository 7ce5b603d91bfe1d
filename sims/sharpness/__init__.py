r"""Sharpness of MLPs under standard / NTK / muP parametrisation: edge of stability and SGD stability.

Model: a depth-L MLP (L = 2 or 3 weight matrices, scalar output), activation phi in {linear, relu, tanh},
    z_1 = m_1 W_1 X,  z_l = m_l W_l phi(z_{l-1}),  f = z_L,   L(W) = (1/2N) sum_i (f(x_i) - y_i)^2,
with per-layer multipliers m_l, init stds and one learning rate taken from the abc-table
``theory.sharpness.ABC`` (Yang & Hu 2021; the muP row is the gamma-form f/gamma, gamma = sqrt(n/n0),
lr ~ gamma^2 of Noci et al. 2024), or Xavier init for Cohen et al.'s (2021) toy net.

Exact derivatives, no autograd (``net``, ``curvature``): the gradient by backpropagation
(delta_L = (f - y)/N, dL/dW_l = m_l delta_l phi(z_{l-1})^T, delta_{l-1} = m_l W_l^T delta_l * phi'(z_{l-1}));
the Hessian-vector product by Pearlmutter's R-operator (forward R{z_l} = m_l (V_l h_{l-1} + W_l R{h_{l-1}}),
R{h_l} = phi'(z_l) R{z_l}; backward R{delta_L} = R{f}/N,
R{delta_{l-1}} = m_l (V_l^T delta_l + W_l^T R{delta_l}) phi'(z_{l-1}) + m_l W_l^T delta_l phi''(z_{l-1}) R{z_{l-1}},
R{dL/dW_l} = m_l (R{delta_l} h_{l-1}^T + delta_l R{h_{l-1}}^T)); the Gauss-Newton product J^T J v/N is the
same pass with the residual delta set to 0. Everything V-independent (h_l, phi', the deltas, the
phi'' terms) is computed once per network state (``curvature_primal``), so each product of a Lanczos
run costs only the R-passes: 6 products with a hidden n x n weight matrix against the gradient's 3.
The empirical NTK Theta = J J^T in closed form,
Theta_ij = sum_l m_l^2 (b_{l,i}.b_{l,j})(h_{l-1,i}.h_{l-1,j}) with b_l = df/dz_l. Top eigenvalues by
ARPACK Lanczos (scipy eigsh on a LinearOperator, as in Cohen et al.'s code), traces by Hutchinson
(Rademacher probes, standard error std/sqrt(m)).

Experiment kinds (``run``; the config's ``kind``): ntk_init (empirical vs infinite-width
ReLU NTK, Jacot et al. 2018), width_sweep (sharpness and feature movement vs width, muP vs NTK,
Noci et al. 2024), lr_transfer (loss after T steps vs lr per width, muP vs standard), coord_check (microsoft/mup's
coord check: l1 = mean |x| of each layer's output and of its change over the first GD steps vs
width, standard / NTK / muP; Yang & Hu 2021), eos (Cohen et
al. 2021's Chebyshev toy problem: GD against the gradient flow over the same time, ``flow``), gauss_newton (Hessian vs Gauss-Newton vs NTK along a GD run),
sgd_lstsq and sgd_net (Wu & Su 2023). Claims by kind in ``claims``.
"""
from __future__ import annotations

from ..verdicts import Claim
from ..simulator import Simulator
from .claims import CLAIMS, REFERENCE
from .curvature import Curvature, curvature_primal, empirical_ntk, hvp, jacobian, tangent_features
from . import run
from .config import (ACTS, KINDS, PARAMS, CoordCheckConfig, EosConfig, GaussNewtonConfig, LrTransferConfig,
                     NtkInitConfig, SgdLstsqConfig, SgdNetConfig, SharpnessConfig,
                     WidthSweepConfig, cost, kind)
from .run import RUNNERS, train_logged
from .net import (activation, chebyshev_data, forward, gd_steps, init_net, loss_and_grad, lstsq_sgd,
                  sgd_steps, teacher_data)
from theory import sharpness as theory

SIMULATOR = Simulator(
    name="sharpness",
    summary="MLPs in standard / NTK / muP parametrisation: empirical vs arc-cosine NTK (Jacot et al. "
            "2018), sharpness and feature movement across widths (Noci et al. 2024), lr transfer "
            "(Yang & Hu 2021), edge of stability (Cohen et al. 2021), SGD's tr(H) <= 2/eta (Wu & Su 2023)",
    config=SharpnessConfig, simulate=run.simulate, kind=kind, claims=CLAIMS,
    symbolic=theory.verify, symbolic_reference=REFERENCE,
    figure="figures.sharpness", figure_kinds=("width_sweep", "lr_transfer", "eos", "ntk_init", "gauss_newton",
                                                 "coord_check"),
    cost=cost, benchmarks="benchmarks.sharpness",
    outputs="sims.sharpness.outputs",
)
simulate = SIMULATOR.simulate       # the entry: backend and threads resolved once, then run.simulate


def claims(results) -> list[Claim]:
    """Every claim of ``results`` (a Result, a list, or a profile's results by name)."""
    return SIMULATOR.check(results)


__all__ = ["ACTS", "CLAIMS", "KINDS", "PARAMS", "RUNNERS", "SIMULATOR", "CoordCheckConfig",
           "Curvature", "EosConfig",
           "GaussNewtonConfig", "LrTransferConfig", "NtkInitConfig", "SgdLstsqConfig",
           "SgdNetConfig", "SharpnessConfig", "WidthSweepConfig", "activation", "chebyshev_data", "claims", "cost", "curvature_primal",
           "empirical_ntk", "forward", "gd_steps", "hvp", "init_net", "jacobian", "kind",
           "loss_and_grad", "lstsq_sgd", "sgd_steps", "simulate", "tangent_features", "teacher_data",
           "train_logged"]
