"""Progress bars for long runs: a widget in a Jupyter notebook (when ipywidgets is installed), text
on a terminal (or in a notebook without ipywidgets: never tqdm's "IProgress not found" warning),
silent in non-interactive logs (``disable=None``: no bar when stderr is not a TTY, outside a
notebook)."""
from __future__ import annotations

import functools
import importlib.util
import sys
from typing import Iterable, TypeVar

T = TypeVar("T")


@functools.lru_cache(maxsize=None)
def _in_notebook() -> bool:
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def bar_class():
    """tqdm's notebook widget in a notebook with ipywidgets, else its plain text bar."""
    if _in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm
        return tqdm
    from tqdm.std import tqdm
    return tqdm


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterable[T]:
    disable = False if _in_notebook() else None
    return bar_class()(items, desc=desc, total=total, disable=disable, leave=False,
                       dynamic_ncols=True)
