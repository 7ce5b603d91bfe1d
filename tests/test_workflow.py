"""The Snakemake workflow: lint, dry runs of both profiles, a real run on a tiny config, the whole
quick profile with every claim passing, and byte-reproducible figures."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tiny import tiny_workdir

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


def test_a_damaged_result_is_rerun_not_trusted(tiny_run, tmp_path):
    """A result file that no longer matches its sidecar's checksum (a truncated copy) is planned
    for a rerun, and the rerun restores it."""
    import shutil
    work = tmp_path / "copy"
    shutil.copytree(tiny_run, work, symlinks=True)
    npz = work / "results/quick/double_descent/linear.npz"
    npz.write_bytes(npz.read_bytes()[:5000])
    env = {"SIMS_CONFIG_DIR": str(work / "config")}
    plan = snakemake("results/quick/claims/double_descent.json", "-n", "--cores", "1",
                     "-d", str(work), env=env)
    text = plan.stdout + plan.stderr
    assert "does not match its sidecar" in text and "experiment=linear" in text
    snakemake("results/quick/claims/double_descent.json", "--cores", "1", "-d", str(work), env=env)
    from sims import results
    assert results.load(npz)["min_norm_risk"].shape[0] == 20


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


def test_quick_profile_builds_every_figure_and_every_claim_passes(quick_workflow):
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
