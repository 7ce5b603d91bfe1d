r"""Solvable neural scaling-law models: MRS random features, power-law random features, Chinchilla fits.

The experiment kind is the config's ``model`` (theory and references in :mod:`theory.scaling_laws`):

``mrs`` (:mod:`.mrs`)
    Maloney, Roberts & Sully 2022: latent x in R^M, x_I ~ N(0, lambda_I), lambda_I = I^-(1+alpha);
    target y = w.x, w_I = +-1; N linear random features phi = U x, U_ij ~ N(0, 1); P samples;
    min-norm least squares. The test loss is exact, L = (1/2) sum_I lambda_I ((U^T theta)_I - w_I)^2.
    Sweeps: N at P = ``p_big``, P at N = ``p_big``, N across P = ``p_spike`` (the N = P spike, and
    ridge with penalty ``mrs_ridge`` on the same features), a finite latent dimension ``m_finite``.
``plrf`` (:mod:`.plrf`)
    Paquette et al. 2024: x_j ~ N(0, j^-2alpha), b_j = j^-beta, j <= v = ``v_ratio`` d,
    W_jk ~ N(0, 1/d), P(theta) = (1/2)|D^(1/2)(W theta - b)|^2, one-pass SGD with
    gamma = ``lr`` / sum_j j^-2alpha, ``runs`` runs as one batch, against the exact expected-loss
    recursion over the eigenpairs (lambda_i, u_i) of H = W^T D W,
        a_i <- (1 - 2 gamma lambda_i + 2 gamma^2 lambda_i^2) a_i + 2 gamma^2 lambda_i P,
        P = (1/2) sum_i lambda_i a_i + P_inf,
    its two rivals (no noise term: gradient descent; gamma / 2), and the limit loss
    P_inf(d) = min_theta P over ``d_grid`` (``w_draws`` W each).
``compute_optimal`` (:mod:`.compute_optimal`, :mod:`.equivalent`)
    The compute-optimal frontier: loss curves P(r, d) for a geometric grid of d, d*(f) and
    P*(f) = min_d P(f/d, d) at compute f = r d. ``co_method: sampled`` averages the exact recursion
    over ``co_draws`` W; ``equivalent`` uses the deterministic equivalent of E_W (cost independent
    of d, for d up to 1e12 and beyond), checked against ``co_draws`` sampled W at ``co_check_d``.
``chinchilla`` (:mod:`.chinchilla`)
    synthetic L(N, D) = E + A/N^a + B/D^b (Hoffmann et al.'s constants) with ``noise`` log-noise,
    fitted with the summed Huber loss (and, as the known failure, the averaged one), ``bootstrap``
    refits.

Claims by kind: :mod:`.claims` (mrs, plrf, chinchilla) and :mod:`.claims_co` (compute_optimal).
"""
from __future__ import annotations

from ..verdicts import Claim
from ..simulator import Simulator
from .claims import chinchilla_claims, mrs_claims, plrf_claims
from .claims_co import co_claims, exponents
from .compute_optimal import co_curves, frontier
from . import run
from .config import (CO_METHODS, ChinchillaConfig, ComputeOptimalConfig, MrsConfig, PlrfConfig,
                     ScalingLawsConfig, kind)
from .run import cost
from .plrf import expected_loss, plrf_problem, sgd_chunk
from theory import scaling_laws as theory

SIMULATOR = Simulator(
    name="scaling_laws",
    summary="random-feature scaling laws (Maloney, Roberts & Sully 2022), one-pass SGD on power-law "
            "random features vs its exact recursion and the compute-optimal phases (Paquette et "
            "al. 2024), Chinchilla L(N, D) fits (Hoffmann et al. 2022; Besiroglu et al. 2024)",
    config=ScalingLawsConfig, simulate=run.simulate, kind=kind,
    claims={"mrs": mrs_claims, "plrf": plrf_claims, "chinchilla": chinchilla_claims,
            "compute_optimal": co_claims},
    symbolic=theory.verify,
    symbolic_reference="Paquette, Paquette, Xiao & Pennington 2024 (rows Ia, II, III and the "
                       "components confirmed; rows Ib, Ic, IVa, IVb: our derivation); Maloney, "
                       "Roberts & Sully 2022; Hoffmann et al. 2022",
    figure="figures.scaling_laws", figure_kinds=("mrs", "plrf", "chinchilla", "compute_optimal"),
    cost=cost, benchmarks="benchmarks.scaling_laws",
    outputs="sims.scaling_laws.outputs",
)
simulate = SIMULATOR.simulate       # the entry: backend and threads resolved once, then run.simulate

__all__ = ["SIMULATOR", "CO_METHODS", "ChinchillaConfig", "ComputeOptimalConfig", "MrsConfig",
           "PlrfConfig", "ScalingLawsConfig", "claims",
           "co_curves", "cost", "exponents", "expected_loss", "frontier", "kind", "plrf_problem",
           "sgd_chunk", "simulate"]


def claims(results) -> list[Claim]:
    """Every claim of ``results`` (a Result, a list, or a profile's results by name)."""
    return SIMULATOR.check(results)
