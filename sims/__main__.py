"""Command line: ``python -m sims list | run | claims | ledger``. See ``python -m sims -h``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import claims as claims_mod
from . import config as cfg
from . import results
from .errors import SimsError
from .registry import SIMULATORS, get_simulator


def result_stem(results_dir: Path, profile: str, simulator: str, experiment: str) -> Path:
    return Path(results_dir) / profile / simulator / experiment


def cmd_list(args) -> None:
    for name in sorted(SIMULATORS):
        doc = (get_simulator(name).__doc__ or "").strip().splitlines()[0]
        print(f"{name}: {doc}")
        for profile in cfg.PROFILES:
            path = cfg.profile_path(name, profile)
            if path.is_file():
                exps = ", ".join(cfg.load_profile_file(name, profile)["experiments"])
                print(f"    {profile}: {exps}")


def cmd_run(args) -> None:
    sim = get_simulator(args.simulator)
    overrides = cfg.parse_overrides(args.set)
    if args.backend:
        overrides["backend"] = args.backend
    configs = cfg.load_experiments(args.simulator, sim.Config, args.profile, overrides)
    if args.experiment:
        if args.experiment not in configs:
            raise SimsError(f"no experiment {args.experiment!r} in profile {args.profile!r} of "
                            f"{args.simulator}; known: {', '.join(configs)}")
        configs = {args.experiment: configs[args.experiment]}
    if args.out and len(configs) != 1:
        raise SimsError("--out needs a single --experiment")
    for name, config in configs.items():   # every config was validated before anything runs
        result = sim.simulate(config)
        result.meta.update(simulator=args.simulator, experiment=name, profile=args.profile,
                           overrides=overrides, config=config.to_dict())
        stem = Path(args.out) if args.out else result_stem(args.results_dir, args.profile,
                                                           args.simulator, name)
        npz, _ = results.save(stem, result)
        print(f"wrote {npz}")


def cmd_claims(args) -> None:
    sim = get_simulator(args.simulator)
    names = cfg.load_profile_file(args.simulator, args.profile)["experiments"]
    loaded = {}
    for name in names:
        path = result_stem(args.results_dir, args.profile, args.simulator, name).with_suffix(".npz")
        if not path.is_file():
            raise SimsError(f"missing result {path}; run `python -m sims run {args.simulator} "
                            f"--profile {args.profile}` first")
        loaded[name] = results.load(path)
    out = Path(args.out) if args.out else (Path(args.results_dir) / args.profile / "claims"
                                           / f"{args.simulator}.json")
    rows = claims_mod.write_claims(out, args.simulator, sim.claims(loaded))
    for r in rows:
        print(f"{'PASS' if r['passed'] else 'FAIL'}  {args.simulator}.{r['name']}")


def cmd_ledger(args) -> None:
    base = Path(args.results_dir) / args.profile
    files = args.inputs or sorted(base.glob("claims/*.json"))
    if not files:
        raise SimsError(f"no claims files under {base}")
    passed, total = claims_mod.write_ledger(files, base / "claims.md", base / "claims.json",
                                            title=f"Claims ledger ({args.profile} profile)")
    print(f"{passed}/{total} claims pass; ledger in {base / 'claims.md'}")
    if args.strict and passed != total:
        sys.exit(1)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sims", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list simulators and their experiments")

    def common(sp):
        sp.add_argument("simulator")
        sp.add_argument("--profile", default="quick", choices=cfg.PROFILES)
        sp.add_argument("--results-dir", default="results", type=Path)
        sp.add_argument("--out", type=Path, help="output path (stem or .npz / claims .json)")

    run = sub.add_parser("run", help="run a simulator's experiments and write result files")
    common(run)
    run.add_argument("--experiment", help="run only this experiment of the profile")
    run.add_argument("--backend", help="numpy | numba | cupy | array_api_strict | auto")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a config value (YAML syntax), e.g. --set n=300")
    common(sub.add_parser("claims", help="check a simulator's claims against its result files"))
    led = sub.add_parser("ledger", help="merge every claims.json into claims.md / claims.json")
    led.add_argument("inputs", nargs="*", type=Path)
    led.add_argument("--profile", default="quick", choices=cfg.PROFILES)
    led.add_argument("--results-dir", default="results", type=Path)
    led.add_argument("--strict", action="store_true", help="exit 1 if any claim fails")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"list": cmd_list, "run": cmd_run, "claims": cmd_claims, "ledger": cmd_ledger}
    try:
        handler[args.command](args)
    except SimsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
