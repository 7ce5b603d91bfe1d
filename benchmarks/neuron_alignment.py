"""Neuron-alignment benchmark: one RK4 step of the gradient flow (four field evaluations).

Run: ``python -m benchmarks.neuron_alignment`` (or ``python -m benchmarks`` for every simulator).
The PyTorch peer integrates the same flow with the same RK4 and time change, taking each field
evaluation from autograd (``torch.autograd.grad`` of the exponential loss).
"""
from __future__ import annotations

import numpy as np

from benchmarks.suite import Case, main_for
from sims import neuron_alignment as na
from sims.backend import get_backend

SIZES = {"quick": (20, 24, 60), "paper": (100, 128, 2000)}   # (n, d, width) of base experiments


def _problem(n, d, h):
    rng = np.random.default_rng(0)
    X, y = na.make_data(n, d, 0.3, rng)
    W, v = na.make_init(h, d, 1e-3, rng)
    return X, y, W, v


def _suite(n, d, h):
    def make(backend):
        bk = get_backend(backend)
        X, y, W, v = (bk.asarray(a) for a in _problem(n, d, h))
        return lambda: na.rk4_step(bk, X, y, W, v, 0.01, float(n), 1.0 / n, False)
    return make


def _torch(n, d, h):
    def make(device):
        import torch
        X, y, W, v = (torch.tensor(a, dtype=torch.float64, device=device) for a in _problem(n, d, h))

        def field(W, v):
            W, v = W.detach().requires_grad_(), v.detach().requires_grad_()
            loss = torch.exp(-y * (torch.relu(X @ W.T) @ v)).sum() / n
            gW, gv = torch.autograd.grad(loss, (W, v))
            c = na.speed(loss.item(), float(n))
            return -c * gW, -c * gv, c

        def step():
            dtau = 0.01
            a1, b1, c1 = field(W, v)
            a2, b2, c2 = field(W + 0.5 * dtau * a1, v + 0.5 * dtau * b1)
            a3, b3, c3 = field(W + 0.5 * dtau * a2, v + 0.5 * dtau * b2)
            a4, b4, c4 = field(W + dtau * a3, v + dtau * b3)
            return (W + dtau / 6 * (a1 + 2 * a2 + 2 * a3 + a4),
                    v + dtau / 6 * (b1 + 2 * b2 + 2 * b3 + b4), dtau / 6 * (c1 + 2 * c2 + 2 * c3 + c4))
        return step
    return make


def cases(size: str) -> list[Case]:
    n, d, h = SIZES[size]
    return [Case("neuron_alignment", f"RK4 step, n={n}, d={d}, width={h}", size, 1, "step",
                 _suite(n, d, h), _torch(n, d, h), flops=16.0 * n * d * h)]
    # flops: 4 field evaluations, each two (n x d x h) GEMMs (X W^T and (1[Z>0] r)^T X)


if __name__ == "__main__":
    main_for(cases)


# Whole runs (benchmarks/whole_runs.py): every paper experiment is a minute or less, so whole.
WHOLE_RUNS = {"quick": [("n_mu_sweep", {}), ("base", {})],
              "paper": [("n_mu_sweep", {}), ("base", {})]}
