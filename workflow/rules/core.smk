# The chain every simulator shares: run one experiment -> check its claims -> ledger; its figure.
# Every path comes from sims/paths.py (LAYOUT, in common.smk).

rule run_experiment:
    input:
        f"{PROFILE_DIR}/{{sim}}.yaml",
    output:
        data=result("{sim}", "{experiment}"),
        meta=f"{LAYOUT.stem('{sim}', '{experiment}')}.json",
    log:
        str(LAYOUT.log("{sim}-{experiment}")),
    threads: lambda w: run_resources(w)["cpus"]
    resources:
        runtime=lambda w: run_resources(w)["runtime"],
        mem_mb=lambda w: run_resources(w)["mem_mb"],
        cpus_per_task=lambda w: run_resources(w)["cpus"],
        gpu=lambda w: run_resources(w)["gpu"],
    params:
        py=PY,
        profile_dir=lambda w, input: os.path.dirname(input[0]),
        stem=lambda w: LAYOUT.stem(w.sim, w.experiment),
        format=FORMAT,
        # finished points of a sweep survive a killed or preempted job (sims/parallel.py)
        ckpt=lambda w: LAYOUT.checkpoints(w.sim, w.experiment),
    shell:
        # BLAS / numba threads pinned to the job's threads: parallel jobs must not oversubscribe
        "SIMS_CHECKPOINT_DIR={params.ckpt} "
        "{params.py} -m sims run {wildcards.sim} --profile-dir {params.profile_dir} "
        "--experiment {wildcards.experiment} --threads {threads} --format {params.format} "
        "--out {params.stem} > {log} 2>&1 "
        "&& rm -rf {params.ckpt}"


rule check_claims:
    input:
        lambda w: [result(w.sim, e) for e in experiments(w.sim)],
    output:
        str(LAYOUT.claims("{sim}")),
    log:
        str(LAYOUT.log("{sim}-claims")),
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
        pdf=f"{LAYOUT.figure('{sim}')}.pdf",
        png=f"{LAYOUT.figure('{sim}')}.png",
    log:
        str(LAYOUT.log("figure-{sim}")),
    params:
        py=PY,
        stem=lambda w: LAYOUT.figure(w.sim),
    shell:
        "{params.py} -m figures {wildcards.sim} {input} --out {params.stem} > {log} 2>&1"


rule ledger:
    input:
        expand(str(LAYOUT.claims("{sim}")), sim=SIMS),
    output:
        md=str(LAYOUT.ledger[0]),
        json=str(LAYOUT.ledger[1]),
    log:
        str(LAYOUT.log("ledger")),
    params:
        py=PY,
        profile_dir=PROFILE_DIR,
    shell:
        "{params.py} -m sims ledger --profile-dir {params.profile_dir} {input} > {log} 2>&1 && cat {log}"


rule claims_tex:
    """The ledger as LaTeX macros for a paper: \\input{claims.tex} (sims/latex.py)."""
    input:
        str(LAYOUT.ledger[1]),
    output:
        str(LAYOUT.latex),
    log:
        str(LAYOUT.log("claims-tex")),
    params:
        py=PY,
    shell:
        "{params.py} -m sims.latex {input} --out {output} > {log} 2>&1"


rule report:
    """One self-contained HTML page: every figure with its caption, the simulator's config and claims,
    and the whole ledger (`snakemake report`; captions: figures/captions/<sim>.md or the figure
    script's docstring)."""
    input:
        figures=lambda w: [f for f in FIGURES if f.endswith(".png")],
        ledger=str(LAYOUT.ledger[1]),
        script=f"{REPO}/scripts/report.py",
    output:
        str(LAYOUT.report),
    log:
        str(LAYOUT.log("report")),
    params:
        py=PY,
        profile=PROFILE,
        profile_dir=PROFILE_DIR,
    shell:
        "{params.py} {input.script} --profile {params.profile} --profile-dir {params.profile_dir} "
        "--ledger {input.ledger} --out {output} {input.figures} > {log} 2>&1"
