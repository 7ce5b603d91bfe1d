"""The one list of simulators. Each entry is a module (or package) that ends with a
``SIMULATOR = sims.simulator.Simulator(...)`` declaration; the simulator's name is the last part of
its module path. Everything else (CLI, Snakefile, cost model, benchmarks, report, tests) asks this
module.

Simulators outside this repository are added without editing it: ``$SIMS_PLUGINS`` holds a
comma-separated list of importable module paths, each declaring a ``SIMULATOR`` the same way.
"""
from __future__ import annotations

import importlib
import os
from typing import Any

from .errors import SimsError

MODULES = (
    "sims.double_descent",
    "sims.scaling_laws",
    "sims.superposition",
    "sims.neuron_alignment",
    "sims.neural_collapse",
    "sims.grokking",
    "sims.sharpness",
)
PLUGINS_ENV = "SIMS_PLUGINS"


def modules() -> dict[str, str]:
    """Simulator name -> module path, shipped ones first, then ``$SIMS_PLUGINS``."""
    plugins = [m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(",") if m.strip()]
    out: dict[str, str] = {}
    for path in (*MODULES, *plugins):
        out.setdefault(path.rsplit(".", 1)[-1], path)
    return out


def names() -> list[str]:
    """Every simulator's name, sorted."""
    return sorted(modules())


def get_simulator(name: str):
    """The :class:`sims.simulator.Simulator` called ``name``, or a clear error."""
    mods = modules()
    if name not in mods:
        raise SimsError(f"unknown simulator {name!r}; known: {', '.join(sorted(mods))}")
    module = importlib.import_module(mods[name])
    sim = getattr(module, "SIMULATOR", None)
    if sim is None or getattr(sim, "name", None) != name:
        raise SimsError(f"module {mods[name]} declares no SIMULATOR named {name!r}")
    if not sim.module:
        object.__setattr__(sim, "module", mods[name])
    return sim


def simulators() -> dict[str, Any]:
    """Name -> Simulator for every registered simulator (imports them all)."""
    return {name: get_simulator(name) for name in names()}
