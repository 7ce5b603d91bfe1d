"""Mutation testing of the ledger: a plausible physics bug, applied in process, must make the quick
claims of its simulator fail.

Each simulator lists its mutants in ``tests/mutants/<simulator>.py`` as ``MUTANTS``::

    MUTANTS = [
        Mutant("sign error in the weight-decay term",
               target="sims.grokking.model.update", replace=lambda original: buggy_update,
               experiments=("grok", "no_decay")),
    ]

``target`` is a ``module.attribute`` path and ``replace(original) -> replacement`` builds the bug
from the original object (a function, a constant); :func:`killed` monkeypatches it, reruns the
named experiments of the quick profile in process on the numpy backend (so that a patched generic
function is the code that runs; a mutant of code every backend runs may name a faster one), checks
their claims (symbolic rows excluded) and reports whether any simulation claim's verdict is FAIL.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import sims
from sims.registry import get_simulator


@dataclass(frozen=True)
class Mutant:
    name: str                              # the bug, in words
    target: str                            # "package.module.attribute" to replace
    replace: Callable[[Any], Any]          # original -> mutated object
    experiments: tuple[str, ...]           # quick-profile experiments whose claims must reject it
    overrides: Mapping[str, Any] = field(default_factory=dict)   # extra --set values, rarely needed
    # "numpy": the generic code runs, so a patched generic function is what runs; another backend
    # only for a target every backend calls (a mutant the run never reaches survives: the test fails)
    backend: str = "numpy"


def apply(mutant: Mutant, monkeypatch) -> None:
    module_name, attr = mutant.target.rsplit(".", 1)
    module = importlib.import_module(module_name)
    monkeypatch.setattr(module, attr, mutant.replace(getattr(module, attr)))


def verdicts(simulator: str, mutant: Mutant) -> list:
    """The simulation claims of the mutant's experiments, rerun under the mutation."""
    results = {e: sims.run(simulator, e, profile="quick", threads=1, backend=mutant.backend,
                           **dict(mutant.overrides))
               for e in mutant.experiments}
    rows = get_simulator(simulator).check(results, symbolic=False)
    return [r for r in rows if r.kind == "simulation"]


def killed(simulator: str, mutant: Mutant, monkeypatch) -> tuple[bool, list]:
    """(whether some claim's verdict is FAIL under the mutant, the failing claim names)."""
    apply(mutant, monkeypatch)
    try:
        rows = verdicts(simulator, mutant)
    except Exception as exc:  # noqa: BLE001 - a crash under a bug is not a ledger verdict
        return False, [f"the mutated run raised {type(exc).__name__}: {exc}"]
    failing = [f"{r.experiment}: {r.name}" for r in rows if not r.passed]
    return bool(failing), failing
