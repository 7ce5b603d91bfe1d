"""A tiny double-descent profile (seconds to run) shared by the workflow, report and SLURM tests,
and claims a user declares in it (USER_CLAIMS: appended to TINY_DD, it adds one experiment)."""
from pathlib import Path

TINY_DD = """
resources: {runtime: 5, mem_mb: 1000, cpus: 1}
experiments:
  linear: {model: linear, n: 40, ratios: [0.25, 0.5, 0.75, 1.0, 1.25, 2.0, 4.0], seeds: 20,
           budgets: [10, 1000, 1.0e+12], ridge: [0.01, 0.1]}
  random_features: {model: relu_rf, n: 40, d: 20, n_test: 100,
                    ratios: [0.25, 0.5, 1.0, 2.0, 4.0], seeds: 5, budgets: [10, 1000, 1.0e+12],
                    ridge: [0.01, 0.1]}
"""

USER_CLAIMS = """
  under: {model: linear, n: 40, ratios: [0.25, 0.5, 0.75], seeds: 2000, budgets: [10],
          ridge: [0.1], check_steps: 5}
claims:
  my_finite_risk:
    experiment: under
    formula: sigma**2*p/(n - p - 1)
    measured: min_norm_risk
    at: {p: widths, n: n, sigma: noise}
    rival: sigma**2*gamma/(1 - gamma)
    rival_at: {gamma: ratios}
    reference: my notes, eq. (3)
  my_wrong_risk:
    experiment: under
    formula: 1.2*sigma**2*p/(n - p - 1)
    measured: min_norm_risk
    at: {p: widths, n: n, sigma: noise}
    rival: sigma**2*gamma/(1 - gamma)
    rival_at: {gamma: ratios}
    reference: a wrong constant
  my_aimed_risk:
    experiment: linear
    formula: sigma**2*p/(n - p - 1)
    measured: min_norm_risk
    at: {p: widths, n: n, sigma: noise}
    where: {ratios: [0, 0.8]}
    control: {experiment: under, share: [n, seeds]}
    reference: my notes, eq. (3)
"""


def check_user_claims(out: Path) -> None:
    """The ledger under ``out`` (results/<profile>) holds the USER_CLAIMS rows with their outcomes:
    the right formula PASSes with its rival rejected, the wrong one FAILs naming its worst point,
    the control run that differs in a shared setting FAILs 'control not comparable', and the
    shipped claims that need p/n near 1 are NOT APPLICABLE on the 'under' run."""
    import json
    md = (out / "claims.md").read_text().splitlines()
    rows = {r["name"]: r for r in json.loads((out / "claims.json").read_text())["claims"]
            if r["name"].startswith("my_")}
    assert rows["my_finite_risk"]["outcome"] == "PASS"
    assert rows["my_finite_risk"]["control_passed"] is False
    assert rows["my_wrong_risk"]["outcome"] == "FAIL"
    assert rows["my_wrong_risk"]["reason"].startswith("worst at ratios = ")
    assert rows["my_aimed_risk"]["reason"].startswith("control not comparable: seeds 20 vs 2000")
    line = next(ln for ln in md if "under: my_finite_risk" in ln)
    assert line.startswith("| PASS | double_descent |") and "declared in" in line
    assert any(ln.startswith("| **FAIL**: worst at") and "my_wrong_risk" in ln for ln in md)
    assert any(ln.startswith("| **NOT APPLICABLE**: no p/n within 0.1 of 1")
               and "under: risk peak" in ln for ln in md)


def tiny_workdir(root: Path) -> Path:
    """``root`` with config/quick/double_descent.yaml = TINY_DD (point $SIMS_CONFIG_DIR at root/config)."""
    (root / "config" / "quick").mkdir(parents=True, exist_ok=True)
    (root / "config" / "quick" / "double_descent.yaml").write_text(TINY_DD)
    return root
