"""A tiny double-descent profile (seconds to run) shared by the workflow, report and SLURM tests."""
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


def tiny_workdir(root: Path) -> Path:
    """``root`` with config/quick/double_descent.yaml = TINY_DD (point $SIMS_CONFIG_DIR at root/config)."""
    (root / "config" / "quick").mkdir(parents=True, exist_ok=True)
    (root / "config" / "quick" / "double_descent.yaml").write_text(TINY_DD)
    return root
