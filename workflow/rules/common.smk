# Shared rules: run one experiment, check one simulator's claims, merge the ledger.
import sys

from sims.config import PROFILES, load_profile_file

PROFILE = config.get("profile", "quick")
if PROFILE not in PROFILES:
    raise ValueError(f"unknown profile {PROFILE!r}; choose one of {PROFILES}")
RESULTS = f"results/{PROFILE}"
PY = sys.executable
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


rule run_experiment:
    input:
        "config/{profile}/{sim}.yaml",
    output:
        npz="results/{profile}/{sim}/{experiment}.npz",
        meta="results/{profile}/{sim}/{experiment}.json",
    log:
        "results/{profile}/logs/{sim}-{experiment}.log",
    threads: lambda w: resource(w, "cpus", 1)
    resources:
        runtime=lambda w: resource(w, "runtime", 30),
        mem_mb=lambda w: resource(w, "mem_mb", 2000),
        cpus_per_task=lambda w: resource(w, "cpus", 1),
        gpu=lambda w: resource(w, "gpu", 0),
    shell:
        "{PY} -m sims run {wildcards.sim} --profile {wildcards.profile} "
        "--experiment {wildcards.experiment} --out results/{wildcards.profile}/{wildcards.sim}/"
        "{wildcards.experiment} > {log} 2>&1"


rule check_claims:
    input:
        lambda w: expand("results/{profile}/{sim}/{e}.npz", e=experiments(w.sim, w.profile), allow_missing=True),
    output:
        "results/{profile}/claims/{sim}.json",
    log:
        "results/{profile}/logs/{sim}-claims.log",
    shell:
        "{PY} -m sims claims {wildcards.sim} --profile {wildcards.profile} --out {output} > {log} 2>&1"


rule ledger:
    input:
        lambda w: expand("results/{profile}/claims/{sim}.json", sim=SIMS, profile=w.profile),
    output:
        md="results/{profile}/claims.md",
        json="results/{profile}/claims.json",
    log:
        "results/{profile}/logs/ledger.log",
    shell:
        "{PY} -m sims ledger --profile {wildcards.profile} {input} > {log} 2>&1 && cat {log}"
