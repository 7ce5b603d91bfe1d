"""Sharpness: the configs (one per ``kind``) and their validation, the experiment kind and the cost
model (see the package docstring for the model)."""
from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..config import BaseConfig, param, redefault
from ..errors import require
from theory import sharpness as theory

ACTS = ("linear", "relu", "tanh")
PARAMS = tuple(theory.ABC)
KINDS = ("ntk_init", "width_sweep", "lr_transfer", "coord_check", "eos", "gauss_newton", "sgd_lstsq",
         "sgd_net")
TASKS = ("regression", "classification")


def _seeds():
    return param(1, "independent inits per setting (children of the config's second master "
                    "seed)")


def _log_every():
    return param(100, "sharpness (and the other curvature measures) logged every this many "
                      "steps, and at the last", "steps")


def _lanczos_tol():
    return param(1e-10, "relative tolerance of ARPACK's Lanczos for lambda_max, in (0, 1e-2)")


def _task():
    return param("regression", "teacher data: regression (tanh-teacher targets) or "
                               "classification (+-1 labels)")


@dataclasses.dataclass(frozen=True)
class SharpnessConfig(BaseConfig):
    """``kind`` picks the class: :class:`NtkInitConfig`, :class:`WidthSweepConfig`,
    :class:`LrTransferConfig`, :class:`CoordCheckConfig`, :class:`EosConfig`,
    :class:`GaussNewtonConfig`, :class:`SgdLstsqConfig` or :class:`SgdNetConfig`."""

    TAG: ClassVar[str] = "kind"

    kind: str = param("width_sweep", "the experiment: ntk_init, width_sweep, lr_transfer, "
                                     "coord_check, eos, gauss_newton, sgd_lstsq or sgd_net (see "
                                     "the package docstring)")


@dataclasses.dataclass(frozen=True)
class NetConfig(SharpnessConfig):
    """The MLP: z_1 = m_1 W_1 X, z_l = m_l W_l phi(z_(l-1)), f = z_L, with the multipliers, init
    stds and learning-rate factor of its parametrisation (theory.sharpness.ABC) or Xavier init."""

    params: tuple[str, ...] = param(("ntk", "mup"), "parametrisations run: rows of the abc-table "
                                                    "(standard, ntk, mup, ...)")
    depth: int = param(2, "weight matrices L (2 or 3)")
    act: str = param("tanh", "activation phi: linear, relu or tanh")
    widths: tuple[int, ...] = param((256, 512, 1024), "hidden widths n")
    base_width: int = param(64, "n0 of the muP / standard rows: gamma = sqrt(n/n0)")
    d: int = param(8, "input dimension")
    n_data: int = param(16, "training points N")
    init: str = param("abc", "abc (the parametrisation's table) or xavier (Cohen et al.'s PyTorch "
                             "net; params [standard])")
    gains: tuple[float, ...] = param((1.0, 1.0, 1.0), "Xavier gains per layer: std = gain "
                                                      "sqrt(2/(fan_in + fan_out))")

    def validate(self) -> None:
        require(len(self.params) >= 1 and all(p in PARAMS for p in self.params),
                f"params must be drawn from {PARAMS}, got {list(self.params)}")
        require(self.depth in (2, 3), f"depth must be 2 or 3, got {self.depth}")
        require(self.act in ACTS, f"act must be one of {ACTS}, got {self.act!r}")
        require(len(self.widths) >= 1 and all(w >= 1 for w in self.widths),
                f"widths must be positive integers, got {list(self.widths)}")
        require(self.base_width >= 1 and self.d >= 1 and self.n_data >= 1,
                "base_width, d and n_data must be >= 1")
        require(self.init in ("abc", "xavier"), f"init must be abc or xavier, got {self.init!r}")
        require(self.init == "abc" or self.params == ("standard",),
                "init: xavier is Cohen et al.'s standard-parametrised PyTorch net; set params: [standard]")
        require(len(self.gains) >= self.depth and all(g > 0 for g in self.gains),
                "gains must list a positive gain per layer")


@dataclasses.dataclass(frozen=True)
class NtkInitConfig(NetConfig, variant="ntk_init"):
    """Empirical vs infinite-width 2-layer ReLU NTK at init (NTK parametrisation)."""

    params: tuple[str, ...] = redefault(NetConfig, "params", ("ntk",))
    act: str = redefault(NetConfig, "act", "relu")
    seeds: int = _seeds()

    def validate(self) -> None:
        super().validate()
        require(self.seeds >= 1, "seeds must be >= 1")
        require(self.act == "relu" and self.depth == 2 and self.params == ("ntk",),
                "ntk_init compares with the 2-layer ReLU NTK: act relu, depth 2, params [ntk]")


@dataclasses.dataclass(frozen=True)
class TrainedNetConfig(NetConfig):
    """A network trained by GD (or SGD) for ``steps`` steps at the learning rates ``lrs``."""

    lrs: tuple[float, ...] = param((0.5,), "base learning rates (times the parametrisation's lr "
                                           "factor; eos: factors c in eta = 2/(c lambda_0))")
    steps: int = param(1000, "GD (or SGD) steps", "steps")

    def validate(self) -> None:
        super().validate()
        require(self.steps >= 0, "steps must be >= 0")
        require(len(self.lrs) >= 1 and all(lr > 0 for lr in self.lrs),
                f"lrs must be positive, got {list(self.lrs)}")


def _logged(c) -> None:
    require(c.log_every >= 1, "log_every must be >= 1")
    require(0 < c.lanczos_tol < 1e-2, "lanczos_tol must be in (0, 1e-2)")


@dataclasses.dataclass(frozen=True)
class WidthSweepConfig(TrainedNetConfig, variant="width_sweep"):
    """GD at lrs[0] for every (parametrisation, width, seed): sharpness and feature movement."""

    task: str = _task()
    seeds: int = _seeds()
    log_every: int = _log_every()
    lanczos_tol: float = _lanczos_tol()

    def validate(self) -> None:
        super().validate()
        _logged(self)
        require(self.task in TASKS, f"unknown task {self.task!r}")
        require(self.seeds >= 1, "seeds must be >= 1")


@dataclasses.dataclass(frozen=True)
class LrTransferConfig(TrainedNetConfig, variant="lr_transfer"):
    """Loss after ``steps`` GD steps vs the base lr, per parametrisation and width."""

    task: str = _task()
    seeds: int = _seeds()

    def validate(self) -> None:
        super().validate()
        require(self.task in TASKS, f"unknown task {self.task!r}")
        require(self.seeds >= 1, "seeds must be >= 1")


@dataclasses.dataclass(frozen=True)
class CoordCheckConfig(NetConfig, variant="coord_check"):
    """microsoft/mup's coord check: l1 = mean |x| of z = m_1 W_1 X, h = phi(z), f and of their
    changes from t = 1, at records t = 1..records (t = 1 at init, t = k after k - 1 full-batch GD
    steps at base lr lrs[0]), for every (parametrisation, width, seed)."""

    params: tuple[str, ...] = redefault(NetConfig, "params", ("standard", "ntk", "mup"))
    widths: tuple[int, ...] = redefault(NetConfig, "widths", (64, 128, 256, 512, 1024, 2048, 4096))
    base_width: int = redefault(NetConfig, "base_width", 16)
    n_data: int = redefault(NetConfig, "n_data", 32)
    task: str = _task()
    lrs: tuple[float, ...] = param((2.0,), "base learning rate (one value; times the "
                                           "parametrisation's lr factor)")
    records: int = param(4, "records t = 1..records (mup's nsteps): t = 1 at init, t = k after "
                            "k - 1 GD steps", "steps")
    seeds: int = param(8, "independent inits per (parametrisation, width) (children of the "
                          "config's second master seed)")

    def validate(self) -> None:
        super().validate()
        require(self.task in TASKS, f"unknown task {self.task!r}")
        require(self.depth == 2 and self.init == "abc",
                "coord_check records z, h = phi(z) and f of the 2-layer abc net: depth 2, init abc")
        require(len(self.lrs) == 1 and self.lrs[0] > 0, f"lrs must be one positive base lr, got "
                f"{list(self.lrs)}")
        require(self.records >= 2, "records must be >= 2 (t = 1 is the init; changes need t >= 2)")
        require(self.seeds >= 2, "seeds must be >= 2 (the slopes' standard error is their spread)")
        require(len(set(self.widths)) >= 3, "coord_check fits width slopes: >= 3 distinct widths")


@dataclasses.dataclass(frozen=True)
class EosConfig(TrainedNetConfig, variant="eos"):
    """Cohen et al.'s Chebyshev toy at eta = 2/(c lambda_0) per factor c of ``lrs``, and the
    gradient flow from the same init over the same training time t = steps x eta. The defaults are
    their ``regression`` net (locuslab/edge-of-stability, src/archs.py): Linear(1, 100) with bias
    (Xavier gain 1.9, bias 0) -> tanh -> Linear(100, 1) without bias (Xavier gain 1), on 20 points
    (src/synthetic.py), in float64 where they use float32. ``depth: 3, bias: false, gains: [1.9, 1,
    1]`` is a deeper bias-free 1-100-100-1 variant (not their net)."""

    params: tuple[str, ...] = redefault(NetConfig, "params", ("standard",))
    init: str = redefault(NetConfig, "init", "xavier")
    gains: tuple[float, ...] = redefault(NetConfig, "gains", (1.9, 1.0))
    depth: int = redefault(NetConfig, "depth", 2)
    bias: bool = param(True, "a first-layer bias b (init 0), as a constant input feature: "
                             "z_1 = W_1 x + b (their regression net)")
    widths: tuple[int, ...] = redefault(NetConfig, "widths", (100,))
    d: int = redefault(NetConfig, "d", 1)
    n_data: int = redefault(NetConfig, "n_data", 20)
    lrs: tuple[float, ...] = redefault(TrainedNetConfig, "lrs", (3.0,))

    log_every: int = _log_every()
    lanczos_tol: float = _lanczos_tol()
    flow_log_every: int = param(200, "the gradient-flow contrast is recorded at the times t = k "
                                     "eta of every GD run, k every this many steps (a multiple "
                                     "of log_every)", "steps")
    flow_step: float = param(2.0, "step h of the gradient flow's RKC2 integrator "
                                  "(sims.sharpness.flow), in units of the smallest GD step eta")

    def validate(self) -> None:
        super().validate()
        _logged(self)
        require(all(c > 2 for c in self.lrs), "eos: every factor c must be > 2 so that the run "
                "starts below 2/eta (eta = 2/(c lambda_0))")
        require(self.flow_log_every >= 1 and self.flow_log_every % self.log_every == 0,
                "flow_log_every must be a positive multiple of log_every (the flow is recorded "
                "at logged GD steps)")
        require(0 < self.flow_step <= 8, "flow_step must be in (0, 8] (GD steps per RKC step)")


@dataclasses.dataclass(frozen=True)
class GaussNewtonConfig(TrainedNetConfig, variant="gauss_newton"):
    """One GD run: lambda_max of the Hessian, of the Gauss-Newton matrix and of NTK/N."""

    task: str = _task()
    log_every: int = _log_every()
    lanczos_tol: float = _lanczos_tol()

    def validate(self) -> None:
        super().validate()
        _logged(self)
        require(self.task in TASKS, f"unknown task {self.task!r}")


@dataclasses.dataclass(frozen=True)
class SgdNetConfig(TrainedNetConfig, variant="sgd_net"):
    """GD and SGD (batch B) on a small net at each eta: lambda_max and tr(H) at the end."""

    task: str = _task()
    seeds: int = _seeds()
    batch: int = param(1, "SGD mini-batch size B (1..N)")
    probes: int = param(100, "Hutchinson probes of tr(H) (Rademacher; s.e. std/sqrt(probes))")
    lanczos_tol: float = _lanczos_tol()

    def validate(self) -> None:
        super().validate()
        require(self.task in TASKS, f"unknown task {self.task!r}")
        require(self.seeds >= 1 and self.probes >= 2, "seeds >= 1 and probes >= 2 needed")
        require(1 <= self.batch <= self.n_data, f"batch must be in 1..N, got {self.batch}")
        require(0 < self.lanczos_tol < 1e-2, "lanczos_tol must be in (0, 1e-2)")


@dataclasses.dataclass(frozen=True)
class SgdLstsqConfig(SharpnessConfig, variant="sgd_lstsq"):
    """(1/2N)|Xw - y|^2 with N orthonormal rows in R^cols: GD and SGD at each eta."""

    rows: int = param(20, "orthonormal rows N of X in R^cols")
    cols: int = param(100, "dimension of w")
    lrs: tuple[float, ...] = param((0.5,), "step sizes eta")
    batch: int = param(1, "SGD mini-batch size B (1..rows)")
    steps: int = param(1000, "GD and SGD steps", "steps")

    def validate(self) -> None:
        require(self.steps >= 0, "steps must be >= 0")
        require(len(self.lrs) >= 1 and all(lr > 0 for lr in self.lrs),
                f"lrs must be positive, got {list(self.lrs)}")
        require(1 <= self.rows <= self.cols, "sgd_lstsq needs 1 <= rows <= cols (orthonormal rows)")
        require(1 <= self.batch <= self.rows, f"batch must be in 1..N, got {self.batch}")


def _flow_work(c: EosConfig) -> float:
    """The gradient flow's cost in gradient evaluations: RKC steps h = flow_step x eta_min up to
    T = steps x eta_max, about sqrt(28 flow_step / c_max) stages each (the stage count grows like
    sqrt(h lambda_max); lambda_max rises to ~6 lambda_0 on average: 15,850 gradients measured for
    the quick profile), and 120 per Lanczos at each recorded time of each run."""
    steps = c.steps * max(c.lrs) / min(c.lrs) / c.flow_step
    stages = max(2.0, (28 * c.flow_step / max(c.lrs)) ** 0.5)
    return steps * stages + len(c.lrs) * (c.steps // c.flow_log_every + 1) * 120


def kind(config: SharpnessConfig) -> str:
    """The experiment kind: the config's ``kind`` field."""
    return config.kind


def cost(c: SharpnessConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim). A GD/SGD step of an MLP with P weights on N points costs N P
    (forward, backward); every log_every steps Lanczos takes ~40 Hessian-vector products (3 N P
    each; sgd_net, which logs nothing, is charged as if every 100 steps; eos adds its gradient flow,
    :func:`_flow_work`). ntk_init builds N x N
    empirical kernels (N^2 w per width w and seed); sgd_lstsq is rows x cols per step; coord_check
    is a forward pass and a gradient (3 N P) per record."""
    if isinstance(c, SgdLstsqConfig):
        return len(c.lrs) * c.steps * c.rows * c.cols, 8.0 * 4 * c.rows * c.cols, c.cols
    if isinstance(c, CoordCheckConfig):     # records - 1 GD steps and records forward passes
        ops = len(c.params) * c.seeds * sum(3 * w * (c.d + 1) * c.n_data * c.records
                                            for w in c.widths)
        return ops, 8.0 * 6 * max(c.widths) * c.n_data, max(c.widths)
    if isinstance(c, NtkInitConfig):
        ops = c.seeds * sum(w * c.n_data * (c.n_data + c.d) for w in c.widths)
        return ops, 8.0 * 3 * max(c.widths) * max(c.n_data, c.d), max(c.widths)
    d_in = c.d + (1 if getattr(c, "bias", False) else 0)
    weights = [w * d_in + w + (w * w if c.depth == 3 else 0) for w in c.widths]
    runs = len(c.params) * getattr(c, "seeds", 1) * len(c.lrs)
    per_point = c.batch if isinstance(c, SgdNetConfig) else c.n_data
    logs = c.steps // getattr(c, "log_every", 100) + 1
    ops = runs * sum(P * (c.steps * per_point + logs * 120 * c.n_data) for P in weights)
    if isinstance(c, EosConfig):
        ops += sum(P * c.n_data for P in weights) * _flow_work(c)
    if isinstance(c, SgdNetConfig):
        ops += runs * sum(P * c.probes * 3 * c.n_data for P in weights)
    return ops, 8.0 * 6 * max(weights), max(c.widths)
