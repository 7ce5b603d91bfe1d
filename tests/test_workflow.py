"""The Snakemake workflow: lint, dry runs of both profiles, a real run on a tiny config, the whole
quick profile with every claim passing, and byte-reproducible figures."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tiny import tiny_workdir

from sims import results

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]



def snakemake(*args, cwd=REPO, env=None, check=True):
    proc = subprocess.run([*SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if check and proc.returncode:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_lint_is_clean_but_for_the_software_environment():
    """Snakemake's linter finds nothing but its wish for a conda/container directive per rule: the
    rules run the checkout's own interpreter (sys.executable, the venv of scripts/install.sh, or
    the pinned lock requirements.lock), so a conda directive would build an environment no rule
    uses."""
    out = snakemake("--lint", check=False)
    text = out.stdout + out.stderr
    if "good condition" in text:
        return
    lints = [line.strip() for line in text.splitlines() if line.strip().startswith("* ")]
    assert lints and all(line.startswith("* Specify a conda environment or container")
                         for line in lints), text


@pytest.mark.parametrize("profile", ["quick", "paper"])
def test_dry_run_plans_every_figure_and_the_ledger(profile, tmp_path):
    out = snakemake("figures", "-n", "--cores", "2", "--config", f"profile={profile}",
                    "-d", str(tmp_path))
    text = out.stdout + out.stderr
    assert f"results/{profile}/claims.md" in text
    assert f"results/{profile}/figures/double_descent.pdf" in text


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The double-descent chain (runs -> claims -> figure) on a tiny private config."""
    work = tmp_path_factory.mktemp("tiny")
    tiny_workdir(work)
    targets = ["results/quick/figures/double_descent.png", "results/quick/claims/double_descent.json"]
    snakemake(*targets, "--cores", "2", "-d", str(work),
              env={"SIMS_CONFIG_DIR": str(work / "config")})
    return work


def test_tiny_run_writes_results_with_provenance(tiny_run):
    meta = json.loads((tiny_run / "results/quick/double_descent/linear.json").read_text())
    assert meta["config"]["n"] == 40 and meta["profile"] == "quick"
    assert {"versions", "git", "created"} <= set(meta["provenance"])
    claims = json.loads((tiny_run / "results/quick/claims/double_descent.json").read_text())
    assert len(claims) > 10 and all("passed" in c for c in claims)
    for ext in ("pdf", "png"):
        assert (tiny_run / f"results/quick/figures/double_descent.{ext}").stat().st_size > 10_000


def test_figures_are_byte_reproducible(tiny_run, tmp_path):
    res = tiny_run / "results/quick/double_descent"
    for stem in ("a", "b"):
        subprocess.run([sys.executable, "-m", "figures", "double_descent", str(res / "linear.npz"),
                        str(res / "random_features.npz"), "--out", str(tmp_path / stem)],
                       check=True, cwd=REPO)
    for ext in ("pdf", "png"):
        assert (tmp_path / f"a.{ext}").read_bytes() == (tmp_path / f"b.{ext}").read_bytes()


def test_rerun_is_a_no_op(tiny_run):
    out = snakemake("results/quick/figures/double_descent.png", "-n", "--cores", "1",
                    "-d", str(tiny_run), env={"SIMS_CONFIG_DIR": str(tiny_run / "config")})
    assert "Nothing to be done" in out.stdout + out.stderr


def test_a_damaged_result_is_rerun_in_place(tiny_run):
    """A result file that no longer matches its sidecar's checksum (a truncated copy,
    `head -c 5000 f.npz > f.npz`) is rerun by Snakemake in the same directory (not a copy of it:
    the mtime 0 the workflow used to give it reads as "no mtime" to Snakemake, which then did
    nothing), and the rerun restores it; the other results are not touched."""
    env = {"SIMS_CONFIG_DIR": str(tiny_run / "config")}
    npz = tiny_run / "results/quick/double_descent/linear.npz"
    other = tiny_run / "results/quick/double_descent/random_features.npz"
    before, other_mtime = results.load(npz), other.stat().st_mtime_ns
    npz.write_bytes(npz.read_bytes()[:5000])
    out = snakemake("results/quick/claims/double_descent.json", "--cores", "1", "-d",
                    str(tiny_run), env=env)
    text = out.stdout + out.stderr
    assert "does not match its sidecar" in text and "removed, it will be rerun" in text
    after = results.load(npz)
    for key, value in before.arrays.items():
        np.testing.assert_array_equal(after[key], value, err_msg=key)
    assert other.stat().st_mtime_ns == other_mtime
    again = snakemake("results/quick/claims/double_descent.json", "-n", "--cores", "1", "-d",
                      str(tiny_run), env=env)
    assert "Nothing to be done" in again.stdout + again.stderr


def test_a_result_written_with_overrides_is_not_trusted_for_the_profile(tiny_run):
    """A result in results/quick written by `sims run --set ... --out` (a run with other settings
    put where the profile's result goes) is removed and rerun, never trusted for the ledger."""
    env = {"SIMS_CONFIG_DIR": str(tiny_run / "config")}
    npz = tiny_run / "results/quick/double_descent/linear.npz"
    proc = subprocess.run([sys.executable, "-m", "sims", "run", "double_descent", "--experiment",
                           "linear", "--set", "seeds=3", "--threads", "1", "--out",
                           str(npz.with_suffix(""))], cwd=tiny_run, capture_output=True,
                          text=True, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    assert results.load(npz)["min_norm_risk"].shape[0] == 3
    out = snakemake("results/quick/claims/double_descent.json", "--cores", "1", "-d",
                    str(tiny_run), env=env)
    assert "written with other settings" in out.stdout + out.stderr
    restored = results.load(npz)
    assert restored["min_norm_risk"].shape[0] == 20 and not restored.meta["overrides"]


def test_netcdf_results_are_read_by_the_workflow(tmp_path):
    """`--config format=netcdf`: the run jobs write .nc files and the claims and the figure read
    them; results made by `sims run --format netcdf` are used as they are."""
    work = tiny_workdir(tmp_path)
    env = {"SIMS_CONFIG_DIR": str(work / "config")}
    run = subprocess.run([sys.executable, "-m", "sims", "run", "double_descent", "--experiment",
                          "linear", "--format", "netcdf", "--threads", "1"], cwd=work,
                         capture_output=True, text=True, env={**os.environ, **env})
    assert run.returncode == 0, run.stderr
    made = (work / "results/quick/double_descent/linear.nc").stat().st_mtime_ns
    snakemake("results/quick/claims/double_descent.json", "results/quick/figures/double_descent.png",
              "--cores", "2", "-d", str(work), "--config", "format=netcdf", env=env)
    res = work / "results/quick/double_descent"
    assert sorted(p.name for p in res.glob("*.nc")) == ["linear.nc", "random_features.nc"]
    assert not list(res.glob("*.npz"))
    assert (res / "linear.nc").stat().st_mtime_ns == made          # trusted, not rerun
    claims = json.loads((work / "results/quick/claims/double_descent.json").read_text())
    assert {c["experiment"] for c in claims if c.get("experiment")} == {"linear",
                                                                        "random_features"}


def test_a_profile_without_a_kind_its_figure_needs_fails_before_any_run(tmp_path):
    from tiny import TINY_DD
    mine = tmp_path / "linear_only"
    mine.mkdir()
    (mine / "double_descent.yaml").write_text(TINY_DD.split("  random_features")[0])
    out = snakemake("figures", "--cores", "1", "-d", str(tmp_path / "work"), "--config",
                    f"profile_dir={mine}", check=False)
    assert out.returncode != 0 and "needs experiments of kind(s) relu_rf" in out.stdout + out.stderr
    assert not (tmp_path / "work/results").exists()


def test_a_user_profile_folder_runs_end_to_end(tmp_path):
    """`--config profile_dir=DIR` runs any folder of <simulator>.yaml files; results, figures and
    the ledger go under results/<folder name>/; the claims the profile declares are in its
    ledger with their outcomes (tiny.check_user_claims)."""
    from tiny import TINY_DD, USER_CLAIMS, check_user_claims
    mine = tmp_path / "my_sweep"
    mine.mkdir()
    (mine / "double_descent.yaml").write_text(TINY_DD + USER_CLAIMS)
    snakemake("figures", "--cores", "2", "-d", str(tmp_path / "work"), "--config",
              f"profile_dir={mine}")
    out = tmp_path / "work/results/my_sweep"
    assert (out / "figures/double_descent.png").is_file()
    ledger = json.loads((out / "claims.json").read_text())
    assert ledger["simulation"] > 0 and {c["simulator"] for c in ledger["claims"]} == {"double_descent"}
    check_user_claims(out)


@pytest.mark.timeout(1800)      # the whole quick workflow: ~6.5 min alone on 2 cores, beside the
def test_quick_profile_builds_every_figure_and_every_claim_passes(quick_workflow):   # other worker
    """The acceptance run: `snakemake figures` on the quick profile, in a scratch directory; every
    simulation claim passes with its control rejected, every symbolic identity holds."""
    tmp_path = quick_workflow
    ledger = json.loads((tmp_path / "results/quick/claims.json").read_text())
    failed = [f"{c['simulator']}.{c.get('experiment')}: {c['name']}" for c in ledger["claims"]
              if not c["passed"]]
    assert ledger["total"] > 0 and not failed, failed
    assert ledger["controls_missing"] == ledger["controls_passing"] == 0
    assert ledger["simulation"] > 0 and ledger["symbolic"] > 0
    assert (tmp_path / "results/quick/claims.md").read_text().count("| PASS |") == ledger["total"]
