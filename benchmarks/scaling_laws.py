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
# compute_optimal_II has no peer: its curves come from the blocked deterministic-equivalent
# recursion (sims.plrf_equivalent), which has no PyTorch counterpart a researcher would write.
PEER = "benchmarks.scaling_laws:whole_run_torch"
WHOLE_RUNS = {"quick": [("plrf", {}), ("mrs", {}), ("compute_optimal_II", {})],
              "paper": [("plrf", {"steps": 1000}, PEER), ("mrs", {"seeds": 4}, PEER),
                        ("compute_optimal_II", {})]}


def whole_run_torch(row) -> float:
    """Seconds of the whole experiment in PyTorch (float64, torch's threads over every core).
    ``plrf``: the problem built as the suite's (host numpy), the exact expected-loss recursion at
    lr and lr/2 as a torch loop, the SGD Monte Carlo (``runs`` x d leaf tensor, autograd steps on
    samples (z, s) = L xi drawn with torch) with the mean loss and its s.e. at the logged steps,
    and the limit loss P_inf for every width and draw (``torch.linalg.solve``). ``mrs``: per seed
    the suite's draws, and every min-norm (``torch.linalg.pinv``) and ridge fit of the sweeps with
    its exact test loss."""
    import time

    import torch

    from sims.scaling_laws import mrs, plrf
    from sims.threads import available_cores
    c = row.config()
    torch.set_num_threads(available_cores())
    start = time.perf_counter()
    if c.model == "plrf":
        seeds = plrf.seeds_of(c)
        pr = plrf.plrf_problem(c.alpha, c.beta, c.d, c.v_ratio * c.d,
                               np.random.default_rng(seeds.problem))
        gamma = float(c.lr / pr["gamma_den"])
        H, ts = torch.tensor(pr["H"]), torch.tensor(pr["theta_star"])
        lam, Uh = torch.linalg.eigh(H)
        a0 = (Uh.T @ ts) ** 2
        log_steps = plrf.log_steps_of(c)
        for g in (gamma, gamma / 2):
            a, k = a0.clone(), 0
            for target in log_steps:
                while k < target:
                    P = 0.5 * (lam * a).sum() + pr["p_inf"]
                    a = (1 - 2 * g * lam + 2 * g**2 * lam**2) * a + 2 * g**2 * lam * P
                    k += 1
                _ = (0.5 * (lam * a).sum()).item()
        K = torch.tensor(pr["K"])
        L = torch.linalg.cholesky(K + 1e-14 * torch.trace(K) * torch.eye(len(K), dtype=K.dtype))
        theta = torch.zeros((c.runs, c.d), dtype=torch.float64, requires_grad=True)
        gen, k = torch.Generator().manual_seed(0), 0
        for target in log_steps:
            while k < target:
                zs = torch.randn((c.runs, c.d + 1), dtype=torch.float64, generator=gen) @ L.T
                loss = 0.5 * (((zs[:, :c.d] * theta).sum(1) - zs[:, c.d]) ** 2).sum()
                (grad,) = torch.autograd.grad(loss, theta)
                with torch.no_grad():
                    theta -= gamma * grad
                k += 1
            with torch.no_grad():
                delta = theta - ts
                per = 0.5 * ((delta @ H) * delta).sum(1)
                _ = (per.mean().item(), per.std().item())
        rng = np.random.default_rng(seeds.limit)
        for dd in c.d_grid:
            for _ in range(c.w_draws):
                v = c.v_ratio * dd
                j = torch.arange(1, v + 1, dtype=torch.float64)
                Dg, b = j ** (-2 * c.alpha), j ** (-c.beta)
                W = torch.tensor(rng.standard_normal((v, dd))) / dd**0.5
                Hd, gd = W.T @ (Dg[:, None] * W), W.T @ (Dg * b)
                _ = (0.5 * (b @ (Dg * b) - gd @ torch.linalg.solve(Hd, gd))).item()
    elif c.model == "mrs":
        for seed in mrs.seeds_of(c):
            rng = np.random.default_rng(seed)
            for M, sizes in ((c.m_latent, "sweeps"), (c.m_finite, "finite")):
                lam = torch.arange(1, M + 1, dtype=torch.float64) ** (-(1 + c.alpha))
                w = torch.tensor(rng.choice([-1.0, 1.0], M))
                if sizes == "sweeps":
                    nmax = max(c.p_big, round(max(c.spike_ratios) * c.p_spike))
                    X = lam.sqrt()[None] * torch.tensor(rng.standard_normal((c.p_big, M)))
                    U = torch.tensor(rng.standard_normal((nmax, M)))
                    spike = [max(1, round(q * c.p_spike)) for q in c.spike_ratios]
                    fits = ([(c.p_big, n, None) for n in c.n_grid]
                            + [(p, c.p_big, None) for p in c.n_grid]
                            + [(c.p_spike, n, None) for n in spike]
                            + [(c.p_spike, n, c.mrs_ridge) for n in spike])
                else:
                    P = max(c.p_big, 4 * M)
                    X = lam.sqrt()[None] * torch.tensor(rng.standard_normal((P, M)))
                    U = torch.tensor(rng.standard_normal((4 * M, M)))
                    fits = [(P, n, None) for n in mrs.finite_ns(c)]
                for P, N, ridge in fits:
                    F, y = X[:P] @ U[:N].T, X[:P] @ w
                    if ridge is None:
                        theta = torch.linalg.pinv(F) @ y
                    else:
                        theta = torch.linalg.solve(F.T @ F + P * ridge * torch.eye(
                            N, dtype=F.dtype), F.T @ y)
                    _ = (0.5 * (lam * (U[:N].T @ theta - w) ** 2).sum()).item()
    else:
        raise ValueError(f"no whole-run peer for model {c.model!r}")
    return time.perf_counter() - start
