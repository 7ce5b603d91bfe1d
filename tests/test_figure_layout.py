"""Every panel of every figure passes the layout check (figures/layout.py) at both ICML widths: no
legend or text box over the plotted data, no label clipped by the figure's edge, overlapping another
or truncated. The figures are drawn from every simulator's tiny results (tests/tiny_results.py, run
once per session) and, where `snakemake figures` has built them here, from the quick profile's. The
check itself is shown to fail on a legend moved onto the data, a clipped title, colliding tick labels
and a truncated legend entry."""
from __future__ import annotations

import glob
import importlib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from figures import layout, style
from figures.__main__ import load
from sims.registry import get_simulator, names
from sims.simulator import Experiments
from tiny_configs import TINY
from tiny_results import tiny_results

REPO = Path(__file__).resolve().parents[1]
FIGURES = [s for s in names() if get_simulator(s).figure and s in TINY]
WIDTHS = ("column", "full")


def _draw(sim_name: str, exps, width: str):
    style.use("icml", width)
    return importlib.import_module(get_simulator(sim_name).figure).draw(exps)


@pytest.fixture(autouse=True)
def _own_rc():
    with plt.rc_context():
        yield
    plt.close("all")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("sim_name", FIGURES)
def test_every_panel_passes_at_both_widths(sim_name, width):
    exps = Experiments(get_simulator(sim_name), tiny_results(sim_name))
    fig = _draw(sim_name, exps, width)
    module = importlib.import_module(get_simulator(sim_name).figure)
    panels = [ax for ax in fig.get_axes() if ax.get_title()]
    assert len(panels) >= len(module.PANELS)                  # every panel is drawn
    assert layout.problems(fig) == []
    assert fig.get_size_inches()[0] == pytest.approx(style.VENUES["icml"][width])


@pytest.mark.slow
@pytest.mark.parametrize("sim_name", FIGURES)
def test_the_quick_profiles_figures_pass_if_built(sim_name):
    """The same check on the quick profile's results (about a minute a figure on two busy cores;
    the tiny-results test above covers every panel in the default run)."""
    files = sorted(glob.glob(str(REPO / "results" / "quick" / sim_name / "*.npz")))
    if not files:
        pytest.skip(f"results/quick/{sim_name} not built (snakemake figures --cores 2)")
    exps = load(sim_name, files)
    for width in WIDTHS:
        fig = _draw(sim_name, exps, width)
        assert layout.problems(fig) == [], width
        plt.close(fig)


def test_multi_panel_figures_wrap_to_a_grid():
    assert style.columns(5, style.VENUES["icml"]["column"]) == 1
    assert style.columns(5, style.VENUES["icml"]["full"]) == 3
    assert style.columns(4, style.VENUES["icml"]["full"]) == 2          # 2 x 2, not 3 + 1
    exps = Experiments(get_simulator("neuron_alignment"), tiny_results("neuron_alignment"))
    fig = _draw("neuron_alignment", exps, "column")
    lefts = {round(ax.get_figure(root=False).bbox.x0) for ax in fig.get_axes() if ax.get_title()}
    assert len(lefts) == 1                                   # one column at one-column width
    w, h = fig.get_size_inches()
    assert h > 4 * w * style.PANEL_ASPECT * 0.9              # five rows, each a full panel


def _legend_on_the_data():
    exps = Experiments(get_simulator("double_descent"), tiny_results("double_descent"))
    fig = _draw("double_descent", exps, "full")
    ax = fig.get_axes()[0]
    spots = [(line, xy) for line in ax.lines if len(line.get_xdata()) > 2
             for xy in ax.transAxes.inverted().transform(
                 line.get_transform().transform(line.get_path().vertices))
             if np.all(np.isfinite(xy)) and np.all((xy > 0.25) & (xy < 0.75))]
    line, (xa, ya) = spots[len(spots) // 2]        # a drawn vertex well inside the axes
    for leg in [ax.get_legend(), *ax.get_figure(root=False).legends]:
        if leg is not None:
            leg.remove()
    ax.legend(handles=[line], labels=["moved onto the data"], loc="center",
              bbox_to_anchor=(xa, ya))
    return fig


def test_the_check_fails_on_a_legend_moved_onto_the_data():
    found = layout.problems(_legend_on_the_data())
    assert any("moved onto the data" in p and "covers data" in p for p in found), found


def test_finish_moves_such_a_legend_off_the_data():
    fig = _legend_on_the_data()
    style.finish(fig)
    assert layout.problems(fig) == []


def test_the_check_fails_on_clipped_overlapping_and_truncated_labels():
    style.use("icml", "column")
    fig, ax = plt.subplots(layout="constrained")
    ax.plot([1, 2, 3], [1, 2, 3], label="the weight decay without the 1/2 (the")
    ax.legend(loc="lower right")
    ax.set_xticks([1.0, 1.02, 1.04], ["first tick", "second tick", "third tick"])
    fig.text(0.9, 0.5, "a caption running off the right edge of the figure")
    found = layout.problems(fig)
    assert any("looks truncated" in p for p in found), found
    assert any("overlaps" in p and "tick label" in p for p in found), found
    assert any("clipped by the figure's edge" in p for p in found) or any(
        "running off" in p for p in found), found


def test_truncation_predicate():
    assert layout.truncated("the balanced closed form (every n_k = ")
    assert layout.truncated(r"$\lambda_{\max")
    assert layout.truncated("a legend entry...")
    assert not layout.truncated(r"GD stability edge $\eta\lambda = 2$")
    assert not layout.truncated("rival: depth M+1 (off by one)")
