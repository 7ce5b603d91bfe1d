# Shared settings: the active profile, where results go, which simulators it has, their figures.
import functools
import os
import re
import sys

from sims.config import load_experiments, load_profile_file, resolve_profile
from sims.registry import get_simulator, names
from sims.results import ResultFileError, verify

PROFILE, CONFIG_DIR = resolve_profile(config.get("profile", "quick"), config.get("profile_dir"))
PROFILE_DIR = f"{CONFIG_DIR}/{PROFILE}"
RESULTS = f"results/{PROFILE}"
PY = sys.executable
REPO = workflow.basedir          # figure scripts and the report are read from the checkout


def _has_profile(sim):
    return os.path.isfile(f"{PROFILE_DIR}/{sim}.yaml")


SIMS = [s for s in names() if _has_profile(s)]


@functools.lru_cache(maxsize=None)
def experiments(sim):
    """Experiment name -> validated config, in profile order."""
    return load_experiments(sim, get_simulator(sim).config, PROFILE, config_dir=CONFIG_DIR)


def figure_inputs(sim):
    s = get_simulator(sim)
    return [f"{RESULTS}/{sim}/{e}.npz" for e, c in experiments(sim).items()
            if s.kind(c) in s.figure_kinds]


FIGURES = [f"{RESULTS}/figures/{s}.{ext}" for s in SIMS if get_simulator(s).figure
           for ext in ("pdf", "png")]


def _distrust_broken_results():
    """A result file that fails its sidecar's checksum (a truncated copy, say) is made older than
    its profile file, so the run job that writes it is redone instead of trusted."""
    for sim in SIMS:
        for e in experiments(sim):
            npz = f"{RESULTS}/{sim}/{e}.npz"
            if not os.path.exists(npz) and not os.path.exists(npz[:-4] + ".json"):
                continue
            try:
                verify(npz)
            except ResultFileError as exc:
                print(f"workflow: {exc}; it will be rerun", file=sys.stderr)
                if os.path.exists(npz):
                    os.utime(npz, (0, 0))


_distrust_broken_results()

wildcard_constraints:
    profile=re.escape(PROFILE),
    sim="|".join(SIMS) or "none",
    experiment=r"[A-Za-z0-9_]+",


sys.path.insert(0, f"{REPO}/workflow")
from cost_model import job_resources   # noqa: E402  (runtime, mem_mb, cpus, gpu from sweep sizes)


def run_resources(w):
    """Resources of one run job, derived from its experiment's sizes (workflow/cost_model.py)."""
    return _run_resources(w.sim, w.experiment)


@functools.lru_cache(maxsize=None)
def _run_resources(sim, experiment):
    return job_resources(sim, experiment, load_profile_file(sim, PROFILE, CONFIG_DIR))
