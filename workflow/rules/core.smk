# The generic chain every simulator shares: run one experiment -> check its claims -> ledger.

rule run_experiment:
    input:
        f"{CONFIG_DIR}/{{profile}}/{{sim}}.yaml",
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
    params:
        py=PY,
    conda:
        ENV
    shell:
        # one BLAS thread per Snakemake thread: parallel jobs must not oversubscribe the cores
        "OPENBLAS_NUM_THREADS={threads} OMP_NUM_THREADS={threads} MKL_NUM_THREADS={threads} "
        "{params.py} -m sims run {wildcards.sim} --profile {wildcards.profile} "
        "--experiment {wildcards.experiment} --out results/{wildcards.profile}/{wildcards.sim}/"
        "{wildcards.experiment} > {log} 2>&1"


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
