"""The ledger rejects plausible physics bugs: every mutant of every simulator (tests/mutants/) makes
some quick-profile claim of that simulator FAIL. Marked ``mutation`` (CI runs them in their own
pass, after the default tests); the kill rate per simulator is in the README."""
from __future__ import annotations

import importlib

import pytest

from mutation import killed
from sims.registry import names

pytestmark = pytest.mark.mutation
MIN_MUTANTS = 3


def _mutants():
    out = []
    for sim in names():
        try:
            module = importlib.import_module(f"mutants.{sim}")
        except ModuleNotFoundError:
            continue
        out += [pytest.param(sim, m, id=f"{sim}: {m.name}") for m in module.MUTANTS]
    return out


MUTANTS = _mutants()


def test_every_simulator_lists_enough_mutants():
    counts = {sim: sum(p.values[0] == sim for p in MUTANTS) for sim in names()}
    assert all(c >= MIN_MUTANTS for c in counts.values()), counts


@pytest.mark.parametrize("sim, mutant", MUTANTS)
def test_mutant_is_killed(sim, mutant, monkeypatch):
    dead, failing = killed(sim, mutant, monkeypatch)
    assert dead, f"{sim}: mutant '{mutant.name}' survives the quick claims {mutant.experiments}"
