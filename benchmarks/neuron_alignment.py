"""Neuron-alignment integrator benchmark: RK4 steps/s, numpy vs numba, measured in one run.

Run: ``python -m benchmarks.neuron_alignment``. numba's first call (compile or cache load) is
reported separately and excluded from the rates.
"""
from __future__ import annotations

import numpy as np

from benchmarks.common import first_call_seconds, row, timeit
from sims import neuron_alignment as na
from sims.backend import get_backend


def main() -> None:
    numpy_bk, numba_bk = get_backend("numpy"), get_backend("numba")
    print("neuron_alignment benchmark: one RK4 step (4 field evaluations), float64\n")
    row("problem", "numpy steps/s", "numba steps/s", "numba/numpy")
    compile_s = 0.0
    for n, d, h in ((20, 24, 60), (40, 48, 500), (100, 128, 2000)):
        rng = np.random.default_rng(0)
        X, y = na.make_data(n, d, 0.3, rng)
        W, v = na.make_init(h, d, 1e-3, rng)
        args = (X, y, W, v, 0.01, float(n), 1.0, False)
        if compile_s == 0.0:
            compile_s = first_call_seconds(lambda: na.rk4_step(numba_bk, *args))
        t_np = timeit(lambda: na.rk4_step(numpy_bk, *args), repeats=5)
        t_nb = timeit(lambda: na.rk4_step(numba_bk, *args), repeats=5)
        row(f"n={n}, d={d}, width={h}", f"{1 / t_np:.0f}", f"{1 / t_nb:.0f}", f"{t_np / t_nb:.2f}x")
    print(f"\nnumba first-call (compile or cache load) time, excluded above: {compile_s:.2f} s")


if __name__ == "__main__":
    main()
