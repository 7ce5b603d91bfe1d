"""Every simulator's benchmark in one run: ``python -m benchmarks [--size quick|paper|both]
[--only SIM ...] [--markdown FILE] [--json FILE]``.

Prints one table (units/s per backend and for the PyTorch peer, the ratios) and where each of the
suite's speed targets stands. PyTorch is optional (``pip install -e ".[bench]"``); without it the
peer columns are empty. Threads: every library is pinned to $BENCH_THREADS (default: all cores).
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from benchmarks import suite
from benchmarks.common import gemm_gflops
from benchmarks.suite import benchmark_modules


def _modules(only):
    for name, path in benchmark_modules().items():
        if only and name not in only:
            continue
        try:
            mod = importlib.import_module(path)
        except ImportError as exc:          # a simulator whose benchmark has not landed yet
            print(f"  (skipping {name}: {exc})", file=sys.stderr)
            continue
        if hasattr(mod, "cases"):
            yield name, mod


def list_cases(sizes=("quick", "paper")) -> list[tuple[str, str, str]]:
    """(simulator, size, case name) of every benchmark case, without timing anything."""
    return [(name, s, c.name) for name, mod in _modules(None) for s in sizes for c in mod.cases(s)]


def targets(records: list[dict]) -> list[str]:
    """The suite's stated speed targets, each with where it stands (never asserted)."""
    out = []
    quick = [r for r in records if r["size"] == "quick"]
    vs_torch = [(r["sim"], r["name"], r["ratios"]["suite/torch_cpu"]) for r in quick
                if r["ratios"]["suite/torch_cpu"] is not None]
    if vs_torch:
        worst = min(vs_torch, key=lambda t: t[2])
        n_ok = sum(t[2] >= 3 for t in vs_torch)
        out.append(f"best CPU backend >= 3x PyTorch-CPU at quick sizes: {n_ok}/{len(vs_torch)} "
                   f"cases; worst {worst[2]:.2f}x ({worst[0]}: {worst[1]})")
    else:
        out.append("best CPU backend >= 3x PyTorch-CPU: not measured (torch not installed)")
    gemm = [(r["sim"], r["size"], r["name"], r["ratios"]["gemm_fraction"]) for r in records
            if r["ratios"]["gemm_fraction"] is not None]
    if gemm:
        n_ok = sum(g[3] >= 0.5 for g in gemm)
        worst = min(gemm, key=lambda g: g[3])
        out.append(f"flop-counted steps within 2x of the measured GEMM rate: {n_ok}/{len(gemm)}; "
                   f"lowest {worst[3]:.2f} ({worst[0]} [{worst[1]}]: {worst[2]})")
    paper = [(r["sim"], r["name"], r["ratios"]["cupy/best_cpu"]) for r in records
             if r["size"] == "paper"]
    gpu = [p for p in paper if p[2] is not None]
    if gpu:
        n_ok = sum(p[2] >= 20 for p in gpu)
        worst = min(gpu, key=lambda p: p[2])
        out.append(f"CuPy >= 20x the best 2-core CPU backend at paper sizes: {n_ok}/{len(gpu)}; "
                   f"worst {worst[2]:.1f}x ({worst[0]}: {worst[1]})")
    else:
        out.append("CuPy >= 20x best CPU at paper sizes: pending (no CUDA device in this run)")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=("quick", "paper", "both"), default="both")
    ap.add_argument("--only", nargs="*", help="simulators to run (default: all)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--whole-runs", choices=("yes", "no", "only"), default="yes",
                    help="also time whole simulate() runs per backend (benchmarks/whole_runs.py)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--markdown", help="also write the table and targets as markdown here")
    ap.add_argument("--json", help="also write every measurement as JSON here")
    args = ap.parse_args(argv)
    if args.list:
        for sim, size, name in list_cases():
            print(f"{sim:18s} {size:6s} {name}")
        return
    unknown = sorted(set(args.only or ()) - set(benchmark_modules()))
    if unknown:
        ap.error(f"no benchmarks for {unknown}; known: {', '.join(benchmark_modules())}")

    sizes = ("quick", "paper") if args.size == "both" else (args.size,)
    if args.whole_runs == "only":
        return _whole(args, sizes)
    suite.pin_threads(suite.threads())
    gemm = gemm_gflops()
    cases = [c for _, mod in _modules(args.only) for s in sizes for c in mod.cases(s)]
    records = suite.run(cases, repeats=args.repeats, gemm=gemm)
    machine = suite.machine_info(gemm)
    print()
    suite.print_table(records)
    print("\nrates are units/s (median of repeats after warm-up); first calls excluded")
    print(f"machine: {json.dumps(machine)}\n\ntargets:")
    lines = targets(records)
    for line in lines:
        print(f"  - {line}")
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(suite.markdown(records, machine) + "\nTargets:\n\n"
                     + "".join(f"- {line}\n" for line in lines))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": machine, "records": records}, fh, indent=1)
    if args.whole_runs == "yes":
        _whole(args, sizes)


def _whole(args, sizes) -> None:
    """The whole-run table (each row in fresh child processes; see benchmarks/whole_runs.py)."""
    from benchmarks import whole_runs
    records = [whole_runs.measure(r) for r in whole_runs.rows(sizes, args.only)]
    text = whole_runs.table(records)
    print("\nwhole runs (simulate end to end, seconds):\n" + text)
    worst = max((r["auto_over_best"] for r in records if r["auto_over_best"]), default=None)
    if worst is not None:
        print(f"  - auto within 1.1x of the fastest CPU backend: "
              f"{sum(r['auto_over_best'] <= 1.1 for r in records if r['auto_over_best'])}/"
              f"{len(records)} rows; worst {worst:.2f}x")
    if args.markdown:
        with open(args.markdown, "a") as fh:
            fh.write("\nWhole runs (simulate end to end, seconds):\n\n" + text)
    if args.json:
        path = Path(args.json).with_suffix(".whole.json")
        path.write_text(json.dumps(records, indent=1) + "\n")


if __name__ == "__main__":
    main()
