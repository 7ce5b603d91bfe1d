"""The mutation survey's harness (scripts/mutation_survey.py): which modules it mutates, how it
classifies a mutant's record, and (slow) one small survey end to end."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sims.registry import names

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("mutation_survey", REPO / "scripts" / "mutation_survey.py")
survey = importlib.util.module_from_spec(spec)
spec.loader.exec_module(survey)


@pytest.mark.parametrize("sim", names())
def test_every_simulator_has_physics_modules_and_no_claims_module_is_mutated(sim):
    paths = [str(p) for p in survey.modules(sim)]
    assert any(p.startswith(f"sims/{sim}/") for p in paths), paths
    assert any(p.startswith("theory/") for p in paths), paths
    assert not any("claim" in Path(p).name or Path(p).name in survey.NOT_PHYSICS for p in paths)
    assert all((REPO / p).is_file() for p in paths)


BASE = {"digests": {"a": "1", "b": "2"}, "claims_digest": "x", "not_pass": [], "error": None}


@pytest.mark.parametrize("record, outcome", [
    ({"digests": {"a": "1", "b": "2"}, "claims_digest": "x", "not_pass": [], "error": None},
     "equivalent"),
    ({"digests": {"a": "1", "b": "3"}, "not_pass": ["b: x (FAIL)"], "error": None}, "killed"),
    ({"digests": {"a": "1", "b": "3"}, "not_pass": [], "error": None}, "survived"),
    ({"digests": {}, "not_pass": [], "error": "ConfigError: bad"}, "raised"),
    # a mutant of the prediction side: the arrays are the same, the claims' numbers are not
    ({"digests": {"a": "1", "b": "2"}, "claims_digest": "y", "not_pass": ["a: y (FAIL)"],
      "error": None}, "killed"),
    ({"digests": {"a": "1", "b": "2"}, "claims_digest": "y", "not_pass": [], "error": None},
     "survived"),
    ({"digests": {"a": "1", "b": "2"}, "claims_digest": "x", "not_pass": [], "error": None},
     "equivalent"),
])
def test_a_record_is_classified_by_its_arrays_then_its_claims(record, outcome):
    assert survey.classify(record, BASE) == outcome


@pytest.mark.slow
def test_a_small_survey_runs_end_to_end(tmp_path):
    """Two live mutants of neuron alignment (about a minute): each run row has an outcome, the
    report's counts add up, and the unmutated modules are restored (git sees no change)."""
    pytest.importorskip("cosmic_ray")
    pytest.importorskip("coverage")
    subprocess.run([sys.executable, str(REPO / "scripts" / "mutation_survey.py"), "neuron_alignment",
                    "--out", str(tmp_path), "--sample", "2", "--seed", "3"], cwd=REPO, check=True,
                   timeout=1800)
    rep = json.loads((tmp_path / "neuron_alignment.json").read_text())
    assert rep["generated"] >= rep["executed"] > 0
    assert sum(rep["counts"].values()) >= len(rep["runs"]) >= 2
    assert sum(r["outcome"] != "equivalent" for r in rep["runs"]) == 2
    assert all(r["diff"] and r["outcome"] in survey.OUTCOMES for r in rep["runs"])
    status = subprocess.run(["git", "status", "--porcelain", "--", "sims", "theory"], cwd=REPO,
                            capture_output=True, text=True).stdout
    assert status == "", status
