"""Resumable sweeps: each finished item of a long sweep is saved atomically, so a job that is killed
(SLURM preemption, a time limit, Ctrl-C) and started again recomputes only the missing items.

Used through the sweep runner (:mod:`sims.parallel`) by every simulator with more than one run::

    ckpt = Checkpoint.for_config(config)       # a no-op unless $SIMS_CHECKPOINT_DIR is set
    out = [ckpt.item(i, lambda: run_one(...)) for i, ... in enumerate(grid)]

``item(i, compute)`` returns the saved value of item ``i`` if there is one, else calls ``compute()``
and saves its value before returning it. A value is a numpy array, a number, or a dict of them; it is
stored in ``<dir>/<key>/item-<i>.npz`` (``np.savez``, read back with ``allow_pickle=False``) through
:func:`sims.results.atomic_write`, so a kill leaves either a complete item file or none. Arrays come
back bit-identical, so a resumed sweep gives exactly the result of an uninterrupted one, provided each
item draws its random numbers from its own seed (as ``SeedSequence.spawn`` per item does), never from
a generator shared with earlier items.

``<key>`` is a hash of the simulator's module and its full config: a checkpoint written for another
config (a changed profile, a ``--set`` override) is never reused. The workflow points
``$SIMS_CHECKPOINT_DIR`` at ``results/<profile>/checkpoints/<sim>/<experiment>`` for each run job and
deletes that folder once the result file is written.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .results import atomic_write

ENV = "SIMS_CHECKPOINT_DIR"
_SCALAR = "__value__"


def config_key(config: Any) -> str:
    """A short stable hash of the config's class and values."""
    values = config.to_dict() if hasattr(config, "to_dict") else config
    text = json.dumps({"type": f"{type(config).__module__}.{type(config).__qualname__}",
                       "values": values}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Checkpoint:
    """Per-item results of one sweep in ``root/<config key>/``; ``root=None`` disables saving."""

    def __init__(self, root: str | Path | None, key: str):
        self.dir = Path(root) / key if root else None
        self.resumed = 0      # items read back from disk in this process
        self.computed = 0     # items computed (and saved) in this process

    @classmethod
    def for_config(cls, config: Any, root: str | Path | None = None) -> "Checkpoint":
        return cls(root if root is not None else os.environ.get(ENV) or None, config_key(config))

    def path(self, index: int) -> Path:
        return self.dir / f"item-{index:06d}.npz"

    def item(self, index: int, compute: Callable[[], Any]) -> Any:
        """The saved value of item ``index``, else ``compute()``, saved before it is returned."""
        saved = self.saved(index)
        if saved is not None:
            return saved[0]
        return self.store(index, compute())

    def saved(self, index: int) -> tuple[Any] | None:
        """``(value,)`` when item ``index`` is saved and readable, else None."""
        if self.dir is None:
            return None
        path = self.path(index)
        if not path.is_file():
            return None
        try:
            value = _load(path)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:  # torn: recompute it
            print(f"checkpoint: ignoring unreadable {path} ({exc})", file=sys.stderr)
            return None
        self.resumed += 1
        if self.resumed == 1:
            print(f"checkpoint: resuming from {self.dir}", file=sys.stderr)
        return (value,)

    def store(self, index: int, value: Any) -> Any:
        """Save ``value`` as item ``index`` (when checkpointing is on) and return it as a resumed
        run would read it back, so that both paths give bit-identical results."""
        if self.dir is None:
            return value
        _save(self.path(index), value)
        self.computed += 1
        return value


def _save(path: Path, value: Any) -> None:
    arrays = value if isinstance(value, dict) else {_SCALAR: value}
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    bad = [k for k, a in arrays.items() if a.dtype == object]
    if bad:
        raise TypeError(f"checkpoint values must be numeric/string arrays; {bad} would need pickle")
    atomic_write(path, lambda fh: np.savez(fh, **arrays))


def _load(path: Path) -> Any:
    with np.load(path, allow_pickle=False) as data:
        value = {k: _unwrap(data[k]) for k in data.files}
    return value[_SCALAR] if set(value) == {_SCALAR} else value


def _unwrap(a: np.ndarray) -> Any:
    return a[()] if a.ndim == 0 else a     # 0-d arrays come back as numpy scalars
