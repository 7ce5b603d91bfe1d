"""Neural-collapse GD benchmark: heavy-ball steps per second, numpy (generic) vs numba (fused loop).

Run: ``python -m benchmarks.neural_collapse``. Every ratio printed is measured in this one run; the
numba first call (compile, or load from numba's on-disk cache) is timed separately and excluded.
"""
from __future__ import annotations

import numpy as np

from benchmarks.common import first_call_seconds, row, timeit
from sims import neural_collapse as nc
from sims.backend import get_backend
from sims.kernels import neural_collapse as kern

CASES = (  # (label, counts, d, depth, loss, steps per call)
    ("quick: K=4, N=80, d=8, M=1, MSE", (20,) * 4, 8, 1, "mse", 500),
    ("quick: K=4, N=80, d=8, M=3, MSE", (20,) * 4, 8, 3, "mse", 500),
    ("quick: K=4, N=80, d=8, M=1, CE+bias", (20,) * 4, 8, 1, "ce", 500),
    ("paper: K=4, N=400, d=64, M=3, MSE", (100,) * 4, 64, 3, "mse", 100),
)


def main() -> None:
    numpy_bk, numba_bk = get_backend("numpy"), get_backend("numba")
    print("neural_collapse benchmark: full-batch heavy-ball GD steps/s (float64, median of 5)\n")
    row("case", "numpy steps/s", "numba steps/s", "numba/numpy")
    compile_s = None
    for label, counts, d, M, loss, steps in CASES:
        cfg = nc.Config(counts=counts, d=d, depths=(M,), loss=loss, bias=loss == "ce")
        H, Ws, Wout, b, Y = nc.init_state(cfg, np.asarray(counts), M, np.random.default_rng(0))
        vel = [np.zeros_like(a) for a in (H, Ws, Wout, b)]
        hp = (Y, 0.02, 0.9, 5e-3, 5e-3, 0.0, loss == "ce", loss == "ce")
        state = (H, Ws, Wout, b, *vel)
        if compile_s is None:
            compile_s = first_call_seconds(lambda: nc.gd_chunk(numba_bk, *state, *hp, 1))
            hits = sum(kern.gd_chunk.stats.cache_hits.values())
        t_np = timeit(lambda: nc.gd_chunk(numpy_bk, *state, *hp, steps), repeats=5)
        t_nb = timeit(lambda: nc.gd_chunk(numba_bk, *state, *hp, steps), repeats=5)
        row(label, f"{steps / t_np:,.0f}", f"{steps / t_nb:,.0f}", f"{t_np / t_nb:.2f}x")
    how = "loaded from numba's cache" if hits else "compiled"
    print(f"\nnumba first call ({how}), excluded above: {compile_s:.2f} s")


if __name__ == "__main__":
    main()
