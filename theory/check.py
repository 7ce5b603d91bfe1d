r"""Check your own formula: is ``expr`` the same function as ``against`` on a domain?

    >>> import theory
    >>> print(theory.check("sigma**2*gamma/(1 - gamma)", "double_descent.risk_under"))
    equivalent (proved symbolically): sigma**2*gamma/(1 - gamma) == double_descent.risk_under

``against`` is a registered formula (``"double_descent.risk_under"``, or ``"risk_under"`` where
that short name is unique), a :class:`~theory.formulas.Formula`, formula text or a sympy
expression; a number such as ``"1.000001"`` is a number. Text is read by :func:`parse`
(:mod:`theory.parse`: never evaluated as Python; ``**`` or ``^``, ``2x``, unicode Greek, LaTeX).

How a verdict is decided (:class:`Verdict` says which way):

1. **One table of symbols.** A name is the same symbol on both sides, with the assumptions of the
   registered formula and of ``assumptions=`` (``{"x": "positive"}``, ``"positive integer"``, or
   a dict of sympy flags) attached to it on both sides (a ``domain=`` interval within (0, oo) or
   (-oo, 0) adds positive or negative); a symbol with no assumption is real (``complex`` makes it
   complex). Decimals are exact (``0.97`` is 97/100; so are the floats of
   a sympy expression, read as their shortest decimal).
2. **Probe.** Both sides at 3 points inside the domain (:mod:`theory.numeric`: mpmath, 50
   digits, precision doubling): a difference that does not move with the precision is a
   counterexample, **NOT equivalent**, with the point, both values and their relative difference.
3. **Symbolic.** Integrals, sums, products, limits and derivatives are done (``doit``, kept only
   where the result agrees with the unevaluated form at a probe point); the difference is
   simplified (its expanded numerator, the same with trigonometric functions written with
   ``exp``, ``cancel``, then ``simplify``), within the time budget: 0 is **equivalent (proved
   symbolically)**; a constant that mpmath shows nonzero is **NOT equivalent**.
4. **Numeric.** Both sides at ``points`` points of the domain (:mod:`theory.sample`: assumptions
   and the stated domain, edges, far out, integers for integer symbols): a counterexample is **NOT
   equivalent**; so is a difference (as sympy left it) that is nonzero beyond its own rounding
   error at one of 3 agreeing points (``1 + x/10**40`` against ``1``); agreement at every point
   where both have a value (at least 8 points) is **equivalent (numeric)**, "equal at N points to
   D digits" on the domain it states; fewer is **undecided**.

A symbol found on one side only is named in the verdict, with "did you mean" against the other
side's symbols. Nothing depends on the hash seed (symbols in name order, a seeded generator), and
one check takes at most ``budget`` seconds of CPU time. Bad input raises :class:`FormulaError`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from . import numeric, sample
from .budget import Clock, OutOfTime
from .parse import FormulaError, parse
from .parse_sides import ASSUMPTIONS, read

__all__ = ["ASSUMPTIONS", "FormulaError", "Verdict", "check", "parse"]

_BOUND = (sp.Integral, sp.Sum, sp.Product, sp.Limit, sp.Derivative)
MIN_POINTS = 8


@dataclass(frozen=True)
class Verdict:
    """The answer of :func:`check`; ``str()`` reads as a sentence.

    ``equivalent``: True, False, or None (undecided); ``method``: ``"symbolic"``, ``"numeric"``
    or ``"undecided"``; ``counterexample``: ``{"point": {name: value}, "expr": value, "against":
    value, "relative_difference": r}`` (``point`` empty for a constant difference);
    ``points``/``digits``/``domain``: of a numeric decision; ``detail``: how it was decided;
    ``notes``: symbols on one side only, and reading choices (``x(1 - x)`` read as a product)."""

    equivalent: bool | None
    method: str
    expr: str
    against: str
    counterexample: dict[str, Any] | None = None
    points: int = 0
    digits: int = 0
    domain: str = ""
    detail: str = ""
    notes: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.equivalent)

    def __str__(self) -> str:
        lead = [n for n in self.notes if " only in " in n]
        other = [n for n in self.notes if " only in " not in n]
        if self.equivalent is None:
            text, other = f"undecided: {self.detail}", list(self.notes)
        elif self.equivalent:
            how = "proved symbolically" if self.method == "symbolic" else \
                f"numeric, not proved: equal at {self.points} points to {self.digits} digits " \
                f"on {self.domain}"
            text, other = f"equivalent ({how}): {self.expr} == {self.against}", list(self.notes)
        else:
            c = self.counterexample or {}
            where = ", ".join(f"{k} = {_show(v)}" for k, v in c.get("point", {}).items())
            values = (f"at {where}: " if where else "") + \
                f"{self.expr} = {_show(c.get('expr'))}, {self.against} = " \
                f"{_show(c.get('against'))} (relative difference " \
                f"{_show(c.get('relative_difference'), 3)})"
            text = f"NOT equivalent ({self.method}): " + "; ".join(
                [*lead, self.detail] if self.method == "symbolic" else
                [*lead, values, *([self.detail] if self.detail else [])])
        return text + "".join(f"; note: {n}" for n in other)


def _show(v, digits: int = 10) -> str:
    if isinstance(v, complex):
        return f"{v.real:.{digits}g}{v.imag:+.{digits}g}i"
    return f"{v:.{digits}g}" if isinstance(v, float) else str(v)


def check(expr, against, assumptions: Mapping[str, Any] | None = None,
          domain: Mapping[str, tuple] | None = None, *, points: int = 24, dps: int = 50,
          budget: float = 5.0, seed: int = 0) -> Verdict:
    """Is ``expr`` equal to ``against`` (module docstring: what is accepted, how it decides)?

    ``assumptions`` maps a symbol name to ``"positive"``, ``"positive integer"``, a list or a
    dict of flags (:data:`ASSUMPTIONS`); ``domain`` maps a symbol name to an open interval
    ``(lo, hi)`` (``sp.oo``, ``"oo"`` allowed), replacing a registered formula's own. ``points``
    numeric points at ``dps`` digits; ``budget`` seconds of CPU time in all."""
    assumptions, domain = dict(assumptions or {}), dict(domain or {})
    clock = Clock(budget)
    try:
        with clock.limit():
            a, b, ranges, labels, notes = read(expr, against, assumptions, domain)
    except OutOfTime:
        raise FormulaError(f"reading the formulas took more than the budget of {budget:g} s "
                           f"CPU time") from None
    verdict = _Decide(a, b, ranges, clock, points, dps, seed).run()
    return Verdict(**{**verdict, "expr": labels[0], "against": labels[1], "notes": notes})


def _plain(d):
    """``d`` over symbols without assumptions: pure algebra on it is faster, and a 0 it proves
    holds for every value, so under any assumptions too."""
    return d.xreplace({s: sp.Symbol(s.name) for s in d.free_symbols})


def _numerator(d):
    """The expanded numerator of ``d`` (0 exactly when ``d`` is 0 where it is defined)."""
    return sp.expand(_plain(d).as_numer_denom()[0])


_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc, sp.sinh, sp.cosh, sp.tanh, sp.coth,
         sp.sech, sp.csch)


def _exponential(d):
    """The expanded numerator of ``d`` with trigonometric and hyperbolic functions written with
    ``exp`` (proves the usual trigonometric identities fast); ``d`` itself where it has none."""
    if not d.has(*_TRIG):
        return d
    return sp.expand(_plain(d).rewrite(sp.exp).as_numer_denom()[0])


def _cancel(d):
    return 0 if sp.cancel(_plain(d)) == 0 else sp.cancel(d)


class _Decide:
    """Steps 2-4 of the module docstring, on the canonical expressions ``a`` and ``b``."""

    def __init__(self, a, b, ranges, clock: Clock, n: int, dps: int, seed: int):
        self.a, self.b, self.ranges, self.clock, self.dps = a, b, ranges, clock, dps
        self.pts = sample.points(ranges, n, seed)
        self.domain = sample.describe(ranges)
        self.valid: list[numeric.Outcome] = []
        self.tried = 0

    def outcome(self, a, b, point, dps=None):
        with self.clock.limit(max(self.clock.left() / 3, 0.05)):
            return numeric.compare(a, b, point, dps or self.dps)

    def differ(self, out: numeric.Outcome, point, how: str) -> dict:
        shown = {s.name: numeric.as_python(numeric.as_mpmath(v)) for s, v in point.items()}
        return dict(equivalent=False, method=how, counterexample={
            "point": shown, "expr": out.a, "against": out.b,
            "relative_difference": out.relative})

    def probe(self, points) -> dict | None:
        for p in points:
            self.tried += 1
            try:
                out = self.outcome(self.a, self.b, p)
            except (numeric.Undefined, OutOfTime):
                continue
            if not out.equal:
                return self.differ(out, p, "numeric")
            self.valid.append((p, out))
        return None

    def residual_at_points(self, d) -> dict | None:
        """The difference itself (simplified by sympy, or as it stands) at 3 agreeing points:
        nonzero beyond its own rounding error is a difference the 30-digit comparison of the two
        values could not see (``1 + x/10**40`` against ``1``)."""
        for p, out in self.valid[:3]:
            try:
                zero = self.outcome(d, sp.Integer(0), p)
            except (numeric.Undefined, OutOfTime):
                continue
            if not zero.equal:
                found = self.differ(out, p, "numeric")
                found["detail"] = f"their difference {sp.sstr(d)} is {_show(zero.a)} there, not 0"
                return found
        return None

    def doit(self, e):
        if not e.has(*_BOUND):
            return e
        try:
            with self.clock.limit(self.clock.left() / 4):
                done = e.doit()
        except (OutOfTime, Exception):                 # noqa: BLE001 - sympy may raise anything
            return e
        for p in self.pts[:3]:                         # trusted only where it agrees numerically
            try:
                return done if self.outcome(e, done, p).equal else e
            except (numeric.Undefined, OutOfTime):
                continue
        return done

    def residual(self):
        """The difference, simplified as far as the budget allows (0 when proved)."""
        d = self.a - self.b
        for step, share in ((_numerator, 0.1), (_exponential, 0.1), (_cancel, 0.15),
                            (sp.simplify, 0.4)):
            if d == 0:
                break
            try:
                with self.clock.limit(self.clock.left() * share):
                    r = step(d)
            except (OutOfTime, Exception):             # noqa: BLE001
                continue
            d = 0 if r == 0 else d if step in (_numerator, _exponential) else r
        return d

    def run(self) -> dict:
        if self.a == self.b:
            return dict(equivalent=True, method="symbolic", detail="identical once read")
        found = self.probe(self.pts[:3])
        if found:
            return found
        self.a, self.b = self.doit(self.a), self.doit(self.b)
        d = self.residual()
        if d == 0:
            return dict(equivalent=True, method="symbolic", detail="the difference simplifies to 0")
        if not d.free_symbols and d.is_number:
            try:
                out = self.outcome(d, sp.Integer(0), {})
                if not out.equal:
                    return dict(equivalent=False, method="symbolic", counterexample={
                        "point": {}, "expr": sp.sstr(self.a), "against": sp.sstr(self.b),
                        "relative_difference": 1.0},
                        detail=f"they differ by the constant {sp.sstr(d)} = {_show(out.a)}")
            except (numeric.Undefined, OutOfTime):
                pass
        found = self.probe(self.pts[3:])
        if found:
            return found
        n = len(self.valid)
        if n >= MIN_POINTS:
            found = self.residual_at_points(d)
            if found:
                return found
            digits = min(o.digits for _, o in self.valid)
            return dict(equivalent=True, method="numeric", points=n, digits=digits,
                        domain=self.domain, detail=f"no symbolic proof; equal at {n} points")
        why = "ran out of time" if self.clock.left() <= 0 else "had no value on both sides"
        return dict(equivalent=None, method="undecided", points=n, domain=self.domain,
                    detail=f"only {n} of {self.tried} points could be compared (the others "
                           f"{why}) on {self.domain}; give a domain where both sides are "
                           f"defined, or a larger budget")
