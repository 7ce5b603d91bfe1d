"""Double descent: the configs (one per ``model``: linear, relu_rf) and their validation (see the
package docstring for the models)."""
from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

from ..config import BaseConfig, param
from ..errors import require


@dataclasses.dataclass(frozen=True)
class DoubleDescentConfig(BaseConfig):
    """The fields both models have: the sample, the sweep across the threshold and the filters.
    ``model`` picks the class: :class:`LinearConfig` or :class:`ReluRFConfig`."""

    TAG: ClassVar[str] = "model"

    model: str = param("linear", "linear (isotropic linear model, p of p_max Gaussian features) "
                                 "or relu_rf (ReLU random-features regression, N features)")
    n: int = param(200, "training samples n")
    ratios: tuple[float, ...] = param((0.5, 1.0, 2.0), "the sweep: gamma = p/n (linear) or "
                                                       "N/n (relu_rf); width round(ratio n) >= 1")
    signal: float = param(1.0, "target norm r = |beta|")
    noise: float = param(0.5, "label noise sigma: y = x.beta + eps, eps ~ N(0, sigma^2)")
    seeds: int = param(20, "independent draws of the data per ratio (seed k: SeedSequence(seed)"
                           ".spawn(seeds)[k]; widths nested within a draw)")
    budgets: tuple[float, ...] = param((10.0, 100.0, 1000.0), "GD budgets t (steps from a = 0, "
                                       "filter phi_t(s) = [1 - (1 - eta s^2/n)^t]/s); .inf allowed",
                                       "steps")
    lr: float = param(1.0, "GD step eta in units of 1/lambda_max, lambda_max = s_max^2/n "
                           "(stable iff 0 < lr < 2)", "1/lambda_max")
    ridge: tuple[float, ...] = param((1e-3, 1e-2, 1e-1), "ridge penalties lam of "
                                     "(1/2n)|Za - y|^2 + (lam/2)|a|^2 (filter s/(s^2 + n lam))")
    check_steps: int = param(100, "explicit GD steps compared with the closed-form filter "
                                  "(seed 0)", "steps")

    def validate(self) -> None:
        for name in ("n", "seeds", "check_steps"):
            require(getattr(self, name) > 0, f"{name} must be a positive integer, "
                                             f"got {getattr(self, name)}")
        require(len(self.ratios) > 0 and all(0 < q < math.inf for q in self.ratios),
                f"ratios must be finite and > 0, got {list(self.ratios)}")
        require(all(round(q * self.n) >= 1 for q in self.ratios),
                f"every ratio * n must give at least one feature (n={self.n})")
        require(self.signal > 0 and self.noise >= 0, "signal must be > 0 and noise >= 0")
        require(0 < self.lr < 2, f"lr = {self.lr} (in units of 1/lambda_max): GD on least squares "
                                 "diverges unless 0 < lr < 2")
        require(all(t >= 0 and (t == math.inf or t == int(t)) for t in self.budgets),
                f"budgets must be whole numbers of steps >= 0 (or .inf), got {list(self.budgets)}")
        require(all(lam > 0 for lam in self.ridge), f"ridge penalties must be > 0, got {self.ridge}")


@dataclasses.dataclass(frozen=True)
class LinearConfig(DoubleDescentConfig, variant="linear"):
    """x ~ N(0, I_p), the first p of p_max features; risk |a - beta|^2 (exact)."""


@dataclasses.dataclass(frozen=True)
class ReluRFConfig(DoubleDescentConfig, variant="relu_rf"):
    """x ~ N(0, I_d), features relu(W x / sqrt(d)); risk: test MSE against the noiseless target."""

    d: int = param(100, "input dimension d of the random-features model")
    n_test: int = param(1000, "fresh test points of the risk")

    def validate(self) -> None:
        super().validate()
        for name in ("d", "n_test"):
            require(getattr(self, name) > 0, f"{name} must be a positive integer, "
                                             f"got {getattr(self, name)}")


def kind(c: DoubleDescentConfig) -> str:
    """The experiment kind: the config's ``model``."""
    return c.model
