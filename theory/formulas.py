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

import difflib
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


_CHECKER = ("budget", "check", "formulas", "numeric", "parse", "parse_conditions",
            "parse_latex", "parse_names", "parse_sides", "sample")


class UnknownFormula(KeyError):
    """No registered formula of that name; ``str()`` is the one-line message."""

    def __str__(self) -> str:
        return str(self.args[0])


def _modules() -> list[str]:
    """The theory modules next to this one (found on disk: no import of the package itself),
    less the formula checker's own modules."""
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).resolve().parent)])
                  if m.name not in _CHECKER and not m.name.startswith("_"))


def formulas() -> dict[str, Formula]:
    """Every shipped formula, by ``"<module>.<name>"``."""
    out = {}
    for mod in _modules():
        module = importlib.import_module(f"theory.{mod}")
        for f in getattr(module, "FORMULAS", ()):
            out[f"{mod}.{f.name}"] = f
    return out


def formula(name: str) -> Formula:
    """The formula called ``"<module>.<name>"``, or an :class:`UnknownFormula` (a KeyError)
    naming the closest registered names."""
    mod, _, short = name.partition(".")
    if short and mod in _modules():
        module = importlib.import_module(f"theory.{mod}")
        for f in getattr(module, "FORMULAS", ()):
            if f.name == short:
                return f
    known = sorted(formulas())
    shorts = {k.split(".", 1)[1]: k for k in known}
    in_module = [k.split(".", 1)[1] for k in known if k.startswith(mod + ".")]
    if in_module:
        close = [f"{mod}.{c}" for c in difflib.get_close_matches(short, in_module, n=3, cutoff=0.6)]
        other = f"{mod} has {', '.join(in_module)}"
    else:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6) or [
            shorts[c] for c in difflib.get_close_matches(short or name, shorts, n=3, cutoff=0.6)]
        other = "`python -m theory list` shows them all"
    hint = f"did you mean {' or '.join(close)}?" if close else other
    raise UnknownFormula(f"no formula {name!r} among the {len(known)} registered; {hint}")
