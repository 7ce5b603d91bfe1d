"""Scaling laws (placeholder docstring)."""
from __future__ import annotations

from ..claims import Claim
from ..simulator import Simulator
from .config import CO_METHODS, MODELS, Config, ScalingLawsConfig, kind
from .compute_optimal import co_curves, frontier
from .model import cost, simulate
from .plrf import expected_loss, plrf_problem, sgd_chunk
from theory import scaling_laws as theory

SIMULATOR = Simulator(
    name="scaling_laws",
    summary="scaling laws",
    config=ScalingLawsConfig, simulate=simulate, kind=kind,
    claims={},
    symbolic=theory.verify, symbolic_reference="Paquette et al. 2024",
    figure="figures.scaling_laws", figure_kinds=("mrs", "plrf", "chinchilla", "compute_optimal"),
    cost=cost, benchmarks="benchmarks.scaling_laws",
)


def claims(results) -> list[Claim]:
    """Every claim of ``results`` (a Result, a list, or a profile's results by name)."""
    return SIMULATOR.check(results)
