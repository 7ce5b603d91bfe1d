r"""Double descent: min-norm least squares and ReLU random features, solved exactly and by GD.

Two models, each swept across the interpolation threshold p = n (Liu & Flanigan 2023, "Understanding
the Role of Optimization in Double Descent"; Hastie, Montanari, Rosset, Tibshirani 2022):

``linear``
    isotropic linear model x ~ N(0, I_p), y = x.beta + eps, |beta| = r, eps ~ N(0, sigma^2); the
    design uses the first p of p_max Gaussian features, so the sweep is nested per seed. Risk is the
    exact excess risk |a - beta|^2.
``relu_rf``
    random-features regression: x ~ N(0, I_d), features z = relu(W x / sqrt(d)), W_ij ~ N(0, 1),
    N = ratio * n features (nested per seed), linear target x.beta with |beta| = r plus noise sigma;
    risk is the mean squared error against the noiseless target on ``n_test`` fresh points.

Every estimator is a spectral filter of the SVD Z = U S V^T of the n x p design: a = V (phi(s) * U^T y)
with phi(s) = 1/s for min-norm least squares (the pseudo-inverse), phi_t(s) = [1 - (1 - eta s^2/n)^t]/s
for t steps of full-batch GD from zero on (1/2n)|Za - y|^2 (exact for any t, including t = inf), and
phi_lam(s) = s/(s^2 + n lam) for ridge with penalty (lam/2)|a|^2. The step eta is ``lr`` / lambda_max
with lambda_max = s_max^2/n, stable for 0 < lr < 2. Singular values below max(n, p) * eps * s_max are
treated as zero, as numpy's pinv does.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from .backend import get_backend, kernel
from .claims import Claim, at_least, at_most, close, holds
from .config import BaseConfig
from .errors import require
from .progress import progress
from .results import Result
from theory import double_descent as theory

MODELS = ("linear", "relu_rf")
HASTIE = "Hastie et al. 2022"
LIU = "Liu & Flanigan 2023"


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


def simulate(config: DoubleDescentConfig) -> Result:
    bk = get_backend(config.backend)
    xp = bk.xp
    n, S, R = config.n, config.seeds, len(config.ratios)
    widths = [max(1, round(q * n)) for q in config.ratios]
    budgets = np.asarray(config.budgets, float)
    lambdas = np.asarray(config.ridge, float)
    B, L = len(budgets), len(lambdas)
    extra_lam = config.model == "linear"     # add the theory-optimal ridge penalty per ratio
    F = 1 + B + L + int(extra_lam)
    risk = np.empty((S, R, F))
    train = np.empty((S, R, F))
    cond = np.empty((S, R))
    check_err = np.zeros(R)
    seeds = np.random.SeedSequence(config.seed).spawn(S)
    for k in progress(range(S), desc=f"double_descent[{config.model}]"):
        data = _draw(config, np.random.default_rng(seeds[k]), max(widths))
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
            risk[k, j], train[k, j] = bk.to_numpy(rk), bk.to_numpy(tr)
            s_host = bk.to_numpy(s)
            cond[k, j] = s_max / s_host[s_host > tol].min()
            if k == 0:
                check_err[j] = _closed_form_error(bk, Z, y, U, s, Vh, tol, lr_over_n, config)
    names = (["min_norm"] + [f"gd_{t:g}" for t in budgets] + [f"ridge_{v:g}" for v in lambdas]
             + (["ridge_opt"] if extra_lam else []))
    split = {"min_norm": slice(0, 1), "gd": slice(1, 1 + B), "ridge": slice(1 + B, 1 + B + L)}
    arrays = {"ratios": np.asarray(config.ratios), "widths": np.asarray(widths), "budgets": budgets,
              "ridge": lambdas, "condition": cond, "closed_form_check": check_err,
              "filter_names": np.asarray(names)}
    for key, sl in split.items():
        arrays[f"{key}_risk"] = risk[:, :, sl].squeeze(-1) if key == "min_norm" else risk[:, :, sl]
        arrays[f"{key}_train"] = train[:, :, sl].squeeze(-1) if key == "min_norm" else train[:, :, sl]
    if extra_lam:
        arrays["ridge_opt_risk"], arrays["ridge_opt_train"] = risk[:, :, -1], train[:, :, -1]
    return Result(arrays, {"backend": bk.name, "seed": config.seed})


def _closed_form_error(bk, Z, y, U, s, Vh, tol, lr_over_n, config) -> float:
    """max |a_closed - a_iterated| / |a_iterated| after ``check_steps`` GD steps (seed 0)."""
    xp = bk.xp
    steps = config.check_steps
    phi = _filters(xp, s, s > tol, lr_over_n, bk.asarray([float(steps)]), bk.asarray([]), config.n)
    a_closed = Vh.T @ (phi[1, :] * (U.T @ y))
    a_iter = gd_iterate(bk, Z, y, lr_over_n, steps)
    return float(xp.linalg.vector_norm(a_closed - a_iter) / xp.linalg.vector_norm(a_iter))


# ---- claims: result files vs theory ----------------------------------------------------------------
MEAN_CHECK_RATIOS = (0.25, 0.5, 0.75, 1.25, 2.0, 4.0)   # |p - n| >= n/4: finite-variance risk
NO_PEAK_BUDGET = 1000.0     # a budget that fits the bulk of the spectrum but not its small end
MEAN_RTOL = 0.05


def _at(result: Result, ratio: float) -> int:
    ratios = list(result["ratios"])
    require(ratio in ratios, f"claims need ratio {ratio} in the sweep, have {ratios}")
    return ratios.index(ratio)


def claims(results: dict[str, Result]) -> list[Claim]:
    out = [holds(f"sympy: {name}", HASTIE, "verified symbolically in theory/double_descent.py",
                 ok, ok, why="symbolic identity")
           for name, ok in theory.verify().items()]
    if "linear" in results:
        out += _linear_claims(results["linear"])
    if "random_features" in results:
        out += _rf_claims(results["random_features"])
    checks = [float(np.max(res["closed_form_check"])) for res in results.values()]
    out.append(at_most("closed-form GD = iterated GD", "exact identity (theory.verify)",
                       "max relative difference after check_steps explicit steps (seed 0, every "
                       f"ratio, experiments {sorted(results)})", 1e-9, max(checks),
                       why="round-off: ~steps x cond(Z) x machine eps, cond(Z) up to ~1e4 at N = n"))
    return out


def _linear_claims(res: Result) -> list[Claim]:
    cfg = res.meta["config"]
    n, r, sigma = cfg["n"], cfg["signal"], cfg["noise"]
    risk = res["min_norm_risk"]
    S = risk.shape[0]
    idx = [_at(res, q) for q in MEAN_CHECK_RATIOS]
    p = res["widths"][idx]
    pred = theory.min_norm_risk_finite(n, p, r, sigma)
    mean = risk[:, idx].mean(0)
    se = risk[:, idx].std(0, ddof=1) / np.sqrt(S)
    out = [
        close("min-norm risk = exact finite-n formula", HASTIE + " Sec. 2 (inverse Wishart)",
              f"mean risk over {S} seeds at p/n in {list(MEAN_CHECK_RATIOS)}, n = {n}", pred, mean,
              rtol=MEAN_RTOL, why=f"Monte-Carlo: standard error <= {np.max(se / pred):.1%} of the "
                                  f"prediction ({S} seeds); see the next claim"),
        at_most("Monte-Carlo error below the tolerance", "(statistics)",
                "3 standard errors of the mean risk, relative to the prediction", MEAN_RTOL,
                3 * se / pred, why="so that a 5% miss is a real disagreement, not noise"),
    ]
    ns = np.array([1e2, 1e3, 1e4])
    gaps = np.array([np.abs(theory.min_norm_risk_finite(m, np.array(MEAN_CHECK_RATIOS) * m, r, sigma)
                            / theory.min_norm_risk(np.array(MEAN_CHECK_RATIOS), r, sigma) - 1)
                     for m in ns])
    shrink = gaps[:-1] / gaps[1:]
    out.append(at_least("finite-n formula -> asymptotic", HASTIE + " Thm 1",
                        "relative gap shrinks ~10x per decade of n (O(1/n)) at every checked ratio",
                        8.0, shrink.min(), why="O(1/n) correction: a decade of n divides it by ~10"))
    mean_all = risk.mean(0)
    peak = int(np.argmax(mean_all))
    nearest = int(np.argmin(np.abs(res["ratios"] - 1.0)))
    out.append(holds("risk peak at p/n = 1 (linear)", HASTIE,
                     "argmax over the sweep of the mean min-norm risk is the grid point nearest 1",
                     peak == nearest, float(res["ratios"][peak]), predicted=1.0, why="exact argmax"))
    over = np.flatnonzero(res["ratios"] > 1)
    g_star = float(theory.overparam_minimiser(r, sigma))
    best = float(res["ratios"][over[np.argmin(mean_all[over])]])
    grid_star = float(res["ratios"][over[np.argmin(np.abs(res["ratios"][over] - g_star))]])
    out.append(holds("overparametrised minimum at r/(r - sigma)", HASTIE + " Sec. 3",
                     "argmin of the mean risk over p/n > 1 is the grid point nearest gamma*",
                     best == grid_star, best, predicted=g_star, why="exact argmin on the grid"))
    out += _gd_peak_claims(res, "linear")
    ridge = res["ridge_opt_risk"].mean(0)
    theo = theory.optimal_ridge_risk(res["ratios"], r, sigma)
    out.append(close("optimal ridge = asymptotic formula", HASTIE + " Thm 5 / Dobriban & Wager",
                     f"mean risk at lam* = sigma^2 gamma / r^2, n = {n}, every ratio", theo, ridge,
                     rtol=MEAN_RTOL, why="finite-n O(1/n) bias (about 1.5% at n = 200) plus "
                                         "Monte-Carlo error"))
    out.append(holds("optimal ridge removes the peak (linear)", HASTIE + " Thm 5",
                     "mean optimal-ridge risk increases monotonically in p/n, as theory predicts",
                     bool(np.all(np.diff(ridge) > 0)), ridge, predicted="increasing",
                     why="monotone sequence"))
    return out


def _gd_peak_claims(res: Result, label: str) -> list[Claim]:
    """The peak at N = n under a finite GD budget, per budget (medians: the risk at N = n is
    heavy-tailed, its mean has infinite variance)."""
    j1, jh = _at(res, 1.0), _at(res, 0.5)
    gd = np.median(res["gd_risk"], axis=0)                # (ratios, budgets)
    exact = np.median(res["min_norm_risk"], axis=0)
    budgets = res["budgets"]
    peak = gd[j1] / gd[jh]
    later = budgets >= NO_PEAK_BUDGET
    finite = np.isfinite(budgets) & later
    last = np.flatnonzero(finite)[-1]
    return [
        holds(f"GD peak rises with the budget ({label})", LIU,
              f"median risk(N=n)/risk(N=n/2) is non-decreasing over budgets >= {NO_PEAK_BUDGET:g}",
              bool(np.all(np.diff(peak[later]) >= 0)), peak[later], predicted="non-decreasing",
              why="monotone sequence"),
        close(f"GD peak tends to the exact solver's ({label})", LIU,
              f"median risk at N=n after {budgets[last]:g} steps vs the pseudo-inverse",
              exact[j1], gd[j1, last], rtol=0.01,
              why="GD from zero converges to the min-norm solution; the largest budget exceeds "
                  "1/(lr * (s_min/s_max)^2) steps on most seeds"),
    ]


def _rf_claims(res: Result) -> list[Claim]:
    j1, jh, j4 = _at(res, 1.0), _at(res, 0.5), _at(res, 4.0)
    med = np.median(res["min_norm_risk"], axis=0)
    cond = np.median(res["condition"], axis=0)
    nearest = int(np.argmin(np.abs(res["ratios"] - 1.0)))
    b = list(res["budgets"]).index(NO_PEAK_BUDGET)
    gd = np.median(res["gd_risk"][:, :, b], axis=0)
    train = float(np.median(res["gd_train"][:, j1, b]))
    ridge = np.median(res["ridge_risk"], axis=0).min(axis=1)      # oracle penalty per N
    return [
        at_least("RF peak height at N = n", "Mei & Montanari 2022; " + LIU,
                 "median test error at N = n over that at N = n/2 and at N = 4n", 10.0,
                 [med[j1] / med[jh], med[j1] / med[j4]], why="issue's factor; the peak is a "
                 "divergence in the n -> inf limit"),
        holds("RF risk peak at N = n", LIU, "argmax over the sweep of the median test error",
              int(np.argmax(med)) == nearest, float(res["ratios"][np.argmax(med)]), predicted=1.0,
              why="exact argmax"),
        holds("RF condition number peaks at N = n", LIU,
              "argmax of the median condition number of the feature matrix",
              int(np.argmax(cond)) == nearest, float(res["ratios"][np.argmax(cond)]), predicted=1.0,
              why="exact argmax"),
        at_least("budgeted GD leaves train loss above 1e-3", LIU,
                 f"median train loss at N = n after {NO_PEAK_BUDGET:g} GD steps", 1e-3, train,
                 why="the regime the seed paper describes: not converged at the threshold"),
        at_most("budgeted GD shows no peak", LIU,
                f"median test error at N = n over N = n/2 after {NO_PEAK_BUDGET:g} steps", 1.2,
                gd[j1] / gd[jh], why="issue's factor: no peak means no rise of more than 20%"),
        *_gd_peak_claims(res, "random features"),
        holds("optimal ridge removes the peak (random features)", "Mei & Montanari 2022",
              "oracle-ridge median test error has no interior maximum and is <= its N = n/2 value "
              "at N = n", bool(int(np.argmax(ridge)) == 0 and ridge[j1] <= ridge[jh]), ridge,
              predicted="no peak", why="exact comparison"),
    ]
