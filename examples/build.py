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
        ("md", "Every array has named dims (`seed`, `ratio`, ...), units and a long name, and the "
               "run's config (`ds.attrs['config_n']`, ...) and provenance travel with it. The mean "
               "risk over seeds against p/n, with the suite's theory: the exact finite-n risk and "
               "the asymptotic one (Hastie et al. 2022):"),
        ("code", "from matplotlib.ticker import NullFormatter\n"
                 "from theory import double_descent as dd\n\n"
                 "mean = ds['min_norm_risk'].where(ds.ratio != 1.0).mean('seed')\n"
                 "n, r, sigma = (ds.attrs[f'config_{k}'] for k in ('n', 'signal', 'noise'))\n"
                 "q = ds.ratio.values\n"
                 "dense = np.geomspace(0.2, 5.0, 2000)\n"
                 "fig, ax = plt.subplots(figsize=(5, 3.3), layout='constrained')\n"
                 "ax.plot(q, mean, 'o', color='C3', label='simulation (mean over seeds)')\n"
                 "ax.plot(dense, dd.min_norm_risk_finite(n, dense * n, r, sigma), 'k-',\n"
                 "        label=f'finite-n theory (n = {n})')\n"
                 "ax.plot(dense, dd.min_norm_risk(dense, r, sigma), 'k:', label='asymptotic theory')\n"
                 "ax.set(xscale='log', yscale='log', ylim=(0.05, 30), xlabel='p / n',\n"
                 "       ylabel=ds['min_norm_risk'].attrs['long_name'][:22], title=f'min-norm risk, n = {n}')\n"
                 "ax.set_xticks([0.25, 0.5, 1, 2, 4], ['0.25', '0.5', '1', '2', '4'])\n"
                 "ax.xaxis.set_minor_formatter(NullFormatter())\n"
                 "ax.legend(loc='lower right');"),
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
    "02_mup_vs_ntk_sharpness_your_widths.ipynb": [
        ("md", "# muP vs NTK sharpness at your widths\n\n"
               "Train the same two-layer tanh network in NTK and in muP parametrisation at widths of "
               "your choice, and watch how the sharpness change eta (lambda_T - lambda_0) and the "
               "feature movement scale with width: NTK shrinks (exponents -1 and -1/2), muP does "
               "not (exponent 0). The suite's claims test each exponent with the other "
               "parametrisation's runs as the control."),
        ("code", "import numpy as np\nimport matplotlib.pyplot as plt\nimport sims\n\n"
                 "res = sims.run('sharpness', 'width_sweep', profile='quick', widths=[128, 256, 512],\n"
                 "               steps=1000, log_every=250, seeds=2)\n"
                 "ds = res.to_xarray()\nds[['sharpness', 'feature_move', 'eta']]"),
        ("md", "Labelled dims: `sharpness[param, width, seed, step]`. The sharpness change per width, "
               "in units of the step size, for each parametrisation:"),
        ("code", "change = ((ds.sharpness.isel(step=-1) - ds.sharpness.isel(step=0)) * ds.eta).mean('seed')\n"
                 "fig, ax = plt.subplots(figsize=(4, 3))\n"
                 "for p, name in enumerate(ds.param.values):\n"
                 "    ax.loglog(ds.width, change.isel(param=p), 'o-', label=str(name))\n"
                 "ax.set(xlabel='width', ylabel='eta (lambda_T - lambda_0)'); ax.legend();"),
        ("code", "from sims.fits import loglog_slope\n"
                 "for p, name in enumerate(ds.param.values):\n"
                 "    s = loglog_slope(ds.width.values, change.isel(param=p).values)\n"
                 "    print(f'{name}: exponent {s.slope:+.2f} +- {s.stderr:.2f}')"),
        ("md", "## The suite's verdict on this run\n\nEach row states its tolerance's origin and "
               "its control (the other parametrisation's runs)."),
        ("code", "for c in res.claims():\n"
                 "    print('PASS' if c.passed else 'FAIL', '|', c.name, '| control:', c.control,\n"
                 "          '->', 'rejected' if c.control_passed is False else c.control_passed)"),
    ],
    "03_fit_L_of_N_D_to_your_loss_table.ipynb": [
        ("md", "# Fit L(N, D) to your own loss table\n\n"
               "The suite's Chinchilla fitter (Hoffmann et al. 2022, approach 3: L = E + A/N^a + "
               "B/D^b, Huber loss on log L, L-BFGS-B from a grid of starts, bootstrap intervals) "
               "applied to a table of your own. Here the table is synthetic, drawn from known "
               "parameters, so you can see the fit recover them; replace `N, D, L` by your runs."),
        ("code", "import numpy as np\n"
                 "from theory.scaling_laws import chinchilla as chin\n\n"
                 "rng = np.random.default_rng(0)\n"
                 "N, D, L = chin.chinchilla_data(rng, noise=0.005, n_grid=8)   # your table goes here\n"
                 "print(len(L), 'runs; N from', f'{N.min():.2g}', 'to', f'{N.max():.2g}')"),
        ("code", "fit = chin.fit_chinchilla(N, D, L, bootstrap=20, seed=1)\n"
                 "truth = chin.CHINCHILLA\n"
                 "for k in ('E', 'A', 'B', 'a', 'b'):\n"
                 "    print(f'{k}: fitted {fit[k]:.4g}   true {truth[k]:.4g}')\n"
                 "print('95% bootstrap interval of b/(a+b):', fit['ci'][:, 2])"),
        ("md", "The compute-optimal allocation N_opt ~ C^(b/(a+b)) follows from the fit; the "
               "suite's sympy check of that exponent is `theory.scaling_laws.chinchilla` "
               "(`chinchilla_nopt_exponent`)."),
        ("code", "import matplotlib.pyplot as plt\n"
                 "pred = fit['E'] + fit['A'] / N**fit['a'] + fit['B'] / D**fit['b']\n"
                 "fig, ax = plt.subplots(figsize=(4, 3))\n"
                 "ax.loglog(L, pred, '.', ms=4); ax.plot([L.min(), L.max()], [L.min(), L.max()], 'k-', lw=0.8)\n"
                 "ax.set(xlabel='measured L', ylabel='fitted L');"),
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
