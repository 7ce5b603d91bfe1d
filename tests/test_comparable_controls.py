"""Controls that are comparable (issue 27 item 6): a claim whose control is another run declares the
settings the two must share, and a control that differs in one of them gives FAIL "control not
comparable", never a silent pass. The registry walk runs every simulator's claims on its tiny
results (tests/tiny_results.py) with a spy on the control lookups and on with_control; the
per-claim tests change one shared field of a control's config and compare with the matching
control."""
from __future__ import annotations

import sys

import pytest

from sims import verdicts
from sims.registry import get_simulator, names
from sims.results import Result
from sims.simulator import Experiments
from tiny_configs import TINY
from tiny_results import tiny_results

NOT_COMPARABLE = "control not comparable"


def _with_config(res: Result, **changes) -> Result:
    """``res`` with its stored config changed (the arrays untouched)."""
    return Result(res.arrays, {**res.meta, "config": {**res.meta["config"], **changes}})


def _rows(sim_name: str, results: dict, experiment: str) -> list:
    sim = get_simulator(sim_name)
    return [c for c in sim.check(results, symbolic=False) if c.experiment == experiment]


# ---- the registry walk ----------------------------------------------------------------------------
@pytest.mark.parametrize("sim_name", [s for s in names() if s in TINY])
def test_every_cross_run_control_declares_what_it_shares(sim_name, monkeypatch):
    """While claims run: no claim picks another run by kind alone (``first`` / ``of_kind`` outside
    ``Experiments.control``), every ``control`` lookup names what it shares, and every
    ``with_control`` / ``controlled`` whose control is another run passes a non-empty ``share``."""
    calls = {"control": [], "by_kind": [], "unshared": []}
    inside = []
    of_kind, control = Experiments.of_kind, Experiments.control

    def spy_of_kind(self, kind):
        if not inside:
            calls["by_kind"].append(kind)
        return of_kind(self, kind)

    def spy_control(self, kind, result, share, settings=None):
        calls["control"].append((kind, tuple(share)))
        inside.append(kind)
        try:
            return control(self, kind, result, share, settings)
        finally:
            inside.pop()
    monkeypatch.setattr(Experiments, "of_kind", spy_of_kind)
    monkeypatch.setattr(Experiments, "control", spy_control)

    def spy_with_control(check, result, control, label, *, share=(), configs=None):
        if (isinstance(control, Result) or configs is not None) and not share:
            calls["unshared"].append(label)
        return with_control(check, result, control, label, share=share, configs=configs)

    def spy_controlled(claim, control, label, *, share=(), configs=None):
        if configs is not None and not share:
            calls["unshared"].append(label)
        return controlled(claim, control, label, share=share, configs=configs)
    with_control, controlled = verdicts.with_control, verdicts.controlled
    for module in [m for n, m in list(sys.modules.items()) if n.startswith("sims.") and m]:
        if getattr(module, "with_control", None) is with_control:
            monkeypatch.setattr(module, "with_control", spy_with_control)
        if getattr(module, "controlled", None) is controlled:
            monkeypatch.setattr(module, "controlled", spy_controlled)

    results = tiny_results(sim_name)
    get_simulator(sim_name).check(results, symbolic=False)
    assert not calls["by_kind"], f"claims pick a control run by kind alone: {calls['by_kind']}"
    assert all(share for _, share in calls["control"]), calls["control"]
    assert not calls["unshared"], f"cross-run controls without share=: {calls['unshared']}"


def test_control_lookup_prefers_the_comparable_run():
    """``Experiments.control``: the first run of the kind that shares the fields, else the first
    of the kind (so the claim FAILs), else None."""
    sim = get_simulator("grokking")
    a, b = (Result({}, {"config": {"M": m, "group": g, "labels": "shuffled"}, "kind": "shuffled"})
            for m, g in ((7, "cyclic"), (6, "dihedral")))
    res = Result({}, {"config": {"M": 6, "group": "dihedral"}, "kind": "dihedral"})
    exps = Experiments(sim, {"z7": a, "d3": b, "run": res})
    assert exps.control("shuffled", res, ("M", "group")) is b
    assert Experiments(sim, {"z7": a, "run": res}).control("shuffled", res, ("M", "group")) is a
    assert Experiments(sim, {"run": res}).control("shuffled", res, ("M",)) is None


# ---- per claim: a differing control FAILs, the matching one gives the usual verdict --------------
def _assert_contrast(matching: list, differing: list, field: str) -> None:
    """Rows of a claim with a matching control and with one differing in ``field``."""
    assert matching and differing
    for row in matching:
        assert NOT_COMPARABLE not in row.reason, row
        assert row.passed == bool(row.check_passed and row.control_passed is False), row
    bad = [r for r in differing if NOT_COMPARABLE in r.reason]
    assert bad, [str(r) for r in differing]
    assert all(not r.passed and r.outcome == verdicts.FAIL and field in r.reason for r in bad)


CASES = [   # simulator, experiment whose claims are judged, its control experiment, shared fields
    ("grokking", "grok", "no_decay", ("K", "steps", "record_every", "seed")),
    ("grokking", "grok", "shuffled", ("M", "weight_decay", "train_fraction")),
    ("grokking", "no_decay", "grok", ("lr", "activation")),
    ("grokking", "dihedral", "shuffled_dihedral", ("M", "group", "record_every")),
    ("neuron_alignment", "base", "large_init", ("d", "width", "seed")),
    ("neuron_alignment", "large_init", "base", ("n", "mu")),
    ("neuron_alignment", "eps_sweep", "large_init", ("loss",)),
    ("neuron_alignment", "n_mu_sweep", "large_init", ("width", "reduction")),
]


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value * 2 + 1
    if isinstance(value, (list, tuple)):
        return [_changed(v) for v in value]
    return {"cyclic": "dihedral", "dihedral": "cyclic", "sqr": "relu", "mean": "sum",
            "exponential": "logistic"}.get(value, value + "_other")


@pytest.mark.parametrize("sim_name,experiment,control,fields", CASES)
def test_a_control_that_differs_is_not_comparable(sim_name, experiment, control, fields):
    results = tiny_results(sim_name)
    assert experiment in results and control in results, sorted(results)
    controlled_rows = [r for r in _rows(sim_name, results, experiment)
                       if r.control_passed is not None and NOT_COMPARABLE not in r.reason]
    for field in fields:
        value = results[control].meta["config"][field]
        changed = {**results, control: _with_config(results[control], **{field: _changed(value)})}
        rows = _rows(sim_name, changed, experiment)
        names_ = {r.name for r in rows if NOT_COMPARABLE in r.reason}
        matching = [r for r in controlled_rows if r.name in names_]
        _assert_contrast(matching, rows, field)


def test_dihedral_stages_are_contrasted_with_a_shuffled_run_on_the_same_group():
    """The D_n stage claim's control is the shuffled run on D_n, not the Z_M one; without a
    shuffled D_n run it FAILs "control not comparable" (M and group differ)."""
    results = tiny_results("grokking")
    row, = [r for r in _rows("grokking", results, "dihedral") if "stages" in r.name]
    assert NOT_COMPARABLE not in row.reason and "on D_3" in row.control
    without = {k: v for k, v in results.items() if k != "shuffled_dihedral"}
    row, = [r for r in _rows("grokking", without, "dihedral") if "stages" in r.name]
    assert not row.passed and NOT_COMPARABLE in row.reason
    assert "group dihedral vs cyclic" in row.reason and "M 6 vs 7" in row.reason


def test_neural_collapse_frame_control_shares_the_number_of_classes():
    """The orthogonal-frame check's d < K control must be bias-free MSE with the same K."""
    results = tiny_results("neural_collapse")
    name = "NC2: class means form the orthogonal frame"
    good, = [r for r in _rows("neural_collapse", results, "balanced") if r.name == name]
    assert NOT_COMPARABLE not in good.reason and "d < K run" in good.control
    narrow = results["narrow"]
    for change, field in (({"counts": [6, 6, 6, 6]}, "classes 3 vs 4"), ({"bias": True}, "bias")):
        changed = {**results, "narrow": _with_config(narrow, **change)}
        bad, = [r for r in _rows("neural_collapse", changed, "balanced") if r.name == name]
        assert not bad.passed and NOT_COMPARABLE in bad.reason and field in bad.reason, bad
