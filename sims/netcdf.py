"""Results as labelled ``xarray.Dataset`` objects and NetCDF-4 files (h5netcdf engine).

:func:`to_xarray` gives every array its named dims (``meta["dims"]``) and its ``long_name`` and
``units`` (the simulator's outputs declaration, :mod:`sims.outputs`). Coordinates:

* a coordinate array of the result (``meta["coords"]``: dim -> array, e.g. ``ratio`` <- ``ratios``)
  becomes the index of its dim and keeps its own name as the attribute ``source``;
* an index-like array declared ``coordinate=True`` (``widths`` along ``ratio``, the ``depth`` of
  each run) becomes a non-index coordinate of its dims, also with ``source``;
* a dim with no coordinate array (``seed``, ``run``, ``node``) gets the integer index 0, 1, ...
  (or the labels its declaration gives), described by its dim's declaration.

The metadata become flat attributes, one per value: ``config_<field>`` for the config,
``provenance_git_commit``, ``provenance_versions_numpy``, ... for the provenance, ``simulator``,
``kind``, ``experiment``, ``profile``, ``seed`` as they are. NetCDF attributes hold only numbers,
strings and 1-d lists, so a bool is written ``"true"``/``"false"``, None as ``"None"`` and a
nested list as JSON text; the attribute ``sims_layout`` (one ``attr|path|type`` string per
attribute) and ``sims_arrays`` (the result's array names, in order) let :func:`from_xarray`
invert :func:`to_xarray` exactly.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np


_STRUCTURE = ("dims", "coords")          # rebuilt from the dataset's variables, not stored
LAYOUT, ARRAYS = "sims_layout", "sims_arrays"


def _outputs(result: Any) -> Mapping[str, Any]:
    from .outputs import of
    from .registry import get_simulator
    try:
        return of(get_simulator(result.simulator)) if result.simulator else {}
    except Exception:  # noqa: BLE001 - a result of an unregistered simulator: no declarations
        return {}


def _described(out, attrs: dict | None = None) -> dict:
    attrs = dict(attrs or {})
    if out is not None:
        attrs.update(long_name=out.long_name, units=out.units)
    return attrs


def to_xarray(result: Any):
    """The result as an ``xarray.Dataset`` (see the module docstring)."""
    import xarray as xr
    dims, coords = result.dims, result.coords
    missing = sorted(set(result.arrays) - set(dims))
    if missing:
        raise ValueError(f"arrays without dims (results from an older version?): {missing}")
    outputs = _outputs(result)
    index = {key: dim for dim, key in coords.items()}
    data_vars, coord_vars, sizes = {}, {}, {}
    for key, a in result.arrays.items():
        a = np.asarray(a)
        sizes.update(zip(dims[key], a.shape))
        out = outputs.get(key)
        if key in index:
            coord_vars[index[key]] = xr.Variable([index[key]], a, _described(out, {"source": key}))
        elif out is not None and out.coordinate:
            coord_vars[key] = xr.Variable(dims[key], a, _described(out, {"source": key}))
        else:
            data_vars[key] = xr.Variable(dims[key], a, _described(out))
    for dim, n in sizes.items():
        if dim in coord_vars:
            continue
        out = outputs.get(dim)
        labels = out.labels if out is not None and out.labels and len(out.labels) == n else None
        values = np.asarray(labels) if labels else np.arange(n)
        coord_vars[dim] = xr.Variable([dim], values, _described(out))
    attrs = {"title": " / ".join(str(result.meta[k]) for k in ("simulator", "experiment")
                                 if result.meta.get(k))}
    layout = []
    for name, path, value in _flat(result.meta):
        attrs[name], kind = _encode(value)
        layout.append(f"{name}|{'/'.join(path)}|{kind}")
    attrs[LAYOUT] = layout
    attrs[ARRAYS] = list(result.arrays)
    if not attrs["title"]:
        del attrs["title"]
    return xr.Dataset(data_vars, coords=coord_vars, attrs=attrs)


def _flat(meta: Mapping[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple, Any]]:
    """(attribute name, key path, value) of every leaf of ``meta``; nested dicts are flattened with
    ``_`` (``provenance_git_commit``)."""
    for key, value in meta.items():
        if not path and key in _STRUCTURE:
            continue
        here = (*path, str(key))
        if isinstance(value, Mapping) and value:
            yield from _flat(value, here)
        else:
            yield "_".join(here), here, value


def _encode(value: Any) -> tuple[Any, str]:
    """A NetCDF-legal attribute value and the type tag that decodes it."""
    if value is None:
        return "None", "none"
    if isinstance(value, (bool, np.bool_)):
        return ("true" if value else "false"), "bool"
    if isinstance(value, (int, np.integer)):
        return int(value), "int"
    if isinstance(value, (float, np.floating)):
        return float(value), "float"
    if isinstance(value, str):
        return value, "str"
    if isinstance(value, Mapping):                 # an empty dict
        return "{}", "json"
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(np.asarray(value).tolist()) if isinstance(value, np.ndarray) else list(value)
        if all(isinstance(v, str) for v in items) and items:
            return items, "list"
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
            kind = "list_int" if all(isinstance(v, int) for v in items) else "list"
            return np.asarray(items, dtype=np.int64 if kind == "list_int" else float), kind
    return json.dumps(value, default=str), "json"


def _decode(value: Any, kind: str) -> Any:
    if kind == "none":
        return None
    if kind == "bool":
        return str(value) == "true"
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind in ("list", "list_int"):
        items = np.atleast_1d(np.asarray(value)).tolist()
        return [int(v) for v in items] if kind == "list_int" else items
    if kind == "json":
        return json.loads(value)
    return str(value)


def from_xarray(ds) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``(arrays, meta)`` of the :class:`sims.results.Result` that :func:`to_xarray` made ``ds``
    from (:func:`sims.results.load` makes the Result; no import of it here, no cycle)."""
    meta: dict[str, Any] = {}
    for entry in np.atleast_1d(ds.attrs.get(LAYOUT, [])).tolist():
        name, path, kind = entry.split("|")
        node = meta
        keys = path.split("/")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = _decode(ds.attrs[name], kind)
    arrays, dims, coords = {}, {}, {}
    for name, var in ds.coords.items():
        source = var.attrs.get("source")
        if source is None:
            continue
        arrays[source] = _plain(var.values)
        dims[source] = list(var.dims)
        if var.dims == (name,):                      # the index of its dim (ratio <- ratios)
            coords[name] = source
    for name, var in ds.data_vars.items():
        arrays[name] = _plain(var.values)
        dims[name] = list(var.dims)
    order = [str(k) for k in np.atleast_1d(ds.attrs.get(ARRAYS, list(arrays))).tolist()]
    order += [k for k in arrays if k not in order]
    meta["dims"] = {k: dims[k] for k in order if k in arrays}
    meta["coords"] = coords
    return {k: arrays[k] for k in order if k in arrays}, meta


def _plain(values) -> np.ndarray:
    a = np.asarray(values)
    return a.astype(str) if a.dtype == object else a


def write(fh, result: Any) -> None:
    """Write ``result`` as NetCDF-4 into the open binary file ``fh``."""
    ds = to_xarray(result)
    buf = io.BytesIO()
    ds.to_netcdf(buf, engine="h5netcdf")
    fh.write(buf.getvalue())


def read(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    import xarray as xr
    with xr.open_dataset(Path(path), engine="h5netcdf") as ds:
        return from_xarray(ds.load())
