"""Grokking benchmark: full-batch Adam steps of the 2-layer x^2 network on modular addition.

Run: ``python -m benchmarks.grokking`` (or ``python -m benchmarks``). The PyTorch peer is the
paper's code pattern (yuandong-tian/understanding): bias-free ``W`` and ``V`` as parameters, one-hot
inputs, the centred MSE loss, ``backward()``, ``torch.optim.Adam(weight_decay=...)`` (L2 added to
the gradient: the suite's ``opt: adam``).
"""
from __future__ import annotations

import numpy as np

from benchmarks.suite import Case, main_for
from sims import grokking as gk
from sims.backend import get_backend
from theory import grokking as theory

LR, WD = 0.01, 5e-4
SIZES = {"quick": [(23, 256, 0.4, 100), (29, 128, 0.64, 100)],     # (M, K, train fraction, steps)
         "paper": [(71, 1024, 0.2, 5)]}


def _problem(M, K, p):
    rng = np.random.default_rng(0)
    X, _, Yt = theory.dataset(M)
    tr, _ = gk.split(M, p, rng)
    W, V = gk.init_params(M, K, rng)
    return W, V, X[tr], Yt[tr]


def _suite(M, K, p, steps):
    def make(backend):
        bk = get_backend(backend)
        W, V, X, Yt = (bk.asarray(a) for a in _problem(M, K, p))
        state = gk.TrainState(W, V, *(bk.xp.zeros_like(a) for a in (W, W, V, V)))
        hp = gk.Hyper(LR, WD, 0.9, 0.999, 1e-8, "adam", "sqr")

        def chunk():        # (W, V, mW, vW, mV, vV, loss)
            new, loss = gk.train_chunk(bk, state, X, Yt, 0, steps, hp)
            return (*new, loss)
        return chunk
    return make


def _torch(M, K, p, steps):
    def make(device):
        import torch
        W0, V0, X, Yt = (torch.tensor(a, device=device) for a in _problem(M, K, p))

        def chunk():
            W, V = W0.clone().requires_grad_(), V0.clone().requires_grad_()
            opt = torch.optim.Adam([W, V], lr=LR, weight_decay=WD)
            for _ in range(steps):
                opt.zero_grad()
                O = (X @ W.T) ** 2 @ V.T
                loss = ((O - O.mean(1, keepdim=True) - Yt) ** 2).sum() / X.shape[0]
                loss.backward()
                opt.step()
            return W, V, loss.item()
        return chunk
    return make


def cases(size: str) -> list[Case]:
    return [Case("grokking", f"Adam step, M={M}, K={K}, p={p} ({round(p * M * M)} pairs)", size,
                 steps, "step", _suite(M, K, p, steps), _torch(M, K, p, steps))
            for M, K, p, steps in SIZES[size]]


if __name__ == "__main__":
    main_for(cases)


# Whole runs (benchmarks/whole_runs.py; the Li2 headline is a named row there): a quick run and the
# threshold sweep; a paper run cut to 1000 steps.
WHOLE_RUNS = {"quick": [("grok", {}), ("sweep", {})],
              "paper": [("grok", {"steps": 1000}, "benchmarks.grokking:whole_run_torch")]}


def whole_run_torch(row) -> float:
    """Seconds of the whole run in PyTorch as the authors' code runs it: full-batch Adam with
    coupled L2 on a split and init of the same sizes, float64, and at every record (``record_every`` steps)
    the train / test accuracy and loss on all M^2 pairs (the authors log every epoch; the suite's
    records add the spectra, energies and G_F statistics on top)."""
    import time

    import torch

    from sims.threads import default_threads
    from sims.registry import get_simulator
    sim = get_simulator("grokking")
    c = row.config()
    torch.set_num_threads(default_threads(sim, c))
    rng = np.random.default_rng(0)
    X, y, Yt = theory.dataset(c.M)
    tr, te = gk.split(c.M, c.train_fraction, rng)
    W0, V0 = gk.init_params(c.M, c.K, rng)
    Xa, Ya, ya = torch.tensor(X), torch.tensor(Yt), torch.tensor(y)
    Xtr, Ytr = Xa[tr], Ya[tr]
    start = time.perf_counter()
    W, V = torch.tensor(W0).requires_grad_(), torch.tensor(V0).requires_grad_()
    opt = torch.optim.Adam([W, V], lr=c.lr, weight_decay=c.weight_decay, betas=(c.beta1, c.beta2),
                           eps=c.eps)
    for step in range(c.steps + 1):
        if step % c.record_every == 0:
            with torch.no_grad():
                O = (Xa @ W.T) ** 2 @ V.T
                pred = O.argmax(1)
                _ = ((pred[tr] == ya[tr]).double().mean().item(),
                     (pred[te] == ya[te]).double().mean().item(),
                     ((O - O.mean(1, keepdim=True) - Ya) ** 2).sum(1).mean().item())
        if step == c.steps:
            break
        opt.zero_grad()
        O = (Xtr @ W.T) ** 2 @ V.T
        loss = ((O - O.mean(1, keepdim=True) - Ytr) ** 2).sum() / Xtr.shape[0]
        loss.backward()
        opt.step()
    return time.perf_counter() - start
