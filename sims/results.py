"""Result files: one ``.npz`` of arrays plus a JSON sidecar, written atomically, never pickled.

``<stem>.npz`` holds the arrays and, under the key ``__meta__``, the run's metadata: the full config,
seed, backend, the dims of every array, package versions and git commit. The human-readable sidecar
``<stem>.json`` holds the same metadata plus the SHA-256 and size of the ``.npz``. Loading uses
``allow_pickle=False`` and checks the data file against the sidecar's checksum, so a truncated copy
or a file replaced behind the sidecar's back gives one clear error naming the file and the command
that recreates it. Each file is written to a temporary name in the same folder and moved into place
with ``os.replace``, so a crash leaves either the old file or none, never a torn one; the sidecar
is written after the data, so a present sidecar implies complete data.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import shlex
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import SimsError
from .paths import FORMATS

REPO_DIR = Path(__file__).resolve().parents[1]
_PACKAGES = ("numpy", "scipy", "numba", "sympy", "matplotlib", "array-api-compat", "cupy-cuda12x",
             "dltheory-sims")


class ResultFileError(SimsError):
    """A result file that is missing, truncated or does not match its sidecar's checksum."""


@dataclass
class Result:
    """What ``simulate`` returns: named numpy arrays and JSON-able metadata.

    ``meta["config"]`` is the full config, ``meta["dims"]`` names the axes of every array
    (``{"min_norm_risk": ["seed", "ratio"], ...}``) and ``meta["coords"]`` maps a dim to the array
    holding its coordinate values (``{"ratio": "ratios"}``).
    """

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def __contains__(self, key: str) -> bool:
        return key in self.arrays

    @property
    def dims(self) -> dict[str, list[str]]:
        return dict(self.meta.get("dims", {}))

    @property
    def coords(self) -> dict[str, str]:
        return dict(self.meta.get("coords", {}))

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.meta.get("config", {}))

    @property
    def simulator(self) -> str | None:
        return self.meta.get("simulator")

    def to_xarray(self):
        """An ``xarray.Dataset``: every array with its named dims, the coordinate arrays as the
        dims' coordinates (``ratio`` <- ``ratios``), the metadata (config, provenance) as JSON
        attributes plus ``simulator``, ``kind``, ``experiment`` and ``seed``."""
        from .netcdf import to_xarray
        return to_xarray(self)

    def claims(self, symbolic: bool = False):
        """This result's claims (``sims.verdicts.Claim`` rows), checked in memory."""
        from .registry import get_simulator
        return get_simulator(self.simulator or "").check({self.meta.get("experiment") or
                                                          "result": self}, symbolic=symbolic)

    def save(self, path: str | Path, format: str = "npz") -> tuple[Path, Path]:  # noqa: A002
        """Write this result to ``<path>.npz`` (or ``.nc``) and its sidecar; see :func:`save`."""
        return save(Path(path), self, format=format)

    def __repr__(self) -> str:
        return f"<Result {self._label()}: " + ", ".join(
            f"{k}[{self._shape(k)}] {a.dtype}" for k, a in self.arrays.items()) + ">"

    def _label(self) -> str:
        parts = (self.simulator, self.meta.get("experiment") or self.meta.get("kind"))
        return "/".join(str(x) for x in parts if x) or "(no simulator)"

    def _shape(self, key: str) -> str:
        a, dims = self.arrays[key], self.dims.get(key)
        if dims and len(dims) == a.ndim:
            return ", ".join(f"{d}={n}" for d, n in zip(dims, a.shape))
        return ", ".join(map(str, a.shape))

    def _repr_html_(self) -> str:
        import html
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(self._shape(k))}</td>"
                       f"<td>{a.dtype}</td></tr>" for k, a in self.arrays.items())
        return (f"<p>Result {html.escape(self._label())}: config "
                f"{html.escape(json.dumps(self.config, default=_jsonable))}</p><table><thead>"
                f"<tr><th>array</th><th>dims</th><th>dtype</th></tr></thead><tbody>{rows}"
                "</tbody></table>")


def make_result(config: Any, arrays: Mapping[str, Any], dims: Mapping[str, Sequence[str]],
                coords: Mapping[str, str] | None = None, **meta: Any) -> Result:
    """The ``Result`` of ``simulate(config)``: ``arrays`` as numpy arrays, with the config and the
    ``dims`` of every array in the metadata (so claims run on an in-memory result as on a file;
    :meth:`sims.simulator.Simulator.simulate` adds the simulator's name, the kind and the
    backend). Raises ``ValueError`` when an array has no dims or dims of the wrong length, and
    when a coordinate names a missing array."""
    out = {k: np.asarray(v) for k, v in arrays.items()}
    dims = {k: list(v) for k, v in dims.items()}
    missing = sorted(set(out) - set(dims))
    if missing:
        raise ValueError(f"arrays without dims: {missing}")
    bad = {k: (dims[k], out[k].shape) for k in out if len(dims[k]) != out[k].ndim}
    if bad:
        raise ValueError(f"dims do not match the array shapes: {bad}")
    sizes: dict[str, int] = {}
    for k, a in out.items():
        for d, n in zip(dims[k], a.shape):
            if sizes.setdefault(d, n) != n:
                raise ValueError(f"dim {d!r} has length {sizes[d]} in one array and {n} in "
                                 f"{k!r}: give the axes different names")
    coords = dict(coords or {})
    for dim, key in coords.items():
        if key not in out or dims[key] != [dim]:
            raise ValueError(f"coordinate {dim!r} -> {key!r} is not a 1-d array of the result "
                             f"along {dim!r}")
    base = {"config": config.to_dict(), "seed": getattr(config, "seed", None),
            "dims": {k: dims[k] for k in out}, "coords": coords}
    return Result(out, {**base, **meta})


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


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save(stem: Path, result: Result, format: str = "npz") -> tuple[Path, Path]:  # noqa: A002
    """Write ``<stem>.npz`` (or ``<stem>.nc`` for ``format="netcdf"``) and ``<stem>.json``
    atomically; return both paths."""
    stem = Path(stem)
    if stem.suffix in (".npz", ".json", ".nc"):
        stem = stem.with_suffix("")
    if format not in FORMATS:
        raise SimsError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    meta = {**result.meta, "provenance": provenance()}
    meta_json = json.dumps(meta, indent=2, sort_keys=True, default=_jsonable)
    arrays = {k: np.asarray(v) for k, v in result.arrays.items()}
    if any(a.dtype == object for a in arrays.values()):
        raise TypeError("object arrays would need pickle; store plain numeric/string arrays")
    npz, sidecar = stem.with_suffix(FORMATS[format]), stem.with_suffix(".json")
    if format == "netcdf":
        from .netcdf import write
        atomic_write(npz, lambda fh: write(fh, Result(arrays, json.loads(meta_json))))
    else:
        atomic_write(npz, lambda fh: np.savez_compressed(fh, __meta__=np.array(meta_json),
                                                         **arrays))
    data = {"sha256": sha256(npz), "bytes": npz.stat().st_size}
    side = json.dumps({**meta, "data_file": data}, indent=2, sort_keys=True, default=_jsonable)
    atomic_write_text(sidecar, side + "\n")
    return npz, sidecar


def recreate_hint(meta: Mapping[str, Any] | None, path: Path) -> str:
    """The command that rewrites the result file ``path`` as it was written, from its (sidecar)
    metadata: the same profile (by name or folder), overrides, format and file."""
    meta = meta or {}
    sim, exp, prof = meta.get("simulator"), meta.get("experiment"), meta.get("profile")
    if not (sim and exp and prof):
        return "rerun the experiment that wrote it (python -m sims run SIMULATOR --experiment NAME)"
    where = f"--profile-dir {shlex.quote(str(meta['profile_dir']))}" if meta.get("profile_dir") \
        else f"--profile {prof}"
    sets = "".join(f" --set {shlex.quote(f'{k}={_yaml_value(v)}')}"
                   for k, v in (meta.get("overrides") or {}).items())
    fmt = " --format netcdf" if Path(path).suffix == ".nc" else ""
    return (f"python -m sims run {sim} {where} --experiment {exp}{sets}{fmt} "
            f"--out {shlex.quote(str(Path(path).with_suffix('')))}")


def _yaml_value(value: Any) -> str:
    """``value`` as the YAML text that ``--set`` parses back to it."""
    import yaml
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix(
        "\n...").strip()


def _data_path(path: Path) -> Path:
    """The data file of ``path`` (a stem, ``.npz``, ``.nc`` or ``.json``): ``.nc`` when only that
    exists, else ``.npz``."""
    path = Path(path)
    if path.suffix in (".npz", ".nc"):
        return path
    stem = path.with_suffix("") if path.suffix == ".json" else path
    return stem.with_suffix(".nc") if (not stem.with_suffix(".npz").exists()
                                       and stem.with_suffix(".nc").exists()) else stem.with_suffix(".npz")


def verify(path: Path) -> dict[str, Any] | None:
    """Check the data file against its sidecar's checksum; return the sidecar's metadata (None
    when there is no sidecar, as for files from older versions). Raises :class:`ResultFileError`
    for a missing data file or a size / checksum mismatch."""
    path = _data_path(path)
    sidecar = path.with_suffix(".json")
    meta = None
    if sidecar.is_file():
        try:
            meta = json.loads(sidecar.read_text())
        except (OSError, ValueError) as exc:
            raise ResultFileError(f"{sidecar}: unreadable sidecar ({exc}); "
                                  f"{recreate_hint(None, path)}") from None
    if not path.is_file():
        raise ResultFileError(f"missing result file {path}; recreate it with: "
                              f"{recreate_hint(meta, path)}")
    expected = (meta or {}).get("data_file")
    if expected:
        size = path.stat().st_size
        if size != expected.get("bytes") or sha256(path) != expected.get("sha256"):
            raise ResultFileError(
                f"{path} does not match its sidecar {sidecar.name} ({size} bytes, expected "
                f"{expected.get('bytes')}; checksum differs): a truncated or replaced file. "
                f"Recreate it with: {recreate_hint(meta, path)}")
    return meta


def load(path: Path, check: bool = True) -> Result:
    """Read a result file written by :func:`save` (``.npz`` path or stem), checked against its
    sidecar's checksum unless ``check`` is False. Any unreadable file raises ResultFileError."""
    path = _data_path(path)
    side = verify(path) if check else None
    try:
        if path.suffix == ".nc":
            from .netcdf import read
            return Result(*read(path))
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files if k != "__meta__"}
            meta = json.loads(str(data["__meta__"]))
    except FileNotFoundError:
        raise ResultFileError(f"missing result file {path}; recreate it with: "
                              f"{recreate_hint(side, path)}") from None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, RuntimeError) as exc:
        raise ResultFileError(f"{path} is not a readable result file ({type(exc).__name__}: "
                              f"{exc}); recreate it with: {recreate_hint(side, path)}") from None
    return Result(arrays, meta)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
