"""Outcomes beyond PASS/FAIL (sims.verdicts, sims.decide, sims.ledger_table): a claim that cannot
decide says NOT_APPLICABLE or UNDERPOWERED with what would decide; a FAIL means the measurement
disagrees; a control must be comparable; the ledger counts the outcomes apart. The power model is
checked on generated cases with known truth."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import norm

import sims
from sims.decide import (Z_POWER, decide, inapplicable, monte_carlo, not_applicable,
                         order_resolved, seeds_to_resolve, seeds_to_separate, separation,
                         underpowered)
from sims.ledger_table import markdown, summary, write_claims, write_ledger
from sims.results import Result
from sims.verdicts import (FAIL, NOT_APPLICABLE, PASS, UNDERPOWERED, Claim, close, controlled,
                           labelled, outcome_of, with_control, within_se)


def _row(passed=True, **kw):
    return Claim("c", "ref", "stmt", 1.0, 1.0, "rel 0.1", "why", passed, **kw)


# ---- the Claim row ---------------------------------------------------------------------------------
def test_outcome_follows_passed_unless_undecided():
    assert _row(True).outcome == PASS and _row(False).outcome == FAIL
    na = _row(True, outcome=NOT_APPLICABLE, reason="no p/n within 0.1 of 1")
    assert na.passed is False and not na.decided and na.outcome == NOT_APPLICABLE
    up = _row(True, outcome=UNDERPOWERED, needs={"seeds": 900})
    assert up.passed is False and up.to_dict()["needs"] == {"seeds": 900}
    from dataclasses import replace
    assert replace(_row(True), passed=False).outcome == FAIL        # old code's replace(passed=)
    with pytest.raises(ValueError, match="outcome must be one of"):
        _row(True, outcome="MAYBE")
    assert outcome_of({"passed": True}) == PASS and outcome_of({"passed": False}) == FAIL


def test_labelled_values_say_what_each_number_is(tmp_path):
    stages = labelled(("t_mem", "t_gen", "t_circ", "t_end"), [20, 60, 270, 250])
    row = close("three stages", "ref", "stage times", stages, stages, rtol=0.1, why="exact")
    assert row.passed and row.measured == stages
    assert row.to_dict()["measured"] == {"t_mem": 20, "t_gen": 60, "t_circ": 270, "t_end": 250}
    text = markdown([{**row.to_dict(), "simulator": "grokking"}])
    assert "t_mem = 20, t_gen = 60, t_circ = 270, t_end = 250" in text
    with pytest.raises(ValueError):
        labelled(("a", "b"), [1, 2, 3])


# ---- comparable controls ---------------------------------------------------------------------------
def _result(**config):
    return Result({"x": np.ones(3)}, {"config": config})


def _check(res):
    return close("x is one", "ref", "x", 1.0, res["x"], atol=0.1, why="exact")


def test_a_control_that_differs_in_a_shared_setting_fails_the_claim():
    """A claim passing on its result and rejected by its control is still a FAIL when the control
    differs in a declared setting; with every shared setting equal it is PASS."""
    res = _result(M=31, K=512, steps=100)
    ctrl = Result({"x": np.full(3, 5.0)}, {"config": {"M": 23, "K": 512, "steps": 100}})
    bad = with_control(_check, res, ctrl, "no weight decay", share=("M", "K", "steps"))
    assert bad.outcome == FAIL and bad.reason == "control not comparable: M 31 vs 23"
    assert bad.check_passed and bad.control_passed is False
    ctrl.meta["config"]["M"] = 31
    good = with_control(_check, res, ctrl, "no weight decay", share=("M", "K", "steps"))
    assert good.outcome == PASS and not good.reason
    absent = with_control(_check, res, _result(K=512), "c", share=("M",))
    assert absent.outcome == FAIL and "M 31 vs (absent)" in absent.reason
    arrays = with_control(_check, res, ctrl, "c", share=("K",), configs=({"K": 1}, {"K": 2}))
    assert arrays.reason == "control not comparable: K 1 vs 2"
    with pytest.raises(TypeError, match="configs="):
        with_control(lambda a: _check({"x": a}), np.ones(3), np.ones(3), "c", share=("K",))
    with pytest.raises(TypeError, match="configs="):
        controlled(_row(), _row(False), "c", share=("K",))


# ---- the power model, on generated cases with known truth ---------------------------------------------
def test_seeds_to_separate_gives_the_power_it_promises():
    """For 2000 random (gap, s.e., seeds, z, bias): at the seed count the model returns, a mean
    drawn around the prediction (shifted by up to the bias) is outside the rival's band with
    probability >= 95% (analytic), and one seed fewer falls short of the model's criterion."""
    rng = np.random.default_rng(0)
    for _ in range(2000):
        gap, se, seeds = rng.uniform(0.01, 2), rng.uniform(0.01, 3), int(rng.integers(2, 5000))
        z, bias = rng.uniform(2, 4), rng.uniform(0, 0.2) * gap
        need = seeds_to_separate(1.0, 1.0 + gap, se, seeds, z=z, bias=bias)
        if gap <= 2 * bias:
            assert math.isinf(need)
            continue
        se_at = se * math.sqrt(seeds / need)
        # worst case: the mean sits `bias` towards the rival; the rival's band is z se + bias
        p_reject = norm.cdf((gap - bias - (z * se_at + bias)) / se_at)
        assert p_reject >= 0.95 - 1e-9 or need == 2.0, (gap, se, seeds, need)
        if need > 2:
            se_less = se * math.sqrt(seeds / (need - 1))
            assert gap < (z + Z_POWER) * se_less + 2 * bias + 1e-12
        assert (separation(1.0, 1.0 + gap, se, seeds, z=z, bias=bias) is None) == (need <= seeds)


def test_the_power_model_matches_simulated_checks():
    """Monte-Carlo truth: means of `need` seeds drawn around the prediction, judged within z s.e.
    against the prediction and against the rival: the check passes ~99.95% (z = 3.5) and the rival
    is rejected in >= 95% of the draws; at a tenth of the seeds the rival passes often."""
    rng = np.random.default_rng(1)
    pred, rival, sd, z = np.array([1.0, 2.0]), np.array([1.2, 2.1]), np.array([1.0, 1.5]), 3.5
    pilot = 50
    need = int(seeds_to_separate(pred, rival, sd / np.sqrt(pilot), pilot, z=z))
    for seeds, want in ((need, 0.95), (max(2, need // 10), None)):
        draws = rng.standard_normal((4000, seeds, 2)) * sd + pred
        mean, se = draws.mean(1), draws.std(1, ddof=1) / np.sqrt(seeds)
        main_ok = np.all(np.abs(mean - pred) <= z * se, axis=1)
        rival_ok = np.all(np.abs(mean - rival) <= z * se, axis=1)
        if want:
            assert main_ok.mean() > 0.99 and (~rival_ok).mean() >= 0.93, (need, (~rival_ok).mean())
        else:
            assert rival_ok.mean() > 0.3


def test_order_claims_need_every_difference_resolved():
    assert order_resolved([1.0, 2.0], [0.1, 0.1], 100, z=3.5) is None
    blocker = order_resolved([1.0, 0.1], [0.1, 0.1], 100, z=3.5)
    assert blocker.outcome == UNDERPOWERED and blocker.needs == {"seeds": 1225}     # 100 (3.5 x 0.1 / 0.1)^2
    assert seeds_to_resolve([1.0, np.inf], [0.1, 0.1], 100, z=3.5) <= 100     # diverging: resolved
    assert math.isinf(seeds_to_resolve([0.0, 1.0], [0.1, 0.1], 100, z=3.5))


def test_decide_keeps_a_disagreeing_measurement_a_fail():
    """UNDERPOWERED only for a measurement that agrees with the prediction: a FAIL of the check
    on the result stays FAIL (with the power note), a NaN result stays FAIL."""
    blocker = underpowered("needs >= 900 seeds", seeds=900)
    agree = controlled(_row(True), _row(True), "rival")
    assert decide(agree, blocker).outcome == UNDERPOWERED
    assert decide(agree, blocker).needs == {"seeds": 900}
    disagree = controlled(_row(False), _row(True), "rival")
    out = decide(disagree, blocker)
    assert out.outcome == FAIL and "disagrees" in out.reason and "900" in out.reason
    nan = within_se("c", "r", "s", 1.0, np.nan, 0.1, z=3.5, why="w")
    assert monte_carlo(controlled(nan, nan, "rival"), [1.0], [1.1], [0.5], 10, z=3.5).outcome == FAIL
    na = decide(agree, not_applicable("no p/n within 0.1 of 1"))
    assert na.outcome == NOT_APPLICABLE and na.passed is False


def test_monte_carlo_row_is_underpowered_when_the_rival_also_passes():
    """Powered on paper (gap 6 s.e. > 3.5 + 1.645) but the rival passed in this draw (the bands,
    3.5 s.e. each, overlap): UNDERPOWERED with the seeds at which they no longer overlap; bands
    apart (gap 8 s.e.) and the rival passing: a defect, FAIL; a rejected rival: PASS."""
    row = controlled(_row(True), _row(True), "rival")
    out = monte_carlo(row, [1.0], [1.6], [0.1], 100, z=3.5)
    assert out.outcome == UNDERPOWERED and out.needs["seeds"] == 137      # 100 (0.7 / 0.6)^2
    assert monte_carlo(row, [1.0], [1.8], [0.1], 100, z=3.5).outcome == FAIL
    assert monte_carlo(controlled(_row(True), _row(False), "rival"), [1.0], [1.8], [0.1], 100,
                       z=3.5).outcome == PASS
    weak = monte_carlo(controlled(_row(True), _row(False), "rival"), [1.0], [1.1], [0.1], 100, z=3.5)
    assert weak.outcome == UNDERPOWERED and weak.needs["seeds"] > 100


# ---- the ledger -------------------------------------------------------------------------------------
def _rows():
    up = decide(controlled(_row(True), _row(True), "the asymptotic formula"),
                underpowered("needs >= 1676 seeds (has 50)", seeds=1676))
    na = inapplicable("risk peak at p/n = 1", "ref", "argmax", not_applicable(
        "no p/n within 0.1 of 1", ratios="a p/n within 0.1 of 1"))
    ok = controlled(_row(True), _row(False), "ridge")
    bad = controlled(_row(False), _row(False), "ridge")
    return [up, na, ok, bad]


def test_ledger_counts_outcomes_apart_and_says_what_would_decide(tmp_path):
    write_claims(tmp_path / "dd.json", "double_descent", _rows())
    counts = write_ledger([tmp_path / "dd.json"], tmp_path / "claims.md", tmp_path / "claims.json")
    assert (counts["simulation_passed"], counts["simulation_failed"], counts["underpowered"],
            counts["not_applicable"]) == (1, 1, 1, 1)
    assert counts["controls_passing"] == 0          # the underpowered row's rival is no defect
    text = (tmp_path / "claims.md").read_text()
    assert "**1 / 4 simulation claims pass**; 1 fail; 1 underpowered" in text
    assert "| **UNDERPOWERED**: needs >= 1676 seeds (has 50) |" in text
    assert "| **NOT APPLICABLE**: no p/n within 0.1 of 1 |" in text
    saved = json.loads((tmp_path / "claims.json").read_text())
    assert [r["outcome"] for r in saved["claims"]] == [UNDERPOWERED, NOT_APPLICABLE, PASS, FAIL]
    strict = subprocess.run([sys.executable, "-m", "sims", "ledger", str(tmp_path / "dd.json"),
                             "--results-dir", str(tmp_path / "out"), "--strict"],
                            capture_output=True, text=True)
    assert strict.returncode == 1 and "1 underpowered" in strict.stdout


def test_a_ledger_of_passes_reads_as_before():
    rows = [controlled(_row(True), _row(False), "ridge").to_dict()]
    from sims.ledger_table import headline
    assert headline(summary(rows)).startswith(
        "**1 / 1 simulation claims pass**, each rejected by its negative control;")


# ---- the notebook API -------------------------------------------------------------------------------
def test_an_empty_or_undecided_ledger_is_not_passed():
    assert sims.ledger([]).passed is False and len(sims.ledger([])) == 0
    led = sims.api.Ledger(_rows())
    assert not led.passed and led.outcomes() == {PASS: 1, FAIL: 1, UNDERPOWERED: 1,
                                                 NOT_APPLICABLE: 1}
    assert [r["outcome"] for r in led.undecided()] == [UNDERPOWERED, NOT_APPLICABLE]
    assert repr(led).startswith("<Ledger of 4 claims: 1 / 4 simulation claims pass")
    html = led._repr_html_()
    assert html.count("<tr>") == 5 and "UNDERPOWERED: needs &gt;= 1676 seeds" in html
    assert sims.api.Ledger(_rows()[2:3]).passed is True


def test_sims_claims_is_a_function_and_the_rows_live_in_verdicts():
    from sims import verdicts
    assert callable(sims.claims) and sims.claims is sims.api.claims
    assert verdicts.Claim is Claim


def test_result_repr_save_and_html(tmp_path):
    from sims.results import make_result
    from sims.double_descent import LinearConfig
    res = make_result(LinearConfig(), {"risk": np.zeros((4, 3)), "ratios": np.arange(3.0)},
                      {"risk": ["seed", "ratio"], "ratios": ["ratio"]}, coords={"ratio": "ratios"},
                      experiment="mine", simulator="double_descent")
    assert repr(res) == ("<Result double_descent/mine: risk[seed=4, ratio=3] float64, "
                         "ratios[ratio=3] float64>")
    assert "<td>risk</td><td>seed=4, ratio=3</td>" in res._repr_html_()
    npz, side = res.save(tmp_path / "a")
    assert npz.name == "a.npz" and side.name == "a.json"
    nc, _ = sims.save(res, tmp_path / "b.nc", format="netcdf")
    assert nc.suffix == ".nc" and sims.load(nc)["risk"].shape == (4, 3)
    assert sims.load(npz)["ratios"].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(sims.errors.SimsError, match="needs a sims Result"):
        sims.save({"risk": 1}, tmp_path / "c")
