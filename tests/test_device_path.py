"""The GPU path keeps the state where it lives (issue 19, item 5), checked without a GPU.

Every transfer between a backend and the host goes through :meth:`Backend.asarray` (host -> backend)
or :meth:`Backend.to_numpy` (backend -> host). The hot loops run here on ``array_api_strict`` (the
generic code CuPy runs: a stray numpy product on its arrays raises) with both methods counted, and
with random numbers from a stream that makes them on the "device" without :meth:`Backend.asarray`,
as :class:`sims.backend.DeviceStream` does on CuPy. Each test states what may cross per step and
would fail on the loops as they were (W, v brought to the host every RK4 step; normals and sparse
inputs uploaded every chunk; the Hessian products downloaded for every Hutchinson probe).
"""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from sims.backend import Backend, DeviceStream, HostStream, get_backend

STRICT = get_backend("array_api_strict")


class Transfers:
    """Sizes of the arrays each way, while installed."""

    def __init__(self):
        self.up, self.down = [], []

    def big(self, way, limit):
        return [n for n in getattr(self, way) if n > limit]


@pytest.fixture
def transfers(monkeypatch):
    t = Transfers()
    up, down = Backend.asarray, Backend.to_numpy

    def asarray(self, a):
        t.up.append(int(np.size(a)))
        return up(self, a)

    def to_numpy(self, a):
        out = down(self, a)
        t.down.append(int(np.size(out)))
        return out
    monkeypatch.setattr(Backend, "asarray", asarray)
    monkeypatch.setattr(Backend, "to_numpy", to_numpy)
    return t


class OnDevice:
    """A stream whose numbers appear as backend arrays without an upload (CuPy's generator)."""

    def __init__(self, bk, seed):
        self.xp, self.gen, self.calls = bk.xp, np.random.default_rng(seed), 0

    def random(self, shape):
        self.calls += 1
        return self.xp.asarray(self.gen.random(shape))

    def standard_normal(self, shape):
        self.calls += 1
        return self.xp.asarray(self.gen.standard_normal(shape))


@pytest.fixture
def device_streams(monkeypatch):
    made = []

    def stream(self, seed):
        made.append(OnDevice(self, seed))
        return made[-1]
    monkeypatch.setattr(Backend, "stream", stream)
    return made


def test_neuron_alignment_brings_four_numbers_per_step_and_the_state_only_when_recorded(
        transfers):
    """Per RK4 step only the four per-step summaries come to the host; W and v come at the
    snapshots (every record_every steps) and at the end. The run equals numpy's."""
    from sims.neuron_alignment import model
    from sims.neuron_alignment.config import NeuronAlignmentConfig
    cfg = NeuronAlignmentConfig(n=(6,), mu=(0.3,), eps=(1e-4,), d=8, width=5, t_end=50.0,
                                record_every=7)
    rng = np.random.default_rng(0)
    X, y = model.make_data(6, 8, 0.3, rng)
    W0, v0 = model.make_init(5, 8, 1e-4, rng)
    ref = model.integrate(get_backend("numpy"), X, y, W0, v0, cfg, cfg.step, trajectories=True)
    transfers.up.clear(), transfers.down.clear()
    run = model.integrate(STRICT, X, y, W0, v0, cfg, cfg.step, trajectories=True)
    steps = len(run["t"])
    assert steps > 50
    state = transfers.big("down", 4)
    assert len(state) == 2 * len(run["snaps"]) + 2, (len(state), len(run["snaps"]))
    assert len(transfers.down) <= steps + len(state) + 2
    assert transfers.big("up", 0) == [] or max(transfers.up) <= X.size       # data once, at the start
    np.testing.assert_allclose(run["loss"], ref["loss"], rtol=1e-10)
    np.testing.assert_array_equal(run["all_ok"], ref["all_ok"])
    np.testing.assert_allclose(run["bal_err"], ref["bal_err"], rtol=1e-6, atol=1e-22)


def test_plrf_sgd_draws_on_the_device_and_brings_two_numbers_per_logged_step(
        transfers, device_streams):
    from sims.scaling_laws import plrf
    from sims.scaling_laws.config import ScalingLawsConfig
    c = ScalingLawsConfig(d=8, runs=50, steps=100, n_log=6)
    pr = plrf.plrf_problem(c.alpha, c.beta, c.d, c.v_ratio * c.d, np.random.default_rng(1))
    log_steps = plrf.log_steps_of(c)
    transfers.up.clear()
    out = plrf._sgd(c, STRICT, pr, 0.1 / pr["gamma_den"], log_steps, 7)
    assert device_streams[0].calls == sum(-(-int(b - a) // 16) for a, b in
                                          zip(log_steps[:-1], log_steps[1:]))
    assert len(transfers.up) == 3                             # L, H and theta*, once
    assert transfers.down == [2] * len(log_steps)
    assert np.all(np.isfinite(out["mc_loss"])) and np.all(out["mc_se"][1:] > 0)   # step 0: theta = 0


def test_superposition_draws_its_batches_on_the_device(transfers, device_streams):
    """The sparse inputs of every chunk are made from device uniforms; per chunk and width only
    the chunk's batch losses come back."""
    from sims.superposition import model, run
    c = model.SuperpositionConfig(n=12, m_grid=(3, 4), steps=40, batch=8, eval_batch=64, chunk=16,
                                  n_log=4)
    inits = run._init(c, 3)
    Xe = STRICT.asarray(model.draw(np.random.default_rng(4), model.probabilities(
        c.n, c.alpha, c.density), (c.eval_batch,)))
    transfers.up.clear(), transfers.down.clear()
    out = run._train(c, STRICT, c.m_grid, inits, 5, Xe)
    chunks = -(-c.steps // c.chunk)
    assert device_streams[0].calls == chunks
    assert max(transfers.up) <= c.n * max(c.m_grid)           # init state and p, once
    losses = [n for n in transfers.down if n <= c.chunk]
    assert len(losses) >= chunks * len(c.m_grid)
    assert len(transfers.big("down", c.chunk)) <= 6 * len(c.m_grid)   # the two evaluations
    assert all(np.isfinite(o["loss"]) for o in out)


def test_hutchinson_brings_one_number_per_probe(transfers):
    from sims.sharpness import curvature, net
    from sims.sharpness.config import SharpnessConfig
    cfg = SharpnessConfig(d=4, n_data=6, depth=2)
    X, y = net.teacher_data(cfg.d, cfg.n_data, "regression", np.random.default_rng(0))
    Ws, mults, _ = net.init_net(cfg, "ntk", 5, np.random.default_rng(1))
    curv = curvature.Curvature(STRICT, net.state(STRICT, Ws), mults, STRICT.asarray(X),
                               STRICT.asarray(y), "tanh")
    ref = curvature.Curvature(get_backend("numpy"), Ws, mults, X, y, "tanh")
    transfers.down.clear()
    got = curv.hutchinson(np.random.default_rng(2), 9)
    assert transfers.down == [1] * 9
    want = ref.hutchinson(np.random.default_rng(2), 9)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_streams_are_deterministic_and_the_host_one_is_numpys(monkeypatch):
    """HostStream gives numpy's Generator numbers for the seed on every CPU backend; the device
    stream (here with a stand-in cupy) is seeded from the same seed, deterministically."""
    seq = np.random.SeedSequence(11)
    host = get_backend("numpy").stream(seq)
    assert isinstance(host, HostStream)
    np.testing.assert_array_equal(host.standard_normal((3, 2)),
                                  np.random.default_rng(seq).standard_normal((3, 2)))
    fake = types.ModuleType("cupy")
    fake.random = types.SimpleNamespace(default_rng=np.random.default_rng)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    a, b = DeviceStream(STRICT, 11), DeviceStream(STRICT, 11)
    np.testing.assert_array_equal(a.random((4,)), b.random((4,)))
    assert not np.array_equal(DeviceStream(STRICT, 12).random((4,)), a.random((4,)))
