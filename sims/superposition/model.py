"""Superposition: the toy model, its AdamW training, the width sweep and its cost (see the package)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..backend import get_backend, kernel
from ..config import BaseConfig
from ..errors import require
from .. import parallel
from ..results import Result, make_result

REPRESENTED = 0.5      # |W_i| above which feature i counts as represented (the authors' phi_1/2)


@dataclasses.dataclass(frozen=True)
class SuperpositionConfig(BaseConfig):
    n: int = 512                      # features
    m_grid: tuple[int, ...] = (8, 16, 32, 64)
    alpha: float = 1.2                # p_i ~ i^-alpha
    density: float = 1.0              # expected number of active features per sample
    gamma: float = -1.0               # weight-decay sign/strength: < 0 strong, > 0 weak superposition
    lr: float = 0.01                  # peak learning rate
    warmup: float = 0.1               # fraction of the steps with linear warm-up
    min_lr: float = 0.05              # cosine decay to this fraction of lr
    steps: int = 4000
    batch: int = 256
    eval_batch: int = 8192
    b_init: float = 1.0               # b_i ~ N(0, b_init^2)
    chunk: int = 16                   # batches drawn (and kernel calls) at a time
    n_log: int = 40                   # training-loss checkpoints kept
    block_widths: int = 0             # widths trained together on one drawn stream (0: all)

    def validate(self) -> None:
        for name in ("n", "steps", "batch", "eval_batch", "chunk", "n_log"):
            require(getattr(self, name) > 0, f"{name} must be a positive integer, "
                                             f"got {getattr(self, name)}")
        require(len(self.m_grid) >= 2 and all(0 < m < self.n for m in self.m_grid),
                f"m_grid needs >= 2 widths in 1..n-1 (n = {self.n}), got {list(self.m_grid)}")
        require(self.alpha > 0, f"alpha must be > 0, got {self.alpha}")
        p1 = self.density / sum(i ** -self.alpha for i in range(1, self.n + 1))
        require(self.density > 0 and p1 <= 1, f"density = {self.density} makes p_1 = {p1:.3g}: "
                                              "need 0 < p_1 <= 1")
        require(0 < self.lr and abs(self.gamma) * self.lr < 1,
                f"need lr > 0 and |gamma| lr < 1 (a decay factor 1 - lr gamma in (0, 2)), got "
                f"lr = {self.lr}, gamma = {self.gamma}")
        require(0 <= self.warmup < 1 and 0 <= self.min_lr <= 1,
                "warmup must be in [0, 1) and min_lr in [0, 1]")
        require(self.b_init >= 0, f"b_init must be >= 0, got {self.b_init}")
        require(self.block_widths >= 0, f"block_widths must be >= 0, got {self.block_widths}")


Config = SuperpositionConfig


def probabilities(n: int, alpha: float, density: float) -> np.ndarray:
    p = np.arange(1, n + 1, dtype=float) ** -alpha
    return density * p / p.sum()


def draw(rng: np.random.Generator, p: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """x_i = Bernoulli(p_i) U(0, 2) from one uniform u per entry: given u < p_i, u / p_i ~ U(0, 1)."""
    return sparse_inputs(np, rng.random(shape + (len(p),)), p)


def sparse_inputs(xp, u, p):
    """The inputs of :func:`draw` from its uniforms u (..., n) in any array namespace."""
    return xp.where(u < p, 2.0 * u / p, 0.0)


def schedule(c: SuperpositionConfig) -> np.ndarray:
    """Learning rate per step: linear warm-up, then cosine from lr to min_lr * lr (the authors')."""
    s = np.arange(1, c.steps + 1, dtype=float)
    w = int(c.warmup * c.steps)
    lo = c.min_lr * c.lr
    cos = lo + (c.lr - lo) * 0.5 * (1 + np.cos(np.pi * (s - w) / max(c.steps - w, 1)))
    return np.where(s < w, c.lr * s / max(w, 1), cos)


# ---- loss, gradients and AdamW (generic array-API code; numba twin in sims.kernels) ----------------
def loss_and_grads(xp, W, b, x):
    """L = mean (ReLU(x W W^T + b) - x)^2 and its gradients (dL/dW, dL/db), in closed form."""
    B, n = x.shape
    h = x @ W
    z = h @ W.T + b[None, :]
    y = xp.where(z > 0, z, xp.zeros_like(z))
    r = y - x
    G = xp.where(z > 0, r, xp.zeros_like(r)) * (2.0 / (B * n))
    return xp.sum(r * r) / (B * n), G.T @ h + x.T @ (G @ W), xp.sum(G, axis=0)


def decay(xp, W, lr, gamma, eps):
    """Decoupled, signed weight decay of the rows of W (see the module docstring)."""
    if gamma >= 0:
        return W * (1.0 - lr * gamma)
    norms = xp.sqrt(xp.sum(W * W, axis=1, keepdims=True))
    return W + lr * gamma * W * (1.0 - 1.0 / (norms + eps))


def adam(xp, p, g, mom, vel, lr, t, beta1, beta2, eps):
    mom = beta1 * mom + (1 - beta1) * g
    vel = beta2 * vel + (1 - beta2) * g * g
    step = lr / (1 - beta1**t) * mom / (xp.sqrt(vel) / math.sqrt(1 - beta2**t) + eps)
    return p - step, mom, vel


@kernel(numba="sims.kernels.superposition:train_chunk")
def train_chunk(xp, W, b, mW, vW, mb, vb, X, lrs, t0, gamma, beta1, beta2, eps):
    """AdamW steps on the fresh batches X[t]; returns (W, b, mW, vW, mb, vb, batch losses)."""
    losses = []
    for t in range(X.shape[0]):
        lr = float(lrs[t])
        loss, gW, gb = loss_and_grads(xp, W, b, X[t, ...])
        losses.append(loss)
        W = decay(xp, W, lr, gamma, eps)
        W, mW, vW = adam(xp, W, gW, mW, vW, lr, t0 + t + 1, beta1, beta2, eps)
        b, mb, vb = adam(xp, b, gb, mb, vb, lr, t0 + t + 1, beta1, beta2, eps)
    return W, b, mW, vW, mb, vb, xp.stack(losses)


def eval_loss(xp, W, b, x):
    """Per-sample test loss mean_i (ReLU(x W W^T + b)_i - x_i)^2."""
    z = (x @ W) @ W.T + b[None, :]
    r = xp.where(z > 0, z, xp.zeros_like(z)) - x
    return xp.mean(r * r, axis=1)


def mean_sq_overlap(W: np.ndarray, threshold: float = REPRESENTED) -> float:
    """Mean over pairs i != j of represented rows of (W_i.W_j)^2 / (|W_i|^2 |W_j|^2)."""
    norms = np.linalg.norm(W, axis=1)
    keep = norms > threshold
    k = int(keep.sum())
    if k < 2:
        return float("nan")
    U = W[keep] / norms[keep, None]
    G = U @ U.T
    return float((np.sum(G * G) - k) / (k * (k - 1)))


def weighted_sq_overlap(W: np.ndarray, p: np.ndarray, threshold: float = REPRESENTED) -> float:
    """sum_{i != j} p_i p_j (W_i.W_j)^2 / (|W_i|^2 |W_j|^2) / sum_{i != j} p_i p_j over pairs of
    represented rows: the squared overlap weighted by how often both features occur."""
    norms = np.linalg.norm(W, axis=1)
    keep = norms > threshold
    if int(keep.sum()) < 2:
        return float("nan")
    U = W[keep] / norms[keep, None]
    w = np.outer(p[keep], p[keep])
    np.fill_diagonal(w, 0.0)
    G = U @ U.T
    return float(np.sum(w * G * G) / np.sum(w))


def _init(c: SuperpositionConfig, seed) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """W (n x m) ~ N(0, 1/m) and b ~ N(0, b_init^2) of every width, drawn in grid order from one
    generator (so a width's init never depends on which widths a block trains)."""
    rng = np.random.default_rng(seed)
    out = {}
    for m in c.m_grid:
        W = rng.standard_normal((c.n, m)) / math.sqrt(m)
        out[m] = (W, c.b_init * rng.standard_normal(c.n))
    return out


def _evaluate(xp, bk, W, b, Xe, p) -> dict:
    """Test loss and its s.e. over the held-out samples, the (frequency-weighted) mean squared
    overlap of the represented rows, the row norms and the bias of one width."""
    per = bk.to_numpy(eval_loss(xp, W, b, Xe))
    Wh = bk.to_numpy(W)
    return {"loss": per.mean(), "loss_se": per.std(ddof=1) / math.sqrt(len(per)),
            "overlap": mean_sq_overlap(Wh), "weighted_overlap": weighted_sq_overlap(Wh, p),
            "norms": np.linalg.norm(Wh, axis=1), "bias": bk.to_numpy(b)}


def _train(c: SuperpositionConfig, bk, widths, inits, data_seed, Xe) -> list[dict]:
    """AdamW on the same stream of fresh batches (drawn from ``data_seed``) for every width of
    ``widths``; per width: the evaluation of :func:`_evaluate` after training, the same at
    initialisation (keys ``init_*``: the untrained control, zero steps) and the batch losses at the
    logged steps (``train_loss`` [log])."""
    xp = bk.xp
    p = probabilities(c.n, c.alpha, c.density)
    untrained = {m: _evaluate(xp, bk, bk.asarray(inits[m][0]), bk.asarray(inits[m][1]), Xe, p)
                 for m in widths}
    state = {m: [bk.asarray(a) for a in (W, b, np.zeros_like(W), np.zeros_like(W),
                                         np.zeros_like(b), np.zeros_like(b))]
             for m, (W, b) in ((m, inits[m]) for m in widths)}
    lrs = schedule(c)
    train = {m: np.empty(c.steps) for m in widths}
    uniforms, pb = bk.stream(data_seed), bk.asarray(p)      # drawn where the widths train
    for t0 in range(0, c.steps, c.chunk):
        X = sparse_inputs(xp, uniforms.random((min(c.chunk, c.steps - t0), c.batch, c.n)), pb)
        lr_chunk = lrs[t0:t0 + X.shape[0]]
        for m in widths:
            *st, losses = train_chunk(bk, *state[m], X, lr_chunk, t0, c.gamma, 0.9, 0.999, 1e-8)
            state[m] = list(st)
            train[m][t0:t0 + X.shape[0]] = bk.to_numpy(losses)
    log_at = log_steps(c) - 1
    return [{**_evaluate(xp, bk, state[m][0], state[m][1], Xe, p), "train_loss": train[m][log_at],
             **{f"init_{k}": v for k, v in untrained[m].items() if k in INIT_KEYS}}
            for m in widths]


def log_steps(c: SuperpositionConfig) -> np.ndarray:
    """The (1-based) steps at which the training loss is kept: ~n_log geometric points."""
    return np.unique(np.geomspace(1, c.steps, c.n_log).round().astype(int))


INIT_KEYS = ("loss", "loss_se", "overlap", "weighted_overlap", "norms")
POINT_DIMS = {"loss": [], "loss_se": [], "overlap": [], "weighted_overlap": [], "norms": ["feature"],
              "bias": ["feature"], "train_loss": ["log"],
              **{f"init_{k}": ["feature"] if k == "norms" else [] for k in INIT_KEYS}}


def simulate(config: SuperpositionConfig) -> Result:
    """Train every width of ``m_grid`` with AdamW on one stream of fresh batches and evaluate it.

    Returns arrays (dims): ``m_grid`` [width]; ``p`` [feature] (the feature probabilities, in rank
    order); ``loss``, ``loss_se`` [width] (test loss on ``eval_batch`` held-out samples and its
    standard error over samples); ``overlap`` [width] (mean squared cosine of pairs of represented
    rows, |W_i| > 1/2) and ``weighted_overlap`` [width] (the same weighted by p_i p_j);
    ``norms``, ``bias`` [width, feature] (|W_i| and b_i after training); ``train_steps`` [log] and
    ``train_loss`` [width, log] (batch loss at those steps); the untrained control, the same widths
    evaluated at initialisation on the same held-out samples: ``init_loss``, ``init_loss_se``,
    ``init_overlap``, ``init_weighted_overlap`` [width], ``init_norms`` [width, feature].
    The widths are a sweep (:func:`sims.parallel.run`, checkpointed per width); by default every width
    is trained in one block on the same batches, as ``block_widths`` widths at a time otherwise.
    """
    c = config
    bk = get_backend(c.backend, c)
    s_init, s_data, s_eval = np.random.SeedSequence(c.seed).spawn(3)
    p = probabilities(c.n, c.alpha, c.density)
    inits = _init(c, s_init)
    Xe = bk.asarray(draw(np.random.default_rng(s_eval), p, (c.eval_batch,)))
    widths = list(c.m_grid)

    def block(ms, seeds):
        return _train(c, bk, list(ms), inits, seeds[0], Xe)

    values = parallel.run(c, widths, lambda m, seed: block([m], [seed])[0],
                       seeds=[s_data] * len(widths), desc="superposition[widths]", block=block,
                       block_size=c.block_widths or len(widths))
    arrays, dims = parallel.stack(values, parallel.Grid(width=widths), POINT_DIMS)
    arrays.update(m_grid=np.asarray(c.m_grid), p=p, train_steps=log_steps(c))
    dims.update(m_grid=["width"], p=["feature"], train_steps=["log"])
    return make_result(c, arrays, dims, coords={"width": "m_grid", "log": "train_steps"},
                       backend=bk.name)


def cost(c: SuperpositionConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim): an AdamW step on a batch costs batch x n x m (x W, x W W^T,
    their transposes backward) per width m of the grid; the final evaluation eval_batch x n x m."""
    ops = sum((c.steps * c.batch + c.eval_batch) * c.n * m for m in c.m_grid)
    arrays = (c.chunk * c.batch + c.eval_batch) * c.n * 2 + 4 * c.n * max(c.m_grid)
    return ops, 8.0 * arrays, max(c.n, c.batch)
