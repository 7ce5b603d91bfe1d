"""What a simulator's arrays mean: a long name and a unit per array, declared once per simulator.

Each simulator package has an ``outputs.py`` with one mapping, passed to its declaration
(``Simulator(..., outputs=OUTPUTS)``)::

    OUTPUTS = {
        "min_norm_risk": Output("excess test risk of the min-norm interpolator", "1"),
        "ratios": Output("overparametrisation ratio p/n", "1"),
        "widths": Output("number of features p", "1", coordinate=True),
        "seed": Output("replicate (child of the config seed's SeedSequence)", "1"),
    }

A key is an array name of the simulator's results or a dim name. :func:`sims.netcdf.to_xarray`
puts ``long_name`` and ``units`` on every variable from it; an array declared with
``coordinate=True`` (an index-like array: the widths along a ratio axis, the depth of each run)
becomes a coordinate of its dims instead of a data variable, and a dim without a coordinate array
(``seed``, ``run``, ``node``) gets the integer index 0, 1, ... described by its dim entry.

Units follow the CF conventions' spelling where one exists: ``"1"`` for a dimensionless number or
a count, ``"degree"`` for angles; ``"steps"`` counts optimisation steps.
"""
from __future__ import annotations

from typing import Mapping, NamedTuple


class Output(NamedTuple):
    """The meaning of one array or dim: ``long_name`` (words), ``units`` (CF spelling, ``"1"``
    for dimensionless), whether the array is an index-like ``coordinate`` of its dims, and for a
    dim without a coordinate array the ``labels`` of its entries (used when the lengths agree)."""

    long_name: str
    units: str
    coordinate: bool = False
    labels: tuple[str, ...] | None = None


DIMENSIONLESS = "1"
STEPS = "steps"


def index(long_name: str, labels: tuple[str, ...] | None = None) -> Output:
    """A dim with no coordinate array: its integer index 0, 1, ... (or ``labels``, one per entry),
    described by ``long_name``."""
    return Output(long_name, DIMENSIONLESS, labels=tuple(labels) if labels else None)


def coordinate(long_name: str, units: str = DIMENSIONLESS) -> Output:
    """An index-like array: stored as a coordinate of its dims."""
    return Output(long_name, units, coordinate=True)


SEED = index("replicate k (data and init drawn from child k of the config seed's SeedSequence)")


def of(simulator) -> Mapping[str, Output]:
    """The outputs a simulator declares (``Simulator.outputs``: a mapping, or the path of a module
    holding ``OUTPUTS``); empty when it declares none."""
    declared = getattr(simulator, "outputs", None)
    if isinstance(declared, str):
        import importlib
        declared = importlib.import_module(declared).OUTPUTS
    return dict(declared or {})


def undeclared(outputs: Mapping[str, Output] | None, names) -> list[str]:
    """The names (arrays or dims) that ``outputs`` does not describe."""
    return sorted(n for n in names if not outputs or n not in outputs)
