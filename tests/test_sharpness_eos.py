"""The edge-of-stability experiment's gradient flow (sims.sharpness.flow: RKC2) and its two claims.

Integrator: the RKC stability polynomial is second order and bounded by 1 on [-beta, 0]; on a stiff
quadratic (exact flow known) the error falls like h^2 and a step at h lambda_max near beta stays
stable; an interval whose lambda_max outgrows its stages is integrated again. On the toy net the
flow's loss never rises (dL/dt = -|grad L|^2) and halving the step moves its sharpness by less
than the bound the claim quotes.

Claims: verdicts on generated trajectories with known truth (GD capped at 2/eta + a flow rising past
it: both PASS; GD that overshoots, a flow that stays below, a flow that hovers like GD, a flow that
is cut before GD reaches 2/eta: FAIL).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sims import sharpness as sh
from sims.results import Result
from sims.sharpness import flow, net
from sims.sharpness.run import flow_run
from sims.sharpness.stability_claims import HVP_NAME, RKC_HALVING, eos_claims
from sims.backend import get_backend


# ---- RKC2 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("s", [2, 3, 5, 9, 16])
def test_rkc_polynomial_is_second_order_and_stable_up_to_beta(s):
    """P_s(z) = 1 + z + z^2/2 + O(z^3) (Taylor coefficients by a fit on |z| <= 1e-2), |P_s| <= 1 on
    [-beta(s), 0] (beta = (1 + w0)/w1, where w0 + w1 z = -1; damping keeps |P| < 1 a little past
    it), > 1 at 1.25 beta, and beta(s) -> (2/3)(1 - 4 eps/15) s^2 (Verwer's bound)."""
    c = flow.rkc(s)
    z = np.linspace(-1e-2, 1e-2, 41)
    coef = np.polynomial.polynomial.polyfit(z, flow.stability_polynomial(s, z), 4)
    np.testing.assert_allclose(coef[:3], [1, 1, 0.5], rtol=0, atol=1e-7)
    zz = np.linspace(-c.beta, 0, 20001)
    assert np.max(np.abs(flow.stability_polynomial(s, zz))) <= 1 + 1e-12
    assert abs(flow.stability_polynomial(s, -1.25 * c.beta)) > 1
    if s >= 9:
        assert c.beta / s**2 == pytest.approx(2 / 3 * (1 - 4 * flow.EPS / 15), rel=0.03)


def _quadratic(n=40, top=50.0):
    """L = (1/2) sum_i a_i w_i^2, a from 1e-2 to ``top``: the exact flow is w_i(0) e^(-a_i t)."""
    a = np.geomspace(1e-2, top, n)
    w0 = np.random.default_rng(0).standard_normal(n)
    return a, w0, (lambda y: [-a * y[0]])


def test_rkc_error_on_a_stiff_quadratic_falls_like_h_squared():
    """Fixed stages s = 12 (beta 95 > h top for every h below); the error at t = 4 of the slow
    coordinates (a <= 1) halves twice per halving of h (order 2: ratio 4 +- 15%)."""
    a, w0, field = _quadratic()
    exact = w0 * np.exp(-a * 4.0)
    errs = []
    for n in (20, 40, 80):
        y = [w0.copy()]
        for _ in range(n):
            y = flow.rkc_step(field, y, 4.0 / n, 12)
        errs.append(np.max(np.abs(y[0] - exact)[a <= 1]))
    ratios = np.array(errs[:-1]) / np.array(errs[1:])
    np.testing.assert_allclose(ratios, 4.0, rtol=0.15)


def test_rkc_is_stable_just_inside_beta_and_not_outside():
    """h top = 0.95 beta(s) for 200 steps: bounded; h top = 1.2 beta: the stiff coordinate blows up."""
    a, w0, field = _quadratic()
    s = 6
    for frac, bounded in ((0.95, True), (1.2, False)):
        y = [w0.copy()]
        for _ in range(200):
            y = flow.rkc_step(field, y, frac * flow.rkc(s).beta / a.max(), s)
        assert bool(np.max(np.abs(y[0])) < 10) is bounded, frac


def test_integrate_redoes_an_interval_whose_sharpness_outgrows_its_stages():
    """A measured lambda_max of 10 x the start value at the first record makes integrate redo the
    interval with the stages for it: the result is that of RKC steps with those stages from the
    start (to round-off), and within 2% of the exact flow (second-order error at h a <= 0.25)."""
    a, w0, field = _quadratic(top=50.0)
    calls = []

    def measure(y):
        calls.append(1)
        return float(a.max()), 0.5 * float(np.sum(a * y[0] ** 2))

    out = flow.integrate(field, [w0.copy()], np.array([0.5, 1.0]), h_max=0.25, lam0=5.0,
                         measure=measure)
    assert len(calls) == 3                             # the first interval measured twice
    s, y = flow.stages_for(0.25 * a.max()), [w0.copy()]
    for _ in range(4):
        y = flow.rkc_step(field, y, 0.25, s)
    np.testing.assert_allclose(out.state[0], y[0], rtol=1e-13, atol=1e-300)
    slow = a <= 1
    np.testing.assert_allclose(out.state[0][slow], (w0 * np.exp(-a))[slow], rtol=2e-2)
    assert out.gradients > 2 * flow.stages_for(0.25 * 5.0)


# ---- the flow on the toy net ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def toy():
    cfg = sh.SharpnessConfig(kind="eos", lrs=(3.0, 3.5), steps=1200, log_every=100,
                             flow_log_every=100, lanczos_tol=1e-6, seed=4)
    bk = get_backend("numpy")
    rng = np.random.default_rng(1)
    Ws, mults, X, y = net.chebyshev_problem(cfg, rng)
    lam0 = sh.Curvature(bk, Ws, mults, X, y, cfg.act).top_eig(rng, cfg.lanczos_tol)
    eta = 2 / (np.array(cfg.lrs) * lam0)
    logs = np.arange(0, cfg.steps + 1, cfg.flow_log_every)
    return {h: flow_run(dataclasses.replace(cfg, flow_step=h), bk, Ws, mults, X, y, lam0, eta,
                        logs, np.random.default_rng(2)) for h in (2.0, 1.0)}


def test_flow_loss_never_rises_and_its_times_are_k_eta(toy):
    """Gradient flow decreases L (dL/dt = -|grad L|^2): the loss at increasing times never rises;
    every record sits at t = k eta of its run."""
    out = toy[2.0]
    t, loss = np.ravel(out["flow_time"]), np.ravel(out["flow_loss"])
    order = np.argsort(t, kind="stable")
    assert np.all(np.diff(loss[order]) <= 1e-12)
    ratio = out["flow_time"][:, 1:] / out["flow_time"][:, 1:2]
    np.testing.assert_allclose(ratio, np.arange(1, ratio.shape[1] + 1)[None, :] * np.ones((2, 1)))


def test_halving_the_flow_step_moves_its_sharpness_less_than_the_quoted_bound(toy):
    """The claim's why quotes a step-halving change <= RKC_HALVING; over the first 1200 steps of
    the runs (the transient, where it is largest) flow_step 2 vs 1 stays inside it."""
    rel = np.abs(toy[2.0]["flow_sharpness"] / toy[1.0]["flow_sharpness"] - 1)
    assert np.all(np.isfinite(rel)) and np.max(rel) < RKC_HALVING


# ---- the claims on generated trajectories ----------------------------------------------------------
C = np.array([3.0, 3.25, 3.5])
STEPS, LOG, FLOG = 6000, 50, 200


def _flow_curve(t, rate=800.0):
    """A sharpening flow: lambda(t) = 1 + 8 t/(t + rate) (lambda_0 = 1), past 3.5 at t ~ 360."""
    return 1 + 8 * t / (t + rate)


def _result(gd=None, fl=None):
    """An eos result with lambda_0 = 1: GD capped at 2/eta (1% oscillation) while following
    ``fl`` (default :func:`_flow_curve`), unless ``gd`` gives lambda(t, two_over_eta)."""
    fl = fl or _flow_curve
    eta = 2 / C
    logs, flogs = np.arange(0, STEPS + 1, LOG), np.arange(0, STEPS + 1, FLOG)
    t, ft = logs[None, :] * eta[:, None], flogs[None, :] * eta[:, None]
    cap = (2 / eta)[:, None]
    if gd is None:
        wiggle = 1 + 0.01 * np.cos(0.7 * logs)[None, :]
        sharp = np.minimum(fl(t), cap * wiggle)
    else:
        sharp = gd(t, cap)
    arrays = {"sharpness": sharp, "loss": np.full(sharp.shape, 0.01), "eta": eta, "factors": C,
              "logs": logs, "flow_logs": flogs, "flow_time": ft, "flow_sharpness": fl(ft),
              "flow_loss": np.full(ft.shape, 0.01), "lambda0": 1.0,
              "fd_spread": np.full(C.size, 3e-10), "hvp_fd_gap": np.full(C.size, 1e-10),
              "gn_fd_gap": np.full(C.size, 3e-3)}
    return Result(arrays, {"kind": "eos", "config": {"flow_step": 2.0, "steps": STEPS}})


def _verdicts(res):
    rows = eos_claims(res, None)
    assert len(rows) == 3 and rows[2].name == HVP_NAME
    rows = rows[:2]
    return [(r.outcome, r.check_passed, r.control_passed) for r in rows], rows


def test_hvp_row_on_planted_gaps():
    """The curvature row on 200 generated runs: PASS iff every run's |H v - D| is within its
    difference's error estimate (+ 1e-10) and the Gauss-Newton gap is not; a missing array is a
    FAIL row of its own, the two edge-of-stability rows unaffected."""
    rng = np.random.default_rng(4)
    for case in range(200):
        spread = 10 ** rng.uniform(-12, -7, C.size)
        ratio = rng.uniform(0.0, 2.0, C.size)
        gn = 10 ** rng.uniform(-12, -1, C.size)
        res = _result()
        res = Result({**res.arrays, "fd_spread": spread, "hvp_fd_gap": ratio * (spread + 1e-10),
                      "gn_fd_gap": gn}, res.meta)
        row = eos_claims(res, None)[2]
        within = bool(np.all(ratio <= 1.0))
        control_within = bool(np.all(gn <= spread + 1e-10))
        assert row.check_passed == within and row.control_passed == control_within, case
        assert row.passed == (within and not control_within), case
    flat = _result()
    loss = flat["loss"].copy()
    loss[0, -1] = 0.0                    # a run at zero loss: no residual term, nothing to decide
    row = eos_claims(Result({**flat.arrays, "loss": loss}, flat.meta), None)[2]
    assert row.outcome == "NOT_APPLICABLE", row
    bare = _result()
    bare = Result({k: v for k, v in bare.arrays.items() if k != "fd_spread"}, bare.meta)
    rows = eos_claims(bare, None)
    assert [r.outcome for r in rows] == ["PASS", "PASS", "FAIL"] and "fd_spread" in rows[2].measured


def test_a_flipped_residual_term_fails_the_hvp_row(monkeypatch):
    """The quick edge-of-stability run with the Hessian's residual term sign-flipped (H v -> 2 G v -
    H v, the curvature every sharpness row reads): the curvature row fails while the two
    edge-of-stability rows still pass (the ledger before this row let the bug through); with the
    true product it passes and the Gauss-Newton control is rejected."""
    import sims
    from sims.sharpness.curvature import Curvature
    cfg = dict(backend="numpy", threads=1)
    good = sims.run("sharpness", "eos", profile="quick", **cfg)
    row = {r.name: r for r in good.claims()}[HVP_NAME]
    assert row.passed and row.control_passed is False, row
    true_matvec = Curvature.matvec

    def flipped(self, v, gauss_newton=False):
        hv = true_matvec(self, v, gauss_newton)
        return hv if gauss_newton else 2 * true_matvec(self, v, True) - hv
    monkeypatch.setattr(Curvature, "matvec", flipped)
    bad = {r.name: r for r in sims.run("sharpness", "eos", profile="quick", **cfg).claims()
           if r.kind == "simulation"}
    assert not bad.pop(HVP_NAME).check_passed
    assert len(bad) == 2 and all(r.passed for r in bad.values()), bad


def test_capped_gd_and_a_rising_flow_pass_both_rows():
    got, rows = _verdicts(_result())
    assert got == [("PASS", True, False), ("PASS", True, False)]
    assert "t/T = [0.1" in rows[1].why or "t/T = [0.0" in rows[1].why   # crossing early, stated


def test_gd_that_overshoots_2_over_eta_fails_both_rows():
    """GD sharpening on with the flow (no edge of stability): the hover check fails on it, and as
    the control of the flow row it passes, so neither row is a PASS."""
    got, _ = _verdicts(_result(gd=lambda t, cap: 0.98 * _flow_curve(t)))
    assert got == [("FAIL", False, False), ("FAIL", True, True)]


def test_a_flow_that_stays_below_2_over_eta_fails_the_flow_row():
    got, _ = _verdicts(_result(fl=lambda t: np.minimum(_flow_curve(t), 2.5)))
    assert got[1] == ("FAIL", False, False)


def test_a_flow_that_hovers_like_gd_is_not_a_control():
    """A 'flow' held at each run's own 2/eta (as GD is) passes the hover check, so the hover row
    has no control: FAIL; and it does not sharpen past: the flow row fails too."""
    got, _ = _verdicts(_result(fl=lambda t: np.minimum(_flow_curve(t), C[:, None])))
    assert got == [("FAIL", True, True), ("FAIL", False, False)]


def test_gd_cut_before_it_reaches_2_over_eta_fails_the_hover_row_and_says_when():
    """A slow landscape (the flow past 3.5 only at t ~ 2700, GD following it) with the run cut at
    T = 3429..4000: GD reaches 2/eta after T/2, its late mean is below the band: the hover row
    FAILs and its why reports when GD got there (t/T > 0.5 for c = 3.5)."""
    slow = lambda t: _flow_curve(t, rate=6000.0)   # noqa: E731
    got, rows = _verdicts(_result(fl=slow, gd=lambda t, cap: np.minimum(slow(t), cap)))
    assert got[0] == ("FAIL", False, False)
    reach = rows[0].why.split("at t/T = [")[1].split("]")[0]
    assert float(reach.split(",")[-1]) > 0.5


def test_first_layer_bias_is_a_constant_input_and_its_gradient_is_exact():
    """Cohen et al.'s regression net: f(x) = W_2 tanh(W_1 x + b), b = 0 at init; written as [W_1, b]
    acting on [x; 1]. The forward pass equals the explicit formula, and dL/db (the last column
    of the first layer's gradient) matches a central difference of L (step 1e-6: error O(h^2)),
    at a state with non-zero loss and b != 0."""
    cfg = sh.SharpnessConfig(kind="eos")
    Ws, mults, X, y = net.chebyshev_problem(cfg, np.random.default_rng(3))
    assert Ws[0].shape == (100, 2) and np.all(Ws[0][:, 1] == 0) and np.all(X[1] == 1)
    rng = np.random.default_rng(4)
    Ws = [Ws[0] + np.hstack([np.zeros((100, 1)), 0.3 * rng.standard_normal((100, 1))]), Ws[1]]
    w, b, a = Ws[0][:, 0], Ws[0][:, 1], Ws[1][0]
    x = X[0]
    f = a @ np.tanh(w[:, None] * x[None, :] + b[:, None])
    fwd = net.forward(np, Ws, mults, X, cfg.act)
    np.testing.assert_allclose(fwd.zs[-1][0], f, rtol=1e-13, atol=1e-14)
    lg = net.loss_and_grad(np, Ws, mults, X, y, cfg.act)
    assert lg.loss > 1e-3
    h, fd = 1e-6, np.empty(100)
    for i in range(100):
        up, dn = [W.copy() for W in Ws], [W.copy() for W in Ws]
        up[0][i, 1] += h
        dn[0][i, 1] -= h
        fd[i] = (net.loss_and_grad(np, up, mults, X, y, cfg.act).loss
                 - net.loss_and_grad(np, dn, mults, X, y, cfg.act).loss) / (2 * h)
    np.testing.assert_allclose(lg.grads[0][:, 1], fd, rtol=1e-6, atol=1e-10)
