"""The Python API, for notebooks and scripts; the CLI (``python -m sims``) is a thin layer over it.

    import sims
    sims.list()                                            # name -> one-line summary
    res = sims.run("double_descent", "linear", profile="quick", n=300, seeds=50)
    res.to_xarray()                                        # named dims and coordinates
    res.claims()                                           # theory vs measured, in memory
    sims.claims(res)                                       # the same, as a function
    sims.ledger({"double_descent": [res]})                 # the verdict, with its headline
    sims.save(res, "my_run")                               # my_run.npz + my_run.json
    sims.plan("double_descent", "linear", n=300, seeds=50) # can its claims decide? cost?

``sims.claims`` is this module's function :func:`claims`; the module of claim rows and checks is
:mod:`sims.verdicts` and the ledger's table is :mod:`sims.ledger_table`.

Overrides are config fields (``n=300``) and are validated exactly as ``--set`` on the command
line: a bad value raises :class:`sims.errors.ConfigError` with the same one-line message.
"""
from __future__ import annotations

import builtins
import html
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import config as cfg
from .errors import SimsError
from .ledger_table import headline, html_table, summary
from .registry import get_simulator, names
from .results import Result, load as _load, save as _save
from .user_claims import declared
from .verdicts import FAIL, NOT_APPLICABLE, PASS, UNDERPOWERED, Claim


def list() -> dict[str, str]:  # noqa: A001 - the API's verb
    """Every simulator's name and one-line summary."""
    return {name: get_simulator(name).summary for name in names()}


def experiments(simulator: str, profile: str = "quick", *, profile_dir: str | Path | None = None,
                **overrides: Any) -> dict[str, Any]:
    """Every experiment of a profile as a validated config, with ``overrides`` applied to each."""
    sim = get_simulator(simulator)
    name, root = cfg.resolve_profile(profile, profile_dir)
    return cfg.load_experiments(simulator, sim.config, name, overrides, config_dir=root)


def run(simulator: str, experiment: str | None = None, profile: str = "quick", *,
        profile_dir: str | Path | None = None, threads: int | None = None,
        **overrides: Any) -> Result | dict[str, Result]:
    """Run one experiment of a profile (or all of them, by name, when ``experiment`` is None)
    with ``overrides`` applied, in memory, on ``threads`` cores (default: all this process may use;
    see :mod:`sims.threads`), the caller's thread settings restored afterwards. Every config is validated
    before anything runs."""
    sim = get_simulator(simulator)
    name, root = cfg.resolve_profile(profile, profile_dir)
    configs = cfg.load_experiments(simulator, sim.config, name, overrides, config_dir=root,
                                   only=experiment)
    for e, c in configs.items():
        cfg.check_footprint(sim, c, where=f"{name}/{simulator}.yaml:{e}")
    declared(simulator, name, root)                  # the profile's own claims, validated
    out = {}
    for e, c in configs.items():
        out[e] = simulate(sim, c, threads=threads, experiment=e, profile=name, overrides=overrides)
    return out[experiment] if experiment is not None else out


def simulate(sim, config: Any, threads: int | None = None, **meta: Any) -> Result:
    """``sim.simulate(config)`` on ``threads`` cores with the run's labels (experiment, profile,
    overrides) added."""
    result = sim.simulate(config, threads=threads)
    result.meta.update(**meta)
    return result


def load(path: str | Path) -> Result:
    """A result file (checked against its sidecar's checksum)."""
    return _load(Path(path))


def save(result: Result, path: str | Path, format: str = "npz") -> tuple[Path, Path]:  # noqa: A002
    """Write ``result`` to ``<path>.npz`` (``format="netcdf"``: ``<path>.nc``) plus the JSON
    sidecar ``<path>.json``, atomically, with provenance; return both paths. ``path`` may end in
    ``.npz``, ``.nc`` or ``.json`` (the stem is used)."""
    if not isinstance(result, Result):
        raise SimsError(f"save() needs a sims Result, got {type(result).__name__}")
    return _save(Path(path), result, format=format)


def claims(results: Result | Sequence[Result] | Mapping[str, Result],
           symbolic: bool = False) -> builtins.list[Claim]:
    """The claims of one simulator's results (all from the same simulator): ``sims.claims(res)``
    is ``res.claims()``; a list or ``{experiment: result}`` lets claims find their controls."""
    rs = [results] if isinstance(results, Result) else builtins.list(
        results.values() if isinstance(results, Mapping) else results)
    sims_of = {r.simulator for r in rs}
    if len(sims_of) != 1 or None in sims_of:
        raise SimsError(f"claims() needs results of one simulator, got {sorted(map(str, sims_of))}")
    return get_simulator(sims_of.pop()).check(results, symbolic=symbolic)


class Ledger:
    """Claims of several simulators with the ledger's headline counts (``str()`` is the headline;
    in a notebook it shows as a table)."""

    def __init__(self, rows: builtins.list[Claim]):
        self.claims = rows
        self.rows = [c.to_dict() for c in rows]
        self.counts = summary(self.rows)

    def __str__(self) -> str:
        return headline(self.counts).replace("**", "")

    def __repr__(self) -> str:
        return f"<Ledger of {len(self.rows)} claims: {self}>"

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(str(self))}</b></p>{html_table(self.rows)}"

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def passed(self) -> bool:
        """True when there is at least one claim and every one is PASS (an empty ledger, an
        UNDERPOWERED or a NOT_APPLICABLE row is not a pass)."""
        return bool(self.rows) and all(r["outcome"] == PASS for r in self.rows)

    def outcomes(self) -> dict[str, int]:
        """How many rows have each outcome."""
        return {o: sum(r["outcome"] == o for r in self.rows)
                for o in (PASS, FAIL, UNDERPOWERED, NOT_APPLICABLE)}

    def failures(self) -> builtins.list[dict]:
        """The FAIL rows (the measurement disagrees, or the result is broken)."""
        return [r for r in self.rows if r["outcome"] == FAIL]

    def undecided(self) -> builtins.list[dict]:
        """The UNDERPOWERED and NOT_APPLICABLE rows, each saying what would decide."""
        return [r for r in self.rows if r["outcome"] in (UNDERPOWERED, NOT_APPLICABLE)]

    def to_latex(self) -> str:
        """The claims as LaTeX macros (``claims.tex``; see :mod:`sims.latex`)."""
        from .latex import to_latex
        return to_latex(self.rows)


def ledger(results: Mapping[str, Any] | Sequence[Result], symbolic: bool = False) -> Ledger:
    """The ledger of in-memory results: ``{simulator: results}`` or a flat list of results."""
    if isinstance(results, Mapping):
        groups = {k: v for k, v in results.items()}
    else:
        groups: dict[str, builtins.list[Result]] = {}
        for r in results:
            groups.setdefault(r.simulator, []).append(r)
    rows: builtins.list[Claim] = []
    for name, rs in groups.items():
        rows += get_simulator(name).check(rs, symbolic=symbolic)
    return Ledger(rows)
