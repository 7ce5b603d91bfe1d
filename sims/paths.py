"""The results layout: the one owner of where a profile's files go, for the CLI, the API and the
Snakefile.

Everything of one profile lives under ``<results_dir>/<label>/``::

    <sim>/<experiment>.npz|.nc + .json     result files (sims.results)
    claims/<sim>.json                      a simulator's claims (sims claims)
    claims.md, claims.json                 the ledger (sims ledger)
    claims.tex                             the ledger as LaTeX macros (sims.latex)
    figures/<sim>.pdf|.png                 figures
    logs/<name>.log                        the workflow's logs
    checkpoints/<sim>/<experiment>/        a sweep's finished points while it runs

The label is the profile's name for a shipped profile (a folder of ``config/`` or of
``$SIMS_CONFIG_DIR``) run as it is. A run with overrides (``--set``, ``--backend``), or a profile
folder outside ``config/`` that has a shipped profile's name, gets a folder of its own, the name
plus a short hash of what differs (``quick-1a2b3c4d``), so a shipped profile's results are never
overwritten by, or mixed with, results of other settings.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .config import default_config_dir, resolve_profile

RESULTS_DIR = Path("results")
FORMATS = {"npz": ".npz", "netcdf": ".nc"}      # result file format -> data file suffix


def label(name: str, config_dir: Path, overrides: Mapping[str, Any] | None = None) -> str:
    """The results folder's name for profile ``name`` read from ``config_dir`` with
    ``overrides`` (see the module docstring)."""
    folder = (Path(config_dir) / name).resolve()
    shipped = (default_config_dir() / name).resolve()
    moved = folder != shipped and shipped.is_dir()
    if not moved and not overrides:
        return name
    key = json.dumps({"folder": str(folder) if moved else None, "overrides": dict(overrides or {})},
                     sort_keys=True, default=str)
    return f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Layout:
    """Where one profile's files go: everything under ``base`` = ``root / label``."""

    root: Path
    label: str

    @property
    def base(self) -> Path:
        return Path(self.root) / self.label

    def stem(self, sim: str, experiment: str) -> Path:
        """A result file without its suffix (``--out`` takes this)."""
        return self.base / sim / experiment

    def result(self, sim: str, experiment: str, format: str = "npz") -> Path:  # noqa: A002
        return self.stem(sim, experiment).with_suffix(FORMATS[format])

    def existing(self, sim: str, experiment: str) -> Path:
        """The data file of a result: the ``.nc`` where only that exists, else the ``.npz``."""
        npz, nc = self.result(sim, experiment, "npz"), self.result(sim, experiment, "netcdf")
        return nc if nc.exists() and not npz.exists() else npz

    def claims(self, sim: str) -> Path:
        return self.base / "claims" / f"{sim}.json"

    @property
    def ledger(self) -> tuple[Path, Path]:
        """(claims.md, claims.json)."""
        return self.base / "claims.md", self.base / "claims.json"

    @property
    def latex(self) -> Path:
        """claims.tex: the ledger as LaTeX macros (``\\input{claims.tex}``)."""
        return self.base / "claims.tex"

    def figure(self, sim: str) -> Path:
        """A figure without its suffix (.pdf and .png are written)."""
        return self.base / "figures" / sim

    def log(self, name: str) -> Path:
        return self.base / "logs" / f"{name}.log"

    def checkpoints(self, sim: str, experiment: str) -> Path:
        return self.base / "checkpoints" / sim / experiment

    @property
    def report(self) -> Path:
        return self.base / "report.html"


def layout(profile: str | None = None, profile_dir: str | Path | None = None,
           overrides: Mapping[str, Any] | None = None,
           results_dir: str | Path = RESULTS_DIR) -> Layout:
    """The :class:`Layout` of a profile (a name under ``config/``, or a folder) run with
    ``overrides``; raises a ConfigError for a profile that does not exist."""
    name, config_dir = resolve_profile(profile, profile_dir)
    return Layout(Path(results_dir), label(name, config_dir, overrides))
