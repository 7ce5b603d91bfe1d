"""Claims declared in a profile (sims.user_claims): validated when the profile is read, run by
`python -m sims claims` and `snakemake figures` into the ledger like the shipped ones."""
from __future__ import annotations

import subprocess
import sys

import pytest

import sims
from sims.__main__ import main
from sims.errors import ConfigError
from sims.user_claims import parse
from tiny import TINY_DD, USER_CLAIMS, check_user_claims

GOOD = {"experiment": "linear", "formula": "a*x", "measured": "y", "at": {"x": "x"},
        "rival": "2*a*x", "reference": "mine"}


@pytest.mark.parametrize("change, message", [
    ({"formla": "a*x"}, "claims.c: unknown key 'formla'; did you mean 'formula'?"),
    ({"experiment": "lineer"}, "claims.c: no experiment 'lineer' in this profile; did you mean "
                               "'linear'?; known: linear"),
    ({"rival": None, "control": None}, "give a negative control"),
    ({"control": "linear"}, "give a negative control"),
    ({"where": {"x": 3}}, "claims.c.where: expected coordinate -> [lo, hi]"),
    ({"rtol": 0.1}, "an rtol/atol tolerance needs its reason (why)"),
    ({"z": -1}, "claims.c.z: expected a number >= 0"),
    ({"formula": "a*(x"}, "claims.c.formula: cannot parse"),
    ({"reference": None}, "claims.c: missing reference"),
])
def test_a_bad_declaration_is_one_line(change, message):
    entry = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    if change.get("rival", 1) is None:
        entry.pop("rival", None)
    with pytest.raises(ConfigError) as err:
        parse({"c": entry}, {"linear": {}}, "p/double_descent.yaml")
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith("p/double_descent.yaml: claims.c")


def test_a_good_declaration_parses():
    claims = parse({"c": {**GOOD, "where": {"x": [0, 1], "k": {"in": [1, 2]}},
                          "rival": None, "control": {"experiment": "linear", "share": ["n"]}}
                    }, {"linear": {}}, "here")
    c = claims["c"]
    assert c.control == "linear" and c.share == ("n",) and c.rival is None
    assert c.where_rule() == {"x": (0, 1), "k": [1, 2]}


def test_a_profile_with_a_bad_claim_fails_before_running(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "double_descent.yaml").write_text(TINY_DD + USER_CLAIMS.replace("formula: 1.2*",
                                                                            "formla: 1.2*"))
    out = subprocess.run([sys.executable, "-m", "sims", "run", "double_descent", "--profile-dir",
                          str(mine), "--results-dir", str(tmp_path / "results"), "--dry-run"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 2 and "unknown key 'formla'; did you mean 'formula'?" in out.stderr
    assert not (tmp_path / "results").exists()


def test_declared_claims_reach_the_ledger(tmp_path):
    """`python -m sims claims` (what `snakemake figures` runs: tests/test_workflow.py runs the
    same profile through Snakemake) puts the declared claims in the ledger with their outcomes."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "double_descent.yaml").write_text(TINY_DD + USER_CLAIMS)
    results = tmp_path / "results"
    for name, res in sims.run("double_descent", profile_dir=mine, threads=1).items():
        sims.save(res, results / "mine" / "double_descent" / name)
    assert main(["claims", "double_descent", "--profile-dir", str(mine), "--results-dir",
                 str(results)]) == 0
    assert main(["ledger", "--profile-dir", str(mine), "--results-dir", str(results)]) == 0
    check_user_claims(results / "mine")
