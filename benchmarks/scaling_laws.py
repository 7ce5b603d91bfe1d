"""Scaling-laws benchmark: one-pass SGD on power-law random features (many runs in parallel) and the
exact expected-loss recursion that replaces the Monte Carlo.

Run: ``python -m benchmarks.scaling_laws`` (or ``python -m benchmarks``). The SGD peer keeps theta
(runs x d) as a leaf tensor and takes each step's gradient of sum_runs (z.theta - s)^2 / 2 from
autograd (the runs are independent, so this is every run's own gradient); samples are drawn the
same way (z, s) = L xi. The recursion peer is the same loop on torch tensors.
"""
from __future__ import annotations

import numpy as np

from benchmarks.suite import Case, main_for
from sims import scaling_laws as sl
from sims.backend import get_backend

SGD = {"quick": (8000, 16, 16), "paper": (20000, 64, 16)}        # (runs, d, steps per call)
RECURSION = {"quick": (256, 1000), "paper": (2048, 1000)}        # (d, steps per call)
EQUIV = {"quick": (1e6, 1e9), "paper": (1e12, 1e15)}             # (d, last step) of one curve


def _sgd_problem(runs, d, steps):
    rng = np.random.default_rng(0)
    pr = sl.plrf_problem(1.0, 0.75, d, 4 * d, rng)
    L = np.linalg.cholesky(pr["K"] + 1e-14 * np.trace(pr["K"]) * np.eye(d + 1))
    return rng.standard_normal((steps, runs, d + 1)), L, np.zeros((runs, d)), 0.5 / pr["gamma_den"]


def _sgd_suite(runs, d, steps):
    def make(backend):
        bk = get_backend(backend)
        xi, L, th, g = _sgd_problem(runs, d, steps)
        xi, L, th = bk.asarray(xi), bk.asarray(L), bk.asarray(th)
        return lambda: sl.sgd_chunk(bk, th, xi, L, g)
    return make


def _sgd_torch(runs, d, steps):
    def make(device):
        import torch
        xih, Lh, thh, g = _sgd_problem(runs, d, steps)
        xi, L = torch.tensor(xih, device=device), torch.tensor(Lh, device=device)

        def run():
            theta = torch.tensor(thh, device=device, requires_grad=True)
            for t in range(steps):
                zs = xi[t] @ L.T
                z, s = zs[:, :d], zs[:, d]
                loss = 0.5 * (((z * theta).sum(1) - s) ** 2).sum()
                loss.backward()
                with torch.no_grad():
                    theta -= g * theta.grad
                    theta.grad = None
            return theta
        return run
    return make


def _rec_problem(d):
    rng = np.random.default_rng(1)
    lam = np.sort(rng.uniform(1e-4, 1, d))
    return lam, rng.uniform(0, 1, d), 0.5 / lam.sum()


def _rec_suite(d, steps):
    def make(backend):
        bk = get_backend(backend)
        lam, a0, g = _rec_problem(d)
        lam, a0 = bk.asarray(lam), bk.asarray(a0)
        logs = np.unique(np.geomspace(1, steps, 50).round().astype(np.int64))
        return lambda: sl.expected_loss(bk, lam, a0, g, 0.01, logs)
    return make


def _rec_torch(d, steps):
    def make(device):
        import torch
        lamh, a0h, g = _rec_problem(d)
        lam, a0 = torch.tensor(lamh, device=device), torch.tensor(a0h, device=device)
        logs = set(np.unique(np.geomspace(1, steps, 50).round().astype(np.int64)).tolist())

        def run():
            a, out = a0, []
            for k in range(1, steps + 1):
                P = 0.5 * (lam * a).sum() + 0.01
                a = (1 - 2 * g * lam + 2 * g**2 * lam**2) * a + 2 * g**2 * lam * P
                if k in logs:
                    out.append(0.5 * (lam * a).sum() + 0.01)
            return torch.stack(out)
        return run
    return make


def _equiv_suite(d, last):
    """One deterministic-equivalent loss curve (the blocked recursion over the spectral nodes; the
    spectrum itself is host preprocessing, like co_curves' eigh, and is not timed)."""
    from sims.scaling_laws import equivalent as pe

    def make(backend):
        sp = pe.equivalent_spectrum(0.4, 0.8, int(d), 4)
        bk = get_backend(backend)
        args = [bk.asarray(sp[k]) for k in ("lam", "n", "w")]
        logs = np.unique(np.geomspace(1, last, 300).round().astype(np.int64))
        return lambda: pe.block_expected_loss(bk, *args, 0.5 / sp["gamma_den"], sp["p_inf"], logs,
                                              pe.BLOCK_H)
    return make


def cases(size: str) -> list[Case]:
    runs, d, steps = SGD[size]
    dr, sr = RECURSION[size]
    return [Case("scaling_laws", f"PLRF SGD step, {runs} runs, d={d}", size, steps, "step",
                 _sgd_suite(runs, d, steps), _sgd_torch(runs, d, steps),
                 flops=steps * (2.0 * runs * (d + 1) ** 2 + 4.0 * runs * d)),
            Case("scaling_laws", f"expected-loss recursion step, d={dr}", size, sr, "step",
                 _rec_suite(dr, sr), _rec_torch(dr, sr)),
            Case("scaling_laws", f"det.-equivalent loss curve, d={EQUIV[size][0]:.0e}, "
                 f"{EQUIV[size][1]:.0e} steps (blocked)", size, 1, "curve",
                 _equiv_suite(*EQUIV[size]))]


if __name__ == "__main__":
    main_for(cases)


# Whole runs (benchmarks/whole_runs.py): an SGD sweep, the MRS sweep and a compute-optimal frontier.
WHOLE_RUNS = {"quick": [("plrf", {}), ("mrs", {}), ("compute_optimal_II", {})],
              "paper": [("plrf", {"steps": 1000}), ("mrs", {"seeds": 4}),
                        ("compute_optimal_II", {})]}
