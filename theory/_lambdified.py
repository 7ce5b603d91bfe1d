"""Numeric functions of sympy expressions, generated when first called.

``sp.lambdify`` prints an expression to Python source and compiles it: 5-12 ms a function. Every
theory module exports its formulas as numeric functions (about 40 in all), and a process calls
few of them (a run job one or two, a Snakemake start none), so generating them at import cost
each process 0.2-0.5 s. :class:`lambdified` generates on the first call, once per process.
"""
from __future__ import annotations

from typing import Any

import sympy as sp


class lambdified:
    """``lambdified(args, expr, modules="numpy")(*values)`` = ``sp.lambdify(args, expr,
    modules)(*values)``, the function generated at the first call and kept."""

    __slots__ = ("args", "expr", "modules", "_fn")

    def __init__(self, args: Any, expr: Any, modules: Any = "numpy"):
        self.args, self.expr, self.modules, self._fn = args, expr, modules, None

    def __call__(self, *values, **named):
        fn = self._fn
        if fn is None:
            fn = self._fn = sp.lambdify(self.args, self.expr, self.modules)
        return fn(*values, **named)

    def __getstate__(self):            # the generated function does not pickle; it is made again
        return (self.args, self.expr, self.modules)

    def __setstate__(self, state):
        self.args, self.expr, self.modules = state
        self._fn = None

    def __repr__(self) -> str:
        return f"lambdified({self.args!r}, {self.expr})"
