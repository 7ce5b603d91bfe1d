"""The paper rows where the suite is < 2x its PyTorch peer: how much of each whole run is the dense
linear algebra both sides must do (``python -m benchmarks.blas_bound``).

For each row the run's dominant LAPACK / BLAS calls are replayed alone, at the row's shapes and
counts, once through numpy (the suite's library, one thread per worker as the suite runs them,
divided by the worker count) and once through torch (its threads over every core, as its peer
runs), and set against the whole-run times of ``--whole-runs``. A share near 1 on both sides means
both runs sit at their library's limit for the same calls, and the ratio between the two whole runs
is the ratio between the libraries, not between the codes around them.
"""
from __future__ import annotations

import time

import numpy as np


def _time(f, repeat=1):
    f()
    t = time.perf_counter()
    for _ in range(repeat):
        f()
    return (time.perf_counter() - t) / repeat


def _double_descent_rf(torch, workers):
    """One thin SVD of each n x p design per seed (n = 400, 25 widths, 10 seeds) and the test
    products Zt V (4000 x p x q)."""
    from sims.config import from_mapping, load_profile_file
    from sims.double_descent import DoubleDescentConfig, model
    c = from_mapping(DoubleDescentConfig, {**load_profile_file("double_descent", "paper")["experiments"][
        "random_features"], "seeds": 10})
    rng = np.random.default_rng(0)
    mats = [np.abs(rng.standard_normal((c.n, p))) for p in model.widths_of(c)]
    tests = [np.abs(rng.standard_normal((c.n_test, p))) for p in model.widths_of(c)]

    def suite():
        for Z, Zt in zip(mats, tests):
            _, _, Vh = np.linalg.svd(Z, full_matrices=False)
            Zt @ Vh.T
    tm, tt = [torch.tensor(a) for a in mats], [torch.tensor(a) for a in tests]

    def peer():
        for Z, Zt in zip(tm, tt):
            _, _, Vh = torch.linalg.svd(Z, full_matrices=False)
            Zt @ Vh.T
    return c.seeds * _time(suite) / workers, c.seeds * _time(peer)


def _mrs(torch, workers):
    """The thin SVD of every min-norm / ridge fit's P x N feature matrix and its product X U^T
    (4 seeds)."""
    from sims.config import from_mapping, load_profile_file
    from sims.scaling_laws import ScalingLawsConfig, mrs
    c = from_mapping(ScalingLawsConfig, {**load_profile_file("scaling_laws", "paper")[
        "experiments"]["mrs"], "seeds": 4})
    spike = [max(1, round(q * c.p_spike)) for q in c.spike_ratios]
    fits = ([(c.p_big, n, c.m_latent) for n in c.n_grid] + [(p, c.p_big, c.m_latent) for p in c.n_grid]
            + [(c.p_spike, n, c.m_latent) for n in spike] * 2
            + [(max(c.p_big, 4 * c.m_finite), n, c.m_finite) for n in mrs.finite_ns(c)])
    rng = np.random.default_rng(0)
    X = rng.standard_normal((c.p_big, c.m_latent))
    U = rng.standard_normal((max(c.p_big, round(max(c.spike_ratios) * c.p_spike)), c.m_latent))

    def suite():
        for P, N, M in fits:
            np.linalg.svd(X[:P, :M] @ U[:N, :M].T, full_matrices=False)
    Xt, Ut = torch.tensor(X), torch.tensor(U)

    def peer():
        for P, N, M in fits:
            torch.linalg.svd(Xt[:P, :M] @ Ut[:N, :M].T, full_matrices=False)
    return c.seeds * _time(suite) / workers, c.seeds * _time(peer)


def _grokking(torch, workers, steps=1000):
    """Per full-batch step at M = 71, K = 2048, p = 0.2 (1008 pairs): the suite's three products
    F V^T, G^T F, G V (its one-hot gather replaces X W^T); the peer's forward X W^T, F V^T and
    autograd's four backward products."""
    N, M, K = 1008, 71, 2048
    rng = np.random.default_rng(0)
    F, V, G = rng.standard_normal((N, K)), rng.standard_normal((M, K)), rng.standard_normal((N, M))
    X, W = rng.standard_normal((N, 2 * M)), rng.standard_normal((K, 2 * M))

    def suite():
        F @ V.T, G.T @ F, G @ V
    Ft, Vt, Gt, Xt, Wt = (torch.tensor(a) for a in (F, V, G, X, W))

    def peer():
        Xt @ Wt.T, Ft @ Vt.T, Gt.T @ Ft, Gt @ Vt, (Gt @ Vt).T @ Xt, Xt.T @ Ft
    return steps * _time(suite, 20) / 1, steps * _time(peer, 20)


def _plrf(torch, workers, steps=1000):
    """Per SGD step at 20,000 runs, d = 64: the sample GEMM (runs x 65) (65 x 65) both sides draw
    through, and the normals (suite: numpy's Generator; peer: torch.randn)."""
    runs, k = 20000, 65
    rng = np.random.default_rng(0)
    L = np.tril(rng.standard_normal((k, k)))

    def suite():
        rng.standard_normal((runs, k)) @ L.T
    Lt = torch.tensor(L)

    def peer():
        torch.randn((runs, k), dtype=torch.float64) @ Lt.T
    return steps * _time(suite, 20), steps * _time(peer, 20)


ROWS = {"double_descent random_features (paper)": (_double_descent_rf, 10.86, 17.88),
        "scaling_laws mrs (paper)": (_mrs, 8.99, 17.47),
        "grokking grok (paper)": (_grokking, 85.47, 132.32),
        "scaling_laws plrf (paper)": (_plrf, 27.48, 54.02)}
# the whole-run seconds (suite's best CPU backend, PyTorch peer) of the whole-run table, 2026-12-02


def main() -> None:
    import torch

    from sims import threads
    cores = threads.available_cores()
    print("| row | suite whole s | suite: the calls alone s | share | peer whole s | peer: the "
          "calls alone s | share | peer / suite |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, (fn, suite_s, peer_s) in ROWS.items():
        threads.pin(1)
        torch.set_num_threads(cores)
        a, b = fn(torch, cores)
        print(f"| {name} | {suite_s:.2f} | {a:.2f} | {a / suite_s:.2f} | {peer_s:.2f} | {b:.2f} | "
              f"{b / peer_s:.2f} | {peer_s / suite_s:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
