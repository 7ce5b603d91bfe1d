"""Exact-dynamics simulators for deep-learning theory, each checked against its ``theory`` module.

The Python API (see :mod:`sims.api`)::

    import sims
    sims.list()
    res = sims.run("double_descent", "linear", profile="quick", n=300, seeds=50)
    res.claims(); sims.claims(res); sims.ledger([res]); sims.save(res, "my_run")
    sims.load("results/quick/double_descent/linear.npz")
    sims.compare(res, "sigma**2*p/(n - p - 1)", measured="min_norm_risk", at={...})
    sims.plan("double_descent", "linear", n=300, seeds=50)

``sims.claims`` is a function (:func:`sims.api.claims`); claim rows and checks live in
:mod:`sims.verdicts`, the ledger's table in :mod:`sims.ledger_table`.
"""
from .api import claims, experiments, ledger, list, load, run, save  # noqa: A004
from .compare import compare
from .grid import sweep
from .plan import plan
from .registry import get_simulator, names

__all__ = ["claims", "compare", "experiments", "get_simulator", "ledger", "list", "load", "names",
           "plan", "run", "save", "sweep"]
__version__ = "0.1.0"
