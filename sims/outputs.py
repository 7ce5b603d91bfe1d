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

Every entry also has a ``role``, what the ledger does with the array:

``"claimed"`` (the default)
    a simulation claim of the simulator reads it (as the measurement, its control or a setting the
    claim decides on). tests/test_recorded_predictions.py checks that one does.
``"axis"``
    a coordinate, an index, a sweep setting or a config echo (``ratios``, ``budgets``, every dim
    made by :func:`index`): what the other arrays are indexed by, nothing predicted.
``"figure"``
    drawn by the simulator's figure only.
``"diagnostic"``
    recorded for inspection (a trajectory, a final state, a guard's input).

An array no claim reads must say which of the last three it is, and a ``"figure"`` or
``"diagnostic"`` array says ``why`` no claim reads it (``why="theory predicts no value for it"``,
or where a prediction exists, why it is not a claim): a recorded prediction that no row reads is
the gap this field makes visible (issue 24). The test reads the claim modules' string constants,
so a role is checked, not only declared.
"""
from __future__ import annotations

import dataclasses
from typing import Mapping

ROLES = ("claimed", "axis", "figure", "diagnostic")
UNCLAIMED = ("axis", "figure", "diagnostic")     # what no claim reads


@dataclasses.dataclass(frozen=True)
class Output:
    """The meaning of one array or dim: ``long_name`` (words), ``units`` (CF spelling, ``"1"``
    for dimensionless), whether the array is an index-like ``coordinate`` of its dims, for a dim
    without a coordinate array the ``labels`` of its entries (used when the lengths agree), its
    ``role`` in the ledger (one of :data:`ROLES`, see the module docstring) and ``why`` a
    ``"figure"`` or ``"diagnostic"`` array is not claimed (required for those two)."""

    long_name: str
    units: str
    coordinate: bool = False
    labels: tuple[str, ...] | None = None
    role: str = "claimed"
    why: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {self.role!r} ({self.long_name})")
        if self.role in ("figure", "diagnostic") and not self.why.strip():
            raise ValueError(f"a {self.role} array says why no claim reads it ({self.long_name})")


DIMENSIONLESS = "1"
STEPS = "steps"


def index(long_name: str, labels: tuple[str, ...] | None = None) -> Output:
    """A dim with no coordinate array: its integer index 0, 1, ... (or ``labels``, one per entry),
    described by ``long_name``."""
    return Output(long_name, DIMENSIONLESS, labels=tuple(labels) if labels else None,
                  role="axis")


def coordinate(long_name: str, units: str = DIMENSIONLESS, role: str = "axis",
               why: str = "") -> Output:
    """An index-like array: stored as a coordinate of its dims (an ``"axis"`` unless a claim
    reads it: then ``role="claimed"``)."""
    return Output(long_name, units, coordinate=True, role=role, why=why)


def axis(long_name: str, units: str = DIMENSIONLESS) -> Output:
    """A sweep setting or config echo stored as a data variable (``role="axis"``)."""
    return Output(long_name, units, role="axis")


def figure(long_name: str, units: str, why: str) -> Output:
    """An array the figure draws and no claim reads, with the reason."""
    return Output(long_name, units, role="figure", why=why)


def diagnostic(long_name: str, units: str, why: str) -> Output:
    """An array recorded for inspection and read by no claim, with the reason."""
    return Output(long_name, units, role="diagnostic", why=why)


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


def with_roles(declared: Mapping[str, Output], axis=(), figure=None, diagnostic=None
               ) -> dict[str, Output]:
    """``declared`` with the roles of the arrays no claim reads: ``axis`` (names), ``figure`` and
    ``diagnostic`` (name -> why). A name that ``declared`` lacks is an error (a typo would
    otherwise leave the array claimed)."""
    out = dict(declared)
    changes = [(n, "axis", "") for n in axis] + [(n, "figure", w) for n, w in (figure or {}).items()]
    changes += [(n, "diagnostic", w) for n, w in (diagnostic or {}).items()]
    for name, role, why in changes:
        if name not in out:
            raise KeyError(f"{name!r} is not declared")
        out[name] = dataclasses.replace(out[name], role=role, why=why)
    return out
