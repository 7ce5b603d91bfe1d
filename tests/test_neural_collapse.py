"""sims.neural_collapse: exact gradients, metric definitions, the closed-form minimiser is stationary,
backends agree, runs are deterministic, configs are checked (claims: test_neural_collapse_claims)."""
from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import numpy as xnp

from sims import neural_collapse as nc
from sims.backend import cupy_available, get_backend
from sims.errors import ConfigError
from sims.kernels import neural_collapse as kern
from sims.results import Result
from theory import neural_collapse as theory

NUMPY = get_backend("numpy")


def _state(M, K=3, d=5, counts=(3, 2, 4), seed=0):
    rng = np.random.default_rng(seed)
    cfg = nc.NeuralCollapseConfig(counts=counts, d=d, depths=(M,))
    init = nc.init_state(cfg, np.asarray(counts), M, rng)
    return (*init.params[:3], rng.standard_normal(K), init.Y)


def _hp(lam_w, lam_h, lam_b, ce, bias, lr=0.0, mu=0.0):
    return nc.Hyper(lr, mu, lam_w, lam_h, lam_b, "ce" if ce else "mse", bias)


# ---- gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("M", [1, 3])
@pytest.mark.parametrize("ce, bias", [(False, False), (False, True), (True, True), (True, False)])
def test_gradients_match_finite_differences(M, ce, bias):
    """Every block of the hand-written gradient equals a central difference of the loss along a
    random direction: rel 1e-7 (the central difference with h = 1e-5 has O(h^2) ~ 1e-10 error)."""
    H, Ws, Wout, b, Y = _state(M)
    hp = _hp(0.03, 0.02, 0.05, ce, bias)
    _, grads = nc.loss_and_grads(xnp, nc.Params(H, Ws, Wout, b), Y, hp)
    params = [H, Ws, Wout, b]
    rng = np.random.default_rng(1)
    for j in range(4):
        if params[j].size == 0 or (j == 3 and not bias):
            continue
        direction = rng.standard_normal(params[j].shape)
        h = 1e-5

        def f(t):
            p = [a.copy() for a in params]
            p[j] = p[j] + t * direction
            return nc.loss_and_grads(xnp, nc.Params(*p), Y, hp)[0]

        fd = (f(h) - f(-h)) / (2 * h)
        exact = float(np.sum(grads[[0, 1, 2, 3][j]] * direction))
        assert abs(fd - exact) <= 1e-7 * max(1.0, abs(exact)), (j, fd, exact)


@pytest.mark.parametrize("M, ce, bias", [(1, False, False), (3, False, False), (2, True, True)])
def test_numba_chunk_matches_generic(M, ce, bias):
    """The fused numba GD loop reproduces the generic one after 25 heavy-ball steps (rel 1e-12)."""
    H, Ws, Wout, b, Y = _state(M)
    p = nc.Params(H, Ws, Wout, b)
    vel = nc.Params(*(np.zeros_like(a) for a in p))
    hp = _hp(0.03, 0.02, 0.05, ce, bias, lr=0.1, mu=0.9)
    want = nc.gd_chunk(NUMPY, p, vel, Y, hp, 25)
    got = nc.gd_chunk(get_backend("numba"), p, vel, Y, hp, 25)
    for w, g in zip((*want.params, *want.velocity, want.loss, want.grad_norm),
                    (*got.params, *got.velocity, got.loss, got.grad_norm)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    raw = kern.gd_chunk(*p, *vel, Y, 0.1, 0.9, 0.03, 0.02, 0.05, ce, bias, 25)
    np.testing.assert_array_equal(raw[0], got.params.H)     # the boundary passes the loss as a flag


def test_zero_steps_changes_nothing_and_reports_the_gradient():
    H, Ws, Wout, b, Y = _state(2)
    p = nc.Params(H, Ws, Wout, b)
    vel = nc.Params(*(np.zeros_like(a) for a in p))
    hp = _hp(0.03, 0.02, 0.0, False, False, lr=0.1, mu=0.9)
    out = nc.gd_chunk(NUMPY, p, vel, Y, hp, 0)
    np.testing.assert_array_equal(out.params.H, H)
    _, g = nc.loss_and_grads(xnp, p, Y, hp)
    assert out.grad_norm == pytest.approx(np.sqrt(np.sum(g.H**2) + np.sum(g.Ws**2)
                                                  + np.sum(g.Wout**2)))


# ---- metrics on hand-built configurations ---------------------------------------------------------
def _labels(counts):
    K, N = len(counts), sum(counts)
    Y = np.zeros((K, N))
    Y[np.repeat(np.arange(K), counts), np.arange(N)] = 1.0
    return Y


def test_exact_etf_has_zero_metrics_and_shuffled_labels_do_not():
    """Features equal to their class means, means a simplex ETF, classifier = means^T: NC1-NC4 are
    zero (abs tolerances: exactly collapsed features give NC1 ~ +-1e-30 from round-off)."""
    K, n = 4, 5
    etf = np.eye(K) - 1.0 / K                        # columns: a simplex ETF in R^K (d = K)
    Y = _labels([n] * K)
    F = etf @ Y
    counts = np.full(K, float(n))
    nc1, nc2, nc3, nc4, means = nc.nc_metrics(xnp, F, etf.T, np.zeros(K), Y, counts)
    assert abs(nc1) < 1e-20 and nc2 < 1e-12 and nc3 < 1e-12 and nc4 == 0.0
    np.testing.assert_allclose(means, etf, atol=1e-15)
    # shuffle some labels: 3 samples of classes 0 and 1 swap, 1 of classes 2 and 3 (a random
    # permutation can give a confusion matrix a I + b 11^T up to relabelling, which is again an ETF)
    perm = np.arange(K * n)
    perm[[0, 1, 2, 5, 6, 7, 10, 15]] = [5, 6, 7, 0, 1, 2, 15, 10]
    nc1, nc2, nc3, nc4, _ = nc.nc_metrics(xnp, F, etf.T, np.zeros(K), Y[:, perm], counts)
    assert nc1 > 0.1 and nc2 > 0.01 and nc4 > 0.1


def test_nc1_on_a_hand_computed_example():
    """K = 2, d = 1: class means -1, +1 with spread +-a: Sigma_W = a^2, Sigma_B = 1, NC1 = a^2/2."""
    a = 0.3
    F = np.array([[-1 - a, -1 + a, 1 - a, 1 + a]])
    Y = _labels([2, 2])
    nc1, *_ = nc.nc_metrics(xnp, F, np.array([[-1.0], [1.0]]), np.zeros(2), Y, np.array([2.0, 2]))
    assert nc1 == pytest.approx(a**2 / 2, rel=1e-13)


def test_nc2_of_orthogonal_unequal_means_is_not_zero_and_nc3_sees_misalignment():
    Y = _labels([2, 2, 2])
    means = np.diag([1.0, 2.0, 3.0])
    F = means @ Y
    _, nc2, nc3, _, _ = nc.nc_metrics(xnp, F, means.T, np.zeros(3), Y, np.full(3, 2.0))
    assert nc2 > 0.05 and nc3 < 1e-15
    _, _, nc3, _, _ = nc.nc_metrics(xnp, F, np.eye(3)[[1, 2, 0]], np.zeros(3), Y, np.full(3, 2.0))
    assert nc3 > 0.5


# ---- the theory's minimiser is a stationary point of the full matrix loss ---------------------------
def _closed_form(counts, M, lw, lh, d=6):
    geo = theory.class_geometry(counts, M, lw, lh)
    K = len(counts)
    s = geo["s2M"] ** (1 / (2 * M))
    Y = _labels(counts)
    E = np.eye(d)[:, :K]                              # orthonormal class directions
    H = (E * geo["mean_norm"]) @ Y
    Ws = np.stack([E @ np.diag(s) @ E.T] * (M - 1)) if M > 1 else np.zeros((0, d, d))
    Wout = np.diag(s) @ E.T
    return H, Ws, Wout, np.zeros(K), Y, geo


@pytest.mark.parametrize("M", [1, 2, 3])
@pytest.mark.parametrize("counts, lam", [((20, 20, 20), 5e-3), ((40, 20, 10, 5), 5e-3),
                                         ((60, 30, 10, 10), 0.03)])
def test_closed_form_minimiser_is_stationary_and_a_local_minimum(M, counts, lam):
    """Gradient of the exact loss at the theory's point is ~0 (<= 1e-12), and random perturbations
    of size 1e-4 raise the loss (second-order check on the full matrices)."""
    H, Ws, Wout, b, Y, geo = _closed_form(counts, M, lam, lam)
    hp = _hp(lam, lam, 0.0, False, False)
    loss, g = nc.loss_and_grads(xnp, nc.Params(H, Ws, Wout, b), Y, hp)
    assert np.sqrt(sum(np.sum(x**2) for x in g)) < 1e-12
    rng = np.random.default_rng(0)
    for _ in range(5):
        p = [a + 1e-4 * rng.standard_normal(a.shape) for a in (H, Ws, Wout)]
        assert nc.loss_and_grads(xnp, nc.Params(*p, b), Y, hp)[0] > loss


def test_converged_run_matches_the_closed_form():
    """A short real run (imbalanced, M = 1 and 2) lands on the theory's diagonals to rel 1e-6."""
    cfg = nc.NeuralCollapseConfig(counts=(24, 12, 6), d=4, depths=(1, 2), lambda_W=0.01, lambda_H=0.01, lr=0.2,
                    backend="numba", seed=3)
    res = nc.simulate(cfg)
    assert np.all(res["grad_norm"] < cfg.tol)
    for i, M in enumerate(res["depth"]):
        geo = theory.class_geometry(res["counts"][i], int(M), 0.01, 0.01)
        np.testing.assert_allclose(np.diag(res["WWt"][i]), geo["s2M"], rtol=1e-6)
        np.testing.assert_allclose(np.diag(res["WHbar"][i]), geo["wh"], rtol=1e-6)


# ---- backends, determinism ----------------------------------------------------------------------
TINY = dict(counts=(6, 4, 3), d=4, depths=(1, 2), lambda_W=0.02, lambda_H=0.02, lr=0.2, seed=5,
            max_steps=300, records=10, loss="mse", bias=True)


@pytest.fixture(scope="module")
def tiny_numpy():
    return nc.simulate(nc.NeuralCollapseConfig(backend="numpy", **TINY))


def _agree(a: Result, b: Result):
    assert set(a.arrays) == set(b.arrays)
    for key in a.arrays:
        x, y = a[key], b[key]
        if x.dtype.kind == "f":
            # NC1 near 0 is round-off (~1e-25); everything else rel 1e-9 (chaotic growth of ulp
            # differences over 300 heavy-ball steps stays far below this on a contracting loss)
            np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-12, err_msg=key)
        else:
            np.testing.assert_array_equal(y, x, err_msg=key)


@pytest.mark.parametrize("backend", ["numba", "array_api_strict"])
def test_backends_agree(tiny_numpy, backend):
    _agree(tiny_numpy, nc.simulate(nc.NeuralCollapseConfig(backend=backend, **TINY)))


@pytest.mark.gpu
@pytest.mark.skipif(not cupy_available(), reason="needs CuPy and a CUDA device")
def test_cupy_agrees(tiny_numpy):
    _agree(tiny_numpy, nc.simulate(nc.NeuralCollapseConfig(backend="cupy", **TINY)))


def test_same_seed_same_arrays_other_seed_differs(tiny_numpy):
    again = nc.simulate(nc.NeuralCollapseConfig(backend="numpy", **TINY))
    for key in tiny_numpy.arrays:
        np.testing.assert_array_equal(again[key], tiny_numpy[key])
    other = nc.simulate(nc.NeuralCollapseConfig(backend="numpy", **{**TINY, "seed": 6}))
    assert not np.allclose(other["W"], tiny_numpy["W"])


def test_restarts_keep_the_lowest_objective_and_restart_zero_is_the_single_init_run(tiny_numpy):
    """restarts = 3: restart 0 is the one-init run (same seed, bit-identical loss), the kept state
    is the restart of lowest final objective, and the other inits are distinct draws."""
    three = nc.simulate(nc.NeuralCollapseConfig(backend="numpy", **{**TINY, "restarts": 3}))
    losses = three["restart_losses"]
    assert losses.shape == (len(TINY["depths"]), 3)
    np.testing.assert_array_equal(losses[:, 0], tiny_numpy["loss"])
    np.testing.assert_array_equal(three["loss"], losses.min(axis=1))
    assert np.all(np.ptp(losses, axis=1) > 0)          # 300 steps: not converged, so inits differ
    for i in np.flatnonzero(losses.argmin(axis=1) == 0):
        np.testing.assert_array_equal(three["W"][i], tiny_numpy["W"][i])
    for i in np.flatnonzero(losses.argmin(axis=1) != 0):
        assert not np.allclose(three["W"][i], tiny_numpy["W"][i])


# ---- configs --------------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, words", [
    ({"counts": (5, -1)}, "counts"), ({"counts": (5,)}, "counts"), ({"depths": (7,)}, "depths"),
    ({"d": 0}, "d must"), ({"loss": "hinge"}, "loss"), ({"lambda_H": 0.0}, "lambda"),
    ({"lr": 1000.0}, "diverges"), ({"lr": -0.1}, "lr"), ({"momentum": 1.0}, "momentum"),
    ({"ratios": (0.5,)}, "ratios"), ({"restarts": 0}, "restarts")])
def test_bad_config_is_a_clear_error(changes, words):
    with pytest.raises(ConfigError, match=words):
        nc.NeuralCollapseConfig(**changes)


def test_divergence_at_runtime_is_a_config_error():
    """An lr that passes the static check but blows up on the data term is reported, not NaN'd."""
    with pytest.raises(ConfigError, match="diverged.*lower lr"):
        nc.simulate(nc.NeuralCollapseConfig(counts=(20, 20), d=4, lr=20.0, backend="numpy", max_steps=200))
