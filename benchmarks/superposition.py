"""Superposition benchmark: AdamW steps of the toy model y = ReLU(x W W^T + b) on fresh batches.

Run: ``python -m benchmarks.superposition`` (or ``python -m benchmarks``). The PyTorch peer is the
model as a researcher writes it: W and b as parameters, the MSE loss, ``backward()``, and
``torch.optim.AdamW`` (weight decay on W only). Timed in the weak regime (gamma = +1), whose decay
is exactly AdamW's; the strong regime's row-norm decay costs the same O(n m) per step.
"""
from __future__ import annotations

import numpy as np

from benchmarks.suite import Case, main_for
from sims import superposition as sp
from sims.backend import get_backend

STEPS, LR, GAMMA = 50, 1e-3, 1.0
SIZES = {"quick": (512, 64, 256), "paper": (1000, 128, 2048)}      # (n, m, batch)


def _problem(n, m, B):
    rng = np.random.default_rng(0)
    X = sp.draw(rng, sp.probabilities(n, 1.2, 1.0), (STEPS, B))
    W = rng.standard_normal((n, m)) / np.sqrt(m)
    return X, W, np.zeros(n)


def _suite(n, m, B):
    def make(backend):
        bk = get_backend(backend)
        X, W, b = (bk.asarray(a) for a in _problem(n, m, B))
        st = (W, b, bk.xp.zeros_like(W), bk.xp.zeros_like(W), bk.xp.zeros_like(b),
              bk.xp.zeros_like(b))
        lrs = np.full(STEPS, LR)
        return lambda: sp.train_chunk(bk, *st, X, lrs, 0, GAMMA, 0.9, 0.999, 1e-8)
    return make


def _torch(n, m, B):
    def make(device):
        import torch
        X, W, b = (torch.tensor(a, device=device) for a in _problem(n, m, B))

        def chunk():
            Wp, bp = W.clone().requires_grad_(), b.clone().requires_grad_()
            opt = torch.optim.AdamW([{"params": [Wp], "weight_decay": GAMMA},
                                     {"params": [bp], "weight_decay": 0.0}], lr=LR)
            losses = []
            for t in range(STEPS):
                opt.zero_grad()
                loss = ((torch.relu(X[t] @ Wp @ Wp.T + bp) - X[t]) ** 2).mean()
                loss.backward()
                opt.step()
                losses.append(loss.detach())
            return Wp, bp, torch.stack(losses)
        return chunk
    return make


def cases(size: str) -> list[Case]:
    n, m, B = SIZES[size]
    return [Case("superposition", f"AdamW step, n={n}, m={m}, batch={B}", size, STEPS, "step",
                 _suite(n, m, B), _torch(n, m, B), flops=STEPS * 10.0 * B * n * m)]
    # flops: forward x W and h W^T, backward G^T h, G W and x^T (G W): five (B x n x m) products


if __name__ == "__main__":
    main_for(cases)


# Whole runs (benchmarks/whole_runs.py): both regimes; paper sizes with a tenth of the steps.
WHOLE_RUNS = {"quick": [("strong", {}), ("weak", {})],
              "paper": [("weak", {"steps": 2000})]}
