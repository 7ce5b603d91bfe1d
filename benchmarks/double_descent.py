"""Double-descent solver benchmark: numba vs numpy, and the achieved rate vs this machine's GEMM.

Run: ``python -m benchmarks.double_descent``. Every ratio printed is measured in this one run.
"""
from __future__ import annotations

import numpy as np

from benchmarks.common import first_call_seconds, gemm_gflops, row, timeit
from sims import double_descent as dd
from sims.backend import get_backend


def main() -> None:
    rng = np.random.default_rng(0)
    numpy_bk, numba_bk = get_backend("numpy"), get_backend("numba")
    print("double_descent benchmark (float64, median of 5 repeats after warm-up)\n")
    row("kernel", "numpy", "numba", "numpy/numba time")

    # Fused spectral filter + risk reduction (linear model), n = 400 modes, 8 budgets + 5 penalties.
    k = 400
    s = np.sort(rng.uniform(0.1, 30, k))[::-1]
    c, vb = rng.standard_normal(k), rng.standard_normal(k)
    budgets = np.array([10, 100, 1e3, 1e4, 1e5, 1e6, 1e8, np.inf])
    lams = np.array([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    args = (s, c, vb, 500.0, 1.0, 1.0 / s[0] ** 2, budgets, lams, 400, 1e-12)
    compile_s = first_call_seconds(lambda: dd.linear_model_risks(numba_bk, *args))
    t_np = timeit(lambda: dd.linear_model_risks(numpy_bk, *args))
    t_nb = timeit(lambda: dd.linear_model_risks(numba_bk, *args))
    row("linear_model_risks (k=400, 14 filters)", f"{t_np*1e6:.1f} us", f"{t_nb*1e6:.1f} us",
        f"{t_np/t_nb:.2f}x")

    # Iterated GD (the closed-form cross-check): small problems are Python-overhead bound.
    for n, p, steps in ((100, 50, 1000), (200, 400, 200)):
        Z, y = rng.standard_normal((n, p)), rng.standard_normal(n)
        eta = 1.0 / np.linalg.norm(Z, 2) ** 2
        compile_s += first_call_seconds(lambda: dd.gd_iterate(numba_bk, Z, y, eta, 1))
        t_np = timeit(lambda: dd.gd_iterate(numpy_bk, Z, y, eta, steps), repeats=3)
        t_nb = timeit(lambda: dd.gd_iterate(numba_bk, Z, y, eta, steps), repeats=3)
        row(f"gd_iterate (n={n}, p={p}, {steps} steps)", f"{t_np*1e3:.2f} ms", f"{t_nb*1e3:.2f} ms",
            f"{t_np/t_nb:.2f}x")
    print(f"\nnumba first-call (compile or cache load) time, excluded above: {compile_s:.2f} s")

    # End to end, and the achieved rate of the solve against the machine's GEMM.
    cfg = dd.Config(model="relu_rf", n=400, d=200, ratios=(0.5, 1.0, 2.0, 4.0), seeds=3,
                    n_test=2000, budgets=(100.0, 1e4, float("inf")), ridge=(1e-3, 1e-1))
    times = {b: timeit(lambda: dd.simulate(cfg.replace(backend=b)), repeats=3, min_time=0)
             for b in ("numpy", "numba")}
    row("simulate relu_rf (n=400, 4 ratios, 3 seeds)", f"{times['numpy']:.2f} s",
        f"{times['numba']:.2f} s", f"{times['numpy']/times['numba']:.2f}x")
    # Flops of the solve: economy SVD of an n x p matrix (Golub & Van Loan R-SVD count,
    # 4 m q^2 + 22 q^3 with m = max, q = min) plus the test-set products Zt V (2 m_t p q).
    n, m_t, flops = cfg.n, cfg.n_test, 0.0
    for q in cfg.ratios:
        p = round(q * n)
        big, small = max(n, p), min(n, p)
        flops += 4 * big * small**2 + 22 * small**3 + 2 * m_t * p * small
    flops *= cfg.seeds
    peak = gemm_gflops()
    achieved = flops / times["numpy"] / 1e9
    print(f"\nmachine float64 GEMM rate (1024^3): {peak:.1f} GFLOP/s")
    print(f"double-descent solve (SVD + test products): {achieved:.1f} GFLOP/s "
          f"= {achieved/peak:.2f} of GEMM (SVD is LAPACK-bound, not GEMM-bound)")


if __name__ == "__main__":
    main()
