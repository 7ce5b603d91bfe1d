"""Neuron alignment: the vector field, RK4, data, init, the per-neuron diagnostics and one
integration (see the package docstring for the equations)."""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..backend import kernel
from ..errors import ConfigError
from .config import loss_scale

ALIGN_COS = 0.99    # the alignment threshold c* of the claims and of theory (v)
MAX_DROP = 100.0    # a step that divides the loss by more is far longer than the loss's time scale


# ---- the vector field and the integrator (generic array-API code; numba twins in sims.kernels) --
def _relu(xp, Z):
    """relu(Z) and its derivative 1[Z > 0]."""
    act = xp.astype(Z > 0, Z.dtype)
    return Z * act, act


def _loss_weight(xp, u, logistic):
    """Per-sample losses l(u) and weights -l'(u) at the margins u."""
    if logistic:
        zero = xp.zeros_like(u)
        return xp.logaddexp(zero, -u), xp.exp(-xp.logaddexp(zero, u))   # -l'(u) = sigmoid(-u)
    losses = xp.exp(-u)
    return losses, losses                                               # -l'(u) = exp(-u)


def _first_layer(xp, v, act, r, X):
    """dW/dt: row j is v_j sum_i r_i 1[<w_j, x_i> > 0] x_i."""
    return v[:, None] * ((act * r[:, None]).T @ X)


class Field(NamedTuple):
    """The flow at a state: ``dW`` [neuron, input] = dW/dt, ``dv`` [neuron] = dv/dt (minus the
    gradient of L) and the loss ``loss`` []."""

    dW: Any
    dv: Any
    loss: Any


class Step(NamedTuple):
    """One RK4 step: the new ``W`` [neuron, input] and ``v`` [neuron], the time ``dt`` it advanced
    and the ``loss`` at its start."""

    W: Any
    v: Any
    dt: float
    loss: float


@kernel(numba="sims.kernels.neuron_alignment:field", from_numba=lambda out: Field(*out))
def field(xp, X, y, W, v, scale, logistic) -> Field:
    """minus the gradient of L = scale * sum_i l(y_i f(x_i)), and L."""
    A, act = _relu(xp, X @ W.T)                        # (n, h) activations and pattern
    u = y * (A @ v)
    losses, g = _loss_weight(xp, u, logistic)
    r = scale * g * y
    dv = A.T @ r
    return Field(_first_layer(xp, v, act, r, X), dv, scale * xp.sum(losses))


def speed(loss, loss0):
    """dt/dtau: 1 at L = L0, ~ L0/(L log(L0/L)) for L << L0 (smooth in the state)."""
    return (1.0 + math.log(2.0)) * loss0 / (loss * (1.0 + math.log1p(loss0 / loss)))


@kernel(numba="sims.kernels.neuron_alignment:rk4_step", from_numba=lambda out: Step(*out))
def rk4_step(xp, X, y, W, v, dtau, loss0, scale, logistic) -> Step:
    """One classical RK4 step in tau of d(W, v, t)/dtau = s(L) (F_W, F_v, 1)."""
    def f(Wa, va):
        fl = field.generic(xp, X, y, Wa, va, scale, logistic)
        c = speed(float(fl.loss), loss0)
        return c * fl.dW, c * fl.dv, c, float(fl.loss)
    a1, b1, c1, l1 = f(W, v)
    a2, b2, c2, _ = f(W + 0.5 * dtau * a1, v + 0.5 * dtau * b1)
    a3, b3, c3, _ = f(W + 0.5 * dtau * a2, v + 0.5 * dtau * b2)
    a4, b4, c4, _ = f(W + dtau * a3, v + dtau * b3)
    W = W + dtau / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
    v = v + dtau / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
    return Step(W, v, dtau / 6.0 * (c1 + 2.0 * c2 + 2.0 * c3 + c4), l1)


# ---- data and initialisation (host RNG) --------------------------------------------------------
def make_data(n: int, d: int, mu: float, rng: np.random.Generator):
    """Unit-norm inputs with <x_i y_i, x_j y_j> = mu exactly for i != j; labels half +1."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, n + 1)))
    u, Z = Q[:, 0], Q[:, 1:].T
    y = np.where(np.arange(n) < (n + 1) // 2, 1.0, -1.0)
    X = y[:, None] * (math.sqrt(mu) * u[None, :] + math.sqrt(1 - mu) * Z)
    return X, y


def make_init(width: int, d: int, eps: float, rng: np.random.Generator):
    """The paper's Eq. 3, balanced: |v_j| = |w_j| = eps, uniform directions, random signs."""
    W = rng.standard_normal((width, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    v = rng.choice([-1.0, 1.0], size=width)
    return eps * W, eps * v


def centres(X, y):
    """The data centres x_+ and x_- (sums of the positive and of the negative inputs)."""
    return X[y > 0].sum(0), X[y < 0].sum(0)


class Centres(NamedTuple):
    """The data centres ``x_plus``, ``x_minus`` [input] (as host or backend arrays) and their
    norms ``n_plus``, ``n_minus`` (host floats)."""

    x_plus: Any
    x_minus: Any
    n_plus: float
    n_minus: float


def _centres(X, y, bk=None) -> Centres:
    """:class:`Centres` of the data; the centres as ``bk`` arrays if given."""
    c = centres(X, y)
    arrays = c if bk is None else tuple(bk.asarray(a) for a in c)
    return Centres(*arrays, *(float(np.linalg.norm(a)) for a in c))


class Alignment(NamedTuple):
    """Per neuron [neuron] (arrays of any namespace): cosine to x_+ and x_- ``cos_plus``,
    ``cos_minus``, the norm |w_j| ``norms``, the activation pattern ``active`` [sample, neuron],
    ``dead``, membership of S+ and S- ``s_plus``, ``s_minus`` and ``ok`` (dead, or aligned with
    its own centre: cos >= ALIGN_COS)."""

    cos_plus: Any
    cos_minus: Any
    norms: Any
    active: Any
    dead: Any
    s_plus: Any
    s_minus: Any
    ok: Any


def _alignment(xp, X, pos, W, v, c: Centres) -> Alignment:
    """The :class:`Alignment` of state (W, v) on data X with positive labels ``pos``."""
    norms = xp.linalg.vector_norm(W, axis=1)
    safe = xp.where(norms > 0, norms, xp.ones_like(norms))
    cos_p = W @ c.x_plus / (safe * c.n_plus)
    cos_m = W @ c.x_minus / (safe * c.n_minus)
    active = (X @ W.T) > 0
    dead = ~xp.any(active, axis=0)
    s_plus = xp.all(active == pos[:, None], axis=0)
    s_minus = xp.all(active == ~pos[:, None], axis=0)
    ok = dead | ((v > 0) & s_plus & (cos_p >= ALIGN_COS)) | ((v < 0) & s_minus & (cos_m >= ALIGN_COS))
    return Alignment(cos_p, cos_m, norms, active, dead, s_plus, s_minus, ok)


class Diagnostics(NamedTuple):
    """Host-side per-neuron state [neuron]: ``cos_plus``, ``cos_minus``, ``norms``,
    ``neuron_class`` (0 dead, 1 S+, 2 S-, 3 mixed) and ``ok``."""

    cos_plus: np.ndarray
    cos_minus: np.ndarray
    norms: np.ndarray
    neuron_class: np.ndarray
    ok: np.ndarray


def diagnostics(X, y, W, v) -> Diagnostics:
    """The :class:`Diagnostics` of (W, v) on the host."""
    a = _alignment(np, X, y > 0, W, v, _centres(X, y))
    cls = np.where(a.dead, 0, np.where(a.s_plus, 1, np.where(a.s_minus, 2, 3)))
    return Diagnostics(a.cos_plus, a.cos_minus, a.norms, cls, a.ok)


def stable_rank(W) -> float:
    """|W|_F^2 / |W|_2^2."""
    s = np.linalg.svd(W, compute_uv=False)
    return float(np.sum(s**2) / s[0] ** 2)


# ---- one integration ------------------------------------------------------------------------------
class Snapshot(NamedTuple):
    """The state at time ``t``: ``W`` [neuron, input], ``v`` [neuron] (host copies)."""

    t: float
    W: np.ndarray
    v: np.ndarray


class _Record:
    """Per-step summaries of one integration, computed where the state lives (a GPU's arrays stay
    on the device): per step four numbers cross to the host (all aligned, fraction aligned, the
    balancedness drift max_j |b_j - b_j(0)|, b_j = v_j^2 - |w_j|^2, and whether the activation
    pattern changed); W and v only at the snapshots and at the end."""

    def __init__(self, bk, X, y, W, v, config, trajectories):
        self.bk, self.config, self.trajectories = bk, config, trajectories
        self.X, self.pos = bk.asarray(X), bk.asarray(y) > 0
        self.centres = _centres(X, y, bk)
        self.bal0 = self.bal_change = self.bal = _balance(bk.xp, W, v)
        self.pattern, self.last_change = (self.X @ W.T) > 0, 0
        self.ts, self.losses, self.oks, self.fracs, self.bal_err, self.snaps = [], [], [], [], [], []

    def observe(self, k: int, t: float, W, v) -> None:
        xp = self.bk.xp
        align = _alignment(xp, self.X, self.pos, W, v, self.centres)
        active = align.active
        self.bal = _balance(xp, W, v)
        changed = xp.any(active != self.pattern)
        okf = xp.astype(align.ok, xp.float64)
        flags = self.bk.to_numpy(xp.stack([xp.min(okf), xp.mean(okf),
                                           xp.max(xp.abs(self.bal - self.bal0)),
                                           xp.astype(changed, xp.float64)]))
        if flags[3]:
            self.last_change, self.pattern, self.bal_change = k, active, self.bal
        self.ts.append(t)
        self.oks.append(bool(flags[0] == 1.0))
        self.fracs.append(float(flags[1]))
        self.bal_err.append(float(flags[2]))
        if self.trajectories and k % self.config.record_every == 0:
            self.snap(t, W, v)

    def snap(self, t, W, v) -> None:
        self.snaps.append(Snapshot(t, self.bk.to_numpy(W).copy(), self.bk.to_numpy(v).copy()))

    def smooth_drift(self) -> float:
        """max_j |b_j - b_j(t_c)| since the last pattern change t_c (the smooth phase's drift)."""
        xp = self.bk.xp
        return float(self.bk.to_numpy(xp.max(xp.abs(self.bal - self.bal_change))))


def _balance(xp, W, v):
    """b_j = v_j^2 - |w_j|^2, conserved by the flow (its drift measures the integrator's error)."""
    return v * v - xp.sum(W * W, axis=1)


def integrate(bk, X, y, W0, v0, config, step, trajectories=False):
    """Run the flow until t_end or the stop_loss, at most ``max_steps`` RK4 steps. Returns per-step
    arrays ``t``, ``loss``, ``all_ok``, ``frac_ok``, ``bal_err`` (all one entry per recorded state),
    the final ``W``, ``v``, the rate ``lam``, ``truncated`` (max_steps reached first), the
    smooth-phase drift ``bal_err_smooth``, ``t_last_crossing`` and, with ``trajectories``, the
    snapshots ``snaps`` (:class:`Snapshot`) every ``record_every`` steps."""
    scale = loss_scale(config, len(y))
    lam = float(scale * max(np.linalg.norm(c) for c in centres(X, y)))
    dtau = step / lam
    logistic = config.loss == "logistic"
    Xb, yb, W, v = bk.asarray(X), bk.asarray(y), bk.asarray(W0), bk.asarray(v0)
    loss0 = float(field(bk, Xb, yb, W, v, scale, logistic).loss)
    rec = _Record(bk, X, y, W, v, config, trajectories)
    t, stopped = 0.0, False
    for k in range(config.max_steps + 1):
        rec.observe(k, t, W, v)
        if k > 0 and (t >= config.t_end or rec.losses[-1] <= config.stop_loss * loss0):
            stopped = True
            break
        if k == config.max_steps:          # truncated: the record ends at the state it has
            break
        st = rk4_step(bk, Xb, yb, W, v, dtau, loss0, scale, logistic)
        W, v = st.W, st.v
        if rec.losses:                      # st.loss is the loss at the start of this step
            _check_step(rec.losses[-1], float(st.loss), t, step)
        rec.losses.append(float(st.loss))
        t += float(st.dt)
    lo = field(bk, Xb, yb, W, v, scale, logistic).loss
    if rec.losses:
        _check_step(rec.losses[-1], float(lo), t, step)
    rec.losses.append(float(lo))
    if trajectories and rec.snaps[-1].t != t:
        rec.snap(t, W, v)
    out = {"t": np.asarray(rec.ts), "loss": np.asarray(rec.losses), "all_ok": np.asarray(rec.oks),
           "frac_ok": np.asarray(rec.fracs), "bal_err": np.asarray(rec.bal_err),
           "bal_err_smooth": rec.smooth_drift(), "t_last_crossing": rec.ts[rec.last_change],
           "W": bk.to_numpy(W).copy(), "v": bk.to_numpy(v).copy(), "lam": lam,
           "truncated": not stopped}
    if trajectories:
        out["snaps"] = rec.snaps
    return out


def _check_step(before: float, after: float, t: float, step: float) -> None:
    """Gradient flow never raises the loss, and a step that divides it by more than MAX_DROP has an
    uncontrolled local error (the step is sized for the small-init growth rate lambda; a large init
    is much faster): stop with a clear error instead of writing a wrong trajectory."""
    if not (math.isfinite(after) and after <= before * (1 + 1e-9) and after * MAX_DROP >= before):
        raise ConfigError(f"RK4 step too large at t = {t:.3g}: the loss went from {before:.3g} to "
                          f"{after:.3g} in one step (step = {step:g}); lower 'step' (a large init "
                          "or width needs a smaller one)")


def summarise(run: dict) -> dict:
    """Scalars of one run: ``t_align`` (first step where every neuron is aligned or dead) and the
    step ``dt_align`` there, ``t_escape`` (first loss <= L0/2) and ``dt_escape``,
    ``aligned_at_escape``, ``frac_ok_escape``, the final ``stable_rank``, the largest balancedness
    drift ``bal_err``, ``t_final`` and ``truncated``."""
    t, loss, ok = run["t"], run["loss"], run["all_ok"]
    ia = int(np.argmax(ok)) if ok.any() else -1
    below = loss <= 0.5 * loss[0]
    ie = int(np.argmax(below)) if below.any() else -1
    dt = np.diff(t)

    def step_at(i):
        return dt[min(max(i, 1), len(dt)) - 1] if i >= 0 and len(dt) else np.inf
    return {"t_align": t[ia] if ia >= 0 else np.inf, "dt_align": step_at(ia),
            "t_escape": t[ie] if ie >= 0 else np.inf,
            "aligned_at_escape": bool(ie >= 0 and ok[ie]),
            "frac_ok_escape": run["frac_ok"][ie] if ie >= 0 else np.nan,
            "stable_rank": stable_rank(run["W"]), "bal_err": float(run["bal_err"].max()),
            "dt_escape": step_at(ie), "t_final": float(t[-1]), "truncated": bool(run["truncated"])}
