"""Results carry their meaning: every variable of every simulator's ``to_xarray()`` has ``units`` and
``long_name`` (declared once per simulator in sims/<sim>/outputs.py), every dim has a coordinate,
the config is flat attributes beside the provenance, NetCDF round-trips it, and ``sims.sweep``
stacks the runs of a swept config field into one Dataset with that field as a dim."""
from __future__ import annotations

import numpy as np
import pytest

import sims
from sims import outputs, results
from sims.errors import ConfigError, SimsError
from sims.registry import get_simulator, names
from tiny_configs import TINY
from tiny_results import tiny_results


@pytest.mark.parametrize("sim_name", [s for s in names() if s in TINY])
def test_every_variable_has_units_and_long_name(sim_name):
    declared = outputs.of(get_simulator(sim_name))
    assert declared, f"{sim_name} declares no outputs"
    for exp, res in tiny_results(sim_name).items():
        # every array and every dim is declared (a fallback would make the check below vacuous)
        dims = {d for ds in res.dims.values() for d in ds}
        assert not outputs.undeclared(declared, set(res.arrays) | dims), (exp, outputs.undeclared(
            declared, set(res.arrays) | dims))
        ds = res.to_xarray()
        for name, var in {**ds.coords, **ds.data_vars}.items():
            assert var.attrs.get("long_name") and var.attrs.get("units"), (exp, name, var.attrs)
        assert set(ds.dims) <= set(ds.coords), (exp, set(ds.dims) - set(ds.coords))
        assert "meta_json" not in ds.attrs
        for field, value in res.config.items():          # the config, flat
            assert f"config_{field}" in ds.attrs, (exp, field)
            if isinstance(value, (int, float, str)) and not isinstance(value, bool):
                assert ds.attrs[f"config_{field}"] == value, (exp, field)


def test_index_like_arrays_are_coordinates():
    res = tiny_results("double_descent")["linear"]
    ds = res.to_xarray()
    assert "widths" in ds.coords and "widths" not in ds.data_vars
    assert ds["widths"].dims == ("ratio",)
    assert list(ds["seed"].values) == list(range(res["min_norm_risk"].shape[0]))
    nc = next(iter(tiny_results("neural_collapse").values())).to_xarray()
    assert {"depth", "counts"} <= set(nc.coords)
    assert list(nc["quantity"].values) == ["loss", "grad_norm", "NC1", "NC2", "NC3"]


def test_undeclared_array_is_reported():
    """The declaration check can fail: an array the simulator does not declare is named."""
    declared = outputs.of(get_simulator("double_descent"))
    assert outputs.undeclared(declared, ["min_norm_risk", "made_up"]) == ["made_up"]
    res = tiny_results("double_descent")["linear"]
    extra = results.Result({**res.arrays, "made_up": np.zeros(3)},
                           {**res.meta, "dims": {**res.dims, "made_up": ["ratio"]}})
    var = extra.to_xarray()["made_up"]
    assert "units" not in var.attrs and "long_name" not in var.attrs


@pytest.mark.parametrize("sim_name", names())
def test_netcdf_round_trip_carries_flat_config_and_provenance(sim_name, tmp_path):
    import xarray as xr
    for exp, res in tiny_results(sim_name).items():
        nc, _ = results.save(tmp_path / exp, res, format="netcdf")
        back = results.load(nc)
        assert back.config == res.config and back.dims == res.dims and back.coords == res.coords
        for k, a in res.arrays.items():
            assert np.array_equal(back[k], a, equal_nan=np.asarray(a).dtype.kind == "f"), (exp, k)
        with xr.open_dataset(nc, engine="h5netcdf") as ds:
            assert ds.attrs["provenance_git_commit"] and ds.attrs["provenance_versions_numpy"]
            assert all(ds[v].attrs.get("units") for v in ds.variables), exp


def test_sweep_stacks_a_swept_field_as_a_dim():
    ds = sims.sweep("double_descent", "linear", n=[20, 30, 40], seeds=3, ratios=[0.5, 2.0],
                    budgets=[10, 1000], threads=1)
    assert list(ds["n"].values) == [20, 30, 40]
    assert ds["min_norm_risk"].dims == ("n", "seed", "ratio")
    assert ds["widths"].dims == ("n", "ratio")                 # p = ratio * n differs per slice
    assert ds["widths"].sel(n=30).values.tolist() == [15, 60]
    assert ds["claim_verdict"].dims == ("n", "claim") and ds["claims_passed"].dims == ("n",)
    assert set(np.unique(ds["claim_verdict"].values)) <= {"PASS", "FAIL", ""}
    assert "config_n" not in ds.attrs and ds.attrs["config_seeds"] == 3
    one = sims.run("double_descent", "linear", n=30, seeds=3, ratios=[0.5, 2.0],
                   budgets=[10, 1000], threads=1)
    assert np.array_equal(ds["min_norm_risk"].sel(n=30).values, one["min_norm_risk"])
    assert [c.passed for c in one.claims()] == [v == "PASS" for v in
                                                 ds["claim_verdict"].sel(n=30).values]


def test_sweep_grid_of_two_fields_and_its_errors():
    ds = sims.sweep("double_descent", "linear", n=[20, 30], seeds=[2, 3], ratios=[0.5, 2.0],
                    budgets=[10], threads=1)
    assert ds["min_norm_risk"].dims[:2] == ("n", "seeds")
    assert np.isnan(ds["min_norm_risk"].sel(n=20, seeds=2).values[2]).all()   # padded: 2 seeds
    with pytest.raises(SimsError, match="list-valued"):
        sims.sweep("double_descent", "linear", ratios=[0.5, 2.0])      # a list field: no sweep
    with pytest.raises(ConfigError):
        sims.sweep("double_descent", "linear", n=[20, -3])              # validated before running
