"""The HTML report (scripts/report.py, `snakemake report`): planned on every figure and the ledger;
built from a real tiny run; opened in headless Chromium, which must decode every figure and lay out
every ledger row. The screenshot is kept in $SIMS_TEST_ARTIFACTS (default results/test-artifacts/)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tiny import tiny_workdir

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
ARTIFACTS = Path(os.environ.get("SIMS_TEST_ARTIFACTS") or REPO / "results" / "test-artifacts")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--virtual-time-budget=10000"]

sys.path.insert(0, str(REPO / "scripts"))
import report  # noqa: E402


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{cmd[:3]} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout + proc.stderr


def test_report_rule_gathers_every_figure_and_the_ledger(tmp_path):
    plan = run([*SNAKEMAKE, "report", "-n", "--cores", "1", "-d", str(tmp_path)], cwd=REPO)
    assert "results/quick/report.html" in plan and "results/quick/claims.json" in plan
    for script in sorted((REPO / "figures").glob("*.py")):
        if script.stem not in ("__init__", "__main__", "style", "layout"):
            assert f"results/quick/figures/{script.stem}.png" in plan, script.stem


def test_every_figure_has_a_readers_caption():
    """Each figure's caption is a file written for a paper's reader (figures/captions/<sim>.md):
    every panel letter, the theory line and the control named; no developer docstring."""
    from sims.registry import get_simulator, names
    import importlib
    for sim in names():
        if not get_simulator(sim).figure:
            continue
        text = (REPO / "figures" / "captions" / f"{sim}.md").read_text()
        assert report.caption(sim) == text.strip()
        panels = importlib.import_module(get_simulator(sim).figure).PANELS
        for letter in "abcdefgh"[:len(panels)]:
            assert f"({letter}" in text or f", {letter})" in text or f" {letter}," in text, \
                (sim, letter)
        assert "control" in text and ("black" in text.lower() or "theory" in text.lower()), sim
        assert "PANELS" not in text and "never simulates" not in text


def test_report_names_its_commit_versions_machine_and_date(tmp_path):
    html_text = report.provenance_table()
    from sims.results import git_commit
    commit = git_commit()["commit"]
    assert commit is None or commit in html_text
    for key in ("numpy", "matplotlib", "python", "date (UTC)", "machine"):
        assert key in html_text, key


def test_captions_come_from_a_caption_file_or_the_figure_docstring(tmp_path, monkeypatch):
    first = report.caption("double_descent")
    assert first and "no caption" not in first
    assert "no caption" in report.caption("no_such_simulator")
    monkeypatch.setattr(report, "REPO", tmp_path)
    (tmp_path / "figures" / "captions").mkdir(parents=True)
    (tmp_path / "figures" / "captions" / "x.md").write_text("Caption <b>x</b>\n")
    assert report.caption("x") == "Caption <b>x</b>"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """report.html of a tiny double-descent run (figure, claims, ledger) plus the repository's
    other figures when they exist, so the page has several figures."""
    work = tmp_path_factory.mktemp("report")
    tiny_workdir(work)
    env = {**os.environ, "SIMS_CONFIG_DIR": str(work / "config")}
    run([*SNAKEMAKE, "-d", str(work), "--cores", "2", "results/quick/figures/double_descent.png",
         "results/quick/claims/double_descent.json"], env=env)
    run([sys.executable, "-m", "sims", "ledger", "--profile", "quick", "--results-dir",
         str(work / "results"), str(work / "results/quick/claims/double_descent.json")], env=env)
    figures = [work / "results/quick/figures/double_descent.png"]
    out = work / "report.html"
    run([sys.executable, str(REPO / "scripts" / "report.py"), "--profile", "quick", "--ledger",
         str(work / "results/quick/claims.json"), "--out", str(out), *map(str, figures)], env=env)
    ledger = json.loads((work / "results/quick/claims.json").read_text())
    return out, figures, ledger


def test_page_is_self_contained(page):
    out, figures, ledger = page
    text = out.read_text()
    assert text.count('class="figure"') == len(figures)
    assert "src=\"data:image/png;base64," in text and "http" not in text.split("<body")[1][:2000]
    assert report.caption("double_descent")[:40].replace("'", "&#x27;") in text
    assert "budgets: [10, 1000, 1.0e+12]" in text             # the config of the run
    assert text.count("<tr>") >= 2 * ledger["total"]          # per simulator and in the ledger


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")
def test_every_figure_and_the_ledger_render_in_headless_chromium(page, tmp_path):
    out, figures, ledger = page
    base = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = run([*base, "--dump-dom", out.as_uri()], timeout=120)
    body = re.search(r"<body([^>]*)>", dom).group(1)
    attrs = dict(re.findall(r'data-([a-z-]+)="(\d+)"', body))
    assert attrs == {"figures-ok": str(len(figures)), "figures-total": str(len(figures)),
                     "ledger-rows": str(ledger["total"])}, body

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    run([*base, f"--user-data-dir={tmp_path / 'profile2'}", f"--screenshot={shot}",
         "--window-size=1280,2400", out.as_uri()], timeout=120)
    import matplotlib.image
    img = matplotlib.image.imread(shot)[..., :3]
    ink = np.mean(np.any(img < 0.9, axis=-1))      # fraction of non-white pixels
    assert img.shape[:2] == (2400, 1280) and 0.02 < ink < 0.9, (img.shape, ink)
