"""``Piecewise`` for :mod:`theory.parse`: pieces ``(expr, condition)`` and their conditions.

``Piecewise((1, Eq(k, 2)), (0, True))``, ``Piecewise((x, x < 1), (1, True))``: a condition is a
comparison (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``, or ``Eq``, ``Ne``, ``Lt``, ``Le``,
``Gt``, ``Ge`` of two expressions), ``True``, ``False``, and conditions joined with ``&``
(``And``), ``|`` (``Or``) and ``~`` (``Not``), in parentheses where needed, as sympy prints them.
Conditions exist only inside a ``Piecewise``: anywhere else these are one-line errors.
"""
from __future__ import annotations

import sympy as sp
from sympy.core.relational import Relational
from sympy.logic.boolalg import BooleanFalse, BooleanFunction, BooleanTrue

RELATIONS = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne}
CALLED = {"Eq": sp.Eq, "Ne": sp.Ne, "Lt": sp.Lt, "Le": sp.Le, "Gt": sp.Gt, "Ge": sp.Ge}
JOINED = {"And": sp.And, "Or": sp.Or, "Not": sp.Not}
TRUTH = {"True": sp.true, "False": sp.false}


def is_condition(c) -> bool:
    """A comparison, True/False, or conditions joined (a Symbol, though a sympy Boolean, is not)."""
    return isinstance(c, (Relational, BooleanTrue, BooleanFalse, BooleanFunction))


class Conditions:
    """Grammar of the pieces (mixed into the parser, whose ``peek``, ``take``, ``at``, ``fail``,
    ``sum`` and ``value`` it uses): piecewise := '(' piece (',' piece)* ')'; piece := '(' sum ','
    condition ')'; condition := conj ('|' conj)*; conj := neg ('&' neg)*; neg := '~' neg |
    True | False | Eq(a, b) ... | And(c, ...) ... | '(' condition ')' | sum relop sum."""

    def piecewise(self, pos: int):
        pieces = []
        while True:
            if not self.at("("):
                self.fail("Piecewise takes pieces (expr, condition), e.g. "
                          "Piecewise((x, x < 1), (1, True))")
            self.take()
            at = self.peek()[2]
            expr = self.value(self.sum(), at)
            if is_condition(expr) or not self.at(","):
                self.fail("a piece of a Piecewise is (expr, condition)", at)
            self.take()
            pieces.append((expr, self.condition()))
            self.expect(")", "to close a piece of the Piecewise")
            if self.at(","):
                self.take()
                continue
            self.expect(")", f"to close the Piecewise of column {pos}")
            return sp.Piecewise(*pieces)

    def expect(self, op: str, why: str):
        if not self.at(op):
            kind, tok, at = self.peek()
            self.fail(f"expected '{op}' {why}, got {tok!r}" if kind != "end" else
                      f"the formula ends before '{op}' {why}", at)
        self.take()

    def condition(self):
        left = self.conjunction()
        while self.at("|"):
            self.take()
            left = sp.Or(left, self.conjunction())
        return self.boolean(left)

    def conjunction(self):
        left = self.negation()
        while self.at("&"):
            self.take()
            left = sp.And(self.boolean(left), self.boolean(self.negation()))
        return left

    def negation(self):
        kind, tok, pos = self.peek()
        if self.at("~"):
            self.take()
            return sp.Not(self.boolean(self.negation()))
        if kind == "name" and tok in TRUTH:
            self.take()
            return TRUTH[tok]
        if kind == "name" and (tok in CALLED or tok in JOINED) and self.peek(1)[1] == "(":
            self.i += 2
            args = [self.condition() if tok in JOINED else self.value(self.sum(), pos)]
            while self.at(","):
                self.take()
                args.append(self.condition() if tok in JOINED else self.value(self.sum(), pos))
            self.expect(")", f"to close {tok}(")
            fn = CALLED.get(tok) or JOINED[tok]
            if tok in CALLED and len(args) != 2:
                self.fail(f"{tok}() compares two expressions", pos)
            return fn(*args)
        if self.at("("):
            start = self.i
            self.take()
            inner = self.condition_or_expression()
            if is_condition(inner) and self.at(")"):
                self.take()
                return inner
            self.i = start                     # an expression in parentheses: (k + 1) < 2
        return self.comparison()

    def condition_or_expression(self):
        start = self.i
        try:
            return self.condition()
        except ValueError:
            self.i = start
            return None

    def comparison(self):
        pos = self.peek()[2]
        left = self.value(self.sum(), pos)
        kind, tok, at = self.peek()
        if kind == "op" and tok in RELATIONS:
            self.take()
            return RELATIONS[tok](left, self.value(self.sum(), self.peek()[2]))
        self.fail("expected a condition: a comparison such as x < 1, Eq(k, 2), True or False",
                  pos)

    def boolean(self, c):
        if not is_condition(c):
            self.fail(f"{c} is not a condition")
        return c
