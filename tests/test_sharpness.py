"""sims.sharpness: exact gradients and Hessian-vector products (finite differences, explicit Hessian),
Gauss-Newton and NTK identities, Lanczos vs dense eigvalsh, Hutchinson vs the exact trace, backends
agree, runs are deterministic and resume bit-identically, configs are checked; the facts that hold
by construction (moved out of the ledger); claims pass on small runs with every control rejecting,
fail on wrong results and report instead of raising on mangled ones."""
from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import numpy as xnp

from sims import sharpness as sh
from sims.results import Result
from sims.backend import cupy_available, get_backend
from sims.errors import ConfigError
from sims.kernels import sharpness as kern

NUMPY = get_backend("numpy")


def _net(act, depth, param="mup", n=5, d=3, N=4, seed=0):
    rng = np.random.default_rng(seed)
    cfg = sh.SharpnessConfig(depth=depth, act=act, d=d, n_data=N, base_width=3, widths=(n,))
    X, y = sh.teacher_data(d, N, "regression", rng)
    Ws, m, _ = sh.init_net(cfg, param, n, rng)
    return Ws, m, X, y, rng


def _flat(arrs):
    return np.concatenate([np.ravel(a) for a in arrs])


def _explicit_hessian(Ws, m, X, y, act, h=1e-5):
    """Dense Hessian by central differences of the closed-form gradient (O(h^2) ~ 1e-10 error)."""
    shapes = [W.shape for W in Ws]
    sizes = [W.size for W in Ws]
    theta = _flat(Ws)

    def grad(t):
        parts = np.split(t, np.cumsum(sizes)[:-1])
        return _flat(sh.loss_and_grad(xnp, [p.reshape(s) for p, s in zip(parts, shapes)], m, X, y,
                                      act)[1])
    E = np.eye(theta.size)
    return np.column_stack([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in E])


@pytest.mark.parametrize("act", sh.ACTS)
@pytest.mark.parametrize("depth", [2, 3])
@pytest.mark.parametrize("param", sh.PARAMS)
def test_gradient_and_hvp_match_finite_differences(act, depth, param):
    """Gradient vs central difference of the loss, HVP vs central difference of the gradient, along
    a random direction: abs 1e-8 (O(h^2) truncation with h = 1e-5 is ~1e-10; ReLU kinks are
    avoided with probability one at these random points)."""
    Ws, m, X, y, rng = _net(act, depth, param)
    V = [rng.standard_normal(W.shape) for W in Ws]
    h = 1e-5
    plus = [W + h * v for W, v in zip(Ws, V)]
    minus = [W - h * v for W, v in zip(Ws, V)]
    L0, g = sh.loss_and_grad(xnp, Ws, m, X, y, act)
    fd = (sh.loss_and_grad(xnp, plus, m, X, y, act)[0] - sh.loss_and_grad(xnp, minus, m, X, y, act)[0]) / (2 * h)
    assert abs(fd - sum(np.sum(a * b) for a, b in zip(g, V))) < 1e-8
    Hv = sh.hvp.generic(xnp, Ws, m, X, y, act, V)
    fd = [(a - b) / (2 * h) for a, b in zip(sh.loss_and_grad(xnp, plus, m, X, y, act)[1],
                                            sh.loss_and_grad(xnp, minus, m, X, y, act)[1])]
    for a, b in zip(Hv, fd):
        np.testing.assert_allclose(a, b, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("act, depth", [("tanh", 2), ("tanh", 3), ("linear", 3)])
def test_hvp_columns_equal_the_explicit_hessian(act, depth):
    """On a tiny net the R-operator applied to every basis vector reproduces the dense Hessian
    (built by differences of the gradient; abs 1e-7 from the O(h^2) error) and is symmetric."""
    Ws, m, X, y, _ = _net(act, depth, n=3, d=2, N=3)
    Hfd = _explicit_hessian(Ws, m, X, y, act)
    curv = sh.Curvature(NUMPY, Ws, m, X, y, act)
    H = np.column_stack([curv.matvec(e) for e in np.eye(curv.dim)])
    np.testing.assert_allclose(H, H.T, atol=1e-14)
    np.testing.assert_allclose(H, Hfd, atol=1e-7)


@pytest.mark.parametrize("act, depth", [("tanh", 2), ("relu", 3)])
def test_gauss_newton_and_ntk_identities(act, depth):
    """GN product = J^T J v/N with J built from per-sample outer products; NTK = J J^T; the top
    eigenvalues of J^T J/N and J J^T/N agree (rel 1e-12, round-off)."""
    Ws, m, X, y, rng = _net(act, depth, n=6, N=5)
    J = sh.jacobian(xnp, Ws, m, X, act)
    curv = sh.Curvature(NUMPY, Ws, m, X, y, act)
    v = rng.standard_normal(curv.dim)
    np.testing.assert_allclose(curv.matvec(v, gauss_newton=True), J.T @ (J @ v) / X.shape[1],
                               rtol=1e-12, atol=1e-15)
    ntk = sh.empirical_ntk(xnp, Ws, m, X, act)
    np.testing.assert_allclose(ntk, J @ J.T, rtol=1e-12, atol=1e-15)
    lam = curv.top_eig(rng, 1e-13, gauss_newton=True)
    assert lam == pytest.approx(np.linalg.eigvalsh(ntk)[-1] / X.shape[1], rel=1e-12)


@pytest.mark.parametrize("act, depth", [("tanh", 2), ("tanh", 3), ("relu", 2)])
def test_lanczos_matches_dense_eigvalsh_and_hutchinson_the_trace(act, depth):
    """eigsh on the LinearOperator vs eigvalsh of the dense HVP matrix (rel 1e-10, tol 1e-12);
    Hutchinson with 400 probes within 4 standard errors of the exact trace."""
    Ws, m, X, y, rng = _net(act, depth, n=8, N=6, seed=3)
    curv = sh.Curvature(NUMPY, Ws, m, X, y, act)
    H = np.column_stack([curv.matvec(e) for e in np.eye(curv.dim)])
    assert curv.top_eig(rng, 1e-12) == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-10)
    tr, se = curv.hutchinson(rng, 400)
    assert abs(tr - np.trace(H)) <= 4 * se


def _spectrum_cases(count=60, seed=11):
    """Symmetric matrices with known spectra: random sizes, signs, a clustered or repeated top,
    a negative top (every eigenvalue < 0), a rank-one operator (the Krylov space closes)."""
    rng = np.random.default_rng(seed)
    for k in range(count):
        n = int(rng.integers(2, 90))
        kind = k % 5
        vals = rng.normal(0.0, 1.0, n) * 10 ** rng.uniform(-3, 3)
        if kind == 1:
            vals[-2:] = vals.max() * (1 - 1e-3)             # clustered top
        elif kind == 2:
            vals = -np.abs(vals) - 1.0                     # negative definite
        elif kind == 3:
            vals[:] = 0.0
            vals[0] = 2.5                                  # rank one
        elif kind == 4:
            vals[-3:] = vals.max()                         # repeated top
        U = np.linalg.qr(rng.standard_normal((n, n)))[0]
        yield (U * vals) @ U.T, float(vals.max()), rng.standard_normal(n)


@pytest.mark.parametrize("namespace", ["numpy", "array_api_strict"])
def test_device_lanczos_finds_the_top_eigenpair_of_generated_operators(namespace):
    """The restarted Lanczos on the backend's arrays (sims.sharpness.lanczos) against eigvalsh on 60
    generated spectra: |theta - lambda_max| <= 1e-9 |lambda|_max (tol 1e-12: the residual bound
    beta|s_m| <= tol |theta| gives an eigenvalue error <= that, far less once squared over the gap)
    and a residual |A v - theta v| <= 1e-8 |lambda|_max; on array_api_strict nothing converts
    to numpy inside the iteration (it would raise)."""
    from sims.sharpness.lanczos import top_eigenpair
    bk = get_backend(namespace)
    for A, top, start in _spectrum_cases():
        scale = float(np.max(np.abs(np.linalg.eigvalsh(A))))
        Ad = bk.asarray(A)
        lam, v = top_eigenpair(lambda x: Ad @ x, bk.asarray(start), bk.xp, bk.asarray, tol=1e-12)
        v = bk.to_numpy(v)
        assert abs(lam - top) <= 1e-9 * scale, (A.shape, lam, top)
        assert np.linalg.norm(A @ v - lam * v) <= 1e-8 * scale


def test_device_lanczos_rejects_a_wrong_operator():
    """The check above can fail: the top eigenvalue of A + 1e-6 |A| I is not A's."""
    from sims.sharpness.lanczos import top_eigenpair
    A, top, start = next(_spectrum_cases(1, seed=5))
    scale = float(np.max(np.abs(np.linalg.eigvalsh(A))))
    lam, _ = top_eigenpair(lambda x: A @ x + 1e-6 * scale * x, start, np, np.asarray, tol=1e-12)
    assert abs(lam - top) > 1e-9 * scale


@pytest.mark.parametrize("act, depth", [("tanh", 2), ("relu", 3)])
def test_curvature_on_a_device_backend_uses_the_device_lanczos(act, depth):
    """Curvature on array_api_strict (standing in for CuPy: arrays that are not numpy's) takes the
    device Lanczos, and its lambda_max and Gauss-Newton top equal the dense eigvalsh (rel 1e-10)."""
    Ws, m, X, y, rng = _net(act, depth, n=8, N=6, seed=3)
    strict = get_backend("array_api_strict")
    host = sh.Curvature(NUMPY, Ws, m, X, y, act)
    H = np.column_stack([host.matvec(e) for e in np.eye(host.dim)])
    dev = sh.Curvature(strict, [strict.asarray(W) for W in Ws], m, strict.asarray(X),
                       strict.asarray(y), act)
    assert host.on_host and not dev.on_host
    lam, vec = dev.top_eig(rng, 1e-12, vector=True)
    assert lam == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-10)
    assert not isinstance(vec, np.ndarray)                  # the warm start stays on the device
    G = np.column_stack([host.matvec(e, gauss_newton=True) for e in np.eye(host.dim)])
    assert dev.top_eig(rng, 1e-12, gauss_newton=True) == pytest.approx(np.linalg.eigvalsh(G)[-1],
                                                                       rel=1e-10)


@pytest.mark.parametrize("depth", [2, 3])
def test_numba_kernels_match_generic(depth):
    """The compiled GD / SGD / least-squares loops reproduce the generic ones (rel 1e-12)."""
    Ws, m, X, y, rng = _net("tanh", depth, n=6, N=5)
    want = sh.gd_steps.generic(xnp, Ws, m, X, y, "tanh", 0.3, 20)
    got = kern.gd_steps(Ws, m, X, y, "tanh", 0.3, 20)
    for a, b in zip(want, got):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
    idx = rng.integers(0, 5, (30, 2))
    want = sh.sgd_steps.generic(xnp, Ws, m, X, y, "tanh", 0.3, idx)
    got = kern.sgd_steps(Ws, m, X, y, "tanh", 0.3, idx)
    for a, b in zip(want, got):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
    A, w = rng.standard_normal((5, 7)), rng.standard_normal(7)
    np.testing.assert_allclose(kern.lstsq_sgd(A, y, w, 0.1, idx),
                               sh.lstsq_sgd.generic(xnp, A, y, w, 0.1, idx), rtol=1e-12)


@pytest.mark.parametrize("act", sh.ACTS)
@pytest.mark.parametrize("depth", [2, 3])
def test_numba_hvp_and_cached_primal_match_generic(act, depth):
    """The compiled R-operator (Hessian and Gauss-Newton products, fused element-wise work) equals
    the generic one, and so does the product from a cached primal pass (as Lanczos uses it), on a
    net with a wide hidden layer and on one with a one-row output layer: rel 1e-12 (round-off of
    sums of O(n) terms in a different order)."""
    Ws, m, X, y, rng = _net(act, depth, n=9, N=6, seed=2)
    V = [rng.standard_normal(W.shape) for W in Ws]
    for gn in (False, True):
        want = sh.hvp.generic(xnp, Ws, m, X, y, act, V, gn)
        primal = kern.curvature_primal(Ws, m, X, y, act, gn)
        for got in (kern.hvp(Ws, m, X, y, act, V, gn), kern.hvp(Ws, m, X, y, act, V, gn, primal),
                    sh.hvp.generic(xnp, Ws, m, X, y, act, V, gn,
                                   sh.curvature_primal.generic(xnp, Ws, m, X, y, act, gn))):
            for a, b in zip(want, got):
                np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-15)


def test_numba_curvature_matches_finite_differences():
    """The numba backend's Curvature (cached primal, compiled HVP) reproduces the dense Hessian from
    differences of the gradient (abs 1e-7: O(h^2) error, as the generic test above)."""
    Ws, m, X, y, _ = _net("tanh", 3, n=3, d=2, N=3)
    curv = sh.Curvature(get_backend("numba"), Ws, m, X, y, "tanh")
    H = np.column_stack([curv.matvec(e) for e in np.eye(curv.dim)])
    np.testing.assert_allclose(H, _explicit_hessian(Ws, m, X, y, "tanh"), atol=1e-7)


def test_numba_tanh_is_within_4_ulp_of_numpy():
    """The vectorised tanh of the numba kernels (exp-based, sims.kernels.sharpness) against numpy's
    over 12 decades of |x|, both signs, the capping point and +-inf: <= 4 ulp (its error budget:
    ~1 ulp for expm1 of the reduced argument, 1 for the scaling, 1 for the division); NaN stays NaN."""
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(20000) * 10.0 ** rng.uniform(-10, 2, 20000),
                        [0.0, -0.0, 0.34657, -0.34658, 19.06, 20.0, 25.0, np.inf, -np.inf]])
    got, want = kern.tanh(x), np.tanh(x)
    ulp = np.abs(got - want) / np.spacing(np.abs(want))
    assert ulp.max() <= 4
    assert np.isnan(kern.tanh(np.array([np.nan]))[0])
    z = x[:12000].reshape(40, 300)
    np.testing.assert_array_equal(kern.tanh(z), kern.tanh(z.ravel()).reshape(40, 300))


def test_parametrisation_scalings_at_init():
    """muP output multiplier is the NTK one divided by gamma = sqrt(n/n0), its lr gamma^2 times;
    standard has W_eff ~ N(0, 1/fan_in) (sample variance within 5% at 256^2 entries)."""
    cfg = sh.SharpnessConfig(base_width=16, d=8)
    rng = np.random.default_rng(0)
    _, m_ntk, lr_ntk = sh.init_net(cfg, "ntk", 256, rng)
    _, m_mup, lr_mup = sh.init_net(cfg, "mup", 256, rng)
    assert m_mup[-1] == pytest.approx(m_ntk[-1] / 4) and lr_mup == pytest.approx(16 * lr_ntk)
    Ws, m_sp, _ = sh.init_net(sh.SharpnessConfig(depth=3, base_width=16, d=8), "standard", 256, rng)
    assert np.var(m_sp[1] * Ws[1]) == pytest.approx(1 / 256, rel=0.05)


# ---- backends, determinism ----------------------------------------------------------------------
TINY = dict(kind="width_sweep", params=("ntk", "mup"), widths=(8, 16), base_width=4, d=3, n_data=5,
            lrs=(0.5,), steps=20, log_every=10, seeds=2, seed=3, lanczos_tol=1e-12)


@pytest.fixture(scope="module")
def tiny_numpy():
    return sh.simulate(sh.SharpnessConfig(backend="numpy", **TINY))


def _agree(a, b):
    for key in a.arrays:
        if a[key].dtype.kind in "US":
            np.testing.assert_array_equal(b[key], a[key], err_msg=key)
        else:
            np.testing.assert_allclose(b[key], a[key], rtol=1e-9, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("backend", ["numba", "array_api_strict"])
def test_backends_agree(tiny_numpy, backend):
    """Same seeds, same numbers: rel 1e-9 (Lanczos converged to 1e-12 from the same start)."""
    _agree(tiny_numpy, sh.simulate(sh.SharpnessConfig(backend=backend, **TINY)))


@pytest.mark.gpu
@pytest.mark.skipif(not cupy_available(), reason="needs CuPy and a CUDA device")
def test_cupy_agrees(tiny_numpy):
    _agree(tiny_numpy, sh.simulate(sh.SharpnessConfig(backend="cupy", **TINY)))


def test_same_seed_same_arrays_other_seed_differs(tiny_numpy):
    again = sh.simulate(sh.SharpnessConfig(backend="numpy", **TINY))
    for key in tiny_numpy.arrays:
        np.testing.assert_array_equal(again[key], tiny_numpy[key])
    other = sh.simulate(sh.SharpnessConfig(backend="numpy", **{**TINY, "seed": 4}))
    assert not np.allclose(other["sharpness"], tiny_numpy["sharpness"])


# ---- configs and claims ----------------------------------------------------------------------------
@pytest.mark.parametrize("changes, words", [
    ({"kind": "bogus"}, "kind"), ({"params": ("sp",)}, "params"), ({"depth": 4}, "depth"),
    ({"act": "gelu"}, "act"), ({"widths": (0,)}, "widths"), ({"lrs": (-1.0,)}, "lrs"),
    ({"init": "xavier"}, "xavier"), ({"kind": "eos", "params": ("standard",), "lrs": (1.5,)}, "c must"),
    ({"kind": "eos", "log_every": 50, "flow_log_every": 75}, "flow_log_every"),
    ({"kind": "eos", "flow_step": 0.0}, "flow_step"),
    ({"rows": 200}, "rows"), ({"kind": "ntk_init", "act": "tanh"}, "ntk_init")])
def test_bad_config_is_a_clear_error(changes, words):
    with pytest.raises(ConfigError, match=words):
        sh.SharpnessConfig(**changes)


@pytest.mark.parametrize("backend", ["numba", "array_api_strict"])
def test_sgd_experiments_agree_across_backends(backend):
    """SGD on a net (final loss, lambda_max, Hutchinson trace) and least-squares SGD: rel 1e-9."""
    for cfg in (dict(kind="sgd_net", params=("ntk",), widths=(16,), d=4, n_data=6, lrs=(0.5,),
                     steps=50, probes=5, seed=1),
                dict(kind="sgd_lstsq", lrs=(1.0, 2.5), steps=50)):
        _agree(sh.simulate(sh.SharpnessConfig(backend="numpy", **cfg)),
               sh.simulate(sh.SharpnessConfig(backend=backend, **cfg)))


def test_sweep_resumes_bit_identically(tmp_path, monkeypatch):
    """Every (param, width, seed) point of a sweep is checkpointed: a rerun that reads them all
    back, and one that recomputes a deleted point, give the uninterrupted result bit for bit."""
    cfg = sh.SharpnessConfig(backend="numpy", **TINY)
    monkeypatch.setenv("SIMS_CHECKPOINT_DIR", str(tmp_path))
    first = sh.simulate(cfg)
    items = sorted(tmp_path.rglob("item-*.npz"))
    assert len(items) == 2 * 2 * 2
    items[3].unlink()
    again = sh.simulate(cfg)
    for key in first.arrays:
        np.testing.assert_array_equal(again[key], first[key])


# ---- facts that hold by construction (not ledger rows) ------------------------------------------
def test_eos_runs_start_below_one_over_eta_from_the_flows_init():
    """eta = 2/(c lambda_0) with c > 2 (validation) puts every run at eta lambda_0 = 2/c < 1: the
    first logged sharpness is lambda_0 itself (Lanczos from the same init, rel 1e-6), and so is
    the gradient flow's first record (the same init, at t = 0 of every run)."""
    res = sh.simulate(sh.SharpnessConfig(**{**SMALL["eos"], "steps": 100, "log_every": 50,
                                            "flow_log_every": 50}))
    start = res["sharpness"][:, 0] * res["eta"]
    np.testing.assert_allclose(start, 2 / res["factors"], rtol=1e-6)
    np.testing.assert_allclose(res["flow_sharpness"][:, 0] * res["eta"], start, rtol=1e-6)
    assert np.all(start < 1) and np.all(res["flow_time"][:, 0] == 0)


def test_orthonormal_design_has_lambda_max_one_over_n_and_unit_trace():
    """sgd_lstsq's H = X^T X/N with N orthonormal rows: lambda_max = 1/N, tr H = 1 (round-off)."""
    res = sh.simulate(sh.SharpnessConfig(kind="sgd_lstsq", rows=20, cols=100, lrs=(1.0,), steps=1))
    assert res["lambda_max"] == pytest.approx(0.05, rel=1e-12)
    assert res["trace"] == pytest.approx(1.0, rel=1e-12)


def test_gauss_newton_equals_ntk_and_hessian_at_interpolation():
    """Along a GD run: lambda_max(J^T J/N) by matrix-free Lanczos = lambda_max(NTK)/N by dense
    eigvalsh at every logged step (same nonzero spectrum for any J; rel 1e-10 from the Lanczos
    tolerance 1e-13), and lambda_max(H) -> lambda_max(NTK)/N as the residual -> 0 (H = J^T J/N at
    r = 0): the gap is < 1e-6 once the loss is < 1e-10, while at init it is > 1e-4."""
    res = sh.simulate(sh.SharpnessConfig(kind="gauss_newton", params=("ntk",), act="tanh", widths=(64,),
                                d=4, n_data=8, lrs=(5.0,), steps=1500, log_every=300,
                                lanczos_tol=1e-13, seed=5))
    ntk = res["ntk_top_over_n"]
    np.testing.assert_allclose(res["gn_top"], ntk, rtol=1e-10)
    gap = np.abs(res["sharpness"] - ntk) / ntk
    assert res["loss"][-1] < 1e-10 and gap[-1] < 1e-6 and gap[0] > 1e-4


def test_sgd_lstsq_matches_the_trace_threshold():
    """A short least-squares run shows the split: GD converges at eta = 3 and diverges above
    2/lambda_max = 40, SGD converges at 1.8 and diverges at 3."""
    res = sh.simulate(sh.SharpnessConfig(kind="sgd_lstsq", lrs=(1.8, 3.0, 42.0), steps=1500,
                                backend="numba"))
    gd, sgd = res["rel_error"]
    assert gd[0] < 1e-6 and gd[1] < 1e-6 and gd[2] > 1e6
    assert sgd[0] < 1e-6 and sgd[1] > 1e6 and sgd[2] > 1e6


# ---- claims -------------------------------------------------------------------------------------
SMALL = {   # small runs of every kind with claims (~4 s together) on which every claim passes
    "ntk_init": dict(kind="ntk_init", params=("ntk",), act="relu", widths=(100, 1000, 10000, 100000),
                     d=4, n_data=6, seeds=4, seed=1),
    "width_sweep": dict(kind="width_sweep", params=("ntk", "mup"), widths=(128, 256, 512),
                        base_width=16, d=8, n_data=32, lrs=(2.0,), steps=300, log_every=150,
                        seeds=8, lanczos_tol=1e-8, seed=2),     # 3 seeds: UNDERPOWERED
    "lr_transfer": dict(kind="lr_transfer", params=("standard", "mup"), widths=(128, 256, 512),
                        base_width=16, d=8, n_data=16, lrs=tuple(2.0 ** k for k in range(-4, 7)),
                        steps=50, seeds=2, seed=3),
    "coord_check": dict(kind="coord_check", widths=(64, 128, 256, 512), seeds=6, records=4,
                        seed=2),
    "eos": dict(kind="eos", params=("standard",), init="xavier", gains=(1.9, 1.0), depth=2,
                bias=True, widths=(100,), d=1, n_data=20, lrs=(3.0, 3.25), steps=4000, log_every=100,
                flow_log_every=200, lanczos_tol=1e-6, seed=4),
    "sgd_lstsq": dict(kind="sgd_lstsq", lrs=(1.8, 2.2, 38.0, 42.0), steps=2000, seed=6),
    "sgd_net": dict(kind="sgd_net", params=("ntk",), widths=(64,), d=16, n_data=16,
                    lrs=(2.0, 4.0), steps=1500, probes=30, lanczos_tol=1e-8, seed=7),
}


@pytest.fixture(scope="module")
def small():
    return {k: sh.simulate(sh.SharpnessConfig(backend="numpy", **c)) for k, c in SMALL.items()}


def test_claims_pass_on_small_runs_and_every_control_rejects(small):
    """Every simulation claim of every kind passes, each with a control that was run and failed
    the same check (the verdicts are PASS with control_passed False); gauss_newton has no rows."""
    rows = sh.SIMULATOR.check(small, symbolic=False)
    assert {r.experiment for r in rows} == set(SMALL)
    assert [f"{r.experiment}: {r.name}" for r in rows if not r.passed] == []
    assert all(r.kind == "simulation" and r.control and r.control_passed is False for r in rows)
    assert sum(r.experiment == "width_sweep" for r in rows) == 4


def test_claims_run_on_an_in_memory_result_by_kind(small):
    """A result carries its kind and dims; a renamed experiment gets the same claims."""
    res = small["lr_transfer"]
    assert res.meta["kind"] == "lr_transfer" and res.dims["final_loss"] == ["param", "width", "lr",
                                                                          "seed"]
    rows = sh.SIMULATOR.check({"renamed": res}, symbolic=False)
    assert rows and all(r.passed and r.experiment == "renamed" for r in rows)


def _rows(kind, arrays, res):
    return {r.name: r for r in sh.SIMULATOR.check({kind: Result(arrays, res.meta)}, symbolic=False)}


def test_ntk_sharpness_claim_judges_the_magnitude_not_the_sign(small):
    """The NTK sharpness change's O(1/n) part has a random sign (tests/test_sharpness_width_seeds.py),
    so the row judges the seed RMS: flipping the sign of every change at the widest width leaves
    its measured exponent and verdict as they were (it used to fail a positivity check)."""
    res = small["width_sweep"]
    S = res["sharpness"].copy()
    S[0, -1, :, -1] = 2 * S[0, -1, :, 0] - S[0, -1, :, -1]
    rows = _rows("width_sweep", {**res.arrays, "sharpness": S}, res)
    before = _rows("width_sweep", res.arrays, res)["ntk sharpness change ~ width^-1"]
    after = rows["ntk sharpness change ~ width^-1"]
    assert after.outcome == before.outcome == "PASS"
    assert after.measured == pytest.approx(before.measured, abs=1e-9)


def test_mup_claim_fails_on_a_width_dependent_change(small):
    """Doubling muP's sharpness change at the widest width (a slope of ~1) fails the muP row."""
    res = small["width_sweep"]
    S = res["sharpness"].copy()
    S[1, -1, :, -1] = S[1, -1, :, 0] + 2 * (S[1, -1, :, -1] - S[1, -1, :, 0])
    assert not _rows("width_sweep", {**res.arrays, "sharpness": S}, res)[
        "mup sharpness change ~ width^0"].passed


MAIN = {"ntk_init": "ntk_emp", "width_sweep": "sharpness", "lr_transfer": "final_loss",
        "coord_check": "l1",
        "eos": "sharpness", "sgd_lstsq": "rel_error", "sgd_net": "trace"}


@pytest.mark.parametrize("kind", sorted(MAIN))
def test_claims_report_instead_of_raising_on_mangled_results(small, kind):
    """A missing array, a NaN-poisoned one or arrays cut short give FAIL rows with a reason, never an
    exception (every row fails when the measured arrays are NaN)."""
    res, key = small[kind], MAIN[kind]
    cases = {"missing": {k: v for k, v in res.arrays.items() if k != key},
             "nan": {k: (np.full(v.shape, np.nan) if v.dtype.kind == "f" and v.ndim >= 2 else v)
                     for k, v in res.arrays.items()},
             "short": {k: (v[:1] if v.ndim else v) for k, v in res.arrays.items()}}
    for case, arrays in cases.items():
        rows = sh.SIMULATOR.check({kind: Result(arrays, res.meta)}, symbolic=False)
        assert rows and all(isinstance(r.passed, bool) for r in rows), case
        assert any(not r.passed for r in rows), (kind, case)
        if case == "nan":
            assert all(not r.passed for r in rows), (kind, case, [r.name for r in rows if r.passed])


# ---- coord_check ---------------------------------------------------------------------------------
def test_coord_l1_is_mups_mean_abs_of_each_layer_and_its_change():
    """coord_l1 = mean |x| of z = m1 W1 X, tanh z, f and of their differences from a given first
    state, recomputed here by hand; one GD step of the runner is loss_and_grad's (tested above
    against finite differences) step."""
    from sims.sharpness.run import coord_l1
    Ws, m, X, y, _ = _net("tanh", 2, "mup", n=7, d=3, N=5)
    v0, first = coord_l1(xnp, Ws, m, X, "tanh")
    z = m[0] * Ws[0] @ X
    f = m[1] * Ws[1] @ np.tanh(z)
    np.testing.assert_allclose(v0, [np.mean(abs(z)), np.mean(abs(np.tanh(z))), np.mean(abs(f)),
                                    0, 0, 0], rtol=1e-14, atol=0)
    Ws1 = sh.gd_steps(NUMPY, Ws, m, X, y, "tanh", 0.3, 1)
    g = sh.loss_and_grad(xnp, Ws, m, X, y, "tanh").grads
    z1 = m[0] * (Ws[0] - 0.3 * g[0]) @ X
    f1 = m[1] * (Ws[1] - 0.3 * g[1]) @ np.tanh(z1)
    v1, _ = coord_l1(xnp, list(Ws1), m, X, "tanh", first)
    np.testing.assert_allclose(v1[3:], [np.mean(abs(z1 - z)), np.mean(abs(np.tanh(z1) - np.tanh(z))),
                                        np.mean(abs(f1 - f))], rtol=1e-12)


def test_seed_slopes_recover_exact_power_laws():
    from sims.sharpness.coord_claims import seed_slopes
    w = np.array([64, 128, 256, 512.0])
    s = np.array([-0.5, 0.0, 1.0])
    l1 = 3.0 * w[:, None, None] ** s[None, None, :] * np.ones((1, 2, 1))      # [width, seed, q]
    np.testing.assert_allclose(seed_slopes(w, l1), np.broadcast_to(s, (2, 3)), atol=1e-12)
    l1[1, 0, 0] = -1.0
    assert np.isnan(seed_slopes(w, l1)[0, 0])


def _synthetic_coord(rng, widths=(64, 128, 256, 512, 1024), seeds=6, records=4, noise=0.03,
                     shift=None):
    """A coord_check result whose l1 follow theory.coord_check_exponents per parametrisation
    exactly, times log-normal seed noise; ``shift`` = (param, record, quantity, delta) moves one
    exponent. muP's init output is 0.3 (64/n)^(1/2) against targets of l1 1 (as measured)."""
    from sims.results import Result
    from sims.sharpness.run import COORDINATES
    from theory.sharpness import coord_check_exponents
    params, w = ("standard", "ntk", "mup"), np.asarray(widths, float)
    l1 = np.empty((3, w.size, seeds, records, 6))
    for p, name in enumerate(params):
        e = coord_check_exponents(name)
        for t in range(records):
            for q, c in enumerate(COORDINATES):
                ex = e[f"{c}@init"] if (t == 0 and c in ("z", "h", "f")) else e[c]
                if shift and shift[:3] == (name, t, c):
                    ex += shift[3]
                scale = 0.3 if (c == "f" and t == 0) else 0.5
                l1[p, :, :, t, q] = scale * (w[:, None] / 64) ** ex * np.exp(
                    noise * rng.standard_normal((w.size, seeds)))
    l1[:, :, :, 0, 3:] = 0.0
    arrays = {"l1": l1, "widths": np.array(widths), "params": np.array(params),
              "coordinates": np.array(COORDINATES), "targets": np.array([1.0, -1.0])}
    return Result(arrays, {"kind": "coord_check", "config": {"lrs": [2.0]}})


def test_coord_check_verdicts_on_generated_cases_with_known_truth():
    """40 synthetic sweeps following the theory: both rows PASS (muP within the band, NTK and
    standard rejected) in all but at most 2 (the family-wise level is 1%); moving one muP
    exponent by 0.4 (a dz ~ n^-0.4 muP, a flat f at init, an h drifting like n^0.4) fails it every
    time; a sweep whose NTK run is flat (a broken control) is not a PASS."""
    from sims.sharpness.coord_claims import coord_check_claims
    rng = np.random.default_rng(0)
    ok = sum(all(r.outcome == "PASS" for r in coord_check_claims(_synthetic_coord(rng), None))
             for _ in range(40))
    assert ok >= 38
    for shift in (("mup", 1, "dz", -0.4), ("mup", 0, "f", 0.4), ("mup", 2, "h", 0.4)):
        for _ in range(5):
            rows = coord_check_claims(_synthetic_coord(rng, shift=shift), None)
            assert all(r.outcome == "FAIL" and r.check_passed is False for r in rows), shift
    res = _synthetic_coord(rng)
    l1 = res["l1"].copy()
    l1[1] = l1[2]                                                   # the NTK run made muP's
    rows = coord_check_claims(Result({**res.arrays, "l1": l1}, res.meta), None)
    assert rows[0].outcome != "PASS" and rows[0].control_passed and rows[1].outcome == "PASS"


def test_coord_check_passes_on_a_run_and_every_control_rejects(small):
    rows = [r for r in sh.SIMULATOR.check({"coord_check": small["coord_check"]}, symbolic=False)]
    assert [r.outcome for r in rows] == ["PASS", "PASS"]
    assert all(r.check_passed and r.control_passed is False for r in rows)
    assert "NTK" in rows[0].control and "standard" in rows[1].control


def test_coord_check_rejects_a_mup_readout_scaled_like_ntk(monkeypatch):
    """muP with the NTK readout multiplier (a_out = 0 on top of the NTK net) but muP's lr ~ n/n0:
    features move like n^+1/2 and the output blows up, so the same check fails on it."""
    from theory import sharpness as th
    monkeypatch.setitem(th.ABC, "mup", {**th.ABC["mup"], "a": (0.0, 0.0, 0.0)})
    res = sh.simulate(sh.SharpnessConfig(backend="numpy", **SMALL["coord_check"]))
    rows = sh.SIMULATOR.check({"coord_check": res}, symbolic=False)
    assert rows and all(r.outcome == "FAIL" and r.check_passed is False for r in rows)


def test_coord_check_config_is_checked():
    for changes, words in (({"depth": 3}, "depth 2"), ({"records": 1}, "records"),
                           ({"seeds": 1}, "seeds"), ({"widths": (64, 128)}, "3 distinct"),
                           ({"lrs": (1.0, 2.0)}, "one positive")):
        with pytest.raises(ConfigError, match=words):
            sh.SharpnessConfig(kind="coord_check", **changes)


# ---- controls that are rejected only because a run stopped or a grid ended -----------------------
def _transfer(opt_mup_log2=3.0):
    """An lr_transfer result whose seed-mean loss is (log2 lr - log2 lr*)^2 + 1: standard lr* =
    256/n (exponent -1), muP lr* = 2^opt_mup_log2 at every width (exponent 0)."""
    widths, lrs = np.array([256, 512, 1024]), 2.0 ** np.arange(-6, 7)
    opt = {"standard": np.log2(256 / widths), "mup": np.full(3, opt_mup_log2)}
    loss = np.stack([(np.log2(lrs)[None, :] - opt[p][:, None]) ** 2 + 1 for p in opt])
    arrays = {"widths": widths, "lrs": lrs, "params": np.array(list(opt)),
              "final_loss": np.repeat(loss[..., None], 2, axis=-1)}
    return Result(arrays, {"kind": "lr_transfer", "config": {"steps": 100}})


def test_lr_rows_are_not_applicable_when_the_controls_optimum_is_off_the_grid():
    """Both rows PASS on exact power laws; with muP's optimum past the grid's end (2^8), the
    standard row's control is unresolved (NOT_APPLICABLE, not a PASS by a rejected control) and
    the muP row itself FAILs (its own optimum unresolved)."""
    rows = {r.name: r for r in sh.SIMULATOR.check({"lr_transfer": _transfer()}, symbolic=False)}
    assert [r.outcome for r in rows.values()] == ["PASS", "PASS"]
    rows = {r.name: r for r in sh.SIMULATOR.check({"lr_transfer": _transfer(8.0)},
                                                  symbolic=False)}
    assert rows["standard optimal lr ~ width^-1"].outcome == "NOT_APPLICABLE"
    assert "grid's edge" in rows["standard optimal lr ~ width^-1"].reason
    assert rows["mup optimal lr ~ width^0"].outcome == "FAIL"


def _sgd_net(gd_loss=1e-10, gd_trace=3.0, sgd_trace=0.3):
    """An sgd_net result at eta = 2, 4 (2/eta = 1, 0.5), 2 seeds: SGD at minima with tr H =
    sgd_trace, GD with loss gd_loss and tr H = gd_trace; Hutchinson s.e. 0.01."""
    shape = (2, 2, 2)                                              # [method, lr, seed]
    loss = np.stack([np.full(shape[1:], gd_loss), np.full(shape[1:], 1e-10)])
    trace = np.stack([np.full(shape[1:], gd_trace), np.full(shape[1:], sgd_trace)])
    arrays = {"lrs": np.array([2.0, 4.0]), "methods": np.array(["gd", "sgd"]), "loss": loss,
              "trace": trace, "trace_se": np.full(shape, 0.01), "lam": np.full(shape, 0.2)}
    return Result(arrays, {"kind": "sgd_net", "config": {"steps": 3000, "probes": 50,
                                                         "batch": 1}})


def test_sgd_net_row_needs_a_gd_minimum_to_count_its_control():
    """SGD minima within tr H <= 2/eta and GD minima past it: PASS; GD runs that never reached a
    minimum in T steps reject the check only for want of one: NOT_APPLICABLE; SGD minima past
    the bound: FAIL."""
    check = lambda res: sh.SIMULATOR.check({"sgd_net": res}, symbolic=False)[0]   # noqa: E731
    assert check(_sgd_net()).outcome == "PASS"
    mute = check(_sgd_net(gd_loss=1e-3))
    assert mute.outcome == "NOT_APPLICABLE" and "no GD run reached a minimum" in mute.reason
    assert check(_sgd_net(sgd_trace=0.8, gd_loss=1e-3)).outcome == "FAIL"
