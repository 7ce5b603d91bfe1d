"""Scaling laws: the config of every experiment kind (``model``) and its validation."""
from __future__ import annotations

import dataclasses

from ..config import BaseConfig
from ..errors import require

MODELS = ("mrs", "plrf", "compute_optimal", "chinchilla")
CO_METHODS = ("sampled", "equivalent")


@dataclasses.dataclass(frozen=True)
class ScalingLawsConfig(BaseConfig):
    model: str = "plrf"
    alpha: float = 1.0                # data complexity (plrf), latent spectrum exponent (mrs)
    beta: float = 0.75                # target complexity (plrf)
    # plrf
    d: int = 32
    v_ratio: int = 4                  # v = v_ratio * d
    lr: float = 0.5                   # c in gamma = c / sum_j j^-2alpha; 0 < c < 1
    steps: int = 1000
    runs: int = 4000
    n_log: int = 16
    d_grid: tuple[int, ...] = (16, 32, 64, 128)
    w_draws: int = 4
    # mrs
    m_latent: int = 4096
    m_finite: int = 64
    n_grid: tuple[int, ...] = (8, 16, 32, 64, 128)
    p_big: int = 1024
    p_spike: int = 64
    spike_ratios: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0)
    seeds: int = 8
    mrs_ridge: float = 0.04           # ridge penalty lam of the spike's control:
    #                                   |F th - y|^2 / (2P) + lam |th|^2 / 2
    # compute_optimal
    co_d_min: int = 16
    co_d_max: int = 512
    co_n_d: int = 19
    co_steps: int = 100000
    co_n_f: int = 40
    co_draws: int = 1                 # independent W per d, loss curves averaged (E_W)
    co_f_min: float = 0.0             # start of the compute window; 0: 10 co_d_min
    co_method: str = "sampled"        # sampled W (exact recursion) | equivalent (deterministic equivalent)
    co_check_d: int = 128             # equivalent: d of its check against co_draws sampled W
    co_check_steps: int = 20000       # equivalent: the check's last step (sampled: O(d) a step)
    co_f_max: float = 0.0             # end of the fitted compute window; 0: co_d_max * co_steps
    # chinchilla
    noise: float = 0.005
    chin_grid: int = 12
    bootstrap: int = 20

    def validate(self) -> None:
        require(self.model in MODELS, f"model must be one of {MODELS}, got {self.model!r}")
        for name in ("d", "v_ratio", "steps", "runs", "n_log", "w_draws", "m_latent", "m_finite",
                     "p_big", "p_spike", "seeds", "chin_grid", "co_d_min", "co_n_d", "co_steps",
                     "co_n_f", "co_draws"):
            require(getattr(self, name) > 0, f"{name} must be a positive integer, "
                                             f"got {getattr(self, name)}")
        require(self.v_ratio >= 2, f"v_ratio must be >= 2 (v > d), got {self.v_ratio}")
        require(self.alpha > 0 and self.beta > 0, "alpha and beta must be > 0")
        require(0 < self.lr < 1, f"lr = c = {self.lr}: SGD's expected loss diverges unless "
                                 "gamma = c / sum_j j^-2alpha has 0 < c < 1")
        require(all(k > 1 for k in self.d_grid) and all(k > 0 for k in self.n_grid),
                "d_grid and n_grid sizes must be positive (d_grid > 1)")
        require(max(self.n_grid) < self.p_big <= self.m_latent,
                f"need max(n_grid) < p_big <= m_latent, got {max(self.n_grid)}, {self.p_big}, "
                f"{self.m_latent}")
        require(self.co_d_max > self.co_d_min and self.co_n_d >= 3,
                "compute_optimal needs co_d_max > co_d_min and co_n_d >= 3")
        require(0 <= self.co_f_min < self.co_d_max * self.co_steps,
                f"co_f_min must be in [0, co_d_max * co_steps), got {self.co_f_min}")
        require(self.co_method in CO_METHODS, f"co_method must be one of {CO_METHODS}, "
                                              f"got {self.co_method!r}")
        require(self.co_f_max == 0 or self.co_f_min < self.co_f_max <= self.co_d_max * self.co_steps,
                f"co_f_max must be 0 or in (co_f_min, co_d_max * co_steps], got {self.co_f_max}")
        require(self.mrs_ridge > 0, f"mrs_ridge must be > 0, got {self.mrs_ridge}")
        require(self.co_method != "equivalent" or self.co_draws >= 2,
                "co_method: equivalent needs co_draws >= 2 sampled W for its check")
        require(self.co_check_d > 1 and self.co_check_steps > 0,
                f"co_check_d must be > 1 and co_check_steps > 0, got {self.co_check_d}, "
                f"{self.co_check_steps}")
        require(all(q > 0 for q in self.spike_ratios), "spike_ratios must be > 0")
        require(self.noise >= 0 and self.bootstrap >= 0, "noise and bootstrap must be >= 0")


Config = ScalingLawsConfig


def kind(config: ScalingLawsConfig) -> str:
    """The experiment kind: the config's ``model``."""
    return config.model
