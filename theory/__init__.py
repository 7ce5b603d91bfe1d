"""Sympy derivations and checks; each module exports the numeric (lambdified) formulas it verified,
so that what the claims check and the figures plot is exactly what was verified here.

Every verified formula is discoverable by name (``theory.formulas()``, ``python -m theory list``)
and a formula of your own can be checked against one (``theory.check(expr, name)``).
"""
from .formulas import Formula, formula, formulas
from .check import FormulaError, Verdict, check  # noqa: E402  (after .formulas: check imports it)

__all__ = ["Formula", "FormulaError", "Verdict", "check", "formula", "formulas"]
