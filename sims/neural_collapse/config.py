"""Neural collapse: the config, its validation and the experiment kind of a config (see the package
docstring for the model)."""
from __future__ import annotations

import dataclasses

from ..config import BaseConfig, param
from ..errors import require

LOSSES = ("mse", "ce")


@dataclasses.dataclass(frozen=True)
class NeuralCollapseConfig(BaseConfig):
    """Runs at every (depth, imbalance ratio); the kind follows from the width, the loss, the
    bias and the class sizes (:func:`kind`)."""

    counts: tuple[int, ...] = param((20, 20, 20, 20), "n_k: training samples per class (K = "
                                                      "len(counts) classes, N = sum n_k)")
    ratios: tuple[float, ...] = param((), "imbalance sweep: the second half of the classes gets "
                                          "round(n_k / ratio) samples (at least 1); empty: none")
    depths: tuple[int, ...] = param((1,), "M: linear layers W_M ... W_1 (1 = the unconstrained "
                                          "feature model), one run each, in 1..6")
    d: int = param(8, "feature / hidden width d")
    loss: str = param("mse", "mse: |Z - Y|_F^2 / (2N); ce: -(1/N) sum_i log softmax(z_i)_(y_i)")
    bias: bool = param(False, "logits Z = W_M ... W_1 H + b 1^T with a bias b (K)")
    lambda_W: float = param(5e-3, "weight decay of every layer: lambda_W/2 sum_l |W_l|_F^2")
    lambda_H: float = param(5e-3, "weight decay of the features: lambda_H/2 |H|_F^2")
    lambda_b: float = param(0.0, "weight decay of the bias: lambda_b/2 |b|^2")
    lr: float = param(0.5, "heavy-ball step: theta <- theta - lr v; stable for lr < "
                           "2(1 + momentum)/max(lambda)")
    momentum: float = param(0.9, "heavy-ball momentum: v <- momentum v + grad")
    max_steps: int = param(100_000, "GD steps at most", "steps")
    tol: float = param(1e-11, "stop once the full gradient norm is below tol")
    init_scale: float = param(1.0, "init: H ~ N(0, init_scale^2), W_l ~ N(0, "
                                   "init_scale^2/fan_in)")
    restarts: int = param(1, "independent inits per (depth, ratio) run, each trained to |grad| < "
                              "tol; the run keeps the one of lowest final objective (deep linear "
                              "nets have stationary points that are not global minimisers)")
    records: int = param(120, "log-spaced checkpoints of the metric history (loss, |grad|, "
                              "NC1-NC3 of layer 0)")

    def validate(self) -> None:
        require(len(self.counts) >= 2 and all(k >= 1 for k in self.counts),
                f"counts must list >= 2 classes of >= 1 sample each, got {list(self.counts)}")
        require(all(r >= 1 for r in self.ratios), f"ratios must be >= 1, got {list(self.ratios)}")
        require(len(self.depths) > 0 and all(1 <= m <= 6 for m in self.depths),
                f"depths must be in 1..6, got {list(self.depths)}")
        require(self.d >= 1, f"d must be a positive integer, got {self.d}")
        require(self.loss in LOSSES, f"loss must be one of {LOSSES}, got {self.loss!r}")
        for name in ("lambda_W", "lambda_H", "lambda_b"):
            require(getattr(self, name) >= 0, f"{name} must be >= 0, got {getattr(self, name)}")
        require(self.lambda_W > 0 and self.lambda_H > 0, "lambda_W and lambda_H must be > 0 "
                "(without weight decay there is no minimiser to converge to)")
        require(0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}")
        stable = 2 * (1 + self.momentum) / max(self.lambda_W, self.lambda_H, self.lambda_b)
        require(0 < self.lr < stable, f"lr = {self.lr} diverges: heavy-ball GD needs 0 < lr < "
                f"2(1 + momentum)/L and the weight decay alone gives L >= max lambda, so "
                f"lr < {stable:.4g}")
        require(self.restarts >= 1, f"restarts must be >= 1, got {self.restarts}")
        require(self.max_steps >= 1 and self.records >= 2, "max_steps >= 1 and records >= 2 needed")
        require(self.tol > 0 and self.init_scale > 0, "tol and init_scale must be > 0")


def kind(c: NeuralCollapseConfig) -> str:
    """What an experiment is, from its config (see the package docstring)."""
    if c.d < len(c.counts):
        return "narrow"
    if c.loss == "ce":
        return "cross_entropy"
    if c.bias:
        return "mse_bias"
    if c.ratios:
        return "sweep"
    return "balanced" if len(set(c.counts)) == 1 else "imbalanced"
