"""The documentation site builds with warnings as errors (mkdocs --strict: every page in the nav
exists, every link resolves, every API reference imports and parses), and the README's "check my
formula against a simulation" example runs as written."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_docs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d",
                          str(tmp_path / "site")], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "index.html").is_file()
    site = tmp_path / "site"
    assert (site / "assets" / "mathjax" / "MathJax.js").is_file()       # maths offline, no CDN
    assert (site / "assets" / "mathjax" / "jax" / "input" / "TeX" / "jax.js").is_file()
    from sims.registry import names
    for sim in names():
        page = (site / "simulators" / sim / "index.html").read_text()
        assert 'class="arithmatex"' in page, sim                        # equations in LaTeX
        assert f"images/{sim}.png" in page and (site / "images" / f"{sim}.png").is_file(), sim
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
        assert any("assets/mathjax/MathJax.js" in src for src in scripts), scripts
        assert not any(src.startswith(("http:", "https:", "//")) for src in scripts), scripts
    for page in ("reference/config", "notebooks", "latex"):
        assert (site / page / "index.html").is_file(), page


def _readme_block(marker: str) -> str:
    text = (REPO / "README.md").read_text()
    m = re.search(r"<!-- " + re.escape(marker) + r" -->\s*```python\n(.*?)```", text, re.S)
    assert m, f"README has no python block after <!-- {marker} -->"
    return m.group(1)


def test_readme_check_my_formula_example_runs():
    code = _readme_block("example: check my formula")
    lines = [ln for ln in code.strip().splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) <= 4, lines          # "three lines" (an import plus three statements)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    claim = scope["claim"]
    assert claim.passed and claim.control_passed is False


@pytest.mark.slow
def test_readme_workbench_example_reports_no_defect(tmp_path, monkeypatch):
    """The README's workbench block as written (n = 300, 50 seeds; ~30 s of CPU): no "defect"
    in the ledger; the finite-n claim is UNDERPOWERED and names the seeds it needs, every other
    claim passes with its control rejected. The same behaviour at a smaller size is covered fast
    by tests/test_plan.py::test_double_descent_model_predicts_the_runs_underpowered_row."""
    monkeypatch.chdir(tmp_path)                 # the block saves my_run.npz
    scope: dict = {}
    exec(compile(_readme_block("example: workbench"), "README.md", "exec"), scope)  # noqa: S102
    import sims
    ledger = sims.ledger([scope["res"]])
    assert "defect" not in str(ledger) and "1 underpowered" in str(ledger)
    rows = {r["name"]: r for r in ledger.rows}
    finite = rows.pop("min-norm risk = exact finite-n formula")
    assert finite["outcome"] == "UNDERPOWERED" and finite["needs"]["seeds"] > 50
    assert all(r["outcome"] == "PASS" and r["control_passed"] is False for r in rows.values())
    assert (tmp_path / "my_run.npz").is_file()
