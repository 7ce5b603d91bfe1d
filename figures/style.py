"""The suite's matplotlib style and a byte-reproducible ``save`` (PDF and PNG, fixed metadata)."""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Callable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
plt.rcParams.update({
    "figure.dpi": 100, "savefig.dpi": 200, "font.size": 9, "axes.titlesize": 10,
    "axes.labelsize": 9, "legend.fontsize": 7, "legend.frameon": False, "lines.linewidth": 1.4,
    "lines.markersize": 4, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.25, "svg.hashsalt": "sims", "pdf.fonttype": 42,
})

SIM = dict(marker="o", ls="none")      # simulation: markers
THEORY = dict(ls="-", color="k", lw=1.0)  # theory: lines


def save(fig, stem: str | Path) -> None:
    """Write ``stem.pdf`` and ``stem.png`` with no timestamps, so equal inputs give equal bytes."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(stem.with_suffix(".pdf"), metadata={"CreationDate": None, "ModDate": None,
                                                    "Producer": None, "Creator": None})
    fig.savefig(stem.with_suffix(".png"), metadata={"Software": None})
    plt.close(fig)


def main(draw: Callable, names: Sequence[str], doc: str | None, argv=None) -> None:
    """The command line of a figure script: ``script.py RESULT... --out STEM``, one result file
    per name in ``names``, loaded and passed to ``draw`` in that order."""
    from sims import results

    p = argparse.ArgumentParser(description=doc)
    for name in names:
        p.add_argument(name, type=Path)
    p.add_argument("--out", type=Path, required=True, help="output stem (.pdf and .png)")
    a = p.parse_args(argv)
    save(draw(*(results.load(getattr(a, name)) for name in names)), a.out)
