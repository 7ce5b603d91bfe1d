"""Sharpness: the config (one dataclass for every experiment kind), its kind and its cost."""
from __future__ import annotations

import dataclasses

from ..config import BaseConfig
from ..errors import require
from theory import sharpness as theory

ACTS = ("linear", "relu", "tanh")
PARAMS = tuple(theory.ABC)
KINDS = ("ntk_init", "width_sweep", "lr_transfer", "eos", "gauss_newton", "sgd_lstsq", "sgd_net")


@dataclasses.dataclass(frozen=True)
class SharpnessConfig(BaseConfig):
    kind: str = "width_sweep"
    params: tuple[str, ...] = ("ntk", "mup")
    depth: int = 2                      # number of weight matrices (2 or 3)
    act: str = "tanh"
    widths: tuple[int, ...] = (256, 512, 1024)
    base_width: int = 64                # n0 of the muP / standard rows
    d: int = 8                          # input dimension
    n_data: int = 16                    # training points N
    task: str = "regression"            # regression (tanh-teacher) | classification (+-1 labels)
    init: str = "abc"                   # abc (the table) | xavier (Cohen et al.'s PyTorch net)
    gains: tuple[float, ...] = (1.0, 1.0, 1.0)   # xavier gains per layer
    seeds: int = 1                      # independent inits per setting
    lrs: tuple[float, ...] = (0.5,)     # base learning rates (eos: factors c in eta = 2/(c lambda_0))
    control_factor: float = 0.0         # eos: the small-eta control, eta = 2/(c lambda_0) (0: none)
    batch: int = 1                      # sgd_*: mini-batch size
    steps: int = 1000
    log_every: int = 100                # sharpness / NTK logged every this many steps
    lanczos_tol: float = 1e-10
    probes: int = 100                   # Hutchinson probes
    rows: int = 20                      # sgd_lstsq: orthonormal rows in R^cols
    cols: int = 100

    def validate(self) -> None:
        require(self.kind in KINDS, f"kind must be one of {KINDS}, got {self.kind!r}")
        require(len(self.params) >= 1 and all(p in PARAMS for p in self.params),
                f"params must be drawn from {PARAMS}, got {list(self.params)}")
        require(self.depth in (2, 3), f"depth must be 2 or 3, got {self.depth}")
        require(self.act in ACTS, f"act must be one of {ACTS}, got {self.act!r}")
        require(len(self.widths) >= 1 and all(w >= 1 for w in self.widths),
                f"widths must be positive integers, got {list(self.widths)}")
        require(self.base_width >= 1 and self.d >= 1 and self.n_data >= 1,
                "base_width, d and n_data must be >= 1")
        require(self.task in ("regression", "classification"), f"unknown task {self.task!r}")
        require(self.init in ("abc", "xavier"), f"init must be abc or xavier, got {self.init!r}")
        require(self.init == "abc" or self.params == ("standard",),
                "init: xavier is Cohen et al.'s standard-parametrised PyTorch net; set params: [standard]")
        require(len(self.gains) >= self.depth and all(g > 0 for g in self.gains),
                "gains must list a positive gain per layer")
        require(self.seeds >= 1 and self.steps >= 0 and self.log_every >= 1 and self.probes >= 2,
                "seeds >= 1, steps >= 0, log_every >= 1, probes >= 2 needed")
        require(len(self.lrs) >= 1 and all(lr > 0 for lr in self.lrs),
                f"lrs must be positive, got {list(self.lrs)}")
        require(self.control_factor >= 0, "control_factor must be >= 0")
        require(1 <= self.batch <= max(self.n_data, self.rows), f"batch must be in 1..N, got {self.batch}")
        require(0 < self.lanczos_tol < 1e-2, "lanczos_tol must be in (0, 1e-2)")
        require(1 <= self.rows <= self.cols, "sgd_lstsq needs 1 <= rows <= cols (orthonormal rows)")
        if self.kind == "ntk_init":
            require(self.act == "relu" and self.depth == 2 and self.params == ("ntk",),
                    "ntk_init compares with the 2-layer ReLU NTK: act relu, depth 2, params [ntk]")
        if self.kind == "eos":
            require(all(c > 2 for c in self.lrs), "eos: every factor c must be > 2 so that the run "
                    "starts below 2/eta (eta = 2/(c lambda_0))")


Config = SharpnessConfig


def kind(config: SharpnessConfig) -> str:
    """The experiment kind: the config's ``kind`` field."""
    return config.kind


def cost(c: SharpnessConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim). A GD/SGD step of an MLP with P weights on N points costs N P
    (forward, backward); every log_every steps Lanczos takes ~40 Hessian-vector products (3 N P each).
    ntk_init builds N x N empirical kernels (N^2 w per width w and seed); sgd_lstsq is rows x cols
    per step."""
    if c.kind == "sgd_lstsq":
        return len(c.lrs) * c.steps * c.rows * c.cols, 8.0 * 4 * c.rows * c.cols, c.cols
    if c.kind == "ntk_init":
        ops = c.seeds * sum(w * c.n_data * (c.n_data + c.d) for w in c.widths)
        return ops, 8.0 * 3 * max(c.widths) * max(c.n_data, c.d), max(c.widths)
    weights = [w * c.d + w + (w * w if c.depth == 3 else 0) for w in c.widths]
    runs = len(c.params) * c.seeds * (len(c.lrs) + (1 if c.control_factor else 0))
    per_point = c.batch if c.kind == "sgd_net" else c.n_data
    logs = c.steps // c.log_every + 1
    ops = runs * sum(P * (c.steps * per_point + logs * 120 * c.n_data) for P in weights)
    if c.kind == "sgd_net":
        ops += runs * sum(P * c.probes * 3 * c.n_data for P in weights)
    return ops, 8.0 * 6 * max(weights), max(c.widths)
