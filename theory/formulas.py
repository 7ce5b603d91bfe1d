"""Every formula the suite verifies, discoverable by name.

A theory module lists its formulas in ``FORMULAS`` (a tuple of :class:`Formula`); they are found as
``"<module>.<name>"``, e.g. ``double_descent.risk_under``::

    import theory
    theory.formulas()                       # name -> Formula (expr, domain, reference, doc)
    theory.formula("double_descent.risk_under").expr
    theory.check("sigma**2*gamma/(1 - gamma)", "double_descent.risk_under")

The same from the shell: ``python -m theory list`` and ``python -m theory check EXPR NAME``.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import sympy as sp


@dataclass(frozen=True)
class Formula:
    """One verified formula: a sympy expression, where it holds, and where it comes from.

    ``domain`` maps each free symbol's name to the open interval ``(lo, hi)`` on which the formula
    holds (``sp.oo`` allowed); :func:`theory.check` draws its random comparison points there.
    """

    name: str
    expr: sp.Expr
    doc: str
    reference: str
    domain: Mapping[str, tuple] = field(default_factory=dict)

    @property
    def symbols(self) -> dict[str, sp.Symbol]:
        return {s.name: s for s in self.expr.free_symbols}

    def __str__(self) -> str:
        return f"{self.name} = {sp.sstr(self.expr)}"


def _modules() -> list[str]:
    """The theory modules next to this one (found on disk: no import of the package itself)."""
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).resolve().parent)])
                  if m.name not in ("check", "formulas") and not m.name.startswith("_"))


def formulas() -> dict[str, Formula]:
    """Every shipped formula, by ``"<module>.<name>"``."""
    out = {}
    for mod in _modules():
        module = importlib.import_module(f"theory.{mod}")
        for f in getattr(module, "FORMULAS", ()):
            out[f"{mod}.{f.name}"] = f
    return out


def formula(name: str) -> Formula:
    """The formula called ``"<module>.<name>"``, or a KeyError listing the known names."""
    mod, _, short = name.partition(".")
    if short and mod in _modules():
        module = importlib.import_module(f"theory.{mod}")
        for f in getattr(module, "FORMULAS", ()):
            if f.name == short:
                return f
    raise KeyError(f"no formula {name!r}; known: {', '.join(sorted(formulas()))}")
