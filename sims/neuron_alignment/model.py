"""Neuron alignment: the config, the vector field, RK4, data, init and one integration (see the
package docstring for the equations)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..backend import kernel
from ..config import BaseConfig
from ..errors import ConfigError, require

LOSSES = ("exponential", "logistic")
REDUCTIONS = ("sum", "mean")
MAX_STEP = 0.25     # RK4 in units of 1/lambda; see validate() and its test
ALIGN_COS = 0.99    # the alignment threshold c* of the claims and of theory (v)
MAX_DROP = 100.0    # a step that divides the loss by more is far longer than the loss's time scale
LARGE_EPS = 0.1     # an init scale this large is the large-init contrast (kind "large_init")


@dataclasses.dataclass(frozen=True)
class NeuronAlignmentConfig(BaseConfig):
    n: tuple[int, ...] = (20,)              # training points (a sweep: every value is run)
    mu: tuple[float, ...] = (0.3,)          # separation mu (a sweep)
    eps: tuple[float, ...] = (1e-5,)        # init scale (a sweep)
    d: int = 24                             # input dimension, > max(n)
    width: int = 50                         # hidden neurons h
    loss: str = "exponential"
    reduction: str = "mean"                 # "sum" is the paper's loss; "mean" runs n times slower
    step: float = 0.05                      # RK4 step in units of 1/lambda
    t_end: float = 1e4                      # stop at this time (units of the loss as reduced)
    stop_loss: float = 0.0                  # also stop once L <= stop_loss * L0 (0: never)
    max_steps: int = 100_000
    record_every: int = 5                   # per-neuron snapshots every this many steps
    halvings: int = 0                       # rerun grid point 0 at step/2, step/4, ... (order test)

    def validate(self) -> None:
        for name in ("n", "mu", "eps"):
            require(len(getattr(self, name)) > 0, f"{name} must list at least one value")
        require(all(k >= 2 for k in self.n), f"every n must be >= 2, got {list(self.n)}")
        require(all(0 < m < 1 for m in self.mu), f"mu must lie in (0, 1), got {list(self.mu)}")
        require(all(e > 0 and math.isfinite(e) for e in self.eps),
                f"eps (init scale) must be > 0, got {list(self.eps)}")
        require(self.width > 0, f"width must be a positive integer, got {self.width}")
        require(self.d > max(self.n), f"d = {self.d} must exceed max(n) = {max(self.n)} "
                                      "(orthonormal z_i)")
        require(self.loss in LOSSES, f"loss must be one of {LOSSES}, got {self.loss!r}")
        require(self.reduction in REDUCTIONS, f"reduction must be one of {REDUCTIONS}")
        require(0 < self.step <= MAX_STEP,
                f"step = {self.step} (units of 1/lambda) must be in (0, {MAX_STEP}]: larger RK4 "
                "steps diverge or lose the early phase")
        require(self.t_end > 0, f"t_end must be > 0, got {self.t_end}")
        require(0 <= self.stop_loss < 1, f"stop_loss must be in [0, 1), got {self.stop_loss}")
        require(self.max_steps > 0 and self.record_every > 0 and self.halvings >= 0,
                "max_steps and record_every must be > 0 and halvings >= 0")


Config = NeuronAlignmentConfig


def kind(config: NeuronAlignmentConfig) -> str:
    """What an experiment is, from its config: ``order`` (step halvings), ``n_mu_sweep`` (more
    than one (n, mu)), ``eps_sweep`` (more than one eps), ``large_init`` (one point with eps >=
    LARGE_EPS) or ``trajectory`` (one small-init point)."""
    if config.halvings > 0:
        return "order"
    if len(config.n) * len(config.mu) > 1:
        return "n_mu_sweep"
    if len(config.eps) > 1:
        return "eps_sweep"
    return "large_init" if min(config.eps) >= LARGE_EPS else "trajectory"


def loss_scale(config, n: int) -> float:
    """c of L = c sum_i l(y_i f(x_i)): 1 for the paper's sum, 1/n for the mean. Times of a run are
    1/c times the paper's (t_paper = c t)."""
    return 1.0 if config.reduction == "sum" else 1.0 / n


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


@kernel(numba="sims.kernels.neuron_alignment:field")
def field(xp, X, y, W, v, scale, logistic):
    """(dW/dt, dv/dt, L): minus the gradient of L = scale * sum_i l(y_i f(x_i)), and L."""
    A, act = _relu(xp, X @ W.T)                        # (n, h) activations and pattern
    u = y * (A @ v)
    losses, g = _loss_weight(xp, u, logistic)
    r = scale * g * y
    dv = A.T @ r
    return _first_layer(xp, v, act, r, X), dv, scale * xp.sum(losses)


def speed(loss, loss0):
    """dt/dtau: 1 at L = L0, ~ L0/(L log(L0/L)) for L << L0 (smooth in the state)."""
    return (1.0 + math.log(2.0)) * loss0 / (loss * (1.0 + math.log1p(loss0 / loss)))


@kernel(numba="sims.kernels.neuron_alignment:rk4_step")
def rk4_step(xp, X, y, W, v, dtau, loss0, scale, logistic):
    """One classical RK4 step in tau of d(W, v, t)/dtau = s(L) (F_W, F_v, 1); returns
    (W, v, dt, L at the start of the step)."""
    def f(Wa, va):
        a, b, lo = field.generic(xp, X, y, Wa, va, scale, logistic)
        c = speed(float(lo), loss0)
        return c * a, c * b, c, float(lo)
    a1, b1, c1, l1 = f(W, v)
    a2, b2, c2, _ = f(W + 0.5 * dtau * a1, v + 0.5 * dtau * b1)
    a3, b3, c3, _ = f(W + 0.5 * dtau * a2, v + 0.5 * dtau * b2)
    a4, b4, c4, _ = f(W + dtau * a3, v + dtau * b3)
    W = W + dtau / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
    v = v + dtau / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
    return W, v, dtau / 6.0 * (c1 + 2.0 * c2 + 2.0 * c3 + c4), l1


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


def _centre_args(X, y, bk=None):
    """(x_+, x_-, |x_+|, |x_-|) for :func:`_alignment`; the centres as ``bk`` arrays if given."""
    c = centres(X, y)
    arrays = c if bk is None else tuple(bk.asarray(a) for a in c)
    return (*arrays, *(float(np.linalg.norm(a)) for a in c))


def _alignment(xp, X, pos, W, v, x_plus, x_minus, n_plus, n_minus):
    """Per neuron (any array namespace): cos to x_+ and x_- (norms n_+, n_-: host floats), |w_j|,
    the activation pattern (n x h), dead, S+ and S- membership and the ok flag (dead, or aligned
    with its own centre)."""
    norms = xp.linalg.vector_norm(W, axis=1)
    safe = xp.where(norms > 0, norms, xp.ones_like(norms))
    cos_p = W @ x_plus / (safe * n_plus)
    cos_m = W @ x_minus / (safe * n_minus)
    active = (X @ W.T) > 0
    dead = ~xp.any(active, axis=0)
    s_plus = xp.all(active == pos[:, None], axis=0)
    s_minus = xp.all(active == ~pos[:, None], axis=0)
    ok = dead | ((v > 0) & s_plus & (cos_p >= ALIGN_COS)) | ((v < 0) & s_minus & (cos_m >= ALIGN_COS))
    return cos_p, cos_m, norms, active, dead, s_plus, s_minus, ok


def diagnostics(X, y, W, v):
    """Host-side per-neuron state: cos to x_+/x_-, class (0 dead, 1 S+, 2 S-, 3 mixed), ok flag."""
    cos_p, cos_m, norms, _, dead, s_plus, s_minus, ok = _alignment(np, X, y > 0, W, v,
                                                                   *_centre_args(X, y))
    cls = np.where(dead, 0, np.where(s_plus, 1, np.where(s_minus, 2, 3)))
    return cos_p, cos_m, norms, cls, ok


def stable_rank(W) -> float:
    """|W|_F^2 / |W|_2^2."""
    s = np.linalg.svd(W, compute_uv=False)
    return float(np.sum(s**2) / s[0] ** 2)


# ---- one integration ------------------------------------------------------------------------------
class _Record:
    """Per-step summaries of one integration, computed where the state lives (a GPU's arrays stay
    on the device): per step four numbers cross to the host (all aligned, fraction aligned, the
    balancedness drift max_j |b_j - b_j(0)|, b_j = v_j^2 - |w_j|^2, and whether the activation
    pattern changed); W and v only at the snapshots and at the end."""

    def __init__(self, bk, X, y, W, v, config, trajectories):
        self.bk, self.config, self.trajectories = bk, config, trajectories
        self.X, self.pos = bk.asarray(X), bk.asarray(y) > 0
        self.centres = _centre_args(X, y, bk)
        self.bal0 = self.bal_change = self.bal = _balance(bk.xp, W, v)
        self.pattern, self.last_change = (self.X @ W.T) > 0, 0
        self.ts, self.losses, self.oks, self.fracs, self.bal_err, self.snaps = [], [], [], [], [], []

    def observe(self, k: int, t: float, W, v) -> None:
        xp = self.bk.xp
        *_, active, _, _, _, ok = _alignment(xp, self.X, self.pos, W, v, *self.centres)
        self.bal = _balance(xp, W, v)
        changed = xp.any(active != self.pattern)
        okf = xp.astype(ok, xp.float64)
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
        self.snaps.append((t, self.bk.to_numpy(W).copy(), self.bk.to_numpy(v).copy()))

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
    snapshots ``snaps`` [(t, W, v)] every ``record_every`` steps."""
    scale = loss_scale(config, len(y))
    lam = float(scale * max(np.linalg.norm(c) for c in centres(X, y)))
    dtau = step / lam
    logistic = config.loss == "logistic"
    Xb, yb, W, v = bk.asarray(X), bk.asarray(y), bk.asarray(W0), bk.asarray(v0)
    _, _, l0 = field(bk, Xb, yb, W, v, scale, logistic)
    loss0 = float(l0)
    rec = _Record(bk, X, y, W, v, config, trajectories)
    t, stopped = 0.0, False
    for k in range(config.max_steps + 1):
        rec.observe(k, t, W, v)
        if k > 0 and (t >= config.t_end or rec.losses[-1] <= config.stop_loss * loss0):
            stopped = True
            break
        if k == config.max_steps:          # truncated: the record ends at the state it has
            break
        W, v, dt, lo = rk4_step(bk, Xb, yb, W, v, dtau, loss0, scale, logistic)
        if rec.losses:                      # lo is the loss at the start of this step
            _check_step(rec.losses[-1], float(lo), t, step)
        rec.losses.append(float(lo))
        t += float(dt)
    _, _, lo = field(bk, Xb, yb, W, v, scale, logistic)
    if rec.losses:
        _check_step(rec.losses[-1], float(lo), t, step)
    rec.losses.append(float(lo))
    if trajectories and rec.snaps[-1][0] != t:
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
