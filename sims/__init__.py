"""Exact-dynamics simulators for deep-learning theory, each checked against its ``theory`` module.

The Python API (see :mod:`sims.api`)::

    import sims
    sims.list()
    res = sims.run("double_descent", "linear", profile="quick", n=300, seeds=50)
    res.claims(); sims.ledger([res]); sims.load("results/quick/double_descent/linear.npz")
    sims.compare(res, "sigma**2*p/(n - p - 1)", measured="min_norm_risk", at={...})
"""
from .api import experiments, ledger, list, load, run  # noqa: A004
from .compare import compare
from .grid import sweep
from .registry import get_simulator, names

__all__ = ["compare", "experiments", "get_simulator", "ledger", "list", "load", "names", "run",
           "sweep"]
__version__ = "0.1.0"
