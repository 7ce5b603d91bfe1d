"""sims.double_descent: backends agree, kernels agree, solvers are exact, configs are checked,
claims can fail."""
from __future__ import annotations

import re

import numpy as np
import pytest
from array_api_compat import numpy as xnp

from sims import double_descent as dd
from sims.double_descent import model as ddm
from sims.results import Result
from sims.verdicts import Claim
from sims.config import from_mapping
from sims.config import config_class, field_names
from sims.double_descent import DoubleDescentConfig, simulate
from sims.errors import ConfigError
from sims.kernels import double_descent as nb
from sims.verdicts import NOT_APPLICABLE
from theory import double_descent as theory

EPS = np.finfo(float).eps


def _config(**values):
    """The config of ``values``'s model, from a dict shared by both models (the random-features
    fields d and n_test are dropped for the linear model)."""
    cls = config_class(DoubleDescentConfig, values)
    return cls(**{k: v for k, v in values.items() if k in field_names(cls)})
INF = float("inf")


# ---- backends agree ------------------------------------------------------------------------------
AGREE = dict(n=40, ratios=(0.5, 1.0, 2.0), seeds=3, d=20, n_test=50, seed=3,
             budgets=(0.0, 10.0, 1000.0, 1e8, INF), ridge=(1e-3, 0.1))


@pytest.fixture(scope="module", params=["linear", "relu_rf"])
def numpy_run(request):
    return request.param, simulate(_config(model=request.param, backend="numpy", **AGREE))


@pytest.mark.parametrize("backend", ["numba", "array_api_strict"])
def test_backends_agree(numpy_run, backend):
    """numba and array_api_strict reproduce the numpy reference run, array by array.

    Tolerance per (seed, ratio) cell: rel 1e-12 + 100 eps cond^2, cond from the stored
    ``condition`` array (asserted < 1e-5, ~2.5e-6 at the RF p = n cell, cond ~ 1e4). All backends share numpy's LAPACK SVD; they differ only in the order of
    the final sums and in the rounding of the GD filter's base 1 - eta s^2/n, and a one-ulp change
    there moves the filter by a relative <= eps / (eta s^2/n) = eps cond^2 / lr (lr = 1); 100x
    covers the ~p terms of each sum. Train losses that are 0 in exact arithmetic (interpolation,
    p >= n) are round-off of |y|^2/(2n) ~ 0.6: abs 1e-12 (~n eps |y|^2/(2n) ~ 1e-14).
    """
    model, ref = numpy_run
    other = simulate(_config(model=model, backend=backend, **AGREE))
    assert other.meta["backend"] == backend
    assert set(other.arrays) == set(ref.arrays)
    cond = ref["condition"]
    rtol = 1e-12 + 100 * EPS * cond**2
    assert rtol.max() < 1e-5, "near-singular draw: the tolerance would no longer mean anything"
    for key, want in ref.arrays.items():
        got = other[key]
        if key == "closed_form_check":          # itself pure round-off: both tiny is the claim
            assert got.max() < 1e-9 and want.max() < 1e-9
        elif want.dtype.kind != "f" or want.shape[:2] != cond.shape:
            np.testing.assert_array_equal(got, want, err_msg=key)
        else:
            tol = rtol.reshape(rtol.shape + (1,) * (want.ndim - 2))
            assert np.all(np.abs(got - want) <= 1e-12 + tol * np.abs(want)), key


# ---- numba kernels vs generic code ----------------------------------------------------------------
@pytest.mark.parametrize("lr", [1.0, 1.9])
def test_linear_model_risks_numba_matches_generic(lr):
    """The fused numba kernel gives the generic filter + reduction's risks and train losses,
    including t = inf budgets, t = 0, and singular values at or below the cut-off tol.

    Tolerance rel 1e-12: both do the same few flops per term (each rel eps) and differ in summation
    order over 30 terms of one sign, so ~30 eps ~ 7e-15; the inputs avoid cancellation in
    |beta|^2 - |V^T beta|^2 and |y|^2 - |U^T y|^2 by construction.
    """
    rng = np.random.default_rng(7)
    p, n = 30, 25
    s = np.sort(rng.uniform(0.3, 5.0, p))[::-1]
    tol = max(n, p) * EPS * s[0]
    s[-3:] = [tol / 3, 1e-17, 0.0]                           # dropped modes
    c, vb = rng.standard_normal(p), rng.standard_normal(p)
    y2, beta2 = float(c @ c) + 3.0, float(vb @ vb) + 0.7
    budgets = np.array([0.0, 1.0, 7.0, 100.0, 1e6, 1e12, INF])
    lambdas = np.array([1e-4, 0.1, 10.0])
    args = (s, c, vb, y2, beta2, lr / s[0] ** 2, budgets, lambdas, n, tol)
    risk_nb, train_nb = nb.linear_model_risks(*args)
    risk, train = dd.linear_model_risks.generic(xnp, *args)
    assert risk.shape == train.shape == (1 + budgets.size + lambdas.size,)
    np.testing.assert_allclose(risk_nb, risk, rtol=1e-12)
    np.testing.assert_allclose(train_nb, train, rtol=1e-12)
    # t = 0 leaves a = 0 (risk |beta|^2, train |y|^2/2n); t = inf equals min-norm.
    np.testing.assert_allclose(risk[1], beta2, rtol=1e-12)
    np.testing.assert_allclose(train[1], y2 / (2 * n), rtol=1e-12)
    np.testing.assert_allclose(risk[budgets.size], risk[0], rtol=1e-12)


def test_gd_iterate_numba_matches_generic():
    """The numba GD loop gives the generic loop's iterate, on a non-contiguous (sliced) design.

    Tolerance rel 1e-11: GD with eta <= 1/lambda_max is a contraction on the row space, so round-off
    of ~p eps per step adds up to at most ~steps p eps = 60 * 12 * eps ~ 2e-13.
    """
    rng = np.random.default_rng(8)
    Z = rng.standard_normal((20, 35))[:, :12]                # a view, as simulate passes it
    y = rng.standard_normal(20)
    eta_over_n = 1.0 / np.linalg.norm(Z, 2) ** 2
    got = nb.gd_iterate(Z, y, eta_over_n, 60)
    want = dd.gd_iterate.generic(xnp, Z, y, eta_over_n, 60)
    np.testing.assert_allclose(got, want, rtol=1e-11)


# ---- the spectral solvers are exact ---------------------------------------------------------------
def _problem(shape, seed, rank_deficient=False):
    rng = np.random.default_rng(seed)
    n, p = shape
    Z = rng.standard_normal((n, p))
    if rank_deficient:
        Z[:, -1] = Z[:, 0]                                   # one exactly zero singular value
    y = rng.standard_normal(n)
    U, s, Vh = np.linalg.svd(Z, full_matrices=False)
    return Z, y, U, s, Vh, max(n, p) * EPS * s[0]


PROBLEMS = [pytest.param((15, 8), False, id="under"), pytest.param((15, 30), False, id="over"),
            pytest.param((15, 10), True, id="rank-deficient")]


def _apply(phi, U, Vh, y):
    return Vh.T @ (phi * (U.T @ y))


@pytest.mark.parametrize("shape, deficient", PROBLEMS)
@pytest.mark.parametrize("lr", [1.0, 1.9])
def test_gd_closed_form_equals_iterated_gd(shape, deficient, lr):
    """The GD filter [1 - (1 - eta s^2/n)^t]/s after t steps equals t explicit GD steps from zero.

    Tolerance rel 1e-10: each of the <= 100 explicit steps adds round-off ~p eps relative, not
    amplified (eta < 2/lambda_max keeps the iteration stable): <= 100 * 30 * eps ~ 7e-13.
    """
    Z, y, U, s, Vh, tol = _problem(shape, 1, deficient)
    n = shape[0]
    budgets = np.array([0.0, 1.0, 2.0, 25.0, 100.0])
    phi = ddm._filters(xnp, s, s > tol, lr / s[0] ** 2, budgets, np.array([]), n)
    a = np.zeros(shape[1])
    for t in range(101):
        if t in budgets:
            closed = _apply(phi[1 + list(budgets).index(t)], U, Vh, y)
            if t == 0:
                assert np.all(closed == 0)
            else:
                assert np.linalg.norm(closed - a) <= 1e-10 * np.linalg.norm(a)
        a = a - lr / s[0] ** 2 * (Z.T @ (Z @ a - y))


@pytest.mark.parametrize("shape, deficient", PROBLEMS)
def test_infinite_budget_and_min_norm_equal_pinv(shape, deficient):
    """t = inf and the min-norm filter both give numpy.linalg.pinv(Z) @ y (same cut-off rule).

    Tolerance rel 1e-10: both are SVD-based, so they differ by round-off ~cond * eps (cond < 100
    for these shapes once the exactly-zero mode is dropped).
    """
    Z, y, U, s, Vh, tol = _problem(shape, 2, deficient)
    assert deficient == (s[-1] <= tol)
    phi = ddm._filters(xnp, s, s > tol, 1.0 / s[0] ** 2, np.array([INF]), np.array([]), shape[0])
    want = np.linalg.pinv(Z) @ y
    for row in (0, 1):
        np.testing.assert_allclose(_apply(phi[row], U, Vh, y), want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("shape, deficient", PROBLEMS)
def test_ridge_filter_equals_normal_equations(shape, deficient):
    """The ridge filter s/(s^2 + n lam) solves (Z^T Z + n lam I) a = Z^T y.

    Tolerance rel 1e-10: the normal equations have cond <= (s_max^2 + n lam)/(n lam) ~ 5e3 at
    lam = 1e-3, so solve() is accurate to ~5e3 eps ~ 1e-12.
    """
    Z, y, U, s, Vh, tol = _problem(shape, 3, deficient)
    n, p = shape
    lambdas = np.array([1e-3, 0.1, 1.0])
    phi = ddm._filters(xnp, s, s > tol, 1.0 / s[0] ** 2, np.array([]), lambdas, n)
    for i, lam in enumerate(lambdas):
        want = np.linalg.solve(Z.T @ Z + n * lam * np.eye(p), Z.T @ y)
        np.testing.assert_allclose(_apply(phi[1 + i], U, Vh, y), want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("shape, deficient", PROBLEMS)
def test_risk_and_train_loss_formulas(shape, deficient):
    """linear_model_risks' spectral shortcuts equal |a - beta|^2 and |Za - y|^2/(2n) computed
    directly from each filter's estimate a.

    Tolerance rel 1e-10 + abs 1e-12: sums of ~p terms (~p eps); the abs part covers train losses
    that are exactly 0 (interpolation), computed as |y|^2 - |U^T y|^2 + ..., round-off ~n eps.
    """
    Z, y, U, s, Vh, tol = _problem(shape, 4, deficient)
    n, p = shape
    beta = np.random.default_rng(5).standard_normal(p)
    budgets, lambdas = np.array([0.0, 3.0, 50.0, INF]), np.array([1e-2, 1.0])
    lr_over_n = 1.0 / s[0] ** 2
    c = U.T @ y
    risk, train = dd.linear_model_risks.generic(xnp, s, c, Vh @ beta, float(y @ y),
                                                float(beta @ beta), lr_over_n, budgets, lambdas,
                                                n, tol)
    phi = ddm._filters(xnp, s, s > tol, lr_over_n, budgets, lambdas, n)
    for f in range(phi.shape[0]):
        a = _apply(phi[f], U, Vh, y)
        np.testing.assert_allclose(risk[f], np.sum((a - beta) ** 2), rtol=1e-10)
        np.testing.assert_allclose(train[f], np.sum((Z @ a - y) ** 2) / (2 * n),
                                   rtol=1e-10, atol=1e-12)


SMALL = dict(n=20, ratios=(0.5, 1.0, 2.5), seeds=2, d=8, n_test=30, seed=11, check_steps=20,
             budgets=(0.0, 3.0, 40.0, INF), ridge=(1e-2, 1.0), backend="numpy")


def _direct(config, k):
    """Seed k of ``simulate(config)`` recomputed with plain numpy: pinv, explicit GD loops,
    ridge by solve(); returns {array name: values over ratios}."""
    n = config.n
    widths = [max(1, round(q * n)) for q in config.ratios]
    rng = np.random.default_rng(np.random.SeedSequence(config.seed).spawn(config.seeds)[k])
    data = ddm._draw(config, rng, max(widths))
    out = {key: [] for key in ("min_norm", "gd", "ridge", "ridge_opt", "condition")}
    for p in widths:
        if config.model == "linear":
            g = data["g"][:p]
            beta = config.signal * g / np.linalg.norm(g)
            Z = data["X"][:, :p]
            y = Z @ beta + data["eps"]

            def scores(a):
                return np.sum((a - beta) ** 2), np.sum((Z @ a - y) ** 2) / (2 * n)
        else:
            Z, y, Zt, yt = data["Z"][:, :p], data["y"], data["Zt"][:, :p], data["yt"]

            def scores(a):
                return np.mean((Zt @ a - yt) ** 2), np.sum((Z @ a - y) ** 2) / (2 * n)
        pinv = np.linalg.pinv(Z) @ y
        eta_over_n = config.lr / np.linalg.norm(Z, 2) ** 2
        gd, a = [], np.zeros(p)
        for t in range(int(max(b for b in config.budgets if b < INF)) + 1):
            if t in config.budgets:
                gd.append(scores(a))
            a = a - eta_over_n * (Z.T @ (Z @ a - y))
        gd.append(scores(pinv))                              # t = inf is last in SMALL
        ridge = lambda lam: np.linalg.solve(Z.T @ Z + n * lam * np.eye(p), Z.T @ y)  # noqa: E731
        out["min_norm"].append(scores(pinv))
        out["gd"].append(gd)
        out["ridge"].append([scores(ridge(lam)) for lam in config.ridge])
        out["ridge_opt"].append(scores(ridge(theory.optimal_ridge_lambda(
            p / n, config.signal, config.noise))))
        out["condition"].append(np.linalg.cond(Z))
    return {key: np.array(v) for key, v in out.items()}


@pytest.mark.parametrize("model", ["linear", "relu_rf"])
def test_simulate_equals_direct_numpy(model):
    """simulate()'s risks and train losses for every estimator equal a plain-numpy recomputation
    of the same seeds (pinv, explicit GD, ridge via solve), and its closed-form self-check holds.

    Tolerance per cell: rel 1e-9 + 1e3 eps cond^2 (cond from the stored ``condition`` array; the
    p = n design has cond ~ 1e2-1e3 and both routes lose ~cond^2 eps in the risk), abs 1e-12 for
    train losses that are 0 in exact arithmetic. cond itself: rel 1e-9 (~cond eps).
    """
    config = _config(model=model, **SMALL)
    res = simulate(config)
    assert res["closed_form_check"].max() < 1e-9
    for k in range(config.seeds):
        want = _direct(config, k)
        cond = res["condition"][k]
        np.testing.assert_allclose(cond, want["condition"], rtol=1e-9)
        rtol = 1e-9 + 1e3 * EPS * cond**2
        pairs = [("min_norm", want["min_norm"]), ("gd", want["gd"]), ("ridge", want["ridge"])]
        if model == "linear":
            pairs.append(("ridge_opt", want["ridge_opt"]))
        for key, direct in pairs:
            for i, part in enumerate(("risk", "train")):
                got = res[f"{key}_{part}"][k]
                exp = direct[..., i]
                tol = rtol.reshape(rtol.shape + (1,) * (exp.ndim - 1))
                assert np.all(np.abs(got - exp) <= 1e-12 + tol * np.abs(exp)), (key, part)


# ---- determinism ----------------------------------------------------------------------------------
def test_same_seed_same_arrays_other_seed_differs():
    """Two runs with one seed are bit-identical; another seed gives other data; adding seeds only
    appends draws (each seed's stream is SeedSequence(seed).spawn(S)[k], independent of S)."""
    base = dict(SMALL, model="relu_rf")
    a, b = simulate(_config(**base)), simulate(_config(**base))
    for key in a.arrays:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    other = simulate(_config(**{**base, "seed": base["seed"] + 1}))
    assert not np.any(other["min_norm_risk"] == a["min_norm_risk"])
    more = simulate(_config(**{**base, "seeds": 3}))
    np.testing.assert_array_equal(more["min_norm_risk"][:2], a["min_norm_risk"])


# ---- config validation ----------------------------------------------------------------------------
@pytest.mark.parametrize("changes, field", [
    ({"n": -5}, "n"),
    ({"n": "ten"}, "n"),
    ({"lr": 2.5}, "lr"),
    ({"lr": 0}, "lr"),
    ({"model": "mlp"}, "model"),
    ({"ratios": [0, 1.0]}, "ratios"),
    ({"ratios": []}, "ratios"),
    ({"budgets": [10, 2.5]}, "budgets"),
    ({"budgets": [-1]}, "budgets"),
    ({"ridge": [0.0]}, "ridge"),
    ({"seeds": 0}, "seeds"),
    ({"backend": "gpu"}, "backend"),
    ({"bogus": 1}, "bogus"),
])
def test_bad_config_names_the_field(changes, field):
    """A bad value (or unknown key) raises ConfigError before anything runs, naming the field."""
    with pytest.raises(ConfigError) as info:
        from_mapping(DoubleDescentConfig, {"model": "linear", **changes})
    assert re.search(rf"\b{field}\b", str(info.value)), str(info.value)


def test_good_config_edge_values():
    """Boundary values that are valid: lr just under 2, .inf budgets written as YAML strings,
    integer-valued float budgets."""
    c = from_mapping(DoubleDescentConfig, {"lr": 1.99, "budgets": [0, 10.0, ".inf", "inf"], "ratios": [1]})
    assert c.budgets == (0.0, 10.0, INF, INF) and c.ratios == (1.0,)


# ---- claims ---------------------------------------------------------------------------------------
FINITE_N = "min-norm risk = exact finite-n formula"


@pytest.fixture(scope="module")
def linear_mc():
    """A real linear run big enough for the Monte-Carlo claims: n = 60, 1500 seeds (~5 s): the
    finite-n formula's 3.5-s.e. band excludes the asymptotic formula (z ~ sqrt(seeds)/n x 18)."""
    config = _config(model="linear", n=60, ratios=(0.25, 0.5, 0.75, 1.0, 1.25, 2.0, 4.0),
                    seeds=1500, budgets=(1000.0, 1e12), ridge=(0.1,), backend="numpy", seed=0)
    return simulate(config)


def test_claims_pass_on_a_real_run_and_every_control_rejects(linear_mc):
    """Every linear claim passes on a real run, and the same check fails on each control (the
    asymptotic rival, optimal ridge, min-norm): the verdicts are PASS with control_passed False."""
    out = dd.claims({"linear": linear_mc})
    sim = [c for c in out if c.kind == "simulation"]
    assert sim and all(isinstance(c, Claim) for c in out)
    assert {c.name for c in sim} >= {FINITE_N, "risk peak at p/n = 1",
                                     "optimal ridge removes the peak"}
    assert [c.name for c in sim if not c.passed] == []
    assert all(c.control and c.control_passed is False for c in sim)
    assert all(c.kind == "symbolic" and c.passed for c in out if c not in sim)


def test_the_training_level_is_not_applicable_without_label_noise():
    """At sigma = 0 the min-norm fit interpolates below p = n too: the level sigma^2 (n - p)/(2n)
    and its rival sigma^2/2 are both 0, so the row says NOT APPLICABLE (and why), without a
    division by a zero standard error."""
    import warnings
    res = simulate(_config(model="linear", n=20, ratios=(0.5, 2.0), seeds=5, noise=0.0,
                           budgets=(1e12,), ridge=(0.1,), backend="numpy", seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = {c.name: c for c in res.claims()}
    row = rows["min-norm train loss = sigma^2 (n - p)/(2n) below p = n"]
    assert row.outcome == NOT_APPLICABLE and "noise-free" in str(row), row


def test_claims_work_on_an_in_memory_result(linear_mc):
    """A result from simulate() carries its config, kind and dims: claims run without any file."""
    assert linear_mc.meta["kind"] == "linear" and linear_mc.simulator == "double_descent"
    assert linear_mc.dims["min_norm_risk"] == ["seed", "ratio"]
    rows = linear_mc.claims()
    assert rows and all(r.kind == "simulation" and r.passed for r in rows)


def test_finite_n_claim_fails_on_a_wrong_result(linear_mc):
    """The finite-n check can fail: the same run with the min-norm risk scaled by 1.2 fails it,
    while a claim that only looks at the argmax still passes."""
    wrong = Result({**linear_mc.arrays, "min_norm_risk": 1.2 * linear_mc["min_norm_risk"]},
                   linear_mc.meta)
    by_name = {c.name: c for c in dd.claims({"linear": wrong})}
    assert by_name[FINITE_N].passed is False
    assert by_name["risk peak at p/n = 1"].passed is True


def test_claims_report_instead_of_raising_on_a_mangled_result(linear_mc):
    """A result without an array the claims need, or with NaN risks, gives FAIL rows with a
    reason, never an exception."""
    arrays = {k: v for k, v in linear_mc.arrays.items() if k != "ridge_opt_risk"}
    rows = dd.claims({"linear": Result(arrays, linear_mc.meta)})
    assert any(not r.passed and "KeyError" in str(r.measured) for r in rows)
    poisoned = {**linear_mc.arrays, "min_norm_risk": np.full_like(linear_mc["min_norm_risk"], np.nan)}
    rows = dd.claims({"linear": Result(poisoned, linear_mc.meta)})
    assert not {r.name: r for r in rows}[FINITE_N].passed


def test_random_features_run_checks_closed_form_gd_and_conditioning():
    """On a small random-features run: the closed-form GD filter equals check_steps explicit steps
    (bound 1e-9: round-off ~check_steps * cond * eps), and the condition number of the features
    peaks at N = n (the smallest singular value of a square random matrix is smallest); both are
    facts of the code and of random matrices, so they are tests, not ledger rows."""
    config = _config(model="relu_rf", n=30, d=10, n_test=40, seeds=4, seed=1,
                    ratios=(0.5, 1.0, 4.0), budgets=(1000.0, 1e12), ridge=(1e-2, 1.0),
                    backend="numpy")
    res = simulate(config)
    assert float(np.max(res["closed_form_check"])) < 1e-9
    assert int(np.argmax(np.median(res["condition"], axis=0))) == 1
    rows = dd.claims({"random_features": res})
    assert rows and all(isinstance(c, Claim) for c in rows)


def test_gd_at_an_infinite_budget_is_the_pseudo_inverse():
    """The 1e12-step GD filter equals the min-norm solution on every seed (true by construction:
    (1 - eta s^2/n)^t underflows), so it is a test and not a ledger claim."""
    config = _config(model="linear", n=30, ratios=(0.5, 1.0, 2.0), seeds=5, budgets=(1e12,),
                    ridge=(0.1,), backend="numpy", seed=3)
    res = simulate(config)
    np.testing.assert_allclose(res["gd_risk"][:, :, 0], res["min_norm_risk"], rtol=1e-8)


# ---- issue 24 item 5: the random-features Gram against the arc-cosine kernel ----------------------
class _GramResult:
    def __init__(self, d, N, moments):
        self.meta = {"config": {"d": d}}
        self.arrays = {"widths": np.array([N]),
                       **{k: np.array([m[k] for m in moments]) for k in moments[0]}}

    def __getitem__(self, key):
        return self.arrays[key]


def _gram_run(rng, d=20, n=40, N=400, seeds=30, features="relu_sqrt_d"):
    from sims.double_descent.run import gram_moments
    moments = []
    for _ in range(seeds):
        X = rng.standard_normal((n, d))
        W = rng.standard_normal((N, d))
        scale = d if features == "relu_d" else np.sqrt(d)
        moments.append(gram_moments(X, np.maximum(X @ W.T / scale, 0.0)))
    return _GramResult(d, N, moments)


def test_gram_claim_passes_on_the_right_features_and_rejects_the_rival():
    """20 generated sweeps with ReLU(w.x/sqrt(d)) features, w ~ N(0, I): PASS with the 1/d rival
    rejected on (nearly) every one (3.5 s.e.: a false FAIL ~5e-4 each); features scaled by 1/d
    FAIL on every one."""
    from sims.double_descent.kernel_claim import gram_claim
    rng = np.random.default_rng(11)
    right = [gram_claim(_gram_run(rng)) for _ in range(20)]
    assert sum(c.outcome == "PASS" for c in right) >= 19, [str(c) for c in right]
    assert all(c.control_passed is False for c in right)
    wrong = [gram_claim(_gram_run(rng, features="relu_d")) for _ in range(5)]
    assert all(c.outcome == "FAIL" and not c.check_passed for c in wrong)


def test_gram_error_variance_is_the_monte_carlo_rate():
    """E |G - K1|_F^2 = sum(K2 - K1^2)/N: the mean of the ratio over 400 draws of the weights
    (same inputs) is 1 within 4 standard errors, and it halves when N doubles."""
    from theory import double_descent as arccos_kernel
    rng = np.random.default_rng(5)
    d, n = 10, 12
    X = rng.standard_normal((n, d))
    K1, _ = arccos_kernel.kernels(X)
    for N in (50, 100):
        errs = []
        for _ in range(400):
            Z = np.maximum(X @ rng.standard_normal((N, d)).T / np.sqrt(d), 0.0)
            errs.append(np.sum((Z @ Z.T / N - K1) ** 2))
        ratio = np.asarray(errs) / arccos_kernel.gram_error_variance(X, N)
        assert abs(ratio.mean() - 1) <= 4 * ratio.std(ddof=1) / np.sqrt(ratio.size), (N, ratio.mean())


def test_wide_projections_are_the_svds():
    """model.wide_projections (QR of Z^T, then the SVD of the n x n factor) gives the thin SVD's
    singular values, and U^T y and V^T beta up to the sign of each singular pair (so their products
    are equal), on 40 generated wide designs (n 5..60, p n+1..6n, Gaussian and badly scaled
    columns); a V^T beta taken from the wrong side (U^T beta's leading entries) fails it."""
    from sims.double_descent.model import wide_projections
    rng = np.random.default_rng(8)
    for case in range(40):
        n = int(rng.integers(5, 61))
        p = int(rng.integers(n + 1, 6 * n + 1))
        Z = rng.standard_normal((n, p)) * (rng.uniform(0.1, 10.0, p) if case % 2 else 1.0)
        y, beta = rng.standard_normal(n), rng.standard_normal(p)
        s, c, vb = wide_projections(Z, y, beta)
        U, s_ref, Vh = np.linalg.svd(Z, full_matrices=False)
        scale = s_ref[0] * np.abs(y).max() * np.abs(beta).max()
        assert np.allclose(s, s_ref, rtol=0, atol=1e-12 * s_ref[0]), case
        assert np.allclose(c * vb, (U.T @ y) * (Vh @ beta), rtol=0, atol=1e-10 * scale), case
        assert np.allclose(np.abs(c), np.abs(U.T @ y), rtol=0, atol=1e-10 * s_ref[0] * np.abs(y).max()
                           / s_ref[-1]), case
        assert not np.allclose(c * (U.T @ beta[:n]), (U.T @ y) * (Vh @ beta), atol=1e-6), case
