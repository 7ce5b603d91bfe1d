r"""Power-law random features (PLRF): one-pass SGD, its exact expected-loss recursion, the limit loss.

x_j ~ N(0, j^-2alpha), b_j = j^-beta, j <= v = ``v_ratio`` d, W_jk ~ N(0, 1/d), risk
P(theta) = (1/2)|D^(1/2)(W theta - b)|^2, gamma = ``lr`` / sum_j j^-2alpha (Paquette et al. 2024).
``runs`` one-pass SGD runs (batch 1) in parallel as one (runs x d) array; the pair (W^T x, b^T x) a
step sees is drawn from its exact joint Gaussian law N(0, [W, b]^T D [W, b]) (d + 1 numbers instead
of v).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..backend import kernel
from .. import parallel
from . import streams
from ..backend import Backend
from .config import PlrfConfig


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


def gd_loss(lam, a0, gamma, p_inf, log_steps):
    """The rival without SGD noise: full-batch gradient descent on P, a_i(k) = (1 - gamma l_i)^(2k)
    a_i(0), loss sum l_i a_i / 2 + P_inf at ``log_steps``."""
    k = np.asarray(log_steps, dtype=float)[:, None]
    return 0.5 * ((1 - gamma * lam[None, :]) ** (2 * k) * (lam * a0)[None, :]).sum(1) + p_inf


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


def log_steps_of(c: PlrfConfig) -> np.ndarray:
    """0 and ``n_log`` log-spaced steps up to ``steps`` (duplicates removed)."""
    steps = np.unique(np.geomspace(1, c.steps, c.n_log).round().astype(int))
    return np.concatenate([[0], steps])


def _sgd(c: PlrfConfig, bk, pr, gamma, log_steps, seed) -> dict:
    """Monte-Carlo SGD, ``runs`` runs as one batch: mean loss and its s.e. at every logged step.
    The normals are drawn where the runs live (:meth:`Backend.stream`); two numbers per logged
    step come back."""
    xp = bk.xp
    K = pr["K"]
    L = np.linalg.cholesky(K + 1e-14 * np.trace(K) * np.eye(len(K)))
    normals = bk.stream(seed)
    theta = xp.zeros((c.runs, c.d), dtype=xp.float64)
    Lb, H, ts = bk.asarray(L), bk.asarray(pr["H"]), bk.asarray(pr["theta_star"])
    mc, mc_se, k = [], [], 0
    for target in log_steps:
        while k < target:
            n = min(target - k, 16)
            theta = sgd_chunk(bk, theta, normals.standard_normal((n, c.runs, c.d + 1)), Lb, gamma)
            k += n
        delta = theta - ts[None, :]
        per_run = 0.5 * xp.sum((delta @ H) * delta, axis=1) + pr["p_inf"]
        mean, std = bk.to_numpy(xp.stack([xp.mean(per_run), xp.std(per_run, correction=1)]))
        mc.append(mean)
        mc_se.append(std / np.sqrt(c.runs))
    return {"mc_loss": np.asarray(mc), "mc_se": np.asarray(mc_se)}


def _limit_losses(c: PlrfConfig, seed) -> np.ndarray:
    """P_inf(d) for ``w_draws`` feature matrices at every d of ``d_grid``: (width, draw). The draws
    come one after another from one stream (seed ``seed``); each is a sweep point."""
    points = [(dd, k) for dd in c.d_grid for k in range(c.w_draws)]
    states = streams.states(np.random.default_rng(seed),
                            [streams.normal((c.v_ratio * dd, dd)) for dd, _ in points])
    values = parallel.run(c, points, lambda p, st: plrf_problem(
        c.alpha, c.beta, p[0], c.v_ratio * p[0], streams.generator(st))["p_inf"],
        seeds=states, desc="scaling_laws[plrf limit loss]", key="limit")
    return np.asarray(values, dtype=float).reshape(len(c.d_grid), c.w_draws)


class Seeds(NamedTuple):
    """The seed tree: ``SeedSequence(seed).spawn(3)`` = the problem (W), the SGD runs' normals and
    the limit losses' W draws."""

    problem: np.random.SeedSequence
    sgd: np.random.SeedSequence
    limit: np.random.SeedSequence


def seeds_of(c: PlrfConfig) -> Seeds:
    return Seeds(*parallel.seeds_for(c, 3))


def simulate_plrf(c: PlrfConfig, bk: Backend) -> tuple[dict, dict]:
    """Arrays and dims of a ``plrf`` experiment (see :func:`sims.scaling_laws.run.simulate`)."""
    seeds = seeds_of(c)
    pr = plrf_problem(c.alpha, c.beta, c.d, c.v_ratio * c.d, np.random.default_rng(seeds.problem))
    gamma = float(c.lr / pr["gamma_den"])
    lam, U = np.linalg.eigh(pr["H"])
    a0 = (U.T @ pr["theta_star"]) ** 2
    log_steps = log_steps_of(c)
    exact = bk.to_numpy(expected_loss(bk, bk.asarray(lam), bk.asarray(a0), gamma, pr["p_inf"],
                                      log_steps))
    half = bk.to_numpy(expected_loss(bk, bk.asarray(lam), bk.asarray(a0), gamma / 2, pr["p_inf"],
                                     log_steps))
    (mc,) = parallel.run(c, ["sgd"], lambda _, seed: _sgd(c, bk, pr, gamma, log_steps, seed),
                         seeds=[seeds.sgd], desc="scaling_laws[plrf sgd]", key="sgd")
    arrays = {"log_steps": log_steps, "exact_loss": exact, "mc_loss": mc["mc_loss"],
              "mc_se": mc["mc_se"], "d_grid": np.asarray(c.d_grid),
              "limit_loss": _limit_losses(c, seeds.limit), "eigenvalues": lam, "gamma": np.asarray(gamma),
              "gd_loss": gd_loss(lam, a0, gamma, pr["p_inf"], log_steps), "half_lr_loss": half}
    dims = {"log_steps": ["step"], "exact_loss": ["step"], "mc_loss": ["step"], "mc_se": ["step"],
            "d_grid": ["width"], "limit_loss": ["width", "draw"], "eigenvalues": ["eigen"],
            "gamma": [], "gd_loss": ["step"], "half_lr_loss": ["step"]}
    return arrays, dims
