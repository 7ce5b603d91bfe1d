"""Double descent: ``simulate`` (every filter's risk at every ratio over independent draws of the
data, through :func:`sims.parallel.run`) and the cost model."""
from __future__ import annotations

import numpy as np

from .. import parallel
from ..backend import host_backend
from ..context import RunContext
from ..results import Result, make_result
from . import model
from .config import DoubleDescentConfig
from theory import double_descent as theory


def _one_seed(config: DoubleDescentConfig, bk, k: int, seed) -> dict:
    """Every filter's risk and train loss at every ratio for one draw of the data (seed ``k``):
    risk, train (ratio, filter), condition (ratio,), and for seed 0 the closed-form check (ratio,)."""
    xp, n = bk.xp, config.n
    widths = model.widths_of(config)
    budgets = np.asarray(config.budgets, float)
    lambdas = np.asarray(config.ridge, float)
    extra_lam = config.model == "linear"     # add the theory-optimal ridge penalty per ratio
    F = 1 + len(budgets) + len(lambdas) + int(extra_lam)
    risk, train = np.empty((len(widths), F)), np.empty((len(widths), F))
    cond, check_err = np.empty(len(widths)), np.zeros((2, len(widths)))
    data = model._draw(config, np.random.default_rng(seed), max(widths))
    for j, p in enumerate(widths):
        if config.model == "linear":
            g = data["g"][:p]
            beta = config.signal * g / np.linalg.norm(g)
            Zh = data["X"][:, :p]
            yh = Zh @ beta + data["eps"]
        else:
            Zh, yh = data["Z"][:, :p], data["y"]
        Z, y = bk.asarray(Zh), bk.asarray(yh)
        if config.model == "linear" and p > n and k > 0 and host_backend(bk) is bk:
            s, c, vb = model.wide_projections(Zh, yh, beta)   # s, U^T y, V^T beta: QR of Z^T first
        else:
            U, s, Vh = xp.linalg.svd(Z, full_matrices=False)
            c = U.T @ y
            vb = Vh @ bk.asarray(beta) if config.model == "linear" else None
        s_max = float(s[0])
        tol = float(max(n, p) * np.finfo(float).eps * s_max)   # a Python float: array_api_strict rejects np.float64 operands
        lr_over_n = config.lr / s_max**2
        lam = lambdas
        if extra_lam:
            lam = np.append(lambdas, theory.optimal_ridge_lambda(p / n, config.signal, config.noise))
        if config.model == "linear":
            rk, tr = model.linear_model_risks(bk, s, c, vb, float(yh @ yh), config.signal**2,
                                        lr_over_n, bk.asarray(budgets), bk.asarray(lam), n, tol)
        else:
            rk, tr = model._rf_risks(xp, s, c, Vh, bk.asarray(data["Zt"][:, :p]),
                               bk.asarray(data["yt"]), float(yh @ yh), lr_over_n,
                               bk.asarray(budgets), bk.asarray(lam), n, tol)
        risk[j], train[j] = bk.to_numpy(rk), bk.to_numpy(tr)
        s_host = bk.to_numpy(s)
        cond[j] = s_max / s_host[s_host > tol].min()
        if k == 0:
            check_err[:, j] = _closed_form_error(bk, Z, y, U, s, Vh, tol, lr_over_n, config)
    out = {"risk": risk, "train": train, "condition": cond, "closed_form_check": check_err[0],
           "closed_form_off_by_one": check_err[1]}
    if config.model == "relu_rf":
        out.update(gram_moments(data["X"], data["Z"]))
    return out


def gram_moments(X: np.ndarray, Z: np.ndarray) -> dict[str, float]:
    """The feature Gram matrix G = Z Z^T / N [sample, sample2] of all N = Z.shape[1] features
    against the arc-cosine kernel K1 of the inputs X [sample, feature] (theory.double_descent.kernels):
    |G|_F^2, <G, K1>_F, |K1|_F^2 (so that |G - c K1|_F^2 follows for any scale c) and the
    predicted E |G - K1|_F^2 = sum (K2 - K1^2) / N."""
    N = Z.shape[1]
    G = Z @ Z.T / N
    K1, K2 = theory.kernels(X)
    return {"gram_sq": float(np.sum(G * G)), "gram_kernel": float(np.sum(G * K1)),
            "kernel_sq": float(np.sum(K1 * K1)), "gram_var": float(np.sum(K2 - K1**2) / N)}


GRAM_KEYS = ("gram_sq", "gram_kernel", "kernel_sq", "gram_var")


def seeds_of(config: DoubleDescentConfig) -> list:
    """The seed tree: draw k of the data from ``SeedSequence(seed).spawn(seeds)[k]``."""
    return parallel.seeds_for(config, config.seeds)


def simulate(config: DoubleDescentConfig, run: RunContext) -> Result:
    """Every estimator's risk at every ratio for ``seeds`` independent draws of the data.

    Returns arrays (dims): ``min_norm_risk``, ``min_norm_train`` [seed, ratio]; ``gd_risk``,
    ``gd_train`` [seed, ratio, budget]; ``ridge_risk``, ``ridge_train`` [seed, ratio, penalty];
    ``ridge_opt_risk``, ``ridge_opt_train`` [seed, ratio] (linear: lam* = sigma^2 gamma / r^2);
    ``condition`` [seed, ratio] (s_max/s_min of the design); ``closed_form_check`` [ratio] (relative
    gap of the closed-form GD filter to ``check_steps`` explicit steps, seed 0),
    ``closed_form_off_by_one`` [ratio] (the same gap for the filter at ``check_steps - 1``: the
    check's negative control); coordinates
    ``ratios``, ``widths`` [ratio], ``budgets`` [budget], ``ridge`` [penalty], ``filter_names``
    [filter]. Risk is |a - beta|^2 (linear) or the test MSE against the noiseless target
    (relu_rf); train is |Za - y|^2/(2n). relu_rf also records, at the largest width N, the feature
    Gram G = Z Z^T / N against the arc-cosine kernel K1 (:func:`gram_moments`): ``gram_sq``
    (|G|_F^2), ``gram_kernel`` (<G, K1>_F), ``kernel_sq`` (|K1|_F^2), ``gram_var`` (the predicted
    E |G - K1|_F^2) [seed].
    """
    bk = run.backend
    S = config.seeds
    budgets = np.asarray(config.budgets, float)
    lambdas = np.asarray(config.ridge, float)
    B, L = len(budgets), len(lambdas)
    extra_lam = config.model == "linear"
    values = parallel.run(config, range(S), lambda k, seed: _one_seed(config, bk, k, seed),
                          seeds=seeds_of(config), desc=f"double_descent[{config.model}]")
    risk = np.stack([v["risk"] for v in values])
    train = np.stack([v["train"] for v in values])
    names = (["min_norm"] + [f"gd_{t:g}" for t in budgets] + [f"ridge_{v:g}" for v in lambdas]
             + (["ridge_opt"] if extra_lam else []))
    split = {"min_norm": slice(0, 1), "gd": slice(1, 1 + B), "ridge": slice(1 + B, 1 + B + L)}
    arrays = {"ratios": np.asarray(config.ratios), "widths": np.asarray(model.widths_of(config)),
              "budgets": budgets, "ridge": lambdas,
              "condition": np.stack([v["condition"] for v in values]),
              "closed_form_check": values[0]["closed_form_check"],
              "closed_form_off_by_one": values[0]["closed_form_off_by_one"],
              "filter_names": np.asarray(names)}
    dims = {"ratios": ["ratio"], "widths": ["ratio"], "budgets": ["budget"], "ridge": ["penalty"],
            "condition": ["seed", "ratio"], "closed_form_check": ["ratio"],
            "closed_form_off_by_one": ["ratio"],
            "filter_names": ["filter"]}
    inner = {"min_norm": [], "gd": ["budget"], "ridge": ["penalty"]}
    for key, sl in split.items():
        for part, a in (("risk", risk), ("train", train)):
            arrays[f"{key}_{part}"] = a[:, :, sl].squeeze(-1) if key == "min_norm" else a[:, :, sl]
            dims[f"{key}_{part}"] = ["seed", "ratio", *inner[key]]
    if extra_lam:
        arrays["ridge_opt_risk"], arrays["ridge_opt_train"] = risk[:, :, -1], train[:, :, -1]
        dims["ridge_opt_risk"] = dims["ridge_opt_train"] = ["seed", "ratio"]
    else:
        for key in GRAM_KEYS:
            arrays[key] = np.array([v[key] for v in values])
            dims[key] = ["seed"]
    return make_result(config, arrays, dims, coords={"ratio": "ratios", "budget": "budgets",
                                                     "penalty": "ridge", "filter": "filter_names"})


def _closed_form_error(bk, Z, y, U, s, Vh, tol, lr_over_n, config) -> tuple[float, float]:
    """|a_closed - a_iterated| / |a_iterated| after ``check_steps`` explicit GD steps (seed 0),
    for the closed-form filter at ``check_steps`` and (the negative control: an off-by-one step
    count) at ``check_steps - 1``."""
    xp = bk.xp
    steps = config.check_steps
    phi = model._filters(xp, s, s > tol, lr_over_n, bk.asarray([float(steps), float(steps - 1)]),
                         bk.asarray([]), config.n)
    a_iter = model.gd_iterate(bk, Z, y, lr_over_n, steps)
    norm = xp.linalg.vector_norm(a_iter)
    return tuple(float(xp.linalg.vector_norm(Vh.T @ (phi[i, :] * (U.T @ y)) - a_iter) / norm)
                 for i in (1, 2))


def cost(c: DoubleDescentConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim): one thin SVD of the n x p design per seed and width,
    O(n p min(n, p)); random features add the test predictions n_test x p x min(n, p) and the
    features (n + n_test) x p x d; seed 0 adds check_steps explicit GD steps (2 n p each)."""
    widths = model.widths_of(c)
    pmax, rf = max(widths), c.model == "relu_rf"
    filters = 2 + len(c.budgets) + len(c.ridge)
    per_seed = sum(c.n * p * min(c.n, p) for p in widths)
    if rf:
        per_seed += sum(c.n_test * p * (min(c.n, p) + filters) for p in widths)
        per_seed += (c.n + c.n_test) * pmax * c.d
    ops = c.seeds * per_seed + c.check_steps * sum(2 * c.n * p for p in widths)
    arrays = c.n * pmax * 3 + (2 * c.n_test * pmax if rf else 0) + 2 * c.seeds * len(widths) * filters
    return ops, 8.0 * arrays, max(c.n, pmax, c.n_test if rf else 0)
