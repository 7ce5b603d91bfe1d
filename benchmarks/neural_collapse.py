"""Neural-collapse benchmark: full-batch heavy-ball GD steps on the unconstrained-feature model
and deep linear heads (MSE with weight decay).

Run: ``python -m benchmarks.neural_collapse`` (or ``python -m benchmarks``). The PyTorch peer holds
H, W_1..W_{M-1}, W_out as parameters, builds the same regularised loss, calls ``backward()`` and
steps ``torch.optim.SGD(momentum=0.9)``, which is the same heavy-ball recursion.
"""
from __future__ import annotations

import numpy as np

from benchmarks.suite import Case, main_for
from sims import neural_collapse as nc
from sims.backend import get_backend

STEPS = 100
LR, MU, LAM = 0.02, 0.9, 5e-3
SIZES = {"quick": [((20,) * 4, 8, 1), ((20,) * 4, 8, 3)],          # config/quick: K=4, N=80, d=8
         "paper": [((100,) * 4, 64, 1), ((100,) * 4, 64, 3)]}       # config/paper: N=400, d=64


def _state(counts, d, M):
    cfg = nc.NeuralCollapseConfig(counts=counts, d=d, depths=(M,))
    return nc.init_state(cfg, np.asarray(counts), M, np.random.default_rng(0))


def _suite(counts, d, M):
    def make(backend):
        bk = get_backend(backend)
        init = _state(counts, d, M)
        p, Y = nc.Params(*(bk.asarray(a) for a in init.params)), bk.asarray(init.Y)
        vel = nc.Params(*(bk.xp.zeros_like(a) for a in p))
        hp = nc.Hyper(LR, MU, LAM, LAM, 0.0, "mse", False)
        return lambda: nc.gd_chunk(bk, p, vel, Y, hp, STEPS)
    return make


def _torch(counts, d, M):
    def make(device):
        import torch
        init = _state(counts, d, M)
        H, Ws, Wout, _, Y = (torch.tensor(a, dtype=torch.float64, device=device)
                             for a in (*init.params, init.Y))
        params = [H, *Ws, Wout]
        for p in params:
            p.requires_grad_()
        opt = torch.optim.SGD(params, lr=LR, momentum=MU)
        N = Y.shape[1]

        def chunk():
            for _ in range(STEPS):
                opt.zero_grad()
                F = params[0]
                for W in params[1:-1]:
                    F = W @ F
                loss = ((params[-1] @ F - Y) ** 2).sum() / (2 * N) + LAM / 2 * (
                    (H**2).sum() + sum((W**2).sum() for W in params[1:]))
                loss.backward()
                opt.step()
            return loss.item()
        return chunk
    return make


def cases(size: str) -> list[Case]:
    return [Case("neural_collapse", f"GD step, K=4, N={sum(c)}, d={d}, depth M={M}", size, STEPS,
                 "step", _suite(c, d, M), _torch(c, d, M), flops=STEPS * _flops(c, d, M))
            for c, d, M in SIZES[size]]


def _flops(counts, d, M):
    """Per step: each hidden layer's forward product and its two backward products (6 d^2 N), the
    same three for the K x d head (6 K d N)."""
    N, K = sum(counts), len(counts)
    return (M - 1) * 6 * d * d * N + 6 * K * d * N


if __name__ == "__main__":
    main_for(cases)


# Whole runs (benchmarks/whole_runs.py): GD to convergence at quick size; paper sizes, step-capped.
PEER = "benchmarks.neural_collapse:whole_run_torch"
WHOLE_RUNS = {"quick": [("balanced", {}), ("sweep", {})],
              "paper": [("imbalanced", {"max_steps": 20000}, PEER),
                        ("sweep", {"max_steps": 20000}, PEER)]}


def _nc_torch(torch, F, C, Y, counts):
    """NC1-NC3 of features F under classifier C, as the suite's ``nc_metrics`` defines them."""
    K, N = Y.shape
    means = (F @ Y.T) / counts[None, :]
    cen = means - means.mean(1, keepdim=True)
    within = F - means @ Y
    nc1 = torch.trace((within @ within.T / N) @ torch.linalg.pinv(cen @ cen.T / K)) / K
    gram = cen.T @ cen
    etf = torch.eye(K, dtype=F.dtype) - 1.0 / K
    nc2 = (gram / gram.norm() - etf / etf.norm()).norm()
    nc3 = (C.T / C.norm() - means / means.norm()).norm()
    return nc1.item(), nc2.item(), nc3.item()


def whole_run_torch(row) -> float:
    """Seconds of the whole experiment in PyTorch: every (depth, ratio) run from the suite's init,
    H, W_1..W_{M-1}, W_out as parameters, the MSE loss with weight decay and ``backward()``,
    ``torch.optim.SGD(momentum)`` (the same heavy-ball recursion), and at the suite's log-spaced
    marks the full gradient norm (stop below tol) and NC1-NC3; at the end NC1-NC3 at every layer;
    runs one after another on torch's threads over every core."""
    import time

    import torch

    from sims.neural_collapse import run
    from sims.threads import available_cores
    c = row.config()
    if c.loss != "mse" or c.bias:
        raise ValueError("the peer is the MSE model without bias")
    torch.set_num_threads(available_cores())
    runs = run.runs_of(c)
    marks = np.unique(np.round(np.geomspace(1, c.max_steps, c.records)).astype(int))
    start = time.perf_counter()
    for (M, ratio), seed in zip(runs, run.seeds_of(c)):
        counts = run.class_counts(c, ratio)
        init = run.init_state(c, counts, M, np.random.default_rng(seed))
        H, Ws, Wout, _, Y = (torch.tensor(a) for a in (*init.params, init.Y))
        cnt = torch.tensor(counts, dtype=torch.float64)
        params = [H, *Ws, Wout]
        for q in params:
            q.requires_grad_()
        opt = torch.optim.SGD(params, lr=c.lr, momentum=c.momentum)
        N = Y.shape[1]

        def loss_fn():
            F = params[0]
            for W in params[1:-1]:
                F = W @ F
            return ((params[-1] @ F - Y) ** 2).sum() / (2 * N) + 0.5 * (
                c.lambda_H * (params[0] ** 2).sum()
                + c.lambda_W * sum((W ** 2).sum() for W in params[1:]))
        done = 0
        for t in marks:
            for _ in range(int(t) - done):
                opt.zero_grad()
                loss_fn().backward()
                opt.step()
            done = int(t)
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            gnorm = torch.sqrt(sum((q.grad ** 2).sum() for q in params)).item()
            with torch.no_grad():
                C = params[-1]
                for W in reversed(params[1:-1]):
                    C = C @ W
                _nc_torch(torch, params[0], C, Y, cnt)
            if gnorm < c.tol:
                break
        with torch.no_grad():
            feats = [params[0]]
            for W in params[1:-1]:
                feats.append(W @ feats[-1])
            C = params[-1]
            for l in range(len(feats) - 1, -1, -1):
                _nc_torch(torch, feats[l], C, Y, cnt)
                if l:
                    C = C @ params[l]
    return time.perf_counter() - start
