"""Write the example notebooks from the cells below (outputs stripped): ``python examples/build.py``.

The notebooks are executed in CI on the quick sizes (tests/test_notebooks.py); editing a cell here
and rerunning this script keeps the .ipynb files and their source in one place.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

NOTEBOOKS = {
    "01_double_descent_your_formula.ipynb": [
        ("md", "# Double descent and your own risk formula\n\n"
               "Run the isotropic linear model at your own sizes, get labelled data back, and test a "
               "risk formula you derived, first symbolically against the suite's verified formula, "
               "then against the simulation, with a rival formula as the negative control."),
        ("code", "import numpy as np\nimport matplotlib.pyplot as plt\nimport sims, theory\n\n"
                 "res = sims.run('double_descent', 'linear', profile='quick', n=60, seeds=1500,\n"
                 "               ratios=[0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0])\n"
                 "ds = res.to_xarray()\nds['min_norm_risk']"),
        ("md", "Every array has named dims (`seed`, `ratio`, ...) and the run's config and "
               "provenance travel with it. The mean risk over seeds against p/n:"),
        ("code", "mean = ds['min_norm_risk'].where(ds.ratio != 1.0).mean('seed')\n"
                 "ax = mean.plot(marker='o', xscale='log', yscale='log')\n"
                 "plt.title('mean min-norm risk, n = 60');"),
        ("md", "## Is my formula the suite's?\n\nSay you derived sigma^2 gamma / (1 - gamma) for the "
               "underparametrised risk. `theory.check` decides symbolic equivalence, or finds a "
               "counterexample:"),
        ("code", "print(theory.check('sigma**2*gamma/(1 - gamma)', 'double_descent.risk_under'))\n"
                 "print(theory.check('sigma**2*gamma/(1 - 2*gamma)', 'double_descent.risk_under'))"),
        ("md", "## Does it match the simulation?\n\nAt n = 60 the asymptotic formula is not exact; "
               "the finite-n one is. `sims.compare` turns a formula into a ledger row whose tolerance "
               "is the Monte-Carlo standard error, with a rival formula as its control:"),
        ("code", "under = sims.run('double_descent', 'linear', n=60, seeds=1500, ratios=[0.25, 0.5, 0.75])\n"
                 "claim = sims.compare(under, 'sigma**2*p/(n - p - 1)', measured='min_norm_risk',\n"
                 "                     at={'p': 'widths', 'n': 'n', 'sigma': 'noise'},\n"
                 "                     rival='sigma**2*gamma/(1 - gamma)', rival_at={'gamma': 'ratios'})\n"
                 "print('passes:', claim.check_passed, '| rival rejected:', claim.control_passed is False)\n"
                 "print(claim.why)"),
        ("md", "The same check against `2*sigma**2*p/(n - p - 1)` (a wrong constant) fails:"),
        ("code", "wrong = sims.compare(under, '2*sigma**2*p/(n - p - 1)', measured='min_norm_risk',\n"
                 "                     at={'p': 'widths', 'n': 'n', 'sigma': 'noise'})\n"
                 "print('passes:', wrong.passed)"),
        ("md", "## The suite's own claims for this run"),
        ("code", "for c in res.claims():\n"
                 "    print('PASS' if c.passed else 'FAIL', c.name, '| control:', c.control)"),
    ],
}


def build() -> list[Path]:
    out = []
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=[new_markdown_cell(src) if kind == "md" else new_code_cell(src)
                                 for kind, src in cells])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        path = HERE / name
        nbformat.write(nb, path)
        out.append(path)
    return out


if __name__ == "__main__":
    for p in build():
        print(f"wrote {p}")
