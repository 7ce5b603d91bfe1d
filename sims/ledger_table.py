"""The claims ledger: per-simulator claim files, their headline counts, the markdown table
(``claims.md``), the JSON (``claims.json``) and an HTML table for notebooks.

The headline counts the outcomes apart (:mod:`sims.verdicts`): PASS, FAIL, NOT_APPLICABLE,
UNDERPOWERED; among the rows that decided (PASS and FAIL) it counts the controls that rejected,
that passed although the check passed (defects: the check does not discriminate), and that were
not run. Symbolic identities are counted apart.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .results import atomic_write_text
from .verdicts import FAIL, NOT_APPLICABLE, PASS, UNDERPOWERED, Claim, outcome_of

MARKS = {PASS: "PASS", FAIL: "**FAIL**", NOT_APPLICABLE: "**NOT APPLICABLE**",
         UNDERPOWERED: "**UNDERPOWERED**"}
COLUMNS = ("", "simulator", "kind", "claim", "reference", "predicted", "measured", "tolerance",
           "why", "control")


def write_claims(path: Path, simulator: str, claims: Iterable[Claim]) -> list[dict]:
    """One simulator's rows as JSON (``results/<profile>/claims/<sim>.json``); returns them."""
    rows = [{**c.to_dict(), "simulator": simulator} for c in claims]
    atomic_write_text(Path(path), json.dumps(rows, indent=2) + "\n")
    return rows


def fmt(value: Any) -> str:
    """A ledger cell: lists cut at 8 values, floats to 4 digits, mappings ``a = 1, b = 2``."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k} = {fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        inner = ", ".join(fmt(v) for v in value[:8])
        return f"[{inner}{', ...' if len(value) > 8 else ''}]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("\n", " ")


def _md(value: Any) -> str:
    return fmt(value).replace("|", "\\|")


def outcome_cell(row: Mapping[str, Any], markdown: bool = True) -> str:
    """The ledger's first column: the outcome, and why where it is not PASS."""
    outcome = outcome_of(row)
    mark = MARKS[outcome] if markdown else outcome.replace("_", " ")
    reason = row.get("reason") or ""
    return f"{mark}: {reason}" if reason and outcome != PASS else mark


def control_cell(row: Mapping[str, Any]) -> str:
    """The ledger's control column: what the control is and how the same check came out on it."""
    if row.get("kind") == "symbolic":
        return "-"
    row = {**row, "control": str(row.get("control") or "").replace("|", "\\|")}
    if not row.get("control"):
        return "**no control**"
    if row.get("control_passed") is None:
        return f"{row['control']}: **not run**"
    if row["control_passed"]:
        return f"{row['control']}: **passes (does not discriminate)**"
    return f"{row['control']}: FAIL as required ({_md(row.get('control_measured'))})"


def summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Counts for the headline: simulation rows by outcome; among the decided ones (PASS, FAIL)
    the controls that reject, that pass with the check (defects) and that were not run; symbolic
    identities verified; all rows and all PASS rows."""
    sim = [r for r in rows if r.get("kind", "simulation") == "simulation"]
    sym = [r for r in rows if r.get("kind") == "symbolic"]
    decided = [r for r in sim if outcome_of(r) in (PASS, FAIL)]
    return {
        "simulation": len(sim),
        "simulation_passed": sum(outcome_of(r) == PASS for r in sim),
        "simulation_failed": sum(outcome_of(r) == FAIL for r in sim),
        "not_applicable": sum(outcome_of(r) == NOT_APPLICABLE for r in sim),
        "underpowered": sum(outcome_of(r) == UNDERPOWERED for r in sim),
        "controls_rejecting": sum(r.get("control_passed") is False for r in decided),
        "controls_missing": sum(r.get("control_passed") is None for r in decided),
        "controls_passing": sum(r.get("control_passed") is True and r.get("check_passed", True)
                                is not False for r in decided),
        "symbolic": len(sym),
        "symbolic_passed": sum(outcome_of(r) == PASS for r in sym),
        "total": len(rows),
        "passed": sum(outcome_of(r) == PASS for r in rows),
    }


def headline(s: Mapping[str, int]) -> str:
    """One sentence: ``**5 / 5 simulation claims pass**, each rejected by its negative control;
    **3 / 3 symbolic identities verified**.``, with the other outcomes and the controls counted
    where there are any."""
    parts = [f"**{s['simulation_passed']} / {s['simulation']} simulation claims pass**"]
    others = [f"{s.get(k, 0)} {word}" for k, word in
              (("simulation_failed", "fail"), ("underpowered", "underpowered (the row says the "
               "seeds or size that would decide)"), ("not_applicable", "not applicable (the grid "
               "lacks what the claim needs)")) if s.get(k, 0)]
    clean = s["controls_missing"] == 0 and s["controls_passing"] == 0
    if clean and not others:
        parts[0] += ", each rejected by its negative control"
    else:
        parts += others
        parts.append("every decided claim's control rejects" if clean else
                     f"{s['controls_rejecting']} rejected by their control, "
                     f"{s['controls_passing']} controls pass (defects), "
                     f"{s['controls_missing']} controls not run")
    parts.append(f"**{s['symbolic_passed']} / {s['symbolic']} symbolic identities verified**")
    return "; ".join(parts) + "."


def _cells(r: Mapping[str, Any]) -> list[Any]:
    label = f"{r['experiment']}: {r['name']}" if r.get("experiment") else r["name"]
    return [r.get("simulator", ""), r.get("kind", "simulation"), f"{label}: {r['statement']}",
            r["reference"], r["predicted"], r["measured"], r["tolerance"], r["why"]]


def markdown(rows: Sequence[Mapping[str, Any]], title: str = "Claims ledger") -> str:
    """The ledger as markdown: title, headline, one table row per claim."""
    lines = [f"# {title}", "", headline(summary(rows)), "", "| " + " | ".join(COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for r in rows:
        cells = [outcome_cell(r).replace("|", "\\|")] + [_md(c) for c in _cells(r)]
        lines.append("| " + " | ".join(cells) + f" | {control_cell(r)} |")
    return "\n".join(lines) + "\n"


def html_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The ledger's rows as an HTML table (a notebook's ``_repr_html_``)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = []
    for r in rows:
        ok = outcome_of(r) == PASS
        cells = [outcome_cell(r, markdown=False), *_cells(r), control_cell(r).replace("**", "")]
        style = "" if ok else ' style="color:#b00"'
        body.append(f"<tr><td{style}>{html.escape(fmt(cells[0]))}</td>"
                    + "".join(f"<td>{html.escape(fmt(c))}</td>" for c in cells[1:]) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def write_ledger(claim_files: Sequence[Path], md_path: Path, json_path: Path,
                 title: str = "Claims ledger") -> dict[str, int]:
    """Merge per-simulator claim files into one table; return the headline counts."""
    rows = [row for f in sorted(map(Path, claim_files)) for row in json.loads(f.read_text())]
    counts = summary(rows)
    atomic_write_text(Path(md_path), markdown(rows, title))
    atomic_write_text(Path(json_path), json.dumps({**counts, "claims": rows}, indent=2) + "\n")
    return counts
