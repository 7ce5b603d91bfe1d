# Grokking and the three Li2 stages (Tian 2025, arXiv:2509.21519).
SIMS.append("grokking")
FIGURES += expand(f"{RESULTS}/figures/grokking.{{ext}}", ext=["pdf", "png"])


rule figure_grokking:
    input:
        script=f"{REPO}/figures/grokking.py",
        results=expand("results/{{profile}}/grokking/{e}.npz",
                       e=["grok", "no_decay", "stage2", "sweep", "dihedral"]),
    output:
        pdf="results/{profile}/figures/grokking.pdf",
        png="results/{profile}/figures/grokking.png",
    log:
        "results/{profile}/logs/figure-grokking.log",
    params:
        py=PY,
    conda:
        ENV
    shell:
        "{params.py} {input.script} {input.results} --out results/{wildcards.profile}/figures/grokking "
        "> {log} 2>&1"
