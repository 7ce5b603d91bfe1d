# Regenerates every figure and the claims ledger of the active profile:
#   snakemake figures --cores 2                          (quick profile: CI, laptops)
#   snakemake figures --cores 2 --config profile=paper    (full-size figures)
#   snakemake figures --cores 2 --config profile_dir=DIR  (your own folder of <simulator>.yaml files)
#   snakemake figures --cores 2 --config format=netcdf     (NetCDF-4 result files instead of .npz)
#   snakemake results/paper/figures/sharpness.pdf --config profile=paper   (one figure)
# Simulators, their experiment kinds and figure inputs come from sims/registry.py; parameters from
# the profile's YAML files; the rules (workflow/rules/) are the same for every simulator.

include: "workflow/rules/common.smk"
include: "workflow/rules/core.smk"


rule figures:
    input:
        FIGURES,
        str(LAYOUT.ledger[0]),
        str(LAYOUT.latex),
    default_target: True
