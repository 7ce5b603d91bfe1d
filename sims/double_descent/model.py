"""Double descent: the model, its exact spectral solvers, the sweep and its cost (see the package)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..backend import get_backend, kernel
from ..config import BaseConfig
from ..errors import require
from .. import parallel
from ..results import Result, make_result
from theory import double_descent as theory

MODELS = ("linear", "relu_rf")


@dataclasses.dataclass(frozen=True)
class DoubleDescentConfig(BaseConfig):
    model: str = "linear"
    n: int = 200                      # training samples
    ratios: tuple[float, ...] = (0.5, 1.0, 2.0)   # p/n (linear) or N/n (relu_rf)
    d: int = 100                      # input dimension (relu_rf)
    signal: float = 1.0               # r = |beta|
    noise: float = 0.5                # sigma
    seeds: int = 20                   # independent draws of the data per ratio
    budgets: tuple[float, ...] = (10.0, 100.0, 1000.0)    # GD steps; .inf allowed
    lr: float = 1.0                   # GD step times lambda_max(Z^T Z/n); stable iff 0 < lr < 2
    ridge: tuple[float, ...] = (1e-3, 1e-2, 1e-1)         # ridge penalties lam
    n_test: int = 1000                # test points (relu_rf)
    check_steps: int = 100            # iterated-GD steps compared with the closed form (seed 0)

    def validate(self) -> None:
        require(self.model in MODELS, f"model must be one of {MODELS}, got {self.model!r}")
        for name in ("n", "d", "seeds", "n_test", "check_steps"):
            require(getattr(self, name) > 0, f"{name} must be a positive integer, "
                                             f"got {getattr(self, name)}")
        require(len(self.ratios) > 0 and all(0 < q < math.inf for q in self.ratios),
                f"ratios must be finite and > 0, got {list(self.ratios)}")
        require(all(round(q * self.n) >= 1 for q in self.ratios),
                f"every ratio * n must give at least one feature (n={self.n})")
        require(self.signal > 0 and self.noise >= 0, "signal must be > 0 and noise >= 0")
        require(0 < self.lr < 2, f"lr = {self.lr} (in units of 1/lambda_max): GD on least squares "
                                 "diverges unless 0 < lr < 2")
        require(all(t >= 0 and (t == math.inf or t == int(t)) for t in self.budgets),
                f"budgets must be whole numbers of steps >= 0 (or .inf), got {list(self.budgets)}")
        require(all(lam > 0 for lam in self.ridge), f"ridge penalties must be > 0, got {self.ridge}")


Config = DoubleDescentConfig


# ---- the exact spectral computations (generic array-API code; numba twins in sims.kernels) ------
def _filters(xp, s, keep, lr_over_n, budgets, lambdas, n):
    """Rows: min-norm, one per GD budget, one per ridge penalty; columns: singular values."""
    s_safe = xp.where(keep, s, xp.ones_like(s))
    decay = 1.0 - lr_over_n * s_safe**2
    gd = (1.0 - decay[None, :] ** budgets[:, None]) / s_safe[None, :]
    ridge = s_safe[None, :] / (s_safe[None, :] ** 2 + n * lambdas[:, None])
    phi = xp.concat([(1.0 / s_safe)[None, :], gd, ridge], axis=0)
    return xp.where(keep[None, :], phi, xp.zeros_like(phi))


@kernel(numba="sims.kernels.double_descent:linear_model_risks")
def linear_model_risks(xp, s, c, vb, y2, beta2, lr_over_n, budgets, lambdas, n, tol):
    """Excess risk |a - beta|^2 and train loss |Za - y|^2/(2n) of every filter.

    With theta = phi(s) * c (c = U^T y, vb = V^T beta): |a - beta|^2 = |theta - vb|^2 + |beta|^2 - |vb|^2
    and |Za - y|^2 = |s theta - c|^2 + |y|^2 - |c|^2.
    """
    theta = _filters(xp, s, s > tol, lr_over_n, budgets, lambdas, n) * c[None, :]
    risk = xp.sum((theta - vb[None, :]) ** 2, axis=1) + beta2 - xp.sum(vb**2)
    train = (xp.sum((s[None, :] * theta - c[None, :]) ** 2, axis=1) + y2 - xp.sum(c**2)) / (2 * n)
    return risk, train


@kernel(numba="sims.kernels.double_descent:gd_iterate")
def gd_iterate(xp, Z, y, eta_over_n, steps):
    """``steps`` explicit full-batch GD steps a <- a - (eta/n) Z^T (Z a - y) from a = 0."""
    a = xp.zeros(Z.shape[1], dtype=Z.dtype)
    for _ in range(steps):
        a = a - eta_over_n * (Z.T @ (Z @ a - y))
    return a


def _rf_risks(xp, s, c, Vh, Zt, yt, y2, lr_over_n, budgets, lambdas, n, tol):
    """Test MSE against the noiseless target, and train loss, of every filter."""
    theta = _filters(xp, s, s > tol, lr_over_n, budgets, lambdas, n) * c[None, :]
    pred = (Zt @ Vh.T) @ theta.T                       # (n_test, filters)
    train = (xp.sum((s[None, :] * theta - c[None, :]) ** 2, axis=1) + y2 - xp.sum(c**2)) / (2 * n)
    return xp.mean((pred - yt[:, None]) ** 2, axis=0), train


# ---- data -----------------------------------------------------------------------------------------
def _draw(config: DoubleDescentConfig, rng: np.random.Generator, width: int) -> dict:
    """All random numbers of one seed, on the host, so every backend sees the same data."""
    n, sigma = config.n, config.noise
    if config.model == "linear":
        return {"X": rng.standard_normal((n, width)), "g": rng.standard_normal(width),
                "eps": sigma * rng.standard_normal(n)}
    d = config.d
    beta = rng.standard_normal(d)
    beta *= config.signal / np.linalg.norm(beta)
    X, Xt = rng.standard_normal((n, d)), rng.standard_normal((config.n_test, d))
    W = rng.standard_normal((width, d))
    relu = lambda A: np.maximum(A @ W.T / math.sqrt(d), 0.0)   # noqa: E731
    return {"Z": relu(X), "Zt": relu(Xt), "y": X @ beta + sigma * rng.standard_normal(n),
            "yt": Xt @ beta}


def widths_of(config: DoubleDescentConfig) -> list[int]:
    """p (linear) or N (relu_rf) at every ratio: round(ratio * n), at least 1."""
    return [max(1, round(q * config.n)) for q in config.ratios]


def _one_seed(config: DoubleDescentConfig, bk, k: int, seed) -> dict:
    """Every filter's risk and train loss at every ratio for one draw of the data (seed ``k``):
    risk, train (ratio, filter), condition (ratio,), and for seed 0 the closed-form check (ratio,)."""
    xp, n = bk.xp, config.n
    widths = widths_of(config)
    budgets = np.asarray(config.budgets, float)
    lambdas = np.asarray(config.ridge, float)
    extra_lam = config.model == "linear"     # add the theory-optimal ridge penalty per ratio
    F = 1 + len(budgets) + len(lambdas) + int(extra_lam)
    risk, train = np.empty((len(widths), F)), np.empty((len(widths), F))
    cond, check_err = np.empty(len(widths)), np.zeros(len(widths))
    data = _draw(config, np.random.default_rng(seed), max(widths))
    for j, p in enumerate(widths):
        if config.model == "linear":
            g = data["g"][:p]
            beta = config.signal * g / np.linalg.norm(g)
            Zh = data["X"][:, :p]
            yh = Zh @ beta + data["eps"]
        else:
            Zh, yh = data["Z"][:, :p], data["y"]
        Z, y = bk.asarray(Zh), bk.asarray(yh)
        U, s, Vh = xp.linalg.svd(Z, full_matrices=False)
        s_max = float(s[0])
        tol = float(max(n, p) * np.finfo(float).eps * s_max)   # a Python float: array_api_strict rejects np.float64 operands
        lr_over_n = config.lr / s_max**2
        c = U.T @ y
        lam = lambdas
        if extra_lam:
            lam = np.append(lambdas, theory.optimal_ridge_lambda(p / n, config.signal, config.noise))
        if config.model == "linear":
            vb = Vh @ bk.asarray(beta)
            rk, tr = linear_model_risks(bk, s, c, vb, float(yh @ yh), config.signal**2,
                                        lr_over_n, bk.asarray(budgets), bk.asarray(lam), n, tol)
        else:
            rk, tr = _rf_risks(xp, s, c, Vh, bk.asarray(data["Zt"][:, :p]),
                               bk.asarray(data["yt"]), float(yh @ yh), lr_over_n,
                               bk.asarray(budgets), bk.asarray(lam), n, tol)
        risk[j], train[j] = bk.to_numpy(rk), bk.to_numpy(tr)
        s_host = bk.to_numpy(s)
        cond[j] = s_max / s_host[s_host > tol].min()
        if k == 0:
            check_err[j] = _closed_form_error(bk, Z, y, U, s, Vh, tol, lr_over_n, config)
    return {"risk": risk, "train": train, "condition": cond, "closed_form_check": check_err}


def simulate(config: DoubleDescentConfig) -> Result:
    """Every estimator's risk at every ratio for ``seeds`` independent draws of the data.

    Returns arrays (dims): ``min_norm_risk``, ``min_norm_train`` [seed, ratio]; ``gd_risk``,
    ``gd_train`` [seed, ratio, budget]; ``ridge_risk``, ``ridge_train`` [seed, ratio, penalty];
    ``ridge_opt_risk``, ``ridge_opt_train`` [seed, ratio] (linear: lam* = sigma^2 gamma / r^2);
    ``condition`` [seed, ratio] (s_max/s_min of the design); ``closed_form_check`` [ratio] (relative
    gap of the closed-form GD filter to ``check_steps`` explicit steps, seed 0); coordinates
    ``ratios``, ``widths`` [ratio], ``budgets`` [budget], ``ridge`` [penalty], ``filter_names``
    [filter]. Risk is |a - beta|^2 (linear) or the test MSE against the noiseless target
    (relu_rf); train is |Za - y|^2/(2n).
    """
    bk = get_backend(config.backend, config)
    S = config.seeds
    budgets = np.asarray(config.budgets, float)
    lambdas = np.asarray(config.ridge, float)
    B, L = len(budgets), len(lambdas)
    extra_lam = config.model == "linear"
    seeds = np.random.SeedSequence(config.seed).spawn(S)
    values = parallel.run(config, range(S), lambda k, seed: _one_seed(config, bk, k, seed),
                       seeds=seeds, desc=f"double_descent[{config.model}]")
    risk = np.stack([v["risk"] for v in values])
    train = np.stack([v["train"] for v in values])
    names = (["min_norm"] + [f"gd_{t:g}" for t in budgets] + [f"ridge_{v:g}" for v in lambdas]
             + (["ridge_opt"] if extra_lam else []))
    split = {"min_norm": slice(0, 1), "gd": slice(1, 1 + B), "ridge": slice(1 + B, 1 + B + L)}
    arrays = {"ratios": np.asarray(config.ratios), "widths": np.asarray(widths_of(config)),
              "budgets": budgets, "ridge": lambdas,
              "condition": np.stack([v["condition"] for v in values]),
              "closed_form_check": values[0]["closed_form_check"],
              "filter_names": np.asarray(names)}
    dims = {"ratios": ["ratio"], "widths": ["ratio"], "budgets": ["budget"], "ridge": ["penalty"],
            "condition": ["seed", "ratio"], "closed_form_check": ["ratio"],
            "filter_names": ["filter"]}
    inner = {"min_norm": [], "gd": ["budget"], "ridge": ["penalty"]}
    for key, sl in split.items():
        for part, a in (("risk", risk), ("train", train)):
            arrays[f"{key}_{part}"] = a[:, :, sl].squeeze(-1) if key == "min_norm" else a[:, :, sl]
            dims[f"{key}_{part}"] = ["seed", "ratio", *inner[key]]
    if extra_lam:
        arrays["ridge_opt_risk"], arrays["ridge_opt_train"] = risk[:, :, -1], train[:, :, -1]
        dims["ridge_opt_risk"] = dims["ridge_opt_train"] = ["seed", "ratio"]
    return make_result(config, arrays, dims, coords={"ratio": "ratios", "budget": "budgets",
                                                     "penalty": "ridge", "filter": "filter_names"},
                       backend=bk.name)


def _closed_form_error(bk, Z, y, U, s, Vh, tol, lr_over_n, config) -> float:
    """max |a_closed - a_iterated| / |a_iterated| after ``check_steps`` GD steps (seed 0)."""
    xp = bk.xp
    steps = config.check_steps
    phi = _filters(xp, s, s > tol, lr_over_n, bk.asarray([float(steps)]), bk.asarray([]), config.n)
    a_closed = Vh.T @ (phi[1, :] * (U.T @ y))
    a_iter = gd_iterate(bk, Z, y, lr_over_n, steps)
    return float(xp.linalg.vector_norm(a_closed - a_iter) / xp.linalg.vector_norm(a_iter))


def cost(c: DoubleDescentConfig) -> tuple[float, float, int]:
    """(work, bytes, largest dim): one thin SVD of the n x p design per seed and width,
    O(n p min(n, p)); random features add the test predictions n_test x p x min(n, p) and the
    features (n + n_test) x p x d; seed 0 adds check_steps explicit GD steps (2 n p each)."""
    widths = widths_of(c)
    pmax, rf = max(widths), c.model == "relu_rf"
    filters = 2 + len(c.budgets) + len(c.ridge)
    per_seed = sum(c.n * p * min(c.n, p) for p in widths)
    if rf:
        per_seed += sum(c.n_test * p * (min(c.n, p) + filters) for p in widths)
        per_seed += (c.n + c.n_test) * pmax * c.d
    ops = c.seeds * per_seed + c.check_steps * sum(2 * c.n * p for p in widths)
    arrays = c.n * pmax * 3 + (2 * c.n_test * pmax if rf else 0) + 2 * c.seeds * len(widths) * filters
    return ops, 8.0 * arrays, max(c.n, pmax, c.n_test if rf else 0)
