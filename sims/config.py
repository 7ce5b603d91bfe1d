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
import functools
import math
import os
import types
import typing
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np
import yaml

from .backend import check_backend_name
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


def param(default: Any, doc: str, unit: str = "") -> Any:
    """A config field with its documentation: ``doc`` says what it is (with its formula where it
    enters one) and ``unit`` its unit ("" for a pure number or a name). The config reference
    (docs/reference/config.md, ``scripts/config_reference.py``) is generated from these."""
    return dataclasses.field(default=default, metadata={"doc": doc, "unit": unit})


def redefault(base: type, name: str, default: Any) -> Any:
    """The field ``name`` of the config class ``base`` with another default (its documentation
    kept): for a kind whose rules need other defaults than its parent's."""
    field = next(f for f in dataclasses.fields(base) if f.name == name)
    return dataclasses.field(default=default, metadata=field.metadata)


@dataclasses.dataclass(frozen=True)
class BaseConfig:
    """Fields every simulator has: the master seed and the backend.

    A simulator whose experiment kinds have different fields declares a *tagged union*: a root
    class naming its tag field (``TAG = "kind"``, the field the YAML already has) with the fields
    every kind shares, and one subclass per tag value with its own fields::

        @dataclasses.dataclass(frozen=True)
        class GrokkingConfig(BaseConfig):
            TAG: ClassVar[str] = "kind"
            kind: str = param("run", "...")
            K: int = param(256, "hidden width")

        @dataclasses.dataclass(frozen=True)
        class SweepConfig(GrokkingConfig, variant="sweep"):
            sweep_M: tuple[int, ...] = param((17, 19), "...")

    Calling the root (``GrokkingConfig(kind="sweep", ...)``, or :func:`from_mapping`) builds the
    subclass its tag names (the root's default tag without one); a field of another kind is a
    ConfigError naming the kinds that have it. Every construction coerces and checks the fields'
    types (numpy scalars and arrays are accepted where Python ones are), then ``validate``.
    """

    TAG: ClassVar[str | None] = None        # on a union root: the field whose value picks the class
    VARIANT: ClassVar[str | None] = None    # on a union member: its tag value

    seed: int = param(0, "master seed: every random stream of the run is spawned from "
                         "numpy.random.SeedSequence(seed)")
    backend: str = param("auto", "array backend: numpy, numba, cupy, array_api_strict or auto "
                                 "(see sims.backend)")

    def __init_subclass__(cls, variant: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("TAG"):
            cls._variants = {}
        if variant is None:
            return
        root = union_root(cls)
        require(root is not None, f"{cls.__name__}: a variant needs a root class with a TAG")
        cls.VARIANT = variant
        root._variants[variant] = cls
        own = dict(cls.__dict__.get("__annotations__", {}))
        if root.TAG not in own:                  # the tag field's default is the variant's tag
            tag_field = next(f for f in dataclasses.fields(root) if f.name == root.TAG)
            own[root.TAG] = "str"
            cls.__annotations__ = own
            setattr(cls, root.TAG, dataclasses.field(default=variant,
                                                     metadata=tag_field.metadata))

    def __new__(cls, *args: Any, **kwargs: Any):
        where = cls.__name__
        require(not args, f"{where} takes its fields by name")
        root = union_root(cls)
        if root is not None and cls is root:
            cls = _variant(root, kwargs.get(root.TAG, _tag_default(root)), where)
        elif root is not None:
            require(kwargs.get(root.TAG, cls.VARIANT) == cls.VARIANT,
                    f"{cls.__name__} is the config of {root.TAG}: {cls.VARIANT}, got "
                    f"{root.TAG}: {kwargs.get(root.TAG)!r}")
        _check_keys(cls, kwargs, where)
        return object.__new__(cls)

    def __post_init__(self) -> None:
        hints = _hints(type(self))
        for f in dataclasses.fields(self):
            value = _coerce(f.name, hints[f.name], getattr(self, f.name))
            object.__setattr__(self, f.name, value)
        require(self.seed >= 0, f"seed must be >= 0, got {self.seed}")
        check_backend_name(self.backend)
        if self.VARIANT is not None:
            tag = union_root(type(self)).TAG
            require(getattr(self, tag) == self.VARIANT,
                    f"{type(self).__name__} is the config of {tag}: {self.VARIANT}, got "
                    f"{tag}: {getattr(self, tag)}")
        self.validate()

    def validate(self) -> None:
        """Check the simulator's own fields; raise ConfigError with a one-line reason."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def replace(self, **changes: Any) -> "BaseConfig":
        """A copy with ``changes`` (checked as in :func:`from_mapping`)."""
        return from_mapping(type(self), {**self.to_dict(), **changes})


def union_root(cls: type) -> type | None:
    """The root of the tagged union ``cls`` belongs to (itself for a root), or None."""
    return next((c for c in cls.__mro__ if c.__dict__.get("TAG")), None)


def variants(cls: type) -> dict[str | None, type]:
    """Tag value -> config class of ``cls``'s union, in declaration order; ``{None: cls}`` for a
    simulator with one config class."""
    root = union_root(cls)
    return dict(root._variants) if root is not None else {None: cls}


def config_class(cls: type, values: Mapping[str, Any], where: str = "") -> type:
    """The class that ``from_mapping(cls, values)`` builds: for a tagged union, the member its tag
    names (``cls``'s own tag, or the root's default, without one)."""
    root = union_root(cls)
    if root is None:
        return cls
    tag = values.get(root.TAG, cls.VARIANT or _tag_default(root))
    return _variant(root, tag, where or cls.__name__)


def field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _tag_default(root: type) -> str:
    return next(f.default for f in dataclasses.fields(root) if f.name == root.TAG)


def _variant(root: type, tag: Any, where: str) -> type:
    if isinstance(tag, np.str_):
        tag = str(tag)
    require(isinstance(tag, str) and tag in root._variants,
            f"{where}: {root.TAG} must be one of {tuple(root._variants)}, got {tag!r}")
    return root._variants[tag]


def _check_keys(cls: type, values: Mapping[str, Any], where: str) -> None:
    """Reject keys that are not fields of ``cls``: a field of another kind of its union names
    the kinds that have it."""
    names = set(field_names(cls))
    unknown = [k for k in values if k not in names]
    if not unknown:
        return
    root = union_root(cls)
    if root is not None:
        for key in unknown:
            owners = [t for t, c in root._variants.items() if key in field_names(c)]
            require(not owners, f"{where}: {key!r} is a field of {root.TAG}: "
                                f"{' | '.join(owners)}, not of {root.TAG}: {cls.VARIANT}")
    require(False, f"{where}: unknown key(s) {', '.join(map(repr, sorted(unknown)))}; "
                   f"known: {', '.join(sorted(names))}")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _coerce(where: str, hint: Any, value: Any) -> Any:
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        value = value.item()                   # numpy scalars are accepted as Python ones
    elif isinstance(value, np.ndarray):
        value = value.tolist()
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
    """Build ``cls`` (for a tagged union: the class its tag names) from plain YAML/JSON values,
    rejecting unknown keys, fields of other kinds and wrong types."""
    where = where or cls.__name__
    require(isinstance(values, Mapping), f"{where}: expected a mapping, got {values!r}")
    target = config_class(cls, values, where)
    _check_keys(target, values, where)
    hints = _hints(target)
    kwargs = {k: _coerce(f"{where}.{k}", hints[k], v) for k, v in values.items()}
    try:
        return target(**kwargs)
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
    applied; an unknown ``only`` is a ConfigError listing the profile's experiments.

    With ``only``, every override must be a field of that experiment's kind. Over a whole profile,
    an override applies to each experiment whose kind has that field (``--set seeds=3`` changes the
    kinds that have seeds), and one that no experiment has is a ConfigError."""
    data = load_profile_file(simulator, profile, config_dir)
    names = list(data["experiments"])
    if only is not None:
        require(only in names, f"no experiment {only!r} in profile {profile!r} of {simulator}; "
                               f"known: {', '.join(names)}")
        names = [only]
    overrides = dict(overrides or {})
    out: dict[str, BaseConfig] = {}
    used: set[str] = set()
    for name in names:
        where = f"{profile}/{simulator}.yaml:{name}"
        values = dict(data["experiments"][name] or {})
        target = config_class(config_cls, {**values, **overrides}, where)
        mine = overrides if only is not None else \
            {k: v for k, v in overrides.items() if k in field_names(target)}
        used.update(mine)
        out[name] = from_mapping(config_cls, {**values, **mine}, where=where)
    unused = {k: v for k, v in overrides.items() if k not in used}
    if unused:
        first = f"{profile}/{simulator}.yaml:{names[0]}"
        _check_keys(config_class(config_cls, dict(data["experiments"][names[0]] or {}), first),
                    unused, f"{profile}/{simulator}.yaml (no experiment has it)")
    return out
