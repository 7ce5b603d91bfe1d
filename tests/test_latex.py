"""The ledger as LaTeX macros (sims/latex.py, ``results/<profile>/claims.tex``): every line is a
comment or ``\\newcommand{\\Name}{body}`` with a letters-only name and a balanced, escaped body;
names are unique over a whole ledger of every simulator and the same from run to run; where a TeX
engine is installed, a document that \\input's the file and uses every macro compiles."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import sims
from sims import latex
from sims.errors import SimsError
from sims.registry import get_simulator, names
from tiny_configs import TINY
from tiny_results import tiny_results

REPO = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^\\newcommand\{\\([A-Za-z]+)\}\{(.*)\}$")
MATH = re.compile(r"\\ensuremath\{")


def _balanced(body: str) -> bool:
    depth, i = 0, 0
    while i < len(body):
        if body[i] == "\\":           # an escaped character or a command: skip the next char
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(body[i], 0)
        if depth < 0:
            return False
        i += 1
    return depth == 0


def _text_outside_math(body: str) -> str:
    """``body`` without its \\ensuremath{...} groups (where ^ and _ are legal)."""
    out, i = [], 0
    while True:
        m = MATH.search(body, i)
        if not m:
            return "".join(out) + body[i:]
        out.append(body[i:m.start()])
        depth, j = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(body[j], 0) if body[j - 1] != "\\" else 0
            j += 1
        i = j


def parse(text: str) -> dict[str, str]:
    """Macro name -> body, asserting the file is only comments and well-formed definitions."""
    defs: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("%"):
            continue
        m = LINE.match(line)
        assert m, f"line {n} is not \\newcommand{{\\Name}}{{...}}: {line!r}"
        name, body = m.groups()
        assert line.isascii(), f"line {n} is not ASCII: {line!r}"
        assert _balanced(body), f"line {n}: unbalanced braces in {body!r}"
        plain = re.sub(r"\\[#$%&_{}]|\\[\^~]\{\}|\\[A-Za-z]+", "", _text_outside_math(body))
        assert not re.search(r"[#$%&_^~\\]", plain), f"line {n}: unescaped special in {body!r}"
        assert name not in defs, f"macro \\{name} defined twice"
        defs[name] = body
    return defs


def _ledger_rows(symbolic: bool) -> list[dict]:
    """Every simulator's claims on its tiny results, named as the quick profile's experiments: the
    quick ledger's (simulator, experiment, claim) names (its symbolic rows when ``symbolic``)."""
    rows = []
    for sim_name in names():
        if sim_name in TINY:
            rows += [c.to_dict() for c in get_simulator(sim_name).check(tiny_results(sim_name),
                                                                        symbolic=symbolic)]
    return rows


@pytest.mark.slow
def test_symbolic_rows_give_unique_macros_too():
    """The same over the symbolic identities as well (every theory module's sympy checks: about
    three minutes; the quick profile's ledger test below covers them when it is built)."""
    rows = _ledger_rows(symbolic=True)
    assert len(parse(latex.to_latex(rows, commit={}))) == 4 * len(rows)


def test_macros_parse_and_are_unique_over_a_whole_ledger(tmp_path):
    rows = _ledger_rows(symbolic=False)
    text = latex.to_latex(rows, commit={"commit": "0" * 40, "dirty": False})
    defs = parse(text)
    assert len(defs) == 4 * len(rows)                     # verdict, predicted, measured, tolerance
    assert f"% commit {'0' * 40}" in text
    sims_seen = {r["simulator"] for r in rows}
    assert sims_seen == {s for s in names() if s in TINY}
    assert all(defs[n] in ("PASS", "FAIL", "NOT APPLICABLE", "UNDERPOWERED") for n in defs
                   if n.endswith("Verdict"))
    _compile(tmp_path, text, defs)


def test_the_quick_profiles_ledger_if_built(tmp_path):
    """The real ledger of the quick profile (when `snakemake figures` has built it here)."""
    ledger = REPO / "results" / "quick" / "claims.json"
    if not ledger.is_file():
        pytest.skip("results/quick/claims.json not built (snakemake figures --cores 2)")
    rows = json.loads(ledger.read_text())["claims"]
    defs = parse(latex.to_latex(rows))
    assert len(defs) == 4 * len(rows)
    tex = ledger.with_suffix(".tex")
    if tex.is_file():
        assert set(parse(tex.read_text())) == set(defs)


def test_names_are_stable_across_runs():
    """Two runs (different seeds: other numbers, maybe other verdicts) give the same names."""
    a = sims.run("double_descent", "linear", n=20, seeds=3, ratios=[0.5, 2.0], budgets=[10],
                 threads=1)
    b = sims.run("double_descent", "linear", n=20, seeds=3, ratios=[0.5, 2.0], budgets=[10],
                 seed=7, threads=1)
    names_a, names_b = (list(parse(sims.ledger([r]).to_latex())) for r in (a, b))
    assert names_a == names_b and names_a
    assert a["min_norm_risk"].tolist() != b["min_norm_risk"].tolist()


def test_names_read_as_the_claim():
    assert latex.macro_stem("double_descent", "linear", "risk peak at p = n") == \
        "DDLinearRiskPeakAtPN"
    assert latex.macro_stem("superposition", "weak", "loss ~ m^-(alpha-1)") == \
        "SuperpositionWeakLossMMinusAlphaMinusOne"
    assert latex.macro_stem("neural_collapse", "balanced", "NC1 -> 0") == \
        "NCBalancedNCOneZero"
    assert latex.macro_stem("sharpness", "", "sympy: λ_max = 2/η") == \
        "SharpnessSympyLambdaMaxTwoOverEta"


def test_a_name_clash_is_an_error_not_a_renumbering():
    rows = [{"simulator": "double_descent", "experiment": "linear", "name": "risk peak",
             "passed": True, "predicted": 1, "measured": 1, "tolerance": "exact"},
            {"simulator": "double_descent", "experiment": "linear", "name": "risk, peak!",
             "passed": True, "predicted": 1, "measured": 1, "tolerance": "exact"}]
    with pytest.raises(SimsError, match="same LaTeX macro"):
        latex.to_latex(rows, commit={})


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)
_VALUE = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                                st.floats(allow_nan=True, allow_infinity=True), _TEXT),
                      lambda inner: st.lists(inner, max_size=9), max_leaves=20)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(name=_TEXT.filter(lambda s: any(c.isascii() and c.isalpha() for c in s)),
       predicted=_VALUE, measured=_VALUE, tolerance=_TEXT, passed=st.booleans())
def test_any_cell_gives_a_parseable_definition(name, predicted, measured, tolerance, passed):
    """Generated claims (LaTeX specials, Unicode, NaN, nested lists) always give well-formed,
    escaped definitions with letters-only names."""
    row = {"simulator": "double_descent", "experiment": "linear", "name": name, "passed": passed,
           "predicted": predicted, "measured": measured, "tolerance": tolerance}
    defs = parse(latex.to_latex([row], commit={"commit": "abc", "dirty": True}))
    assert len(defs) == 4 and all(n.startswith("DDLinear") for n in defs)


def test_the_cli_writes_claims_tex(tmp_path):
    rows = [{"simulator": "superposition", "experiment": "strong", "name": "loss ~ m^-1",
             "passed": True, "predicted": -1.0, "measured": -0.98, "tolerance": "abs 0.05"}]
    (tmp_path / "claims.json").write_text(json.dumps({"claims": rows}))
    assert latex.main([str(tmp_path / "claims.json"), "--out", str(tmp_path / "claims.tex")]) == 0
    defs = parse((tmp_path / "claims.tex").read_text())
    assert defs["SuperpositionStrongLossMMinusOneMeasured"] == "-0.98"
    assert defs["SuperpositionStrongLossMMinusOneVerdict"] == "PASS"


def _compile(tmp_path: Path, text: str, defs: dict[str, str]) -> None:
    """pdflatex a document that \\input's the file and typesets every macro (skipped, with the
    reason, where no TeX engine is installed)."""
    engine = shutil.which("pdflatex")
    if engine is None:
        pytest.skip("pdflatex not installed: the definitions were parsed but not compiled "
                    "(apt-get install texlive-latex-base to compile them)")
    (tmp_path / "claims.tex").write_text(text)
    body = "\n".join(f"\\texttt{{{n}}}: \\{n}\\par" for n in defs)
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\n\\input{claims.tex}\n"
                                        "\\begin{document}\n" + body + "\n\\end{document}\n")
    out = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:]
    log = (tmp_path / "paper.log").read_text(errors="replace")
    assert "Undefined control sequence" not in log and "Missing character" not in log
