"""Grokking: one training run with its records and snapshots (see the package docstring)."""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import threads as _threads
from ..context import RunContext
from ..errors import ConfigError
from ..fpmode import flush_denormals
from . import metrics, model
from .config import GrokkingConfig
from .model import Hyper, TrainState
from theory import grokking as theory

HISTORY = ("step", "train_acc", "test_acc", "train_loss", "test_loss", "ipr_top", "ipr_all",
           "energy_top", "gf_norm", "gf_label", "gf_indep", "weight_norm")
DIVERGED = 1e8          # |W| beyond this (or a non-finite W or loss): the run diverged
LOSS_BLOWUP = 1e6       # ... or a training loss above this many times its initial value (~1)


class Snapshot(NamedTuple):
    """A record's state on the host: ``W`` [node, input], ``V`` [output, node], ``spectrum``
    [stored_node, irrep] (the first ``spectrum_nodes`` nodes' power shares, float32) and
    ``energy`` [stored_node] (their E(w/|w|)/(M/4), float32)."""

    W: np.ndarray
    V: np.ndarray
    spectrum: np.ndarray
    energy: np.ndarray


class Task(NamedTuple):
    """What a run's records read, all pairs ordered training pairs first (so the training block is
    a view): ``X`` [pair, input] and ``Yt_all`` [pair, output] in the dataset's order (for the
    spectra and energies), ``y`` [pair] labels and ``Yt`` [pair, output] centred targets in the
    training-first order, ``n_train``, ``Q`` [train_pair, M-1] (a basis of col(Ytil_train)) and
    ``pairs`` = (ia, ib) [pair], the columns of the two ones of each one-hot row; ``work``
    [2, pair, node] the hidden layer's buffers (:func:`model.hidden_gather`)."""

    X: np.ndarray
    Yt_all: np.ndarray
    y: np.ndarray
    Yt: np.ndarray
    n_train: int
    Q: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray]
    work: np.ndarray        # [2, pair, node] buffers of the records' hidden layer (one thread)


@dataclass
class Training:
    """One training run: ``history`` (name -> [record]: the :data:`HISTORY` arrays; without
    node records only step, train_acc, test_acc, train_loss, test_loss), ``train_idx``
    [train_pair] (the training pairs) and ``snapshots`` (one :class:`Snapshot` per record, none
    without node records)."""

    history: dict[str, np.ndarray]
    train_idx: np.ndarray
    snapshots: list[Snapshot]


def train(config: GrokkingConfig, M: int, fraction: float, seed, run: RunContext, record=True,
          stop_acc=None) -> Training:
    """Train one network from ``seed`` (split, then init) on ``fraction`` of the M^2 pairs, for
    ``config.steps`` steps or until the test accuracy reaches ``stop_acc``; with ``record`` the
    node statistics and snapshots at every record. Raises ConfigError if training diverges."""
    bk = run.backend
    rng = np.random.default_rng(seed)
    X, y, Yt = theory.dataset(M, config.group)
    tr, te = model.split(M, fraction, rng)
    W, V = model.init_params(M, config.K, rng)
    if config.labels == "shuffled":                    # the control task without group structure
        y = rng.permutation(y)
        Yt = np.eye(M)[y] - 1.0 / M
    Xtr, Ytr = bk.asarray(X[tr]), bk.asarray(Yt[tr])
    state = TrainState(*(bk.asarray(a) for a in (W, V)),
                       *(bk.asarray(np.zeros_like(a)) for a in (W, W, V, V)))
    U, _, _ = np.linalg.svd(Yt[tr], full_matrices=False)          # Q = U[:, :M-1]: col(Ytil_train)
    order = np.concatenate([tr, te])                   # training pairs first
    ia, ib = model.one_hot_pairs(X)
    task = Task(X, Yt, y[order], Yt[order], len(tr), U[:, : M - 1], (ia[order], ib[order]),
                np.empty((2, len(order), config.K)))
    with flush_denormals(config.flush_denormals):
        hist, snaps = _loop(config, M, run, task, state, Xtr, Ytr, record, stop_acc)
    return Training({k: np.array([r[k] for r in hist]) for k in hist[0]}, tr, snaps)


def _loop(config, M, run, task, state, Xtr, Ytr, record, stop_acc):
    """Record, then train ``record_every`` steps, until ``steps`` (or the test accuracy reaches
    ``stop_acc``); returns the records and the snapshots.

    With a spare core (``sims.threads.workers() > 1``: a run that is not one of a sweep's points)
    the next chunk trains on a second thread while the record is computed from the snapshot it
    left (the numba kernel releases the GIL). A record reads only its snapshot and a chunk only
    the state, so the results are bit for bit those of the serial order; a chunk trained past
    the stop is discarded."""
    bk, hp = run.backend, Hyper.of(config)
    hist, snaps, done = [], [], 0
    pool = ThreadPoolExecutor(1) if _threads.workers() > 1 else None

    def chunk(state, done, n):
        with flush_denormals(config.flush_denormals):      # MXCSR is per thread
            return model.train_chunk(bk, state, Xtr, Ytr, done, n, hp)[0]
    try:
        while True:
            Wh, Vh = bk.to_numpy(state.W), bk.to_numpy(state.V)
            if not np.all(np.isfinite(Wh)) or np.abs(Wh).max() > DIVERGED:
                _diverged(config, M, done)
            n = min(config.record_every, config.steps - done)
            ahead = pool.submit(chunk, state, done, n) if pool is not None and n > 0 else None
            row, snap = _record(config, M, run, task, Wh, Vh, done, record)
            if not (math.isfinite(row["train_loss"]) and math.isfinite(row["test_loss"])
                    and row["train_loss"] <= LOSS_BLOWUP * max(hist[0]["train_loss"] if hist
                                                               else row["train_loss"], 1e-300)):
                _diverged(config, M, done)
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


def _diverged(config, M, done):
    raise ConfigError(f"training diverged at step {done} (M={M}, lr={config.lr}: a non-finite "
                      f"state or loss, |W| > {DIVERGED:.0e} or the training loss above "
                      f"{LOSS_BLOWUP:.0e} x its initial value); lower lr")


def _record(config, M, run, task: Task, Wh, Vh, done, record):
    """One record of a run: accuracies and losses; with ``record`` also the node statistics and the
    :class:`Snapshot`. Computed on the host (``run.host``) from host copies of W and V."""
    n = task.n_train
    F = model.hidden_gather(run.host, np.ascontiguousarray(Wh.T), *task.pairs, config.activation,
                            task.work)
    O = F @ Vh.T
    R = O - O.mean(1, keepdims=True) - task.Yt
    loss = np.sum(R * R, 1)
    row = {"step": done, "train_acc": metrics.accuracy(O[:n], task.y[:n]),
           "test_acc": metrics.accuracy(O[n:], task.y[n:]),
           "train_loss": float(np.mean(loss[:n])), "test_loss": float(np.mean(loss[n:]))}
    if not record:
        return row, None
    S = min(config.spectrum_nodes, config.K)
    tot, en = metrics.spectra_and_energy(Wh, M, config.activation, task.X, task.Yt_all,
                                         config.group)
    ipr = theory.ipr(tot)
    top = metrics.top_nodes(Wh, Vh, config.top_fraction)
    gn, glab, gcos = metrics.gf_stats(R[:n], Vh, F[:n], task.Yt[:n], task.Q)
    row.update(ipr_top=float(ipr[top].mean()), ipr_all=float(ipr.mean()),
               energy_top=float(en[top].mean()), gf_norm=gn, gf_label=glab, gf_indep=gcos,
               weight_norm=float(np.linalg.norm(Wh)))
    return row, Snapshot(Wh, Vh, metrics.share(tot[:S]).astype(np.float32),
                         en[:S].astype(np.float32))
