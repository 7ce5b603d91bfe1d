"""Superposition: the config and its validation (see the package docstring for the model)."""
from __future__ import annotations

import dataclasses

from ..config import BaseConfig, param
from ..errors import require


@dataclasses.dataclass(frozen=True)
class SuperpositionConfig(BaseConfig):
    """One width sweep; its kind follows from the sign of ``gamma`` (strong, weak, no_decay)."""

    n: int = param(512, "features n (the model's input and output dimension)")
    m_grid: tuple[int, ...] = param((8, 16, 32, 64), "the widths m (hidden dimensions, 0 < m < n) "
                                                     "swept, each trained on the same batches")
    alpha: float = param(1.2, "frequency exponent: p_i = D i^-alpha / sum_(j<=n) j^-alpha")
    density: float = param(1.0, "D: expected number of active features per sample (p_1 <= 1)")
    gamma: float = param(-1.0, "signed weight decay of W's rows: gamma > 0 ordinary decay "
                               "W_i <- (1 - lr gamma) W_i (weak superposition), gamma < 0 pulls "
                               "|W_i| to 1: W_i <- W_i + lr gamma W_i (1 - 1/|W_i|) (strong)")
    lr: float = param(0.01, "peak learning rate of AdamW")
    warmup: float = param(0.1, "fraction of the steps with a linear warm-up of the learning rate")
    min_lr: float = param(0.05, "cosine decay of the learning rate to min_lr x lr")
    steps: int = param(4000, "AdamW steps, each on a fresh batch", "steps")
    batch: int = param(256, "samples per training batch")
    eval_batch: int = param(8192, "held-out samples of the test loss")
    b_init: float = param(1.0, "bias init scale: b_i ~ N(0, b_init^2)")
    seeds: int = param(1, "independent replicates of the whole sweep (replicate r: init, batches "
                          "and held-out samples from SeedSequence(seed).spawn(seeds)[r])")
    chunk: int = param(16, "batches drawn (and kernel calls made) at a time; no effect on results",
                       "steps")
    n_log: int = param(40, "training-loss checkpoints kept (geometric in the step)")
    block_widths: int = param(0, "widths trained together on one drawn stream (0: all); no "
                                 "effect on results")

    def validate(self) -> None:
        for name in ("n", "steps", "batch", "eval_batch", "chunk", "n_log", "seeds"):
            require(getattr(self, name) > 0, f"{name} must be a positive integer, "
                                             f"got {getattr(self, name)}")
        require(len(self.m_grid) >= 2 and all(0 < m < self.n for m in self.m_grid),
                f"m_grid needs >= 2 widths in 1..n-1 (n = {self.n}), got {list(self.m_grid)}")
        require(self.alpha > 0, f"alpha must be > 0, got {self.alpha}")
        p1 = self.density / sum(i ** -self.alpha for i in range(1, self.n + 1))
        require(self.density > 0 and p1 <= 1, f"density = {self.density} makes p_1 = {p1:.3g}: "
                                              "need 0 < p_1 <= 1")
        require(0 < self.lr and abs(self.gamma) * self.lr < 1,
                f"need lr > 0 and |gamma| lr < 1 (a decay factor 1 - lr gamma in (0, 2)), got "
                f"lr = {self.lr}, gamma = {self.gamma}")
        require(0 <= self.warmup < 1 and 0 <= self.min_lr <= 1,
                "warmup must be in [0, 1) and min_lr in [0, 1]")
        require(self.b_init >= 0, f"b_init must be >= 0, got {self.b_init}")


def kind(config: SuperpositionConfig) -> str:
    """``strong`` for gamma < 0 (rows pulled to norm 1), ``weak`` for gamma > 0 (ordinary decay),
    ``no_decay`` for gamma = 0."""
    return "strong" if config.gamma < 0 else "weak" if config.gamma > 0 else "no_decay"
