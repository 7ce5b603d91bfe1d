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
PEER = "benchmarks.neuron_alignment:whole_run_torch"
WHOLE_RUNS = {"quick": [("n_mu_sweep", {}), ("base", {})],
              "paper": [("n_mu_sweep", {}, PEER), ("base", {}, PEER)]}


def whole_run_torch(row) -> float:
    """Seconds of the whole experiment in PyTorch: every (n, mu, eps) point on the suite's data
    and init, the same RK4 in the time change tau with each field from autograd (as the per-step
    peer), and per step what the suite records (loss; every neuron's cosine to its centre,
    activation pattern and alignment flag; the balancedness drift), until t_end or the stop
    loss; grid points one after another on torch's threads over every core."""
    import math
    import time

    import torch

    from sims.neuron_alignment import model, run
    from sims.threads import available_cores
    c = row.config()
    torch.set_num_threads(available_cores())
    seeds = run.seeds_of(c)
    W0dir, v0sign = model.make_init(c.width, c.d, 1.0, np.random.default_rng(seeds.init))
    start = time.perf_counter()
    for n in c.n:
        for mu in c.mu:
            Xh, yh = model.make_data(n, c.d, mu, np.random.default_rng(seeds.data))
            X, y = torch.tensor(Xh), torch.tensor(yh)
            pos = y > 0
            xc = [X[pos].sum(0), X[~pos].sum(0)]
            scale = na.loss_scale(c, n)
            lam = scale * max(float(v.norm()) for v in xc)
            for eps in c.eps:
                W, v = torch.tensor(eps * W0dir), torch.tensor(eps * v0sign)

                def field(W, v):
                    W, v = W.detach().requires_grad_(), v.detach().requires_grad_()
                    loss = scale * torch.exp(-y * (torch.relu(X @ W.T) @ v)).sum()
                    gW, gv = torch.autograd.grad(loss, (W, v))
                    return -gW, -gv, loss.item()
                loss0 = field(W, v)[2]
                bal0 = v * v - (W * W).sum(1)
                t, dtau = 0.0, c.step / lam
                for k in range(c.max_steps + 1):
                    with torch.no_grad():
                        norms = W.norm(dim=1).clamp_min(1e-300)
                        cos = [W @ x / (norms * x.norm()) for x in xc]
                        act = (X @ W.T) > 0
                        ok = (~act.any(0) | ((v > 0) & (act == pos[:, None]).all(0)
                                             & (cos[0] >= 0.99))
                              | ((v < 0) & (act == ~pos[:, None]).all(0) & (cos[1] >= 0.99)))
                        _ = (ok.all().item(), ok.double().mean().item(),
                             (v * v - (W * W).sum(1) - bal0).abs().max().item())
                    if k == c.max_steps:
                        break
                    stages, Wk, vk, dt = [], W, v, 0.0
                    for f in (0.0, 0.5, 0.5, 1.0):
                        if stages:
                            Wk, vk = W + f * dtau * stages[-1][0], v + f * dtau * stages[-1][1]
                        a, b, lo = field(Wk, vk)
                        sp = model.speed(lo, loss0)
                        stages.append((sp * a, sp * b, sp, lo))
                    w6 = (1, 2, 2, 1)
                    W = W + dtau / 6 * sum(q * st[0] for q, st in zip(w6, stages))
                    v = v + dtau / 6 * sum(q * st[1] for q, st in zip(w6, stages))
                    t += dtau / 6 * sum(q * st[2] for q, st in zip(w6, stages))
                    if t >= c.t_end or stages[0][3] <= c.stop_loss * loss0 or not math.isfinite(t):
                        break
    return time.perf_counter() - start
