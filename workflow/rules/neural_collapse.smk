# Neural collapse (issue 6: Dang et al. ICML 2023; Papyan, Han, Donoho 2020; Zhu et al. 2021).
SIMS.append("neural_collapse")
FIGURES += expand(f"{RESULTS}/figures/neural_collapse.{{ext}}", ext=["pdf", "png"])


rule figure_neural_collapse:
    input:
        script=f"{REPO}/figures/neural_collapse.py",
        results=expand("results/{{profile}}/neural_collapse/{e}.npz",
                       e=["balanced", "imbalanced", "sweep", "cross_entropy"]),
    output:
        pdf="results/{profile}/figures/neural_collapse.pdf",
        png="results/{profile}/figures/neural_collapse.png",
    log:
        "results/{profile}/logs/figure-neural_collapse.log",
    params:
        py=PY,
    conda:
        ENV
    shell:
        "{params.py} {input.script} {input.results} --out results/{wildcards.profile}/figures/neural_collapse "
        "> {log} 2>&1"
