# Early neuron alignment (issue 3: Min, Mallada & Vidal 2024).
SIMS.append("neuron_alignment")
FIGURES += expand(f"{RESULTS}/figures/neuron_alignment.{{ext}}", ext=["pdf", "png"])


rule figure_neuron_alignment:
    input:
        script=f"{REPO}/figures/neuron_alignment.py",
        results=expand("results/{{profile}}/neuron_alignment/{e}.npz",
                       e=["base", "eps_sweep", "n_mu_sweep", "large_init"]),
    output:
        pdf="results/{profile}/figures/neuron_alignment.pdf",
        png="results/{profile}/figures/neuron_alignment.png",
    log:
        "results/{profile}/logs/figure-neuron_alignment.log",
    params:
        py=PY,
    conda:
        ENV
    shell:
        "{params.py} {input.script} {input.results} --out results/{wildcards.profile}/figures/neuron_alignment "
        "> {log} 2>&1"
