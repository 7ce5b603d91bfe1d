"""Predictions independent of the simulation (issue 24 item 3): the claim side of a simulator (its
claim modules and the package modules they import, as in tests/test_recorded_predictions.py) takes
nothing from the simulation side (the module of the ``simulate`` body and every package module it
imports: data generators, samplers, models, filters, recursions) and nothing from ``sims.kernels``,
except the names below, each with the reason it is not a prediction computed by the simulation's
code or from its random draws. A new import from the simulation side fails this test until it is
listed here with its reason (or the prediction moves to ``theory/`` or a claim module).
"""
from __future__ import annotations

import ast
import importlib
import inspect
import sys

import pytest

from sims.registry import get_simulator, names
from test_recorded_predictions import _closure, claim_side

ALLOWED = {
    ("sims.grokking.claims", "sims.grokking.metrics", "*"):
        "measurement, not prediction: stage detection, node reports and accuracies computed from "
        "the recorded weights and curves (the run records with the same functions)",
    ("sims.neural_collapse.claims", "sims.neural_collapse.config", "NeuralCollapseConfig"):
        "rebuilds the run's validated config from its metadata (bookkeeping)",
    ("sims.neural_collapse.claims", "sims.neural_collapse.run", "class_counts"):
        "the per-class sample counts a config asks for (bookkeeping of the config, no draw)",
    ("sims.neural_collapse.claims", "sims.neural_collapse.run", "runs_of"):
        "the list of (loss, depth, counts) runs of a config (bookkeeping)",
    ("sims.neuron_alignment.claims", "sims.neuron_alignment.model", "ALIGN_COS"):
        "the definition of 'aligned' (a cosine threshold), shared with the run's recorded flags",
    ("sims.neuron_alignment.claims_sweep", "sims.neuron_alignment.model", "ALIGN_COS"):
        "the same threshold",
    ("sims.neuron_alignment.claims", "sims.neuron_alignment.model", "centres"):
        "x_+ and x_- as sums of the recorded data (a measurement of the data, two lines)",
    ("sims.scaling_laws.claims", "sims.scaling_laws.equivalent", "limit_loss"):
        "the deterministic equivalent of E_W P_inf (never samples W): the PLRF limit row compares "
        "it with sampled-W runs; the compute-optimal runs use the same equivalent as their model, "
        "checked in claims_co against sampled W",
    ("sims.superposition.claims", "sims.superposition.model", "REPRESENTED"):
        "the definition of 'represented' (a row-norm threshold), shared with the run's records",
}


def imports_from(source: str, module: str, forbidden) -> set[tuple[str, str]]:
    """(source module, name) of every ``from X import name`` in ``source`` (the text of
    ``module``) whose X (or X.name, for a module) satisfies ``forbidden``."""
    pkg = module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            parts = pkg.split(".")[:len(pkg.split(".")) - node.level + 1]
            base = ".".join(parts + ([base] if base else []))
        for a in node.names:
            if forbidden(base):
                found.add((base, a.name))
            elif forbidden(f"{base}.{a.name}"):              # a module: from pkg import module
                found.add((f"{base}.{a.name}", "*"))
    return found


def sides(sim):
    package = sim.module if hasattr(sys.modules[sim.module], "__path__") else \
        sim.module.rpartition(".")[0]
    own = {fn.__module__ for fn in sim.claims.values()}
    body = getattr(sim.simulate, "body", sim.simulate)
    simulation = _closure({body.__module__}, package, stop=own | {package}) - own
    return claim_side(sim), simulation


@pytest.mark.parametrize("name", names())
def test_the_claim_side_takes_nothing_from_the_simulation_but_the_listed_names(name):
    claims, simulation = sides(get_simulator(name))
    assert claims and simulation and not claims & simulation

    def forbidden(mod):
        return mod in simulation or mod.startswith("sims.kernels")

    unlisted = []
    for m in sorted(claims):
        for src, what in imports_from(inspect.getsource(importlib.import_module(m)), m, forbidden):
            if (m, src, what) not in ALLOWED:
                unlisted.append(f"{m} imports {what} from {src}")
    assert not unlisted, unlisted


def test_every_listed_exception_is_still_imported():
    live = set()
    for name in names():
        claims, simulation = sides(get_simulator(name))
        for m in claims:
            src = inspect.getsource(importlib.import_module(m))
            live |= {(m, s, w) for s, w in imports_from(src, m, lambda x: x in simulation)}
    assert set(ALLOWED) <= live, set(ALLOWED) - live


def test_the_scan_finds_a_planted_import_of_the_data_generator():
    """A claim module that draws its prediction with the run's own sampler is caught, whether it
    imports the function, the module, or reaches a kernel."""
    sim = {"sims.toy.model", "sims.toy.run"}
    bad = ("from .model import draw_data\nfrom . import run\nfrom ..kernels.toy import step\n"
           "from ..verdicts import Claim\nimport numpy as np\n")
    found = imports_from(bad, "sims.toy.claims",
                         lambda x: x in sim or x.startswith("sims.kernels"))
    assert found == {("sims.toy.model", "draw_data"), ("sims.toy.run", "*"),
                     ("sims.kernels.toy", "step")}
