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
    cfg = nc.Config(counts=counts, d=d, depths=(M,))
    return nc.init_state(cfg, np.asarray(counts), M, np.random.default_rng(0))


def _suite(counts, d, M):
    def make(backend):
        bk = get_backend(backend)
        H, Ws, Wout, b, Y = (bk.asarray(a) for a in _state(counts, d, M))
        vel = [bk.xp.zeros_like(a) for a in (H, Ws, Wout, b)]
        return lambda: nc.gd_chunk(bk, H, Ws, Wout, b, *vel, Y, LR, MU, LAM, LAM, 0.0, False,
                                   False, STEPS)
    return make


def _torch(counts, d, M):
    def make(device):
        import torch
        H, Ws, Wout, _, Y = (torch.tensor(a, dtype=torch.float64, device=device)
                             for a in _state(counts, d, M))
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
WHOLE_RUNS = {"quick": [("balanced", {}), ("sweep", {})],
              "paper": [("imbalanced", {"max_steps": 20000}), ("sweep", {"max_steps": 20000})]}
