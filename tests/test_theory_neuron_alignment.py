"""Tests for theory.neuron_alignment: every symbolic check passes and can fail."""
from __future__ import annotations

import numpy as np
import sympy as sp

from theory import neuron_alignment as theory


def test_verify_all_pass():
    checks = theory.verify()
    assert checks and all(checks.values()), [k for k, ok in checks.items() if not ok]


def test_balancedness_check_detects_a_wrong_field():
    # the same identity with a leaky slope on inactive units is NOT conserved unless mirrored in dv
    w, v, x, g = sp.symbols("w v x g")
    rate = 2 * v * g * w * x - 2 * w * v * g * (x + sp.Rational(1, 10) * x)
    assert sp.expand(rate) != 0


def test_bound_and_slopes():
    assert np.isclose(theory.align_time_bound(np.e, 0.25), 32.0)        # 16 log n / sqrt(mu)
    assert np.isclose(theory.align_time_bound(np.e, 0.25, x_min=0.5, zeta_xi=0.5), 128.0)
    assert np.isclose(theory.escape_slope(4.0, 0.5), 0.5)
    assert np.isclose(theory.late_slope(10.0), -1.1)
    assert np.isclose(theory.data_center_norm(4, 0.5), np.sqrt(2 + 2 * 0.5))


def test_alignment_time_formula_matches_an_independent_integration():
    # theory (v): d w/dt = g - <w, g> w on the unit sphere with constant g, integrated by scipy
    # (RK45, rtol 1e-10) until cos(w, g) = c*; the closed form (atanh c* - atanh C0)/|g| must agree.
    from scipy.integrate import solve_ivp
    rng = np.random.default_rng(0)
    g = rng.standard_normal(5)
    for C0 in (-0.6, 0.0, 0.4):
        e = rng.standard_normal(5)
        e -= (e @ g) / (g @ g) * g
        w0 = C0 * g / np.linalg.norm(g) + np.sqrt(1 - C0**2) * e / np.linalg.norm(e)
        hit = lambda t, w: w @ g / (np.linalg.norm(w) * np.linalg.norm(g)) - 0.99  # noqa: E731
        hit.terminal = True
        sol = solve_ivp(lambda t, w: g - (w @ g) * w, (0, 100), w0, events=hit, rtol=1e-10,
                        atol=1e-12)
        t_hit = sol.t_events[0][0]
        pred = theory.large_n_align_time([C0], [np.linalg.norm(g)], 0.99)
        assert np.isclose(t_hit, pred, rtol=1e-6), (C0, t_hit, pred)


def test_finite_class_ratio_is_the_off_axis_share_of_the_data_centre():
    from sims.neuron_alignment import make_data
    for n, mu in [(10, 0.2), (40, 0.05), (7, 0.5)]:
        X, y = make_data(n, n + 2, mu, np.random.default_rng(1))
        k = min((y > 0).sum(), (y < 0).sum())
        small = X[y > 0] if (y > 0).sum() == k else X[y < 0]
        rho = theory.finite_class_ratio(n, mu)
        assert np.isclose(np.linalg.norm(small.sum(0)) ** 2, k**2 * mu * (1 + rho))


def test_late_rate_q_matches_its_series_and_the_rivals_order():
    """(iv): q(s) = s (s e^-s Ei(s) - 1) tends to 1 like 1 + 2/s + 6/s^2; the rivals sit at 0
    (1-homogeneous) and 4/3 + ... (3-homogeneous), on either side."""
    s = np.array([15.0, 20.0, 40.0])
    q = theory.late_rate_q(s)
    assert np.allclose(q, theory.rival_rate_q(s, 2), atol=60 / s**3)   # next terms 24/s^3 + ...
    assert np.all(theory.rival_rate_q(s, 1) == 0) and np.all(theory.rival_rate_q(s, 3) > q + 0.3)
    assert np.all(np.diff(q) < 0) and np.all(q > 1)
