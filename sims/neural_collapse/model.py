"""Neural collapse: the model, its gradients and GD loop, the NC metrics, the sweep and its cost
(see the package docstring for the equations)."""
from __future__ import annotations

import dataclasses

import numpy as np

from .. import parallel
from ..backend import get_backend, kernel
from ..config import BaseConfig
from ..errors import ConfigError, require
from ..results import Result, make_result

LOSSES = ("mse", "ce")


@dataclasses.dataclass(frozen=True)
class NeuralCollapseConfig(BaseConfig):
    counts: tuple[int, ...] = (20, 20, 20, 20)   # n_k per class (K = len)
    ratios: tuple[float, ...] = ()  # imbalance sweep: second half of the classes gets n_k / ratio
    depths: tuple[int, ...] = (1,)  # M: number of linear layers (1 = unconstrained feature model)
    d: int = 8                      # feature / hidden width
    loss: str = "mse"
    bias: bool = False
    lambda_W: float = 5e-3
    lambda_H: float = 5e-3
    lambda_b: float = 0.0
    lr: float = 0.5
    momentum: float = 0.9
    max_steps: int = 100_000
    tol: float = 1e-11              # stop when the full gradient norm is below this
    init_scale: float = 1.0         # H ~ N(0, init^2), W_i ~ N(0, init^2/fan_in)
    records: int = 120              # log-spaced checkpoints of the metric history

    def validate(self) -> None:
        require(len(self.counts) >= 2 and all(k >= 1 for k in self.counts),
                f"counts must list >= 2 classes of >= 1 sample each, got {list(self.counts)}")
        require(all(r >= 1 for r in self.ratios), f"ratios must be >= 1, got {list(self.ratios)}")
        require(len(self.depths) > 0 and all(1 <= m <= 6 for m in self.depths),
                f"depths must be in 1..6, got {list(self.depths)}")
        require(self.d >= 1, f"d must be a positive integer, got {self.d}")
        require(self.loss in LOSSES, f"loss must be one of {LOSSES}, got {self.loss!r}")
        for name in ("lambda_W", "lambda_H", "lambda_b"):
            require(getattr(self, name) >= 0, f"{name} must be >= 0, got {getattr(self, name)}")
        require(self.lambda_W > 0 and self.lambda_H > 0, "lambda_W and lambda_H must be > 0 "
                "(without weight decay there is no minimiser to converge to)")
        require(0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}")
        stable = 2 * (1 + self.momentum) / max(self.lambda_W, self.lambda_H, self.lambda_b)
        require(0 < self.lr < stable, f"lr = {self.lr} diverges: heavy-ball GD needs 0 < lr < "
                f"2(1 + momentum)/L and the weight decay alone gives L >= max lambda, so "
                f"lr < {stable:.4g}")
        require(self.max_steps >= 1 and self.records >= 2, "max_steps >= 1 and records >= 2 needed")
        require(self.tol > 0 and self.init_scale > 0, "tol and init_scale must be > 0")


Config = NeuralCollapseConfig


# ---- loss, gradients and the GD loop (generic array-API code; numba twin in sims.kernels) --------
def loss_and_grads(xp, H, Ws, Wout, b, Y, lam_w, lam_h, lam_b, ce, use_bias):
    """Loss and (dH, dWs, dWout, db) of the module docstring; Ws[i] is W_{i+1} (shape (M-1, d, d))."""
    N = H.shape[1]
    L = Ws.shape[0]
    feats = [H]
    for i in range(L):
        feats.append(Ws[i, ...] @ feats[-1])
    Z = Wout @ feats[-1]
    if use_bias:
        Z = Z + b[:, None]
    if ce:
        Zs = Z - xp.max(Z, axis=0, keepdims=True)
        lse = xp.log(xp.sum(xp.exp(Zs), axis=0, keepdims=True))
        data = -xp.sum(Y * (Zs - lse)) / N
        R = (xp.exp(Zs - lse) - Y) / N
    else:
        data = xp.sum((Z - Y) ** 2) / (2 * N)
        R = (Z - Y) / N
    reg = lam_h * xp.sum(H * H) + lam_w * (xp.sum(Wout * Wout) + xp.sum(Ws * Ws))
    if use_bias:
        reg = reg + lam_b * xp.sum(b * b)
    gWout = R @ feats[-1].T + lam_w * Wout
    G = Wout.T @ R
    gWs = [None] * L
    for i in range(L - 1, -1, -1):
        gWs[i] = G @ feats[i].T + lam_w * Ws[i, ...]
        G = Ws[i, ...].T @ G
    gWs = xp.stack(gWs) if L else xp.zeros_like(Ws)
    gb = xp.sum(R, axis=1) + lam_b * b if use_bias else xp.zeros_like(b)
    return data + reg / 2, G + lam_h * H, gWs, gWout, gb


@kernel(numba="sims.kernels.neural_collapse:gd_chunk")
def gd_chunk(xp, H, Ws, Wout, b, vH, vWs, vWout, vb, Y, lr, mu, lam_w, lam_h, lam_b, ce, use_bias,
             steps):
    """``steps`` heavy-ball steps; returns the new state, the loss and |grad| at the new point."""
    args = (Y, lam_w, lam_h, lam_b, ce, use_bias)
    for _ in range(steps):
        _, gH, gWs, gWout, gb = loss_and_grads(xp, H, Ws, Wout, b, *args)
        vH, vWs, vWout, vb = mu * vH + gH, mu * vWs + gWs, mu * vWout + gWout, mu * vb + gb
        H, Ws, Wout, b = H - lr * vH, Ws - lr * vWs, Wout - lr * vWout, b - lr * vb
    loss, gH, gWs, gWout, gb = loss_and_grads(xp, H, Ws, Wout, b, *args)
    gnorm = xp.sqrt(xp.sum(gH**2) + xp.sum(gWs**2) + xp.sum(gWout**2) + xp.sum(gb**2))
    return H, Ws, Wout, b, vH, vWs, vWout, vb, float(loss), float(gnorm)


def nc_metrics(xp, F, C, b, Y, counts):
    """(NC1, NC2, NC3, NC4, class means d x K) of features F (d x N) under classifier C (K x d)."""
    K = Y.shape[0]
    N = F.shape[1]
    means = (F @ Y.T) / counts[None, :]
    hG = xp.mean(means, axis=1, keepdims=True)
    within = F - means @ Y
    Sw = within @ within.T / N
    cen = means - hG
    Sb = cen @ cen.T / K
    nc1 = xp.linalg.trace(Sw @ xp.linalg.pinv(Sb)) / K
    gram = cen.T @ cen
    etf = xp.eye(K, dtype=F.dtype) - 1.0 / K
    nc2 = xp.linalg.matrix_norm(gram / xp.linalg.matrix_norm(gram) - etf / xp.linalg.matrix_norm(etf))
    nc3 = xp.linalg.matrix_norm(C.T / xp.linalg.matrix_norm(C) - means / xp.linalg.matrix_norm(means))
    logits = C @ F + b[:, None]
    dist = xp.sum(F**2, axis=0)[None, :] - 2 * means.T @ F + xp.sum(means**2, axis=0)[:, None]
    nc4 = xp.mean(xp.astype(xp.argmax(logits, axis=0) != xp.argmin(dist, axis=0), F.dtype))
    return float(nc1), float(nc2), float(nc3), float(nc4), means


def layer_metrics(xp, H, Ws, Wout, b, Y, counts):
    """nc_metrics at every layer l = 0..M-1: features W_l...W_1 H under classifier W_M...W_{l+1}."""
    L = Ws.shape[0]
    feats = [H]
    for i in range(L):
        feats.append(Ws[i, ...] @ feats[-1])
    out, C = [None] * (L + 1), Wout
    for l in range(L, -1, -1):
        out[l] = nc_metrics(xp, feats[l], C, b, Y, counts)
        if l:
            C = C @ Ws[l - 1, ...]
    return out, C            # C = W_M ... W_1


def layer_extras(xp, H, Ws, Y, counts):
    """Per layer l = 0..M-1: the uncentred Gram Hbar_l^T Hbar_l of the class means (K x K),
    |W_l...W_1|_2 (1 at l = 0) and |Sigma_B^+|_2 (the spectral norm of the pinv NC1 uses)."""
    feats, prod = H, None
    grams, gains, sb_pinv = [], [], []
    K = Y.shape[0]
    for l in range(Ws.shape[0] + 1):
        if l:
            feats = Ws[l - 1, ...] @ feats
            prod = Ws[l - 1, ...] if prod is None else Ws[l - 1, ...] @ prod
        means = (feats @ Y.T) / counts[None, :]
        cen = means - xp.mean(means, axis=1, keepdims=True)
        grams.append(means.T @ means)
        gains.append(1.0 if prod is None else float(xp.linalg.matrix_norm(prod, ord=2)))
        sb_pinv.append(float(xp.linalg.matrix_norm(xp.linalg.pinv(cen @ cen.T / K), ord=2)))
    return grams, gains, sb_pinv


# ---- one run -----------------------------------------------------------------------------------
def class_counts(config: NeuralCollapseConfig, ratio: float | None) -> np.ndarray:
    """n_k of a run: ``config.counts``, the second half of the classes divided by ``ratio`` (rounded,
    at least 1) on an imbalance sweep."""
    counts = np.asarray(config.counts, int)
    if ratio is not None:
        half = len(counts) // 2
        counts = np.concatenate([counts[:half], np.maximum(1, np.round(counts[half:] / ratio))])
    return counts.astype(int)


def init_state(config, counts, M, rng):
    """(H d x N, Ws (M-1) x d x d, Wout K x d, b = 0, one-hot Y K x N) at initialisation."""
    d, K, N, a = config.d, len(counts), int(counts.sum()), config.init_scale
    H = a * rng.standard_normal((d, N))
    Ws = a * rng.standard_normal((M - 1, d, d)) / np.sqrt(d)
    Wout = a * rng.standard_normal((K, d)) / np.sqrt(d)
    Y = np.zeros((K, N))
    Y[np.repeat(np.arange(K), counts), np.arange(N)] = 1.0
    return H, Ws, Wout, np.zeros(K), Y


def _train(config: NeuralCollapseConfig, bk, state, Y, cnt, M: int):
    """Heavy-ball GD from ``state`` = (H, Ws, Wout, b) until |grad| < tol or ``max_steps``, chunked
    at log-spaced marks: (state, steps done, |grad|, loss, marks, history [quantity, mark])."""
    xp = bk.xp
    H, Ws, Wout, b = state
    vel = [xp.zeros_like(a) for a in (H, Ws, Wout, b)]
    marks = np.unique(np.round(np.geomspace(1, config.max_steps, config.records)).astype(int))
    hist = np.full((5, marks.size), np.nan)      # loss, grad norm, NC1, NC2, NC3 at layer 0
    done, gnorm, loss = 0, np.inf, np.nan
    hp = (config.lr, config.momentum, config.lambda_W, config.lambda_H, config.lambda_b,
          config.loss == "ce", config.bias)
    for j, t in enumerate(marks):
        H, Ws, Wout, b, *vel, loss, gnorm = gd_chunk(bk, H, Ws, Wout, b, *vel, Y, *hp,
                                                     int(t - done))
        done = int(t)
        if not (np.isfinite(loss) and gnorm < 1e12):
            raise ConfigError(f"GD diverged at step {done} (loss {loss:.3g}, |grad| {gnorm:.3g}) "
                              f"with lr = {config.lr}; lower lr")
        C = Wout
        for i in range(M - 2, -1, -1):
            C = C @ Ws[i, ...]
        nc1, nc2, nc3, _, _ = nc_metrics(xp, H, C, b, Y, cnt)
        hist[:, j] = loss, gnorm, nc1, nc2, nc3
        if gnorm < config.tol:
            break
    return (H, Ws, Wout, b), done, gnorm, loss, marks, hist


def run_one(config: NeuralCollapseConfig, counts: np.ndarray, M: int, seed) -> dict:
    """One run (depth M, class sizes ``counts``) from ``seed``: the NC metrics of the untrained
    state, GD to |grad| < tol, and the final state's metrics and invariants (the per-run values
    that :func:`simulate` stacks; see its docstring)."""
    bk = get_backend(config.backend, config)
    xp = bk.xp
    H, Ws, Wout, b, Y = (bk.asarray(a) for a in init_state(config, counts, M,
                                                              np.random.default_rng(seed)))
    cnt = bk.asarray(counts)
    initial, _ = layer_metrics(xp, H, Ws, Wout, b, Y, cnt)     # the untrained control
    (H, Ws, Wout, b), done, gnorm, loss, marks, hist = _train(config, bk, (H, Ws, Wout, b), Y,
                                                              cnt, M)
    layers, W = layer_metrics(xp, H, Ws, Wout, b, Y, cnt)
    grams, gains, sb_pinv = layer_extras(xp, H, Ws, Y, cnt)
    means = bk.to_numpy(layers[0][4])
    Wh = bk.to_numpy(W)
    return {"steps": done, "grad_norm": gnorm, "loss": loss, "hist": hist, "marks": marks,
            "layers": np.array([m[:4] for m in layers]), "means": means, "W": Wh,
            "bias": bk.to_numpy(b), "WWt": Wh @ Wh.T, "WHbar": Wh @ means,
            "layers_init": np.array([m[:4] for m in initial]),
            "grams": np.stack([bk.to_numpy(g) for g in grams]), "gains": np.array(gains),
            "sb_pinv": np.array(sb_pinv)}


HIST_NAMES = ("loss", "grad_norm", "NC1", "NC2", "NC3")
NC_NAMES = ("NC1", "NC2", "NC3", "NC4")


def runs_of(config: NeuralCollapseConfig) -> list[tuple[int, float | None]]:
    """The (depth M, imbalance ratio or None) of every run, depth slowest."""
    ratios = list(config.ratios) or [None]
    return [(M, r) for M in config.depths for r in ratios]


def simulate(config: NeuralCollapseConfig) -> Result:
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
    the two factors of the NC1 bound. Layers beyond a run's depth are nan.
    """
    runs = runs_of(config)
    seeds = np.random.SeedSequence(config.seed).spawn(len(runs))
    out = parallel.run(config, runs, lambda run, seed: run_one(config, class_counts(config, run[1]),
                                                           run[0], seed),
                    seeds=seeds, desc="neural_collapse")
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
              "grams": padded["grams"], "gains": padded["gains"], "sb_pinv": padded["sb_pinv"]}
    dims = {"depth": ["run"], "ratio": ["run"], "steps": ["run"], "grad_norm": ["run"],
            "loss": ["run"], "counts": ["run", "class"], "hist_steps": ["mark"],
            "hist": ["run", "quantity", "mark"], "nc_layers": ["run", "layer", "metric"],
            "means": ["run", "feature", "class"], "W": ["run", "class", "feature"],
            "bias": ["run", "class"], "WWt": ["run", "class", "class2"],
            "WHbar": ["run", "class", "class2"], "nc_init": ["run", "layer", "metric"],
            "grams": ["run", "layer", "class", "class2"], "gains": ["run", "layer"],
            "sb_pinv": ["run", "layer"]}
    return make_result(config, arrays, dims,
                       coords={"mark": "hist_steps"},
                       backend=get_backend(config.backend, config).name)


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
    runs = max(1, len(c.ratios))
    ops = sum(runs * steps * N * c.d * (c.d * (M - 1) + K + c.d) for M in c.depths)
    arrays = N * c.d * 3 + max(c.depths) * c.d * c.d * 3 + runs * len(c.depths) * c.records * 5
    return ops, 8.0 * arrays, max(N, c.d)
