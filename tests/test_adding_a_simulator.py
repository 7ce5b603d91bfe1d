"""docs/adding-a-simulator.md, followed literally: a toy simulator in a temporary package (listed in
$SIMS_PLUGINS, nothing in the repository edited) built step by step as the page says, then the
registry-driven tests run on it and pass. Every shipped simulator has the pieces the page lists
(tiny configs of every claimed kind, a docs page in the nav), so none is skipped silently."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from sims.config import load_experiments
from sims.registry import MODULES, get_simulator, names
from tiny_configs import TINY

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "adding-a-simulator.md"

# step 1: the package (config.py, model.py, run.py, claims.py, __init__.py)
CONFIG = '''
"""Toy: n Gaussian draws with mean mu; kind 'draws' (one sample) or 'sweep' (several n)."""
import dataclasses
from typing import ClassVar

from sims.config import BaseConfig, param
from sims.errors import require


@dataclasses.dataclass(frozen=True)
class ToyConfig(BaseConfig):
    """The fields of every toy experiment."""
    TAG: ClassVar[str] = "kind"
    kind: str = param("draws", "draws (one sample of n) or sweep (samples of every n in ns)")
    mu: float = param(0.0, "mean of the draws: x ~ N(mu, 1)")


@dataclasses.dataclass(frozen=True)
class DrawsConfig(ToyConfig, variant="draws"):
    """One sample of n draws."""
    n: int = param(100, "draws in the sample")

    def validate(self):
        require(self.n >= 2, "n must be >= 2")


@dataclasses.dataclass(frozen=True)
class SweepConfig(ToyConfig, variant="sweep"):
    """One sample per n of ns."""
    ns: tuple[int, ...] = param((10, 100), "sample sizes")

    def validate(self):
        require(len(self.ns) >= 1 and min(self.ns) >= 2, "ns must list sizes >= 2")


def kind(c):
    return c.kind
'''

MODEL = '''
"""Toy: the sample mean, generic over the array namespace."""
from sims.backend import kernel


@kernel(numba="toy_sim.kernels:mean")
def mean(xp, x):
    """sum_i x_i / n."""
    return xp.sum(x) / x.shape[0]
'''

KERNELS = '''
from numba import njit


@njit(cache=False)
def mean(x):
    return x.sum() / x.shape[0]
'''

RUN = '''
"""Toy: simulate and its cost."""
import numpy as np

from sims import parallel
from sims.results import make_result
from . import model
from .config import SweepConfig


def simulate(config, run):
    """``x`` [draw] (kind draws) or ``means`` [size] at ``ns`` (kind sweep)."""
    bk = run.backend
    if isinstance(config, SweepConfig):
        values = parallel.run(config, config.ns, lambda n, seed: {"mean": float(model.mean(
            bk, bk.asarray(config.mu + np.random.default_rng(seed).standard_normal(n))))},
            seeds=parallel.seeds_for(config, len(config.ns)), desc="toy")
        return make_result(config, {"ns": np.asarray(config.ns),
                                    "means": np.array([v["mean"] for v in values])},
                           {"ns": ["size"], "means": ["size"]}, coords={"size": "ns"})
    x = config.mu + np.random.default_rng(parallel.seeds_for(config, 1)[0]).standard_normal(config.n)
    return make_result(config, {"draw_index": np.arange(config.n), "x": x},
                       {"draw_index": ["draw"], "x": ["draw"]}, coords={"draw": "draw_index"})


def cost(c):
    n = c.n if hasattr(c, "n") else sum(c.ns)
    return float(n), 8.0 * n, n
'''

CLAIMS = '''
"""Toy claims: the sample mean is mu within 4 standard errors; control: the sample shifted by 1."""
import numpy as np

from sims.verdicts import close, with_control


def _check(mu, se):
    return lambda m: close("sample mean = mu", "CLT", "sample mean", mu, m, atol=4 * se,
                           why="4 standard errors")


def draws_claims(res, exps):
    x, mu = res["x"], res.meta["config"]["mu"]
    check = _check(mu, 1 / np.sqrt(max(x.size, 1)))
    return [with_control(check, float(np.mean(x)), float(np.mean(x)) + 1, "shifted by 1")]


def sweep_claims(res, exps):
    m, ns, mu = res["means"], res["ns"], res.meta["config"]["mu"]
    check = _check(mu, 1 / np.sqrt(max(ns.min(initial=2), 1)))
    return [with_control(check, float(m[-1]) if m.size else float("nan"),
                         float(m[-1]) + 1 if m.size else float("nan"), "shifted by 1")]
'''

INIT = '''
"""A toy simulator (tests/test_adding_a_simulator.py)."""
from sims.simulator import Simulator

from . import run
from .claims import draws_claims, sweep_claims
from .config import ToyConfig, kind
from .run import cost

SIMULATOR = Simulator(name="toy_sim", summary="the mean of n Gaussian draws", config=ToyConfig,
                      simulate=run.simulate, kind=kind,
                      claims={"draws": draws_claims, "sweep": sweep_claims},
                      figure="toy_sim.figure", figure_kinds=("draws", "sweep"), cost=cost,
                      benchmarks="toy_sim.bench")
simulate = SIMULATOR.simulate
'''

# step 4: the figure; step 6: the benchmark
FIGURE = '''
import matplotlib.pyplot as plt
from figures.style import one, panel as _panel


def hist(exps, ax):
    ax.hist(one(exps, "draws")["x"], bins=20)


def means(exps, ax):
    r = one(exps, "sweep")
    ax.semilogx(r["ns"], r["means"], "o")


PANELS = {"hist": hist, "means": means}


def panel(name, exps, ax=None):
    return _panel(PANELS, name, exps, ax)


def draw(exps):
    fig, axes = plt.subplots(1, 2)
    hist(exps, axes[0])
    means(exps, axes[1])
    return fig
'''

BENCH = '''
import numpy as np
from benchmarks.suite import Case


def cases(size):
    return [Case(sim="toy_sim", name=f"toy mean ({size})", size=size, work=1, unit="call",
                 suite=lambda backend: (lambda: np.random.default_rng(0).standard_normal(100).mean()))]
'''

# step 3: the profiles; step 8: the tiny configs
QUICK = {"experiments": {"draws": {"kind": "draws", "n": 400, "seed": 1},
                         "sweep": {"kind": "sweep", "ns": [10, 100, 1000], "seed": 2}}}
PAPER = {"experiments": {"draws": {"kind": "draws", "n": 4000, "seed": 1},
                         "sweep": {"kind": "sweep", "ns": [10, 100, 1000, 10000], "seed": 2}}}
TINY_TOY = {"toy_sim": [{"kind": "draws", "n": 50}, {"kind": "sweep", "ns": [10, 40]}]}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin")
    pkg = root / "toy_sim"
    for name, text in (("config.py", CONFIG), ("model.py", MODEL), ("kernels.py", KERNELS),
                       ("run.py", RUN), ("claims.py", CLAIMS), ("__init__.py", INIT),
                       ("figure.py", FIGURE), ("bench.py", BENCH)):
        _write(pkg / name, text)
    shutil.copytree(REPO / "config", root / "config")               # the shipped profiles, plus
    for profile, data in (("quick", QUICK), ("paper", PAPER)):       # the toy's (step 3)
        (root / "config" / profile / "toy_sim.yaml").write_text(yaml.safe_dump(data))
    (root / "tiny.yaml").write_text(yaml.safe_dump(TINY_TOY))       # step 8
    cal, paper = root / "calibration.yaml", root / "paper_profile.json"
    shutil.copy(REPO / "profiles" / "slurm" / "calibration.yaml", cal)
    shutil.copy(REPO / "benchmarks" / "paper_profile.json", paper)
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{REPO}{os.pathsep}{REPO / 'tests'}",
           "SIMS_PLUGINS": "toy_sim",                                  # step 5
           "SIMS_CONFIG_DIR": str(root / "config"), "SIMS_CALIBRATION": str(cal),
           "SIMS_PAPER_PROFILE": str(paper), "SIMS_TINY_CONFIGS": str(root / "tiny.yaml")}
    for script in (["calibrate_resources.py", "--only", "toy_sim", "--out", str(cal)],  # step 7
                   ["measure_profile.py", "--profile", "paper", "--only", "toy_sim", "--out",
                    str(paper), "--merge", "--calibrate"]):
        out = subprocess.run([sys.executable, str(REPO / "scripts" / script[0]), *script[1:]],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return root, env


def test_the_page_lists_every_step_the_test_takes():
    text = PAGE.read_text()
    for needed in ("config.py", "param(default, doc, unit)", "run.py", "simulate(config, run)",
                   "claims.py", "fn(result, experiments)", "SIMULATOR = Simulator(",
                   "simulate = SIMULATOR.simulate", "theory/<name>.py", "config/quick/<name>.yaml",
                   "figures/<name>.py", "MODULES", "$SIMS_PLUGINS", "benchmarks/<name>.py",
                   "scripts/calibrate_resources.py", "scripts/measure_profile.py",
                   "$SIMS_CALIBRATION", "$SIMS_PAPER_PROFILE", "tests/tiny_configs.py",
                   "$SIMS_TINY_CONFIGS", "tests/mutants/<name>.py", "docs/simulators/<name>.md",
                   "mkdocs.yml", "python -m sims.reference", "--dry-run"):
        assert needed in text, needed


def test_the_toy_passes_the_registry_driven_tests(toy):
    """The config, fuzz and robust-claims tests run on the toy (their cases named toy_sim), and the
    resources tests on every simulator with the toy's calibration added; the cost model plans
    its jobs. (tests/test_registry.py runs a plugin through the CLI, the workflow and the
    benchmark list.)"""
    root, env = toy
    tests = ["tests/test_config.py", "tests/test_fuzz.py", "tests/test_robust_claims.py"]
    # -n 0: in this one process (the run's own workers already hold the cores)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                          "-k", "toy_sim", "-rA", *tests], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    ran = [line for line in out.stdout.splitlines() if line.startswith("PASSED") and "toy_sim" in line]
    for test in ("test_every_default_is_valid", "test_a_field_of_another_kind_is_an_error",
                 "test_malformed_overrides", "test_valid_random_tiny_configs",
                 "test_claims_on_a_mangled_result"):
        assert any(test in line for line in ran), (test, ran)
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                          "-k", "not not_calibrated_on",      # double descent's own runs: no toy
                          "tests/test_resources.py"], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    table = subprocess.run([sys.executable, str(REPO / "workflow" / "cost_model.py"), "quick"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert re.search(r"^toy_sim\s+draws\s+runtime=", table.stdout, re.M), table.stdout


def test_the_toy_dry_run_checks_its_figure_kinds(toy, tmp_path):
    root, env = toy
    mine = tmp_path / "draws_only"
    mine.mkdir()
    (mine / "toy_sim.yaml").write_text(yaml.safe_dump({"experiments": {"d": {"n": 10}}}))
    out = subprocess.run([sys.executable, "-m", "sims", "run", "toy_sim", "--profile-dir",
                          str(mine), "--dry-run"], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 2 and "sweep" in out.stderr


@pytest.mark.parametrize("sim", names())
def test_every_simulator_has_tiny_configs_of_every_claimed_kind(sim):
    """No simulator is skipped by the fuzz and robust-claims tests: tests/tiny_configs.py has one
    config of every kind its quick profile has claims for."""
    from sims.config import from_mapping
    s = get_simulator(sim)
    assert sim in TINY, f"add TINY[{sim!r}] to tests/tiny_configs.py"
    tiny = {s.kind(from_mapping(s.config, v)) for v in TINY[sim]}
    quick = {s.kind(c) for c in load_experiments(sim, s.config, "quick").values()}
    assert (quick & set(s.claims)) <= tiny, sorted((quick & set(s.claims)) - tiny)


@pytest.mark.parametrize("module", MODULES)
def test_every_shipped_simulator_has_a_docs_page_in_the_nav(module):
    name = module.rsplit(".", 1)[-1]
    assert (REPO / "docs" / "simulators" / f"{name}.md").is_file()
    assert f"simulators/{name}.md" in (REPO / "mkdocs.yml").read_text()
