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
        st = sp.AdamWState(W, b, bk.xp.zeros_like(W), bk.xp.zeros_like(W), bk.xp.zeros_like(b),
                           bk.xp.zeros_like(b))
        lrs = np.full(STEPS, LR)

        def chunk():        # (W, b, mW, vW, mb, vb, losses)
            state, losses = sp.train_chunk(bk, st, X, lrs, 0, GAMMA, 0.9, 0.999, 1e-8)
            return (*state, losses)
        return chunk
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


# Whole runs (benchmarks/whole_runs.py): both regimes; paper sizes with a tenth of the steps and
# one replicate (the peer trains one), with the whole-run PyTorch peer.
WHOLE_RUNS = {"quick": [("strong", {}), ("weak", {})],
              "paper": [("weak", {"steps": 2000, "seeds": 1},
                         "benchmarks.superposition:whole_run_torch")]}


def whole_run_torch(row) -> float:
    """Seconds of the whole weak-regime run in PyTorch as a researcher writes it: per width, W and
    b as parameters, the init evaluated on the held-out samples, ``torch.optim.AdamW`` (weight
    decay gamma on W, none on b) with the warm-up + cosine schedule, one fresh batch per step
    (the same for every width, drawn on the CPU as the suite's), the batch loss kept at every step,
    then the held-out loss, the row norms and the overlaps; float64, same sizes as the row."""
    import time

    import torch

    from sims.registry import get_simulator
    from sims.threads import default_threads
    sim = get_simulator("superposition")
    c = row.config()
    if c.gamma < 0:
        raise ValueError("the peer is AdamW: the weak regime (gamma >= 0) only")
    torch.set_num_threads(default_threads(sim, c))
    rng = np.random.default_rng(0)
    p = sp.probabilities(c.n, c.alpha, c.density)
    Xe = torch.tensor(sp.draw(rng, p, (c.eval_batch,)))
    pt = torch.tensor(p)
    lrs = sp.schedule(c)
    start = time.perf_counter()
    params = {m: (torch.tensor(rng.standard_normal((c.n, m)) / np.sqrt(m)).requires_grad_(),
                  torch.zeros(c.n, dtype=torch.float64).requires_grad_()) for m in c.m_grid}

    def evaluate(W, b):
        with torch.no_grad():
            per = ((torch.relu(Xe @ W @ W.T + b) - Xe) ** 2).mean(1)
            norms = W.norm(dim=1)
            U = W[norms > sp.REPRESENTED] / norms[norms > sp.REPRESENTED, None]
            G = (U @ U.T) ** 2
            return per.mean().item(), per.std().item(), G.sum().item(), norms.numpy()
    for W, b in params.values():
        evaluate(W, b)
    opts = {m: torch.optim.AdamW([{"params": [W], "weight_decay": c.gamma},
                                  {"params": [b], "weight_decay": 0.0}], lr=c.lr)
            for m, (W, b) in params.items()}
    losses = {m: torch.empty(c.steps, dtype=torch.float64) for m in c.m_grid}
    for t in range(c.steps):
        u = torch.rand((c.batch, c.n), dtype=torch.float64)
        x = torch.where(u < pt, 2.0 * u / pt, 0.0)
        for m, (W, b) in params.items():
            opt = opts[m]
            for g in opt.param_groups:
                g["lr"] = float(lrs[t])
            opt.zero_grad()
            loss = ((torch.relu(x @ W @ W.T + b) - x) ** 2).mean()
            loss.backward()
            opt.step()
            losses[m][t] = loss.detach()
    for W, b in params.values():
        evaluate(W, b)
    return time.perf_counter() - start
