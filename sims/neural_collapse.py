r"""Neural collapse: full-batch heavy-ball GD on the unconstrained feature model and deep linear nets.

Model (Dang et al., ICML 2023, "Neural Collapse in Deep Linear Networks: From Balanced to Imbalanced
Data"; Zhu et al. 2021 for the unconstrained feature model): free features H (d x N), M layers
W_M (K x d), W_{M-1}, ..., W_1 (d x d), optional bias b (K), logits Z = W_M ... W_1 H + b 1^T, one-hot
targets Y (K x N) with n_k samples in class k, and the loss

    MSE:  L = |Z - Y|_F^2 / (2N) + R,       CE:  L = -(1/N) sum_i log softmax(z_i)_{y_i} + R,
    R = lambda_W/2 sum_i |W_i|_F^2 + lambda_H/2 |H|_F^2 + lambda_b/2 |b|^2.

Gradients in closed form (backpropagation: with G_M = dL/dZ = (Z - Y)/N or (softmax(Z) - Y)/N and
P_l = W_l ... W_1 H: dL/dW_l = G_l P_{l-1}^T + lambda_W W_l, G_{l-1} = W_l^T G_l, dL/dH = G_0 +
lambda_H H, dL/db = G_M 1 + lambda_b b). Heavy-ball GD as in the paper's PyTorch code
(v <- mu v + g, theta <- theta - lr v), float64, until the full gradient norm is below ``tol``.

Metrics at every layer l = 0..M-1 (features P_l, classifier C_l = W_M ... W_{l+1}; Papyan, Han,
Donoho 2020; Han, Papyan, Donoho 2022): class means hbar_k, their mean h_G = (1/K) sum_k hbar_k,
NC1 = tr(Sigma_W Sigma_B^+)/K with Sigma_W = (1/N) sum_i (h_i - hbar_{y_i})(.)^T and
Sigma_B = (1/K) sum_k (hbar_k - h_G)(.)^T; NC2 = |G/|G|_F - E/|E|_F|_F with G the Gram of the centred
means and E = I - 11^T/K (the simplex ETF); NC3 = |C_l^T/|C_l|_F - Hbar/|Hbar|_F|_F (uncentred means:
in the bias-free model the classifier rows align with the means themselves; with a bias h_G = 0 at
the optimum, so it is the same); NC4 = fraction of samples whose classifier prediction differs from
the nearest class mean.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .backend import get_backend, kernel
from .checkpoint import Checkpoint
from .claims import Claim, at_most, close, holds
from .config import BaseConfig
from .errors import ConfigError, require
from .progress import progress
from .results import Result
from theory import neural_collapse as theory

LOSSES = ("mse", "ce")
DANG = "Dang et al. ICML 2023"
PAPYAN = "Papyan, Han, Donoho 2020"
ZHU = "Zhu et al. 2021"


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
                f"2(1 + momentum)/L and the weight decay alone gives L >= max lambda, so lr < {stable:.4g}")
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


# ---- one run -----------------------------------------------------------------------------------
def class_counts(config: NeuralCollapseConfig, ratio: float | None) -> np.ndarray:
    counts = np.asarray(config.counts, int)
    if ratio is not None:
        half = len(counts) // 2
        counts = np.concatenate([counts[:half], np.maximum(1, np.round(counts[half:] / ratio))])
    return counts.astype(int)


def init_state(config, counts, M, rng):
    d, K, N, a = config.d, len(counts), int(counts.sum()), config.init_scale
    H = a * rng.standard_normal((d, N))
    Ws = a * rng.standard_normal((M - 1, d, d)) / np.sqrt(d)
    Wout = a * rng.standard_normal((K, d)) / np.sqrt(d)
    Y = np.zeros((K, N))
    Y[np.repeat(np.arange(K), counts), np.arange(N)] = 1.0
    return H, Ws, Wout, np.zeros(K), Y


def run_one(config: NeuralCollapseConfig, counts: np.ndarray, M: int, seed) -> dict:
    bk = get_backend(config.backend)
    xp = bk.xp
    H, Ws, Wout, b, Y = (bk.asarray(a) for a in init_state(config, counts, M,
                                                              np.random.default_rng(seed)))
    vel = [xp.zeros_like(a) for a in (H, Ws, Wout, b)]
    cnt = bk.asarray(counts)
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
    layers, W = layer_metrics(xp, H, Ws, Wout, b, Y, cnt)
    means = bk.to_numpy(layers[0][4])
    Wh = bk.to_numpy(W)
    return {"steps": done, "grad_norm": gnorm, "loss": loss, "hist": hist, "marks": marks,
            "layers": np.array([m[:4] for m in layers]), "means": means, "W": Wh,
            "bias": bk.to_numpy(b), "WWt": Wh @ Wh.T, "WHbar": Wh @ means}


def simulate(config: NeuralCollapseConfig) -> Result:
    ratios = list(config.ratios) or [None]
    runs = [(M, r) for M in config.depths for r in ratios]
    seeds = np.random.SeedSequence(config.seed).spawn(len(runs))
    ckpt = Checkpoint.for_config(config)   # finished runs survive a killed job (sims.checkpoint)
    out = [ckpt.item(i, lambda: run_one(config, class_counts(config, r), M, s)) for i, ((M, r), s)
           in enumerate(progress(zip(runs, seeds), desc="neural_collapse", total=len(runs)))]
    Lmax, R = max(config.depths), len(runs)
    layers = np.full((R, Lmax, 4), np.nan)
    for i, o in enumerate(out):
        layers[i, : len(o["layers"])] = o["layers"]
    stack = lambda key: np.stack([o[key] for o in out])   # noqa: E731
    arrays = {"depth": np.array([M for M, _ in runs]),
              "ratio": np.array([np.nan if r is None else r for _, r in runs]),
              "counts": np.stack([class_counts(config, r) for _, r in runs]),
              "steps": stack("steps"), "grad_norm": stack("grad_norm"), "loss": stack("loss"),
              "hist_steps": out[0]["marks"], "hist": stack("hist"),
              "nc_layers": layers, "means": stack("means"), "W": stack("W"), "bias": stack("bias"),
              "WWt": stack("WWt"), "WHbar": stack("WHbar")}
    return Result(arrays, {"backend": get_backend(config.backend).name, "seed": config.seed})


# ---- claims: result files vs theory ----------------------------------------------------------------
NC1_TOL, NC23_TOL, CE_TOL, DIAG_RTOL = 1e-6, 1e-3, 1e-3, 1e-6
COLLAPSE_ATOL = 1e-9


def claims(results: dict[str, Result]) -> list[Claim]:
    out = [holds(f"sympy: {name}", DANG, "verified symbolically in theory/neural_collapse.py",
                 ok, ok, why="symbolic identity") for name, ok in theory.verify().items()]
    for name, res in results.items():
        cfg = res.meta["config"]
        K = len(cfg["counts"])
        out.append(at_most(f"{name}: GD converged", "(numerics)", "final full-gradient norm, "
                           "every run", cfg["tol"], res["grad_norm"],
                           why="the profile's stopping tolerance; every claim below assumes it"))
        balanced = len(set(cfg["counts"])) == 1 and not cfg["ratios"]
        if cfg["d"] < K:
            out.append(at_most(f"{name}: NC1 with d < K", DANG, "NC1 at every layer, every run",
                               NC1_TOL, np.nanmax(res["nc_layers"][:, :, 0]),
                               why="features of a class have a unique optimum given the weights"))
            continue
        if balanced:
            out += _balanced_claims(name, res, cfg)
        if cfg["loss"] == "mse" and not cfg["bias"]:
            out += _closed_form_claims(name, res, cfg)
    return out


def _balanced_claims(name, res, cfg) -> list[Claim]:
    nc = res["nc_layers"]                       # (runs, layers, [NC1, NC2, NC3, NC4])
    ce = cfg["loss"] == "ce"
    tol23 = CE_TOL if ce else NC23_TOL
    ref = ZHU if ce else DANG
    why = ("the paper's threshold; exact collapse is reached to the GD tolerance" if not ce else
           "the issue allows CE a looser tolerance; none is needed: with weight decay the CE "
           "minimiser is finite (Zhu et al. Thm 3.1) and GD is run to the same |grad| tolerance")
    deep = int(np.max(res["depth"])) > 1
    where = "every layer of every depth" if deep else "the features"
    return [
        at_most(f"{name}: NC1", ref, f"tr(Sigma_W Sigma_B^+)/K at {where}", NC1_TOL,
                np.nanmax(nc[:, :, 0]), why=why),
        at_most(f"{name}: NC2 (simplex ETF)", ref, f"centred-mean Gram vs the ETF at {where}",
                tol23, np.nanmax(nc[:, :, 1]), why=why),
        at_most(f"{name}: NC3 (self-duality)", ref, f"classifier vs class means at {where}",
                tol23, np.nanmax(nc[:, :, 2]), why=why),
        at_most(f"{name}: NC4 (nearest class centre)", PAPYAN, f"disagreement at {where}", 0.0,
                np.nanmax(nc[:, :, 3]), why="exact: collapsed features are their class means"),
    ]


def _closed_form_claims(name, res, cfg) -> list[Claim]:
    lw, lh = cfg["lambda_W"], cfg["lambda_H"]
    pred_ww, pred_wh, meas_ww, meas_wh, off, zero_pred, zero_meas, norms, pnorms = ([] for _ in range(9))
    for i, M in enumerate(res["depth"]):
        geo = theory.class_geometry(res["counts"][i], int(M), lw, lh)
        live = ~geo["collapsed"]
        ww, wh = np.diag(res["WWt"][i]), np.diag(res["WHbar"][i])
        pred_ww += list(geo["s2M"][live]); meas_ww += list(ww[live])
        pred_wh += list(geo["wh"][live]); meas_wh += list(wh[live])
        zero_pred += list(geo["s2M"][~live]); zero_meas += list(ww[~live])
        norms += list(np.linalg.norm(res["means"][i], axis=0)); pnorms += list(geo["mean_norm"])
        offd = lambda A: np.max(np.abs(A - np.diag(np.diag(A))))   # noqa: E731
        off.append(max(offd(res["WWt"][i]), offd(res["WHbar"][i])))
    depths = sorted(set(int(m) for m in res["depth"]))
    sweep = " over the imbalance sweep" if cfg["ratios"] else ""
    out = [
        close(f"{name}: W W^T diagonal = s_k^2M", DANG + " Thm (imbalanced MSE)",
              f"(W_M..W_1 W^T)_kk vs N lambda_H x_k^M, M in {depths}, non-collapsed classes{sweep}",
              pred_ww, meas_ww, rtol=DIAG_RTOL,
              why="root equation solved to machine precision; GD stopped at |grad| <= tol"),
        close(f"{name}: W Hbar diagonal = s^2M/(s^2M + N lambda_H)", DANG,
              f"(W Hbar)_kk, M in {depths}, non-collapsed classes{sweep}", pred_wh, meas_wh,
              rtol=DIAG_RTOL, why="as above"),
        at_most(f"{name}: W W^T and W Hbar are diagonal", DANG, "largest off-diagonal entry",
                1e-7, max(off), why="orthogonal frame; zero up to the GD tolerance"),
        close(f"{name}: class-mean norms", DANG, f"|hbar_k| vs s^M/(s^2M + N lambda_H){sweep}",
              pnorms, norms, rtol=DIAG_RTOL, atol=COLLAPSE_ATOL,
              why="as above; atol for classes predicted to collapse to exactly zero"),
    ]
    if zero_pred:
        out.append(close(f"{name}: minority classes collapse to zero", DANG,
                         "(W W^T)_kk of the classes below the threshold (no positive root, or the "
                         "zero solution is lower)", zero_pred, zero_meas, atol=COLLAPSE_ATOL,
                         why="decays linearly under weight decay; zero to the GD tolerance"))
    return out
