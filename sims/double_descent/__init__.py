r"""Double descent: min-norm least squares and ReLU random features, solved exactly and by GD.

Two models, each swept across the interpolation threshold p = n (Liu & Flanigan 2023, "Understanding
the Role of Optimization in Double Descent"; Hastie, Montanari, Rosset, Tibshirani 2022):

``linear``
    isotropic linear model x ~ N(0, I_p), y = x.beta + eps, |beta| = r, eps ~ N(0, sigma^2); the
    design uses the first p of p_max Gaussian features, so the sweep is nested per seed. Risk is the
    exact excess risk |a - beta|^2.
``relu_rf``
    random-features regression: x ~ N(0, I_d), features z = relu(W x / sqrt(d)), W_ij ~ N(0, 1),
    N = ratio * n features (nested per seed), linear target x.beta with |beta| = r plus noise sigma;
    risk is the mean squared error against the noiseless target on ``n_test`` fresh points.

Every estimator is a spectral filter of the SVD Z = U S V^T of the n x p design: a = V (phi(s) * U^T y)
with phi(s) = 1/s for min-norm least squares (the pseudo-inverse), phi_t(s) = [1 - (1 - eta s^2/n)^t]/s
for t steps of full-batch GD from zero on (1/2n)|Za - y|^2 (exact for any t, including t = inf), and
phi_lam(s) = s/(s^2 + n lam) for ridge with penalty (lam/2)|a|^2. The step eta is ``lr`` / lambda_max
with lambda_max = s_max^2/n, stable for 0 < lr < 2. Singular values below max(n, p) * eps * s_max are
treated as zero, as numpy's pinv does.
"""
from __future__ import annotations

from ..verdicts import Claim
from ..simulator import Simulator
from .claims import HASTIE, linear_claims, rf_claims
from .plan import plan_linear, plan_rf
from . import run
from .config import DoubleDescentConfig, LinearConfig, ReluRFConfig, kind
from .model import gd_iterate, linear_model_risks, widths_of
from .run import cost
from theory import double_descent as theory

SIMULATOR = Simulator(
    name="double_descent",
    summary="min-norm least squares and ReLU random features across p = n: exact finite-n risk "
            "(Hastie et al. 2022), GD budgets hide the peak (Liu & Flanigan 2023), optimal ridge "
            "removes it",
    config=DoubleDescentConfig, simulate=run.simulate, kind=kind,
    claims={"linear": linear_claims, "relu_rf": rf_claims},
    symbolic=theory.verify, symbolic_reference=HASTIE,
    figure="figures.double_descent", figure_kinds=("linear", "relu_rf"),
    cost=cost, benchmarks="benchmarks.double_descent",
    plans={"linear": plan_linear, "relu_rf": plan_rf},
    outputs="sims.double_descent.outputs",
)
simulate = SIMULATOR.simulate       # the entry: backend and threads resolved once, then run.simulate


def claims(results) -> list[Claim]:
    """Every claim of ``results`` (a Result, a list, or a profile's results by name)."""
    return SIMULATOR.check(results)
