"""The suite's matplotlib style and a byte-reproducible ``save`` (PDF and PNG, fixed metadata)."""
from __future__ import annotations

import os
from pathlib import Path

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
