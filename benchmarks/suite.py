"""The benchmark runner: every simulator's hot step on every backend, beside a PyTorch peer.

A simulator's benchmark module (``benchmarks/<simulator>.py``) exposes ``cases(size)`` with size
``"quick"`` or ``"paper"`` (the sizes of that profile), returning :class:`Case` objects. A case
times one unit of work (a GD step, an RK4 step, a solve...) on

* the suite's backends ``numpy``, ``numba`` and ``cupy`` (the latter only where a CUDA device is
  usable), through the simulator's own kernels, and
* a PyTorch peer: the same dynamics written the way a researcher would (parameters with
  ``requires_grad``, a loss, ``backward()``, an update under ``no_grad``), same sizes, float64,
  same thread count, on the CPU and, where CUDA is usable, on the GPU.

Timing: median of repeats after a warm-up call; the first call (numba compile or cache load, CUDA
context and kernel compilation, torch's first-use allocations) is reported separately. GPU calls
synchronise before the clock stops. Every ratio printed comes from this one run.
"""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
from typing import Callable

import numpy as np

from benchmarks.common import first_call_seconds, gemm_gflops, timeit
from sims.backend import cupy_available, get_backend
from sims.registry import get_simulator, names

Maker = Callable[[str], Callable[[], object]]


def benchmark_modules() -> dict[str, str]:
    """Simulator name -> its declared benchmark module (the registry is the one list)."""
    return {n: get_simulator(n).benchmarks for n in names() if get_simulator(n).benchmarks}


@dataclasses.dataclass
class Case:
    """One benchmarked unit of work of one simulator at one size."""

    sim: str
    name: str                     # what is timed, with its sizes
    size: str                     # "quick" | "paper"
    work: int                     # units (steps, solves) per call
    unit: str                     # "step" | "solve" | ...
    suite: Maker                  # backend name -> zero-argument callable
    torch: Maker | None = None    # "cpu" | "cuda" -> zero-argument callable (torch imported inside)
    flops: float | None = None    # flops per call, where the step is matmul-bound
    backends: tuple[str, ...] = ("numpy", "numba", "cupy")


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_cuda_available() -> bool:
    if not torch_available():
        return False
    import torch
    return bool(torch.cuda.is_available())


def _synced(fn: Callable[[], object], device: str) -> Callable[[], object]:
    """Make a GPU call blocking, so that the timer measures the work and not the launch."""
    if device == "cupy":
        import cupy

        def call():
            fn()
            cupy.cuda.Device().synchronize()
        return call
    if device == "cuda":
        import torch

        def call():
            fn()
            torch.cuda.synchronize()
        return call
    return fn


def measure(fn: Callable[[], object], device: str, repeats: int, min_time: float,
            budget_s: float = 20.0) -> dict:
    """First call timed alone; then the median of ``repeats`` (at least 3, fewer than asked when
    one call is long, to keep each implementation within about ``budget_s``)."""
    fn = _synced(fn, device)
    first = first_call_seconds(fn)
    second = first_call_seconds(fn)
    repeats = max(3, min(repeats, int(budget_s / max(second, 1e-9))))
    return {"first_call_s": first, "seconds": timeit(fn, repeats=repeats, min_time=min_time)}


def threads() -> int:
    """The thread count every library is pinned to (BLAS, numba, torch): $BENCH_THREADS or all cores."""
    return int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))


def pin_threads(n: int) -> None:
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(n)
    except ImportError:
        pass
    if torch_available():
        import torch
        torch.set_num_threads(n)


def run_case(case: Case, repeats: int = 5, min_time: float = 0.05) -> dict:
    """Times every available implementation of a case; returns units/s and first-call seconds."""
    out: dict[str, dict] = {}
    for b in case.backends:
        if b == "cupy" and not cupy_available():
            continue
        get_backend(b)
        out[b] = measure(case.suite(b), b, repeats, min_time)
    if case.torch is not None and torch_available():
        out["torch-cpu"] = measure(case.torch("cpu"), "cpu", repeats, min_time)
        if torch_cuda_available():
            out["torch-cuda"] = measure(case.torch("cuda"), "cuda", repeats, min_time)
    for r in out.values():
        r["rate"] = case.work / r["seconds"]
    return out


def ratios(case: Case, res: dict, gemm: float | None) -> dict:
    """suite/PyTorch (best CPU backend vs torch-cpu), numba/numpy, cupy/best CPU, GEMM fraction."""
    rate = {k: v["rate"] for k, v in res.items()}
    cpu = {k: rate[k] for k in ("numpy", "numba") if k in rate}
    best_cpu = max(cpu, key=cpu.get) if cpu else None
    r: dict[str, float | str | None] = {"best_cpu": best_cpu}
    r["suite/torch_cpu"] = (cpu[best_cpu] / rate["torch-cpu"]
                            if best_cpu and "torch-cpu" in rate else None)
    r["numba/numpy"] = rate["numba"] / rate["numpy"] if {"numba", "numpy"} <= rate.keys() else None
    r["cupy/best_cpu"] = rate["cupy"] / cpu[best_cpu] if best_cpu and "cupy" in rate else None
    r["cupy/torch_cuda"] = (rate["cupy"] / rate["torch-cuda"]
                            if {"cupy", "torch-cuda"} <= rate.keys() else None)
    if case.flops and best_cpu and gemm:
        r["gemm_fraction"] = case.flops * cpu[best_cpu] / case.work / 1e9 / gemm
    else:
        r["gemm_fraction"] = None
    return r


COLUMNS = ("numpy", "numba", "cupy", "torch-cpu", "torch-cuda")


def _fmt_rate(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def _fmt_ratio(x) -> str:
    return "-" if x is None else f"{x:.2f}x"


def table_rows(records: list[dict]) -> list[list[str]]:
    rows = []
    for rec in records:
        res, r = rec["results"], rec["ratios"]
        rows.append([rec["sim"], rec["size"], rec["name"], rec["unit"] + "/s",
                     *[_fmt_rate(res[c]["rate"]) if c in res else "-" for c in COLUMNS],
                     _fmt_ratio(r["suite/torch_cpu"]), _fmt_ratio(r["numba/numpy"]),
                     _fmt_ratio(r["cupy/best_cpu"]),
                     "-" if r["gemm_fraction"] is None else f"{r['gemm_fraction']:.2f}",
                     f"{res['numba']['first_call_s']:.2f}" if "numba" in res else "-"])
    return rows


HEADER = ["simulator", "size", "case", "unit", *COLUMNS, "best CPU / torch-cpu", "numba/numpy",
          "cupy / best CPU", "GEMM fraction", "numba 1st call s"]


def print_table(records: list[dict]) -> None:
    rows = [HEADER] + table_rows(records)
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    for k, r in enumerate(rows):
        print("  ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in
                        enumerate(zip(r, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def markdown(records: list[dict], machine: dict) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in table_rows(records)]
    info = ", ".join(f"{k}: {v}" for k, v in machine.items())
    return f"Machine: {info}\n\n" + "\n".join(lines) + "\n"


def machine_info(gemm: float | None) -> dict:
    info = {"date": time.strftime("%Y-%m-%d"), "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(), "threads": threads(), "numpy": np.__version__,
            "gemm_gflops_f64": None if gemm is None else round(gemm, 1)}
    try:
        import numba
        info["numba"] = numba.__version__
    except ImportError:
        pass
    if torch_available():
        import torch
        info["torch"] = torch.__version__
    if cupy_available():
        import cupy
        info["cupy"] = cupy.__version__
        info["gpu"] = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    return info


def run(cases: list[Case], repeats: int = 5, min_time: float = 0.05, verbose: bool = True,
        gemm: float | None = None) -> list[dict]:
    records = []
    for case in cases:
        if verbose:
            print(f"  timing {case.sim} [{case.size}] {case.name} ...", flush=True)
        res = run_case(case, repeats, min_time)
        records.append({"sim": case.sim, "size": case.size, "name": case.name,
                        "unit": case.unit, "work": case.work, "results": res,
                        "ratios": ratios(case, res, gemm)})
    return records


def main_for(module_cases: Callable[[str], list[Case]], argv: list[str] | None = None) -> None:
    """The ``python -m benchmarks.<simulator>`` entry point: quick and paper sizes, one table."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=("quick", "paper", "both"), default="both")
    args = ap.parse_args(argv)
    pin_threads(threads())
    gemm = gemm_gflops()
    sizes = ("quick", "paper") if args.size == "both" else (args.size,)
    records = run([c for s in sizes for c in module_cases(s)], gemm=gemm)
    print()
    print_table(records)
    print(f"\nmachine: {json.dumps(machine_info(gemm))}")
