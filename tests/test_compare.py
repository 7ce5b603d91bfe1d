"""sims.compare can be aimed: where= restricts it, a FAIL names the worst point, its z-score and
the count outside tolerance, callables keep the seed axis, misspelt names and shapes are one-line
errors with "did you mean", and the outcome is UNDERPOWERED / NOT_APPLICABLE when the comparison
cannot decide. Verdicts are checked on generated results with known truth."""
from __future__ import annotations

import numpy as np
import pytest

import sims
from sims.errors import SimsError
from sims.results import Result
from sims.verdicts import FAIL, NOT_APPLICABLE, PASS, UNDERPOWERED

AT = {"p": "widths", "n": "n", "sigma": "noise"}
FINITE = "sigma**2*p/(n - p - 1)"
ASYMPTOTIC = "sigma**2*gamma/(1 - gamma)"


@pytest.fixture(scope="module")
def sweep():
    """A small linear sweep through p = n up to p/n = 4 (n = 40, 200 seeds; ~2 s)."""
    return sims.run("double_descent", "linear", n=40, seeds=200, threads=1,
                    ratios=[0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0], budgets=[10, 1000], ridge=[0.1])


def _synthetic(mu, sd, seeds, rng, **config) -> Result:
    """Draws y[seed, point] ~ N(mu[point], sd) at coordinates k = 0, 1, ...: the truth is mu."""
    mu = np.asarray(mu, float)
    return Result({"y": mu + sd * rng.standard_normal((seeds, mu.size)),
                   "k": np.arange(mu.size, dtype=float)},
                  {"dims": {"y": ["seed", "point"], "k": ["point"]}, "coords": {"point": "k"},
                   "config": {"a": 0.5, "b": 1.0, **config}})


def test_where_aims_the_comparison(sweep):
    """The under-parametrised formula over a sweep to p/n = 4 FAILs and says where; restricted to
    p/n <= 0.8 (a range, a callable, a mask) it agrees; a where that leaves nothing is NOT
    APPLICABLE."""
    whole = sims.compare(sweep, FINITE, measured="min_norm_risk", at=AT)
    assert whole.outcome == FAIL
    assert whole.reason.startswith("worst at ratios = ") and "widths = " in whole.reason
    assert "s.e.)" in whole.reason and " of 7 points outside the tolerance" in whole.reason
    q = sweep["ratios"]
    for where in ({"ratios": (0, 0.8)}, lambda c: c["ratios"] <= 0.8, q <= 0.8, {"widths": (0, 32)}):
        row = sims.compare(sweep, FINITE, measured="min_norm_risk", at=AT, where=where)
        assert row.outcome == PASS and np.size(row.measured) == 3, where
    none = sims.compare(sweep, FINITE, measured="min_norm_risk", at=AT, where={"ratios": (5, 6)})
    assert none.outcome == NOT_APPLICABLE and "leaves no point of the 7" in none.reason
    values = sims.compare(sweep, FINITE, measured="min_norm_risk", at=AT,
                          where={"ratios": [0.25, 0.75]})
    assert np.size(values.measured) == 2


def test_a_callable_keeps_the_seed_axis(sweep):
    row = sims.compare(sweep, "p/(n - p - 1)", measured=lambda r: r["min_norm_risk"] / 0.25,
                       at={"p": "widths", "n": "n"}, where={"ratios": (0, 0.8)})
    assert row.outcome == PASS and "200 seeds" in row.why
    explicit = sims.compare(sweep, "p/(n - p - 1)", at={"p": "widths", "n": "n"},
                            measured=lambda r: r["min_norm_risk"].T / 0.25, seed_axis=1,
                            where={"ratios": (0, 0.8)})
    assert explicit.outcome == PASS and "200 seeds" in explicit.why
    with pytest.raises(SimsError, match="no seed axis to average over"):
        sims.compare(sweep, FINITE, measured="min_norm_risk", at=AT, seed_axis=None)


def test_another_shape_is_aligned_by_dims_and_explained(sweep):
    """gd_risk [seed, ratio, budget]: widths (along ratio) broadcast over budgets; the short
    budget does not reach the min-norm risk, and the FAIL names the budget."""
    row = sims.compare(sweep, FINITE, measured="gd_risk", at=AT, where={"ratios": (0, 0.8)})
    assert row.outcome == FAIL and "budgets = 10" in row.reason and "of 6 points" in row.reason


@pytest.mark.parametrize("kwargs, message", [
    ({"measured": "min_norm_riks"}, "no array 'min_norm_riks' in the result; did you mean "
                                    "'min_norm_risk'?"),
    ({"at": {"p": "widht", "n": "n", "sigma": "noise"}}, "did you mean 'widths'?"),
    ({"at": {"p": "widths", "n": "n", "sgima": "noise"}}, "did you mean 'sgima'?"),
    ({"where": {"ratio_s": (0, 1)}}, "did you mean 'ratios'?"),
    ({"where": np.ones(3, bool)}, "boolean mask of the compared shape (7,)"),
    ({"seed_axis": "sed"}, "seed_axis='sed'"),
    ({"at": {"p": "budgets", "n": "n", "sigma": "noise"}}, "lies along ['budget']"),
])
def test_bad_input_is_one_line(sweep, kwargs, message):
    args = {"measured": "min_norm_risk", "at": AT, **kwargs}
    with pytest.raises(SimsError) as err:
        sims.compare(sweep, FINITE, **args)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_underpowered_names_the_seeds(sweep):
    """At p/n = 0.25 and n = 40 the finite-n and asymptotic formulas differ by ~1% of the risk:
    200 seeds cannot tell them apart; the row says how many would."""
    row = sims.compare(sweep, FINITE, measured="min_norm_risk", at=AT, rival=ASYMPTOTIC,
                       rival_at={"gamma": "ratios"}, where={"ratios": (0.2, 0.3)})
    assert row.outcome == UNDERPOWERED and row.needs["seeds"] > 1000
    assert f"needs >= {row.needs['seeds']} seeds" in row.reason


def test_a_control_run_must_be_comparable(sweep):
    other = sims.run("double_descent", "linear", n=30, seeds=20, threads=1,
                     ratios=[0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0], budgets=[10], ridge=[0.1])
    row = sims.compare(sweep, FINITE, measured="min_norm_risk", at=AT, where={"ratios": (0, 0.8)},
                       control=other, share=("n", "seeds"))
    assert row.outcome == FAIL and row.reason == "control not comparable: n 40 vs 30, seeds 200 vs 20"
    with pytest.raises(SimsError, match="not both"):
        sims.compare(sweep, FINITE, measured="min_norm_risk", at=AT, rival=ASYMPTOTIC,
                     control=other)


def test_verdicts_on_generated_results_with_known_truth():
    """60 generated results (4..12 points, 20..400 seeds, known means a k + b): the true formula
    passes (z = 3.5 over <= 12 points: <= 0.6% false FAIL each; at most 2 of 60 allowed); a formula
    off by 8 s.e. at one point always FAILs and its reason names that point; a rival 30 s.e. away
    is rejected (PASS); a rival 0.5 s.e. away makes the row UNDERPOWERED."""
    rng = np.random.default_rng(0)
    false_fail = 0
    for _ in range(60):
        K, S, sd = int(rng.integers(4, 13)), int(rng.integers(20, 401)), float(rng.uniform(0.1, 3))
        res = _synthetic(0.5 * np.arange(K) + 1.0, sd, S, rng)
        se = sd / np.sqrt(S)
        at = {"k": "k", "a": "a", "b": "b"}
        good = sims.compare(res, "a*k + b", measured="y", at=at,
                            rival=f"a*k + b + {30 * se}", rival_at={})
        false_fail += good.outcome == FAIL
        assert good.outcome in (PASS, FAIL)
        if good.outcome == PASS:
            assert good.control_passed is False
        j = int(rng.integers(K))
        bump = sims.compare(res, f"a*k + b + {8 * se}*Piecewise((1, Eq(k, {j})), (0, True))",
                            measured="y", at=at)
        assert bump.outcome == FAIL and f"worst at k = {j}:" in bump.reason
        close_rival = sims.compare(res, "a*k + b", measured="y", at=at,
                                   rival=f"a*k + b + {0.5 * se}", rival_at={})
        assert close_rival.outcome in (UNDERPOWERED, FAIL)
        if close_rival.outcome == UNDERPOWERED:
            assert close_rival.needs["seeds"] > S
    assert false_fail <= 2
