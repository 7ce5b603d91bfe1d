# Shared settings and helpers: the active profile, where results go, per-simulator resources.
import functools
import sys

from sims.config import PROFILES, default_config_dir, load_profile_file

PROFILE = config.get("profile", "quick")
if PROFILE not in PROFILES:
    raise ValueError(f"unknown profile {PROFILE!r}; choose one of {PROFILES}")
RESULTS = f"results/{PROFILE}"
PY = sys.executable
REPO = workflow.basedir             # figure scripts are read from the checkout, whatever -d says
ENV = "../envs/sims.yaml"
CONFIG_DIR = default_config_dir()   # $SIMS_CONFIG_DIR or the repository's config/
SIMS = []      # each area file appends its simulator(s)
FIGURES = []   # ... and its figure files


wildcard_constraints:
    profile="|".join(PROFILES),
    sim=r"[a-z0-9_]+",
    experiment=r"[A-Za-z0-9_]+",


def experiments(sim, profile=PROFILE):
    return list(load_profile_file(sim, profile)["experiments"])


def resource(w, key, default):
    return load_profile_file(w.sim, w.profile).get("resources", {}).get(key, default)


sys.path.insert(0, f"{REPO}/workflow")
from cost_model import job_resources   # noqa: E402  (runtime, mem_mb, cpus, gpu from sweep sizes)


def run_resources(w):
    """Resources of one run job, derived from its experiment's sizes (workflow/cost_model.py)."""
    return _run_resources(w.sim, w.experiment, w.profile)


@functools.lru_cache(maxsize=None)
def _run_resources(sim, experiment, profile):
    return job_resources(sim, experiment, load_profile_file(sim, profile))
