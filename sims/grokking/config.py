"""Grokking: the configs (one per ``kind``: run, stage2, sweep), their validation and the experiment
kind of a config (see the package docstring for the model)."""
from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..config import BaseConfig, param
from ..errors import require
from theory import grokking as theory

OPTIMIZERS = ("adam", "adamw", "gd")
ACTIVATIONS = ("sqr", "relu")
LABELS = ("group", "shuffled")
BRACKETS = ("absolute", "p_star")


@dataclasses.dataclass(frozen=True)
class GrokkingConfig(BaseConfig):
    """The fields every grokking experiment has: the network, its optimiser and its records.
    ``kind`` picks the class: :class:`RunConfig` (run), :class:`Stage2Config` (stage2),
    :class:`SweepConfig` (sweep)."""

    TAG: ClassVar[str] = "kind"

    kind: str = param("run", "what the experiment is: run (one network on Z_M or D_n), stage2 "
                             "(seeds networks, each with the independent stage-II ascent of E) "
                             "or sweep (the minimal training fraction that generalises, vs M)")
    labels: str = param("group", "group: y = a b in the group; shuffled: the labels permuted over "
                                 "the pairs (the control task without group structure)")
    group: str = param("cyclic", "cyclic: Z_M, y = (a + b) mod M; dihedral: D_n with M = 2n, "
                                 "n odd")
    K: int = param(256, "hidden width: nodes of F = sigma(W x), W in R^(K x 2M)")
    activation: str = param("sqr", "sigma: sqr (sigma(h) = h^2, the paper's) or relu")
    optimizer: str = param("adam", "full-batch optimiser: adam (torch.optim.Adam, L2 decay added "
                                   "to the gradient: the paper's code), adamw (decoupled decay) "
                                   "or gd (gradient descent on L + wd/2 |theta|^2)")
    lr: float = param(0.01, "learning rate (step size of adam/adamw/gd)")
    weight_decay: float = param(5e-4, "weight decay wd (coupled L2 for adam and gd, decoupled "
                                      "for adamw)")
    beta1: float = param(0.9, "Adam's first-moment decay beta_1")
    beta2: float = param(0.999, "Adam's second-moment decay beta_2")
    eps: float = param(1e-8, "Adam's epsilon in m_hat / (sqrt(v_hat) + eps)")
    steps: int = param(1500, "full-batch optimiser steps of a training run", "steps")
    flush_denormals: bool = param(True, "subnormal floats count as 0 while training "
                                        "(sims.fpmode; no change to the results measured)")
    record_every: int = param(10, "steps between two records (train/test accuracy and loss; "
                                  "the node statistics and snapshots in run and stage2)", "steps")

    def validate(self) -> None:
        require(self.labels in LABELS, f"labels must be one of {LABELS}, got {self.labels!r}")
        require(self.optimizer in OPTIMIZERS, f"optimizer must be one of {OPTIMIZERS}, got "
                f"{self.optimizer!r}")
        require(self.activation in ACTIVATIONS, f"activation must be one of {ACTIVATIONS}, got "
                f"{self.activation!r}")
        require(self.K >= 1, f"K must be a positive integer, got {self.K}")
        require(self.group in theory.GROUPS, f"group must be one of {theory.GROUPS}, got "
                f"{self.group!r}")
        require(self.lr > 0 and self.weight_decay >= 0, "lr must be > 0 and weight_decay >= 0")
        require(0 <= self.beta1 < 1 and 0 <= self.beta2 < 1 and self.eps > 0,
                "beta1, beta2 must be in [0, 1) and eps > 0")
        if self.optimizer == "gd":
            require(self.lr * self.weight_decay < 2, f"GD with lr * weight_decay = "
                    f"{self.lr * self.weight_decay:g} >= 2 diverges on the decay term alone")
        require(self.steps >= 1 and self.record_every >= 1, "steps and record_every must be >= 1")


@dataclasses.dataclass(frozen=True)
class RunConfig(GrokkingConfig, variant="run"):
    """One network on M^2 pairs: records, snapshots at the stage boundaries and the stage-II
    ascent of E from the end of stage I."""

    M: int = param(23, "group order: Z_M, or D_(M/2) for group: dihedral")
    train_fraction: float = param(0.4, "fraction p of the M^2 pairs used for training "
                                       "(round(p M^2) pairs, nested in p for a seed)")
    top_fraction: float = param(0.25, "the strongest nodes: the top fraction by |w_j| |V e_j| "
                                      "(dead nodes, below 1e-6 of the strongest, left out)")
    spectrum_nodes: int = param(256, "nodes whose power spectra and energies are stored at "
                                     "every record (the first min(spectrum_nodes, K))")
    indep_steps: int = param(300, "steps of the independent stage-II ascent of E per node",
                             "steps")
    indep_lr: float = param(0.2, "step of the ascent w <- normalise(w + indep_lr grad E(w) / "
                                 "(4 E_ref)): the relative step at a Fourier feature")

    def validate(self) -> None:
        super().validate()
        require(self.M >= 3, f"M must be >= 3, got {self.M}")
        if self.group == "dihedral":
            require(self.M % 2 == 0 and (self.M // 2) % 2 == 1 and self.M >= 6,
                    f"dihedral needs M = 2n with n odd >= 3 (the order of D_n), got M = {self.M}")
        require(0 < self.train_fraction < 1, f"train_fraction must be in (0, 1), got "
                f"{self.train_fraction}")
        require(0 < self.top_fraction <= 1, "top_fraction must be in (0, 1]")
        require(self.spectrum_nodes >= 1, "spectrum_nodes must be >= 1")


@dataclasses.dataclass(frozen=True)
class Stage2Config(RunConfig, variant="stage2"):
    """``seeds`` networks, each with the independent ascent of E from record ``indep_record``."""

    seeds: int = param(2, "independent networks (seed s trains from SeedSequence(seed)"
                          ".spawn(seeds)[s])")
    indep_record: int | None = param(None, "record the ascent starts from (null: the record of "
                                           "t_mem, the end of stage I)")


@dataclasses.dataclass(frozen=True)
class SweepConfig(GrokkingConfig, variant="sweep"):
    """The minimal training fraction that generalises, bisected for each M and seed."""

    sweep_M: tuple[int, ...] = param((17, 19, 23, 29), "the moduli M of Z_M swept")
    seeds: int = param(2, "seeds per M (point (M_i, s) trains from SeedSequence(seed)"
                          ".spawn(len(sweep_M) seeds)[i seeds + s])")
    bracket: str = param("p_star", "units of [low, high]: absolute fractions, or multiples of "
                                   "p*(M) = 2.7482 ln M / M (p_star; the author's code constant)")
    low: float = param(0.5, "lower end of the bracket of training fractions (see bracket)")
    high: float = param(2.0, "upper end of the bracket of training fractions (see bracket)")
    bisect: int = param(3, "log-bisection steps inside the bracket: the threshold is known to "
                           "a factor (high/low)^(2^-bisect)")
    success_acc: float = param(0.95, "final test accuracy that counts as generalising (a run "
                                     "stops once it reaches it)")

    def validate(self) -> None:
        super().validate()
        require(self.group == "cyclic", "the threshold sweep (p*(M) of Z_M) is for group: cyclic")
        require(len(self.sweep_M) > 0 and all(m >= 3 for m in self.sweep_M),
                "sweep_M must list moduli >= 3")
        require(self.seeds >= 1, "seeds must be >= 1")
        require(0 < self.low < self.high, f"need 0 < low < high, got {self.low}, {self.high}")
        require(self.bracket in BRACKETS, f"bracket must be one of {BRACKETS}, got "
                f"{self.bracket!r}")
        bad = [m for m in self.sweep_M if self.bracket_of(m)[1] >= 1]
        require(not bad, f"sweep_M {bad}: the bracket's upper end is >= 1 (no test set left); "
                         "use larger M or a smaller 'high'")

    def bracket_of(self, M: int) -> tuple[float, float]:
        """The sweep's bracket of training fractions at modulus M."""
        scale = 1.0 if self.bracket == "absolute" else float(theory.critical_fraction(M))
        return self.low * scale, self.high * scale


def kind(c: GrokkingConfig) -> str:
    """What an experiment is: sweep, stage2, shuffled (labels), no_decay (Z_M without weight
    decay), dihedral, or grok."""
    if c.kind in ("sweep", "stage2"):
        return c.kind
    if c.labels == "shuffled":
        return "shuffled"
    if c.group == "dihedral":
        return "dihedral"
    return "no_decay" if c.weight_decay == 0 else "grok"
