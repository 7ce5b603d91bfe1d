# The chain every simulator shares: run one experiment -> check its claims -> ledger; its figure.

rule run_experiment:
    input:
        f"{PROFILE_DIR}/{{sim}}.yaml",
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
        profile_dir=lambda w, input: os.path.dirname(input[0]),
        # finished points of a sweep survive a killed or preempted job (sims/parallel.py)
        ckpt=lambda w: f"results/{w.profile}/checkpoints/{w.sim}/{w.experiment}",
    shell:
        # BLAS / numba threads pinned to the job's threads: parallel jobs must not oversubscribe
        "SIMS_CHECKPOINT_DIR={params.ckpt} "
        "{params.py} -m sims run {wildcards.sim} --profile-dir {params.profile_dir} "
        "--experiment {wildcards.experiment} --threads {threads} "
        "--out results/{wildcards.profile}/{wildcards.sim}/{wildcards.experiment} > {log} 2>&1 "
        "&& rm -rf {params.ckpt}"


rule check_claims:
    input:
        lambda w: expand("results/{profile}/{sim}/{e}.npz", e=experiments(w.sim), allow_missing=True),
    output:
        "results/{profile}/claims/{sim}.json",
    log:
        "results/{profile}/logs/{sim}-claims.log",
    params:
        py=PY,
        profile_dir=PROFILE_DIR,
    shell:
        "{params.py} -m sims claims {wildcards.sim} --profile-dir {params.profile_dir} --out {output} "
        "> {log} 2>&1"


rule figure:
    input:
        lambda w: figure_inputs(w.sim),
    output:
        pdf="results/{profile}/figures/{sim}.pdf",
        png="results/{profile}/figures/{sim}.png",
    log:
        "results/{profile}/logs/figure-{sim}.log",
    params:
        py=PY,
    shell:
        "{params.py} -m figures {wildcards.sim} {input} "
        "--out results/{wildcards.profile}/figures/{wildcards.sim} > {log} 2>&1"


rule ledger:
    input:
        expand(f"{RESULTS}/claims/{{sim}}.json", sim=SIMS),
    output:
        md=f"{RESULTS}/claims.md",
        json=f"{RESULTS}/claims.json",
    log:
        f"{RESULTS}/logs/ledger.log",
    params:
        py=PY,
        profile_dir=PROFILE_DIR,
    shell:
        "{params.py} -m sims ledger --profile-dir {params.profile_dir} {input} > {log} 2>&1 && cat {log}"


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
        profile_dir=PROFILE_DIR,
    shell:
        "{params.py} {input.script} --profile {params.profile} --profile-dir {params.profile_dir} "
        "--ledger {input.ledger} --out {output} {input.figures} > {log} 2>&1"
