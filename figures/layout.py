"""A figure's layout, checked with the renderer's bounding boxes (display coordinates, pixels).

:func:`problems` lists what a reader would trip over, one sentence each (empty: a clean figure):

* a legend or a text box inside an axes that covers plotted data: a line's segments, markers,
  error bars, scatter points, filled areas, bars or an image (the data as drawn: each line's
  vertices transformed to display space, segments clipped to the axes);
* a text (title, axis label, tick label, offset text, annotation, colorbar label, legend) cut by the
  figure's edge, or overlapping another text or legend;
* a truncated text: unbalanced brackets or ``$``, or a trailing ellipsis.

:mod:`figures.style` uses the same predicates to place legends (:func:`overlaps_data`), and
tests/test_figure_layout.py runs :func:`problems` on every figure at two venue widths.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection, LineCollection, PathCollection
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

PAD = 0.5          # pixels: boxes that merely touch do not overlap


def renderer_of(fig):
    """Lay ``fig`` out (constrained layout, tick positions) without rasterising it; its renderer.
    A figure whose canvas cannot render (shown and closed by a notebook) gets an Agg canvas."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    return fig.canvas.get_renderer()


def _shrunk(b: Bbox, pad: float = PAD) -> Bbox:
    return Bbox.from_extents(b.x0 + pad, b.y0 + pad, b.x1 - pad, b.y1 - pad)


def _overlap(a: Bbox, b: Bbox) -> bool:
    a, b = _shrunk(a), _shrunk(b)
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _segments_hit(xy: np.ndarray, box: Bbox) -> bool:
    """Does the polyline ``xy`` (n x 2, display coordinates, NaN breaks it) cross ``box``?
    Liang-Barsky clipping of every finite segment, vectorised."""
    if len(xy) == 0:
        return False
    if len(xy) == 1:
        return _points_hit(xy, box, 0.0)
    p0, p1 = xy[:-1], xy[1:]
    ok = np.all(np.isfinite(p0), axis=1) & np.all(np.isfinite(p1), axis=1)
    p0, p1 = p0[ok], p1[ok]
    if not len(p0):
        return _points_hit(xy, box, 0.0)
    d = p1 - p0
    t0, t1 = np.zeros(len(p0)), np.ones(len(p0))
    for p, q in ((-d[:, 0], p0[:, 0] - box.x0), (d[:, 0], box.x1 - p0[:, 0]),
                 (-d[:, 1], p0[:, 1] - box.y0), (d[:, 1], box.y1 - p0[:, 1])):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = q / p
        parallel_out = (p == 0) & (q < 0)
        t0 = np.where(p < 0, np.maximum(t0, r), t0)
        t1 = np.where(p > 0, np.minimum(t1, r), t1)
        t0 = np.where(parallel_out, 2.0, t0)
    return bool(np.any(t0 <= t1))


def _points_hit(xy: np.ndarray, box: Bbox, radius: float) -> bool:
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    return bool(np.any((xy[:, 0] >= box.x0 - radius) & (xy[:, 0] <= box.x1 + radius)
                       & (xy[:, 1] >= box.y0 - radius) & (xy[:, 1] <= box.y1 + radius)))


def _clip(box: Bbox, ax: Axes) -> Bbox | None:
    """The part of ``box`` inside the axes (data outside it is clipped, so cannot be covered)."""
    return Bbox.intersection(_shrunk(box), ax.bbox)


def _line_hits(line: Line2D, box: Bbox, dpi: float) -> bool:
    xy = line.get_transform().transform(line.get_path().vertices)
    if line.get_linestyle() not in ("None", "none", "", " ") and _segments_hit(xy, box):
        return True
    marker = line.get_marker()
    if marker not in (None, "None", "none", "", " ") and line.get_markersize() > 0:
        return _points_hit(xy, box, line.get_markersize() * dpi / 72 / 2)
    return False


def _collection_hits(coll: Collection, box: Bbox, dpi: float) -> bool:
    if isinstance(coll, LineCollection):
        tr = coll.get_transform()
        return any(_segments_hit(tr.transform(np.asarray(seg)), box) for seg in coll.get_segments()
                   if len(seg))
    if isinstance(coll, PathCollection):
        offsets = coll.get_offset_transform().transform(coll.get_offsets())
        sizes = coll.get_sizes()
        radius = float(np.sqrt(np.max(sizes)) * dpi / 72 / 2) if len(sizes) else 0.0
        return _points_hit(np.asarray(offsets), box, radius)
    tr = coll.get_transform()                  # filled areas (fill_between, hexbin, ...)
    for path in coll.get_paths():
        poly = tr.transform(path.vertices)
        if _segments_hit(poly, box) or path.transformed(tr).contains_point(
                ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)):
            return True
    return False


def overlaps_data(box: Bbox, axes: Iterable[Axes], dpi: float) -> list[str]:
    """What plotted data of ``axes`` the display box ``box`` covers (labels of the artists)."""
    hits = []
    for ax in axes:
        part = _clip(box, ax)
        if part is None or part.width <= 0 or part.height <= 0:
            continue
        for art in _data_artists(ax):
            if not art.get_visible():
                continue
            if isinstance(art, Line2D):
                hit = _line_hits(art, part, dpi)
            elif isinstance(art, Collection):
                hit = _collection_hits(art, part, dpi)
            elif isinstance(art, AxesImage):
                hit = _overlap(art.get_window_extent(), part)
            elif isinstance(art, (Rectangle, Patch)):
                hit = _overlap(art.get_window_extent(), part)
            else:
                hit = False
            if hit:
                hits.append(_describe(art))
    return hits


def _data_artists(ax: Axes) -> Iterator:
    yield from ax.lines
    yield from ax.collections
    yield from ax.images
    for p in ax.patches:
        if p is not ax.patch:
            yield p


def _describe(art) -> str:
    label = art.get_label() if hasattr(art, "get_label") else ""
    kind = type(art).__name__
    return f"{kind} {label!r}" if label and not label.startswith("_") else kind


# ---- texts --------------------------------------------------------------------------------------
def axes_texts(ax: Axes) -> Iterator[tuple[str, Text]]:
    """(role, text) of every visible, non-empty text an axes draws outside its legend."""
    for role, t in (("title", ax.title), ("title", getattr(ax, "_left_title", None)),
                    ("title", getattr(ax, "_right_title", None))):
        if t is not None:
            yield role, t
    for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
        if axis.get_visible():
            yield f"{name} label", axis.label
            yield "offset text", axis.get_offset_text()
    for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
        if not axis.get_visible():
            continue
        for tick in _drawn_ticks(axis):
            for lab in (tick.label1, tick.label2):
                yield f"{name} tick label", lab
    for t in ax.texts:
        yield "text", t


def _drawn_ticks(axis):
    try:
        return axis._update_ticks()            # the ticks the last draw placed inside the view
    except Exception:  # noqa: BLE001 - a future matplotlib without it: every tick
        return axis.get_major_ticks() + axis.get_minor_ticks()


def _visible(t: Text) -> bool:
    return bool(t.get_visible() and t.get_text().strip() and t.get_alpha() != 0)


def truncated(text: str) -> bool:
    """A text cut short: unbalanced (), [] or {}, an odd number of unescaped ``$``, or a trailing
    ellipsis."""
    s = text.strip()
    if s.endswith("...") or s.endswith("\u2026"):
        return True
    if (s.count("$") - s.count(r"\$")) % 2:
        return True
    depth = {"(": 0, "[": 0, "{": 0}
    close = {")": "(", "]": "[", "}": "{"}
    for ch in s:
        if ch in depth:
            depth[ch] += 1
        elif ch in close:
            depth[close[ch]] -= 1
            if depth[close[ch]] < 0:
                return True
    return any(depth.values())


def _legends(fig) -> Iterator[Legend]:
    for ax in fig.get_axes():
        if ax.get_legend() is not None:
            yield ax.get_legend()
    stack = [fig]
    while stack:
        f = stack.pop()
        yield from f.legends
        stack += list(f.subfigs)


def problems(fig) -> list[str]:
    """Every layout problem of ``fig`` (see the module docstring); draws it first."""
    renderer = renderer_of(fig)
    dpi = fig.dpi
    page = fig.bbox
    out: list[str] = []
    boxes: list[tuple[str, Bbox, object]] = []       # (what, box, owner) for the overlap check
    axes = fig.get_axes()
    for i, ax in enumerate(axes):
        name = _axes_name(ax, i)
        for role, t in axes_texts(ax):
            if not _visible(t):
                continue
            box = t.get_window_extent(renderer)
            what = f"{name}: {role} {t.get_text()!r}"
            boxes.append((what, box, (ax, role)))
            if truncated(t.get_text()):
                out.append(f"{what} looks truncated")
            if role == "text" and ax.contains_point(box.get_points().mean(0)):
                hits = overlaps_data(box, axes, dpi)
                if hits:
                    out.append(f"{what} covers data ({', '.join(hits[:3])})")
    stack = [fig]
    while stack:                                   # figure-level texts (suptitles, fig.text)
        f = stack.pop()
        stack += list(f.subfigs)
        extra = [getattr(f, k, None) for k in ("_suptitle", "_supxlabel", "_supylabel")]
        for t in dict.fromkeys([*f.texts, *[e for e in extra if e is not None]]):
            if _visible(t):
                what = f"figure: text {t.get_text()!r}"
                boxes.append((what, t.get_window_extent(renderer), (f, "text")))
                if truncated(t.get_text()):
                    out.append(f"{what} looks truncated")
    for leg in _legends(fig):
        if not leg.get_visible():
            continue
        box = leg.get_window_extent(renderer)
        owner = leg.axes if leg.axes is not None else leg.figure
        where = _axes_name(leg.axes, axes.index(leg.axes)) if leg.axes in axes else "figure"
        texts = [t.get_text() for t in leg.get_texts()]
        what = f"{where}: legend {texts[:2]}"
        boxes.append((what, box, (owner, "legend")))
        for t in texts:
            if truncated(t):
                out.append(f"{where}: legend entry {t!r} looks truncated")
        hits = overlaps_data(box, axes, dpi)
        if hits:
            out.append(f"{what} covers data ({', '.join(hits[:3])})")
    for what, box, _ in boxes:
        if box.x0 < page.x0 - 1 or box.y0 < page.y0 - 1 or box.x1 > page.x1 + 1 \
                or box.y1 > page.y1 + 1:
            out.append(f"{what} is clipped by the figure's edge")
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            (wa, a, oa), (wb, b, ob) = boxes[i], boxes[j]
            if _overlap(a, b):
                out.append(f"{wa} overlaps {wb}")
    return out


def _axes_name(ax, i: int) -> str:
    if ax is None:
        return "figure"
    title = ax.get_title() or ax.get_ylabel() or ""
    return f"axes {i} ({title[:30]})" if title else f"axes {i}"
