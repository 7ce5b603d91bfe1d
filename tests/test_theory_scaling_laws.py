"""theory.scaling_laws: symbolic derivations and the Chinchilla fitter on synthetic data."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from theory import scaling_laws as t


@pytest.fixture(scope="module")
def checks():
    return t.verify()


def test_every_symbolic_check_passes(checks):
    assert len(checks) >= 14 and all(checks.values()), [k for k, v in checks.items() if not v]


def test_phase_ia_numbers_from_the_issue():
    """Phase Ia at alpha = 0.75, beta = 0.25: x = y = 0.4 (issue's example)."""
    x, y = t.balance(*t.PHASE_TERMS["Ia"])
    sub = {t.al: sp.Rational(3, 4), t.be: sp.Rational(1, 4)}
    assert x.subs(sub) == sp.Rational(2, 5) and y.subs(sub) == sp.Rational(2, 5)


def test_balance_detects_a_wrong_table_row():
    """The derivation can fail: swapping in Ia's terms for phase II gives a different x."""
    x, _ = t.balance(*t.PHASE_TERMS["Ia"])
    assert sp.simplify(x - t.PHASE_TABLE["II"][0]) != 0


def test_gaussian_moment_identity_numerically():
    """Monte-Carlo check of E[(a.x)^2 x x^T] = (a^T D a) D + 2 D a a^T D for a diagonal D."""
    rng = np.random.default_rng(0)
    Dg = np.array([1.0, 0.5, 0.2])
    a = np.array([0.3, -1.0, 2.0])
    x = rng.standard_normal((400_000, 3)) * np.sqrt(Dg)
    lhs = np.einsum("n,ni,nj->ij", (x @ a) ** 2, x, x) / len(x)
    rhs = (a @ (Dg * a)) * np.diag(Dg) + 2 * np.outer(Dg * a, Dg * a)
    np.testing.assert_allclose(lhs, rhs, atol=0.03 * np.abs(rhs).max())


def test_random_unit_vector_overlap_is_one_over_m():
    rng = np.random.default_rng(1)
    for m in (4, 16, 64):
        u = rng.standard_normal((20000, m))
        v = rng.standard_normal((20000, m))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        assert abs(np.mean(np.sum(u * v, 1) ** 2) * m - 1) < 0.05


def test_huber_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    N, D, L = t.chinchilla_data(rng, n_grid=5)
    p = np.array([0.4, 6.2, 5.8, 0.3, 0.25])
    args = (np.log(N), np.log(D), np.log(L))
    _, g = t.chinchilla_loss(p, *args)
    h = 1e-6
    fd = [(t.chinchilla_loss(p + h * e, *args)[0] - t.chinchilla_loss(p - h * e, *args)[0]) / (2 * h)
          for e in np.eye(5)]
    np.testing.assert_allclose(g, fd, rtol=1e-4, atol=1e-9)


def test_fitter_recovers_known_exponents_without_noise():
    """Synthetic data with different known constants (not Chinchilla's), no noise: exact recovery."""
    rng = np.random.default_rng(3)
    Ns, Ds = np.geomspace(1e7, 1e10, 8), np.geomspace(1e9, 1e12, 8)
    N, D = (g.ravel() for g in np.meshgrid(Ns, Ds))
    L = 2.0 + 300.0 / N**0.4 + 800.0 / D**0.3
    fit = t.fit_chinchilla(N, D, L)
    assert abs(fit["a"] - 0.4) < 0.01 and abs(fit["b"] - 0.3) < 0.01 and abs(fit["E"] - 2.0) < 0.02
    del rng


def test_fitter_recovers_chinchilla_allocation_exponent():
    """Claim 5: b/(a+b) within 0.02 from Chinchilla's constants plus 0.5% log-noise."""
    N, D, L = t.chinchilla_data(np.random.default_rng(0))
    fit = t.fit_chinchilla(N, D, L)
    true = t.CHINCHILLA["b"] / (t.CHINCHILLA["a"] + t.CHINCHILLA["b"])
    assert abs(fit["b"] / (fit["a"] + fit["b"]) - true) < 0.02


def test_averaged_huber_objective_stops_early():
    """Regression (Besiroglu et al. 2024): averaging the Huber loss over points shrinks its gradient
    below L-BFGS's default tolerance, so the fit stops early and misses b/(a+b); summing does not."""
    N, D, L = t.chinchilla_data(np.random.default_rng(0))
    true = t.CHINCHILLA["b"] / (t.CHINCHILLA["a"] + t.CHINCHILLA["b"])
    mean = t.fit_chinchilla(N, D, L, reduce="mean")
    total = t.fit_chinchilla(N, D, L, reduce="sum")
    assert abs(mean["b"] / (mean["a"] + mean["b"]) - true) > 0.03
    assert abs(total["b"] / (total["a"] + total["b"]) - true) < 0.02


@pytest.mark.parametrize("name, inside, outside", [
    ("Ia", (0.75, 0.25), (0.75, 1.0)),     # outside: beta > alpha, K_pp would dominate
    ("II", (1.0, 0.75), (1.0, 1.5)),
    ("III", (0.75, 1.5), (1.5, 0.75)),
    ("Ib", (0.4, 0.3), (0.4, 0.8)),        # outside: 2 beta > 1, the noise K_pp would dominate
    ("Ic", (0.2, 1.0), (0.3, 1.0)),        # outside: 4 alpha > 1, K_pp has its power law
    ("IVa", (0.27, 1.0), (0.2, 1.0)),      # outside: 4 alpha < 1, F_0 would dominate the noise
    ("IVb", (0.4, 1.0), (0.4, 0.3)),
])
def test_dropped_terms_are_smaller_inside_each_phase_only(name, inside, outside):
    """The margins of the derived rows are > 0 at a point of the phase; at least one is < 0 across a
    boundary, i.e. the row would not be self-consistent there."""
    def margins(point):
        sub = {t.al: point[0], t.be: point[1]}
        x, y = t.PHASE_TABLE[name]
        return [float(t.margin(term, x, y).subs(sub)) for term, _ in t.DROPPED[name].values()]
    assert t.phase(*inside) == name
    assert all(v > 0 for v in margins(inside))
    assert min(margins(outside)) < 0


@pytest.mark.parametrize("inside, across", [((0.75, 0.25), (0.75, 0.6)),    # 2 beta = 1: Ia | II
                                            ((1.0, 0.75), (1.0, 1.25)),     # beta = alpha: II | III
                                            ((0.75, 1.5), (0.4, 1.5)),      # 2 alpha = 1: III | IVb
                                            ((0.4, 0.3), (0.75, 0.3)),      # 2 alpha = 1: Ib | Ia
                                            ((0.4, 1.0), (0.27, 1.0)),      # 1 - 1/sqrt 2: IVb | IVa
                                            ((0.27, 1.0), (0.2, 1.0)),      # 4 alpha = 1: IVa | Ic
                                            ((0.2, 1.0), (0.2, 0.4))])      # 2 beta = 1: Ic | Ib
def test_phase_changes_across_each_boundary_line(inside, across):
    """Each factor from boundary_factors() changes sign between the two points, and phase() with it."""
    sign = lambda pt, fac: float(fac.subs({t.al: pt[0], t.be: pt[1]})) > 0   # noqa: E731
    flipped = [fac for fac in t.boundary_factors() if sign(inside, fac) != sign(across, fac)]
    assert len(flipped) == 1
    assert t.phase(*inside) != t.phase(*across)


@pytest.mark.parametrize("name, inside, outside", [("IVa", (0.27, 1.0), (0.4, 1.0)),
                                                    ("IVb", (0.4, 1.0), (0.27, 1.0))])
def test_iv_balance_is_a_minimum_only_on_its_side(name, inside, outside):
    """IVa balances F_pp (growing with d at fixed f) against K_pp, which must fall with d; IVb balances
    K_pp, which must grow, against F_0. The sign of K_pp's d-slope decides, and flips at 1 - 1/sqrt 2."""
    term_name, term, sign, _ = t.MONOTONE[name]
    slope_at = lambda pt: float(t.d_slope(term).subs({t.al: pt[0], t.be: pt[1]}))   # noqa: E731
    assert t.phase(*inside) == name and slope_at(inside) * sign > 0 and slope_at(outside) * sign < 0
    fpp, f0 = t.FPP_S, t.F0_LARGE_BETA
    sub = {t.al: inside[0], t.be: inside[1]}
    assert float(t.d_slope(fpp).subs(sub)) > 0 and float(t.d_slope(f0).subs(sub)) < 0


def test_small_alpha_rows_at_sample_points():
    """Closed forms at rational points, from the balance itself (not the table): Ic at (1/5, 1) is
    x = 7/12, y = 7/30; IVb at (2/5, 4/5) is x = 1/2, y = 2/5; Ib at (2/5, 3/10) is x = 1/2, y = 1/5."""
    for name, pt, want in (("Ic", (sp.Rational(1, 5), 1), (sp.Rational(7, 12), sp.Rational(7, 30))),
                           ("IVb", (sp.Rational(2, 5), sp.Rational(4, 5)), (sp.Rational(1, 2), sp.Rational(2, 5))),
                           ("Ib", (sp.Rational(2, 5), sp.Rational(3, 10)), (sp.Rational(1, 2), sp.Rational(1, 5)))):
        x, y = t.balance(*t.PHASE_TERMS[name])
        sub = {t.al: pt[0], t.be: pt[1]}
        assert (sp.nsimplify(x.subs(sub)), sp.nsimplify(y.subs(sub))) == want


def test_d_star_jumps_across_iva_ivb_but_the_loss_exponent_does_not():
    a = t.ALPHA_IV
    xa, ya = (v.subs({t.al: a, t.be: 1}) for v in t.PHASE_TABLE["IVa"])
    xb, yb = (v.subs({t.al: a, t.be: 1}) for v in t.PHASE_TABLE["IVb"])
    assert sp.simplify(ya - yb) == 0 and float(xa - xb) > 0.05
