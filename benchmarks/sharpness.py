"""Sharpness benchmark: full-batch GD steps of the width-sweep and EoS nets, and the Hessian-vector
product that Lanczos applies at each logged state; then the HVP / gradient cost ratios.

Run: ``python -m benchmarks.sharpness [--size quick|paper|both]`` (or ``python -m benchmarks``).

Cases (float64, tanh): the muP 2-layer net of the width sweep (d = 8, N = 32 as in the quick and
paper profiles; width 1024, the quick profile's largest, and 4096, the paper's) and the deep
bias-free EoS variant 1-100-100-1 (N = 20, Xavier; the eos experiment's defaults are Cohen et al.'s
shallower 1-100-1 net with a bias, timed as a whole run below). The PyTorch peers are written as a researcher would: the GD peer takes
each step's gradient from ``loss.backward()`` and updates under ``no_grad``; the HVP peer is the
double backward, ``g = autograd.grad(loss, W, create_graph=True)`` then ``autograd.grad(g . v, W)``.
Like the suite's Lanczos operator (which computes the V-independent pass once per state,
``sims.sharpness.curvature_primal``), the peer builds g once per state and keeps its graph
(``retain_graph``); Cohen et al.'s ``compute_hvp`` rebuilds it for every product, which costs more
(the "torch rebuilt" column of the ratio table).

Flop counts only for the EoS net, whose (100 x 100) x (100 x 20) products are 98% of its work: the
width-sweep net is not GEMM-bound (d = 8 and N = 32 make every product thin, so element-wise work
and outer products dominate), and a GEMM fraction there would mislead.
"""
from __future__ import annotations

import argparse

import numpy as np
from array_api_compat import numpy as xnp

from benchmarks.common import row, timeit
from benchmarks.suite import Case, main_for
from sims import sharpness as sh
from sims.backend import get_backend

GD_STEPS = {"sweep": 20, "eos": 50}           # GD steps per timed call
WIDTHS = {"quick": 1024, "paper": 4096}


def _net(kind: str, n: int = 100, param: str = "mup"):
    """(Ws, mults, X, y, lr, V): a width-sweep net (the profiles' data sizes) or the EoS net."""
    rng = np.random.default_rng(0)
    if kind == "eos":
        cfg = sh.SharpnessConfig(kind="eos", gains=(1.9, 1.0, 1.0), depth=3, bias=False)
        X, y = sh.chebyshev_data(cfg.n_data)
        param, lr = "standard", 0.05               # lr is immaterial to the cost
    else:
        depth = 3 if kind == "deep" else 2
        cfg = sh.SharpnessConfig(params=(param,), depth=depth, widths=(n,), base_width=16, d=8, n_data=32)
        X, y = sh.teacher_data(cfg.d, cfg.n_data, "regression", rng)
        lr = 2.0                                    # the width sweep's base lr, times the lr factor
    Ws, mults, lrf = sh.init_net(cfg, param, cfg.widths[0], rng)
    V = [rng.standard_normal(W.shape) for W in Ws]
    return Ws, mults, X, y, lr * lrf, V


def _torch_forward(torch, Ws, mults, X):
    h = X
    for l, W in enumerate(Ws):
        z = mults[l] * (W @ h)
        h = torch.tanh(z) if l < len(Ws) - 1 else z
    return h[0]


def _gd_suite(kind, n):
    def make(backend):
        bk = get_backend(backend)
        Ws, m, X, y, lr, _ = _net(kind, n)
        Ws, X, y = [bk.asarray(W) for W in Ws], bk.asarray(X), bk.asarray(y)
        return lambda: sh.gd_steps(bk, Ws, m, X, y, "tanh", lr, GD_STEPS[kind])
    return make


def _gd_torch(kind, n):
    def make(device):
        import torch
        Ws0, m, X, y, lr, _ = _net(kind, n)
        W0 = [torch.tensor(W, device=device) for W in Ws0]
        X, y = torch.tensor(X, device=device), torch.tensor(y, device=device)

        def run():
            Ws = [W.clone().requires_grad_() for W in W0]
            for _ in range(GD_STEPS[kind]):
                loss = ((_torch_forward(torch, Ws, m, X) - y) ** 2).sum() / (2 * y.shape[0])
                loss.backward()
                with torch.no_grad():
                    for W in Ws:
                        W -= lr * W.grad
                        W.grad = None
            return Ws
        return run
    return make


def _hvp_suite(kind, n):
    def make(backend):
        bk = get_backend(backend)
        Ws, m, X, y, _, V = _net(kind, n)
        Ws, X, y, V = ([bk.asarray(a) for a in Ws], bk.asarray(X), bk.asarray(y),
                       [bk.asarray(a) for a in V])
        primal = sh.curvature_primal(bk, Ws, m, X, y, "tanh")      # once per state, as in Lanczos
        return lambda: sh.hvp(bk, Ws, m, X, y, "tanh", V, False, primal)
    return make


def _torch_hvp(kind, n, device, rebuild=False):
    """The double-backward HVP; the gradient graph built once per state unless ``rebuild``."""
    import torch
    Ws0, m, X, y, _, V = _net(kind, n)
    Ws = [torch.tensor(W, device=device, requires_grad=True) for W in Ws0]
    V = [torch.tensor(v, device=device) for v in V]
    X, y = torch.tensor(X, device=device), torch.tensor(y, device=device)

    def grad():
        loss = ((_torch_forward(torch, Ws, m, X) - y) ** 2).sum() / (2 * y.shape[0])
        return torch.autograd.grad(loss, Ws, create_graph=True)

    g = grad()

    def product():
        gg = grad() if rebuild else g
        return torch.autograd.grad(sum((a * v).sum() for a, v in zip(gg, V)), Ws,
                                   retain_graph=not rebuild)
    return product


def _hvp_torch(kind, n):
    return lambda device: _torch_hvp(kind, n, device)


def cases(size: str) -> list[Case]:
    n = WIDTHS[size]
    sweep = f"muP 2-layer tanh n={n}, d=8, N=32"
    out = [Case("sharpness", f"GD step, {sweep}", size, GD_STEPS["sweep"], "step",
                _gd_suite("sweep", n), _gd_torch("sweep", n)),
           Case("sharpness", f"HVP (Lanczos product), {sweep}", size, 1, "HVP",
                _hvp_suite("sweep", n), _hvp_torch("sweep", n))]
    if size == "quick":                             # the EoS net is the same in both profiles
        eos, gemm = "EoS net 1-100-100-1, N=20", 2.0 * 100 * 100 * 20
        out += [Case("sharpness", f"GD step, {eos}", size, GD_STEPS["eos"], "step",
                     _gd_suite("eos", 100), _gd_torch("eos", 100),
                     flops=GD_STEPS["eos"] * 3 * gemm),
                Case("sharpness", f"HVP (Lanczos product), {eos}", size, 1, "HVP",
                     _hvp_suite("eos", 100), _hvp_torch("eos", 100), flops=6 * gemm)]
        # flops: the (100 x 100) x (100 x 20) products, 98% of the work: a GD step has 3 (W_2 h_1,
        # delta_2 h_1^T, W_2^T delta_2), an HVP from the cached state pass 6 (V_2 h_1, W_2 R{h_1},
        # [R{delta_2} delta_2][h_1 R{h_1}]^T counts 2, W_2^T R{delta_2}, V_2^T delta_2)
    return out


# ---- the HVP / gradient cost ratios ---------------------------------------------------------
def ratio_nets(sizes) -> list[tuple[str, str, int]]:
    nets = [("muP 2-layer n=1024, d=8, N=32", "sweep", 1024), ("EoS 1-100-100-1, N=20", "eos", 100),
            ("muP 3-layer n=512, d=8, N=32", "deep", 512)]
    if "paper" in sizes:
        nets.append(("muP 2-layer n=4096, d=8, N=32", "sweep", 4096))
    return nets


def ratios(label, kind, n, with_torch=True) -> None:
    """Gradient time and HVP / gradient cost ratios on numpy (generic), numba and PyTorch. The numba
    gradient is one compiled GD step (amortised over 20; the update is O(P), <3% of it)."""
    Ws, m, X, y, _, V = _net(kind, n)
    nb = get_backend("numba")
    cells = []
    for hvp, primal, grad in (
            (lambda *a: sh.hvp.generic(xnp, *a), lambda *a: sh.curvature_primal.generic(xnp, *a),
             lambda: sh.loss_and_grad(xnp, Ws, m, X, y, "tanh")),
            (lambda *a: sh.hvp(nb, *a), lambda *a: sh.curvature_primal(nb, *a),
             lambda: sh.gd_steps(nb, Ws, m, X, y, "tanh", 0.0, 20))):
        tg = timeit(grad) / (20 if len(cells) else 1)
        ph, pg = primal(Ws, m, X, y, "tanh"), primal(Ws, m, X, y, "tanh", True)
        th = timeit(lambda: hvp(Ws, m, X, y, "tanh", V))
        tl = timeit(lambda: hvp(Ws, m, X, y, "tanh", V, False, ph))
        tn = timeit(lambda: hvp(Ws, m, X, y, "tanh", V, True, pg))
        cells += [f"{tg * 1e6:,.0f}", f"{th / tg:.2f}x", f"{tl / tg:.2f}x", f"{tn / tg:.2f}x"]
    from benchmarks.suite import torch_available
    if with_torch and torch_available():
        import torch
        tws = [torch.tensor(W, requires_grad=True) for W in Ws]
        tX, ty = torch.tensor(X), torch.tensor(y)
        tg = timeit(lambda: torch.autograd.grad(
            ((_torch_forward(torch, tws, m, tX) - ty) ** 2).sum() / (2 * len(y)), tws))
        tl = timeit(_torch_hvp(kind, n, "cpu"))
        th = timeit(_torch_hvp(kind, n, "cpu", rebuild=True))
        cells += [f"{tg * 1e6:,.0f}", f"{th / tg:.2f}x", f"{tl / tg:.2f}x"]
    row(label, *cells)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=("quick", "paper", "both"), default="both")
    args = ap.parse_args(argv)
    main_for(cases, ["--size", args.size])
    sizes = ("quick", "paper") if args.size == "both" else (args.size,)
    print("\nHVP / gradient cost (median of 5; 'alone' includes the V-independent pass, 'Lanczos' "
          "reuses it per state, GN = Gauss-Newton product):\n")
    ratio_cols = ["HVP alone", "HVP Lanczos", "GN Lanczos"]
    row("", "numpy grad us", *ratio_cols, "numba grad us", *ratio_cols, "torch grad us",
        "torch rebuilt", "torch Lanczos")
    for label, kind, n in ratio_nets(sizes):
        ratios(label, kind, n)


if __name__ == "__main__":
    main()


# Whole runs (benchmarks/whole_runs.py): the width sweep and the edge-of-stability runs.
PEER = "benchmarks.sharpness:whole_run_torch"
WHOLE_RUNS = {"quick": [("width_sweep", {}), ("eos", {})],
              "paper": [("width_sweep", {}, PEER), ("eos", {}, PEER)]}


def whole_run_torch(row) -> float:
    """Seconds of the whole experiment in PyTorch as Cohen et al.'s code does it: per run the
    suite's init and data, full-batch GD with autograd gradients, and at every logged step the
    loss and the Hessian's top eigenvalue by ARPACK Lanczos (``scipy.sparse.linalg.eigsh``,
    which='LA', warm-started from the previous eigenvector, the suite's tolerance) on
    Hessian-vector products by double backward (width_sweep also the feature movement); eos's
    lambda_0 first, then its GD runs and its gradient flow (the suite's RKC2 steps on autograd
    gradients); runs one after another on torch's threads over every core."""
    import time

    import torch
    from scipy.sparse.linalg import LinearOperator, eigsh

    from sims.sharpness import net, run as ex
    from sims.threads import available_cores
    c = row.config()
    torch.set_num_threads(available_cores())
    act = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z}[c.act]
    seeds = ex.seeds_of(c)

    def f(Ws, mults, X):
        h, hidden = X, None
        for l, W in enumerate(Ws):
            z = mults[l] * (W @ h)
            if l < len(Ws) - 1:
                h = act(z)
                hidden = h if hidden is None else hidden
        return z, hidden

    def loss_of(Ws, mults, X, y):
        return ((f(Ws, mults, X)[0] - y[None, :]) ** 2).sum() / (2 * X.shape[1])

    def top_eig(Ws, mults, X, y, rng, v0):
        Ws = [W.detach().requires_grad_() for W in Ws]
        grads = torch.autograd.grad(loss_of(Ws, mults, X, y), Ws, create_graph=True)
        sizes = [W.numel() for W in Ws]

        def hvp(v):
            vs = torch.split(torch.from_numpy(np.ravel(v).copy()), sizes)
            dot = sum((g * u.view_as(g)).sum() for g, u in zip(grads, vs))
            return torch.cat([h.reshape(-1) for h in torch.autograd.grad(
                dot, Ws, retain_graph=True)]).numpy()
        P = sum(sizes)
        start = rng.standard_normal(P) if v0 is None else v0
        vals, vecs = eigsh(LinearOperator((P, P), matvec=hvp, dtype=np.float64), k=1,
                           which="LA", v0=start, tol=c.lanczos_tol, ncv=min(P - 1, 20))
        return float(vals[-1]), vecs[:, -1]

    def train(Ws0, mults, Xh, yh, lr, rng, logs, move=False):
        X, y = torch.tensor(Xh), torch.tensor(yh)
        Ws = [torch.tensor(W).requires_grad_() for W in Ws0]
        h0 = f(Ws, mults, X)[1].detach() if move else None
        done, vec = 0, None
        for t in logs:
            for _ in range(int(t) - done):
                grads = torch.autograd.grad(loss_of(Ws, mults, X, y), Ws)
                with torch.no_grad():
                    for W, g in zip(Ws, grads):
                        W -= lr * g
            done = int(t)
            loss = loss_of(Ws, mults, X, y).item()
            if not np.isfinite(loss) or loss > 1e10:
                break
            _, vec = top_eig(Ws, mults, X, y, rng, vec)
            if move:
                with torch.no_grad():
                    _ = ((f(Ws, mults, X)[1] - h0).norm() / h0.norm()).item()

    def flow_torch(Ws0, mults, Xh, yh, eta, lam0, rng):
        """The suite's gradient flow (the same RKC2 steps, sims.sharpness.flow) on autograd
        gradients, with Lanczos at every recorded time t = k eta."""
        from sims.sharpness import flow
        X, y = torch.tensor(Xh), torch.tensor(yh)
        times = np.unique((eta[:, None] * np.arange(0, c.steps + 1, c.flow_log_every))[:, 1:])
        vec = [None]

        def field(Ws):
            Ws = [W.detach().requires_grad_() for W in Ws]
            return [-g for g in torch.autograd.grad(loss_of(Ws, mults, X, y), Ws)]

        def measure(Ws):
            lam, vec[0] = top_eig(Ws, mults, X, y, rng, vec[0])
            return lam, loss_of(Ws, mults, X, y).item()

        flow.integrate(field, [torch.tensor(W) for W in Ws0], times,
                       c.flow_step * float(np.min(eta)), lam0, measure)

    start = time.perf_counter()
    if c.kind == "eos":
        rng = np.random.default_rng(seeds.data)
        Ws, mults, X, y = net.chebyshev_problem(c, rng)
        lam0 = top_eig([torch.tensor(W) for W in Ws], mults, torch.tensor(X), torch.tensor(y),
                       rng, None)[0]
        eta = 2 / (np.array(c.lrs, float) * lam0)
        logs = np.arange(0, c.steps + 1, c.log_every)
        kids = seeds.runs.spawn(len(c.lrs) + 1)
        for lr, ss in zip(eta, kids):
            train(Ws, mults, X, y, lr, np.random.default_rng(ss), logs)
        flow_torch(Ws, mults, X, y, eta, lam0, np.random.default_rng(kids[-1]))
    elif c.kind == "width_sweep":
        X, y = net.teacher_data(c.d, c.n_data, c.task, np.random.default_rng(seeds.data))
        logs = ex._logs(c)
        kids = iter(ex._grandchildren(seeds.runs, len(c.params) * len(c.widths), c.seeds))
        for p in c.params:
            for width in c.widths:
                for _ in range(c.seeds):
                    rng = np.random.default_rng(next(kids))
                    Ws, mults, lrf = net.init_net(c, p, width, rng)
                    train(Ws, mults, X, y, c.lrs[0] * lrf, rng, logs, move=True)
    else:
        raise ValueError(f"no whole-run peer for kind {c.kind!r}")
    return time.perf_counter() - start
