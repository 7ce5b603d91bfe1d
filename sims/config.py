"""Config dataclasses, profiles and command-line overrides.

A simulator's config is a frozen dataclass deriving from :class:`BaseConfig`; it checks its own values
in ``validate`` so that a bad value fails before anything runs or is written. A profile is a folder of YAML
files, one per simulator: the shipped ones are ``config/quick`` (CI and laptops) and ``config/paper``
(the full figures); any other folder works the same (``--profile-dir DIR``, whose name is then the
profile's name)::

    resources: {runtime: 10, mem_mb: 2000, cpus: 2}   # per run, for Snakemake / SLURM
    experiments:
      linear: {model: linear, n: 200, ...}               # each one a Config
"""
from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from pathlib import Path
from typing import Any, Mapping

import yaml

from .backend import BACKENDS
from .errors import ConfigError, require

REPO_CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
PROFILES = ("quick", "paper")       # the shipped profiles; any folder of YAML files is one too
MAX_INT = 10**18                    # counts beyond this are typos (the PLRF equivalent runs 1e17 steps)
MAX_LIST = 100_000                  # sweep lists beyond this are typos


def default_config_dir() -> Path:
    """``$SIMS_CONFIG_DIR`` if set (tests, private sweeps), else the repository's ``config/``."""
    return Path(os.environ.get("SIMS_CONFIG_DIR") or REPO_CONFIG_DIR)


def resolve_profile(profile: str | None = None, profile_dir: str | Path | None = None,
                    config_dir: Path | None = None) -> tuple[str, Path]:
    """``(name, config_dir)`` of a profile: ``profile_dir`` (a folder of ``<simulator>.yaml``
    files, named after the folder) or the folder ``profile`` under ``config_dir``. Raises a
    ConfigError for a folder that does not exist or a name that is not a plain folder name."""
    if profile_dir is not None:
        folder = Path(profile_dir).expanduser().resolve()
        require(folder.is_dir(), f"--profile-dir {profile_dir}: no such folder")
        return folder.name, folder.parent
    name = profile or "quick"
    require(name.replace("-", "_").isidentifier(),
            f"profile {name!r} must be a plain folder name (use --profile-dir for a path)")
    root = Path(config_dir or default_config_dir())
    require((root / name).is_dir(), f"no profile {name!r} (no folder {root / name}); shipped "
                                    f"profiles: {', '.join(profiles(root)) or 'none'}")
    return name, root


def profiles(config_dir: Path | None = None) -> list[str]:
    """The profile folders under ``config_dir`` (default: the repository's ``config/``)."""
    root = Path(config_dir or default_config_dir())
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


@dataclasses.dataclass(frozen=True)
class BaseConfig:
    """Fields every simulator has: the master seed and the backend."""

    seed: int = 0
    backend: str = "auto"

    def __post_init__(self) -> None:
        require(self.seed >= 0, f"seed must be >= 0, got {self.seed}")
        require(self.backend in BACKENDS,
                f"unknown backend {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        self.validate()

    def validate(self) -> None:
        """Check the simulator's own fields; raise ConfigError with a one-line reason."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def replace(self, **changes: Any) -> "BaseConfig":
        return from_mapping(type(self), {**self.to_dict(), **changes})


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _coerce(where: str, hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin is tuple:
        require(isinstance(value, (list, tuple)), f"{where}: expected a list, got {value!r}")
        require(len(value) <= MAX_LIST, f"{where}: a list of {len(value)} values is more than "
                                        f"{MAX_LIST} sweep points")
        (item, _) = typing.get_args(hint)
        return tuple(_coerce(f"{where}[{i}]", item, v) for i, v in enumerate(value))
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        hint = next(h for h in options if h is not type(None))
        return _coerce(where, hint, value)
    if hint is bool:
        require(isinstance(value, bool), f"{where}: expected true/false, got {value!r}")
        return value
    if hint is int:
        require(isinstance(value, int) and not isinstance(value, bool),
                f"{where}: expected an integer, got {value!r}")
        require(value >= 0, f"{where}: expected a count >= 0, got {value}")
        require(value <= MAX_INT, f"{where}: {value} is beyond any run this suite can do "
                                  f"(> {MAX_INT:.0e})")
        return value
    if hint is float:
        if isinstance(value, str) and value.lower() in ("inf", "+inf", ".inf"):
            return float("inf")
        require(isinstance(value, (int, float)) and not isinstance(value, bool),
                f"{where}: expected a number, got {value!r}")
        require(not math.isnan(float(value)), f"{where}: expected a number, got NaN")
        return float(value)
    if hint is str:
        require(isinstance(value, str), f"{where}: expected a string, got {value!r}")
        return value
    raise TypeError(f"{where}: unsupported config type {hint!r}")


def from_mapping(cls: type[BaseConfig], values: Mapping[str, Any], where: str = "") -> BaseConfig:
    """Build ``cls`` from plain YAML/JSON values, rejecting unknown keys and wrong types."""
    where = where or cls.__name__
    require(isinstance(values, Mapping), f"{where}: expected a mapping, got {values!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    require(not unknown, f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(sorted(names))}")
    kwargs = {k: _coerce(f"{where}.{k}", hints[k], v) for k, v in values.items()}
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``["n=300", "ratios=[0.5, 2]"]`` -> ``{"n": 300, "ratios": [0.5, 2]}`` (values are YAML)."""
    out = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        require(bool(sep) and key.strip() != "", f"override {pair!r} is not of the form key=value")
        try:
            out[key.strip()] = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"override {pair!r}: value is not valid YAML ({exc.problem})") from None
    return out


def profile_path(simulator: str, profile: str, config_dir: Path | None = None) -> Path:
    return Path(config_dir or default_config_dir()) / profile / f"{simulator}.yaml"


def load_profile_file(simulator: str, profile: str, config_dir: Path | None = None) -> dict:
    """The raw YAML of one simulator's profile: ``{"resources": ..., "experiments": ...}``."""
    path = profile_path(simulator, profile, config_dir)
    require(path.is_file(), f"no profile {profile!r} for simulator {simulator!r} (looked for {path})")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: malformed YAML: {exc}") from None
    require(isinstance(data, dict) and isinstance(data.get("experiments"), dict)
            and data["experiments"],
            f"{path}: expected a mapping with a non-empty 'experiments' mapping")
    bad = [e for e in data["experiments"] if not str(e).isidentifier()]
    require(not bad, f"{path}: experiment names must be Python identifiers: {bad}")
    top = {"resources", "experiments", "claims"}     # claims: validated by sims.user_claims
    require(set(data) <= top, f"{path}: unknown top-level key(s) {sorted(set(data) - top)}")
    return data


def check_footprint(sim, config, where: str = "") -> None:
    """Refuse a config whose arrays (the simulator's cost model) would not fit in this machine's
    memory: one clear ConfigError instead of a MemoryError after minutes of work."""
    cost = getattr(sim, "cost", None)
    if cost is None:
        return
    try:
        nbytes = float(cost(config)[1])
    except (OverflowError, ValueError, ZeroDivisionError, MemoryError):
        nbytes = math.inf
    except Exception:  # noqa: BLE001 - a cost-model bug must not block a run
        return
    limit = _memory_bytes()
    require(nbytes <= limit, f"{where or type(config).__name__}: this config needs about "
                             f"{nbytes / 2**30:.3g} GiB of arrays, more than this machine's "
                             f"{limit / 2**30:.3g} GiB; reduce its sizes")


def _memory_bytes() -> float:
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 64.0 * 2**30


def load_experiments(simulator: str, config_cls: type[BaseConfig], profile: str,
                     overrides: Mapping[str, Any] | None = None,
                     config_dir: Path | None = None, only: str | None = None) -> dict[str, BaseConfig]:
    """Every experiment of a profile (or just ``only``) as a validated config, with ``overrides``
    applied to each; an unknown ``only`` is a ConfigError listing the profile's experiments."""
    data = load_profile_file(simulator, profile, config_dir)
    names = list(data["experiments"])
    if only is not None:
        require(only in names, f"no experiment {only!r} in profile {profile!r} of {simulator}; "
                               f"known: {', '.join(names)}")
        names = [only]
    return {name: from_mapping(config_cls, {**(data["experiments"][name] or {}),
                                            **(overrides or {})},
                               where=f"{profile}/{simulator}.yaml:{name}")
            for name in names}
