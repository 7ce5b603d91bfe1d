# Double descent (issue: Liu & Flanigan 2023; Hastie et al. 2022).
SIMS.append("double_descent")
FIGURES += expand(f"{RESULTS}/figures/double_descent.{{ext}}", ext=["pdf", "png"])


rule figure_double_descent:
    input:
        script=f"{REPO}/figures/double_descent.py",
        results=expand("results/{{profile}}/double_descent/{e}.npz",
                       e=["linear", "random_features"]),
    output:
        pdf="results/{profile}/figures/double_descent.pdf",
        png="results/{profile}/figures/double_descent.png",
    log:
        "results/{profile}/logs/figure-double_descent.log",
    params:
        py=PY,
    conda:
        ENV
    shell:
        "{params.py} {input.script} {input.results} --out results/{wildcards.profile}/figures/double_descent "
        "> {log} 2>&1"
