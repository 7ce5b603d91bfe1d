"""Runs of one experiment over a grid of config values, stacked into one labelled Dataset.

    import sims
    ds = sims.sweep("grokking", "grok", M=[23, 29, 31], steps=2000)
    ds["test_acc"].sel(M=29)                 # dims (M, record)
    ds["claim_verdict"].sel(M=29)            # PASS / FAIL of each claim on that slice

A keyword whose value is a list, for a field whose value is a scalar, is swept (several such
keywords give their full grid, in keyword order); any other keyword is an ordinary override
applied to every run (``ratios=[0.5, 1, 2]`` stays one override, since ``ratios`` is a list
field: sweep it with a list of lists). Every grid point's config is validated before anything runs.

The result is the runs' :meth:`sims.results.Result.to_xarray` datasets concatenated along one new
dim per swept field, its coordinate the swept values; arrays whose other dims differ in length
between runs (the hidden layer of a larger M) are padded with NaN (every dim has a coordinate, so
the runs align on it). Attributes that differ between runs (the swept field's ``config_<field>``,
creation times) are dropped. The claims of each run, checked on that run alone (so a claim whose
negative control is another experiment reports its control as not run), are the data variable
``claim_verdict`` ("PASS", "FAIL", or "" where a claim did not apply) with the coordinate
``claim`` (``"<claim name>"``), and the count of passing claims is ``claims_passed``.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import SimsError


def _swept(defaults: Any, overrides: dict[str, Any]) -> tuple[dict[str, list], dict[str, Any]]:
    """Split ``overrides`` into swept fields (name -> values) and plain overrides."""
    swept, plain = {}, {}
    for key, value in overrides.items():
        current = getattr(defaults, key, None)
        is_list_field = isinstance(current, (list, tuple))
        if isinstance(value, (list, tuple, np.ndarray)) and (
                not is_list_field or (len(value) and all(isinstance(v, (list, tuple))
                                                         for v in value))):
            values = list(np.asarray(value).tolist()) if isinstance(value, np.ndarray) else \
                list(value)
            if not values:
                raise SimsError(f"sweep: {key}=[] gives no runs")
            if len(set(map(repr, values))) != len(values):
                raise SimsError(f"sweep: {key} has repeated values {values}")
            swept[key] = values
        else:
            plain[key] = value
    return swept, plain


def sweep(simulator: str, experiment: str, profile: str = "quick", *,
          profile_dir: str | Path | None = None, threads: int | None = None,
          **overrides: Any):
    """Run ``experiment`` of ``profile`` at every point of the grid of list-valued ``overrides``
    and return one ``xarray.Dataset`` with one dim per swept field (see the module docstring)."""
    import xarray as xr

    from . import api
    base = api.experiments(simulator, profile, profile_dir=profile_dir)
    if experiment not in base:
        raise SimsError(f"no experiment {experiment!r} in profile {profile!r} of {simulator}; "
                        f"known: {', '.join(base)}")
    swept, plain = _swept(base[experiment], overrides)
    if not swept:
        raise SimsError("sweep needs at least one list-valued override of a scalar field, e.g. "
                        "M=[23, 29, 31]; use sims.run for a single run")
    fields = list(swept)
    points = list(itertools.product(*swept.values()))
    for point in points:                           # validate every config before running any
        api.experiments(simulator, profile, profile_dir=profile_dir,
                        **plain, **dict(zip(fields, point)))
    runs = [api.run(simulator, experiment, profile, profile_dir=profile_dir, threads=threads,
                    **plain, **dict(zip(fields, point))) for point in points]
    datasets = []
    verdicts: list[dict[str, str]] = []
    for point, res in zip(points, runs):
        ds = res.to_xarray()
        clash = sorted(set(fields) & (set(ds.dims) | set(ds.variables)))
        if clash:
            raise SimsError(f"sweep: the results of {simulator}/{experiment} already have a dim "
                            f"or variable named {clash}; sweep it through a list of lists or "
                            f"run the points with sims.run")
        for key in fields:
            ds.attrs.pop(f"config_{key}", None)
        datasets.append(ds)
        row: dict[str, str] = {}
        for c in res.claims():
            name = c.name
            while name in row:                    # the same check on several parts of a run
                name += "'"
            row[name] = "PASS" if c.passed else "FAIL"
        verdicts.append(row)
    claim_names = list(dict.fromkeys(n for v in verdicts for n in v))
    shape = [len(v) for v in swept.values()]
    nested = _nest(datasets, shape)
    ds = xr.combine_nested(nested, concat_dim=fields, join="outer", combine_attrs="drop_conflicts",
                           data_vars="all", coords="different", compat="no_conflicts")
    ds = ds.transpose(*fields, ...)
    for key, values in swept.items():
        ds = ds.assign_coords({key: (key, np.asarray(values))})
        ds[key].attrs.update(long_name=f"swept config field {key}", units=_units(ds, key))
    table = np.array([[v.get(n, "") for n in claim_names] for v in verdicts], dtype=str)
    ds["claim_verdict"] = ([*fields, "claim"], table.reshape(*shape, len(claim_names)),
                           {"long_name": "verdict of the claim on this run alone", "units": "1"})
    ds = ds.assign_coords(claim=("claim", np.asarray(claim_names, dtype=str)))
    ds["claim"].attrs.update(long_name="claim", units="1")
    ds["claims_passed"] = (fields, (table == "PASS").sum(-1).reshape(shape),
                           {"long_name": "claims that pass on this run alone", "units": "1"})
    for key in ("sims_layout", "sims_arrays"):    # they describe one run, not the stack
        ds.attrs.pop(key, None)
    ds.attrs["swept"] = fields
    return ds


def _nest(items: Sequence[Any], shape: Sequence[int]) -> list:
    """``items`` (row-major over ``shape``) as nested lists."""
    if len(shape) == 1:
        return list(items)
    step = int(np.prod(shape[1:]))
    return [_nest(items[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _units(ds, key: str) -> str:
    var = ds.get(key)
    return var.attrs.get("units", "1") if var is not None else "1"
