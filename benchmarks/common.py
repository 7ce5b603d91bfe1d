"""Timing helpers shared by the benchmark scripts: median of repeats after warm-up, compile time
reported separately, and the machine's measured dense GEMM rate as the yardstick."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np


def timeit(fn: Callable[[], object], repeats: int = 5, min_time: float = 0.05) -> float:
    """Median seconds per call, after one warm-up call; each sample loops until >= min_time."""
    fn()
    samples = []
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        samples.append(elapsed / calls)
    return float(np.median(samples))


def first_call_seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def gemm_gflops(n: int = 1024) -> float:
    """Measured float64 GEMM rate of this machine's BLAS, GFLOP/s (2 n^3 flops per product)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    return 2 * n**3 / timeit(lambda: a @ b, repeats=5) / 1e9


def row(name: str, *cells: str) -> None:
    print(f"{name:<44}" + "".join(f"{c:>16}" for c in cells))
