"""One registry: the simulators are listed once (sims/registry.py); a toy simulator declared in a
temporary package and named in $SIMS_PLUGINS appears in the CLI, the workflow's dry run, the cost
model and the benchmark list, with nothing else edited."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sims.registry import MODULES, names

REPO = Path(__file__).resolve().parents[1]

TOY = '''
"""A toy simulator: the mean of n Gaussian draws (for the registry test)."""
import dataclasses
import numpy as np
from sims.verdicts import close, with_control
from sims.config import BaseConfig
from sims.errors import require
from sims.results import make_result
from sims.simulator import Simulator


@dataclasses.dataclass(frozen=True)
class ToyConfig(BaseConfig):
    n: int = 100

    def validate(self):
        require(self.n >= 2, "n must be >= 2")


def simulate(c, run):
    x = np.random.default_rng(c.seed).standard_normal(c.n)
    return make_result(c, {"x": x}, {"x": ["draw"]})


def claims(res, exps):
    k = res["x"].size
    check = lambda mean: close("mean ~ 0", "CLT", "sample mean", 0.0, mean, atol=4 / k**0.5,
                               why="4 standard errors")
    return [with_control(check, res["x"].mean(), res["x"].mean() + 1, "shifted by 1")]


SIMULATOR = Simulator(name="toy_sim", summary="the mean of n Gaussian draws", config=ToyConfig,
                      simulate=simulate, kind=lambda c: "draws", claims={"draws": claims},
                      figure="toy_sim.figure", figure_kinds=("draws",),
                      cost=lambda c: (float(c.n), 8.0 * c.n, c.n), benchmarks="toy_sim.bench")
'''

FIGURE = '''
import matplotlib.pyplot as plt
from figures.style import one, panel as _panel

def hist(exps, ax):
    ax.hist(one(exps, "draws")["x"], bins=20)

PANELS = {"hist": hist}

def panel(name, exps, ax=None):
    return _panel(PANELS, name, exps, ax)

def draw(exps):
    fig, ax = plt.subplots()
    hist(exps, ax)
    return fig
'''

BENCH = '''
from benchmarks.suite import Case
import numpy as np

def cases(size):
    return [Case(sim="toy_sim", name=f"toy mean ({size})", size=size, work=1, unit="call",
                 suite=lambda backend: (lambda: np.random.default_rng(0).standard_normal(100).mean()))]
'''


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin")
    pkg = root / "toy_sim"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(TOY)
    (pkg / "figure.py").write_text(FIGURE)
    (pkg / "bench.py").write_text(BENCH)
    (root / "config" / "quick").mkdir(parents=True)
    (root / "config" / "quick" / "toy_sim.yaml").write_text("experiments:\n  draws: {n: 200}\n")
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{REPO}", "SIMS_PLUGINS": "toy_sim",
           "SIMS_CONFIG_DIR": str(root / "config")}
    return root, env


def _run(cmd, env, cwd=REPO):
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return out.stdout + out.stderr


def test_a_plugin_simulator_appears_everywhere(toy):
    root, env = toy
    assert "toy_sim: the mean of n Gaussian draws" in _run([sys.executable, "-m", "sims", "list"], env)
    plan = _run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "figures",
                 "-n", "--cores", "1", "-d", str(root / "work")], env)
    assert "results/quick/toy_sim/draws.npz" in plan and "results/quick/figures/toy_sim.pdf" in plan
    table = _run([sys.executable, str(REPO / "workflow" / "cost_model.py"), "quick"], env)
    assert re.search(r"^toy_sim\s+draws\s+runtime=", table, re.M), table
    bench = _run([sys.executable, "-m", "benchmarks", "--list"], env)
    assert "toy mean (quick)" in bench


def test_a_plugin_simulator_runs_end_to_end(toy):
    root, env = toy
    _run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "figures",
          "--cores", "1", "-d", str(root / "work")], env)
    ledger = (root / "work" / "results" / "quick" / "claims.md").read_text()
    assert "toy_sim" in ledger and "shifted by 1: FAIL as required" in ledger


SOURCES = ["Snakefile", "workflow", "benchmarks", "scripts", "tests", "sims", "figures", "theory"]


def test_no_second_list_of_simulator_names():
    """Outside sims/registry.py no line names three or more simulators (a hand-kept list)."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names())) + r")\b")
    offenders = []
    for top in SOURCES:
        base = REPO / top
        files = [base] if base.is_file() else [p for p in base.rglob("*")
                                               if p.suffix in (".py", ".smk") and p.is_file()]
        for path in files:
            if path == REPO / "sims" / "registry.py" or path == Path(__file__):
                continue
            for i, line in enumerate(path.read_text().splitlines(), 1):
                if len(set(pattern.findall(line))) >= 3:
                    offenders.append(f"{path.relative_to(REPO)}:{i}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)


def test_registry_modules_are_the_shipped_simulators():
    assert names() == sorted(m.rsplit(".", 1)[-1] for m in MODULES)
