"""Result files: one ``.npz`` of arrays plus a JSON sidecar, written atomically, never pickled.

``<stem>.npz`` holds the arrays and, under the key ``__meta__``, the same JSON as the human-readable
sidecar ``<stem>.json``: the full config, seed, backend, package versions and git commit. Loading
uses ``allow_pickle=False``. Each file is written to a temporary name in the same folder and moved
into place with ``os.replace``, so a crash leaves either the old file or none, never a torn one; the
sidecar is written after the data, so a present sidecar implies complete data.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.metadata
import io
import json
import os
import platform
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

REPO_DIR = Path(__file__).resolve().parents[1]
_PACKAGES = ("numpy", "scipy", "numba", "sympy", "matplotlib", "array-api-compat", "cupy-cuda12x",
             "dltheory-sims")


@dataclass
class Result:
    """What ``simulate`` returns: named numpy arrays and JSON-able metadata."""

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]


def atomic_write(path: Path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Call ``write(fileobj)`` on a temporary file next to ``path``, then rename it onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())     # mkstemp makes 0600; result files follow the umask
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda fh: fh.write(text.encode()))


def git_commit() -> dict[str, Any]:
    """The checkout's commit and whether it had uncommitted changes (None outside a git checkout)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_DIR, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    try:
        return {"commit": git("rev-parse", "HEAD"),
                "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def provenance() -> dict[str, Any]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return {"versions": versions, "git": git_commit(), "platform": platform.platform(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


def save(stem: Path, result: Result) -> tuple[Path, Path]:
    """Write ``<stem>.npz`` and ``<stem>.json`` atomically; return both paths."""
    stem = Path(stem)
    if stem.suffix in (".npz", ".json"):
        stem = stem.with_suffix("")
    meta = {**result.meta, "provenance": provenance()}
    meta_json = json.dumps(meta, indent=2, sort_keys=True, default=_jsonable)
    arrays = {k: np.asarray(v) for k, v in result.arrays.items()}
    if any(a.dtype == object for a in arrays.values()):
        raise TypeError("object arrays would need pickle; store plain numeric/string arrays")
    npz, sidecar = stem.with_suffix(".npz"), stem.with_suffix(".json")
    atomic_write(npz, lambda fh: np.savez_compressed(fh, __meta__=np.array(meta_json), **arrays))
    atomic_write_text(sidecar, meta_json + "\n")
    return npz, sidecar


def load(path: Path) -> Result:
    """Read a result file written by :func:`save` (``.npz`` path or stem)."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "__meta__"}
        meta = json.loads(str(data["__meta__"]))
    return Result(arrays, meta)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
