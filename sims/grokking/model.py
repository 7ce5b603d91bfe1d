"""Grokking: the config, the network's loss and gradients, the optimisers, one training run and the
cost model (see the package docstring for the equations)."""
from __future__ import annotations

import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import threads as _threads
from ..backend import get_backend, kernel
from ..config import BaseConfig
from ..fpmode import flush_denormals
from ..errors import ConfigError, require
from . import metrics
from theory import grokking as theory

OPTIMIZERS = ("adam", "adamw", "gd")
ACTIVATIONS = ("sqr", "relu")
KINDS = ("run", "stage2", "sweep")
LABELS = ("group", "shuffled")
BRACKETS = ("absolute", "p_star")


@dataclasses.dataclass(frozen=True)
class GrokkingConfig(BaseConfig):
    """One experiment. ``kind``: run (one network), stage2 (``seeds`` networks, each with an
    independent ascent of E from record ``indep_record``) or sweep (the threshold sweep)."""
    kind: str = "run"
    labels: str = "group"             # group (y = a b) | shuffled (y permuted over the pairs)
    M: int = 23                       # group order: Z_M, or D_(M/2) for group: dihedral
    group: str = "cyclic"             # cyclic (Z_M, a + b mod M) | dihedral (D_n, M = 2n, n odd)
    K: int = 256                      # hidden width
    activation: str = "sqr"
    optimizer: str = "adam"
    lr: float = 0.01
    weight_decay: float = 5e-4
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    train_fraction: float = 0.4
    steps: int = 1500
    flush_denormals: bool = True      # subnormal values count as 0 while training (sims.fpmode)
    record_every: int = 10
    top_fraction: float = 0.25        # "strongest nodes": top quarter by |w_j| |V e_j|
    spectrum_nodes: int = 256         # nodes whose spectra are stored at every record
    indep_steps: int = 300            # stage-II independent ascent of E
    indep_lr: float = 0.2
    indep_record: int = -1            # record the ascent starts from (-1: memorisation, t_mem)
    sweep_M: tuple[int, ...] = (17, 19, 23, 29)
    seeds: int = 2
    bracket: str = "p_star"           # sweep: fractions [low, high] (absolute) or x p*(M) (p_star)
    low: float = 0.5
    high: float = 2.0
    bisect: int = 3
    success_acc: float = 0.95         # test accuracy that counts as "generalises"

    def validate(self) -> None:
        require(self.kind in KINDS, f"kind must be one of {KINDS}, got {self.kind!r}")
        require(self.labels in LABELS, f"labels must be one of {LABELS}, got {self.labels!r}")
        require(self.bracket in BRACKETS, f"bracket must be one of {BRACKETS}, got "
                f"{self.bracket!r}")
        require(self.optimizer in OPTIMIZERS, f"optimizer must be one of {OPTIMIZERS}, got "
                f"{self.optimizer!r}")
        require(self.activation in ACTIVATIONS, f"activation must be one of {ACTIVATIONS}, got "
                f"{self.activation!r}")
        require(self.M >= 3 and all(m >= 3 for m in self.sweep_M), "M (and sweep_M) must be >= 3")
        require(self.K >= 1, f"K must be a positive integer, got {self.K}")
        require(self.group in theory.GROUPS, f"group must be one of {theory.GROUPS}, got "
                f"{self.group!r}")
        if self.group == "dihedral":
            require(self.M % 2 == 0 and (self.M // 2) % 2 == 1 and self.M >= 6,
                    f"dihedral needs M = 2n with n odd >= 3 (the order of D_n), got M = {self.M}")
            require(self.kind != "sweep", "the threshold sweep (p*(M) of Z_M) is for group: cyclic")
        require(self.lr > 0 and self.weight_decay >= 0, "lr must be > 0 and weight_decay >= 0")
        require(0 <= self.beta1 < 1 and 0 <= self.beta2 < 1 and self.eps > 0,
                "beta1, beta2 must be in [0, 1) and eps > 0")
        if self.optimizer == "gd":
            require(self.lr * self.weight_decay < 2, f"GD with lr * weight_decay = "
                    f"{self.lr * self.weight_decay:g} >= 2 diverges on the decay term alone")
        require(0 < self.train_fraction < 1, f"train_fraction must be in (0, 1), got "
                f"{self.train_fraction}")
        require(self.steps >= 1 and self.record_every >= 1, "steps and record_every must be >= 1")
        require(0 < self.top_fraction <= 1, "top_fraction must be in (0, 1]")
        require(self.seeds >= 1 and self.bisect >= 0, "seeds >= 1 and bisect >= 0 needed")
        require(0 < self.low < self.high, f"need 0 < low < high, got {self.low}, {self.high}")
        require(self.indep_record >= -1, "indep_record must be -1 (t_mem) or a record index")
        if self.kind == "sweep":
            bad = [m for m in self.sweep_M if self.bracket_of(m)[1] >= 1]
            require(len(self.sweep_M) > 0 and not bad, f"sweep_M {bad}: the bracket's upper end "
                    "is >= 1 (no test set left); use larger M or a smaller 'high'")

    def bracket_of(self, M: int) -> tuple[float, float]:
        """The sweep's bracket of training fractions at modulus M."""
        scale = 1.0 if self.bracket == "absolute" else float(theory.critical_fraction(M))
        return self.low * scale, self.high * scale


Config = GrokkingConfig
OPT_CODE = {"adam": 0, "adamw": 1, "gd": 2}
ACT_CODE = {"sqr": 0, "relu": 1}


# ---- loss, gradients, optimiser (generic array-API code; numba twin in sims.kernels) ------------
def _act(xp, H, act):
    return (H * H, 2 * H) if act == 0 else (xp.maximum(H, 0.0), xp.astype(H > 0, H.dtype))


def loss_and_grads(xp, W, V, X, Yt, act):
    """Loss of the module docstring and (dL/dW, dL/dV, G_F = -dL/dF, F)."""
    N = X.shape[0]
    H = X @ W.T
    F, dF = _act(xp, H, act)
    O = F @ V.T
    R = O - xp.mean(O, axis=1, keepdims=True) - Yt
    loss = xp.sum(R * R) / N
    G = 2 * R / N
    GF = -(G @ V)
    gW = -((GF * dF).T @ X)
    return loss, gW, G.T @ F, GF, F


def _update(xp, P, g, m, v, t, lr, wd, b1, b2, eps, opt):
    if opt == 2:
        return P - lr * (g + wd * P), m, v
    if opt == 0:
        g = g + wd * P
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    upd = lr * (m / (1 - b1**t)) / (xp.sqrt(v / (1 - b2**t)) + eps)
    if opt == 1:
        P = P * (1 - lr * wd)
    return P - upd, m, v


@kernel(numba="sims.kernels.grokking:train_chunk")
def train_chunk(xp, W, V, mW, vW, mV, vV, X, Yt, t0, steps, lr, wd, b1, b2, eps, opt, act):
    """``steps`` full-batch optimiser steps from step count t0; returns the state and the loss
    before the last step."""
    loss = 0.0
    for s in range(steps):
        loss, gW, gV, _, _ = loss_and_grads(xp, W, V, X, Yt, act)
        t = t0 + s + 1
        W, mW, vW = _update(xp, W, gW, mW, vW, t, lr, wd, b1, b2, eps, opt)
        V, mV, vV = _update(xp, V, gV, mV, vV, t, lr, wd, b1, b2, eps, opt)
    return W, V, mW, vW, mV, vV, float(loss)


# ---- data and init ------------------------------------------------------------------------------
def split(M: int, fraction: float, rng: np.random.Generator):
    """A random permutation of the M^2 pairs; the first round(fraction M^2) train (nested in p)."""
    perm = rng.permutation(M * M)
    n = int(round(fraction * M * M))
    return perm[:n], perm[n:]


def init_params(M: int, K: int, rng: np.random.Generator):
    W = rng.uniform(-1, 1, (K, 2 * M)) / math.sqrt(2 * M)
    V = rng.uniform(-1, 1, (M, K)) / math.sqrt(K)
    return W, V


# ---- one training run ---------------------------------------------------------------------------
def _hidden(X, W, act, pairs=None, bk=None):
    """sigma(X W^T) on the host. With ``pairs`` = (ia, ib), the columns of the two ones of each
    one-hot row of X, the product is the gather W^T[ia] + W^T[ib] (:func:`hidden_gather`): the
    same sums (adding exact zeros changes nothing), O(N K) instead of O(N K 2M)."""
    if pairs is None:
        H = X @ W.T
        return H * H if act == "sqr" else np.maximum(H, 0.0)
    return hidden_gather(bk, np.ascontiguousarray(W.T), pairs[0], pairs[1],
                         ACT_CODE[act] if isinstance(act, str) else act)


@kernel(numba="sims.kernels.grokking:hidden_gather")
def hidden_gather(xp, WT, ia, ib, act):
    """sigma(W^T[ia] + W^T[ib]) (N x K) for one-hot pairs (ia, ib); WT is W^T (2M x K)."""
    H = WT[ia] + WT[ib]
    return H * H if act == 0 else xp.maximum(H, 0.0)


def one_hot_pairs(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ia, ib): the columns of the ones in the two halves of each one-hot row x = [e_a; e_b]."""
    M = X.shape[1] // 2
    return np.argmax(X[:, :M], axis=1), M + np.argmax(X[:, M:], axis=1)


def _record(config, M, data, Wh, Vh, done, record):
    """One record of a run: accuracies and losses; with ``record`` also the node statistics and the
    snapshot (W, V, the stored nodes' normalised spectra and energies). The pairs of ``data``
    are ordered training pairs first, so that the training block is a view."""
    X, Yt_all, y, Yt, n, Q, pairs = data
    act = config.activation
    F = _hidden(None, Wh, act, pairs, get_backend(config.backend, config))
    O = F @ Vh.T
    R = O - O.mean(1, keepdims=True) - Yt
    loss = np.sum(R * R, 1)
    row = {"step": done, "train_acc": metrics.accuracy(O[:n], y[:n]),
           "test_acc": metrics.accuracy(O[n:], y[n:]),
           "train_loss": float(np.mean(loss[:n])), "test_loss": float(np.mean(loss[n:]))}
    if not record:
        return row, None
    S = min(config.spectrum_nodes, config.K)
    tot, en = metrics.spectra_and_energy(Wh, M, act, X, Yt_all, config.group)
    ipr = theory.ipr(tot)
    top = metrics.top_nodes(Wh, Vh, config.top_fraction)
    gn, glab, gcos = metrics.gf_stats(R[:n], Vh, F[:n], Yt[:n], Q)
    row.update(ipr_top=float(ipr[top].mean()), ipr_all=float(ipr.mean()),
               energy_top=float(en[top].mean()), gf_norm=gn, gf_label=glab, gf_indep=gcos,
               weight_norm=float(np.linalg.norm(Wh)))
    snap = (Wh, Vh, metrics.share(tot[:S]).astype(np.float32), en[:S].astype(np.float32))
    return row, snap


def train(config: GrokkingConfig, M: int, fraction: float, seed, record=True, stop_acc=None):
    """Train one network from ``seed`` (split, then init) on ``fraction`` of the M^2 pairs.

    Returns a dict of per-record histories (step, train_acc, test_acc, train_loss, test_loss; with
    ``record`` also ipr_top, ipr_all, energy_top, gf_norm, gf_label, gf_indep, weight_norm), the
    ``train_idx`` of the training pairs and ``snaps`` (per record: W, V, spectra, energies; empty
    without ``record``). Stops after ``config.steps`` steps or once test accuracy >= ``stop_acc``."""
    bk = get_backend(config.backend, config)
    rng = np.random.default_rng(seed)
    X, y, Yt = theory.dataset(M, config.group)
    tr, te = split(M, fraction, rng)
    W, V = init_params(M, config.K, rng)
    if config.labels == "shuffled":                    # the control task without group structure
        y = rng.permutation(y)
        Yt = np.eye(M)[y] - 1.0 / M
    Xtr, Ytr = bk.asarray(X[tr]), bk.asarray(Yt[tr])
    state = [bk.asarray(a) for a in (W, V)] + [bk.asarray(np.zeros_like(a)) for a in (W, W, V, V)]
    hp = (config.lr, config.weight_decay, config.beta1, config.beta2, config.eps,
          OPT_CODE[config.optimizer], ACT_CODE[config.activation])
    U, _, _ = np.linalg.svd(Yt[tr], full_matrices=False)          # Q = U[:, :M-1]: col(Ytil_train)
    order = np.concatenate([tr, te])                   # training pairs first (see _record)
    ia, ib = one_hot_pairs(X)
    data = (X, Yt, y[order], Yt[order], len(tr), U[:, : M - 1], (ia[order], ib[order]))
    with flush_denormals(config.flush_denormals):
        hist, snaps = _loop(config, M, bk, data, state, Xtr, Ytr, hp, record, stop_acc)
    out = {k: np.array([r[k] for r in hist]) for k in hist[0]}
    out.update(train_idx=tr, snaps=snaps)
    return out


def _loop(config, M, bk, data, state, Xtr, Ytr, hp, record, stop_acc):
    """Record, then train ``record_every`` steps, until ``steps`` (or the test accuracy reaches
    ``stop_acc``); returns the records and the snapshots.

    With a spare core (``sims.threads.workers() > 1``: a run that is not one of a sweep's points)
    the next chunk trains on a second thread while the record is computed from the snapshot it
    left (the numba kernel releases the GIL). A record reads only its snapshot and a chunk only
    the state, so the results are bit for bit those of the serial order; a chunk trained past
    the stop is discarded."""
    hist, snaps, done = [], [], 0
    pool = ThreadPoolExecutor(1) if _threads.workers() > 1 else None

    def chunk(state, done, n):
        with flush_denormals(config.flush_denormals):      # MXCSR is per thread
            return train_chunk(bk, *state, Xtr, Ytr, done, n, *hp)[:-1]
    try:
        while True:
            Wh, Vh = bk.to_numpy(state[0]), bk.to_numpy(state[1])
            if not np.all(np.isfinite(Wh)) or np.abs(Wh).max() > 1e8:
                raise ConfigError(f"training diverged at step {done} (M={M}, lr={config.lr}); "
                                  "lower lr")
            n = min(config.record_every, config.steps - done)
            ahead = pool.submit(chunk, state, done, n) if pool is not None and n > 0 else None
            row, snap = _record(config, M, data, Wh, Vh, done, record)
            hist.append(row)
            if snap is not None:
                snaps.append(snap)
            if n == 0 or (stop_acc is not None and row["test_acc"] >= stop_acc):
                break
            state = ahead.result() if ahead is not None else chunk(state, done, n)
            done += n
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return hist, snaps


def cost(c: GrokkingConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim). A full-batch step on P = fraction M^2 pairs costs P K M (hidden
    layer from one-hot inputs, the M-class output layer and both backward). A run adds the stage-II
    ascent (indep_steps over the top nodes, M^2 pairs); ``stage2`` trains ``seeds`` such runs and
    ascends every node; the sweep trains (2 + bisect) nets per M and seed at fractions ~ p*(M)
    (clipped into the bracket; an upper bound: a run stops once it generalises)."""
    if c.kind == "sweep":
        def frac(M):
            p = theory.critical_fraction(M)
            lo, hi = c.bracket_of(M)
            return p if c.bracket == "p_star" else min(max(p, lo), hi)
        ops = c.seeds * sum((2 + c.bisect) * c.steps * frac(M) * M**3 * c.K for M in c.sweep_M)
        Mx = max(c.sweep_M)
        return ops, 8.0 * (Mx**3 * 2 + 3 * Mx * Mx * c.K), max(c.K, Mx * Mx)
    P = c.train_fraction * c.M**2
    records = c.steps // c.record_every + 1
    arrays = 2 * c.M**3 + 3 * c.M * c.M * c.K + records * c.spectrum_nodes * (c.M + 2)
    if c.kind == "stage2":
        per_seed = (c.steps * P * c.K * c.M + c.indep_steps * c.train_fraction * c.K * c.M**3
                    + records * c.K * c.M**3)
        return c.seeds * per_seed, 8.0 * (arrays + 4 * c.seeds * c.K * c.M), max(c.K, c.M * c.M)
    ops = c.steps * P * c.K * c.M + c.indep_steps * c.top_fraction * c.K * c.M**3
    return ops, 8.0 * arrays, max(c.K, c.M * c.M)
