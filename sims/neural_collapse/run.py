"""Neural collapse: one GD run from its init, ``simulate`` (every (depth, ratio) run, one
checkpointed sweep point each, through :func:`sims.parallel.run`) and the cost model."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import parallel
from ..context import RunContext
from ..errors import ConfigError
from ..results import Result, make_result
from . import model
from .config import NeuralCollapseConfig
from .model import Params


# ---- one run -----------------------------------------------------------------------------------
def class_counts(config: NeuralCollapseConfig, ratio: float | None) -> np.ndarray:
    """n_k of a run: ``config.counts``, the second half of the classes divided by ``ratio`` (rounded,
    at least 1) on an imbalance sweep."""
    counts = np.asarray(config.counts, int)
    if ratio is not None:
        half = len(counts) // 2
        counts = np.concatenate([counts[:half], np.maximum(1, np.round(counts[half:] / ratio))])
    return counts.astype(int)


class Init(NamedTuple):
    """The initial state (host arrays): ``params`` (:class:`Params`, b = 0) and the one-hot
    targets ``Y`` [class, sample]."""

    params: Params
    Y: np.ndarray


def init_state(config: NeuralCollapseConfig, counts, M: int, rng) -> Init:
    """H ~ N(0, a^2) (d x N), Ws ~ N(0, a^2/d) ((M-1) x d x d), Wout ~ N(0, a^2/d) (K x d), b = 0,
    drawn in that order, with a = init_scale."""
    d, K, N, a = config.d, len(counts), int(counts.sum()), config.init_scale
    H = a * rng.standard_normal((d, N))
    Ws = a * rng.standard_normal((M - 1, d, d)) / np.sqrt(d)
    Wout = a * rng.standard_normal((K, d)) / np.sqrt(d)
    Y = np.zeros((K, N))
    Y[np.repeat(np.arange(K), counts), np.arange(N)] = 1.0
    return Init(Params(H, Ws, Wout, np.zeros(K)), Y)


class Training(NamedTuple):
    """One GD run: the final ``params``, the ``steps`` done, the final ``grad_norm`` and ``loss``,
    the log-spaced ``marks`` [mark] and the ``hist`` [quantity, mark] (HIST_NAMES) there."""

    params: Params
    steps: int
    grad_norm: float
    loss: float
    marks: np.ndarray
    hist: np.ndarray


def _train(config: NeuralCollapseConfig, bk, params: Params, Y, cnt, M: int) -> Training:
    """Heavy-ball GD from ``params`` until |grad| < tol or ``max_steps``, chunked at log-spaced
    marks."""
    xp = bk.xp
    vel = Params(*(xp.zeros_like(a) for a in params))
    marks = np.unique(np.round(np.geomspace(1, config.max_steps, config.records)).astype(int))
    hist = np.full((5, marks.size), np.nan)      # loss, grad norm, NC1, NC2, NC3 at layer 0
    done, gnorm, loss = 0, np.inf, np.nan
    hp = model.Hyper.of(config)
    for j, t in enumerate(marks):
        chunk = model.gd_chunk(bk, params, vel, Y, hp, int(t - done))
        params, vel, loss, gnorm = chunk.params, chunk.velocity, chunk.loss, chunk.grad_norm
        done = int(t)
        if not (np.isfinite(loss) and gnorm < 1e12):
            raise ConfigError(f"GD diverged at step {done} (loss {loss:.3g}, |grad| {gnorm:.3g}) "
                              f"with lr = {config.lr}; lower lr")
        C = params.Wout
        for i in range(M - 2, -1, -1):
            C = C @ params.Ws[i, ...]
        m = model.nc_metrics(xp, params.H, C, params.b, Y, cnt)
        hist[:, j] = loss, gnorm, m.nc1, m.nc2, m.nc3
        if gnorm < config.tol:
            break
    return Training(params, done, gnorm, loss, marks, hist)


def _nc(metrics: list[model.NCMetrics]) -> np.ndarray:
    """[layer, metric]: NC1-NC4 (NC_NAMES) of every layer."""
    return np.array([(m.nc1, m.nc2, m.nc3, m.nc4) for m in metrics])


def run_one(config: NeuralCollapseConfig, counts: np.ndarray, M: int, seed, bk) -> dict:
    """One run (depth M, class sizes ``counts``) from ``seed`` on backend ``bk``: GD to |grad| <
    tol from each of ``config.restarts`` inits, the one of lowest final objective kept (a choice
    that does not consult any closed form), its untrained state's NC metrics, and the final state's
    metrics and invariants (the per-run values that :func:`simulate` stacks; see its docstring)."""
    xp = bk.xp
    cnt = bk.asarray(counts)
    best, initial, losses = None, None, []
    for rng in restart_rngs(seed, config.restarts):
        init = init_state(config, counts, M, rng)
        p, Y = Params(*(bk.asarray(a) for a in init.params)), bk.asarray(init.Y)
        tr = _train(config, bk, p, Y, cnt, M)
        losses.append(tr.loss)
        if best is None or tr.loss < best.loss:
            best = tr
            # p is still this init (gd_chunk works on copies): the untrained control
            initial, _ = model.layer_metrics(xp, *p, Y, cnt)
    tr = best
    p = tr.params
    layers, W = model.layer_metrics(xp, *p, Y, cnt)
    extras = model.layer_extras(xp, p.H, p.Ws, Y, cnt)
    means = bk.to_numpy(layers[0].means)
    Wh = bk.to_numpy(W)
    return {"steps": tr.steps, "grad_norm": tr.grad_norm, "loss": tr.loss, "hist": tr.hist,
            "marks": tr.marks, "layers": _nc(layers), "means": means, "W": Wh,
            "bias": bk.to_numpy(p.b), "WWt": Wh @ Wh.T, "WHbar": Wh @ means,
            "layers_init": _nc(initial),
            "grams": np.stack([bk.to_numpy(g) for g in extras.grams]),
            "gains": np.array(extras.gains), "sb_pinv": np.array(extras.sb_pinv),
            "restart_losses": np.array(losses)}


def restart_rngs(seed, restarts: int) -> list[np.random.Generator]:
    """The generators of a run's inits: restart 0 from ``seed`` itself (a one-restart run is the
    run of before), restart r >= 1 from the r-th child ``SeedSequence(seed).spawn``."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    first = np.random.default_rng(ss)
    return [first] + [np.random.default_rng(c) for c in ss.spawn(restarts - 1)]


HIST_NAMES = ("loss", "grad_norm", "NC1", "NC2", "NC3")
NC_NAMES = ("NC1", "NC2", "NC3", "NC4")


def runs_of(config: NeuralCollapseConfig) -> list[tuple[int, float | None]]:
    """The (depth M, imbalance ratio or None) of every run, depth slowest."""
    ratios = list(config.ratios) or [None]
    return [(M, r) for M in config.depths for r in ratios]


def seeds_of(config: NeuralCollapseConfig) -> list:
    """The seed tree: run i of :func:`runs_of` from ``SeedSequence(seed).spawn(len(runs))[i]``."""
    return parallel.seeds_for(config, len(runs_of(config)))


def simulate(config: NeuralCollapseConfig, run: RunContext) -> Result:
    """Heavy-ball GD to |grad| < tol for every (depth, ratio) run, one checkpointed sweep point each.

    Returns arrays (dims): ``depth``, ``ratio`` (nan without a sweep), ``steps``, ``grad_norm``,
    ``loss`` [run]; ``counts`` [run, class] (n_k); ``hist_steps`` [mark] (log-spaced step counts);
    ``hist`` [run, quantity, mark] (``HIST_NAMES``: loss, |grad|, NC1-NC3 of the layer-0 features);
    ``nc_layers`` [run, layer, metric] (``NC_NAMES``: NC1-NC4 at the end, layer l = 0..M-1, nan
    beyond a run's depth); ``means`` [run, feature, class] (layer-0 class means); ``W`` [run, class,
    feature] (W_M...W_1), ``bias`` [run, class]; ``WWt`` = W W^T and ``WHbar`` = W Hbar
    [run, class, class2]; ``nc_init`` [run, layer, metric] (NC1-NC4 of the untrained initial
    state); ``grams`` [run, layer, class, class2] (Hbar_l^T Hbar_l, uncentred layer-l means);
    ``gains`` [run, layer] (|W_l...W_1|_2) and ``sb_pinv`` [run, layer] (|Sigma_B^+|_2 of layer l),
    the two factors of the NC1 bound; ``restart_losses`` [run, restart] (the final objective of
    every init; the run's state is the lowest). Layers beyond a run's depth are nan.
    """
    runs = runs_of(config)
    out = parallel.run(config, runs, lambda pt, seed: run_one(config, class_counts(config, pt[1]),
                                                              pt[0], seed, run.backend),
                       seeds=seeds_of(config), desc="neural_collapse")
    stack = lambda key: np.stack([o[key] for o in out])   # noqa: E731
    Lmax = max(config.depths)
    padded = {key: _pad([o[key] for o in out], Lmax) for key in ("layers", "layers_init", "grams",
                                                                  "gains", "sb_pinv")}
    arrays = {"depth": np.array([M for M, _ in runs]),
              "ratio": np.array([np.nan if r is None else r for _, r in runs]),
              "counts": np.stack([class_counts(config, r) for _, r in runs]),
              "steps": stack("steps"), "grad_norm": stack("grad_norm"), "loss": stack("loss"),
              "hist_steps": out[0]["marks"], "hist": stack("hist"),
              "nc_layers": padded["layers"], "means": stack("means"), "W": stack("W"),
              "bias": stack("bias"),
              "WWt": stack("WWt"), "WHbar": stack("WHbar"), "nc_init": padded["layers_init"],
              "grams": padded["grams"], "gains": padded["gains"], "sb_pinv": padded["sb_pinv"],
              "restart_losses": stack("restart_losses")}
    dims = {"depth": ["run"], "ratio": ["run"], "steps": ["run"], "grad_norm": ["run"],
            "loss": ["run"], "counts": ["run", "class"], "hist_steps": ["mark"],
            "hist": ["run", "quantity", "mark"], "nc_layers": ["run", "layer", "metric"],
            "means": ["run", "feature", "class"], "W": ["run", "class", "feature"],
            "bias": ["run", "class"], "WWt": ["run", "class", "class2"],
            "WHbar": ["run", "class", "class2"], "nc_init": ["run", "layer", "metric"],
            "grams": ["run", "layer", "class", "class2"], "gains": ["run", "layer"],
            "sb_pinv": ["run", "layer"], "restart_losses": ["run", "restart"]}
    return make_result(config, arrays, dims, coords={"mark": "hist_steps"})


def _pad(values, depth: int) -> np.ndarray:
    """Per-run arrays with a leading layer axis, nan-padded to ``depth`` layers and stacked."""
    out = np.full((len(values), depth) + np.shape(values[0])[1:], np.nan)
    for i, v in enumerate(values):
        out[i, :len(v)] = v
    return out


def cost(c: NeuralCollapseConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim). A heavy-ball GD step costs N d (d (M - 1) + K + d)
    multiply-adds (forward and backward through M layers). GD to a fixed tolerance needs O(kappa)
    steps, kappa ~ 1/(lr lambda) with lambda the smaller weight decay (strong convexity at the
    minimiser), capped by max_steps."""
    N, K = sum(c.counts), len(c.counts)
    steps = min(c.max_steps, 1.0 / (c.lr * min(c.lambda_W, c.lambda_H)))
    runs = max(1, len(c.ratios)) * c.restarts
    ops = sum(runs * steps * N * c.d * (c.d * (M - 1) + K + c.d) for M in c.depths)
    arrays = N * c.d * 3 + max(c.depths) * c.d * c.d * 3 + runs * len(c.depths) * c.records * 5
    return ops, 8.0 * arrays, max(N, c.d)
