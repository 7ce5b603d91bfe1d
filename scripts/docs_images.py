"""Copy the quick profile's figures into the docs (docs/images/<simulator>.png), where each
simulator's page shows its figure. Run after `snakemake figures --cores 2`; commit the images.

    .venv/bin/python scripts/docs_images.py [--profile quick]
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from sims.registry import get_simulator, names  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--profile", default="quick")
    a = p.parse_args(argv)
    src, dest = REPO / "results" / a.profile / "figures", REPO / "docs" / "images"
    dest.mkdir(parents=True, exist_ok=True)
    missing = []
    for sim in names():
        if not get_simulator(sim).figure:
            continue
        png = src / f"{sim}.png"
        if not png.is_file():
            missing.append(str(png))
            continue
        shutil.copyfile(png, dest / png.name)
        print(f"{png} -> {dest / png.name}")
    if missing:
        print("error: missing " + ", ".join(missing) + "; run `snakemake figures --cores 2` "
              "first", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
