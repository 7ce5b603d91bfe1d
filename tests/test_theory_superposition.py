"""theory.superposition: the symbolic checks, and the formulas against Monte-Carlo / direct sums."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from theory import superposition as t


def test_every_symbolic_check_passes():
    checks = t.verify()
    assert len(checks) >= 8 and all(checks.values()), [k for k, v in checks.items() if not v]


def test_sphere_marginal_gives_one_over_m_for_each_integer_m():
    expr = t._overlap_from_sphere_marginal()
    for k in (2, 3, 7, 50):
        assert sp.nsimplify(expr.subs(t.m, k)) == sp.Rational(1, k)


def test_overlap_of_random_unit_vectors_monte_carlo():
    """E[(u.v)^2] = 1/m: 40000 pairs, relative s.e. sqrt(2/(m+2))/sqrt(40000) < 0.6%; 4 s.e. allowed."""
    rng = np.random.default_rng(1)
    for m in (4, 16, 64):
        u, v = rng.standard_normal((2, 40000, m))
        c2 = (np.sum(u * v, 1) ** 2) / (np.sum(u * u, 1) * np.sum(v * v, 1))
        assert abs(c2.mean() - t.random_overlap(m)) < 4 * c2.std() / np.sqrt(len(c2))


def test_welch_bound_is_attained_by_a_tight_frame_and_not_beaten():
    """n = 2m vectors: the union of two orthonormal bases related by a unitary with all |entries| equal
    (Hadamard / sqrt m) is a tight frame and attains the bound; random vectors lie above it."""
    m = 4
    H = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]) / 2.0
    U = np.vstack([np.eye(m), H])
    G = U @ U.T
    n = len(U)
    mean = (np.sum(G * G) - n) / (n * (n - 1))
    assert mean == pytest.approx(t.welch_bound(n, m), rel=1e-12)
    rng = np.random.default_rng(0)
    R = rng.standard_normal((n, m))
    R /= np.linalg.norm(R, axis=1, keepdims=True)
    G = R @ R.T
    assert (np.sum(G * G) - n) / (n * (n - 1)) > t.welch_bound(n, m)


def test_weak_loss_tail_matches_its_asymptote():
    """The exact finite-n sum vs (4/(3 n Z)) m^(1-alpha)/(alpha-1): ratio -> 1 as 1 << m << n."""
    n, alpha = 200_000, 2.0
    Z = np.sum(np.arange(1, n + 1.0) ** -alpha)
    for m in (100, 1000):
        asym = 4 / (3 * n * Z) * m ** (1 - alpha) / (alpha - 1)
        assert t.weak_loss([m], n, alpha)[0] / asym == pytest.approx(1.0, abs=3 / m + 0.01)


def test_weak_exponent_values():
    assert t.weak_exponent(2.0) == -1.0 and t.weak_exponent(1.5) == -0.5


def test_squared_overlap_variance_and_weighted_sd_monte_carlo():
    """Var[(u.v)^2] = 2(m-1)/(m^2(m+2)) on 200000 pairs (4 s.e. of the variance), and the s.d. of
    the p_i p_j-weighted mean over 400 draws of 60 random rows within 15% (the s.e. of an s.d.
    from 400 draws is ~3.5%)."""
    rng = np.random.default_rng(2)
    for m in (4, 16):
        u, v = rng.standard_normal((2, 200_000, m))
        c2 = np.sum(u * v, 1) ** 2 / (np.sum(u * u, 1) * np.sum(v * v, 1))
        se = np.sqrt(np.mean((c2 - c2.mean()) ** 4) / len(c2))      # s.e. of a variance, roughly
        assert abs(c2.var() - t.random_overlap_var(m)) < 4 * se
    m, n = 8, 60
    p = np.arange(1, n + 1.0) ** -1.2
    w = np.outer(p, p)
    np.fill_diagonal(w, 0.0)
    vals = []
    for _ in range(400):
        U = rng.standard_normal((n, m))
        U /= np.linalg.norm(U, axis=1, keepdims=True)
        vals.append(np.sum(w * (U @ U.T) ** 2) / w.sum())
    assert np.std(vals) == pytest.approx(t.random_weighted_overlap_se(m, w), rel=0.15)
    assert abs(np.mean(vals) - 1 / m) < 4 * np.std(vals) / np.sqrt(len(vals))


# ---- a represented row's own error (issue 30) -----------------------------------------------------
@pytest.mark.parametrize("p, w", [(0.4, 0.9), (0.05, 0.5), (0.8, 0.2), (0.01, 0.99)])
def test_best_bias_and_shrunk_loss_match_a_numeric_minimisation(p, w):
    """min over b (negative b included, where the ReLU clips) of p E[(ReLU(w u + b) - u)^2] +
    (1 - p) ReLU(b)^2, by quadrature (midpoints, 20000 points: error ~1e-9) and a bounded scalar
    minimiser, against the sympy b* = p (1 - w) and e* = (1 - w)^2 (4/3 p - p^2)."""
    from scipy.optimize import minimize_scalar
    uu = (np.arange(20000) + 0.5) / 20000 * 2.0

    def risk(b):
        return p * np.mean((np.maximum(w * uu + b, 0.0) - uu) ** 2) + (1 - p) * max(b, 0.0) ** 2

    best = minimize_scalar(risk, bounds=(-1.0, 1.0), method="bounded", options={"xatol": 1e-10})
    assert best.x == pytest.approx(float(t.best_bias(p, w)), abs=1e-6)
    assert best.fun == pytest.approx(float(t.shrunk_loss(p, w)), rel=1e-6, abs=1e-12)
    assert float(t.represented_risk(p, w, best.x)) == pytest.approx(best.fun, rel=1e-6)


def test_rows_loss_matches_a_monte_carlo_of_the_toy_model():
    """The toy model y = ReLU(x W W^T + b) with orthogonal rows (W_i = sqrt(w_i) e_i, i < 4; the
    rest zero), represented biases at p (1 - w), the others at their best constant p: the
    per-sample loss over 400000 draws (sims.superposition.eval_loss) against rows_loss within 4 s.e."""
    from sims.superposition import draw, eval_loss
    n, m = 8, 4
    p = t.frequencies(n, 1.2, 1.0)
    sq = np.array([0.95, 0.8, 0.6, 0.3, 0, 0, 0, 0])
    W = np.zeros((n, m))
    W[np.arange(m), np.arange(m)] = np.sqrt(sq[:m])
    b = np.where(sq > 0, t.best_bias(p, sq), p)
    x = draw(np.random.default_rng(3), p, (400000,))
    per = eval_loss(np, W, b, x)
    want = float(t.rows_loss(sq, p))
    assert abs(per.mean() - want) < 4 * per.std() / np.sqrt(len(per))
    assert want > 1.2 * float(t.rows_loss(np.where(sq > 0, 1.0, 0.0), p))   # the shrinkage matters


def test_rows_loss_of_the_top_m_rows_is_the_weak_tail():
    p = t.frequencies(512, 1.5)
    for k in (0, 16, 100):
        w = np.zeros(512)
        w[:k] = 1.0
        assert float(t.rows_loss(w, p)) == pytest.approx(float(t.weak_loss([k], 512, 1.5)[0]),
                                                          rel=1e-12)
    assert float(t.rows_loss(np.full(512, 1.7), p)) == 0.0          # clipped at w = 1
