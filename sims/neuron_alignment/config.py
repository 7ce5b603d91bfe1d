"""Neuron alignment: the config, its validation and the experiment kind of a config (see the package
docstring for the flow)."""
from __future__ import annotations

import dataclasses
import math

from ..config import BaseConfig, param
from ..errors import require

LOSSES = ("exponential", "logistic")
REDUCTIONS = ("sum", "mean")
MAX_STEP = 0.25     # RK4 in units of 1/lambda; see validate() and its test
LARGE_EPS = 0.1     # an init scale this large is the large-init contrast (kind "large_init")


@dataclasses.dataclass(frozen=True)
class NeuronAlignmentConfig(BaseConfig):
    """A grid of (n, mu, eps) points, each one gradient-flow run; its kind follows from the grid's
    shape, the init scale and ``halvings`` (:func:`kind`)."""

    n: tuple[int, ...] = param((20,), "training points n (a sweep: every value is run)")
    mu: tuple[float, ...] = param((0.3,), "separation mu = <x_i y_i, x_j y_j> for i != j, in "
                                          "(0, 1) (a sweep)")
    eps: tuple[float, ...] = param((1e-5,), "init scale: |v_j| = |w_j| = eps (a sweep)")
    d: int = param(24, "input dimension d > max(n) (orthonormal z_i)")
    width: int = param(50, "hidden neurons h")
    loss: str = param("exponential", "l(u): exponential (exp(-u)) or logistic "
                                     "(log(1 + exp(-u)))")
    reduction: str = param("mean", "c in L = c sum_i l(y_i f(x_i)): sum (c = 1, the paper's) or "
                                    "mean (c = 1/n; times are n times the paper's)")
    step: float = param(0.05, "RK4 step dtau = step / lambda, lambda = c max(|x_+|, |x_-|) (the "
                              "growth rate of an aligned neuron); in (0, 0.25]", "1/lambda")
    t_end: float = param(1e4, "stop at this time (units of the loss as reduced: t_paper = c t)")
    stop_loss: float = param(0.0, "also stop once L <= stop_loss L0 (0: never)")
    max_steps: int = param(100_000, "at most this many RK4 steps (the run is marked truncated)",
                           "steps")
    record_every: int = param(5, "steps between per-neuron snapshots of grid point 0", "steps")
    halvings: int = param(0, "rerun grid point 0 at step/2, ..., step/2^halvings to the same "
                             "t_end (the order test)")

    def validate(self) -> None:
        for name in ("n", "mu", "eps"):
            require(len(getattr(self, name)) > 0, f"{name} must list at least one value")
        require(all(k >= 2 for k in self.n), f"every n must be >= 2, got {list(self.n)}")
        require(all(0 < m < 1 for m in self.mu), f"mu must lie in (0, 1), got {list(self.mu)}")
        require(all(e > 0 and math.isfinite(e) for e in self.eps),
                f"eps (init scale) must be > 0, got {list(self.eps)}")
        require(self.width > 0, f"width must be a positive integer, got {self.width}")
        require(self.d > max(self.n), f"d = {self.d} must exceed max(n) = {max(self.n)} "
                                      "(orthonormal z_i)")
        require(self.loss in LOSSES, f"loss must be one of {LOSSES}, got {self.loss!r}")
        require(self.reduction in REDUCTIONS, f"reduction must be one of {REDUCTIONS}")
        require(0 < self.step <= MAX_STEP,
                f"step = {self.step} (units of 1/lambda) must be in (0, {MAX_STEP}]: larger RK4 "
                "steps diverge or lose the early phase")
        require(self.t_end > 0, f"t_end must be > 0, got {self.t_end}")
        require(0 <= self.stop_loss < 1, f"stop_loss must be in [0, 1), got {self.stop_loss}")
        require(self.max_steps > 0 and self.record_every > 0 and self.halvings >= 0,
                "max_steps and record_every must be > 0 and halvings >= 0")


def kind(config: NeuronAlignmentConfig) -> str:
    """What an experiment is, from its config: ``order`` (step halvings), ``n_mu_sweep`` (more
    than one (n, mu)), ``eps_sweep`` (more than one eps), ``large_init`` (one point with eps >=
    LARGE_EPS) or ``trajectory`` (one small-init point)."""
    if config.halvings > 0:
        return "order"
    if len(config.n) * len(config.mu) > 1:
        return "n_mu_sweep"
    if len(config.eps) > 1:
        return "eps_sweep"
    return "large_init" if min(config.eps) >= LARGE_EPS else "trajectory"


def loss_scale(config: NeuronAlignmentConfig, n: int) -> float:
    """c of L = c sum_i l(y_i f(x_i)): 1 for the paper's sum, 1/n for the mean. Times of a run are
    1/c times the paper's (t_paper = c t)."""
    return 1.0 if config.reduction == "sum" else 1.0 / n
