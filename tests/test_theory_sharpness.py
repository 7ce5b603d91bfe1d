"""theory.sharpness: symbolic checks, arc-cosine kernels vs Monte Carlo, thresholds, abc table."""
from __future__ import annotations

import numpy as np
import pytest

from theory import sharpness as theory


def test_every_symbolic_check_passes():
    checks = theory.verify()
    assert len(checks) >= 20
    assert [k for k, ok in checks.items() if not ok] == []


def test_verify_is_the_union_of_the_named_checks():
    names = [k for check in theory.CHECKS for k in check()]
    assert len(names) == len(set(names)) == len(theory.verify())


@pytest.mark.parametrize("rho", [-0.9, -0.3, 0.0, 0.5, 0.95])
def test_kappas_match_monte_carlo(rho):
    """E relu(u) relu(v), P(u > 0, v > 0) and E relu(u)^2 relu(v)^2 for unit Gaussians of
    correlation rho, 10^6 samples: within 5 Monte-Carlo standard errors."""
    rng = np.random.default_rng(0)
    g = rng.standard_normal((2, 10**6))
    u, v = g[0], rho * g[0] + np.sqrt(1 - rho**2) * g[1]
    a = np.maximum(u, 0) * np.maximum(v, 0)
    b = ((u > 0) & (v > 0)).astype(float)
    c = (np.maximum(u, 0) * np.maximum(v, 0)) ** 2
    for samples, k in ((a, theory.kappa1(rho)), (b, theory.kappa0(rho)), (c, theory.kappa2(rho))):
        assert abs(samples.mean() - k) <= 5 * samples.std() / np.sqrt(samples.size)


def test_relu_ntk_matches_a_wide_network_by_monte_carlo():
    """Theta_inf vs the mean of (1/n) sum_k [relu relu + a^2 1 1 q] over n = 4e5 Gaussian neurons:
    every entry within 5 standard errors (the per-neuron s.d. over sqrt(n))."""
    rng = np.random.default_rng(1)
    d, N, n = 3, 4, 400_000
    X = rng.standard_normal((d, N))
    Z = rng.standard_normal((n, d)) @ X / np.sqrt(d)
    a = rng.standard_normal(n)
    q = X.T @ X / d
    terms = (np.maximum(Z, 0)[:, :, None] * np.maximum(Z, 0)[:, None, :]
             + (a**2)[:, None, None] * ((Z > 0)[:, :, None] & (Z > 0)[:, None, :]) * q)
    se = terms.std(0) / np.sqrt(n)
    assert np.all(np.abs(terms.mean(0) - theory.relu_ntk(X)) <= 5 * se)
    # the per-neuron s.d. (kappa2 formula) vs the sample s.d.: within 3% (its own Monte-Carlo error
    # with a^4 terms is ~1% here)
    np.testing.assert_allclose(terms.std(0), theory.relu_ntk_entry_sd(X), rtol=0.03)
    assert all(np.max(np.abs(K - theory.relu_ntk(X))) > 0.1
               for K in theory.relu_nngp_ntk_rivals(X).values())
    np.testing.assert_allclose(np.diag(theory.relu_nngp(X)), np.diag(q) / 2, rtol=1e-12)


def test_thresholds():
    assert theory.gd_threshold(0.05) == pytest.approx(40.0)
    assert theory.sgd_trace_threshold(1.0) == pytest.approx(2.0)
    f = theory.sgd_lstsq_factor(np.array([1.8, 2.0, 2.2]), 20)
    assert f[0] < 1 and f[1] == pytest.approx(1.0) and f[2] > 1


def test_width_exponents_and_layer_scales():
    assert theory.width_exponents("ntk")["feature change per step"] == -0.5
    assert theory.width_exponents("mup")["feature change per step"] == 0.0
    assert theory.sharpness_change_exponent("ntk") == -1.0
    assert theory.sharpness_change_exponent("mup") == 0.0
    assert theory.optimal_lr_exponent("standard") == -1.0 and theory.optimal_lr_exponent("mup") == 0.0
    m, s, lr = theory.layer_scales("mup", 2, 1024, 8, 16)
    mn, sn, lrn = theory.layer_scales("ntk", 2, 1024, 8, 16)
    assert m[-1] == pytest.approx(mn[-1] / 8) and lr == pytest.approx(64 * lrn)
    np.testing.assert_allclose(s, 1.0)
