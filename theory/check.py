r"""Check your own formula: is ``expr`` the same function as ``against`` on a domain?

:func:`check` first asks sympy: ``simplify(expr - against) == 0`` decides equivalence; a nonzero
constant difference decides the opposite. Where sympy cannot decide, both sides are compared at
random points of the stated domain with 50-digit arithmetic (mpmath through ``evalf``): a relative
difference above ``1e-30`` at any point is a counterexample (the point and both values); agreement
at every point is reported as numeric evidence, with the number of points. Symbols are matched by
name to the formula's own symbols (with their assumptions, e.g. positive), so
``"sigma**2*gamma/(1 - gamma)"`` means the same ``gamma`` and ``sigma`` as the suite's formula.

    >>> from theory import check
    >>> check("sigma**2*gamma/(1 - gamma)", "double_descent.risk_under").equivalent
    True
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from .formulas import Formula, formula

DIGITS = 50
REL_TOL = sp.Float("1e-30", DIGITS)


@dataclass(frozen=True)
class Verdict:
    """The answer of :func:`check`.

    ``equivalent``: True, False, or None (undecided: a side could not be evaluated anywhere);
    ``method``: ``"symbolic"`` or ``"numeric (k points)"``; ``counterexample``: the point and both
    values where they differ (None when equivalent)."""

    equivalent: bool | None
    method: str
    expr: str
    against: str
    counterexample: dict[str, Any] | None = None
    points: int = 0
    detail: str = ""

    def __bool__(self) -> bool:
        return bool(self.equivalent)

    def __str__(self) -> str:
        if self.equivalent:
            return f"equivalent ({self.method}): {self.expr} == {self.against}"
        if self.equivalent is None:
            return f"undecided: {self.detail}"
        c = self.counterexample or {}
        if not c.get("point"):
            return f"NOT equivalent ({self.method}): they differ by the constant {self.detail}"
        where = ", ".join(f"{k} = {v}" for k, v in c.get("point", {}).items())
        return (f"NOT equivalent ({self.method}): at {where or 'every point'}: "
                f"{self.expr} = {c.get('expr')}, {self.against} = {c.get('against')}")


def _target(against) -> tuple[sp.Expr, str, dict[str, tuple], str]:
    if isinstance(against, Formula):
        return against.expr, against.name, dict(against.domain), against.name
    if isinstance(against, str):
        if re.fullmatch(r"\w+\.\w+", against.strip()):      # a formula's name: no fallback
            f = formula(against.strip())
            return f.expr, against, dict(f.domain), against
        try:
            f = formula(against)
            return f.expr, against, dict(f.domain), against
        except KeyError:
            expr = parse(against)
            return expr, against, {}, sp.sstr(expr)
    expr = sp.sympify(against)
    return expr, sp.sstr(expr), {}, sp.sstr(expr)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_CONSTANTS = {"pi": sp.pi, "E": sp.E}


def parse(text: str, symbols: Mapping[str, sp.Symbol] | None = None) -> sp.Expr:
    """A formula from text, every bare name a Symbol (``gamma`` is a symbol, not the Gamma
    function; ``lambda`` is allowed), names followed by ``(`` functions (``exp(x)``, ``sqrt(x)``);
    names in ``symbols`` map to those symbols (with their assumptions); ``pi`` and ``E`` are the
    constants unless ``symbols`` has a symbol of that name."""
    symbols = dict(symbols or {})
    local: dict[str, Any] = {}
    out, pos = [], 0
    for m in _NAME.finditer(text):
        name = m.group()
        call = text[m.end():].lstrip().startswith("(")
        key = "lambda_" if name == "lambda" else name
        out.append(text[pos:m.start()] + key)
        pos = m.end()
        if not call:
            local[key] = symbols.get(name, _CONSTANTS.get(name) or sp.Symbol(name))
    try:
        return sp.parse_expr("".join(out) + text[pos:], local_dict=local)
    except (SyntaxError, TypeError, sp.SympifyError) as exc:
        raise ValueError(f"cannot parse {text!r} as a formula ({exc})") from None


def _parse(expr, symbols: Mapping[str, sp.Symbol], assumptions: Mapping[str, Any]) -> sp.Expr:
    local = dict(symbols)
    for name, a in (assumptions or {}).items():
        flags = {a: True} if isinstance(a, str) else dict(a)
        local[name] = sp.Symbol(name, **flags)
    if isinstance(expr, str):
        return parse(expr, local)
    e = sp.sympify(expr)
    return e.subs({s: local[s.name] for s in e.free_symbols if s.name in local})


def _draw(lo, hi, rng: random.Random) -> sp.Float:
    """A random point of (lo, hi): uniform when bounded, log-uniform / shifted otherwise."""
    lo = -math.inf if lo in (-sp.oo, None) else float(lo)
    hi = math.inf if hi in (sp.oo, None) else float(hi)
    if math.isfinite(lo) and math.isfinite(hi):
        x = lo + (hi - lo) * (0.02 + 0.96 * rng.random())
    elif math.isfinite(lo):
        x = lo + 10 ** rng.uniform(-2, 2)
    elif math.isfinite(hi):
        x = hi - 10 ** rng.uniform(-2, 2)
    else:
        x = rng.choice((-1, 1)) * 10 ** rng.uniform(-2, 2)
    return sp.Float(repr(x), DIGITS)


def _value(e: sp.Expr, point: dict) -> sp.Expr | None:
    try:
        v = e.evalf(DIGITS, subs=point)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return v if v.is_number and v.is_finite else None


def check(expr, against, assumptions: Mapping[str, Any] | None = None,
          domain: Mapping[str, tuple] | None = None, points: int = 24, seed: int = 0) -> Verdict:
    """Is ``expr`` equal to ``against`` (a formula name such as ``"double_descent.risk_under"``,
    a :class:`Formula`, a sympy expression or a string) on ``domain``?

    ``assumptions`` maps a symbol name to sympy flags (``{"n": "integer"}`` or a dict of flags) for
    symbols the formula does not define; ``domain`` maps a symbol name to ``(lo, hi)`` and overrides
    the formula's own domain (unlisted symbols: (0, 10) if positive, else (-10, 10)).
    Returns a :class:`Verdict` (``str()`` reads as a sentence)."""
    target, label, dom, _ = _target(against)
    symbols = {s.name: s for s in target.free_symbols}
    mine = _parse(expr, symbols, assumptions or {})
    text = expr if isinstance(expr, str) else sp.sstr(mine)
    dom.update(domain or {})
    diff = sp.simplify(mine - target)
    if diff == 0:
        return Verdict(True, "symbolic", text, label)
    rng = random.Random(seed)
    free = sorted(mine.free_symbols | target.free_symbols, key=lambda s: s.name)
    agreed = 0
    for _ in range(points):
        point = {}
        for s in free:
            lo, hi = dom.get(s.name, (0, 10) if s.is_positive else (-10, 10))
            point[s] = _draw(lo, hi, rng)
            if s.is_integer:
                point[s] = sp.Integer(max(1, round(float(point[s]))))
        a, b = _value(mine, point), _value(target, point)
        if a is None or b is None:
            continue
        scale = max(abs(a), abs(b), sp.Float(1e-300, DIGITS))
        if abs(a - b) / scale > REL_TOL:
            shown = {s.name: float(v) for s, v in point.items()}
            return Verdict(False, f"numeric ({agreed + 1} points)", text, label,
                           {"point": shown, "expr": float(a), "against": float(b)}, agreed + 1)
        agreed += 1
    if agreed == 0:
        return Verdict(None, "numeric", text, label, detail="neither side could be evaluated "
                       "at any random point of the domain; give a domain where both are defined")
    if diff.is_number and diff != 0:           # a constant sympy knows is nonzero, though tiny
        return Verdict(False, "symbolic", text, label, {"point": {}, "expr": sp.sstr(mine),
                                                        "against": sp.sstr(target)},
                       detail=sp.sstr(diff))
    return Verdict(True, f"numeric ({agreed} points, {DIGITS} digits)", text, label,
                   points=agreed)
