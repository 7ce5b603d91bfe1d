"""theory.double_descent: the symbolic checks hold, and the numeric functions the claims use agree
with independent hand-written numpy versions and with random-matrix Monte Carlo."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

from theory import double_descent as theory

R, SIGMA = 1.0, 0.5                 # the profiles' signal and noise
POINTS = [(0.2, 1e-3), (0.5, 0.05), (0.9, 0.3), (1.0, 0.1), (1.5, 1.0), (4.0, 0.02)]  # (gamma, lam)


def test_every_symbolic_check_passes(theory_checks):
    """Every identity in theory.verify() holds (exact: sympy, or 50-digit evaluation)."""
    assert len(theory_checks) >= 15
    assert [name for name, ok in theory_checks.items() if ok is not True] == []


def _mp_stieltjes(g, lam):
    """m(-lam) for Marchenko-Pastur of ratio g: the one positive root of
    g z m^2 + (z - 1 + g) m + 1 = 0 at z = -lam (roots multiply to -1/(g lam) < 0)."""
    roots = np.roots([-g * lam, -lam - 1 + g, 1.0])
    (m,) = [x.real for x in roots if abs(x.imag) < 1e-12 and x.real > 0]
    return m


def _mp_stieltjes_prime(g, lam):
    """dm/dz at z = -lam, by differentiating the quadratic implicitly."""
    m, z = _mp_stieltjes(g, lam), -lam
    return -(g * m**2 + m) / (2 * g * z * m + z - 1 + g)


def _ridge_risk(g, lam, r, sigma):
    """Hastie et al. Thm 5: bias r^2 lam^2 m' + variance sigma^2 g (m - lam m')."""
    m, mp = _mp_stieltjes(g, lam), _mp_stieltjes_prime(g, lam)
    return r**2 * lam**2 * mp + sigma**2 * g * (m - lam * mp)


@pytest.mark.parametrize("g, lam", POINTS)
def test_ridge_risk_matches_hand_written(g, lam):
    """ridge_risk and the MP Stieltjes transform equal the root-of-the-quadratic versions.

    Tolerance rel 1e-9: np.roots (companion-matrix eigenvalues) is accurate to ~1e-13 relative
    here; the closed-form sqrt loses up to ~1/(g lam) eps ~ 1e-12 to cancellation at small lam.
    """
    m = sp.lambdify((theory.gamma, theory.lam), theory.MP_STIELTJES, "numpy")
    np.testing.assert_allclose(m(g, lam), _mp_stieltjes(g, lam), rtol=1e-9)
    np.testing.assert_allclose(theory.ridge_risk(g, lam, R, SIGMA), _ridge_risk(g, lam, R, SIGMA),
                               rtol=1e-9)


@pytest.mark.parametrize("g", [0.1, 0.5, 0.9, 1.1, 2.0, 6.0])
def test_min_norm_formulas_match_hand_written(g):
    """min_norm_risk (asymptotic) and min_norm_risk_finite equal the formulas of Hastie et al.
    Thm 1 / Sec. 2 typed out by hand (rel 1e-13: a handful of flops each)."""
    want = SIGMA**2 * g / (1 - g) if g < 1 else R**2 * (1 - 1 / g) + SIGMA**2 / (g - 1)
    np.testing.assert_allclose(theory.min_norm_risk(g, R, SIGMA), want, rtol=1e-13)
    n = 200
    p = round(g * n)
    want = SIGMA**2 * p / (n - p - 1) if p < n else R**2 * (1 - n / p) + SIGMA**2 * n / (p - n - 1)
    np.testing.assert_allclose(theory.min_norm_risk_finite(n, p, R, SIGMA), want, rtol=1e-13)


def test_min_norm_is_infinite_at_the_threshold():
    """The risk diverges at gamma = 1 (asymptotic) and for |p - n| <= 1 (finite n): +inf, no
    warnings and no nan."""
    assert np.isinf(theory.min_norm_risk(1.0, R, SIGMA))
    out = theory.min_norm_risk_finite(100, np.array([99, 100, 101]), R, SIGMA)
    assert np.all(np.isinf(out)) and np.all(out > 0)


@pytest.mark.parametrize("g", [0.25, 0.5, 2.0, 4.0])
def test_finite_n_tends_to_asymptotic(g):
    """min_norm_risk_finite -> min_norm_risk as n grows, with the exact O(1/n) gap.

    The gap, typed out: sigma^2 g/(1-g) / (n(1-g) - 1) below the threshold and
    sigma^2 (1/n) / ((g-1)(g-1-1/n)) above it (rel 1e-8: the library's gap is a difference of
    O(1) numbers, so its relative error is ~eps / gap <= 1e-9 at n = 1e6). The gap shrinks ~10x
    per decade of n (asserted: > 9x).
    """
    ns = np.array([1e2, 1e3, 1e4, 1e5, 1e6])
    gap = theory.min_norm_risk_finite(ns, g * ns, R, SIGMA) - theory.min_norm_risk(g, R, SIGMA)
    if g < 1:
        want = SIGMA**2 * g / (1 - g) / (ns * (1 - g) - 1)
    else:
        want = SIGMA**2 / ns / ((g - 1) * (g - 1 - 1 / ns))
    np.testing.assert_allclose(gap, want, rtol=1e-8)
    assert np.all(np.abs(gap[1:]) < np.abs(gap[:-1]) / 9) and abs(gap[-1]) < 1e-5


@pytest.mark.parametrize("g", [0.3, 1.0, 2.5])
def test_optimal_ridge(g):
    """optimal_ridge_risk = ridge_risk at optimal_ridge_lambda (rel 1e-12: two closed forms of
    one number), is <= the risk at 0.5x and 2x that lambda, and lambda* matches a numerical
    minimiser of ridge_risk (rel 1e-4: the minimiser's xtol, with a flat quadratic minimum)."""
    lam = theory.optimal_ridge_lambda(g, R, SIGMA)
    best = theory.optimal_ridge_risk(g, R, SIGMA)
    np.testing.assert_allclose(best, theory.ridge_risk(g, lam, R, SIGMA), rtol=1e-12)
    assert best <= theory.ridge_risk(g, 0.5 * lam, R, SIGMA)
    assert best <= theory.ridge_risk(g, 2.0 * lam, R, SIGMA)
    found = minimize_scalar(lambda x: theory.ridge_risk(g, np.exp(x), R, SIGMA),
                            bracket=(np.log(lam) - 2, np.log(lam) + 2), tol=1e-10)
    np.testing.assert_allclose(np.exp(found.x), lam, rtol=1e-4)


def test_overparam_minimiser_matches_a_grid_search():
    """overparam_minimiser(r, sigma) = r/(r - sigma) is the argmin of the gamma > 1 risk on a fine
    grid (tolerance: the grid step, 1e-4)."""
    for r, sigma in [(1.0, 0.5), (2.0, 0.3), (1.0, 0.9)]:
        grid = np.arange(1.0001, 30.0, 1e-4)
        found = grid[np.argmin(theory.min_norm_risk(grid, r, sigma))]
        assert abs(found - theory.overparam_minimiser(r, sigma)) <= 1e-4


@pytest.mark.parametrize("n, p", [(2000, 1000), (1000, 2000)])
def test_stieltjes_and_ridge_risk_vs_monte_carlo(n, p):
    """The MP Stieltjes transform equals tr((X^T X/n + lam I)^-1)/p for one Gaussian X, and
    ridge_risk equals its conditional risk r^2 lam^2 tr(A^-2)/p + sigma^2 tr(S A^-2)/n
    (A = S + lam I, S = X^T X/n, beta uniform on the sphere, expectation over beta and noise).

    Tolerance rel 1%: a linear spectral statistic of one p x p Wishart matrix has O(1/p) = 1e-3
    bias and fluctuation (measured ~1e-3 at lam = 0.05 for gamma = 0.5).
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    mu = np.linalg.eigvalsh(X.T @ X / n if p <= n else X @ X.T / n)
    mu = np.concatenate([mu, np.zeros(p - mu.size)])       # rank n < p: p - n zero eigenvalues
    g = p / n
    m = sp.lambdify((theory.gamma, theory.lam), theory.MP_STIELTJES, "numpy")
    for lam in (0.05, 0.2, 1.0):
        np.testing.assert_allclose(np.mean(1 / (mu + lam)), m(g, lam), rtol=0.01)
        risk = (R**2 * lam**2 * np.mean(1 / (mu + lam) ** 2)
                + SIGMA**2 * np.sum(mu / (mu + lam) ** 2) / n)
        np.testing.assert_allclose(risk, theory.ridge_risk(g, lam, R, SIGMA), rtol=0.01)
