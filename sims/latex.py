"""The claims ledger as LaTeX macros, so a paper can ``\\input`` its numbers and verdicts.

Every ledger row (:class:`sims.verdicts.Claim`) gives four macros, named from its simulator, its
experiment and its claim name (letters only, as TeX macro names must be; digits are spelled out)::

    \\newcommand{\\DDLinearRiskPeakVerdict}{PASS}
    \\newcommand{\\DDLinearRiskPeakPredicted}{...}
    \\newcommand{\\DDLinearRiskPeakMeasured}{...}
    \\newcommand{\\DDLinearRiskPeakTolerance}{...}

A name depends only on (simulator, experiment, claim name), never on the row's position or value,
so it is the same after every rerun. Two rows that would get the same name are an error (ask for a
claim name that tells them apart), never a silent renumbering. Numbers are written with four
significant digits (``\\ensuremath{1.234\\times10^{-5}}``), lists as ``[a, b, ...]``, and every
text is escaped for LaTeX (ASCII only; the few Unicode symbols the claims use become math
commands). The first line names the commit of the checkout that wrote the file.

Command line (the workflow's ``claims_tex`` rule)::

    python -m sims.latex results/quick/claims.json --out results/quick/claims.tex
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .errors import SimsError
from .verdicts import outcome_of

FIELDS = ("Verdict", "Predicted", "Measured", "Tolerance")
_DIGITS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")
_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
_SYMBOLS = {"<=": r"\ensuremath{\le}", ">=": r"\ensuremath{\ge}", "+-": r"\ensuremath{\pm}",
            "≤": r"\ensuremath{\le}", "≥": r"\ensuremath{\ge}", "±": r"\ensuremath{\pm}",
            "×": r"\ensuremath{\times}", "≈": r"\ensuremath{\approx}", "→": r"\ensuremath{\to}",
            "∞": r"\ensuremath{\infty}", "√": r"\ensuremath{\surd}", "·": r"\ensuremath{\cdot}",
            "−": "-", "–": "--", "—": "---", "’": "'", "‘": "`", "“": "``", "”": "''"}
_GREEK = re.compile(r"GREEK (SMALL|CAPITAL) LETTER ([A-Z]+)$")
LIST_ITEMS = 6          # a measured list longer than this is shown as its first items, then \ldots


def _spell(token: str) -> str:
    """``NC1`` -> ``NCOne``; ``t_1/2`` parts arrive here one alphanumeric run at a time."""
    return "".join(_DIGITS[int(c)] if c.isdigit() else c for c in token)


_OPERATORS = ((re.compile(r"\^-|(?<=\s)-(?=\s)|-(?=[\d(])|(?<=[\d)])-"), " minus "),
              (re.compile(r"\+"), " plus "), (re.compile(r"/"), " over "))


def _letters(text: str) -> str:
    """A readable letters-only CamelCase word for ``text``: words capitalised, digits spelled out,
    Greek letters named (``λ_max`` -> ``LambdaMax``), a minus sign, ``+`` and ``/`` as ``Minus``,
    ``Plus`` and ``Over`` (``m^-(alpha-1)`` -> ``MMinusAlphaMinusOne``; a hyphen inside a word,
    as in ``finite-n``, is dropped), everything else dropped."""
    for pattern, word in _OPERATORS:
        text = pattern.sub(word, text)
    words = []
    for ch_run in re.findall(r"[^\W_]+", text):
        word = ""
        for ch in ch_run:
            if ch.isascii():
                word += ch
                continue
            m = _GREEK.match(unicodedata.name(ch, ""))
            if m:
                word += m.group(2).capitalize().replace("Lamda", "Lambda")
            else:
                word += unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        words.append(_spell(word))
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def simulator_prefix(simulator: str) -> str:
    """``double_descent`` -> ``DD`` (initials of a multi-word name), ``sharpness`` -> ``Sharpness``."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", simulator) if p]
    if len(parts) > 1:
        return _spell("".join(p[0].upper() for p in parts))
    return _letters(simulator)


def macro_stem(simulator: str, experiment: str, name: str) -> str:
    """The letters-only stem of a claim's macros (append a field of ``FIELDS``)."""
    stem = simulator_prefix(simulator) + _letters(experiment or "") + _letters(name)
    if not stem or not stem.isalpha() or not stem.isascii():
        raise SimsError(f"claim {simulator}/{experiment}/{name!r} gives no letters-only macro name")
    return stem


def escape(text: str) -> str:
    """``text`` as LaTeX text: specials escaped, a few Unicode symbols as math, other non-ASCII
    transliterated (or dropped) so that pdflatex never meets an undefined character."""
    out, i = [], 0
    while i < len(text):
        two = text[i:i + 2]
        if two in _SYMBOLS:
            out.append(_SYMBOLS[two])
            i += 2
            continue
        ch = text[i]
        i += 1
        if ch in _SYMBOLS:
            out.append(_SYMBOLS[ch])
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in "\n\r\t":
            out.append(" ")
        elif ch.isascii():
            out.append(ch)
        else:
            m = _GREEK.match(unicodedata.name(ch, ""))
            if m:
                name = m.group(2).lower().replace("lamda", "lambda")
                out.append(r"\ensuremath{\%s}" % (name.capitalize() if m.group(1) == "CAPITAL"
                                                   else name))
            else:
                out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode())
    return "".join(out)


def number(x: float) -> str:
    """Four significant digits; a power of ten as ``\\times10^{k}`` outside [1e-3, 1e4)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return r"\ensuremath{%s\infty}" % ("-" if x < 0 else "")
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}"
    mant, exp = f"{x:.3e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return r"\ensuremath{%s\times10^{%d}}" % (mant, int(exp))


def value(v: Any) -> str:
    """A ledger cell (number, bool, string, nested list) as LaTeX text."""
    if v is None:
        return "--"
    if isinstance(v, (bool, int, float)):
        return number(v)
    if isinstance(v, Mapping):          # labelled numbers (sims.verdicts.labelled)
        return ", ".join(f"{escape(str(k))} = {value(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        items = [value(x) for x in v[:LIST_ITEMS]]
        more = r", \ldots" if len(v) > LIST_ITEMS else ""
        return "[" + ", ".join(items) + more + "]"
    text = str(v)
    if text in ("nan", "inf", "-inf"):
        return number(float(text))
    return escape(text)


def macros(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Macro name (without the backslash) -> LaTeX body, for every row, in ledger order. Raises
    :class:`SimsError` when two rows would share a name."""
    out: dict[str, str] = {}
    owner: dict[str, str] = {}
    for r in rows:
        sim, exp, name = r.get("simulator", ""), r.get("experiment", "") or "", r["name"]
        stem = macro_stem(sim, exp, name)
        label = f"{sim}/{exp}/{name}" if exp else f"{sim}/{name}"
        if stem in owner:
            raise SimsError(f"claims {owner[stem]!r} and {label!r} give the same LaTeX macro "
                            f"\\{stem}...; give one of them a distinct name")
        owner[stem] = label
        body = {"Verdict": outcome_of(r).replace("_", " "),
                "Predicted": value(r.get("predicted")),
                "Measured": value(r.get("measured")),
                "Tolerance": value(r.get("tolerance"))}
        for field in FIELDS:
            out[stem + field] = body[field]
    return out


def to_latex(rows: Sequence[Mapping[str, Any]], commit: Mapping[str, Any] | None = None,
             title: str = "Claims ledger") -> str:
    """The text of ``claims.tex``: a header naming the commit, then for every row a comment
    naming the claim and its four ``\\newcommand`` lines."""
    if commit is None:
        from .results import git_commit
        commit = git_commit()
    sha = commit.get("commit") or "unknown (not a git checkout)"
    dirty = " with uncommitted changes" if commit.get("dirty") else ""
    lines = [f"% {escape(title)}: every claim as LaTeX macros, written by dltheory-sims "
             f"(python -m sims.latex)",
             f"% commit {sha}{dirty}",
             r"% Use: \input{claims.tex}, then e.g. \<Claim>Measured; each claim has "
             + ", ".join(FIELDS) + "."]
    defs = macros(rows)
    for r in rows:
        sim, exp, name = r.get("simulator", ""), r.get("experiment", "") or "", r["name"]
        stem = macro_stem(sim, exp, name)
        where = "/".join(p for p in (sim, exp, name) if p)
        lines.append("% " + escape(where))
        lines += [f"\\newcommand{{\\{stem}{f}}}{{{defs[stem + f]}}}" for f in FIELDS]
    return "\n".join(lines) + "\n"


def write(ledger_json: Path, out: Path) -> int:
    """Write ``out`` from a ledger file (``claims.json``); returns the number of claims."""
    from .results import atomic_write_text
    data = json.loads(Path(ledger_json).read_text())
    rows = data["claims"] if isinstance(data, Mapping) else data
    atomic_write_text(Path(out), to_latex(rows))
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sims.latex", description=__doc__.split("\n")[0])
    p.add_argument("ledger", type=Path, help="claims.json written by `python -m sims ledger`")
    p.add_argument("--out", type=Path, required=True, help="the .tex file to write")
    a = p.parse_args(argv)
    try:
        n = write(a.ledger, a.out)
    except (SimsError, OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{n} claims as LaTeX macros in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
