"""sims.grokking: exact gradients, the optimisers against hand-written Adam/AdamW/GD steps, numba and
array_api_strict agree with numpy, stage detection on synthetic traces, configs, claims can fail."""
from __future__ import annotations

import math

import numpy as np
import pytest
from array_api_compat import numpy as xnp

from sims import grokking as gk
from sims.backend import cupy_available, get_backend
from sims.errors import ConfigError
from sims.kernels import grokking as kern
from theory import grokking as theory

NUMPY = get_backend("numpy")


def _state(M=7, K=9, frac=0.6, seed=0):
    rng = np.random.default_rng(seed)
    X, y, Yt = theory.dataset(M)
    tr, _ = gk.split(M, frac, rng)
    W, V = gk.init_params(M, K, rng)
    return W, V, X[tr], Yt[tr]


@pytest.mark.parametrize("act", [0, 1])
def test_gradients_match_finite_differences(act):
    """dL/dW, dL/dV and G_F = -dL/dF against central differences along random directions
    (h = 1e-5: O(h^2) ~ 1e-10 truncation; rel 1e-6 leaves room for the relu kink, which a
    random direction of size 1e-5 crosses with probability ~1e-4 per unit)."""
    W, V, X, Yt = _state()
    loss, gW, gV, GF, F = gk.loss_and_grads(xnp, W, V, X, Yt, act)
    rng = np.random.default_rng(1)
    h = 1e-5
    for j, (P, g) in enumerate(((W, gW), (V, gV))):
        D = rng.standard_normal(P.shape)
        def f(s):
            args = [W, V]
            args[j] = P + s * D
            return gk.loss_and_grads(xnp, *args, X, Yt, act)[0]
        fd = (f(h) - f(-h)) / (2 * h)
        assert abs(fd - np.sum(g * D)) <= 1e-6 * max(1.0, abs(fd)), (j, fd, np.sum(g * D))
    # G_F: the loss as a function of F (with V fixed)
    D = rng.standard_normal(F.shape)
    def fF(s):
        O = (F + s * D) @ V.T
        R = O - O.mean(1, keepdims=True) - Yt
        return np.sum(R * R) / X.shape[0]
    fd = (fF(h) - fF(-h)) / (2 * h)
    assert fd == pytest.approx(-np.sum(GF * D), rel=1e-7, abs=1e-12)


def test_loss_equals_the_papers_expanded_form():
    """The code's loss: |o - mean o|^2 - 2 (o_y - mean o) + 1 - 1/M, averaged over samples."""
    W, V, X, Yt = _state()
    M = V.shape[0]
    O = (X @ W.T) ** 2 @ V.T
    oc = O - O.mean(1, keepdims=True)
    y = np.argmax(Yt, 1)
    paper = np.mean(np.sum(oc**2, 1) - 2 * oc[np.arange(len(y)), y] + 1 - 1 / M)
    assert gk.loss_and_grads(xnp, W, V, X, Yt, 0)[0] == pytest.approx(paper, rel=1e-13)


def _torch_like(P, g, m, v, t, lr, wd, b1, b2, eps, kind):
    """torch.optim.{Adam,AdamW,SGD} single step written from their documented update rules."""
    if kind == "gd":
        return P - lr * (g + wd * P), m, v
    if kind == "adam":
        g = g + wd * P
    else:
        P = P * (1 - lr * wd)
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    step = lr / (1 - b1**t)
    return P - step * m / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps), m, v


@pytest.mark.parametrize("kind", ["adam", "adamw", "gd"])
def test_optimisers_follow_the_torch_update_rules(kind):
    """Three steps of the generic and numba chunks vs the documented torch update (rel 1e-12)."""
    W, V, X, Yt = _state()
    hp = (0.01, 0.05, 0.9, 0.999, 1e-8, gk.OPT_CODE[kind], 0)
    z = [np.zeros_like(a) for a in (W, W, V, V)]
    P, st = [W.copy(), V.copy()], [[z[0], z[1]], [z[2], z[3]]]
    for t in (1, 2, 3):
        _, gW, gV, _, _ = gk.loss_and_grads(xnp, P[0], P[1], X, Yt, 0)
        for i, g in enumerate((gW, gV)):
            P[i], st[i][0], st[i][1] = _torch_like(P[i], g, *st[i], t, *hp[:5], kind)
    got_g = gk.train_chunk.generic(xnp, W, V, *z, X, Yt, 0, 3, *hp)
    got_n = kern.train_chunk(W, V, *z, X, Yt, 0, 3, *hp)
    for got in (got_g, got_n):
        np.testing.assert_allclose(got[0], P[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got[1], P[1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("act", [0, 1])
def test_numba_chunk_matches_generic(act):
    """40 Adam steps: the gather/scatter numba kernel equals the dense generic one (rel 1e-10;
    summation order differs, and Adam divides by sqrt(v) which amplifies ulps on tiny v)."""
    W, V, X, Yt = _state(seed=3)
    z = [np.zeros_like(a) for a in (W, W, V, V)]
    hp = (0.01, 5e-4, 0.9, 0.999, 1e-8, 0, act)
    want = gk.train_chunk.generic(xnp, W, V, *z, X, Yt, 0, 40, *hp)
    got = kern.train_chunk(W, V, *z, X, Yt, 0, 40, *hp)
    for w, g in zip(want[:6], got[:6]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-13)
    assert got[6] == pytest.approx(want[6], rel=1e-10)


# ---- backends, determinism ----------------------------------------------------------------------
TINY = dict(M=7, K=12, train_fraction=0.6, steps=60, record_every=20, indep_steps=20, seed=4)


@pytest.fixture(scope="module")
def tiny_numpy():
    return gk.simulate(gk.Config(backend="numpy", **TINY))


def _agree(a, b):
    assert set(a.arrays) == set(b.arrays)
    for k in a.arrays:
        if a[k].dtype.kind == "f":
            np.testing.assert_allclose(b[k], a[k], rtol=1e-7, atol=1e-9, err_msg=k)
        else:
            np.testing.assert_array_equal(b[k], a[k], err_msg=k)


@pytest.mark.parametrize("backend", ["numba", "array_api_strict"])
def test_backends_agree(tiny_numpy, backend):
    """Same seed, same arrays (rel 1e-7: 60 Adam steps amplify summation-order ulps; float32
    spectra are stored, whose own rounding is 6e-8)."""
    _agree(tiny_numpy, gk.simulate(gk.Config(backend=backend, **TINY)))


@pytest.mark.gpu
@pytest.mark.skipif(not cupy_available(), reason="needs CuPy and a CUDA device")
def test_cupy_agrees(tiny_numpy):
    _agree(tiny_numpy, gk.simulate(gk.Config(backend="cupy", **TINY)))


def test_same_seed_same_arrays_other_seed_differs(tiny_numpy):
    again = gk.simulate(gk.Config(backend="numpy", **TINY))
    for k in tiny_numpy.arrays:
        np.testing.assert_array_equal(again[k], tiny_numpy[k])
    other = gk.simulate(gk.Config(backend="numpy", **{**TINY, "seed": 5}))
    assert not np.allclose(other["W_final"], tiny_numpy["W_final"])


# ---- stage detection on synthetic traces --------------------------------------------------------
def _trace(t_mem=10, t_feat=50, t_grok=200, n=31, M=23):
    steps = np.arange(n) * 10.0
    train = np.where(steps >= t_mem, 1.0, 0.5)
    test = np.where(steps >= t_grok, 1.0, 0.0)
    ipr = np.where(steps >= t_feat, 0.5, 0.12)
    return steps, train, test, ipr, M


def test_stages_detected_in_order_on_a_synthetic_grokking_trace():
    st = gk.detect_stages(*_trace())
    assert (st["t_mem"], st["t_feat"], st["t_grok"]) == (10, 50, 200)
    assert st["ordered"] and st["clean_mem"] and st["delay"] == 190


def test_stage_detection_rejects_wrong_orders_and_dirty_memorisation():
    st = gk.detect_stages(*_trace(t_feat=250, t_grok=200))          # test jumps before features
    assert not st["ordered"]
    steps, train, test, ipr, M = _trace()
    test2 = test.copy()
    test2[1:5] = 0.5                                                 # not at chance at t_mem
    assert not gk.detect_stages(steps, train, test2, ipr, M)["clean_mem"]
    ipr2 = ipr.copy()
    ipr2[1] = 0.3                                                    # features already formed
    assert not gk.detect_stages(steps, train, test, ipr2, M)["clean_mem"]
    st = gk.detect_stages(steps, np.zeros_like(train), test, ipr, M)  # never memorises
    assert math.isnan(st["t_mem"]) and not st["ordered"]
    st = gk.detect_stages(steps, train, test, np.full_like(ipr, 0.12), M)   # no stage II
    assert math.isnan(st["t_feat"]) and not st["ordered"]


# ---- configs and claims -------------------------------------------------------------------------
@pytest.mark.parametrize("changes, words", [
    ({"kind": "x"}, "kind"), ({"optimizer": "sgd"}, "optimizer"), ({"activation": "tanh"}, "activ"),
    ({"M": 2}, "M"), ({"K": 0}, "K"), ({"lr": 0.0}, "lr"), ({"train_fraction": 1.0}, "train_frac"),
    ({"optimizer": "gd", "lr": 100.0, "weight_decay": 0.1}, "diverges"),
    ({"kind": "sweep", "sweep_M": (11,)}, "no test set"), ({"low": 3.0}, "low"),
    ({"group": "klein"}, "group"), ({"group": "dihedral", "M": 20}, "n odd"),
    ({"group": "dihedral", "M": 22, "kind": "sweep"}, "cyclic")])
def test_bad_config_is_a_clear_error(changes, words):
    with pytest.raises(ConfigError, match=words):
        gk.Config(**changes)


def test_divergence_is_reported():
    with pytest.raises(ConfigError, match="diverged"):
        gk.simulate(gk.Config(**{**TINY, "optimizer": "gd", "lr": 19.0}, backend="numpy"))


def test_claims_fail_on_a_wrong_result():
    """The spectral claims read the weights: replacing them by random ones fails them."""
    res = gk.simulate(gk.Config(M=11, K=64, train_fraction=0.8, steps=400, backend="numba",
                                seed=2))
    res.meta["config"] = gk.Config(M=11, K=64, train_fraction=0.8, steps=400).to_dict()
    ok = {c.name: c.passed for c in gk._stage_claims(res)}
    assert ok["grok: strongest nodes are single-frequency (weight decay)"]
    res.arrays["W_final"] = np.random.default_rng(0).standard_normal(res["W_final"].shape)
    bad = {c.name: c.passed for c in gk._stage_claims(res)}
    assert not bad["grok: strongest nodes are single-frequency (weight decay)"]
    assert not bad["grok: specialised nodes sit at maxima of E"]


def test_dihedral_run_and_its_claims_can_fail():
    """A D_5 run too short to learn: the non-abelian claims are emitted and the generalisation and
    single-irrep ones fail (they test the run, not themselves)."""
    cfg = gk.Config(M=10, group="dihedral", K=16, train_fraction=0.5, steps=20, record_every=10,
                    indep_steps=5, seed=0)
    res = gk.simulate(cfg)
    res.meta["config"] = cfg.to_dict()
    rows = {c.name: c for c in gk._dihedral_claims(res)}
    assert len(rows) == 5 and all(name.startswith("dihedral D_5") for name in rows)
    assert not rows["dihedral D_5: generalises with weight decay"].passed
    assert not rows["dihedral D_5: strongest nodes are single-irrep"].passed
