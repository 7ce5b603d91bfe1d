"""Width-sweep exponent claims (sims.sharpness.claims, ``width_sweep``) on generated sweeps with known
truth: the seed RMS slope, its jackknife s.e., the finite-width allowance and the verdicts.

The generated NTK sharpness change follows the kernel-regime picture the claim relies on:
eta (lambda_T - lambda_0) = (C + D xi) / n with xi ~ N(0, 1) per (width, seed), i.e. an O(1/n) mean
and an O(1/n) random-sign part; C / D sets how often a change comes out negative (the shifted
seeds 2002, 3002 of the quick profile measure C / D ~ 0.5). muP: an O(1) change with an O(n^-1/2)
relative seed scatter. Feature movement: NTK ~ n^-1/2, muP ~ n^0, each with a few % scatter.
"""
from __future__ import annotations

import numpy as np
import pytest

from sims.results import Result
from sims.sharpness.claims import (init_output_allowance, init_output_ratio, rms_slope,
                                   width_allowance, width_sweep_claims)

WIDTHS = (256, 1024, 4096)       # the quick profile's
SEEDS = 8


def sweep(rng, *, ntk_exp=-1.0, mup_exp=0.0, c_over_d=0.5, seeds=SEEDS, widths=WIDTHS,
          ntk_move_exp=-0.5) -> Result:
    """A width_sweep Result: sharpness [param, width, seed, step] (steps 0 and T), eta [param,
    width] = 1, feature_move [param, width, seed, step]; params (ntk, mup)."""
    n = np.asarray(widths, float)[:, None]
    shape = (len(widths), seeds)
    rel = n / widths[0]
    ntk = 0.003 * (c_over_d + rng.standard_normal(shape)) * rel ** ntk_exp
    mup = 0.07 * (1 + 0.25 * np.sqrt(widths[0] / n) * rng.standard_normal(shape)) * rel ** mup_exp
    lam0 = 0.3 + 0.01 * rng.standard_normal((2,) + shape)
    sharp = np.stack([lam0, lam0 + np.stack([ntk, mup])], axis=-1)
    move_ntk = 0.05 * (1 + 0.1 * rng.standard_normal(shape)) * rel ** ntk_move_exp
    move_mup = 0.3 * (1 + 0.05 * rng.standard_normal(shape))
    move = np.stack([np.stack([np.zeros(shape), m], axis=-1) for m in (move_ntk, move_mup)])
    # step-0 losses (f_0 - y)^2 / 2: sigma^2 = var f_0 (NTK) = 0.3, Y = mean y^2 = 0.8, muP's f_0
    # variance sigma^2 n0/n (n0 = 16): eps_n = sqrt(0.3 x 16 / (0.8 n)), 0.15 at n = 256
    g = np.stack([np.ones_like(n), 16 / n]) * np.ones((2,) + shape)
    loss0 = 0.5 * (0.8 + 0.3 * g * (1 + 0.3 * rng.standard_normal((2,) + shape)))
    loss = np.stack([loss0, 1e-6 * loss0], axis=-1)
    arrays = {"sharpness": sharp, "feature_move": move, "eta": np.ones((2, len(widths))),
              "loss": loss, "widths": np.array(widths), "params": np.array(["ntk", "mup"])}
    return Result(arrays, {"kind": "width_sweep", "config": {"base_width": 16}})


def rows(res) -> dict:
    return {r.name: r for r in width_sweep_claims(res, None)}


NTK, MUP = "ntk sharpness change ~ width^-1", "mup sharpness change ~ width^0"
NTK_MOVE, MUP_MOVE = "ntk feature movement ~ width^-0.5", "mup feature movement ~ width^0"


def test_rms_slope_recovers_a_power_law_and_its_jackknife_se_matches_the_spread():
    """A pure power law gives its exponent with s.e. 0; with random-sign seed noise the slope's
    jackknife s.e. is within 35% of the slope's actual spread over 300 sweeps."""
    w = np.array(WIDTHS, float)
    s, se = rms_slope(w, np.outer(w ** -1.0, np.ones(SEEDS)) * 3.0)
    assert s == pytest.approx(-1.0, abs=1e-12) and se == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    fits = np.array([rms_slope(w, rng.standard_normal((3, SEEDS)) / w[:, None]) for _ in range(300)])
    assert abs(fits[:, 0].mean() + 1) < 0.05
    assert fits[:, 1].mean() == pytest.approx(fits[:, 0].std(), rel=0.35)


def test_rms_slope_is_nan_on_broken_values():
    w = np.array(WIDTHS, float)
    v = np.ones((3, SEEDS))
    v[1, 2] = np.nan
    assert np.isnan(rms_slope(w, v)[0]) and np.isnan(rms_slope(w, np.zeros((3, SEEDS)))[0])


def test_allowance_vanishes_without_scatter_and_grows_with_a_width_dependent_one():
    """b = 0 for seed-free values; an n^-1/2 relative scatter (muP) gives b > 0 that shrinks when
    the scatter does."""
    w = np.array(WIDTHS, float)
    assert width_allowance(w, np.ones((3, SEEDS))) == 0.0
    rng = np.random.default_rng(1)
    xi = rng.standard_normal((3, 400))
    big = width_allowance(w, 1 + 0.5 * np.sqrt(256 / w)[:, None] * xi)
    small = width_allowance(w, 1 + 0.1 * np.sqrt(256 / w)[:, None] * xi)
    assert big > 4 * small > 0


@pytest.mark.parametrize("c_over_d, min_pass", [(0.0, 18), (0.5, 12), (3.0, 28)])
def test_true_exponents_pass_and_rarely_fail(c_over_d, min_pass):
    """NTK -1 with an O(1/n) random-sign part (C/D = 0: the mean is 0; 0.5: the shifted seeds'; 3:
    the shipped seed's) and muP 0 with n^-1/2 scatter: over 30 sweeps at most 4 of the 120 rows
    FAIL (each row's level is 1%/4 two-sided, Bonferroni over the 4 rows; the jackknife t band's
    miss rate at 1% measured 1.0-1.4%) and every row PASSes in >= 26 sweeps, each with its
    control rejected (UNDERPOWERED for the rest: honest, not a FAIL), except the NTK sharpness row
    at C/D <= 0.5, whose power at 8 seeds is borderline ((z + 1.645) s.e. + 2 b ~ 0.8-1.2 against
    a gap of 1, z = 4.59): PASS in >= 18 (C/D = 0), >= 12 (0.5), UNDERPOWERED otherwise. The
    quick profile's 8 data sets measure less scatter than this model (s.e. 0.03-0.12) and PASS."""
    rng = np.random.default_rng(int(10 * c_over_d) + 7)
    out = [rows(sweep(rng, c_over_d=c_over_d)) for _ in range(30)]
    assert sum(r.outcome == "FAIL" for o in out for r in o.values()) <= 4
    for name in (NTK, MUP, NTK_MOVE, MUP_MOVE):
        passed = [o[name] for o in out if o[name].outcome == "PASS"]
        assert len(passed) >= (min_pass if name == NTK else 26), (name, len(passed))
        assert all(r.control_passed is False for r in passed)


def test_the_old_positivity_failure_is_gone():
    """Sweeps whose NTK changes include negative ones (C/D = 1, about a sixth negative; >= 8 of 10
    sweeps have one) are judged, not failed for their signs: none FAILs and >= 6 PASS."""
    rng = np.random.default_rng(3)
    sweeps = [sweep(rng, c_over_d=1.0) for _ in range(10)]
    assert sum(np.any(r["sharpness"][0, ..., 1] < r["sharpness"][0, ..., 0]) for r in sweeps) >= 8
    out = [rows(r)[NTK].outcome for r in sweeps]
    assert "FAIL" not in out and out.count("PASS") >= 6


@pytest.mark.parametrize("c_over_d", [0.0, 0.5])
def test_a_flat_ntk_change_never_passes_as_width_minus_one(c_over_d):
    """NTK data with exponent 0 (muP's) never PASS the NTK row, even at the noisiest C/D."""
    rng = np.random.default_rng(11)
    out = [rows(sweep(rng, ntk_exp=0.0, c_over_d=c_over_d))[NTK] for _ in range(20)]
    assert not [r for r in out if r.outcome == "PASS"]
    assert sum(r.outcome == "FAIL" for r in out) >= 18


def test_half_the_ntk_exponent_fails_when_the_mean_change_dominates():
    """NTK exponent -1/2 (the feature exponent, not its square) with the shipped seed's C/D = 3:
    FAIL in >= 18 of 20 (at C/D ~ 0 the RMS of a zero-mean change cannot reliably tell -1/2 from -1 at 24
    seeds: the tolerance there is ~0.5, docs/simulators/sharpness.md)."""
    rng = np.random.default_rng(12)
    out = [rows(sweep(rng, ntk_exp=-0.5, c_over_d=3.0))[NTK] for _ in range(20)]
    assert sum(r.outcome == "FAIL" for r in out) >= 18


@pytest.mark.parametrize("exp", [-0.5, -1.0])
def test_a_width_dependent_mup_change_fails(exp):
    """muP data with exponent -1/2 or -1 FAIL the muP row every time."""
    rng = np.random.default_rng(13)
    out = [rows(sweep(rng, mup_exp=exp))[MUP] for _ in range(20)]
    assert all(r.outcome == "FAIL" for r in out)


def test_a_wrong_ntk_feature_exponent_fails():
    """NTK feature movement ~ n^-1 (the sharpness exponent) FAILs its -1/2 row every time."""
    rng = np.random.default_rng(14)
    out = [rows(sweep(rng, ntk_move_exp=-1.0))[NTK_MOVE] for _ in range(20)]
    assert all(r.outcome == "FAIL" for r in out)


def test_too_few_seeds_is_underpowered_not_fail():
    """At 3 seeds (the old quick profile) the zero-mean NTK change cannot be told from muP's 0:
    the row is UNDERPOWERED with the seeds it needs, never PASS by luck nor FAIL."""
    rng = np.random.default_rng(15)
    out = [rows(sweep(rng, c_over_d=0.0, seeds=3))[NTK] for _ in range(20)]
    assert all(r.outcome != "FAIL" for r in out)
    under = [r for r in out if r.outcome == "UNDERPOWERED"]
    assert len(under) >= 15 and all(r.needs.get("seeds", 0) > 3 for r in under)


def test_init_output_ratio_recovers_the_generated_one():
    """eps_n from the step-0 losses of both runs: the generated sqrt(0.3 x 16 / (0.8 n)) within 10%;
    its allowance is the OLS slope of -log(1 - eps_n), inf once eps_n >= 1."""
    res = sweep(np.random.default_rng(21))
    w = np.array(WIDTHS, float)
    eps = init_output_ratio(res, ["ntk", "mup"])
    np.testing.assert_allclose(eps, np.sqrt(0.3 * 16 / (0.8 * w)), rtol=0.1)
    c = (np.log(w) - np.log(w).mean()) / np.sum((np.log(w) - np.log(w).mean()) ** 2)
    assert init_output_allowance(w, eps) == pytest.approx(abs(np.sum(c * -np.log1p(-eps))))
    assert init_output_allowance(w, [1.0, 0.5, 0.2]) == np.inf


def test_a_mup_sweep_without_the_init_output_correction_budget_fails():
    """A muP change with a -0.5 exponent never PASSes and FAILs in >= 8 of 10 (-0.3 is not always
    rejected at 8 seeds: the noisiest muP tolerances reach ~0.3, e.g. 0.38 on seed 5002)."""
    rng = np.random.default_rng(22)
    out = [rows(sweep(rng, mup_exp=-0.5))[MUP] for _ in range(10)]
    assert not [r for r in out if r.outcome == "PASS"]
    assert sum(r.outcome == "FAIL" for r in out) >= 8
