"""Shared fixtures: things that are slow to build and read-only once built."""
from __future__ import annotations

import os

# The simulators do many small (<= 200 x 1000) SVDs and products; a multi-threaded OpenBLAS spins
# on these and, on a busy 2-core machine, made the suite up to 15x slower (mostly system time).
# Set before numpy is first imported; an explicit setting in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def theory_checks() -> dict[str, bool]:
    """theory.double_descent.verify() (about 2 s of sympy), run once per test session."""
    from theory import double_descent as theory
    return theory.verify()


@pytest.fixture(scope="session")
def quick_workflow(tmp_path_factory):
    """The whole quick workflow (`snakemake figures --cores 2`), uninterrupted, in a scratch
    directory: the acceptance run (test_workflow) and the reference of the kill test."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    work = tmp_path_factory.mktemp("quick")
    env = {k: v for k, v in os.environ.items() if k != "SIMS_CONFIG_DIR"}
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(repo / "Snakefile"),
                           "figures", "--cores", "2", "-d", str(work)], cwd=repo, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return work


# The modules that run whole workflows (minutes each, mostly in subprocesses) go first, so that on
# two workers (pyproject's addopts: -n 2 --dist loadscope, which hands out modules in collection
# order) they start at once on separate workers and the short modules fill in around them, instead
# of both starting last and running side by side at the end.
FIRST = ("test_workflow.py", "test_kill_anywhere.py", "test_slurm.py", "test_adding_a_simulator.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST)))   # stable: else as collected


def pytest_xdist_make_scheduler(config, log):
    """pyproject's --dist loadscope keeps a module's tests on one worker (its fixtures built once);
    the mutants of tests/test_mutations.py share no fixture and run for seconds to minutes each,
    so each is a scope of its own and the two workers share them out (`pytest -m mutation`: 8 min
    21 s on one worker before, 2026-12-07)."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class OneMutantPerScope(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            if nodeid.startswith("tests/test_mutations.py::test_mutant_is_killed"):
                return nodeid
            return super()._split_scope(nodeid)

    return OneMutantPerScope(config, log)

