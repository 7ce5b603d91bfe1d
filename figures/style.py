"""The suite's matplotlib style, the panel grid every figure is drawn on, and a byte-reproducible
``save`` (PDF and PNG, fixed metadata).

A figure is a grid of panels that wraps to the width set by :func:`use`: ``floor(width /
PANEL_WIDTH)`` columns (one at a venue's column width, three at ICML's full width), each panel in
its own subfigure. :func:`draw_panels` draws a module's panels on it and :func:`finish` tidies it
with the renderer's bounding boxes (:mod:`figures.layout`): a legend stays where its panel put it
only if it covers no data; otherwise it moves to the first empty corner, else below its panel,
outside the axes (rows grow to hold it); titles and labels wider than their panel wrap; fixed tick
labels that collide are thinned.
"""
from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path
from typing import Callable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FixedLocator, LogLocator, MaxNLocator, NullFormatter  # noqa: E402

from figures import layout  # noqa: E402

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
DEFAULT_VENUE = ("icml", "full")          # what `python -m figures` and the workflow draw at
PANEL_WIDTH = 2.0          # inches: the narrowest panel; wider figures get more columns
PANEL_ASPECT = 0.75        # height / width of a panel (axes, labels and title)
CORNERS = ("upper right", "upper left", "lower left", "lower right", "center right",
           "center left", "upper center", "lower center")


def columns(n: int, width: float | None = None) -> int:
    """Columns of an ``n``-panel figure at ``width`` inches (default: the current figure width)."""
    width = width or plt.rcParams["figure.figsize"][0]
    most = max(1, min(n, int(width // PANEL_WIDTH)))
    return math.ceil(n / math.ceil(n / most))          # balanced rows: 4 panels as 2 x 2


def grid(n: int, width: float | None = None):
    """A figure of ``n`` panels wrapped to :func:`columns` columns, one subfigure per panel;
    returns ``(fig, axes)``."""
    width = width or plt.rcParams["figure.figsize"][0]
    ncols = columns(n, width)
    nrows = math.ceil(n / ncols)
    panel_h = PANEL_ASPECT * width / ncols
    fig = plt.figure(figsize=(width, nrows * panel_h), layout="constrained")
    subs = fig.subfigures(nrows, ncols, squeeze=False, wspace=0.02, hspace=0.02)
    axes = [sf.add_subplot() for sf in subs.flat[:n]]
    fig._sims_grid = (nrows, ncols, panel_h, subs)
    return fig, axes


def draw_panels(panels: Sequence[Callable], exps):
    """Draw each ``panel(exps, ax)`` of ``panels`` on a :func:`grid` and :func:`finish` it."""
    fig, axes = grid(len(panels))
    for ax, fn in zip(axes, panels):
        fn(exps, ax)
    return finish(fig)


def finish(fig, passes: int = 3):
    """Wrap long titles and labels, thin colliding fixed tick labels and move every legend that
    covers data to an empty corner or below its panel (see the module docstring); returns ``fig``,
    laid out as it stands (a change is followed by another pass, and after the last pass by a last
    layout)."""
    for _ in range(passes):
        renderer = layout.renderer_of(fig)
        if _wrap_texts(fig, renderer):        # a wrapped text moves the layout: lay it out again
            renderer = layout.renderer_of(fig)
        changed = _thin_ticks(fig, renderer)
        changed = _place_legends(fig, renderer) or changed
        changed = _fit_rows(fig, renderer) or changed
        if not changed:
            break
    else:
        layout.renderer_of(fig)
    fig._sims_finished = True                 # laid out as it stands: save() does not redo it
    return fig


def _wrap_texts(fig, renderer) -> bool:
    """Wrap a title wider than its panel, or an axis label longer than its axis (texts with maths
    or line breaks of their own are left to their module); True if a text was wrapped."""
    wrapped = False
    for ax in fig.get_axes():
        sub, mid = ax.get_figure(root=False).bbox, (ax.bbox.x0 + ax.bbox.x1) / 2
        room = 2 * min(mid - sub.x0, sub.x1 - mid) * 0.98        # a title is centred on its axes
        for t, limit in ((ax.title, room), (ax.xaxis.label, ax.bbox.width * 1.1),
                         (ax.yaxis.label, ax.bbox.height * 1.1)):
            text = getattr(t, "_sims_unwrapped", None) or t.get_text()
            if not text or "$" in text or "\n" in text or len(text) <= 12:
                continue
            extent = t.get_window_extent(renderer)
            size = max(extent.width, extent.height)
            lines = t.get_text().count("\n") + 1
            if size > limit:
                chars = max(12, int(len(text) / lines * limit / size) - 1)
                t._sims_unwrapped = text
                new = "\n".join(textwrap.wrap(text, chars, break_long_words=False))
                wrapped = wrapped or new != t.get_text()
                t.set_text(new)
    return wrapped


def _thin_ticks(fig, renderer) -> bool:
    """Minor tick labels that collide are dropped; colliding major labels are thinned (every other
    fixed label blanked, or fewer automatic ticks); True if any were."""
    thinned = False
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            ticks = [t for t in layout._drawn_ticks(axis) if layout._visible(t.label1)]
            minor = [t for t in ticks if t in axis.minorTicks]
            boxes = sorted(((t.label1.get_window_extent(renderer), t in minor) for t in ticks),
                           key=lambda b: (b[0].x0, b[0].y0))
            clash = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                     if layout._overlap(a[0], b[0])]
            if not clash:
                continue
            thinned = True
            if minor and any(a[1] or b[1] for a, b in clash):
                axis.set_minor_formatter(NullFormatter())
                continue
            loc = axis.get_major_locator()
            if isinstance(loc, FixedLocator):
                locs = list(axis.get_majorticklocs())
                texts = [t.get_text() for t in axis.get_majorticklabels()]
                axis.set_ticks(locs, [x if i % 2 == 0 else "" for i, x in enumerate(texts)])
            elif isinstance(loc, LogLocator):
                axis.set_major_locator(LogLocator(numticks=max(2, len(ticks) // 2 + 1)))
            elif isinstance(loc, MaxNLocator):
                axis.set_major_locator(MaxNLocator(nbins=max(2, len(ticks) // 2)))
    return thinned


def _legend_fits(leg, ax, renderer) -> bool:
    box = leg.get_window_extent(renderer)
    inside = ax.bbox
    if box.x0 < inside.x0 - 1 or box.x1 > inside.x1 + 1 or box.y0 < inside.y0 - 1 \
            or box.y1 > inside.y1 + 1:
        return False
    fig = ax.get_figure(root=True)
    if layout.overlaps_data(box, fig.get_axes(), fig.dpi):
        return False
    others = [t.get_window_extent(renderer) for a in fig.get_axes() for t in a.texts
              if layout._visible(t)]
    others += [lg.get_window_extent(renderer) for a in fig.get_axes()
               if (lg := a.get_legend()) is not None and lg is not leg]
    return not any(layout._overlap(box, o) for o in others)


def _place_legends(fig, renderer) -> bool:
    """Keep each axes legend where it is if it fits, else the first corner that fits, else move it
    below its panel; True when one moved outside."""
    moved = False
    for ax in fig.get_axes():
        leg = ax.get_legend()
        if leg is None or _legend_fits(leg, ax, renderer):
            continue
        for loc in CORNERS:
            leg.set_loc(loc)
            if _legend_fits(leg, ax, renderer):
                break
        else:
            _below(ax, leg, renderer)
            moved = True
    return moved


def _below(ax, leg, renderer) -> None:
    """Replace ``leg`` by a legend below its panel, in as many columns as fit the panel's width."""
    handles, labels = leg.legend_handles, [t.get_text() for t in leg.get_texts()]
    size = leg.get_texts()[0].get_fontsize() if leg.get_texts() else None
    leg.remove()
    sub = ax.get_figure(root=False)
    for ncols in range(min(len(labels), 3), 0, -1):
        new = sub.legend(handles, labels, loc="outside lower center", ncols=ncols, fontsize=size)
        if ncols == 1 or new.get_window_extent(renderer).width <= sub.bbox.width * 0.98:
            return
        new.remove()


def _fit_rows(fig, renderer) -> bool:
    """Grow each row of the grid by the height of the legends below its panels; True if it grew."""
    grid_ = getattr(fig, "_sims_grid", None)
    if grid_ is None:
        return False
    nrows, ncols, panel_h, subs = grid_
    extra = []
    for r in range(nrows):
        legs = [lg for sf in subs[r] for lg in sf.legends]
        extra.append(max((lg.get_window_extent(renderer).height / fig.dpi + 0.05 for lg in legs),
                         default=0.0))
    heights = [panel_h + e for e in extra]
    gs = subs[0, 0]._subplotspec.get_gridspec()
    if np.allclose(heights, fig.get_size_inches()[1] * np.array(gs.get_height_ratios())
                   / sum(gs.get_height_ratios()), atol=0.02):
        return False
    gs.set_height_ratios(heights)
    fig.set_size_inches(fig.get_size_inches()[0], sum(heights))
    return True


def save(fig, stem: str | Path) -> None:
    """Write ``stem.pdf`` and ``stem.png`` with no timestamps, so equal inputs give equal bytes.
    Both files get the layout the layout checks see (:func:`figures.layout.renderer_of`), computed
    once: by :func:`finish` (a figure changed after it must be finished again) or here, not again by
    each ``savefig``."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    engine = fig.get_layout_engine()
    if engine is not None:
        if not getattr(fig, "_sims_finished", False):
            layout.renderer_of(fig)
        fig.set_layout_engine("none")
    fig.savefig(stem.with_suffix(".pdf"), metadata={"CreationDate": None, "ModDate": None,
                                                    "Producer": None, "Creator": None})
    fig.savefig(stem.with_suffix(".png"), metadata={"Software": None})
    if engine is not None:
        fig.set_layout_engine(engine)
    plt.close(fig)


def panel(panels: dict[str, Callable], name: str, experiments, ax=None):
    """Draw panel ``name`` of a figure module's ``PANELS`` into ``ax`` (a new axes when None) and
    return the axes: ``figures.double_descent.panel("linear_risk", experiments, ax)``."""
    if name not in panels:
        raise KeyError(f"no panel {name!r}; panels: {', '.join(panels)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(3.5, 2.6), constrained_layout=True)
    panels[name](experiments, ax)
    if ax.get_figure(root=True).get_layout_engine() is not None:
        finish(ax.get_figure(root=True))
    return ax


def one(experiments, kind: str):
    """The first result of ``kind`` among a figure's inputs, or a clear error naming the kind."""
    res = experiments.first(kind)
    if res is None:
        from sims.errors import SimsError
        raise SimsError(f"the figure needs an experiment of kind {kind!r}; got kinds "
                        f"{sorted({experiments.kind(n) for n in experiments})}")
    return res
