"""sims.plan: before a run, whether each claim can decide at these settings, what it would need,
and the predicted cost; double_descent's planning model agrees with the claims of the run."""
from __future__ import annotations

import subprocess
import sys

import pytest

import sims
from sims.config import from_mapping, load_profile_file
from sims.plan import ClaimPlan, Plan, generic, plan_config, pilot_runner
from sims.registry import get_simulator, names
from sims.verdicts import NOT_APPLICABLE, UNDERPOWERED
from tiny_configs import TINY

QUICK = [(s, e) for s in names() for e in load_profile_file(s, "quick")["experiments"]]


@pytest.mark.parametrize("simulator, experiment", QUICK, ids=[f"{s}-{e}" for s, e in QUICK])
def test_plan_answers_for_every_experiment_of_the_quick_profile(simulator, experiment):
    """Every kind of every simulator gets a plan (a planning model or the generic answer; pilots
    skipped to keep this cheap): rows with a three-way verdict and a cost or a reason for none."""
    p = sims.plan(simulator, experiment, pilot=False)
    assert isinstance(p, Plan) and p.claims and p.kind
    assert all(isinstance(c, ClaimPlan) and c.decides in (True, False, None) for c in p.claims)
    assert (p.cost.seconds is None) == (p.cost.memory_mb is None)
    assert p.cost.seconds is not None or p.cost.note
    if p.cost.seconds is not None:
        assert p.cost.seconds > 0 and p.cost.memory_mb > 0
    assert str(p).startswith(f"{simulator}/{experiment} ({p.kind}):")


def test_double_descent_model_says_what_a_grid_lacks_without_running():
    p = sims.plan("double_descent", "linear", pilot=False, ratios=[0.25, 0.5, 2.0, 4.0])
    by = {c.claim: c for c in p.claims}
    assert by["risk peak at p/n = 1"].outcome == NOT_APPLICABLE
    assert "no p/n within 0.1 of 1" in by["risk peak at p/n = 1"].reason
    assert by["min-norm risk = exact finite-n formula"].decides is None     # power: after the run
    rf = sims.plan("double_descent", "random_features", pilot=False, ratios=[0.5, 1.0, 2.0])
    assert all(c.outcome == NOT_APPLICABLE and "N/n = 4" in c.reason for c in rf.claims)


def test_double_descent_model_predicts_the_runs_underpowered_row():
    """At n = 60 and 40 seeds the finite-n claim cannot separate the asymptotic rival: the plan
    (variance from a pilot) and the run's own row both say UNDERPOWERED, with seed counts within
    a factor 2 of each other (the pilot's spread is an estimate); the other claims decide."""
    over = dict(n=60, seeds=40, ratios=[0.25, 0.5, 0.75, 1.0, 1.25, 2.0, 4.0], budgets=[10],
                ridge=[0.1])
    p = sims.plan("double_descent", "linear", **over)
    by = {c.claim: c for c in p.claims}
    finite = by["min-norm risk = exact finite-n formula"]
    assert finite.decides is False and finite.outcome == UNDERPOWERED
    assert "pilot" in finite.source and finite.needs["seeds"] > 40
    res = sims.run("double_descent", "linear", threads=1, **over)
    row = {c.name: c for c in res.claims()}["min-norm risk = exact finite-n formula"]
    assert row.outcome == UNDERPOWERED
    assert 0.5 <= finite.needs["seeds"] / row.needs["seeds"] <= 2
    assert by["risk peak at p/n = 1"].decides is True


def test_the_generic_answer_comes_from_a_pilot():
    """A kind without a planning model: a pilot with fewer seeds runs its claims; each claim of
    the kind gets a row from the pilot (here scaling_laws' mrs kind, tiny)."""
    sim = get_simulator("scaling_laws")
    config = from_mapping(sim.config, {**TINY["scaling_laws"][0], "seeds": 40})
    assert sim.kind(config) not in sim.plans
    p = plan_config(sim, "mrs", config)
    assert p.claims and all(c.source.startswith("pilot") for c in p.claims), p
    assert "16 of 40 seeds" in p.claims[0].source
    rows = generic(sim, "mrs", config, None)
    assert len(rows) == 1 and rows[0].decides is None and "pilots skipped" in rows[0].reason


def test_a_pilot_too_costly_is_not_run():
    sim = get_simulator("double_descent")
    paper = from_mapping(sim.config, load_profile_file("double_descent", "paper")["experiments"]
                         ["random_features"])
    assert pilot_runner(sim, "random_features")(paper.replace(seeds=100, n=4000)) is None


def test_plan_command_line():
    out = subprocess.run([sys.executable, "-m", "sims", "plan", "double_descent", "--experiment",
                          "random_features", "--set", "ratios=[0.5, 2]", "--no-pilot"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "NOT_APPLICABLE  peak height at N = n: the sweep has no N/n = 1, no N/n = 4" in out.stdout
    assert "predicted" in out.stdout.splitlines()[0]
    bad = subprocess.run([sys.executable, "-m", "sims", "plan", "double_descent", "--set",
                          "seeds=-1"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and bad.stderr.count("\n") == 1
