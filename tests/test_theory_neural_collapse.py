"""theory.neural_collapse: symbolic checks, the root equation, and the closed forms the issue quotes."""
from __future__ import annotations

import math

import numpy as np
import pytest

from theory import neural_collapse as theory


@pytest.fixture(scope="module")
def checks():
    return theory.verify()


def test_every_symbolic_check_passes(checks):
    assert len(checks) >= 20
    assert [k for k, ok in checks.items() if not ok] == []


@pytest.mark.parametrize("M", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("rhs", [1e-4, 0.01, 0.1, 0.2])
def test_largest_root_solves_the_equation_on_the_decreasing_branch(M, rhs):
    x = theory.largest_root(M, rhs)
    g = M * x ** (M - 1) / (x**M + 1) ** 2
    assert g == pytest.approx(rhs, rel=1e-13)
    assert x > ((M - 1) / (M + 1)) ** (1 / M)        # past the peak of g: the local minimum


@pytest.mark.parametrize("M", [2, 3, 5])
def test_no_root_is_a_clear_answer_not_a_crash(M):
    """Above max g there is no root: nan, and the class is reported collapsed with zero geometry."""
    xs = ((M - 1) / (M + 1)) ** (1 / M)
    gmax = M * xs ** (M - 1) / (xs**M + 1) ** 2
    assert math.isnan(theory.largest_root(M, gmax * 1.01))
    assert not math.isnan(theory.largest_root(M, gmax * 0.99))
    counts, lam = [60, 60, 2, 2], 0.007
    b = theory.b_const(M, sum(counts), lam, lam)
    assert b / 2 > gmax and b / 60 < gmax                     # the setting of collapse_deep
    geo = theory.class_geometry(counts, M, lam, lam)
    assert list(geo["collapsed"]) == [False, False, True, True]
    assert np.all(np.isnan(geo["root"][2:])) and np.all(geo["s2M"][2:] == 0)
    assert np.all(geo["mean_norm"][2:] == 0) and np.all(geo["wh"][2:] == 0)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf])
def test_root_rejects_a_bad_right_hand_side(bad):
    with pytest.raises(ValueError, match="positive"):
        theory.largest_root(2, bad)


def test_depth_one_matches_the_issue_formulas():
    """M = 1: (W hbar_k)_k = 1 - N sqrt(lW lH/n_k), |w_k|^2 = sqrt(n_k lH/lW) - N lH, and classes
    with n_k <= N^2 lW lH collapse (here N^2 lW lH = 110^2 * 0.03 * 0.02 = 7.26)."""
    counts, lw, lh = np.array([60, 30, 12, 8]), 0.03, 0.02
    N = counts.sum()
    geo = theory.class_geometry(counts, 1, lw, lh)
    live = counts > N**2 * lw * lh
    assert list(live) == [True, True, True, True]
    np.testing.assert_allclose(geo["wh"], 1 - N * np.sqrt(lw * lh / counts), rtol=1e-13)
    np.testing.assert_allclose(geo["s2M"], np.sqrt(counts * lh / lw) - N * lh, rtol=1e-12)
    geo = theory.class_geometry([60, 30, 7, 7], 1, lw, lh)        # N^2 lW lH = 6.7 < 7
    assert not geo["collapsed"].any()
    geo = theory.class_geometry([60, 30, 6, 6], 1, lw, lh)        # 6.3 > 6
    assert list(geo["collapsed"]) == [False, False, True, True]


def test_deep_solution_is_a_stationary_point_of_the_class_loss():
    """Plug the returned (s, c) into the scalar class loss; both partials vanish numerically."""
    counts, lw, lh = [40, 20, 10], 0.005, 0.007
    N = sum(counts)
    for M in (2, 3, 4):
        geo = theory.class_geometry(counts, M, lw, lh)
        for nk, s2M, c in zip(counts, geo["s2M"], geo["mean_norm"]):
            s = s2M ** (1 / (2 * M))
            ds = nk / N * (s**M * c - 1) * M * s ** (M - 1) * c + M * lw * s
            dc = nk / N * (s**M * c - 1) * s**M + nk * lh * c
            assert abs(ds) < 1e-13 and abs(dc) < 1e-13


def test_zero_solution_chosen_when_it_is_lower():
    """For M = 2 a root can exist while s = c = 0 has lower loss: the global minimiser is zero."""
    geo = theory.class_geometry([60, 30, 10, 10], 2, 0.035, 0.035)
    assert not math.isnan(geo["root"][1]) and geo["collapsed"][1]


def test_etf_gram():
    G = theory.etf_gram(4)
    np.testing.assert_allclose(np.diag(G), 1.0)
    np.testing.assert_allclose(G[0, 1], -1 / 3)
    np.testing.assert_allclose(G.sum(0), 0, atol=1e-15)


def test_ce_closed_form_minimises_the_reduced_loss():
    """Brute force over (s, c) of CE(s c) + lambda_W K s^2/2 + lambda_H N c^2/2 on the ETF lands on
    ce_geometry (our derivation); beta >= 1 collapses to zero."""
    from scipy.optimize import minimize
    counts, lw, lh = [20] * 4, 0.005, 0.005
    K, N = 4, 80
    f = lambda v: (math.log(1 + (K - 1) * math.exp(-K * v[0] * v[1] / (K - 1)))   # noqa: E731
                   + lw * K * v[0] ** 2 / 2 + lh * N * v[1] ** 2 / 2)
    best = minimize(f, [3.0, 1.0], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-15})
    geo = theory.ce_geometry(counts, lw, lh)
    assert best.x[0] ** 2 == pytest.approx(geo["s2"], rel=1e-6)
    assert best.x[1] == pytest.approx(geo["c"], rel=1e-6)
    assert theory.ce_geometry(counts, 0.1, 0.1)["collapsed"]        # beta = sqrt(0.01 * 320) > 1


def test_bias_closed_form_is_the_bias_free_one_projected():
    counts, lw, lh = [20] * 4, 0.005, 0.005
    free = theory.class_geometry(counts, 2, lw, lh)
    geo = theory.bias_geometry(counts, 2, lw, lh)
    assert geo["s2M"] == free["s2M"][0] and geo["wh"] == free["wh"][0] and geo["bias"] == 0.25
    assert geo["mean_norm"] == pytest.approx(free["mean_norm"][0] * math.sqrt(3 / 4), rel=1e-15)


def test_the_authors_choice_differs_only_where_zero_is_lower():
    counts, lam = [60, 30, 10, 10], 0.035
    ours = theory.class_geometry(counts, 2, lam, lam)
    theirs = theory.class_geometry(counts, 2, lam, lam, compare_zero=False)
    assert ours["collapsed"][1] and not theirs["collapsed"][1] and theirs["s2M"][1] > 0
    assert theirs["collapsed"][2] and ours["s2M"][0] == theirs["s2M"][0]   # no root: both zero
