r"""Formula text to a sympy expression, without ever evaluating the text as Python.

:func:`parse` tokenises the text itself and builds the expression node by node from a whitelist;
nothing of the input reaches ``eval``, ``sympify`` or ``parse_expr``. What it accepts:

- **numbers** ``2``, ``0.97``, ``1e-3``; decimals are exact (``0.97`` is 97/100).
- **names** of letters, digits and ``_`` (``sigma``, ``lambda_W``, ``x2``); a name is one symbol,
  so ``xy`` is the symbol ``xy`` (write ``x y`` or ``x*y`` for a product). ``lambda`` is a name.
- **operators** ``+ - * /``, powers as ``**`` or ``^`` (right-associative, ``-x^2`` is
  ``-(x^2)``), ``n!`` (factorial), parentheses.
- **implicit products** ``2x``, ``2(x + 1)``, ``(a + b)(a - b)``, ``x y``. Before ``(``, a
  single letter or a Greek name (``x(1 - x)``, ``sigma(1 + x)``, ``lambda_W(...)``) and a declared
  symbol (``gamma(1 - gamma)`` when ``gamma`` is a symbol of the formula checked against) make a
  product, which the verdict notes; any other unknown name before ``(`` is an unknown function
  (an error). ``a/2x`` is refused as ambiguous; ``2e3`` is the number 2000.
- **constants** ``pi``, ``E``, ``I`` (imaginary unit), ``oo`` (infinity), ``EulerGamma``,
  ``Catalan``, ``GoldenRatio``, and ``e`` (Euler's number); a declared symbol of the same name
  (``symbols=``: an assumption, a domain, or the symbols of a registered formula) wins over the
  constant, so ``e`` is a variable exactly when you declare it.
- **functions** of :data:`FUNCTIONS` (elementary, ``Abs``, ``Min``/``Max``, ``gamma``, ``zeta``,
  ``erf``, ``besselj``, ``binomial``, ``factorial``, ``polylog``, ...) and the bound forms
  ``Integral(f, (t, a, b))``, ``Sum(f, (k, a, b))``, ``Product``, ``Limit(f, x, x0, dir="+")``,
  ``Derivative(f, x, n)`` (left unevaluated: the checker evaluates them), and
  ``Piecewise((expr, condition), ..., (expr, True))`` (:mod:`theory.parse_conditions`: the only
  place for comparisons, ``&``, ``|``, ``~``, ``True``, ``False``). Greek-named functions
  (``gamma``, ``beta``, ``zeta``) are symbols when not called.
- **unicode**: a Greek letter is the symbol of its English name (``σ`` is ``sigma``, ``λ_W`` is
  ``lambda_W``), never a function: ``γ(1 - γ)`` is a product; except ``π`` (pi) and ``Γ(x)`` (the
  Gamma function). ``·`` ``×`` multiply, ``−`` is minus, ``²`` ``³`` are powers, ``∞`` infinity,
  ``√x`` a square root.
- **LaTeX**: text containing a backslash or a brace (``\frac{\sigma^2\gamma}{1-\gamma}``) is read
  by :mod:`theory.parse_latex`, whose result passes the same whitelist.

Anything else is a :class:`FormulaError` with a one-line message: attribute access, subscripts,
strings (other than a ``Limit`` direction), keyword arguments (other than ``dir=``), Python
keywords (``lambda`` excepted), names starting with ``_``, calls outside the whitelist, numbers too
large to build exactly.
"""
from __future__ import annotations

import difflib
import keyword
import re
from typing import Mapping

import sympy as sp

from .parse_conditions import CALLED, JOINED, RELATIONS, TRUTH, Conditions
from .parse_names import (_HUGE_ARG, _MANY, _MAX_BITS, BOUND, CONSTANTS, FUNCTIONS,  # noqa: F401
                          GREEK, GREEK_NAMES, FormulaError, _bits)

_TOKEN = re.compile(r"""(?P<ws>\s+)
 |(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
 |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
 |(?P<greek>[""" + "".join(GREEK) + r"""](?:_[A-Za-z0-9]+)?)
 |(?P<str>'[^']*'|"[^"]*")
 |(?P<op>\*\*|<=|>=|==|!=|[-+*/^(),=!√<>&|~])""", re.X)
_SPELLED = {"·": "*", "⋅": "*", "×": "*", "−": "-", "÷": "/", "∞": " oo ", "²": "^2", "³": "^3"}
_REFUSED = {".": "attribute access ('.') is not allowed",
            "[": "subscripts ('[') are not allowed", "]": "subscripts (']') are not allowed",
            ":": "':' (a lambda or a slice) is not allowed", ";": "';' is not allowed",
            "@": "'@' is not allowed", "%": "'%' is not allowed: use Mod(a, b)",
            "`": "'`' is not allowed", "#": "'#' is not allowed"}


def parse(text: str, symbols: Mapping[str, sp.Symbol] | None = None, *,
          notes: list[str] | None = None) -> sp.Expr:
    """The sympy expression of ``text`` (module docstring: what is accepted).

    ``symbols`` maps names to the symbols to use (with their assumptions); other names become
    plain ``Symbol(name)``. ``notes``, if a list, receives one sentence per reading choice the
    text left open (``x(1 - x)`` read as a product). Raises :class:`FormulaError`."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula is text, got {type(text).__name__}")
    if not text.strip():
        raise FormulaError("the formula is empty")
    symbols = dict(symbols or {})
    notes = notes if notes is not None else []
    if "\\" in text or "{" in text or "}" in text:
        from .parse_latex import parse_latex
        return parse_latex(text, symbols, notes)
    return _Parser(text, symbols, notes).formula()


class _Tuple(tuple):
    """``(a, b, c)``: only an argument of a bound form (``Integral(f, (t, 0, 1))``)."""


class _Str(str):
    """A quoted string: only the direction of a Limit."""


def _tokens(text: str) -> list[tuple[str, str, int]]:
    for old, new in _SPELLED.items():
        text = text.replace(old, new)
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            ch = text[pos]
            why = _REFUSED.get(ch, f"unexpected character {ch!r}")
            raise FormulaError(f"{why} (column {pos + 1} of {text.strip()!r})")
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group(), pos + 1))
        pos = m.end()
    out.append(("end", "", len(text) + 1))
    return out


def _number(tok: str) -> sp.Rational:
    mantissa, _, exponent = tok.lower().partition("e")
    if len(mantissa) > 1000 or (exponent and abs(int(exponent)) > 1000):
        raise FormulaError(f"the number {tok[:20]}... is too long to build exactly")
    return sp.Integer(tok) if tok.isdigit() else sp.Rational(tok)


def _variable_like(name: str) -> bool:
    """A single letter or a Greek name, with digits or a ``_`` subscript: ``x``, ``a2``,
    ``lambda_W``. Only such a name before ``(`` is read as a product; any other unknown name
    before ``(`` is an unknown function (an error)."""
    base = name.split("_")[0].rstrip("0123456789")
    return len(base) == 1 or base in GREEK_NAMES


class _Parser(Conditions):
    """Recursive descent: formula := sum; sum := term (('+'|'-') term)*;
    term := unary (('*'|'/'|implicit) unary)*; unary := ('-'|'+') unary | power;
    power := postfix (('**'|'^') unary)?; postfix := atom '!'*; atom := number | name | call |
    '(' sum ')' | '(' sum ',' ... ')' (a tuple, call arguments only)."""

    def __init__(self, text: str, symbols: dict, notes: list[str]):
        self.text, self.symbols, self.notes = text, symbols, notes
        self.toks, self.i = _tokens(text), 0
        self.made: dict[str, sp.Symbol] = {}

    # -- tokens --------------------------------------------------------------------------------
    def peek(self, k: int = 0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self):
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at(self, *ops: str) -> bool:
        kind, tok, _ = self.peek()
        return kind == "op" and tok in ops

    def fail(self, why: str, pos: int | None = None):
        pos = self.peek()[2] if pos is None else pos
        raise FormulaError(f"{why} (column {pos} of {self.text.strip()!r})")

    def value(self, v, pos: int):
        if isinstance(v, _Tuple):
            self.fail("a tuple '(a, b, ...)' is only allowed as an argument of Integral, Sum, "
                      "Product or Derivative", pos)
        if isinstance(v, _Str):
            self.fail("a string is only allowed as the direction of a Limit", pos)
        return v

    # -- grammar -------------------------------------------------------------------------------
    def formula(self) -> sp.Expr:
        e = self.value(self.sum(), 1)
        kind, tok, pos = self.peek()
        if kind != "end":
            self.fail(_LEFTOVER.get(tok, f"unexpected {tok!r}"), pos)
        return e

    def sum(self):
        pos = self.peek()[2]
        left = self.term()
        while self.at("+", "-"):
            op = self.take()[1]
            pos2 = self.peek()[2]
            right = self.value(self.term(), pos2)
            left = self.value(left, pos)
            left = left + right if op == "+" else left - right
        return left

    def starts_value(self) -> bool:
        kind, tok, _ = self.peek()
        return kind in ("num", "name", "greek") or (kind == "op" and tok in ("(", "√"))

    def term(self):
        pos = self.peek()[2]
        left, divided = self.unary(), False
        while True:
            if self.at("*", "/"):
                op = self.take()[1]
                pos2 = self.peek()[2]
                right = self.value(self.unary(), pos2)
                left = self.value(left, pos)
                left, divided = (left * right, False) if op == "*" else (left / right, True)
            elif self.starts_value():
                kind, tok, pos2 = self.peek()
                if divided:
                    self.fail("ambiguous implicit product after '/': write (a/b)*c or a/(b*c)",
                              pos2)
                if kind == "num":
                    self.fail(f"a number ({tok}) cannot follow a value without an operator", pos2)
                right = self.value(self.unary(), pos2)
                left = self.value(left, pos) * right
            else:
                return left

    def unary(self):
        if self.at("-", "+"):
            op, pos = self.take()[1], self.peek()[2]
            v = self.value(self.unary(), pos)
            return -v if op == "-" else v
        return self.power()

    def power(self):
        pos = self.peek()[2]
        base = self.postfix()
        if not self.at("**", "^"):
            return base
        op = self.take()[1]
        if self.peek()[0] == "end" or self.at(")", ",", "*", "/", "^", "**"):
            self.fail(f"'{op}' needs an exponent after it")
        pos2 = self.peek()[2]
        exp = self.value(self.unary(), pos2)
        base = self.value(base, pos)
        if base.is_Rational and exp.is_Rational and base not in (0, 1, -1) and \
                abs(exp) * _bits(base) > _MAX_BITS:
            self.fail(f"the number {base}^{exp} is too large to build exactly", pos)
        return base**exp

    def postfix(self):
        pos = self.peek()[2]
        v = self.atom()
        while self.at("!"):
            _, _, bang = self.take()
            if self.at("!") and self.peek()[2] == bang + 1:
                self.fail("'!!' is ambiguous: write factorial2(n) or factorial(factorial(n))")
            v = self.call_function("factorial", [self.value(v, pos)], bang)
        return v

    def atom(self):
        kind, tok, pos = self.take()
        if kind == "num":
            return _number(tok)
        if kind == "str":
            return _Str(tok[1:-1])
        if kind == "greek":
            return self.greek(tok, pos)
        if kind == "name":
            return self.name(tok, pos)
        if tok == "√":
            arg_pos = self.peek()[2]
            return sp.sqrt(self.value(self.postfix(), arg_pos))
        if tok == "(":
            return self.group(pos)
        if kind == "end":
            prev = self.toks[self.i - 2][1] if self.i >= 2 else ""
            self.fail(f"the formula ends after {prev!r}: a value is missing" if prev
                      else "the formula is empty", pos)
        self.fail("unmatched ')'" if tok == ")" else
                  f"unexpected {tok!r} where a value is expected", pos)

    def group(self, pos: int):
        items = [self.sum()]
        while self.at(","):
            self.take()
            items.append(self.sum())
        if not self.at(")"):
            kind, tok, at = self.peek()
            self.fail(f"unclosed parenthesis opened at column {pos}" if kind == "end" else
                      f"expected ')' to close the parenthesis of column {pos}, got {tok!r}", at)
        self.take()
        return _Tuple(items) if len(items) > 1 else items[0]

    def greek(self, tok: str, pos: int):
        name = GREEK[tok[0]] + tok[1:]
        if name == "pi" and "pi" not in self.symbols:
            return sp.pi
        if name == "Gamma" and self.at("("):
            self.take()
            return self.call("gamma", pos)
        return self.symbol(name)

    def symbol(self, name: str) -> sp.Symbol:
        if name in self.symbols:
            return self.symbols[name]
        return self.made.setdefault(name, sp.Symbol(name))

    def name(self, name: str, pos: int):
        if name.startswith("_"):
            self.fail(f"names starting with '_' are not allowed ({name!r})", pos)
        if name in TRUTH or name in CALLED or name in JOINED:
            self.fail(f"{name} is only allowed in a Piecewise condition, e.g. "
                      f"Piecewise((x, x < 1), (1, True))", pos)
        if keyword.iskeyword(name) and name != "lambda":
            self.fail(f"{name!r} is a Python keyword, not part of a formula", pos)
        called = self.at("(")
        if name in self.symbols:
            if called:
                self.notes.append(f"{name}(...) was read as the product {name}*(...), "
                                  f"since {name} is a symbol here")
            return self.symbols[name]
        if called and name == "Piecewise":
            self.take()
            return self.piecewise(pos)
        if called and (name in FUNCTIONS or name in BOUND):
            self.take()
            return self.call(name, pos)
        if name in CONSTANTS:
            return CONSTANTS[name]
        if (name in FUNCTIONS or name in BOUND) and name not in GREEK_NAMES:
            self.fail(f"{name} is a function: call it as {name}(...)", pos)
        if called:
            if not _variable_like(name):
                close = difflib.get_close_matches(name, [*FUNCTIONS, *BOUND], n=1, cutoff=0.7)
                hint = f" (did you mean {close[0]}?)" if close else ""
                self.fail(f"unknown function {name!r}{hint}; for a product write {name}*(...)",
                          pos)
            self.notes.append(f"{name}(...) was read as the product {name}*(...)")
        return self.symbol(name)

    def call(self, name: str, pos: int):
        args, kwargs = [], {}
        if self.at(")"):
            self.take()
        else:
            while True:
                kind, tok, at = self.peek()
                if kind == "name" and self.peek(1)[1] == "=" and self.peek(1)[0] == "op":
                    self.i += 2
                    kwargs[tok] = self.sum()
                else:
                    if kwargs:
                        self.fail("a positional argument after a keyword argument", at)
                    args.append(self.sum())
                if self.at(","):
                    self.take()
                    continue
                if self.at(")"):
                    self.take()
                    break
                kind, tok, at = self.peek()
                self.fail(f"unclosed parenthesis of {name}( opened at column {pos}"
                          if kind == "end" else f"expected ',' or ')' in {name}(...), got {tok!r}",
                          at)
        if name in BOUND:
            return self.call_bound(name, args, kwargs, pos)
        if kwargs:
            self.fail(f"{name}() takes no keyword arguments", pos)
        return self.call_function(name, [self.value(a, pos) for a in args], pos)

    def call_function(self, name: str, args: list, pos: int):
        fn, lo, hi = FUNCTIONS[name]
        if not lo <= len(args) <= hi:
            want = f"{lo}" if lo == hi else f"{lo} to {hi}" if hi < _MANY else f"at least {lo}"
            self.fail(f"{name}() takes {want} argument(s), got {len(args)}", pos)
        if name in _HUGE_ARG and any(a.is_Integer and abs(a) > 10**5 for a in args):
            return fn(*args, evaluate=False)
        return fn(*args)

    def call_bound(self, name: str, args: list, kwargs: dict, pos: int):
        cls = BOUND[name]
        if len(args) < 2:
            self.fail(f"{name}() needs a formula and a variable, e.g. {_EXAMPLE[cls]}", pos)
        body = self.value(args[0], pos)
        if cls is sp.Limit:
            if set(kwargs) - {"dir"} or len(args) > 4 or (len(args) == 4 and kwargs):
                self.fail("Limit(f, x, x0) takes dir='+', '-' or '+-' as its only option", pos)
            if len(args) < 3:
                self.fail(f"Limit() needs a formula, a variable and a point, e.g. {_EXAMPLE[cls]}",
                          pos)
            direction = args[3] if len(args) == 4 else kwargs.get("dir", _Str("+"))
            if not isinstance(direction, _Str) or direction not in ("+", "-", "+-"):
                self.fail("the direction of a Limit is '+', '-' or '+-'", pos)
            var, point = args[1], self.value(args[2], pos)
            if not isinstance(var, sp.Symbol):
                self.fail("the variable of a Limit must be a name", pos)
            return sp.Limit(body, var, point, dir=str(direction))
        if kwargs:
            self.fail(f"{name}() takes no keyword arguments", pos)
        limits, rest = [], list(args[1:])
        if cls is sp.Derivative:          # Derivative(f, x, 2) is Derivative(f, (x, 2))
            for k in range(len(rest) - 1, 0, -1):
                if getattr(rest[k], "is_Integer", False) and isinstance(rest[k - 1], sp.Symbol):
                    rest[k - 1:k + 1] = [_Tuple(rest[k - 1:k + 1])]
        for a in rest:
            items = list(a) if isinstance(a, _Tuple) else [a]
            if not isinstance(items[0], sp.Symbol) or isinstance(items[0], _Str):
                self.fail(f"the variable of {name}() must be a name, e.g. {_EXAMPLE[cls]}", pos)
            ranged = cls in (sp.Sum, sp.Product)
            if (ranged and len(items) != 3) or len(items) > 3 or any(
                    isinstance(x, (_Str, _Tuple)) for x in items):
                self.fail(f"bad variable range in {name}(): write {_EXAMPLE[cls]}", pos)
            limits.append(tuple(items) if len(items) > 1 else items[0])
        if cls is sp.Derivative and any(len(x) != 2 or not x[1].is_Integer or x[1] < 0
                                         for x in limits if isinstance(x, tuple)):
            self.fail("Derivative(f, x, n) needs a whole number n >= 0 of derivatives", pos)
        return cls(body, *limits)


_LEFTOVER = {")": "unmatched ')'", "=": "'=' is not allowed: give one side of the equation",
             "|": "'|' is only allowed between Piecewise conditions: use Abs(x) for |x|",
             "&": "'&' is only allowed between Piecewise conditions",
             **{op: "comparisons are only allowed in a Piecewise condition" for op in RELATIONS}}
_EXAMPLE = {sp.Integral: "Integral(exp(-t), (t, 0, oo))", sp.Sum: "Sum(1/k**2, (k, 1, oo))",
            sp.Product: "Product(1 - 1/k**2, (k, 2, n))", sp.Limit: "Limit(sin(x)/x, x, 0)",
            sp.Derivative: "Derivative(x**3, x, 2)"}
