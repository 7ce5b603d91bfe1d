"""Your own claims, declared in a profile next to its experiments.

A profile file (``<profile>/<simulator>.yaml``) may hold a ``claims:`` mapping beside
``experiments:``; each entry is a formula checked against one experiment's result by
:func:`sims.compare`, and its row joins the simulator's rows in ``python -m sims claims``,
``snakemake figures``, the ledger and the report, with the same outcomes (PASS, FAIL,
UNDERPOWERED, NOT_APPLICABLE)::

    experiments:
      linear: {model: linear, n: 60, ratios: [0.25, 0.5, 0.75, 1.0, 2.0], seeds: 1500}
    claims:
      finite_n_risk:
        experiment: linear                    # the result it reads
        formula: sigma**2*p/(n - p - 1)       # text, or a formula name (double_descent.risk_under)
        measured: min_norm_risk               # an array of the result
        at: {p: widths, n: n, sigma: noise}   # symbol -> an array, a config field or a number
        where: {ratios: [0, 0.9]}             # optional: coordinate -> [lo, hi], or {in: [values]}
        rival: sigma**2*gamma/(1 - gamma)     # the negative control: a rival formula ...
        rival_at: {gamma: ratios}
        # control: {experiment: ridge_run, share: [n, ratios, seeds]}   # ... or a control run
        z: 3.5                                # tolerance: z standard errors of the mean over seeds
        # rtol: 0.05, atol: 0.0, why: "..."   # ... or rtol / atol, with why, without a seed axis
        reference: my notes, eq. (3)

Every claim needs a negative control (``rival`` or ``control``): the same check must fail on it.
A declaration is checked when the profile is read (``python -m sims run``, ``claims``, ``plan``):
unknown keys, missing fields, an experiment the profile lacks, a formula that does not parse
are one-line :class:`~sims.errors.ConfigError` messages naming the file and the claim, with
"did you mean". Names of arrays are checked against the result, where a wrong one gives a FAIL
row saying so (claims never raise).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from . import config as cfg
from .errors import ConfigError, SimsError, require
from .results import Result
from .verdicts import Claim, failed

REQUIRED = ("experiment", "formula", "measured", "at", "reference")
OPTIONAL = ("where", "rival", "rival_at", "control", "z", "rtol", "atol", "why", "statement")


@dataclass(frozen=True)
class UserClaim:
    """One declared claim (the module docstring explains each field)."""

    name: str
    experiment: str
    formula: str
    measured: str
    at: Mapping[str, Any]
    reference: str
    where: Mapping[str, Any] | None = None
    rival: str | None = None
    rival_at: Mapping[str, Any] = field(default_factory=dict)
    control: str | None = None
    share: tuple[str, ...] = ()
    z: float = 3.5
    rtol: float = 0.0
    atol: float = 0.0
    why: str | None = None
    statement: str | None = None
    source: str = ""

    def where_rule(self) -> dict[str, Any] | None:
        """``where`` as :func:`sims.compare` takes it: [lo, hi] -> (lo, hi), {in: [...]} -> list."""
        if self.where is None:
            return None
        return {k: (tuple(v) if isinstance(v, list) else list(v["in"]))
                for k, v in self.where.items()}


def _mean(name: str, options) -> str:
    m = difflib.get_close_matches(str(name), list(options), n=1, cutoff=0.6)
    return f"; did you mean {m[0]!r}?" if m else ""


def parse(data: Mapping[str, Any] | None, experiments: Mapping[str, Any], where: str
          ) -> dict[str, UserClaim]:
    """The ``claims:`` mapping of a profile file, validated (module docstring)."""
    if data is None:
        return {}
    require(isinstance(data, Mapping), f"{where}: claims must be a mapping of name -> claim")
    out = {}
    for name, entry in data.items():
        at = f"{where}: claims.{name}"
        require(str(name).isidentifier(), f"{at}: claim names must be Python identifiers")
        require(isinstance(entry, Mapping), f"{at}: expected a mapping, got {entry!r}")
        entry = {k: v for k, v in entry.items() if v is not None}     # `key:` with no value
        known = (*REQUIRED, *OPTIONAL)
        for key in entry:
            require(key in known, f"{at}: unknown key {key!r}{_mean(key, known)}; known: "
                                  f"{', '.join(known)}")
        missing = [k for k in REQUIRED if k not in entry]
        require(not missing, f"{at}: missing {', '.join(missing)}")
        exp = str(entry["experiment"])
        require(exp in experiments, f"{at}: no experiment {exp!r} in this profile"
                                    f"{_mean(exp, experiments)}; known: {', '.join(experiments)}")
        require(("rival" in entry) != ("control" in entry),
                f"{at}: give a negative control: rival (a formula) or control (a run), one of them")
        for key in ("at", "rival_at"):
            require(isinstance(entry.get(key, {}), Mapping),
                    f"{at}.{key}: expected a mapping symbol -> array, config field or number")
        share: tuple[str, ...] = ()
        control = None
        if "control" in entry:
            c = entry["control"]
            c = {"experiment": c} if isinstance(c, str) else c
            require(isinstance(c, Mapping) and "experiment" in c and set(c) <= {"experiment",
                                                                                  "share"},
                    f"{at}.control: expected {{experiment: NAME, share: [fields]}}")
            control = str(c["experiment"])
            require(control in experiments, f"{at}.control: no experiment {control!r} in this "
                                            f"profile{_mean(control, experiments)}")
            share = tuple(map(str, c.get("share") or ()))
        rule = entry.get("where")
        if rule is not None:
            require(isinstance(rule, Mapping) and all(
                (isinstance(v, list) and len(v) == 2) or (isinstance(v, Mapping) and set(v) ==
                                                           {"in"}) for v in rule.values()),
                f"{at}.where: expected coordinate -> [lo, hi] or coordinate -> {{in: [values]}}")
        tol = {k: entry[k] for k in ("z", "rtol", "atol") if k in entry}
        for k, v in tol.items():
            require(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0,
                    f"{at}.{k}: expected a number >= 0, got {v!r}")
        require(not ({"rtol", "atol"} & set(tol)) or entry.get("why"),
                f"{at}: an rtol/atol tolerance needs its reason (why)")
        for key in ("formula", "rival"):
            if key in entry:
                _parses(entry[key], f"{at}.{key}")
        out[str(name)] = UserClaim(
            str(name), exp, str(entry["formula"]), str(entry["measured"]), dict(entry["at"]),
            str(entry["reference"]), rule, entry.get("rival"), dict(entry.get("rival_at") or {}),
            control, share, float(tol.get("z", 3.5)), float(tol.get("rtol", 0.0)),
            float(tol.get("atol", 0.0)), entry.get("why"), entry.get("statement"), where)
    return out


def _parses(text: Any, where: str) -> None:
    from .compare import _expr
    require(isinstance(text, str) and text.strip(), f"{where}: expected a formula as text")
    try:
        _expr(text)
    except SimsError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def declared(simulator: str, profile: str, config_dir: Path | None = None) -> dict[str, UserClaim]:
    """The validated claims of a profile file (``{}`` when it declares none)."""
    data = cfg.load_profile_file(simulator, profile, config_dir)
    return parse(data.get("claims"), data["experiments"],
                 str(cfg.profile_path(simulator, profile, config_dir)))


def check(claims: Mapping[str, UserClaim], results: Mapping[str, Result]) -> list[Claim]:
    """The rows of the declared ``claims`` on a profile's ``results`` (by experiment name); a
    claim that cannot be evaluated (a misspelt array, a shape that does not align) is a FAIL row
    saying why."""
    from dataclasses import replace
    from .compare import compare
    out = []
    for c in claims.values():
        statement = f"declared in {c.source}"
        if c.statement:
            statement = f"{c.statement} ({statement})"
        try:
            row = compare(results[c.experiment], c.formula, measured=c.measured, at=c.at,
                          where=c.where_rule(), z=c.z, rtol=c.rtol, atol=c.atol, why=c.why,
                          rival=c.rival, rival_at=c.rival_at or None,
                          control=results[c.control] if c.control else None, share=c.share,
                          name=c.name, reference=c.reference)
            row = replace(row, statement=f"{row.statement} ({statement})")
        except Exception as exc:  # noqa: BLE001 - claims never raise: a FAIL row says why
            row = failed(c.name, c.reference, statement, f"{type(exc).__name__}: {exc}")
        out.append(replace(row, experiment=c.experiment))
    return out
