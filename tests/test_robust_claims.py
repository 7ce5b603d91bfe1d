"""Claims never raise (issue: a theory check that crashes on the run that disagrees hides exactly
the case that matters): for every simulator and experiment kind, claims on NaN-poisoned, shortened
and incomplete results give FAIL rows that say what went wrong, and no exception."""
from __future__ import annotations

import numpy as np
import pytest

from sims.config import from_mapping
from sims.registry import get_simulator, names
from sims.results import Result
from tiny_configs import TINY

def _has_claims(sim_name: str, k: int) -> bool:
    sim = get_simulator(sim_name)
    return sim.kind(from_mapping(sim.config, TINY[sim_name][k])) in sim.claims


CASES = [(s, k) for s in names() if s in TINY for k in range(len(TINY[s])) if _has_claims(s, k)]


@pytest.fixture(scope="module")
def tiny_results():
    cache = {}

    def get(sim_name, k):
        if (sim_name, k) not in cache:
            sim = get_simulator(sim_name)
            cfg = from_mapping(sim.config, {**TINY[sim_name][k], "backend": "numpy"})
            cache[(sim_name, k)] = sim.simulate(cfg)
        return cache[(sim_name, k)]
    return get


def _poison(res: Result) -> Result:
    arrays = {k: (np.full_like(v, np.nan) if v.dtype.kind == "f" else v)
              for k, v in res.arrays.items()}
    return Result(arrays, res.meta)


def _truncate(res: Result) -> Result:
    """Every array's leading axis cut to its first fifth: a run cut off early."""
    arrays = {k: (v[: max(1, len(v) // 5)] if v.ndim else v) for k, v in res.arrays.items()}
    return Result(arrays, res.meta)


def _empty(res: Result) -> Result:
    """Every array with an axis emptied along it: an empty sweep."""
    return Result({k: (v[:0] if v.ndim else v) for k, v in res.arrays.items()}, res.meta)


def _inconsistent(res: Result) -> Result:
    """Every other array one entry shorter than the rest (a record written one step short, as
    when a run stops at its step budget between two records)."""
    def cut(v):
        axis = next((a for a, n in enumerate(v.shape) if n > 1), None)
        return v if axis is None else np.delete(v, -1, axis=axis)
    arrays = {k: (cut(v) if i % 2 else v) for i, (k, v) in enumerate(sorted(res.arrays.items()))}
    return Result(arrays, res.meta)


def _drop_half(res: Result) -> Result:
    keep = sorted(res.arrays)[::2]
    return Result({k: res.arrays[k] for k in keep}, res.meta)


@pytest.mark.parametrize("sim_name, k", CASES, ids=[f"{s}-{k}" for s, k in CASES])
@pytest.mark.parametrize("mangle", [_poison, _empty, _inconsistent, _drop_half],
                         ids=["nan", "empty", "inconsistent", "missing-arrays"])
def test_claims_on_a_mangled_result_fail_with_a_reason(sim_name, k, mangle, tiny_results):
    sim = get_simulator(sim_name)
    rows = sim.check(mangle(tiny_results(sim_name, k)), symbolic=False)   # must not raise
    assert rows, "no claim applied"
    failing = [r for r in rows if not r.passed]
    assert failing, "every claim passed on a mangled result"
    assert all(r.why and r.statement is not None for r in failing)
    # a broken result is never undecided where the intact one decides: each claim FAILs or keeps
    # the intact result's outcome (mangling an array a claim does not read changes nothing)
    intact = {r.name: r.outcome for r in sim.check(tiny_results(sim_name, k), symbolic=False)}
    undecided = [r.name for r in rows if r.outcome in ("NOT_APPLICABLE", "UNDERPOWERED")
                 and intact.get(r.name) != r.outcome]
    assert not undecided, f"a broken result called undecided: {undecided}"


@pytest.mark.parametrize("sim_name, k", CASES, ids=[f"{s}-{k}" for s, k in CASES])
def test_claims_on_a_truncated_result_report_without_raising(sim_name, k, tiny_results):
    """A result whose records stop early (every leading axis cut to a fifth) gives rows, never an
    exception; whether they fail depends on what the claims read (a run's summary scalars are
    whole), so only the reasons of failing rows are required."""
    rows = get_simulator(sim_name).check(_truncate(tiny_results(sim_name, k)), symbolic=False)
    assert rows and all(r.why for r in rows if not r.passed)
