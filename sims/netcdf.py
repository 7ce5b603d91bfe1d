"""Results as labelled ``xarray.Dataset`` objects and NetCDF-4 files (h5netcdf engine).

The dims of every array come from the result's metadata (``meta["dims"]``); a coordinate array
(``meta["coords"]``: dim -> array, e.g. ``ratio`` <- ``ratios``) becomes the index of its dim and
keeps its own name as the attribute ``source``, so :func:`from_xarray` inverts :func:`to_xarray`
exactly. Metadata that is not a plain number or string (the config, the provenance) is stored as
JSON text attributes.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

_PLAIN = ("simulator", "kind", "experiment", "profile", "seed", "backend")


def to_xarray(result: Any):
    """The Dataset of a :class:`sims.results.Result` (its ``arrays`` and ``meta``)."""
    import xarray as xr
    dims, coords = result.dims, result.coords
    missing = sorted(set(result.arrays) - set(dims))
    if missing:
        raise ValueError(f"arrays without dims (results from an older version?): {missing}")
    index = {key: dim for dim, key in coords.items()}
    data_vars, coord_vars = {}, {}
    for key, a in result.arrays.items():
        if key in index:
            coord_vars[index[key]] = xr.Variable([index[key]], np.asarray(a), {"source": key})
        else:
            data_vars[key] = xr.Variable(dims[key], np.asarray(a))
    attrs = {k: result.meta[k] for k in _PLAIN if isinstance(result.meta.get(k), (str, int, float))}
    attrs["meta_json"] = json.dumps({k: v for k, v in result.meta.items()}, sort_keys=True,
                                    default=str)
    return xr.Dataset(data_vars, coords=coord_vars, attrs=attrs)


def from_xarray(ds) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``(arrays, meta)`` of a :class:`sims.results.Result` from its Dataset (the inverse of
    :func:`to_xarray`; :func:`sims.results.load` makes the Result)."""
    meta = json.loads(ds.attrs["meta_json"])
    arrays = {}
    for name, var in ds.coords.items():
        if "source" in var.attrs:
            arrays[var.attrs["source"]] = _plain(var.values)
    for name, var in ds.data_vars.items():
        arrays[name] = _plain(var.values)
    order = list(meta.get("dims", arrays))
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
    """``(arrays, meta)`` of a NetCDF result file (see :func:`from_xarray`)."""
    import xarray as xr
    with xr.open_dataset(Path(path), engine="h5netcdf") as ds:
        return from_xarray(ds.load())
