"""Sharpness: ``simulate`` and the eight experiment kinds. Every loop over independent runs (widths, parametrisations, seeds,
learning rates, step-size factors) goes through :func:`sims.parallel.run`, one checkpointed point per
run, with the SeedSequences the runs always had (children of the config's second master seed).

Each runner returns ``(arrays, dims)`` for :func:`sims.results.make_result`.
"""
from __future__ import annotations

import numpy as np

from typing import NamedTuple

from .. import parallel
from ..context import RunContext
from ..results import Result, make_result
from . import curvature, fd_check, flow, net
from .config import SharpnessConfig
from theory import sharpness as theory


def _logs(cfg) -> np.ndarray:
    """Logged steps: 0, every log_every, and the last step."""
    return np.unique(np.r_[0, np.arange(cfg.log_every, cfg.steps + 1, cfg.log_every), cfg.steps])


def _grandchildren(parent, outer: int, inner: int) -> list:
    """``parent.spawn(outer)``, each child spawning ``inner``: the seeds of an outer x inner grid,
    flattened (outer index slowest)."""
    return [g for kid in parent.spawn(outer) for g in kid.spawn(inner)]


def train_logged(cfg, bk, Ws, mults, X, y, lr, rng, logs, extra=None):
    """GD for cfg.steps with the Hessian's top eigenvalue (and ``extra(Ws, curv)``) at the steps
    ``logs``; each Lanczos run starts from the previous top eigenvector (warm start). Returns (final
    state, sharpness [step], loss [step], list of extra values); a diverged run stops early and
    leaves NaN behind it."""
    Xb, yb = bk.asarray(X), bk.asarray(y)
    st, done, vec = net.state(bk, Ws), 0, None
    sharp, loss, more = np.full(len(logs), np.nan), np.full(len(logs), np.nan), []
    for j, t in enumerate(logs):
        with np.errstate(all="ignore"):
            st = list(net.gd_steps(bk, st, mults, Xb, yb, cfg.act, lr, int(t - done)))
            loss[j] = net.loss_and_grad(bk.xp, st, mults, Xb, yb, cfg.act).loss
        done = int(t)
        if net.diverged(loss[j]):
            break
        curv = curvature.Curvature(bk, st, mults, Xb, yb, cfg.act)
        sharp[j], vec = curv.top_eig(rng, cfg.lanczos_tol, v0=vec, vector=True)
        if extra is not None:
            more.append(extra(st, curv))
    return st, sharp, loss, more


# ---- width and parametrisation -------------------------------------------------------------------
def run_ntk_init(cfg, bk, seeds):
    """Empirical 2-layer ReLU NTK at init (NTK parametrisation) per width and seed vs theory.relu_ntk."""
    X, _ = net.teacher_data(cfg.d, cfg.n_data, "regression", np.random.default_rng(seeds.data))
    exact = theory.relu_ntk(X)
    Xb = bk.asarray(X)

    def one(point, ss):
        Ws, mults, _ = net.init_net(cfg, "ntk", point[0], np.random.default_rng(ss))
        emp = bk.to_numpy(curvature.empirical_ntk(bk.xp, net.state(bk, Ws), mults, Xb, "relu"))
        return {"ntk": emp, "err_max": np.max(np.abs(emp - exact)),
                "err_rms": np.sqrt(np.mean((emp - exact) ** 2))}

    W, S = len(cfg.widths), cfg.seeds
    grid = parallel.Grid(width=cfg.widths, seed=range(S))
    # one spawn(W S) = the per-width spawn(S) calls of the original loop, in the same order
    values = parallel.run(cfg, grid.points(), one, seeds=seeds.runs.spawn(W * S),
                       desc="sharpness[ntk_init]")
    arrays, dims = parallel.stack(values, grid, {"err_max": (), "err_rms": (),
                                              "ntk": ("sample", "sample_")})
    arrays["ntk_emp"], dims["ntk_emp"] = arrays.pop("ntk"), dims.pop("ntk")
    arrays.update(widths=np.array(cfg.widths), ntk_theory=exact, X=X)
    dims.update(widths=["width"], ntk_theory=["sample", "sample_"], X=["feature", "sample"])
    return arrays, dims


def run_width_sweep(cfg, bk, seeds):
    """GD at base lr lrs[0] for every (parametrisation, width, seed): sharpness, loss and relative
    feature movement |phi(z_t) - phi(z_0)|_F / |phi(z_0)|_F at the logged steps."""
    X, y = net.teacher_data(cfg.d, cfg.n_data, cfg.task, np.random.default_rng(seeds.data))
    logs = _logs(cfg)

    def one(point, ss):
        p, i, _ = point
        rng = np.random.default_rng(ss)
        Ws, mults, lrf = net.init_net(cfg, cfg.params[p], cfg.widths[i], rng)
        eta = cfg.lrs[0] * lrf
        h0 = net.forward(np, Ws, mults, X, cfg.act).hs[1]          # the first hidden layer

        def feature_move(st, curv):
            h1 = net.forward(np, [bk.to_numpy(w) for w in st], mults, X, cfg.act).hs[1]
            return np.linalg.norm(h1 - h0) / np.linalg.norm(h0)

        _, sharp, loss, mv = train_logged(cfg, bk, Ws, mults, X, y, eta, rng, logs, feature_move)
        move = np.full(logs.size, np.nan)
        move[: len(mv)] = mv
        return {"sharpness": sharp, "loss": loss, "feature_move": move, "eta": eta}

    P, W, S = len(cfg.params), len(cfg.widths), cfg.seeds
    grid = parallel.Grid(param=range(P), width=range(W), seed=range(S))
    values = parallel.run(cfg, grid.points(), one, seeds=_grandchildren(seeds.runs, P * W, S),
                       desc="sharpness[width_sweep]")
    arrays, dims = parallel.stack(values, grid, {k: ("step",) for k in ("sharpness", "loss",
                                                                     "feature_move")})
    eta = parallel.stack(values, grid, {"eta": ()})[0]["eta"][:, :, 0]
    arrays.update(widths=np.array(cfg.widths), logs=logs, eta=eta, params=np.array(cfg.params))
    dims.update(widths=["width"], logs=["step"], eta=["param", "width"], params=["param"])
    return arrays, dims


def run_lr_transfer(cfg, bk, seeds):
    """Loss after cfg.steps GD steps for every (parametrisation, width, seed, base lr); every lr of a
    (parametrisation, width, seed) starts from the same init (the same seed)."""
    X, y = net.teacher_data(cfg.d, cfg.n_data, cfg.task, np.random.default_rng(seeds.data))
    Xb, yb = bk.asarray(X), bk.asarray(y)

    def one(point, ss):
        p, i, _, k = point
        Ws, mults, lrf = net.init_net(cfg, cfg.params[p], cfg.widths[i], np.random.default_rng(ss))
        with np.errstate(all="ignore"):
            out = net.gd_steps(bk, net.state(bk, Ws), mults, Xb, yb, cfg.act, cfg.lrs[k] * lrf,
                               cfg.steps)
            lo = net.loss_and_grad(bk.xp, list(out), mults, Xb, yb, cfg.act).loss
        return {"final_loss": np.inf if net.diverged(lo) else lo}

    P, W, R, S = len(cfg.params), len(cfg.widths), len(cfg.lrs), cfg.seeds
    run_seeds = _grandchildren(seeds.runs, P * W, S)            # one init per (param, width, seed)
    grid = parallel.Grid(param=range(P), width=range(W), seed=range(S), lr=range(R))
    values = parallel.run(cfg, grid.points(), one, seeds=[run_seeds[j // R] for j in range(P * W * S * R)],
                       desc="sharpness[lr_transfer]")
    final = parallel.stack(values, grid, {"final_loss": ()})[0]["final_loss"]
    return ({"widths": np.array(cfg.widths), "lrs": np.array(cfg.lrs),
             "final_loss": final.transpose(0, 1, 3, 2), "params": np.array(cfg.params)},
            {"widths": ["width"], "lrs": ["lr"], "final_loss": ["param", "width", "lr", "seed"],
             "params": ["param"]})


COORDINATES = ("z", "h", "f", "dz", "dh", "df")   # mup's coord-check modules (see run_coord_check)


def coord_l1(xp, Ws, mults, X, act, first=None) -> tuple[np.ndarray, tuple]:
    """mup's ``l1 = mean |x|`` of z = m_1 W_1 X, h = phi(z), f (the output) and of their changes
    z - z_1, h - h_1, f - f_1 from the layer outputs ``first`` at t = 1 (zeros when None).
    Returns (the six l1 in :data:`COORDINATES` order, the layer outputs (z, h, f))."""
    fw = net.forward(xp, Ws, mults, X, act)
    now = (fw.zs[0], fw.hs[1], fw.zs[1])
    first = now if first is None else first
    vals = [xp.mean(xp.abs(a)) for a in now] + [xp.mean(xp.abs(a - b)) for a, b in zip(now, first)]
    return np.array([float(v) for v in vals]), now


def run_coord_check(cfg, bk, seeds):
    """microsoft/mup's coord check (mup/coord_check.py ``get_coord_data`` on a fixed full batch):
    for every (parametrisation, width, seed), the :func:`coord_l1` at records t = 1..records, t = 1
    at init and t = k after k - 1 full-batch GD steps at base lr lrs[0] (times the lr factor).
    Data and init seeds as in :func:`run_width_sweep`."""
    X, y = net.teacher_data(cfg.d, cfg.n_data, cfg.task, np.random.default_rng(seeds.data))
    Xb, yb = bk.asarray(X), bk.asarray(y)

    def one(point, ss):
        p, i, _ = point
        Ws, mults, lrf = net.init_net(cfg, cfg.params[p], cfg.widths[i], np.random.default_rng(ss))
        st, first = net.state(bk, Ws), None
        l1 = np.full((cfg.records, len(COORDINATES)), np.nan)
        with np.errstate(all="ignore"):          # standard parametrisation may overflow: inf/nan
            for t in range(cfg.records):
                if t:
                    st = list(net.gd_steps(bk, st, mults, Xb, yb, cfg.act, cfg.lrs[0] * lrf, 1))
                l1[t], now = coord_l1(bk.xp, st, mults, Xb, cfg.act, first)
                first = now if first is None else first
        return {"l1": l1, "eta": cfg.lrs[0] * lrf}

    P, W, S = len(cfg.params), len(cfg.widths), cfg.seeds
    grid = parallel.Grid(param=range(P), width=range(W), seed=range(S))
    values = parallel.run(cfg, grid.points(), one, seeds=_grandchildren(seeds.runs, P * W, S),
                          desc="sharpness[coord_check]")
    arrays, dims = parallel.stack(values, grid, {"l1": ("step", "coordinate")})
    eta = parallel.stack(values, grid, {"eta": ()})[0]["eta"][:, :, 0]
    arrays.update(widths=np.array(cfg.widths), logs=np.arange(cfg.records), eta=eta,
                  params=np.array(cfg.params), coordinates=np.array(COORDINATES), targets=y)
    dims.update(widths=["width"], logs=["step"], eta=["param", "width"], params=["param"],
                coordinates=["coordinate"], targets=["sample"])
    return arrays, dims


# ---- stability: edge of stability, Gauss-Newton, SGD ---------------------------------------------
def run_eos(cfg, bk, seeds):
    """Cohen et al.'s toy: every run starts from the same init; GD at eta = 2/(c lambda_0) per
    factor c of lrs, and the gradient flow dW/dt = -grad L from that init over the same training
    time t = k eta (:func:`flow_run`)."""
    rng = np.random.default_rng(seeds.data)
    Ws, mults, X, y = net.chebyshev_problem(cfg, rng)
    lam0 = curvature.Curvature(bk, net.state(bk, Ws), mults, bk.asarray(X), bk.asarray(y),
                               cfg.act).top_eig(rng, cfg.lanczos_tol)
    eta = 2 / (np.array(cfg.lrs, float) * lam0)
    logs = np.arange(0, cfg.steps + 1, cfg.log_every)
    flow_logs = np.arange(0, cfg.steps + 1, cfg.flow_log_every)

    def one(point, ss):
        if point == "flow":
            return flow_run(cfg, bk, Ws, mults, X, y, lam0, eta, flow_logs, np.random.default_rng(ss))
        rng = np.random.default_rng(ss)
        st, sharp, loss, _ = train_logged(cfg, bk, Ws, mults, X, y, eta[point], rng, logs)
        check = (fd_check.curvature_check(bk, st, mults, bk.asarray(X), bk.asarray(y), cfg.act, rng)
                 if np.isfinite(loss[-1]) else fd_check.CurvatureCheck(np.nan, np.nan, np.nan))
        return {"sharpness": sharp, "loss": loss, **check._asdict()}

    R = len(cfg.lrs)    # GD seeds: the first R children, as before the flow replaced c = 8
    values = parallel.run(cfg, list(range(R)) + ["flow"], one, seeds=seeds.runs.spawn(R + 1),
                          desc="sharpness[eos]")
    arrays, dims = parallel.stack(values[:R], parallel.Grid(run=cfg.lrs),
                                  {"sharpness": ("step",), "loss": ("step",),
                                   **{k: () for k in fd_check.CurvatureCheck._fields}})
    arrays.update(values[R])
    dims.update({k: ["run", "flow_step"] for k in values[R]})
    arrays.update(factors=np.array(cfg.lrs, float), eta=eta, lambda0=lam0, logs=logs,
                  flow_logs=flow_logs)
    dims.update(factors=["run"], eta=["run"], lambda0=[], logs=["step"], flow_logs=["flow_step"])
    return arrays, dims


def flow_run(cfg, bk, Ws, mults, X, y, lam0, eta, flow_logs, rng) -> dict:
    """The gradient flow from the init ``Ws``, recorded at the times t = k eta_r of every GD run r
    and recorded step k in ``flow_logs`` (one trajectory, sampled where each run is): sharpness,
    loss and time [run, flow_step]. Second-order RKC (:mod:`sims.sharpness.flow`) with steps h <=
    flow_step x min(eta); Lanczos warm-started along the trajectory."""
    Xb, yb = bk.asarray(X), bk.asarray(y)
    times = np.asarray(eta, float)[:, None] * flow_logs[None, :]
    grid, where = np.unique(times.ravel(), return_inverse=True)
    vec = [None]

    def field(st):
        return [-g for g in net.loss_and_grad(bk.xp, st, mults, Xb, yb, cfg.act).grads]

    def measure(st):
        loss = net.loss_and_grad(bk.xp, st, mults, Xb, yb, cfg.act).loss
        if net.diverged(loss):
            return np.nan, loss
        lam, vec[0] = curvature.Curvature(bk, st, mults, Xb, yb, cfg.act).top_eig(
            rng, cfg.lanczos_tol, v0=vec[0], vector=True)
        return lam, loss

    st0 = net.state(bk, Ws)
    lam_0, loss_0 = measure(st0)                       # t = 0 (grid[0], every run's k = 0)
    with np.errstate(all="ignore"):
        out = flow.integrate(field, st0, grid[1:], cfg.flow_step * float(np.min(eta)), lam_0,
                             measure)
    sharp, loss = np.r_[lam_0, out.sharpness], np.r_[loss_0, out.loss]
    return {"flow_sharpness": sharp[where].reshape(times.shape),
            "flow_loss": loss[where].reshape(times.shape), "flow_time": times}


def run_gauss_newton(cfg, bk, seeds):
    """One GD run; at every logged step: lambda_max of H and of J^T J/N (Lanczos), NTK/N (dense)."""
    X, y = net.teacher_data(cfg.d, cfg.n_data, cfg.task, np.random.default_rng(seeds.data))
    rng = np.random.default_rng(seeds.runs)
    Ws, mults, lrf = net.init_net(cfg, cfg.params[0], cfg.widths[0], rng)
    logs = _logs(cfg)

    def extra(st, curv):
        ntk = bk.to_numpy(curvature.empirical_ntk(bk.xp, st, mults, curv.X, cfg.act))
        return (curv.top_eig(rng, cfg.lanczos_tol, gauss_newton=True),
                np.linalg.eigvalsh(ntk)[-1] / cfg.n_data)

    _, sharp, loss, more = train_logged(cfg, bk, Ws, mults, X, y, cfg.lrs[0] * lrf, rng, logs, extra)
    more = np.array(more).reshape(-1, 2)
    pad = lambda a: np.r_[a, np.full(logs.size - a.size, np.nan)]   # noqa: E731
    arrays = {"logs": logs, "sharpness": sharp, "loss": loss, "gn_top": pad(more[:, 0]),
              "ntk_top_over_n": pad(more[:, 1]), "eta": cfg.lrs[0] * lrf}
    return arrays, {**{k: ["step"] for k in arrays}, "eta": []}


def run_sgd_lstsq(cfg, bk, seeds):
    """(1/2N)|Xw - y|^2 with N orthonormal rows in R^cols: GD and SGD (batch B) at each eta; the
    error |X(w_T - w*)| / |X(w_0 - w*)| (only the row-space part of the error can change)."""
    rng = np.random.default_rng(seeds.data)
    Q, _ = np.linalg.qr(rng.standard_normal((cfg.cols, cfg.rows)))
    X = Q.T                                            # rows x cols, X X^T = I
    w_star = rng.standard_normal(cfg.cols)
    y = X @ w_star
    H = X.T @ X / cfg.rows
    w0 = w_star + rng.standard_normal(cfg.cols)        # error e_0 = w0 - w_star
    e0 = np.linalg.norm(X @ (w0 - w_star))
    gd_idx = np.tile(np.arange(cfg.rows), (cfg.steps, 1))
    Xb, yb, wb = bk.asarray(X), bk.asarray(y), bk.asarray(w0)

    def one(lr, ss):
        idx = np.random.default_rng(ss).integers(0, cfg.rows, (cfg.steps, cfg.batch))
        err = np.zeros(2)
        with np.errstate(all="ignore"):
            for j, ix in enumerate((gd_idx, idx)):
                w = bk.to_numpy(net.lstsq_sgd(bk, Xb, yb, wb, lr, ix))
                err[j] = np.linalg.norm(X @ (w - w_star)) / e0
        return {"rel_error": np.where(np.isfinite(err), err, np.inf)}   # overflow: diverged

    values = parallel.run(cfg, cfg.lrs, one, seeds=seeds.runs.spawn(len(cfg.lrs)),
                       desc="sharpness[sgd_lstsq]")
    err = np.stack([v["rel_error"] for v in values], axis=1)
    ev = np.linalg.eigvalsh(H)
    return ({"lrs": np.array(cfg.lrs), "rel_error": err, "lambda_max": ev[-1],
             "trace": np.trace(H), "methods": np.array(["gd", "sgd"])},
            {"lrs": ["lr"], "rel_error": ["method", "lr"], "lambda_max": [], "trace": [],
             "methods": ["method"]})


def run_sgd_net(cfg, bk, seeds):
    """GD and SGD (batch B) on a small net at each eta, from one init per (eta, seed); at the end:
    loss, lambda_max (Lanczos) and tr(H) with its standard error (Hutchinson)."""
    X, y = net.teacher_data(cfg.d, cfg.n_data, cfg.task, np.random.default_rng(seeds.data))
    Xb, yb = bk.asarray(X), bk.asarray(y)

    def one(point, ss):
        k, _ = point
        rng = np.random.default_rng(ss)
        Ws, mults, lrf = net.init_net(cfg, cfg.params[0], cfg.widths[0], rng)
        lr = cfg.lrs[k] * lrf
        idx = rng.integers(0, cfg.n_data, (cfg.steps, cfg.batch))
        out = {key: np.full(2, np.nan) for key in ("loss", "lam", "trace", "trace_se")}
        with np.errstate(all="ignore"):
            finals = (net.gd_steps(bk, net.state(bk, Ws), mults, Xb, yb, cfg.act, lr, cfg.steps),
                      net.sgd_steps(bk, net.state(bk, Ws), mults, Xb, yb, cfg.act, lr, idx))
            for j, st in enumerate(finals):
                st = list(st)
                lo = net.loss_and_grad(bk.xp, st, mults, Xb, yb, cfg.act).loss
                out["loss"][j] = np.inf if net.diverged(lo) else lo
                if net.diverged(lo):
                    continue
                curv = curvature.Curvature(bk, st, mults, Xb, yb, cfg.act)
                out["lam"][j] = curv.top_eig(rng, cfg.lanczos_tol)
                out["trace"][j], out["trace_se"][j] = curv.hutchinson(rng, cfg.probes)
        return {**out, "lrf": lrf}

    R, S = len(cfg.lrs), cfg.seeds
    grid = parallel.Grid(lr=range(R), seed=range(S))
    values = parallel.run(cfg, grid.points(), one, seeds=seeds.runs.spawn(R * S),
                       desc="sharpness[sgd_net]")
    arrays, dims = parallel.stack(values, grid, {k: ("method",) for k in ("loss", "lam", "trace",
                                                                       "trace_se")})
    for k in ("loss", "lam", "trace", "trace_se"):
        arrays[k], dims[k] = arrays[k].transpose(2, 0, 1), ["method", "lr", "seed"]
    arrays.update(lrs=np.array(cfg.lrs) * values[-1]["lrf"], methods=np.array(["gd", "sgd"]))
    dims.update(lrs=["lr"], methods=["method"])
    return arrays, dims


RUNNERS = {"ntk_init": run_ntk_init, "width_sweep": run_width_sweep, "lr_transfer": run_lr_transfer,
           "coord_check": run_coord_check, "eos": run_eos, "gauss_newton": run_gauss_newton, "sgd_lstsq": run_sgd_lstsq,
           "sgd_net": run_sgd_net}
COORDS = {"width": "widths", "step": "logs", "flow_step": "flow_logs", "lr": "lrs", "run": "factors", "param": "params",
          "method": "methods", "coordinate": "coordinates"}


class Seeds(NamedTuple):
    """The seed tree of every kind: ``SeedSequence(seed).spawn(2)`` = the data and the runs (each
    runner spawns its runs' seeds from the second)."""

    data: np.random.SeedSequence
    runs: np.random.SeedSequence


def seeds_of(config: SharpnessConfig) -> Seeds:
    return Seeds(*parallel.seeds_for(config, 2))


def simulate(config: SharpnessConfig, run: RunContext) -> Result:
    """Run one experiment of kind ``config.kind`` (see RUNNERS); the master seed spawns [data, runs].

    Returns, by kind (dims in brackets):
    ``ntk_init``: err_max, err_rms [width, seed] (max / RMS entry error of the empirical NTK vs
    Theta_inf), ntk_emp [width, seed, sample, sample_], ntk_theory [sample, sample_], X [feature,
    sample], widths [width].
    ``width_sweep``: sharpness (lambda_max(H)), loss, feature_move [param, width, seed, step];
    eta [param, width]; widths, logs, params.
    ``lr_transfer``: final_loss [param, width, lr, seed] (inf: diverged); widths, lrs, params.
    ``coord_check``: l1 [param, width, seed, step, coordinate] (mup's mean |x| of z, h, f, dz, dh,
    df: ``coordinates``; step = GD steps done, mup's t = step + 1); eta [param, width]; widths,
    logs, params, coordinates; targets [sample].
    ``eos``: sharpness, loss [run, step] (GD); factors, eta [run]; lambda0 []; logs; the gradient
    flow from the same init at t = k eta_r of each run r: flow_sharpness, flow_loss, flow_time
    [run, flow_step] (k in flow_logs); at each GD run's last state the curvature against a finite
    difference of the gradient (:mod:`sims.sharpness.fd_check`): hvp_fd_gap, gn_fd_gap, fd_spread
    [run].
    ``gauss_newton``: sharpness, gn_top (lambda_max(J^T J/N)), ntk_top_over_n, loss [step]; eta [].
    ``sgd_lstsq``: rel_error [method, lr] (method gd, sgd; inf: overflowed); lambda_max, trace [];
    lrs, methods.
    ``sgd_net``: loss, lam, trace, trace_se [method, lr, seed]; lrs (actual eta), methods.
    """
    arrays, dims = RUNNERS[config.kind](config, run.backend, seeds_of(config))
    coords = {d: a for d, a in COORDS.items() if a in arrays and any(d in v for v in dims.values())}
    return make_result(config, arrays, dims, coords=coords)
