"""theory.check (is my formula the suite's?), the formula registry, `python -m theory`, and
sims.compare (my formula against a simulation)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import theory
from theory.check import parse

REPO = Path(__file__).resolve().parents[1]


def test_every_registered_formula_has_a_reference_doc_and_a_domain_on_its_symbols():
    found = theory.formulas()
    assert "double_descent.risk_under" in found
    for name, f in found.items():
        assert f.reference and f.doc, name
        assert set(f.domain) <= set(f.symbols), (name, set(f.domain) - set(f.symbols))


def test_every_theory_module_registers_formulas_with_a_domain_on_every_symbol():
    from theory.formulas import _modules
    found = theory.formulas()
    assert len(_modules()) >= 7
    for mod in _modules():
        mine = {k: f for k, f in found.items() if k.startswith(mod + ".")}
        assert 3 <= len(mine) <= 9, (mod, sorted(mine))
        for name, f in mine.items():
            assert set(f.domain) == set(f.symbols), (name, set(f.symbols) ^ set(f.domain))
            for lo, hi in f.domain.values():
                assert lo < hi, name


@pytest.mark.parametrize("name", sorted(theory.formulas()))
def test_each_registered_formula_is_finite_on_its_domain_and_checks_against_itself(name):
    """Random points of the domain (drawn as theory.check draws them) give finite real values, and
    the formula's own printed form (text, as a user would type it) is found equivalent."""
    import random
    from theory.check import _draw
    f = theory.formula(name)
    rng = random.Random(1)
    for _ in range(20):
        point = {}
        for sym in f.expr.free_symbols:
            point[sym] = _draw(*f.domain[sym.name], rng)
            if sym.is_integer:
                point[sym] = sp.Integer(max(1, round(float(point[sym]))))
        value = f.expr.evalf(30, subs=point)
        assert value.is_real and value.is_finite, (name, point, value)
    verdict = theory.check(str(f.expr), name)
    assert verdict.equivalent is True, str(verdict)


@pytest.mark.parametrize("text", ["sigma**2*gamma/(1 - gamma)", "sigma**2/(1/gamma - 1)",
                                  "-gamma*sigma**2/(gamma - 1)"])
def test_rewritten_forms_of_a_shipped_formula_are_equivalent(text):
    verdict = theory.check(text, "double_descent.risk_under")
    assert verdict.equivalent is True and verdict.method == "symbolic", str(verdict)


def test_a_wrong_constant_gives_a_counterexample_with_both_values():
    verdict = theory.check("2*sigma**2*gamma/(1 - gamma)", "double_descent.risk_under")
    assert verdict.equivalent is False
    point = verdict.counterexample["point"]
    assert 0 < point["gamma"] < 1 and point["sigma"] > 0          # inside the formula's domain
    g, s = point["gamma"], point["sigma"]
    assert verdict.counterexample["against"] == pytest.approx(s**2 * g / (1 - g))
    assert verdict.counterexample["expr"] == pytest.approx(2 * s**2 * g / (1 - g))
    assert "NOT equivalent" in str(verdict)


def test_numeric_fallback_decides_what_simplify_leaves_open():
    """An identity sympy's simplify does not close (a nested radical): decided numerically at 50
    digits on the domain; a perturbation at the 1e-12 level is caught."""
    x = sp.Symbol("x", positive=True)
    lhs = sp.sqrt(x + 2 * sp.sqrt(x - 1)) - sp.sqrt(x - 1)
    ok = theory.check(lhs, "1", domain={"x": (1, 50)})
    assert ok.equivalent is True
    near = theory.check(lhs + sp.Rational(1, 10**12), "1", domain={"x": (1, 50)})
    assert near.equivalent is False


def test_names_are_symbols_unless_called():
    e = parse("gamma*exp(lambda) + beta")
    assert {s.name for s in e.free_symbols} == {"gamma", "lambda", "beta"}
    with pytest.raises(ValueError, match="cannot parse"):
        parse("gamma *")


def test_command_line_check_and_list():
    def run(*args):
        return subprocess.run([sys.executable, "-m", "theory", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=120)
    ok = run("check", "sigma**2*gamma/(1 - gamma)", "double_descent.risk_under")
    assert ok.returncode == 0 and ok.stdout.startswith("equivalent")
    bad = run("check", "3*sigma**2*gamma/(1 - gamma)", "double_descent.risk_under")
    assert bad.returncode == 1 and "NOT equivalent" in bad.stdout
    unknown = run("check", "x", "double_descent.nope")
    assert unknown.returncode == 2 and unknown.stderr.startswith("error:")
    listing = run("list")
    assert listing.returncode == 0 and "double_descent.risk_under = " in listing.stdout


def test_compare_a_user_formula_against_a_simulation():
    """The exact finite-n formula passes within 3.5 s.e. of the mean over 1500 seeds and the
    asymptotic rival is rejected by the same check; a wrong constant fails."""
    import sims
    res = sims.run("double_descent", "linear", n=60, seeds=1500, ratios=[0.25, 0.5, 0.75],
                   threads=1)
    at = {"p": "widths", "n": "n", "sigma": "noise"}
    claim = sims.compare(res, "sigma**2*p/(n - p - 1)", measured="min_norm_risk", at=at,
                         rival="sigma**2*gamma/(1 - gamma)", rival_at={"gamma": "ratios"})
    assert claim.passed and claim.check_passed and claim.control_passed is False
    assert "1500 seeds" in claim.why
    wrong = sims.compare(res, "1.2*sigma**2*p/(n - p - 1)", measured="min_norm_risk", at=at)
    assert not wrong.passed
    np.testing.assert_allclose(claim.predicted, 0.25 * res["widths"] / (60 - res["widths"] - 1))
