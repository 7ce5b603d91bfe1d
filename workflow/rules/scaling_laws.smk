# Neural scaling laws (issue 7: Maloney, Roberts & Sully 2022; Paquette et al. 2024; Hoffmann et al. 2022).
SIMS.append("scaling_laws")
FIGURES += expand(f"{RESULTS}/figures/scaling_laws.{{ext}}", ext=["pdf", "png"])
CO_ORDER = [f"compute_optimal_{p}" for p in ("Ia", "II", "III", "Ib", "Ic", "IVa", "IVb")]


rule figure_scaling_laws:
    input:
        script=f"{REPO}/figures/scaling_laws.py",
        results=lambda w: expand(f"results/{w.profile}/scaling_laws/{{e}}.npz", e=["mrs", "plrf", "chinchilla"]
                                 + sorted((e for e in experiments("scaling_laws", w.profile)
                                           if e.startswith("compute_optimal_")), key=CO_ORDER.index)),
    output:
        pdf="results/{profile}/figures/scaling_laws.pdf",
        png="results/{profile}/figures/scaling_laws.png",
    log:
        "results/{profile}/logs/figure-scaling_laws.log",
    params:
        py=PY,
    conda:
        ENV
    shell:
        "{params.py} {input.script} {input.results} --out results/{wildcards.profile}/figures/scaling_laws "
        "> {log} 2>&1"
