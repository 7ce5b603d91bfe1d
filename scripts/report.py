"""A self-contained HTML report: every figure (PNG inlined) with its caption, the simulator's profile
config and its claims, then the whole claims ledger.

    python scripts/report.py --profile quick --ledger results/quick/claims.json \
        --out results/quick/report.html results/quick/figures/*.png

The page starts with what it was built from: the git commit, the package versions, the machine and
the date. The caption of ``figures/<sim>.png`` is ``figures/captions/<sim>.md`` if that file exists, else the
docstring of the figure script ``figures/<sim>.py``, so a new simulator's figure needs nothing here.
The page checks itself when loaded: ``<body data-figures-ok="k" data-figures-total="n"
data-ledger-rows="m">`` count the figures decoded and the ledger rows laid out (tests/test_report.py
reads them with headless Chromium).
"""
from __future__ import annotations

import argparse
import ast
import base64
import datetime as dt
import html
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from sims.ledger_table import control_cell, headline, outcome_cell, summary  # noqa: E402
from sims.config import profile_path  # noqa: E402
from sims.results import atomic_write_text  # noqa: E402

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { white-space: pre-wrap; color: #333; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ccc;
padding: 2px 6px; vertical-align: top; } .pass { color: #176317; } .fail { color: #b00; font-weight: bold; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; font-size: 12px; }
"""
SELF_CHECK = """
window.addEventListener("load", () => {
  const imgs = [...document.querySelectorAll("img.figure")];
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().height > 0);
  const rows = [...document.querySelectorAll("#ledger tbody tr")]
    .filter(r => r.getBoundingClientRect().height > 0);
  document.body.dataset.figuresOk = ok.length;
  document.body.dataset.figuresTotal = imgs.length;
  document.body.dataset.ledgerRows = rows.length;
});
"""


def caption(sim: str) -> str:
    override = REPO / "figures" / "captions" / f"{sim}.md"
    if override.is_file():
        return override.read_text().strip()
    script = REPO / "figures" / f"{sim}.py"
    try:
        from sims.registry import get_simulator
        module = get_simulator(sim).figure
        if module:
            script = REPO / Path(*module.split(".")).with_suffix(".py")
    except Exception:  # noqa: BLE001 - a figure named after no registered simulator
        pass
    doc = ast.get_docstring(ast.parse(script.read_text())) if script.is_file() else None
    return (doc or f"(no caption: add figures/captions/{sim}.md)").strip()


def claims_table(rows: list[dict], table_id: str = "") -> str:
    head = "<tr><th></th><th>simulator</th><th>kind</th><th>claim</th><th>reference</th>" \
           "<th>predicted</th><th>measured</th><th>tolerance</th><th>why</th><th>control</th></tr>"
    body = []
    for r in rows:
        mark = '<td class="pass">PASS</td>' if r["passed"] else \
            f'<td class="fail">{html.escape(outcome_cell(r, markdown=False))}</td>'
        label = f"{r['experiment']}: {r['name']}" if r.get("experiment") else r["name"]
        cells = [r["simulator"], r.get("kind", "simulation"), f"{label}: {r['statement']}",
                 r["reference"], r["predicted"], r["measured"], r["tolerance"], r["why"],
                 control_cell(r).replace("**", "")]
        body.append("<tr>" + mark + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in cells)
                    + "</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _fmt(value) -> str:
    if isinstance(value, dict):                 # labelled values: "t_mem = 20, t_gen = 60"
        return ", ".join(f"{k} = {_fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        inner = ", ".join(_fmt(v) for v in value[:8])
        return f"[{inner}{', ...' if len(value) > 8 else ''}]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def provenance_table() -> str:
    """Where and from what the report was built: commit, package versions, machine, date."""
    import platform
    from sims.results import provenance
    prov = provenance()
    git = prov["git"]
    commit = (git.get("commit") or "not a git checkout") + (
        " (with uncommitted changes)" if git.get("dirty") else "")
    rows = [("commit", commit), ("date (UTC)", prov["created"]),
            ("machine", f"{prov['platform']}, {platform.machine()}, {_cpus()} CPUs"),
            *((f"{name}", version) for name, version in sorted(prov["versions"].items()))]
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in rows)
    return f'<table id="provenance">{body}</table>'


def _cpus() -> int:
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def build(profile: str, ledger: dict, figures: list[Path], config_dir: Path | None = None) -> str:
    head = headline(summary(ledger["claims"])).replace("**", "")
    parts = [f"<h1>dltheory-sims report ({html.escape(profile)} profile)</h1>",
             f"<p><b>{html.escape(head)}</b> Generated "
             f"{dt.date.today().isoformat()}; figures: {len(figures)}.</p>",
             "<details open><summary>built from</summary>" + provenance_table() + "</details>",
             "<ul>" + "".join(f'<li><a href="#{f.stem}">{f.stem}</a></li>' for f in figures)
             + '<li><a href="#ledger">claims ledger</a></li></ul>']
    for fig in figures:
        sim = fig.stem
        png = base64.b64encode(fig.read_bytes()).decode()
        cfg = profile_path(sim, profile, config_dir)
        cfg_text = cfg.read_text() if cfg.is_file() else f"(no {cfg})"
        mine = [r for r in ledger["claims"] if r["simulator"] == sim]
        passed = sum(r["passed"] for r in mine)
        parts += [f'<section id="{html.escape(sim)}"><h2>{html.escape(sim)}</h2>',
                  f'<figure><img class="figure" alt="{html.escape(sim)}" '
                  f'src="data:image/png;base64,{png}"><figcaption>{html.escape(caption(sim))}'
                  "</figcaption></figure>",
                  f"<details><summary>config ({html.escape(str(cfg.name))})</summary>"
                  f"<pre>{html.escape(cfg_text)}</pre></details>",
                  f"<details><summary>claims: {passed} / {len(mine)} pass</summary>"
                  f"{claims_table(mine)}</details></section>"]
    parts += ["<h2>Claims ledger</h2>", claims_table(ledger["claims"], "ledger")]
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>dltheory-sims "
            f"report ({html.escape(profile)})</title><style>{CSS}</style><script>{SELF_CHECK}"
            f"</script></head><body>{''.join(parts)}</body></html>\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("figures", nargs="+", type=Path, help="figure PNGs, named <simulator>.png")
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--profile-dir", type=Path, help="the profile's folder (default config/<profile>)")
    ap.add_argument("--ledger", type=Path, required=True, help="claims.json of the profile")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    ledger = json.loads(args.ledger.read_text())
    root = args.profile_dir.resolve().parent if args.profile_dir else None
    atomic_write_text(args.out, build(args.profile, ledger, sorted(args.figures), root))
    print(f"wrote {args.out}: {len(args.figures)} figures, {ledger['total']} claims")


if __name__ == "__main__":
    main()
