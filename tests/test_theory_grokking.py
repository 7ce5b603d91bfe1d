"""theory.grokking: every symbolic check, the numeric energy vs its sympy expression, the Fourier form,
maxima and the scaling law."""
from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp

from theory import grokking as theory
from theory.grokking import symbolic


@pytest.fixture(scope="module")
def checks():
    return theory.verify()


def test_every_symbolic_check_passes(checks):
    assert len(checks) >= 15
    assert [k for k, ok in checks.items() if not ok] == []


def test_numeric_energy_and_gradient_equal_the_sympy_expression():
    """E and dE/dw in numpy vs the sympy expression of E (M = 5) at a random point (rel 1e-12)."""
    M = 5
    E, w = symbolic._sym_energy(M)
    x = np.random.default_rng(0).standard_normal(2 * M)
    sub = dict(zip(w, x))
    X, _, Yt = theory.dataset(M)
    assert theory.energy(x[None, :], X, Yt)[0] == pytest.approx(float(E.subs(sub)), rel=1e-12)
    g = np.array([float(sp.diff(E, s).subs(sub)) for s in w])
    np.testing.assert_allclose(theory.energy_grad(x[None, :], X, Yt)[0], g, rtol=1e-11)
    H = np.array(sp.hessian(E, w).subs(sub).evalf(), dtype=float)
    np.testing.assert_allclose(theory.energy_hessian(x, X, Yt), H, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("M", [7, 13])
def test_fourier_form_and_the_bound_on_random_points(M):
    X, _, Yt = theory.dataset(M)
    W = np.random.default_rng(M).standard_normal((50, 2 * M))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    np.testing.assert_allclose(theory.energy(W, X, Yt), theory.fourier_energy(W, M), rtol=1e-11)
    assert theory.energy(W, X, Yt).max() < M / 4


def test_unequal_norms_or_mixed_frequencies_are_below_the_maximum():
    M = 11
    w = theory.fourier_feature(M, 2)
    v = w.copy()
    v[:M] *= 1.2
    v /= np.linalg.norm(v)
    mix = theory.fourier_feature(M, 2) + theory.fourier_feature(M, 3)
    mix /= np.linalg.norm(mix)
    E = theory.fourier_energy(np.stack([w, v, mix]), M)
    assert E[0] == pytest.approx(M / 4, rel=1e-12) and E[1] < M / 4 and E[2] < 0.6 * M / 4


def test_ipr_and_spectrum_of_a_fourier_feature():
    M = 13
    w = theory.fourier_feature(M, 4, 0.7, -0.2)
    pa, pb = theory.folded_spectrum(w[None, :], M)
    assert np.argmax(pa[0]) == 4 and np.argmax(pb[0]) == 4
    assert theory.ipr(pa + pb)[0] == pytest.approx(1.0, rel=1e-12)
    assert theory.ipr(np.ones((1, 7)))[0] == pytest.approx(1 / 7)


def test_scaling_law_numbers_quoted_in_the_issue():
    assert theory.critical_fraction(23.0) == pytest.approx(0.375, abs=5e-4)
    assert theory.critical_fraction(97.0) == pytest.approx(0.130, abs=5e-4)
    assert theory.energy_max(23.0) == pytest.approx(23 / 4)


def test_group_tables_and_irrep_spectra():
    """Z_M's table is a + b mod M and its irrep spectrum is the folded Fourier spectrum; D_n's table
    is non-abelian, r^n = s^2 = 1 and s r s = r^-1; the isotypic projectors of D_11 sum to I and
    split |u|^2 (Parseval, scaled by M) for random u."""
    M = 11
    a, b = np.meshgrid(np.arange(M), np.arange(M), indexing="ij")
    assert np.array_equal(theory.group_table(M), (a + b) % M)
    W = np.random.default_rng(0).standard_normal((5, 2 * M))
    for got, want in zip(theory.irrep_spectrum(W, M), theory.folded_spectrum(W, M)):
        np.testing.assert_allclose(got, want, rtol=1e-10)
    n = 11
    T = theory.group_table(2 * n, "dihedral")
    r, s = 1, n                                     # r^1 and s (element e n + j = r^j s^e)
    power = lambda g, k: functools.reduce(lambda x, _: T[x, g], range(k), 0)   # noqa: E731
    assert power(r, n) == 0 and power(r, 1) == r and T[s, s] == 0
    assert T[T[s, r], s] == power(r, n - 1)         # s r s = r^-1
    assert np.any(T != T.T)
    P = theory.irrep_projectors(2 * n, "dihedral")
    assert P.shape[0] == 2 + (n - 1) // 2
    np.testing.assert_allclose(P.sum(0), np.eye(2 * n), atol=1e-12)
    W = np.random.default_rng(1).standard_normal((4, 4 * n))
    pa, pb = theory.irrep_spectrum(W, 2 * n, "dihedral")
    np.testing.assert_allclose(pa.sum(1), 2 * n * np.sum(W[:, :2 * n] ** 2, 1), rtol=1e-10)
    np.testing.assert_allclose(pb.sum(1), 2 * n * np.sum(W[:, 2 * n:] ** 2, 1), rtol=1e-10)


def test_threshold_laws_and_their_exponents():
    """Power laws have their exponent on any grid; ln M / M's effective exponent on a narrow grid
    is its local one, -1 + 1/ln M, and over M = 11..29 it lies 0.10 from M^-3/4 (why that rival is
    not claimed excluded) but >= 0.15 from the others."""
    Ms = [11, 13, 17, 23, 29]
    for name, s in (("1/M", -1.0), ("M^-1/2", -0.5), ("M^-3/4", -0.75)):
        assert theory.law_exponent(name, Ms) == pytest.approx(s, abs=1e-12)
    assert theory.law_exponent("ln M / M", [54, 55, 56]) == pytest.approx(-1 + 1 / np.log(55), abs=1e-4)
    pred = theory.law_exponent(theory.PREDICTED_LAW, Ms)
    gaps = {n: abs(theory.law_exponent(n, Ms) - pred) for n in theory.THRESHOLD_LAWS}
    assert gaps["M^-3/4"] == pytest.approx(0.10, abs=0.01)
    assert min(g for n, g in gaps.items() if n not in ("M^-3/4", theory.PREDICTED_LAW)) > 0.15


def test_the_papers_m_over_16_is_the_bare_cross_term():
    """Numerically at M = 11: the energy of u_a v_b alone is E/4 for random w, so at a unit Fourier
    feature it is M/16 (the paper's stated E*) while E itself is M/4."""
    M = 11
    X, _, Yt = theory.dataset(M)
    W = np.random.default_rng(2).standard_normal((3, 2 * M))
    a, b = np.divmod(np.arange(M * M), M)
    cross = W[:, :M][:, a] * W[:, M:][:, b]                  # (rows, pairs)
    E_cross = 0.5 * np.sum((Yt.T @ cross.T) ** 2, axis=0)
    np.testing.assert_allclose(4 * E_cross, theory.energy(W, X, Yt), rtol=1e-12)
    w = theory.fourier_feature(M, 3)[None, :]
    assert theory.energy(w, X, Yt)[0] == pytest.approx(M / 4, rel=1e-12)
