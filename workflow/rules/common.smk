# Shared settings: the active profile, where results go (sims/paths.py owns the layout), which
# simulators it has, their figures.
import functools
import json
import os
import sys

from snakemake.exceptions import WorkflowError

from sims import paths
from sims.config import load_experiments, load_profile_file, resolve_profile
from sims.registry import get_simulator, names
from sims.results import ResultFileError, verify

PROFILE, CONFIG_DIR = resolve_profile(config.get("profile", "quick"), config.get("profile_dir"))
PROFILE_DIR = f"{CONFIG_DIR}/{PROFILE}"
LAYOUT = paths.layout(config.get("profile", "quick"), config.get("profile_dir"))
RESULTS = str(LAYOUT.base)
CLUSTER_GPUS = str(config.get("cluster_gpus", False)).lower() in ("true", "1", "yes")
FORMAT = config.get("format", "npz")       # npz | netcdf: the result files the run jobs write
if FORMAT not in paths.FORMATS:
    raise WorkflowError(f"format={FORMAT!r}: choose one of {', '.join(paths.FORMATS)}")
PY = sys.executable
REPO = workflow.basedir          # figure scripts and the report are read from the checkout


def _has_profile(sim):
    return os.path.isfile(f"{PROFILE_DIR}/{sim}.yaml")


SIMS = [s for s in names() if _has_profile(s)]


@functools.lru_cache(maxsize=None)
def experiments(sim):
    """Experiment name -> validated config, in profile order."""
    return load_experiments(sim, get_simulator(sim).config, PROFILE, config_dir=CONFIG_DIR)


def result(sim, experiment):
    return str(LAYOUT.result(sim, experiment, FORMAT))


def figure_inputs(sim):
    """The results the figure reads; a profile without a kind the figure needs is an error here,
    while the workflow plans, before any simulation."""
    s = get_simulator(sim)
    exps = experiments(sim)
    missing = [k for k in s.figure_needs if k not in {s.kind(c) for c in exps.values()}]
    if missing:
        raise WorkflowError(f"{PROFILE_DIR}/{sim}.yaml: the {sim} figure needs experiments of "
                            f"kind(s) {', '.join(missing)}; the profile has "
                            f"{', '.join(sorted({s.kind(c) for c in exps.values()}))}")
    return [result(sim, e) for e, c in exps.items() if s.kind(c) in s.figure_kinds]


FIGURES = [f"{LAYOUT.figure(s)}.{ext}" for s in SIMS if get_simulator(s).figure
           for ext in ("pdf", "png")]


def _distrust(sim, e):
    """Why the result file of ``sim/e`` must not be trusted ("" when it may): it fails its
    sidecar's checksum (a truncated or replaced copy), or it was written with other settings than
    the profile's (overrides, an edited profile)."""
    data = result(sim, e)
    if not os.path.exists(data) and not os.path.exists(f"{os.path.splitext(data)[0]}.json"):
        return ""
    try:
        meta = verify(data)
    except ResultFileError as exc:
        return str(exc)
    want = json.loads(json.dumps(experiments(sim)[e].to_dict()))
    if meta is not None and (meta.get("overrides") or meta.get("config") != want):
        return (f"{data} was written with other settings than {PROFILE_DIR}/{sim}.yaml:{e} "
                f"(overrides {meta.get('overrides') or 'none'})")
    return ""


def _downstream(sim):
    """The files made from a simulator's results: its claims, its figure, the ledger, the report."""
    base = LAYOUT.base
    return [LAYOUT.claims(sim), *(LAYOUT.figure(sim).with_suffix(e) for e in (".pdf", ".png")),
            *base.glob("claims.*"), LAYOUT.report]


def _rerun_untrusted_results():
    """Result files that may not be trusted are removed with everything made from them, so that
    Snakemake reruns them. (Making them old does not do: Snakemake reruns a job for a newer input
    only if its content changed, and not for a missing intermediate file while the files made
    from it exist.)"""
    for sim in SIMS:
        for e in experiments(sim):
            why = _distrust(sim, e)
            if why:
                print(f"workflow: {why}; removed, it will be rerun", file=sys.stderr)
                stem = os.path.splitext(result(sim, e))[0]
                for path in (result(sim, e), f"{stem}.json", *_downstream(sim)):
                    if os.path.exists(path):
                        os.remove(path)


_rerun_untrusted_results()

wildcard_constraints:
    sim="|".join(SIMS) or "none",
    experiment=r"[A-Za-z0-9_]+",


sys.path.insert(0, f"{REPO}/workflow")
from cost_model import job_resources   # noqa: E402  (runtime, mem_mb, cpus, gpu from sweep sizes)


def run_resources(w):
    """Resources of one run job, derived from its experiment's sizes (workflow/cost_model.py)."""
    return _run_resources(w.sim, w.experiment)


@functools.lru_cache(maxsize=None)
def _run_resources(sim, experiment):
    return job_resources(sim, experiment, load_profile_file(sim, PROFILE, CONFIG_DIR),
                         cluster_gpus=CLUSTER_GPUS)
