"""Scaling-laws kernels benchmark: numpy vs numba in steps/s, ratio measured in this one run.

Run: ``python -m benchmarks.scaling_laws``. Compile (or cache-load) time is reported separately.
"""
from __future__ import annotations

import numpy as np

from benchmarks.common import first_call_seconds, row, timeit
from sims import scaling_laws as sl
from sims.backend import get_backend


def main() -> None:
    numpy_bk, numba_bk = get_backend("numpy"), get_backend("numba")
    rng = np.random.default_rng(0)
    print("scaling_laws benchmark (float64, median of repeats after warm-up)\n")
    row("kernel", "numpy steps/s", "numba steps/s", "numba/numpy")
    compile_s = 0.0
    for runs, d, steps in ((8000, 16, 16), (4000, 32, 16)):
        pr = sl.plrf_problem(1.0, 0.75, d, 4 * d, rng)
        L = np.linalg.cholesky(pr["K"] + 1e-14 * np.trace(pr["K"]) * np.eye(d + 1))
        xi = rng.standard_normal((steps, runs, d + 1))
        th = np.zeros((runs, d))
        compile_s += first_call_seconds(lambda: sl.sgd_chunk(numba_bk, th, xi[:1], L, 0.1))
        t_np = timeit(lambda: sl.sgd_chunk(numpy_bk, th, xi, L, 0.1), repeats=3)
        t_nb = timeit(lambda: sl.sgd_chunk(numba_bk, th, xi, L, 0.1), repeats=3)
        row(f"sgd_chunk (runs={runs}, d={d})", f"{steps / t_np:.0f}", f"{steps / t_nb:.0f}",
            f"{t_np / t_nb:.2f}x")
    for d, steps in ((64, 2000), (512, 2000)):
        lam = np.sort(rng.uniform(1e-4, 1, d))
        a0 = rng.uniform(0, 1, d)
        g = 0.5 / lam.sum()          # stable: gamma sum(lam) < 1
        logs = np.unique(np.geomspace(1, steps, 50).round().astype(np.int64))
        compile_s += first_call_seconds(lambda: sl.expected_loss(numba_bk, lam, a0, g, 0.01,
                                                                 logs[:2]))
        t_np = timeit(lambda: sl.expected_loss(numpy_bk, lam, a0, g, 0.01, logs), repeats=3)
        t_nb = timeit(lambda: sl.expected_loss(numba_bk, lam, a0, g, 0.01, logs), repeats=3)
        row(f"expected_loss recursion (d={d})", f"{steps / t_np:.0f}", f"{steps / t_nb:.0f}",
            f"{t_np / t_nb:.2f}x")
    print(f"\nnumba first-call (compile or cache load) time, excluded above: {compile_s:.2f} s")


if __name__ == "__main__":
    main()
