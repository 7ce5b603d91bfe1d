r"""Solvable neural scaling-law models: MRS random features, power-law random features, Chinchilla fits.

``model`` selects the experiment (theory and references in :mod:`theory.scaling_laws`):

``mrs``
    Maloney, Roberts, Sully 2022: latent x in R^M with x_I ~ N(0, lambda_I), lambda_I = I^-(1+alpha),
    target y = w.x with w_I = +-1 (Rademacher: unit-variance teacher with less seed noise than
    Gaussian w), N linear random features phi = U x (U_ij ~ N(0, 1)), P samples,
    min-norm least squares (pseudo-inverse, threshold as numpy's pinv). Test loss is exact:
    L = (1/2) sum_I lambda_I ((U^T theta)_I - w_I)^2. Sweeps: N at P = ``p_big``, P at N = ``p_big``,
    N across P = ``p_spike`` (the N = P spike) and a finite latent dimension ``m_finite``.
``plrf``
    Paquette et al. 2024: x_j ~ N(0, j^-2alpha), b_j = j^-beta, j <= v = ``v_ratio`` d, W_jk ~ N(0, 1/d),
    risk P(theta) = (1/2)|D^(1/2)(W theta - b)|^2, gamma = ``lr`` / sum_j j^-2alpha. ``runs`` one-pass SGD
    runs (batch 1) in parallel as one (runs x d) array; the pair (W^T x, b^T x) seen by a step is drawn
    from its exact joint Gaussian law N(0, [W, b]^T D [W, b]) (d + 1 numbers instead of v). Compared
    with the exact expected-loss recursion over the eigenpairs of H = W^T D W. Also the limit loss
    P_inf(d) = min_theta P over ``d_grid``.
``compute_optimal``
    Paquette et al. 2024 compute-optimal frontier: the exact expected-loss recursion for a geometric
    grid of d in [``co_d_min``, ``co_d_max``] (a v x co_d_max Gaussian matrix, W = its first d
    columns / sqrt(d), v = ``v_ratio`` co_d_max, so curves are correlated in d), up to ``co_steps``
    steps, averaged over ``co_draws`` independent matrices: the paper's loss is the expectation over
    W (its deterministic equivalent), and one draw makes loss-vs-d at fixed compute rugged. At each
    compute f = r d in [``co_f_min``, co_d_max co_steps] (log grid) the loss-minimising d* (parabola
    in log d through the best grid point) and the loss P* there, P* = min_d P(f/d, d) as in the
    paper. Slopes of log d* and log P* in log f give x and y. ``co_method: equivalent`` replaces the
    sampled W by the deterministic equivalent of E_W (:mod:`sims.plrf_equivalent`), whose cost does
    not grow with d, for d up to 1e12: the 2 alpha < 1 phases need d^(2 alpha) >> 1. It is checked in
    the same run against ``co_draws`` sampled W at d = ``co_check_d``.
``chinchilla``
    synthetic L(N, D) = E + A/N^a + B/D^b (Hoffmann et al.'s published constants) with ``noise``
    log-noise, fitted by :func:`theory.scaling_laws.fit_chinchilla` (summed Huber) and, as the known
    failure, by the averaged objective.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .backend import get_backend, kernel
from .claims import Claim, at_least, at_most, close, holds
from .config import BaseConfig
from .errors import require
from .results import Result
from theory import scaling_laws as theory

MODELS = ("mrs", "plrf", "compute_optimal", "chinchilla")
CO_METHODS = ("sampled", "equivalent")
MRS = "Maloney, Roberts & Sully 2022"
PPXP = "Paquette, Paquette, Xiao & Pennington 2024"
HOFF = "Hoffmann et al. 2022; Besiroglu et al. 2024"


@dataclasses.dataclass(frozen=True)
class ScalingLawsConfig(BaseConfig):
    model: str = "plrf"
    alpha: float = 1.0                # data complexity (plrf), latent spectrum exponent (mrs)
    beta: float = 0.75                # target complexity (plrf)
    # plrf
    d: int = 32
    v_ratio: int = 4                  # v = v_ratio * d
    lr: float = 0.5                   # c in gamma = c / sum_j j^-2alpha; 0 < c < 1
    steps: int = 1000
    runs: int = 4000
    n_log: int = 16
    d_grid: tuple[int, ...] = (16, 32, 64, 128)
    w_draws: int = 4
    # mrs
    m_latent: int = 4096
    m_finite: int = 64
    n_grid: tuple[int, ...] = (8, 16, 32, 64, 128)
    p_big: int = 1024
    p_spike: int = 64
    spike_ratios: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0)
    seeds: int = 8
    # compute_optimal
    co_d_min: int = 16
    co_d_max: int = 512
    co_n_d: int = 19
    co_steps: int = 100000
    co_n_f: int = 40
    co_draws: int = 1                 # independent W per d, loss curves averaged (E_W)
    co_f_min: float = 0.0             # start of the compute window; 0: 10 co_d_min
    co_method: str = "sampled"        # sampled W (exact recursion) | equivalent (deterministic equivalent)
    co_check_d: int = 128             # equivalent: d of its check against co_draws sampled W
    co_check_steps: int = 20000       # equivalent: the check's last step (the sampled recursion is O(d) a step)
    co_atol: float = 0.08             # tolerance of the x and y slopes (the 0.08; tighter at larger d)
    # chinchilla
    noise: float = 0.005
    chin_grid: int = 12
    bootstrap: int = 20

    def validate(self) -> None:
        require(self.model in MODELS, f"model must be one of {MODELS}, got {self.model!r}")
        for name in ("d", "v_ratio", "steps", "runs", "n_log", "w_draws", "m_latent", "m_finite",
                     "p_big", "p_spike", "seeds", "chin_grid", "co_d_min", "co_n_d", "co_steps",
                     "co_n_f", "co_draws"):
            require(getattr(self, name) > 0, f"{name} must be a positive integer, "
                                             f"got {getattr(self, name)}")
        require(self.v_ratio >= 2, f"v_ratio must be >= 2 (v > d), got {self.v_ratio}")
        require(self.alpha > 0 and self.beta > 0, "alpha and beta must be > 0")
        require(0 < self.lr < 1, f"lr = c = {self.lr}: SGD's expected loss diverges unless "
                                 "gamma = c / sum_j j^-2alpha has 0 < c < 1")
        require(all(k > 1 for k in self.d_grid) and all(k > 0 for k in self.n_grid),
                "d_grid and n_grid sizes must be positive (d_grid > 1)")
        require(max(self.n_grid) < self.p_big <= self.m_latent,
                f"need max(n_grid) < p_big <= m_latent, got {max(self.n_grid)}, {self.p_big}, "
                f"{self.m_latent}")
        require(self.co_d_max > self.co_d_min and self.co_n_d >= 3,
                "compute_optimal needs co_d_max > co_d_min and co_n_d >= 3")
        require(0 <= self.co_f_min < self.co_d_max * self.co_steps,
                f"co_f_min must be in [0, co_d_max * co_steps), got {self.co_f_min}")
        require(self.co_method in CO_METHODS, f"co_method must be one of {CO_METHODS}, "
                                              f"got {self.co_method!r}")
        require(0 < self.co_atol < 1, f"co_atol must be in (0, 1), got {self.co_atol}")
        require(self.co_method != "equivalent" or self.co_draws >= 2,
                "co_method: equivalent needs co_draws >= 2 sampled W for its check")
        require(self.co_check_d > 1 and self.co_check_steps > 0,
                f"co_check_d must be > 1 and co_check_steps > 0, got {self.co_check_d}, "
                f"{self.co_check_steps}")
        require(all(q > 0 for q in self.spike_ratios), "spike_ratios must be > 0")
        require(self.noise >= 0 and self.bootstrap >= 0, "noise and bootstrap must be >= 0")


Config = ScalingLawsConfig


def simulate(config: ScalingLawsConfig) -> Result:
    run = {"mrs": _simulate_mrs, "plrf": _simulate_plrf, "chinchilla": _simulate_chinchilla,
           "compute_optimal": _simulate_compute_optimal}
    arrays = run[config.model](config)
    return Result(arrays, {"backend": get_backend(config.backend).name, "seed": config.seed})


# ---- PLRF ------------------------------------------------------------------------------------------
@kernel(numba="sims.kernels.scaling_laws:sgd_chunk")
def sgd_chunk(xp, theta, xi, L, gamma):
    """SGD steps theta <- theta - gamma (z.theta - s) z with (z, s) = L xi, one row of xi per step."""
    d = theta.shape[1]
    for t in range(xi.shape[0]):
        zs = xi[t, ...] @ L.T
        z, s = zs[:, :d], zs[:, d]
        theta = theta - gamma * (xp.sum(z * theta, axis=1) - s)[:, None] * z
    return theta


@kernel(numba="sims.kernels.scaling_laws:expected_loss")
def expected_loss(xp, lam, a0, gamma, p_inf, log_steps):
    """a_i <- (1 - 2 g l_i + 2 g^2 l_i^2) a_i + 2 g^2 l_i P, P = sum l_i a_i / 2 + P_inf, logged.
    ``log_steps`` is a host array of increasing integers."""
    a = a0
    out, k = [], 0
    for target in np.asarray(log_steps, dtype=np.int64).tolist():
        while k < target:
            P = 0.5 * xp.sum(lam * a) + p_inf
            a = (1 - 2 * gamma * lam + 2 * gamma**2 * lam**2) * a + 2 * gamma**2 * lam * P
            k += 1
        out.append(0.5 * xp.sum(lam * a) + p_inf)
    return xp.stack(out)


def plrf_problem(alpha, beta, d, v, rng):
    """Spectrum, target, features and the exact quantities: H, theta*, P_inf, K = cov(W^T x, b^T x)."""
    j = np.arange(1, v + 1, dtype=float)
    Dg, b = j ** (-2 * alpha), j ** (-beta)
    W = rng.standard_normal((v, d)) / np.sqrt(d)
    H = W.T @ (Dg[:, None] * W)
    g = W.T @ (Dg * b)
    theta_star = np.linalg.solve(H, g)
    p_inf = 0.5 * (b @ (Dg * b) - g @ theta_star)
    K = np.block([[H, g[:, None]], [g[None, :], np.array([[b @ (Dg * b)]])]])
    return dict(H=H, theta_star=theta_star, p_inf=float(max(p_inf, 0.0)), K=K, gamma_den=float(Dg.sum()))


def _simulate_plrf(c: ScalingLawsConfig) -> dict:
    bk = get_backend(c.backend)
    xp = bk.xp
    ss = np.random.SeedSequence(c.seed)
    s_prob, s_sgd, s_lim = ss.spawn(3)
    pr = plrf_problem(c.alpha, c.beta, c.d, c.v_ratio * c.d, np.random.default_rng(s_prob))
    gamma = float(c.lr / pr["gamma_den"])
    lam, U = np.linalg.eigh(pr["H"])
    a0 = (U.T @ pr["theta_star"]) ** 2
    log_steps = np.unique(np.geomspace(1, c.steps, c.n_log).round().astype(int))
    log_steps = np.concatenate([[0], log_steps])
    exact = bk.to_numpy(expected_loss(bk, bk.asarray(lam), bk.asarray(a0), gamma, pr["p_inf"],
                                      log_steps))
    # Monte-Carlo SGD
    K = pr["K"]
    L = np.linalg.cholesky(K + 1e-14 * np.trace(K) * np.eye(len(K)))
    rng = np.random.default_rng(s_sgd)
    theta = bk.asarray(np.zeros((c.runs, c.d)))
    Lb, H, ts = bk.asarray(L), bk.asarray(pr["H"]), bk.asarray(pr["theta_star"])
    mc, mc_se, k = [], [], 0
    for target in log_steps:
        while k < target:
            n = min(target - k, 16)
            theta = sgd_chunk(bk, theta, bk.asarray(rng.standard_normal((n, c.runs, c.d + 1))),
                              Lb, gamma)
            k += n
        delta = theta - ts[None, :]
        per_run = bk.to_numpy(0.5 * xp.sum((delta @ H) * delta, axis=1)) + pr["p_inf"]
        mc.append(per_run.mean())
        mc_se.append(per_run.std(ddof=1) / np.sqrt(c.runs))
    # limit loss P_inf(d), averaged over w_draws feature matrices
    rng = np.random.default_rng(s_lim)
    limit = np.array([[plrf_problem(c.alpha, c.beta, dd, c.v_ratio * dd, rng)["p_inf"]
                       for _ in range(c.w_draws)] for dd in c.d_grid])
    return {"log_steps": log_steps, "exact_loss": exact, "mc_loss": np.asarray(mc),
            "mc_se": np.asarray(mc_se), "d_grid": np.asarray(c.d_grid), "limit_loss": limit,
            "eigenvalues": lam, "gamma": np.asarray(gamma)}


def co_curves(bk, alpha, beta, dg, Wbig, steps, lr):
    """Exact expected-loss curves at ``steps`` for W = Wbig[:, :d] / sqrt(d), every d in ``dg``.
    The Gram matrix G = Wbig^T D Wbig is formed once: H_d = G[:d, :d] / d, W_d^T D b = (Wbig^T D b)[:d]
    / sqrt(d); in the eigenbasis of H_d, theta* = U (c / lambda) with c = U^T W_d^T D b."""
    v = Wbig.shape[0]
    j = np.arange(1, v + 1, dtype=float)
    Dg, b = j ** (-2 * alpha), j ** (-beta)
    gamma = float(lr / Dg.sum())
    G = Wbig.T @ (Dg[:, None] * Wbig)
    h = Wbig.T @ (Dg * b)
    bDb = float(b @ (Dg * b))
    out = []
    for d in dg:
        lam, U = np.linalg.eigh(G[:d, :d] / d)
        c = U.T @ h[:d] / np.sqrt(d)
        p_inf = max(0.5 * (bDb - float(c @ (c / lam))), 0.0)
        out.append(bk.to_numpy(expected_loss(bk, bk.asarray(lam), bk.asarray((c / lam) ** 2),
                                             gamma, p_inf, steps)))
    return np.asarray(out)


def _simulate_compute_optimal(c: ScalingLawsConfig) -> dict:
    bk = get_backend(c.backend)
    dg = np.unique(np.geomspace(c.co_d_min, c.co_d_max, c.co_n_d).round().astype(int))
    steps = np.unique(np.geomspace(1, c.co_steps, 300).round().astype(np.int64))
    rng = np.random.default_rng(np.random.SeedSequence(c.seed))   # draw k: the k-th matrix it gives
    out = {}
    if c.co_method == "equivalent":
        from .plrf_equivalent import equivalent_curves
        curves = equivalent_curves(c.alpha, c.beta, dg, c.v_ratio, c.lr, steps, backend=c.backend)
        sd = np.zeros_like(curves)
        ks = steps[steps <= c.co_check_steps]
        check = np.asarray([co_curves(bk, c.alpha, c.beta, [c.co_check_d],
                                      rng.standard_normal((c.v_ratio * c.co_check_d, c.co_check_d)),
                                      ks, c.lr)[0] for _ in range(c.co_draws)])
        out.update(check_steps=ks, check_sampled=check.mean(0),
                   check_sampled_se=check.std(0, ddof=1) / np.sqrt(c.co_draws),
                   check_equivalent=equivalent_curves(c.alpha, c.beta, [c.co_check_d], c.v_ratio, c.lr,
                                                      ks, backend=c.backend)[0])
    else:
        draws = np.asarray([co_curves(bk, c.alpha, c.beta, dg,
                                      rng.standard_normal((c.v_ratio * int(dg[-1]), int(dg[-1]))),
                                      steps, c.lr) for _ in range(c.co_draws)])
        curves = draws.mean(0)
        sd = draws.std(0, ddof=1) if c.co_draws > 1 else np.zeros_like(curves)
    f_grid = np.geomspace(c.co_f_min or float(dg[0]) * 10, float(dg[-1]) * float(c.co_steps), c.co_n_f)
    d_star, loss_star = frontier(dg, steps, curves, f_grid)
    out.update(d_grid=dg, steps=steps, curves=curves, curves_sd=sd, f_grid=f_grid, d_star=d_star,
               loss_star=loss_star)
    return out


def frontier(dg, steps, curves, f_grid):
    """d*(f) and P*(f): loss at r = f/d by log-log interpolation of each curve, minimised over d by a
    parabola in log d through the best grid point and its neighbours (nan where not interior)."""
    d_star, loss_star = np.full(len(f_grid), np.nan), np.full(len(f_grid), np.nan)
    for k, f in enumerate(f_grid):
        r = f / dg
        L = np.full(len(dg), np.inf)
        ok = (r >= steps[0]) & (r <= steps[-1])
        for i in np.flatnonzero(ok):
            L[i] = np.exp(np.interp(np.log(r[i]), np.log(steps), np.log(curves[i])))
        i = int(np.argmin(L))
        if 0 < i < len(dg) - 1 and np.all(np.isfinite(L[i - 1:i + 2])):
            p = np.polyfit(np.log(dg[i - 1:i + 2]), np.log(L[i - 1:i + 2]), 2)
            xm = -p[1] / (2 * p[0])
            d_star[k], loss_star[k] = np.exp(xm), np.exp(np.polyval(p, xm))
    return d_star, loss_star


# ---- MRS -------------------------------------------------------------------------------------------
def min_norm_loss(xp, X, U, w, lam):
    """Min-norm least squares on features F = X U^T, y = X w; exact test loss (1/2) sum lam (U^T th - w)^2."""
    F = X @ U.T
    y = X @ w
    Us, s, Vh = xp.linalg.svd(F, full_matrices=False)
    tol = float(max(F.shape) * np.finfo(float).eps) * float(s[0])
    inv = xp.where(s > tol, 1.0 / xp.where(s > tol, s, xp.ones_like(s)), xp.zeros_like(s))
    theta = Vh.T @ (inv * (Us.T @ y))
    err = U.T @ theta - w
    return 0.5 * xp.sum(lam * err**2)


def _mrs_sweeps(c, bk, rng, M):
    xp = bk.xp
    lam = np.arange(1, M + 1, dtype=float) ** (-(1 + c.alpha))
    w = rng.choice([-1.0, 1.0], M)
    nmax = max(c.p_big, round(max(c.spike_ratios) * c.p_spike))
    X = np.sqrt(lam)[None, :] * rng.standard_normal((c.p_big, M))
    U = rng.standard_normal((nmax, M))
    Xb, Ub, wb, lb = bk.asarray(X), bk.asarray(U), bk.asarray(w), bk.asarray(lam)
    loss = lambda P, N: float(min_norm_loss(xp, Xb[:P, :], Ub[:N, :], wb, lb))   # noqa: E731
    out = {"vs_N": [loss(c.p_big, n) for n in c.n_grid],
           "vs_P": [loss(p, c.p_big) for p in c.n_grid],
           "spike": [loss(c.p_spike, max(1, round(q * c.p_spike))) for q in c.spike_ratios]}
    return out


def _simulate_mrs(c: ScalingLawsConfig) -> dict:
    bk = get_backend(c.backend)
    seeds = np.random.SeedSequence(c.seed).spawn(c.seeds)
    keys = ("vs_N", "vs_P", "spike")
    acc = {k: [] for k in keys}
    fin = []
    for sd in seeds:
        rng = np.random.default_rng(sd)
        res = _mrs_sweeps(c, bk, rng, c.m_latent)
        for k in keys:
            acc[k].append(res[k])
        # finite latent dimension: P = p_big >= M, N across M
        fin.append(_mrs_finite(c, bk, rng))
    out = {f"loss_{k}": np.asarray(v) for k, v in acc.items()}
    out.update(n_grid=np.asarray(c.n_grid), spike_ratios=np.asarray(c.spike_ratios),
               finite_N=np.asarray(_finite_ns(c)), loss_finite=np.asarray(fin))
    return out


def _finite_ns(c):
    return [max(1, c.m_finite // 4), c.m_finite // 2, c.m_finite, 2 * c.m_finite, 4 * c.m_finite]


def _mrs_finite(c, bk, rng):
    M = c.m_finite
    lam = np.arange(1, M + 1, dtype=float) ** (-(1 + c.alpha))
    w = rng.choice([-1.0, 1.0], M)
    P = max(c.p_big, 4 * M)
    X = np.sqrt(lam)[None, :] * rng.standard_normal((P, M))
    U = rng.standard_normal((4 * M, M))
    return [float(min_norm_loss(bk.xp, bk.asarray(X), bk.asarray(U[:n]), bk.asarray(w),
                                bk.asarray(lam))) for n in _finite_ns(c)]


# ---- Chinchilla ------------------------------------------------------------------------------------
def _simulate_chinchilla(c: ScalingLawsConfig) -> dict:
    rng = np.random.default_rng(np.random.SeedSequence(c.seed))
    N, D, L = theory.chinchilla_data(rng, c.noise, c.chin_grid)
    fit = theory.fit_chinchilla(N, D, L, bootstrap=c.bootstrap, seed=c.seed)
    avg = theory.fit_chinchilla(N, D, L, reduce="mean")
    names = ("E", "A", "B", "a", "b")
    return {"N": N, "D": D, "L": L, "fit": np.array([fit[k] for k in names]),
            "fit_mean": np.array([avg[k] for k in names]), "ci": fit.get("ci", np.zeros((2, 3))),
            "true": np.array([theory.CHINCHILLA[k] for k in names])}


# ---- claims ----------------------------------------------------------------------------------------
def slope(x, y):
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def claims(results: dict[str, Result]) -> list[Claim]:
    out = [holds(f"sympy: {name}", "theory/scaling_laws.py", "verified symbolically", ok, ok,
                 why="symbolic identity") for name, ok in theory.verify().items()]
    for res in results.values():
        model = res.meta["config"]["model"]
        out += {"mrs": _mrs_claims, "plrf": _plrf_claims, "chinchilla": _chin_claims,
                "compute_optimal": _co_claims}[model](res)
    return out


def _mrs_claims(res: Result) -> list[Claim]:
    cfg = res.meta["config"]
    alpha, n = cfg["alpha"], res["n_grid"]
    sN = slope(n, res["loss_vs_N"].mean(0))
    sP = slope(n, res["loss_vs_P"].mean(0))
    spike = np.median(res["loss_spike"], 0)
    q = res["spike_ratios"]
    j1 = int(np.argmin(np.abs(q - 1)))
    fin = res["loss_finite"]
    full = res["finite_N"] >= cfg["m_finite"]
    return [
        close("MRS: loss ~ N^-alpha (P >> N)", MRS, f"log-log slope of the mean loss over N in "
              f"{list(n)} at P = {cfg['p_big']}", -alpha, sN, atol=0.1, why="issue's tolerance"),
        close("MRS: loss ~ P^-alpha (N >> P)", MRS, f"log-log slope over P in {list(n)} at "
              f"N = {cfg['p_big']}", -alpha, sP, atol=0.1, why="issue's tolerance"),
        holds("MRS: double-descent spike at N = P", MRS, f"argmax of the median loss over N/P in "
              f"{list(q)} at P = {cfg['p_spike']}", int(np.argmax(spike)) == j1,
              float(q[np.argmax(spike)]), predicted=1.0, why="exact argmax"),
        at_most("MRS: exact fit once N >= M", MRS, f"loss for N >= M = {cfg['m_finite']}, "
                f"P >= M, every seed", 1e-10, fin[:, full],
                why="noiseless target in the span of the features; round-off ~1e-28"),
    ]


def _plrf_claims(res: Result) -> list[Claim]:
    cfg = res.meta["config"]
    rel = np.abs(res["mc_loss"] / res["exact_loss"] - 1)
    se = res["mc_se"] / res["exact_loss"]
    sl = slope(res["d_grid"], res["limit_loss"].mean(1))
    return [
        at_most("PLRF: Monte-Carlo SGD = exact recursion", PPXP,
                f"relative gap of the mean loss of {cfg['runs']} SGD runs at each of "
                f"{len(rel)} logged steps (d = {cfg['d']})", 0.02, rel,
                why="issue's tolerance; Monte-Carlo s.e. reported in the next claim"),
        at_most("PLRF: Monte-Carlo s.e. small enough", "(statistics)",
                "2 standard errors of the mean loss, relative, at every logged step", 0.02, 2 * se,
                why="so a 2% miss is a disagreement, not noise"),
        close("PLRF: limit loss ~ d^-2alpha (2 beta > 1)", PPXP + " Sec. 3 (F_0)",
              f"log-log slope of min_theta P over d in {list(res['d_grid'])}", -2 * cfg["alpha"], sl,
              atol=0.1, why="issue's tolerance"),
    ]


CO_ATOL = 0.08
MIN_FRONTIER_POINTS = 8


def measured_exponents(res: Result) -> tuple[float, float, int]:
    ok = np.isfinite(res["d_star"])
    f = res["f_grid"][ok]
    return slope(f, res["d_star"][ok]), -slope(f, res["loss_star"][ok]), int(ok.sum())


EQUIV_RTOL = 0.02


def _co_claims(res: Result) -> list[Claim]:
    cfg = res.meta["config"]
    al, be = cfg["alpha"], cfg["beta"]
    ph = theory.phase(al, be)
    require(ph != "", f"compute_optimal at alpha={al}, beta={be}: no derived phase row")
    x, y, npts = measured_exponents(res)
    dg = res["d_grid"]
    equiv = cfg.get("co_method", "sampled") == "equivalent"
    how = "deterministic equivalent" if equiv else f"loss averaged over {cfg.get('co_draws', 1)} W"
    where = (f"phase {ph}, alpha={al:g}, beta={be:g}, d in [{dg[0]}, {dg[-1]}], {how}, "
             f"f >= {res['f_grid'][0]:.3g}")
    others = {k: theory.predicted(k, al, be) for k in theory.PHASE_TABLE if k != ph}
    near = min(others, key=lambda k: np.nan_to_num(abs(others[k][0] - x) + abs(others[k][1] - y),
                                                   nan=np.inf))
    rival = f"; nearest other row {near} would give x={others[near][0]:.3f}, y={others[near][1]:.3f}"
    atol = cfg.get("co_atol", CO_ATOL)
    why = ("issue's tolerance: finite d range and a grid argmin" if atol == CO_ATOL else
           f"tightened from the issue's {CO_ATOL} at these sizes (issue: tighten as sizes grow)")
    ref = PPXP + (" Table 2" if ph in ("Ia", "II", "III") else "; row derived in theory/")
    out = [
        at_least(f"PLRF compute-optimal frontier resolved ({ph})", "(numerics)",
                 f"compute values with an interior loss-minimising d, {where}", MIN_FRONTIER_POINTS,
                 npts, why="enough points for a slope"),
        close(f"PLRF compute-optimal d* ~ f^x ({ph})", ref, f"log-log slope of d*(f), {where}{rival}", float(theory.PLRF_X[ph](al, be)), x,
              atol=atol, why=why),
        close(f"PLRF compute-optimal P* ~ f^-y ({ph})", ref, f"minus the log-log slope of P*(f), {where}{rival}", float(theory.PLRF_Y[ph](al, be)), y,
              atol=atol, why=why),
    ]
    if equiv:
        gap = np.abs(res["check_equivalent"] / res["check_sampled"] - 1)
        se = res["check_sampled_se"] / res["check_sampled"]
        out.append(at_most(f"PLRF deterministic equivalent = sampled exact recursion ({ph})", PPXP,
                           f"relative gap of the loss curve at d = {cfg['co_check_d']} to the mean of "
                           f"{cfg['co_draws']} sampled W, minus 3 standard errors of that mean, at "
                           f"every logged step up to {int(res['check_steps'][-1])}", EQUIV_RTOL,
                           gap - 3 * se,
                           why="the equivalent's own finite-d error (measured <= 1.2% for alpha < 1/2 "
                               "against 400 draws, tests/test_plrf_equivalent.py) plus margin"))
    return out


def _chin_claims(res: Result) -> list[Claim]:
    fit, true, ci = res["fit"], res["true"], res["ci"]
    x_fit = fit[4] / (fit[3] + fit[4])
    x_true = float(theory.nopt_exponent(true[3], true[4]))
    return [
        close("Chinchilla fit: N_opt exponent b/(a+b)", HOFF,
              "summed-Huber L-BFGS fit of noisy synthetic data vs the generating constants", x_true,
              x_fit, atol=0.02, why="issue's tolerance (0.5% log-noise, 144 points)"),
        holds("Chinchilla fit: bootstrap CI brackets the truth", HOFF,
              "95% bootstrap interval of b/(a+b)", bool(ci[0, 2] <= x_true <= ci[1, 2]),
              ci[:, 2], predicted=x_true, why="interval containment"),
    ]
