"""Superposition: ``simulate`` (every width of the grid trained on one stream of fresh batches
and evaluated, trained and untrained; the widths a sweep through :func:`sims.parallel.run`) and the
cost model."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import parallel
from ..context import RunContext
from ..errors import ConfigError
from ..results import Result, make_result
from . import model
from .config import SuperpositionConfig
from .model import AdamWState


def _init(c: SuperpositionConfig, seed) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """W (n x m) ~ N(0, 1/m) and b ~ N(0, b_init^2) of every width, drawn in grid order from one
    generator (so a width's init never depends on which widths a block trains)."""
    rng = np.random.default_rng(seed)
    out = {}
    for m in c.m_grid:
        W = rng.standard_normal((c.n, m)) / math.sqrt(m)
        out[m] = (W, c.b_init * rng.standard_normal(c.n))
    return out


class Seeds(NamedTuple):
    """The seed tree of replicate r: ``SeedSequence(seed).spawn(seeds)[r].spawn(3)`` = the widths'
    inits, the training batches (one stream shared by every width) and the held-out samples."""

    init: np.random.SeedSequence
    data: np.random.SeedSequence
    eval: np.random.SeedSequence


def seeds_of(c: SuperpositionConfig) -> list[Seeds]:
    """The seed tree of every replicate (see :class:`Seeds`)."""
    return [Seeds(*ss.spawn(3)) for ss in parallel.seeds_for(c, c.seeds)]


def _evaluate(xp, bk, W, b, Xe, p) -> dict:
    """Test loss and its s.e. over the held-out samples, the (frequency-weighted) mean squared
    overlap of the represented rows, the row norms and the bias of one width."""
    per = bk.to_numpy(model.eval_loss(xp, W, b, Xe))
    Wh = bk.to_numpy(W)
    return {"loss": per.mean(), "loss_se": per.std(ddof=1) / math.sqrt(len(per)),
            "overlap": model.mean_sq_overlap(Wh),
            "weighted_overlap": model.weighted_sq_overlap(Wh, p),
            "norms": np.linalg.norm(Wh, axis=1), "bias": bk.to_numpy(b)}


def _train(c: SuperpositionConfig, bk, widths, inits, data_seed, Xe) -> list[dict]:
    """AdamW on the same stream of fresh batches (drawn from ``data_seed``) for every width of
    ``widths``; per width: the evaluation of :func:`_evaluate` after training, the same at
    initialisation (keys ``init_*``: the untrained control, zero steps) and the batch losses at the
    logged steps (``train_loss`` [log])."""
    xp = bk.xp
    p = model.probabilities(c.n, c.alpha, c.density)
    untrained = {m: _evaluate(xp, bk, bk.asarray(inits[m][0]), bk.asarray(inits[m][1]), Xe, p)
                 for m in widths}
    state = {m: AdamWState(*(bk.asarray(a) for a in (W, b, np.zeros_like(W), np.zeros_like(W),
                                                     np.zeros_like(b), np.zeros_like(b))))
             for m, (W, b) in ((m, inits[m]) for m in widths)}
    lrs = model.schedule(c)
    train = {m: np.empty(c.steps) for m in widths}
    uniforms, pb = bk.stream(data_seed), bk.asarray(p)      # drawn where the widths train
    for t0 in range(0, c.steps, c.chunk):
        X = model.sparse_inputs(bk, uniforms.random((min(c.chunk, c.steps - t0), c.batch, c.n)),
                                pb)
        lr_chunk = lrs[t0:t0 + X.shape[0]]
        for m in widths:
            state[m], losses = model.train_chunk(bk, state[m], X, lr_chunk, t0, c.gamma, 0.9,
                                                 0.999, 1e-8)
            train[m][t0:t0 + X.shape[0]] = bk.to_numpy(losses)
            if not np.all(np.isfinite(train[m][t0:t0 + X.shape[0]])):
                raise ConfigError(f"training diverged at width m = {m} by step "
                                  f"{t0 + X.shape[0]} (lr={c.lr}): a non-finite loss; lower lr")
    log_at = log_steps(c) - 1
    return [{**_evaluate(xp, bk, state[m].W, state[m].b, Xe, p), "train_loss": train[m][log_at],
             **{f"init_{k}": v for k, v in untrained[m].items() if k in INIT_KEYS}}
            for m in widths]


def log_steps(c: SuperpositionConfig) -> np.ndarray:
    """The (1-based) steps at which the training loss is kept: ~n_log geometric points."""
    return np.unique(np.geomspace(1, c.steps, c.n_log).round().astype(int))


INIT_KEYS = ("loss", "loss_se", "overlap", "weighted_overlap", "norms")
POINT_DIMS = {"loss": [], "loss_se": [], "overlap": [], "weighted_overlap": [], "norms": ["feature"],
              "bias": ["feature"], "train_loss": ["log"],
              **{f"init_{k}": ["feature"] if k == "norms" else [] for k in INIT_KEYS}}


SEED_KEYS = ("loss", "loss_se", "norms", "bias", "init_loss", "init_loss_se", "init_norms")


def _replicate(c: SuperpositionConfig, bk, seeds: Seeds, p, key: str) -> tuple[dict, dict]:
    """One replicate: every width of the grid trained and evaluated (arrays and dims by name)."""
    inits = _init(c, seeds.init)
    Xe = bk.asarray(model.draw(np.random.default_rng(seeds.eval), p, (c.eval_batch,)))
    widths = list(c.m_grid)

    def block(ms, ss):
        return _train(c, bk, list(ms), inits, ss[0], Xe)

    values = parallel.run(c, widths, lambda m, seed: block([m], [seed])[0],
                          seeds=[seeds.data] * len(widths), desc="superposition[widths]",
                          block=block, block_size=c.block_widths or len(widths), key=key)
    return parallel.stack(values, parallel.Grid(width=widths), POINT_DIMS)


def simulate(config: SuperpositionConfig, run: RunContext) -> Result:
    """Train every width of ``m_grid`` with AdamW on one stream of fresh batches and evaluate it,
    in ``seeds`` independent replicates.

    Returns arrays (dims), of replicate 0: ``m_grid`` [width]; ``p`` [feature] (the feature
    probabilities, in rank order); ``loss``, ``loss_se`` [width] (test loss on ``eval_batch``
    held-out samples and its standard error over samples); ``overlap`` [width] (mean squared cosine
    of pairs of represented rows, |W_i| > 1/2) and ``weighted_overlap`` [width] (the same weighted by
    p_i p_j); ``norms``, ``bias`` [width, feature] (|W_i| and b_i after training); ``train_steps``
    [log] and ``train_loss`` [width, log] (batch loss at those steps); the untrained control, the
    same widths evaluated at initialisation on the same held-out samples: ``init_loss``,
    ``init_loss_se``, ``init_overlap``, ``init_weighted_overlap`` [width], ``init_norms``
    [width, feature]. Of every replicate (replicate 0 included): ``seed_<k>`` [seed, width(,
    feature)] for k in ``SEED_KEYS`` (loss, loss_se, norms, bias, init_loss, init_loss_se,
    init_norms).
    The widths are a sweep (:func:`sims.parallel.run`, checkpointed per width and replicate); by
    default every width is trained in one block on the same batches, as ``block_widths`` widths at
    a time otherwise.
    """
    c = config
    bk = run.backend
    p = model.probabilities(c.n, c.alpha, c.density)
    reps = [_replicate(c, bk, ss, p, f"seed{r}" if r else "")
            for r, ss in enumerate(seeds_of(c))]
    arrays, dims = reps[0]
    arrays, dims = dict(arrays), dict(dims)
    for k in SEED_KEYS:
        arrays[f"seed_{k}"] = np.stack([a[k] for a, _ in reps])
        dims[f"seed_{k}"] = ["seed", *dims[k]]
    arrays.update(m_grid=np.asarray(c.m_grid), p=p, train_steps=log_steps(c))
    dims.update(m_grid=["width"], p=["feature"], train_steps=["log"])
    return make_result(c, arrays, dims, coords={"width": "m_grid", "log": "train_steps"})


def cost(c: SuperpositionConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim): an AdamW step on a batch costs batch x n x m (x W, x W W^T,
    their transposes backward) per width m of the grid; the final evaluation eval_batch x n x m."""
    ops = c.seeds * sum((c.steps * c.batch + c.eval_batch) * c.n * m for m in c.m_grid)
    arrays = (c.chunk * c.batch + c.eval_batch) * c.n * 2 + 4 * c.n * max(c.m_grid)
    return ops, 8.0 * arrays, max(c.n, c.batch)
