"""Superposition toy model (placeholder; rewritten below)."""
from __future__ import annotations

from ..claims import Claim
from ..simulator import Simulator
from .model import (Config, REPRESENTED, SuperpositionConfig, adam, cost, decay, draw, eval_loss,
                    loss_and_grads, mean_sq_overlap, probabilities, schedule, simulate, train_chunk)
from theory import superposition as theory

SIMULATOR = Simulator(
    name="superposition", summary="superposition toy model",
    config=SuperpositionConfig, simulate=simulate,
    kind=lambda c: "strong" if c.gamma < 0 else "weak", claims={},
    symbolic=theory.verify, symbolic_reference="Liu, Liu & Gore 2025",
    figure="figures.superposition", figure_kinds=("strong", "weak"), cost=cost,
    benchmarks="benchmarks.superposition",
)


def claims(results) -> list[Claim]:
    return SIMULATOR.check(results)
