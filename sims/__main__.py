"""Command line: ``python -m sims list | run | claims | ledger | plan`` (also installed as
``dltheory``). See ``python -m sims -h``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import api
from . import ledger_table
from . import config as cfg
from . import paths, results
from . import threads as _threads
from . import user_claims
from .errors import SimsError
from .registry import get_simulator, names


def cmd_list(args) -> None:
    _, root = cfg.resolve_profile(None, args.profile_dir) if args.profile_dir else (None, None)
    for name in names():
        sim = get_simulator(name)
        print(f"{name}: {sim.summary}")
        folders = [args.profile_dir and Path(args.profile_dir).resolve().name] if root else \
            cfg.profiles()
        for profile in folders:
            path = cfg.profile_path(name, profile, root)
            if path.is_file():
                exps = cfg.load_experiments(name, sim.config, profile, config_dir=root)
                print(f"    {profile}: " + ", ".join(f"{e} ({sim.kind(c)})" for e, c in exps.items()))


def _overrides(args) -> dict:
    overrides = cfg.parse_overrides(args.set)
    if getattr(args, "backend", None):
        overrides["backend"] = args.backend
    return overrides


def cmd_run(args) -> None:
    sim = get_simulator(args.simulator)
    profile, root = cfg.resolve_profile(args.profile, args.profile_dir)
    overrides = _overrides(args)
    configs = cfg.load_experiments(args.simulator, sim.config, profile, overrides,
                                   config_dir=root, only=args.experiment or None)
    user_claims.declared(args.simulator, profile, root)       # a bad declaration fails here
    if args.out and len(configs) != 1:
        raise SimsError("--out needs a single --experiment")
    _threads.cores_of(args.threads)                       # --threads checked before anything runs
    for name, config in configs.items():
        cfg.check_footprint(sim, config, where=f"{profile}/{args.simulator}.yaml:{name}")
    if args.dry_run:
        if args.experiment is None:
            check_figure_kinds(sim, configs, f"{profile}/{args.simulator}.yaml")
        for name, config in configs.items():
            print(f"would run {args.simulator}/{name} ({sim.kind(config)})")
        return
    lay = paths.layout(args.profile, args.profile_dir, overrides, args.results_dir)
    labels = dict(profile=profile, overrides=overrides,
                  **({"profile_dir": str(root / profile)} if args.profile_dir else {}))
    for name, config in configs.items():   # every config was validated before anything runs
        result = api.simulate(sim, config, threads=args.threads, experiment=name, **labels)
        stem = Path(args.out) if args.out else lay.stem(args.simulator, name)
        data, _ = results.save(stem, result, format=args.format)
        print(f"wrote {data}")


def check_figure_kinds(sim, configs, where: str) -> None:
    """A profile whose figure needs an experiment kind it lacks is an error before anything runs
    (the figure would fail only after every simulation)."""
    if not sim.figure:
        return
    have = {sim.kind(c) for c in configs.values()}
    missing = [k for k in sim.figure_needs if k not in have]
    if missing:
        raise SimsError(f"{where}: the {sim.name} figure needs experiments of kind(s) "
                        f"{', '.join(missing)}; the profile has {', '.join(sorted(have))}")


def cmd_claims(args) -> None:
    sim = get_simulator(args.simulator)
    profile, root = cfg.resolve_profile(args.profile, args.profile_dir)
    lay = paths.layout(args.profile, args.profile_dir, _overrides(args), args.results_dir)
    names_ = cfg.load_profile_file(args.simulator, profile, root)["experiments"]
    mine = user_claims.declared(args.simulator, profile, root)
    loaded = {}
    for name in names_:
        path = lay.existing(args.simulator, name)
        if not path.is_file() and not path.with_suffix(".json").is_file():
            where = f"--profile-dir {args.profile_dir}" if args.profile_dir else \
                f"--profile {profile}"
            raise SimsError(f"missing result {path}; run `python -m sims run {args.simulator} "
                            f"{where} --experiment {name}` first")
        loaded[name] = results.load(path)
    out = Path(args.out) if args.out else lay.claims(args.simulator)
    rows = ledger_table.write_claims(out, args.simulator,
                                     sim.check(loaded) + user_claims.check(mine, loaded))
    for r in rows:
        label = f"{r['experiment']}: {r['name']}" if r.get("experiment") else r["name"]
        note = f" ({r['reason']})" if r.get("reason") and r["outcome"] != "PASS" else ""
        print(f"{r['outcome']}  {args.simulator}.{label}{note}")


def cmd_plan(args) -> None:
    from .plan import plan
    plans = plan(args.simulator, args.experiment or None, args.profile,
                 profile_dir=args.profile_dir, pilot=not args.no_pilot,
                 **cfg.parse_overrides(args.set))
    for p in ([plans] if args.experiment else plans.values()):
        print(p)


def cmd_ledger(args) -> None:
    lay = paths.layout(args.profile, args.profile_dir, _overrides(args), args.results_dir)
    md, js = lay.ledger
    files = args.inputs or sorted((lay.base / "claims").glob("*.json"))
    if not files:
        raise SimsError(f"no claims files under {lay.base}")
    counts = ledger_table.write_ledger(files, md, js, title=f"Claims ledger ({lay.label} profile)")
    print(ledger_table.headline(counts).replace("**", "") + f" Ledger in {md}")
    if args.strict and (counts["passed"] != counts["total"] or not counts["total"]):
        sys.exit(1)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sims", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    lst = sub.add_parser("list", help="list simulators and their experiments (with their kinds)")
    lst.add_argument("--profile-dir", type=Path, help="list this profile folder only")

    def profile_args(sp):
        sp.add_argument("--profile", default="quick",
                        help="a profile folder under config/ (shipped: quick, paper)")
        sp.add_argument("--profile-dir", type=Path,
                        help="a folder of <simulator>.yaml files; its name is the profile's name")
        sp.add_argument("--results-dir", default=str(paths.RESULTS_DIR), type=Path)
        sp.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value (YAML syntax), e.g. --set n=300; results of "
                             "a run with overrides go to a folder of their own")

    def common(sp):
        sp.add_argument("simulator")
        profile_args(sp)
        sp.add_argument("--out", type=Path, help="output path (stem or .npz / claims .json)")

    run = sub.add_parser("run", help="run a simulator's experiments and write result files")
    common(run)
    run.add_argument("--experiment", help="run only this experiment of the profile")
    run.add_argument("--backend", help="numpy | numba | cupy | array_api_strict | auto")
    run.add_argument("--dry-run", action="store_true",
                     help="validate every config (its memory footprint, --threads and the "
                          "kinds its figure needs) and stop")
    run.add_argument("--format", choices=tuple(results.FORMATS), default="npz",
                     help="result file format: npz + JSON sidecar (default) or NetCDF-4 + sidecar")
    run.add_argument("--threads", type=int, default=None,
                     help="cores to use (default: all this process may use): a sweep's points "
                          "run in that many processes; BLAS threads only for matrices of "
                          "dimension >= 2000")
    common(sub.add_parser("claims", help="check a simulator's claims against its result files"))
    pl = sub.add_parser("plan", help="before a run: can each claim decide at these settings "
                                     "(seeds or sizes needed), and the predicted time and memory")
    pl.add_argument("simulator")
    profile_args(pl)
    pl.add_argument("--experiment", help="plan only this experiment of the profile")
    pl.add_argument("--no-pilot", action="store_true",
                    help="answer from the config alone (no short pilot run)")
    led = sub.add_parser("ledger", help="merge every claims.json into claims.md / claims.json")
    led.add_argument("inputs", nargs="*", type=Path)
    profile_args(led)
    led.add_argument("--strict", action="store_true",
                     help="exit 1 unless every claim is PASS (FAIL, UNDERPOWERED and NOT_APPLICABLE "
                          "rows fail it; so does an empty ledger)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"list": cmd_list, "run": cmd_run, "claims": cmd_claims, "ledger": cmd_ledger,
               "plan": cmd_plan}
    try:
        handler[args.command](args)
    except SimsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
