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


def test_lint_is_clean():
    out = snakemake("--lint")
    assert "good condition" in out.stdout + out.stderr


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
    script = REPO / "figures/double_descent.py"
    for stem in ("a", "b"):
        subprocess.run([sys.executable, str(script), str(res / "linear.npz"),
                        str(res / "random_features.npz"), "--out", str(tmp_path / stem)], check=True)
    for ext in ("pdf", "png"):
        assert (tmp_path / f"a.{ext}").read_bytes() == (tmp_path / f"b.{ext}").read_bytes()


def test_rerun_is_a_no_op(tiny_run):
    out = snakemake("results/quick/figures/double_descent.png", "-n", "--cores", "1",
                    "-d", str(tiny_run), env={"SIMS_CONFIG_DIR": str(tiny_run / "config")})
    assert "Nothing to be done" in out.stdout + out.stderr


def test_quick_profile_builds_every_figure_and_every_claim_passes(tmp_path):
    """The acceptance run: `snakemake figures` on the quick profile, in a scratch directory."""
    snakemake("figures", "--cores", "2", "-d", str(tmp_path))
    ledger = json.loads((tmp_path / "results/quick/claims.json").read_text())
    failed = [f"{c['simulator']}.{c['name']}" for c in ledger["claims"] if not c["passed"]]
    assert ledger["total"] > 0 and not failed, failed
    assert (tmp_path / "results/quick/claims.md").read_text().count("PASS") == ledger["total"]
