"""A simulator, declared once.

Each simulator module (or package) ends with one :class:`Simulator`::

    SIMULATOR = Simulator(
        name="double_descent",
        summary="min-norm least squares and ReLU random features across p = n",
        config=DoubleDescentConfig,            # frozen dataclass deriving sims.config.BaseConfig
        simulate=simulate,                     # (config, run) -> sims.results.Result (make_result)
        kind=lambda c: c.model,                # what an experiment *is*, from its config
        claims={"linear": linear_claims, "relu_rf": rf_claims},   # by kind
        symbolic=theory.verify, symbolic_reference="Hastie et al. 2022",
        figure="figures.double_descent", figure_kinds=("linear", "relu_rf"),
        cost=cost,                             # config -> (work, bytes, largest matrix dim)
        benchmarks="benchmarks.double_descent",
        plans={"linear": plan_linear},         # optional, by kind: (config, pilot) -> ClaimPlans
    )

and ``sims/registry.py`` lists the module once. The declared ``simulate(config, run)`` is the
simulator's body; ``SIMULATOR.simulate(config, threads=None)`` is the one entry of every run
(exported as the package's ``simulate``): it resolves the backend and plans the threads once, runs
the body within those thread limits (restored for the caller afterwards) with a
:class:`sims.context.RunContext`, and labels the result with the simulator, the kind and the
backend. The CLI, the Snakefile, the cost model, the
benchmarks, the report and the tests all discover simulators from the registry.

A claims function for a kind is ``fn(result, experiments) -> list[Claim]``: ``experiments`` the whole
:class:`Experiments` of the profile, so a claim can find its control run by kind
(``experiments.first("no_decay")``), or the run of that kind that shares the settings the claim
names (``experiments.control("shuffled", result, share)``, then ``with_control(..., share=share)``:
see :mod:`sims.verdicts`). Claims are keyed by what an experiment is, never by its name: a profile
may rename, add or remove experiments and every applicable claim still runs.
"""
from __future__ import annotations

import dataclasses
import functools
import traceback
from typing import Any, Callable, Iterator, Mapping, Sequence

from . import symbolic_cache, threads as _threads
from .backend import resolve_backend
from .context import RunContext
from .errors import require
from .verdicts import Claim, differences, failed, symbolic as symbolic_rows
from .results import Result

ClaimFn = Callable[[Result, "Experiments"], Sequence[Claim]]
# a kind's planning model (sims.plan): (config, pilot) -> [sims.plan.ClaimPlan]; ``pilot(config)``
# runs a reduced config when the cost model says it is cheap, else returns None
PlanFn = Callable[[Any, Callable[[Any], "Result | None"] | None], Sequence[Any]]


@dataclasses.dataclass(frozen=True)
class Simulator:
    """The one declaration of a simulator (see the module docstring)."""

    name: str
    summary: str
    config: type
    simulate: Callable[[Any, RunContext], Result]   # the body; replaced by the entry (below)
    kind: Callable[[Any], str]
    claims: Mapping[str, ClaimFn]
    symbolic: Callable[[], Mapping[str, bool]] | None = None
    symbolic_reference: str = ""
    figure: str | None = None                  # module with draw(experiments) and panel(...)
    figure_kinds: tuple[str, ...] = ()         # the experiment kinds its figure reads
    figure_optional: tuple[str, ...] = ()      # ... of which it draws these only when present
    cost: Callable[[Any], tuple[float, float, int]] | None = None
    benchmarks: str | None = None              # module with cases(size)
    auto: Callable[[Any], str] | None = None   # config -> "numba" | "numpy": the faster CPU path
    plans: Mapping[str, PlanFn] = dataclasses.field(default_factory=dict)   # by kind (sims.plan)
    outputs: str | Mapping[str, Any] | None = None   # sims.outputs: module with OUTPUTS, or it
    module: str = ""                           # filled in by the registry

    def __post_init__(self) -> None:
        if not hasattr(self.simulate, "body"):
            object.__setattr__(self, "simulate", _entry(self, self.simulate))

    @property
    def figure_needs(self) -> tuple[str, ...]:
        """The experiment kinds a profile must have for the figure (checked before any run)."""
        return tuple(k for k in self.figure_kinds if k not in self.figure_optional)

    def kind_of(self, result: Result) -> str:
        """The kind of a result: from its metadata, else computed from its config."""
        kind = result.meta.get("kind")
        if kind:
            return str(kind)
        from .config import from_mapping
        return self.kind(from_mapping(self.config, result.meta.get("config", {})))

    def check(self, results: Result | Sequence[Result] | Mapping[str, Result],
              symbolic: bool = True) -> list[Claim]:
        """Every claim that applies to ``results`` (one result, a list, or a profile's results by
        name), plus this simulator's symbolic identities when ``symbolic``. Never raises: a claims
        function that fails on a result gives a FAIL row saying what went wrong."""
        exps = Experiments.of(self, results)
        out = [dataclasses.replace(c, simulator=self.name) for c in self.symbolic_claims()] \
            if symbolic else []
        for name in exps:
            out += [dataclasses.replace(c, simulator=self.name, experiment=name)
                    for c in self._claims_of(name, exps)]
        return out

    def _claims_of(self, name: str, exps: "Experiments") -> list[Claim]:
        try:
            kind = exps.kind(name)
        except Exception as exc:  # noqa: BLE001 - a result whose config does not even parse
            return [failed("result readable", self.name, "the result's config gives its kind",
                           f"{type(exc).__name__}: {exc}")]
        fn = self.claims.get(kind)
        if fn is None:
            return []
        broken = _inconsistent(exps[name])
        if broken:
            return [failed("result consistent", self.name, "arrays that share an axis name have "
                           "equal lengths along it, and every array has its dims", broken)]
        try:
            rows = list(fn(exps[name], exps))
        except Exception as exc:  # noqa: BLE001 - claims never raise; they report
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return [failed(f"claims of kind {kind!r}", self.name,
                           "every claim of this kind could be evaluated on the result",
                           f"{type(exc).__name__}: {exc} (at {where.name}, line {where.lineno})")]
        if not rows:
            return [failed(f"claims of kind {kind!r}", self.name,
                           "at least one claim applies", "the claims function returned no row")]
        return rows

    def symbolic_claims(self) -> list[Claim]:
        if self.symbolic is None:
            return []
        return symbolic_rows(_verified(self.symbolic), self.symbolic_reference or self.name,
                             self.symbolic.__module__)


def _entry(sim: Simulator, body: Callable[[Any, RunContext], Result]) -> Callable[..., Result]:
    """``simulate(config, threads=None)``: one run of ``body`` (see the module docstring)."""
    @functools.wraps(body)
    def simulate(config: Any, *, threads: int | None = None) -> Result:
        require(isinstance(config, sim.config), f"{sim.name}.simulate needs a {sim.config.__name__}"
                                                f", got {type(config).__name__}")
        run = RunContext(resolve_backend(config.backend, sim.auto, config),
                         _threads.plan(sim, config, threads))
        with _threads.limited(run.threads):
            result = body(config, run)
        result.meta.update(simulator=sim.name, kind=sim.kind(config), backend=run.backend.name)
        return result
    simulate.body = body
    return simulate


def _inconsistent(result: Result) -> str:
    """Why a result's arrays disagree with their declared dims ('' when they agree, or when the
    result declares no dims, as files from older versions)."""
    dims = result.meta.get("dims")
    if not dims:
        return ""
    sizes: dict[str, tuple[int, str]] = {}
    for key, a in result.arrays.items():
        d = dims.get(key)
        if d is None:
            continue
        if len(d) != a.ndim:
            return f"{key} has {a.ndim} axes but dims {d}"
        for axis, n in zip(d, a.shape):
            if axis in sizes and sizes[axis][0] != n:
                return (f"axis {axis!r} has length {sizes[axis][0]} in {sizes[axis][1]} and {n} "
                        f"in {key}")
            sizes.setdefault(axis, (n, key))
    return ""


@functools.lru_cache(maxsize=None)
def _cached(verify: Callable[[], Mapping[str, bool]]) -> tuple[tuple[str, bool], ...]:
    return tuple(symbolic_cache.verdicts(verify).items())


def _verified(verify: Callable[[], Mapping[str, bool]]) -> dict[str, bool]:
    """``verify()`` once per process and once per theory source (:mod:`sims.symbolic_cache`: the
    sympy checks take seconds and are pure)."""
    try:
        return dict(_cached(verify))
    except Exception as exc:  # noqa: BLE001
        return {f"verify() raised {type(exc).__name__}: {exc}": False}


class Experiments(Mapping[str, Result]):
    """A simulator's results by experiment name, with lookup by kind."""

    def __init__(self, sim: Simulator, results: Mapping[str, Result]):
        self.sim = sim
        self._results = dict(results)
        self._kinds: dict[str, str] = {}

    @classmethod
    def of(cls, sim: Simulator, results) -> "Experiments":
        if isinstance(results, Experiments):
            return results
        if isinstance(results, Result):
            results = [results]
        if not isinstance(results, Mapping):
            named = {}
            for i, r in enumerate(results):
                name = r.meta.get("experiment") or f"result{i}"
                named[name if name not in named else f"{name}_{i}"] = r
            results = named
        return cls(sim, results)

    def __getitem__(self, name: str) -> Result:
        return self._results[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def kind(self, name: str) -> str:
        if name not in self._kinds:
            self._kinds[name] = self.sim.kind_of(self._results[name])
        return self._kinds[name]

    def of_kind(self, kind: str) -> dict[str, Result]:
        """Every result of this kind, by name, in profile order."""
        out = {}
        for name in self._results:
            try:
                if self.kind(name) == kind:
                    out[name] = self._results[name]
            except Exception:  # noqa: BLE001 - an unreadable result is reported by its own claims
                continue
        return out

    def first(self, kind: str) -> Result | None:
        """The first result of this kind (a control run, say), or None when the profile has none."""
        return next(iter(self.of_kind(kind).values()), None)

    def control(self, kind: str, result: Result, share: Sequence[str],
                settings: Callable[[Result], Mapping[str, Any]] | None = None) -> Result | None:
        """The control run of ``kind`` for ``result``: the first result of that kind whose config
        (or ``settings(run)``, for settings derived from it) agrees with ``result``'s on every
        ``share`` field; when none agrees, the one that differs in the fewest (the first on a
        tie), so that the claim's ``with_control(..., share=share)`` FAILs "control not
        comparable" naming them, rather than pairing by kind alone; None when the profile has
        none of the kind."""
        of = settings or (lambda r: r.config)
        mine = of(result)

        def distance(run: Result) -> int:
            theirs = of(run)
            return sum(bool(differences(mine, theirs, (k,))) for k in share)
        return min(self.of_kind(kind).values(), key=distance, default=None)
