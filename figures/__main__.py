"""Draw one simulator's figure from its result files: ``python -m figures SIM RESULT.npz ... --out STEM``.

The simulator's declaration names its figure module (``figures.<sim>``) and the experiment kinds the
figure reads; the workflow's one figure rule passes every result of those kinds. The module's
``draw(experiments)`` gets a :class:`sims.simulator.Experiments` (results by name, with lookup by
kind) and returns a matplotlib figure; it only reads results and ``theory``, never simulates.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from figures import style  # noqa: E402
from sims import results  # noqa: E402
from sims.errors import SimsError  # noqa: E402
from sims.registry import get_simulator  # noqa: E402
from sims.simulator import Experiments  # noqa: E402


def load(sim_name: str, paths) -> Experiments:
    """The result files as the simulator's Experiments, named by their file stems."""
    sim = get_simulator(sim_name)
    return Experiments(sim, {Path(p).stem: results.load(Path(p)) for p in paths})


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m figures", description=__doc__.split("\n")[0])
    p.add_argument("simulator")
    p.add_argument("results", nargs="+", type=Path)
    p.add_argument("--out", type=Path, required=True, help="output stem (.pdf and .png)")
    p.add_argument("--venue", default=style.DEFAULT_VENUE[0], choices=sorted(style.VENUES),
                   help="venue whose text width and fonts the figure uses (default %(default)s)")
    p.add_argument("--width", default=style.DEFAULT_VENUE[1],
                   help="full, column or half (the venue's; default %(default)s)")
    a = p.parse_args(argv)
    try:
        try:
            style.use(a.venue, a.width)
        except KeyError as exc:
            raise SimsError(str(exc).strip("'\"")) from None
        sim = get_simulator(a.simulator)
        if not sim.figure:
            raise SimsError(f"simulator {a.simulator!r} declares no figure")
        module = importlib.import_module(sim.figure)
        style.save(module.draw(load(a.simulator, a.results)), a.out)
    except SimsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
