"""Progress bars for long runs: shown on a terminal, silent in non-interactive logs (tqdm's
``disable=None`` checks whether stderr is a TTY)."""
from __future__ import annotations

from typing import Iterable, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterable[T]:
    return tqdm(items, desc=desc, total=total, disable=None, leave=False, dynamic_ncols=True)
