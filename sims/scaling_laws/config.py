"""Scaling laws: the configs (one per ``model``: mrs, plrf, compute_optimal, chinchilla) and their
validation (see the package docstring for the models)."""
from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..config import BaseConfig, param
from ..errors import require

CO_METHODS = ("sampled", "equivalent")


def _positive(config, names) -> None:
    for name in names:
        require(getattr(config, name) > 0, f"{name} must be a positive integer, "
                                           f"got {getattr(config, name)}")


@dataclasses.dataclass(frozen=True)
class ScalingLawsConfig(BaseConfig):
    """``model`` picks the class: :class:`MrsConfig`, :class:`PlrfConfig`,
    :class:`ComputeOptimalConfig` or :class:`ChinchillaConfig`."""

    TAG: ClassVar[str] = "model"

    model: str = param("plrf", "the experiment: mrs (Maloney, Roberts & Sully's random features), "
                               "plrf (one-pass SGD on power-law random features vs its exact "
                               "recursion), compute_optimal (its compute-optimal frontier) or "
                               "chinchilla (fits of L(N, D))")


@dataclasses.dataclass(frozen=True)
class MrsConfig(ScalingLawsConfig, variant="mrs"):
    """Min-norm least squares on N linear random features of a power-law latent space."""

    alpha: float = param(1.0, "latent spectrum exponent: lambda_I = I^-(1 + alpha)")
    m_latent: int = param(4096, "latent dimension M of x (the 'infinite' one)")
    m_finite: int = param(64, "a finite latent dimension M for the finite-M sweep")
    n_grid: tuple[int, ...] = param((8, 16, 32, 64, 128), "the N sweep at P = p_big and the P sweep "
                                                          "at N = p_big")
    p_big: int = param(1024, "the large P (or N) the other sweep holds fixed; max(n_grid) < p_big "
                             "<= m_latent")
    p_spike: int = param(64, "P of the N = P spike sweep")
    spike_ratios: tuple[float, ...] = param((0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0),
                                            "N/P of the spike sweep (N = round(q p_spike))")
    seeds: int = param(8, "independent draws (seed k: SeedSequence(seed).spawn(seeds)[k])")
    mrs_ridge: float = param(0.04, "ridge penalty lam of the spike's control: |F th - y|^2 / (2P) "
                                   "+ lam |th|^2 / 2")

    def validate(self) -> None:
        _positive(self, ("m_latent", "m_finite", "p_big", "p_spike", "seeds"))
        require(self.alpha > 0, "alpha must be > 0")
        require(all(k > 0 for k in self.n_grid), "n_grid sizes must be positive")
        require(max(self.n_grid) < self.p_big <= self.m_latent,
                f"need max(n_grid) < p_big <= m_latent, got {max(self.n_grid)}, {self.p_big}, "
                f"{self.m_latent}")
        require(self.mrs_ridge > 0, f"mrs_ridge must be > 0, got {self.mrs_ridge}")
        require(all(q > 0 for q in self.spike_ratios), "spike_ratios must be > 0")


@dataclasses.dataclass(frozen=True)
class PowerLawConfig(ScalingLawsConfig):
    """The fields of the power-law random-features problem (plrf and compute_optimal)."""

    alpha: float = param(1.0, "data complexity: x_j ~ N(0, j^-2alpha)")
    beta: float = param(0.75, "target complexity: b_j = j^-beta")
    v_ratio: int = param(4, "v = v_ratio d: the data dimension (j <= v), >= 2")
    lr: float = param(0.5, "c in the SGD step gamma = c / sum_j j^-2alpha; 0 < c < 1")

    def validate(self) -> None:
        require(self.v_ratio >= 2, f"v_ratio must be >= 2 (v > d), got {self.v_ratio}")
        require(self.alpha > 0 and self.beta > 0, "alpha and beta must be > 0")
        require(0 < self.lr < 1, f"lr = c = {self.lr}: SGD's expected loss diverges unless "
                                 "gamma = c / sum_j j^-2alpha has 0 < c < 1")


@dataclasses.dataclass(frozen=True)
class PlrfConfig(PowerLawConfig, variant="plrf"):
    """``runs`` SGD runs at width d against the exact expected-loss recursion, and P_inf(d)."""

    d: int = param(32, "model width d (parameters theta in R^d)")
    steps: int = param(1000, "one-pass SGD steps", "steps")
    runs: int = param(4000, "independent SGD runs, as one batch (the Monte-Carlo mean loss)")
    n_log: int = param(16, "logged steps (geometric)")
    d_grid: tuple[int, ...] = param((16, 32, 64, 128), "widths d of the limit loss P_inf(d) = "
                                                       "min_theta P (each > 1)")
    w_draws: int = param(4, "independent W per width of d_grid")

    def validate(self) -> None:
        super().validate()
        _positive(self, ("d", "steps", "runs", "n_log", "w_draws"))
        require(all(k > 1 for k in self.d_grid), "d_grid sizes must be > 1")


@dataclasses.dataclass(frozen=True)
class ComputeOptimalConfig(PowerLawConfig, variant="compute_optimal"):
    """Loss curves P(r, d) on a geometric grid of d, and the frontier d*(f), P*(f) at compute
    f = r d."""

    co_d_min: int = param(16, "smallest width d of the grid")
    co_d_max: int = param(512, "largest width d of the grid (> co_d_min)")
    co_n_d: int = param(19, "widths in the geometric grid (>= 3)")
    co_steps: int = param(100000, "SGD steps r of every loss curve", "steps")
    co_n_f: int = param(40, "compute values f in the geometric grid of the frontier")
    co_draws: int = param(1, "independent W per d, loss curves averaged (E_W); the equivalent's "
                             "check uses them (>= 2 there)")
    co_f_min: float = param(0.0, "start of the fitted compute window (0: 10 co_d_min)",
                            "flops (d x steps)")
    co_method: str = param("sampled", "sampled (exact recursion averaged over sampled W) or "
                                      "equivalent (the deterministic equivalent of E_W: cost "
                                      "independent of d)")
    co_check_d: int = param(128, "equivalent: the width d of its check against co_draws sampled "
                                 "W (> 1)")
    co_check_steps: int = param(20000, "equivalent: the check's last step (sampled: O(d) a step)",
                                "steps")
    co_f_max: float = param(0.0, "end of the fitted compute window (0: co_d_max co_steps)",
                            "flops (d x steps)")

    def validate(self) -> None:
        super().validate()
        _positive(self, ("co_d_min", "co_n_d", "co_steps", "co_n_f", "co_draws"))
        require(self.co_d_max > self.co_d_min and self.co_n_d >= 3,
                "compute_optimal needs co_d_max > co_d_min and co_n_d >= 3")
        require(0 <= self.co_f_min < self.co_d_max * self.co_steps,
                f"co_f_min must be in [0, co_d_max * co_steps), got {self.co_f_min}")
        require(self.co_method in CO_METHODS, f"co_method must be one of {CO_METHODS}, "
                                              f"got {self.co_method!r}")
        require(self.co_f_max == 0 or self.co_f_min < self.co_f_max <= self.co_d_max * self.co_steps,
                f"co_f_max must be 0 or in (co_f_min, co_d_max * co_steps], got {self.co_f_max}")
        require(self.co_method != "equivalent" or self.co_draws >= 2,
                "co_method: equivalent needs co_draws >= 2 sampled W for its check")
        require(self.co_check_d > 1 and self.co_check_steps > 0,
                f"co_check_d must be > 1 and co_check_steps > 0, got {self.co_check_d}, "
                f"{self.co_check_steps}")


@dataclasses.dataclass(frozen=True)
class ChinchillaConfig(ScalingLawsConfig, variant="chinchilla"):
    """Synthetic L(N, D) = E + A/N^a + B/D^b with log-noise, fitted with the summed Huber loss."""

    noise: float = param(0.005, "standard deviation of the log-noise on L")
    chin_grid: int = param(12, "points per axis of the (N, D) grid (chin_grid^2 runs)")
    bootstrap: int = param(20, "bootstrap refits of each draw")
    draws: int = param(12, "independent noise draws of the table, each fitted and bootstrapped "
                           "(the claims read the spread of the fitted exponent over them)")

    def validate(self) -> None:
        _positive(self, ("chin_grid", "draws"))
        require(self.noise >= 0 and self.bootstrap >= 0, "noise and bootstrap must be >= 0")


def kind(config: ScalingLawsConfig) -> str:
    """The experiment kind: the config's ``model``."""
    return config.model
