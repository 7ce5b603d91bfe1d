"""Double-descent benchmark: one seed of the random-features sweep (13 widths N/n through the
interpolation peak: min-norm and five ridge solutions, test risk, train loss, condition number),
and iterated full-batch GD on least squares.

Run: ``python -m benchmarks.double_descent`` (or ``python -m benchmarks``). The PyTorch peer of
the sweep does what a researcher would: ``torch.linalg.pinv`` for the min-norm solution, one
``torch.linalg.solve`` per ridge penalty, ``torch.linalg.cond``; the suite gets all of them from
one SVD. The GD peer takes each gradient from autograd.
"""
from __future__ import annotations

import math

import numpy as np

from benchmarks.suite import Case, main_for
from sims import double_descent as dd
from sims.double_descent import model as dd_model, run as dd_run
from sims.backend import get_backend

RATIOS = (0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0)
RIDGE = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
SIZES = {"quick": dict(n=200, d=100, n_test=1000), "paper": dict(n=400, d=200, n_test=4000)}
GD = {"quick": (200, 400, 100), "paper": (400, 800, 100)}     # (n, p, steps per call)


def _config(size):
    return dd.DoubleDescentConfig(model="relu_rf", ratios=RATIOS, seeds=1, budgets=(),
                                  ridge=RIDGE, check_steps=1, seed=2, **SIZES[size])


def _sweep_suite(size):
    def make(backend):
        cfg = _config(size).replace(backend=backend)
        return lambda: dd.simulate(cfg)
    return make


def _sweep_torch(size):
    def make(device):
        import torch
        cfg = _config(size)
        widths = [max(1, round(q * cfg.n)) for q in cfg.ratios]

        def sweep():
            rng = np.random.default_rng(dd_run.seeds_of(cfg)[0])
            data = {k: torch.tensor(v, device=device)
                    for k, v in dd_model._draw(cfg, rng, max(widths)).items()}
            out = []
            for p in widths:
                Z, Zt, y, yt = data["Z"][:, :p], data["Zt"][:, :p], data["y"], data["yt"]
                sols = [torch.linalg.pinv(Z) @ y]
                for lam in cfg.ridge:          # ridge in the smaller (primal or dual) dimension
                    if p <= cfg.n:
                        A = Z.T @ Z + cfg.n * lam * torch.eye(p, dtype=Z.dtype, device=device)
                        sols.append(torch.linalg.solve(A, Z.T @ y))
                    else:
                        A = Z @ Z.T + cfg.n * lam * torch.eye(cfg.n, dtype=Z.dtype, device=device)
                        sols.append(Z.T @ torch.linalg.solve(A, y))
                a = torch.stack(sols, dim=1)
                risk = ((Zt @ a - yt[:, None]) ** 2).mean(0)
                train = ((Z @ a - y[:, None]) ** 2).sum(0) / (2 * cfg.n)
                out.append((risk.cpu(), train.cpu(), torch.linalg.cond(Z).item()))
            return out
        return sweep
    return make


def _sweep_flops(size):
    """Economy SVD of each n x p feature matrix (Golub & Van Loan R-SVD, 4 m q^2 + 22 q^3 with
    m = max(n, p), q = min(n, p)) plus the test products Zt V (2 n_test p q)."""
    cfg = _config(size)
    total = 0.0
    for q in cfg.ratios:
        p = max(1, round(q * cfg.n))
        m, k = max(cfg.n, p), min(cfg.n, p)
        total += 4 * m * k * k + 22 * k**3 + 2 * cfg.n_test * p * k
    return total


def _gd_problem(n, p):
    rng = np.random.default_rng(0)
    Z, y = rng.standard_normal((n, p)), rng.standard_normal(n)
    return Z, y, 1.0 / np.linalg.norm(Z, 2) ** 2


def _gd_suite(n, p, steps):
    def make(backend):
        bk = get_backend(backend)
        Z, y, eta = _gd_problem(n, p)
        Z, y = bk.asarray(Z), bk.asarray(y)
        return lambda: dd.gd_iterate(bk, Z, y, eta, steps)
    return make


def _gd_torch(n, p, steps):
    def make(device):
        import torch
        Zh, yh, eta = _gd_problem(n, p)
        Z, y = torch.tensor(Zh, device=device), torch.tensor(yh, device=device)

        def run():
            a = torch.zeros(p, dtype=Z.dtype, device=device, requires_grad=True)
            for _ in range(steps):
                loss = 0.5 * ((Z @ a - y) ** 2).sum()
                loss.backward()
                with torch.no_grad():
                    a -= eta * a.grad
                    a.grad = None
            return a
        return run
    return make


def cases(size: str) -> list[Case]:
    cfg, (n, p, steps) = _config(size), GD[size]
    return [
        Case("double_descent", f"RF sweep, one seed: n={cfg.n}, d={cfg.d}, 13 widths, "
             f"n_test={cfg.n_test}", size, 1, "sweep", _sweep_suite(size), _sweep_torch(size),
             flops=_sweep_flops(size)),
        Case("double_descent", f"GD on least squares, n={n}, p={p}", size, steps, "step",
             _gd_suite(n, p, steps), _gd_torch(n, p, steps), flops=steps * 4.0 * n * p),
    ]


if __name__ == "__main__":
    main_for(cases)


# Whole runs (benchmarks/whole_runs.py): the quick linear sweep; the paper sweeps with fewer seeds.
PEER = "benchmarks.double_descent:whole_run_torch"
WHOLE_RUNS = {"quick": [("linear", {}), ("random_features", {})],
              "paper": [("linear", {"seeds": 400}, PEER), ("random_features", {"seeds": 10}, PEER)]}


def whole_run_torch(row) -> float:
    """Seconds of the whole sweep in PyTorch as a researcher writes it with the spectral method:
    per seed and width the data drawn as the suite's (host numpy), ``torch.linalg.svd`` of the
    design, then the min-norm, GD-budget (closed-form filter) and ridge solutions from it, each
    one's test risk (relu_rf: MSE on the test inputs; linear: |a - beta|^2) and train loss, the
    condition number, and for seed 0 ``check_steps`` explicit GD steps; float64, the seeds one
    after another on torch's threads over every core (a torch user's default)."""
    import time

    import torch

    from sims.threads import available_cores
    c = row.config()
    torch.set_num_threads(available_cores())
    budgets = torch.tensor(c.budgets, dtype=torch.float64)
    lambdas = torch.tensor(c.ridge, dtype=torch.float64)
    widths = dd_model.widths_of(c)
    start = time.perf_counter()
    for k, seed in enumerate(dd_run.seeds_of(c)):
        data = dd_model._draw(c, np.random.default_rng(seed), max(widths))
        for p in widths:
            if c.model == "linear":
                g = data["g"][:p]
                beta = torch.tensor(c.signal * g / np.linalg.norm(g))
                Z = torch.tensor(data["X"][:, :p])
                y = Z @ beta + torch.tensor(data["eps"])
            else:
                Z, y = torch.tensor(data["Z"][:, :p]), torch.tensor(data["y"])
            U, s, Vh = torch.linalg.svd(Z, full_matrices=False)
            keep = s > max(c.n, p) * np.finfo(float).eps * s[0]
            s = torch.where(keep, s, torch.ones_like(s))
            decay = 1.0 - c.lr / s[0] ** 2 * s**2
            phi = torch.cat([(1 / s)[None], (1 - decay[None] ** budgets[:, None]) / s[None],
                             s[None] / (s[None] ** 2 + c.n * lambdas[:, None])]) * keep
            A = Vh.T @ (phi * (U.T @ y)[None]).T                      # (p, filters)
            train = ((Z @ A - y[:, None]) ** 2).sum(0) / (2 * c.n)
            if c.model == "linear":
                risk = ((A - beta[:, None]) ** 2).sum(0)
            else:
                risk = ((torch.tensor(data["Zt"][:, :p]) @ A
                         - torch.tensor(data["yt"])[:, None]) ** 2).mean(0)
            _ = (risk.numpy(), train.numpy(), (s[0] / s[keep].min()).item())
            if k == 0:
                a = torch.zeros(p, dtype=torch.float64)
                for _ in range(c.check_steps):
                    a = a - c.lr / s[0] ** 2 * (Z.T @ (Z @ a - y))
    return time.perf_counter() - start
