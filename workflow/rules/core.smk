# The generic chain every simulator shares: run one experiment -> check its claims -> ledger.

rule run_experiment:
    input:
        f"{CONFIG_DIR}/{{profile}}/{{sim}}.yaml",
    output:
        npz="results/{profile}/{sim}/{experiment}.npz",
        meta="results/{profile}/{sim}/{experiment}.json",
    log:
        "results/{profile}/logs/{sim}-{experiment}.log",
    threads: lambda w: run_resources(w)["cpus"]
    resources:
        runtime=lambda w: run_resources(w)["runtime"],
        mem_mb=lambda w: run_resources(w)["mem_mb"],
        cpus_per_task=lambda w: run_resources(w)["cpus"],
        gpu=lambda w: run_resources(w)["gpu"],
    params:
        py=PY,
        # finished items of a sweep survive a killed or preempted job (sims/checkpoint.py)
        ckpt=lambda w: f"results/{w.profile}/checkpoints/{w.sim}/{w.experiment}",
    conda:
        ENV
    shell:
        # one BLAS thread per Snakemake thread: parallel jobs must not oversubscribe the cores
        "OPENBLAS_NUM_THREADS={threads} OMP_NUM_THREADS={threads} MKL_NUM_THREADS={threads} "
        "SIMS_CHECKPOINT_DIR={params.ckpt} "
        "{params.py} -m sims run {wildcards.sim} --profile {wildcards.profile} "
        "--experiment {wildcards.experiment} --out results/{wildcards.profile}/{wildcards.sim}/"
        "{wildcards.experiment} > {log} 2>&1 && rm -rf {params.ckpt}"


rule check_claims:
    input:
        lambda w: expand("results/{profile}/{sim}/{e}.npz", e=experiments(w.sim, w.profile), allow_missing=True),
    output:
        "results/{profile}/claims/{sim}.json",
    log:
        "results/{profile}/logs/{sim}-claims.log",
    params:
        py=PY,
    conda:
        ENV
    shell:
        "{params.py} -m sims claims {wildcards.sim} --profile {wildcards.profile} --out {output} > {log} 2>&1"


rule ledger:
    input:
        lambda w: expand("results/{profile}/claims/{sim}.json", sim=SIMS, profile=w.profile),
    output:
        md="results/{profile}/claims.md",
        json="results/{profile}/claims.json",
    log:
        "results/{profile}/logs/ledger.log",
    params:
        py=PY,
    conda:
        ENV
    shell:
        "{params.py} -m sims ledger --profile {wildcards.profile} {input} > {log} 2>&1 && cat {log}"


rule report:
    """One self-contained HTML page: every figure with its caption, the simulator's config and claims,
    and the whole ledger (`snakemake report`; captions: figures/captions/<sim>.md or the figure
    script's docstring)."""
    input:
        figures=lambda w: [f for f in FIGURES if f.endswith(".png")],
        ledger=f"{RESULTS}/claims.json",
        script=f"{REPO}/scripts/report.py",
    output:
        f"{RESULTS}/report.html",
    log:
        f"{RESULTS}/logs/report.log",
    params:
        py=PY,
        profile=PROFILE,
    conda:
        ENV
    shell:
        "{params.py} {input.script} --profile {params.profile} --ledger {input.ledger} --out {output} "
        "{input.figures} > {log} 2>&1"
