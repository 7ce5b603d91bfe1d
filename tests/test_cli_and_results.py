"""The command line, profiles, result files (atomic, pickle-free, with provenance) and the claims
ledger. CLI tests run ``python -m sims`` in a subprocess (~1-2 s each, so there are few)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sims import config as cfg
from sims import results
from sims.ledger_table import write_claims, write_ledger
from sims.verdicts import Claim
from sims.double_descent import DoubleDescentConfig
from sims.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def sims_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SIMS_CONFIG_DIR"}   # the repo's profiles
    return subprocess.run([sys.executable, "-m", "sims", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


# ---- command line ---------------------------------------------------------------------------------
def test_list():
    """`python -m sims list` names each simulator and its quick-profile experiments with their
    kinds (what each experiment is, which selects its claims)."""
    out = sims_cli("list")
    assert out.returncode == 0, out.stderr
    assert "double_descent:" in out.stdout
    assert "quick: linear (linear), random_features (relu_rf)" in out.stdout


def test_unknown_simulator_is_one_error_line():
    """An unknown simulator exits 2 with a single 'error:' line on stderr (no traceback)."""
    out = sims_cli("run", "nope")
    assert out.returncode == 2
    assert out.stderr.splitlines() == [out.stderr.strip()] and out.stderr.startswith("error: ")
    assert "'nope'" in out.stderr


@pytest.mark.parametrize("override, field", [("n=-5", "n"), ("lr=3", "lr"), ("bogus=1", "bogus")])
def test_bad_override_fails_before_writing(tmp_path, override, field):
    """A bad --set value (negative n, diverging lr, unknown key) exits 2 with one error line
    naming the field, and writes nothing: every config is checked before any run starts."""
    out = sims_cli("run", "double_descent", "--set", override, "--results-dir", str(tmp_path))
    assert out.returncode == 2
    (line,) = out.stderr.splitlines()
    assert line.startswith("error: ") and re.search(rf"\b{field}\b", line), line
    assert list(tmp_path.iterdir()) == []


def test_tiny_run_writes_npz_and_sidecar(tmp_path):
    """A real run with --set overrides writes <dir>/quick-<hash>/double_descent/linear.{npz,json}
    and nothing else (never into the shipped profile's results/quick); the metadata holds the
    resolved config, seed, backend and provenance (package versions, git commit); the .npz loads
    with allow_pickle=False and round-trips via results.load."""
    from sims import paths
    out = sims_cli("run", "double_descent", "--experiment", "linear", "--results-dir",
                   str(tmp_path), "--set", "seeds=2", "--set", "n=30",
                   "--set", "ratios=[0.5,1.0,2.0,4.0]")
    assert out.returncode == 0, out.stderr
    label = paths.label("quick", REPO / "config", {"seeds": 2, "n": 30,
                                                   "ratios": [0.5, 1.0, 2.0, 4.0]})
    assert re.fullmatch(r"quick-[0-9a-f]{8}", label) and not (tmp_path / "quick").exists()
    folder = tmp_path / label / "double_descent"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["linear.json",
                                                                          "linear.npz"]
    assert f"wrote {folder / 'linear.npz'}" in out.stdout
    meta = json.loads((folder / "linear.json").read_text())
    assert meta["config"]["n"] == 30 and meta["config"]["seeds"] == 2
    assert meta["config"]["ratios"] == [0.5, 1.0, 2.0, 4.0]
    assert meta["config"]["seed"] == meta["seed"] == 1         # the profile's seed
    assert meta["backend"] in ("numpy", "numba", "cupy")        # 'auto' resolved
    assert meta["overrides"] == {"seeds": 2, "n": 30, "ratios": [0.5, 1.0, 2.0, 4.0]}
    assert {"python", "numpy", "numba", "sympy"} <= set(meta["provenance"]["versions"])
    git = meta["provenance"]["git"]
    assert set(git) == {"commit", "dirty"}
    assert git["commit"] is None or re.fullmatch(r"[0-9a-f]{40}", git["commit"])
    with np.load(folder / "linear.npz", allow_pickle=False) as data:
        assert data["min_norm_risk"].shape == (2, 4)
        side = {k: v for k, v in meta.items() if k != "data_file"}
        assert json.loads(str(data["__meta__"])) == side
    loaded = results.load(folder / "linear")
    assert loaded.meta == side and loaded["gd_risk"].shape == (2, 4, 8)


# ---- profiles -------------------------------------------------------------------------------------
def test_shipped_quick_profile_is_valid():
    """config/quick/double_descent.yaml parses and every experiment passes validation."""
    configs = cfg.load_experiments("double_descent", DoubleDescentConfig, "quick", config_dir=REPO / "config")
    assert set(configs) == {"linear", "random_features"}
    assert configs["random_features"].model == "relu_rf"


@pytest.mark.parametrize("text, words", [
    ("experiments: {linear: [1, 2\n", "malformed YAML"),
    ("resources: {cpus: 1}\n", "experiments"),
    ("experiments: {linear: {n: 10}}\nextra: 1\n", "extra"),
])
def test_malformed_profile_is_a_config_error(tmp_path, text, words):
    """A profile that is not YAML, lacks 'experiments' or has unknown top-level keys is a
    ConfigError that says what is wrong."""
    (tmp_path / "quick").mkdir()
    (tmp_path / "quick" / "double_descent.yaml").write_text(text)
    with pytest.raises(ConfigError, match=words):
        cfg.load_profile_file("double_descent", "quick", config_dir=tmp_path)


def test_profile_value_errors_name_the_experiment(tmp_path):
    """A wrongly typed value inside a profile is a ConfigError naming file, experiment and key;
    a missing profile says where it looked."""
    (tmp_path / "quick").mkdir()
    (tmp_path / "quick" / "double_descent.yaml").write_text("experiments: {lin: {n: 1.5}}\n")
    with pytest.raises(ConfigError, match=r"quick/double_descent\.yaml:lin\.n"):
        cfg.load_experiments("double_descent", DoubleDescentConfig, "quick", config_dir=tmp_path)
    with pytest.raises(ConfigError, match="no profile 'paper'"):
        cfg.load_profile_file("double_descent", "paper", config_dir=tmp_path)


# ---- result files ---------------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path):
    """results.save/load keep arrays exactly (floats incl. inf/nan, ints, strings) and the meta,
    plus provenance; the .npz needs no pickle."""
    arrays = {"x": np.array([[1.5, np.inf], [np.nan, -0.0]]), "k": np.arange(3),
              "names": np.array(["min_norm", "gd_10"])}
    npz, sidecar = results.save(tmp_path / "r.npz", results.Result(arrays, {"seed": 4}))
    assert (npz.name, sidecar.name) == ("r.npz", "r.json")
    back = results.load(tmp_path / "r")
    assert set(back.arrays) == set(arrays)
    for key, value in arrays.items():
        np.testing.assert_array_equal(back[key], value)
        assert back[key].dtype == value.dtype
    assert back.meta["seed"] == 4 and "provenance" in back.meta
    side = json.loads(sidecar.read_text())
    assert side.pop("data_file")["sha256"] == results.sha256(npz) and side == back.meta
    np.load(npz, allow_pickle=False).close()


def test_save_refuses_object_arrays_and_writes_nothing(tmp_path):
    """Object arrays would need pickle: save raises TypeError before creating any file."""
    with pytest.raises(TypeError, match="pickle"):
        results.save(tmp_path / "r", results.Result({"bad": np.array([{}, 1], dtype=object)}))
    assert list(tmp_path.iterdir()) == []


class Boom(RuntimeError):
    pass


def _half_then_fail(fh):
    fh.write(b"partial data")
    raise Boom("writer died mid-way")


def test_atomic_write_failure_leaves_no_file(tmp_path):
    """If the writer raises mid-way, the target does not exist and no temporary file remains."""
    target = tmp_path / "sub" / "out.npz"
    with pytest.raises(Boom):
        results.atomic_write(target, _half_then_fail)
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_atomic_write_failure_keeps_the_old_file(tmp_path):
    """A failed rewrite leaves an existing file byte-for-byte as it was, with no temporaries."""
    target = tmp_path / "out.json"
    results.atomic_write_text(target, "old\n")
    with pytest.raises(Boom):
        results.atomic_write(target, _half_then_fail)
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["out.json"]


# ---- claims ledger --------------------------------------------------------------------------------
def _cells(row: str) -> list[str]:
    """Split a markdown table row the way GitHub does: '\\x' escapes any x, '|' ends a cell."""
    cells, cur, chars = [], "", iter(row.strip()[1:-1])
    for ch in chars:
        if ch == "\\":
            cur += ch + next(chars, "")
        elif ch == "|":
            cells, cur = cells + [cur.strip()], ""
        else:
            cur += ch
    return cells + [cur.strip()]


def test_ledger_counts_kinds_and_controls_apart_and_marks_failures(tmp_path):
    """write_ledger separates simulation claims from symbolic identities in its headline, shows
    each simulation claim's control with its outcome, marks the failing row **FAIL**, and keeps
    every row at 10 cells even when texts and values contain '|'."""
    from sims.verdicts import controlled, symbolic
    ok = Claim("a", "ref A", "risk |a - beta|^2 is small", 1.0, 1.01, "rel 0.05", "MC", True)
    rejected = Claim("a", "ref A", "risk |a - beta|^2 is small", 1.0, 2.0, "rel 0.05", "MC", False)
    good = [controlled(ok, rejected, "the rival"), *symbolic({"identity": True}, "ref S", "theory.x")]
    bad = [controlled(Claim("c", "ref C", "bound", "<= |x|", [2.0, float("inf")], "bound", "why",
                            True), ok, "a control that passes")]
    write_claims(tmp_path / "one.json", "sim_one", good)
    write_claims(tmp_path / "two.json", "sim_two", bad)
    md, js = tmp_path / "claims.md", tmp_path / "claims.json"
    counts = write_ledger([tmp_path / "two.json", tmp_path / "one.json"], md, js)
    assert (counts["simulation"], counts["simulation_passed"], counts["symbolic_passed"]) == (2, 1, 1)
    assert (counts["controls_rejecting"], counts["controls_passing"]) == (1, 1)
    text = md.read_text()
    assert "**1 / 2 simulation claims pass**" in text and "**1 / 1 symbolic identities" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [_cells(r)[0] for r in rows] == ["PASS", "PASS", "**FAIL**"]
    assert all(len(_cells(r)) == 10 for r in rows), rows
    assert _cells(rows[0])[-1].startswith("the rival: FAIL as required")
    assert "does not discriminate" in _cells(rows[2])[-1]
    summary = json.loads(js.read_text())
    assert (summary["passed"], summary["total"]) == (2, 3)
    assert [c["passed"] for c in summary["claims"]] == [True, True, False]
    assert [c["check_passed"] for c in summary["claims"]] == [True, True, True]


# ---- checked loads -------------------------------------------------------------------------------
def _saved(tmp_path):
    meta = {"simulator": "double_descent", "experiment": "linear", "profile": "quick"}
    npz, _ = results.save(tmp_path / "quick" / "double_descent" / "linear",
                          results.Result({"x": np.random.default_rng(0).standard_normal(4000)},
                                         meta))
    return npz


def test_sidecar_records_the_data_files_checksum(tmp_path):
    npz = _saved(tmp_path)
    side = json.loads(npz.with_suffix(".json").read_text())
    assert side["data_file"]["bytes"] == npz.stat().st_size
    assert side["data_file"]["sha256"] == results.sha256(npz)
    assert results.load(npz)["x"].shape == (4000,)


@pytest.mark.parametrize("damage", ["truncate", "replace", "delete"])
def test_damaged_result_is_one_clear_error_naming_file_and_command(tmp_path, damage):
    """A truncated copy (`head -c 5000 f > f`), a file replaced behind the sidecar's back, or a
    missing data file gives a ResultFileError naming the file and the command that recreates it;
    through the CLI it is one 'error:' line and exit 2, no traceback."""
    npz = _saved(tmp_path)
    if damage == "truncate":
        npz.write_bytes(npz.read_bytes()[:5000])
    elif damage == "replace":
        np.savez(npz.with_suffix(""), x=np.zeros(3))
    else:
        npz.unlink()
    with pytest.raises(results.ResultFileError) as err:
        results.load(npz)
    msg = str(err.value)
    assert str(npz) in msg and "python -m sims run double_descent --profile quick" in msg
    out = sims_cli("claims", "double_descent", "--results-dir", str(tmp_path))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and out.stderr.startswith("error:")


def test_a_torn_file_without_sidecar_is_still_a_clear_error(tmp_path):
    npz = tmp_path / "r.npz"
    npz.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(results.ResultFileError, match="not a readable result file"):
        results.load(npz)


# ---- profiles as folders, threads, the Python API ---------------------------------------------------
TINY_PROFILE = "experiments:\n  small: {model: linear, n: 30, ratios: [0.5, 2.0], seeds: 3, "\
               "budgets: [10], ridge: [0.1]}\n"


def test_any_folder_is_a_profile(tmp_path):
    """--profile-dir runs a user's own folder of YAML files; results go under the folder's name."""
    mine = tmp_path / "my_sweep"
    mine.mkdir()
    (mine / "double_descent.yaml").write_text(TINY_PROFILE)
    out = sims_cli("run", "double_descent", "--profile-dir", str(mine), "--results-dir",
                   str(tmp_path / "res"), "--threads", "1")
    assert out.returncode == 0, out.stderr
    meta = json.loads((tmp_path / "res" / "my_sweep" / "double_descent" / "small.json").read_text())
    assert meta["profile"] == "my_sweep" and meta["kind"] == "linear"
    listing = sims_cli("list", "--profile-dir", str(mine))
    assert "my_sweep: small (linear)" in listing.stdout
    bad = sims_cli("run", "double_descent", "--profile-dir", str(tmp_path / "nope"))
    assert bad.returncode == 2 and "no such folder" in bad.stderr


def test_threads_pin_blas_and_bad_counts_are_errors():
    from threadpoolctl import threadpool_info

    from sims import threads
    assert threads.pin(1) == 1
    assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    with pytest.raises(ConfigError, match="threads"):
        threads.pin(0)
    assert threads.available_cores() >= 1


def test_python_api_runs_validates_and_checks_in_memory(tmp_path):
    """sims.run gives a labelled in-memory result whose claims run without a file; a bad value is
    the CLI's ConfigError; sims.ledger gathers the verdict."""
    import sims
    assert "double_descent" in sims.list()
    res = sims.run("double_descent", "linear", profile="quick", n=30, seeds=3,
                   ratios=[0.5, 1.0, 2.0], threads=1)
    assert res.meta["experiment"] == "linear" and res.meta["kind"] == "linear"
    assert res.dims["gd_risk"] == ["seed", "ratio", "budget"] and res.coords["ratio"] == "ratios"
    assert res.claims() and sims.ledger([res]).counts["simulation"] == len(res.claims())
    with pytest.raises(ConfigError, match=r"\bn\b"):
        sims.run("double_descent", "linear", n=-5)
    results.save(tmp_path / "r", res)
    assert sims.load(tmp_path / "r.npz").meta["kind"] == "linear"


def test_console_script_is_the_cli():
    exe = Path(sys.executable).with_name("dltheory")
    if not exe.exists():
        pytest.skip("the dltheory console script is not installed in this environment")
    out = subprocess.run([str(exe), "list"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "double_descent:" in out.stdout


# ---- labelled results and NetCDF -------------------------------------------------------------------
def test_to_xarray_names_every_axis_and_netcdf_round_trips(tmp_path):
    """to_xarray gives named dims and coordinates with the provenance as attributes; a NetCDF file
    (--format netcdf) loads back to the same arrays, checked against its sidecar's checksum."""
    import sims
    res = sims.run("double_descent", "linear", n=30, seeds=3, ratios=[0.5, 1.0, 2.0], threads=1)
    ds = res.to_xarray()
    assert ds["min_norm_risk"].dims == ("seed", "ratio")
    assert ds["gd_risk"].dims == ("seed", "ratio", "budget")
    assert list(ds["ratio"].values) == [0.5, 1.0, 2.0]
    assert ds.attrs["kind"] == "linear" and "meta_json" not in ds.attrs
    assert ds.attrs["config_n"] == 30 and list(ds.attrs["config_ratios"]) == [0.5, 1.0, 2.0]
    assert list(ds["seed"].values) == [0, 1, 2] and "widths" in ds.coords   # index-like: coords
    assert ds["min_norm_risk"].attrs["units"] and ds["ratio"].attrs["long_name"]
    results.save(tmp_path / "r", res, format="netcdf")
    back = results.load(tmp_path / "r.nc")
    assert set(back.arrays) == set(res.arrays) and back.dims == res.dims
    assert back.coords == res.coords and back.config == res.config
    for k in res.arrays:
        assert back[k].dtype == res[k].dtype and np.array_equal(back[k], res[k]), k
    import xarray as xr
    with xr.open_dataset(tmp_path / "r.nc", engine="h5netcdf") as nc_ds:   # flat attributes
        assert nc_ds.attrs["config_n"] == 30 and nc_ds.attrs["provenance_git_commit"]
        assert nc_ds["gd_risk"].attrs["long_name"] and "seed" in nc_ds.coords
    out = sims_cli("run", "double_descent", "--experiment", "linear", "--format", "netcdf",
                   "--results-dir", str(tmp_path / "cli"), "--set", "seeds=2", "--set", "n=30",
                   "--set", "ratios=[0.5, 2.0]", "--threads", "1")
    assert out.returncode == 0, out.stderr
    (nc,) = (tmp_path / "cli").glob("quick-*/double_descent/linear.nc")   # overrides: own folder
    assert results.load(nc)["min_norm_risk"].shape == (2, 2)
    nc.write_bytes(nc.read_bytes()[:3000])
    with pytest.raises(results.ResultFileError, match="does not match its sidecar"):
        results.load(nc)


# ---- the workflow bugs a new user hit (issue 27), each run in place ------------------------------
def test_overrides_and_a_folder_named_like_a_shipped_profile_get_folders_of_their_own(tmp_path):
    """`--set` runs and a --profile-dir folder called 'quick' (not config/quick) write under
    quick-<hash>, one hash per setting, never into results/quick; rerunning the same overrides
    reuses the same folder."""
    from tiny import TINY_DD
    mine = tmp_path / "elsewhere" / "quick"
    mine.mkdir(parents=True)
    (mine / "double_descent.yaml").write_text(TINY_DD)
    res = tmp_path / "res"
    runs = [("--profile", "quick", "--set", "n=40", "--set", "seeds=2"),
            ("--profile", "quick", "--set", "n=40", "--set", "seeds=3"),
            ("--profile-dir", str(mine))]
    for how in runs:
        out = sims_cli("run", "double_descent", *how, "--experiment", "linear", "--results-dir",
                       str(res), "--threads", "1")
        assert out.returncode == 0, out.stderr
    folders = sorted(p.name for p in res.iterdir())
    assert len(folders) == 3 and "quick" not in folders
    assert all(re.fullmatch(r"quick-[0-9a-f]{8}", f) for f in folders), folders
    again = sims_cli("run", "double_descent", *runs[0], "--experiment", "linear", "--results-dir",
                     str(res), "--threads", "1")
    assert again.returncode == 0 and sorted(p.name for p in res.iterdir()) == folders
    claims = sims_cli("claims", "double_descent", *runs[2], "--results-dir", str(res),
                      "--out", str(tmp_path / "c.json"))
    assert "missing result" in claims.stderr and "random_features" in claims.stderr


def test_netcdf_results_are_read_by_sims_claims(tmp_path):
    from tiny import TINY_DD
    mine = tmp_path / "nc_profile"
    mine.mkdir()
    (mine / "double_descent.yaml").write_text(TINY_DD)
    res = tmp_path / "res"
    out = sims_cli("run", "double_descent", "--profile-dir", str(mine), "--format", "netcdf",
                   "--results-dir", str(res), "--threads", "1")
    assert out.returncode == 0, out.stderr
    assert sorted(p.suffix for p in (res / "nc_profile/double_descent").iterdir()) == \
        [".json", ".json", ".nc", ".nc"]
    claims = sims_cli("claims", "double_descent", "--profile-dir", str(mine), "--results-dir",
                      str(res))
    assert claims.returncode == 0, claims.stderr
    rows = json.loads((res / "nc_profile/claims/double_descent.json").read_text())
    assert len(rows) > 10 and any(r["passed"] for r in rows)


def test_a_diverging_learning_rate_is_one_error_and_writes_nothing(tmp_path):
    out = sims_cli("run", "grokking", "--profile", "quick", "--experiment", "grok", "--set",
                   "lr=1000000", "--set", "steps=40", "--results-dir", str(tmp_path),
                   "--threads", "1")
    assert out.returncode == 2, out.stdout + out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("error: ") and "diverged" in line
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_threads_zero_is_rejected_by_a_dry_run_too(tmp_path):
    for extra in ((), ("--dry-run",)):
        out = sims_cli("run", "double_descent", "--threads", "0", *extra, "--results-dir",
                       str(tmp_path))
        assert out.returncode == 2 and "threads" in out.stderr and out.stderr.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_a_dry_run_checks_the_kinds_the_figure_needs(tmp_path):
    """A profile without a kind its figure needs fails the dry run (exit 2, naming the kind),
    before any simulation; one experiment alone is not checked against the figure."""
    from tiny import TINY_DD
    mine = tmp_path / "linear_only"
    mine.mkdir()
    (mine / "double_descent.yaml").write_text(TINY_DD.split("  random_features")[0])
    out = sims_cli("run", "double_descent", "--profile-dir", str(mine), "--dry-run")
    assert out.returncode == 2 and "relu_rf" in out.stderr and "figure" in out.stderr
    ok = sims_cli("run", "double_descent", "--profile-dir", str(mine), "--dry-run",
                  "--experiment", "linear")
    assert ok.returncode == 0, ok.stderr


def test_the_recreate_hint_recreates_the_same_file(tmp_path):
    """A damaged result of a --profile-dir run with --set overrides: the error names a command
    that, run as printed, writes the same arrays again (not a different result, not a failing
    '--profile <folder name>')."""
    import shlex
    from tiny import TINY_DD
    mine = tmp_path / "neg_yaml"
    mine.mkdir()
    (mine / "double_descent.yaml").write_text(TINY_DD)
    res = tmp_path / "res"
    out = sims_cli("run", "double_descent", "--profile-dir", str(mine), "--experiment", "linear",
                   "--set", "seeds=3", "--set", "ratios=[0.5, 2.0]", "--results-dir", str(res),
                   "--format", "netcdf", "--threads", "1")
    assert out.returncode == 0, out.stderr
    (data,) = res.rglob("linear.nc")
    before = results.load(data)
    data.write_bytes(data.read_bytes()[:5000])
    with pytest.raises(results.ResultFileError) as err:
        results.load(data)
    command = str(err.value).split("Recreate it with: ")[1]
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "sims"] and "--profile-dir" in argv
    redo = sims_cli(*argv[3:])
    assert redo.returncode == 0, redo.stderr
    after = results.load(data)
    assert after.meta["config"] == before.meta["config"]
    for key, value in before.arrays.items():
        np.testing.assert_array_equal(after[key], value, err_msg=key)
