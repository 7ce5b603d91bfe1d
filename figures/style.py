"""The suite's matplotlib style and a byte-reproducible ``save`` (PDF and PNG, fixed metadata)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
plt.rcParams.update({
    "figure.dpi": 100, "savefig.dpi": 200, "font.size": 9, "axes.titlesize": 10,
    "axes.labelsize": 9, "legend.fontsize": 7, "legend.frameon": False, "lines.linewidth": 1.4,
    "lines.markersize": 4, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.25, "svg.hashsalt": "sims", "pdf.fonttype": 42,
    "ps.fonttype": 42, "svg.fonttype": "none",
})

# Text widths (inches) of common ML venues: "column" is one column of a two-column format, "full"
# the whole text width, "half" half of a single-column text width (a side-by-side subfigure).
VENUES = {
    "neurips": {"full": 5.5, "half": 2.7, "font": 9},
    "iclr": {"full": 5.5, "half": 2.7, "font": 9},
    "icml": {"column": 3.25, "full": 6.75, "font": 8},
    "aistats": {"column": 3.25, "full": 6.75, "font": 8},
    "jmlr": {"full": 6.0, "half": 2.95, "font": 9},
}


def use(venue: str = "neurips", width: str = "full", aspect: float = 0.62) -> tuple[float, float]:
    """Set matplotlib for a venue's ``width`` ("full", "column" or "half"; see ``VENUES``): the
    default figure size (width x aspect * width) and font sizes; returns the figure size. Fonts
    stay TrueType (``pdf.fonttype`` 42, no Type 3) and SVG text stays text."""
    if venue not in VENUES:
        raise KeyError(f"unknown venue {venue!r}; known: {', '.join(VENUES)}")
    sizes = VENUES[venue]
    if width not in sizes or width == "font":
        raise KeyError(f"{venue} has widths {[k for k in sizes if k != 'font']}, not {width!r}")
    w, f = sizes[width], sizes["font"]
    plt.rcParams.update({"figure.figsize": (w, aspect * w), "font.size": f,
                         "axes.titlesize": f, "axes.labelsize": f, "legend.fontsize": f - 2,
                         "xtick.labelsize": f - 1, "ytick.labelsize": f - 1})
    return w, aspect * w


SIM = dict(marker="o", ls="none")      # simulation: markers
THEORY = dict(ls="-", color="k", lw=1.0)  # theory: lines


def save(fig, stem: str | Path) -> None:
    """Write ``stem.pdf`` and ``stem.png`` with no timestamps, so equal inputs give equal bytes."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(stem.with_suffix(".pdf"), metadata={"CreationDate": None, "ModDate": None,
                                                    "Producer": None, "Creator": None})
    fig.savefig(stem.with_suffix(".png"), metadata={"Software": None})
    plt.close(fig)


def panel(panels: dict[str, Callable], name: str, experiments, ax=None):
    """Draw panel ``name`` of a figure module's ``PANELS`` into ``ax`` (a new axes when None) and
    return the axes: ``figures.double_descent.panel("linear_risk", experiments, ax)``."""
    if name not in panels:
        raise KeyError(f"no panel {name!r}; panels: {', '.join(panels)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(3.5, 2.6), constrained_layout=True)
    panels[name](experiments, ax)
    return ax


def one(experiments, kind: str):
    """The first result of ``kind`` among a figure's inputs, or a clear error naming the kind."""
    res = experiments.first(kind)
    if res is None:
        from sims.errors import SimsError
        raise SimsError(f"the figure needs an experiment of kind {kind!r}; got kinds "
                        f"{sorted({experiments.kind(n) for n in experiments})}")
    return res
