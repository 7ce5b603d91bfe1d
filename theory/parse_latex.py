r"""LaTeX formula text to a sympy expression: sympy's LaTeX parser, then the same whitelist.

``parse_latex(r"\frac{\sigma^2\gamma}{1-\gamma}")`` runs sympy's ANTLR LaTeX grammar (the runtime
dependency ``antlr4-python3-runtime==4.11.*``; no Python is evaluated) and rebuilds its output node
by node from :data:`theory.parse.FUNCTIONS`, so a LaTeX formula can contain nothing a plain one
cannot. The reading rules:

- ``\sigma`` is the symbol ``sigma``, ``\lambda_{W}`` (or ``\lambda_{\mathrm{W}}``) is ``lambda_W``;
  ``\pi`` is pi, ``e`` Euler's number, ``\infty`` infinity (a declared symbol of the same name
  wins); ``i`` is a symbol, not the imaginary unit.
- A letter before parentheses is a product, as on paper: ``\gamma(1-\gamma)^{-1}`` is
  ``gamma*(1 - gamma)**(-1)`` and ``x(1-x)`` is ``x*(1 - x)`` (the verdict notes it); ``\Gamma(x)``
  is the Gamma function; other functions are written ``\operatorname{erf}(x)`` or
  ``\mathrm{erf}(x)`` (names of :data:`~theory.parse.FUNCTIONS`; ``\zeta(2)`` is a product, the
  Riemann zeta function is ``\operatorname{zeta}(2)``); ``\exp``, ``\ln``, ``\log``,
  ``\sin`` ... ``\min``, ``\max``, ``\binom``, ``|x|``, ``n!``, ``\sqrt[3]{x}`` as usual.
- ``\int_a^b f\,dt``, ``\sum_{k=0}^{\infty}``, ``\prod``, ``\lim_{x \to 0}``, ``\frac{d}{dx}`` are
  the bound forms; an integral must name its differential (``dt`` or ``\mathrm{d}t``).
- Decimals are exact (``0.97`` is 97/100). ``=``, ``\mathbf``, ``\text`` and unknown commands are
  refused with a one-line :class:`~theory.parse.FormulaError`.
"""
from __future__ import annotations

import re
from typing import Mapping

import sympy as sp
from sympy.core.function import AppliedUndef

from .parse_names import _MAX_BITS, BOUND, CONSTANTS, FUNCTIONS, GREEK_NAMES, FormulaError, _bits

_OPNAME = "opname"                  # \operatorname{erf} -> \opnameerf, read back as erf
_WORD = re.compile(r"\\(?:operatorname|mathrm|rm|mathit)\s*\{\s*([A-Za-z]+)\s*\}")
_REFUSED = re.compile(r"\\(mathbf|boldsymbol|bm|text|textrm|mathcal|mathbb|vec|hat|tilde|bar)\b")
_DECIMAL = re.compile(r"\d*\.\d+|\d+\.\d*")
_LATEX_NAMES = {"Gamma": "gamma", "sgn": "sign"}
_GREEK = "|".join(sorted((n for n in GREEK_NAMES if n not in ("pi",)), key=len, reverse=True))
_LETTER = r"(?<![\\A-Za-z])[A-Za-z]"                 # a letter that is not part of a command
_SUBSCRIPT = re.compile(
    r"(\\(?:var)?(?:" + _GREEK + r")(?![A-Za-z])|" + _LETTER + r")\s*_\s*"
    r"(\{\s*(?:[A-Za-z0-9]|\\(?:" + _GREEK + r")(?![A-Za-z])|\s)+\}|[A-Za-z0-9])")
_PRODUCT = re.compile(
    r"(\\(?:var)?(?:" + "|".join(n for n in _GREEK.split("|") if n != "Gamma") +
    r"|subscripted[A-Z]+)(?![A-Za-z])|" + _LETTER + r")\s*(?=\(|\\left\s*\()")
_ALLOWED = {sp.Add, sp.Mul, sp.Pow, sp.Tuple, *BOUND.values(),
            *(fn for fn, _, _ in FUNCTIONS.values() if isinstance(fn, type))}


def parse_latex(text: str, symbols: Mapping[str, sp.Symbol] | None = None,
                notes: list[str] | None = None) -> sp.Expr:
    """The sympy expression of the LaTeX ``text`` (module docstring); raises FormulaError."""
    symbols = dict(symbols or {})
    notes = notes if notes is not None else []
    if text.count("{") != text.count("}"):
        raise FormulaError(f"unbalanced braces in the LaTeX {text.strip()!r}")
    m = _REFUSED.search(text)
    if m:
        raise FormulaError(f"\\{m.group(1)} is not supported in a formula (in {text.strip()!r})")
    pre = re.sub(r"\\(?:mathrm|operatorname|rm)\s*\{\s*d\s*\}", " d", text)
    pre = _WORD.sub(lambda m: _word(m.group(1), text), pre)
    pre = _brace_arguments(pre)
    pre, subscripted = _subscripts(pre)
    pre = _PRODUCT.sub(lambda m: _product(m, subscripted, notes), pre)
    exact = {float(d): sp.Rational(d) for d in _DECIMAL.findall(pre)}
    try:
        from sympy.parsing.latex import parse_latex as antlr_parse
        from sympy.parsing.latex.errors import LaTeXParsingError
    except ImportError:                                         # pragma: no cover
        raise FormulaError("LaTeX input needs sympy's LaTeX parser") from None
    try:
        raw = antlr_parse(pre)
    except ImportError:
        raise FormulaError("LaTeX input needs antlr4-python3-runtime 4.11 "
                           "(pip install 'antlr4-python3-runtime==4.11.*')") from None
    except (LaTeXParsingError, TypeError, ValueError, AttributeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FormulaError(f"cannot read the LaTeX {text.strip()!r}: {first}") from None
    return _Rebuild(text, pre, symbols, notes, exact, subscripted).node(raw)


def _word(name: str, text: str) -> str:
    if name in FUNCTIONS or name in _LATEX_NAMES:
        return f"\\{_OPNAME}{name}"
    if len(name) == 1:
        return f" {name} "
    raise FormulaError(f"unknown function \\operatorname{{{name}}} in {text.strip()!r}")


def _brace_arguments(pre: str) -> str:
    """``\\opnameacos{x}`` and ``\\log{x}`` (as sympy prints them) as
    ``\\opnameacos\\left(x\\right)``."""
    out, i = [], 0
    for m in re.finditer(r"\\(?:" + _OPNAME + r"[A-Za-z]+|log|ln|exp|sin|cos|tan)\s*\{", pre):
        if m.start() < i:
            continue
        depth, j = 1, m.end()
        while j < len(pre) and depth:
            depth += {"{": 1, "}": -1}.get(pre[j], 0)
            j += 1
        out += [pre[i:m.end() - 1].rstrip(), r"\left(", pre[m.end():j - 1], r"\right)"]
        i = j
    return "".join(out) + pre[i:]


def _subscripts(pre: str) -> tuple[str, dict[str, str]]:
    """``X_{min}``, ``\\zeta_{\\xi}``, ``a_1`` as one placeholder command each (the grammar would
    read ``min`` as a product), with the names they stand for: ``X_min``, ``zeta_xi``, ``a_1``."""
    names: dict[str, str] = {}

    def one(m):
        base = m.group(1).lstrip("\\")
        sub = re.sub(r"[\\{}\s]", "", m.group(2))
        key = "subscripted" + "".join(chr(65 + int(c)) for c in str(len(names)))
        names[key] = f"{base}_{sub}"
        return f" \\{key} "
    pre = _SUBSCRIPT.sub(one, pre)
    return pre, names


def _product(m, subscripted: dict, notes: list) -> str:
    name = m.group(1).lstrip("\\")
    notes.append(f"{subscripted.get(name, name)}(...) was read as the product "
                 f"{subscripted.get(name, name)}*(...)")
    return f"{m.group(1)} \\cdot "


class _Rebuild:
    """The ANTLR parser's expression, node by node, through the whitelist (evaluating sympy's
    automatic simplifications as a plain formula would)."""

    def __init__(self, text, pre, symbols, notes, exact, subscripted):
        self.text, self.pre, self.symbols, self.notes, self.exact = text, pre, symbols, notes, exact
        self.subscripted = subscripted
        self.made: dict[str, sp.Symbol] = {}

    def fail(self, why: str):
        raise FormulaError(f"{why} (in {self.text.strip()!r})")

    def symbol(self, raw: str):
        name = self.subscripted.get(raw, raw)
        name = name.replace("\\", "").replace("{", "").replace("}", "").replace(" ", "")
        name = re.sub(r"^var(?=[a-z])", "", name) if name[3:].split("_")[0] in GREEK_NAMES else name
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            self.fail(f"cannot read the symbol {raw!r}")
        for candidate in (name, name.replace("_", "")):  # C_{0} is the declared C0
            if candidate in self.symbols:
                return self.symbols[candidate]
        if name in ("pi", "e"):
            return CONSTANTS[name]
        return self.made.setdefault(name, sp.Symbol(name))

    def function_name(self, f) -> str | None:
        """The whitelisted function ``f`` names, or None where it is a letter (a product)."""
        name = type(f).__name__
        if name.startswith(_OPNAME):
            return name[len(_OPNAME):]
        if name in _LATEX_NAMES:
            return _LATEX_NAMES[name]
        return name if name in FUNCTIONS and name not in GREEK_NAMES else None

    def node(self, e):
        if e.is_Float:
            return self.exact.get(float(e), sp.Rational(repr(float(e))))
        if e.is_Number or e in (sp.oo, -sp.oo, sp.pi, sp.E, sp.I):
            return e
        if isinstance(e, sp.Symbol):
            return self.symbol(e.name)
        if isinstance(e, AppliedUndef):
            name = self.function_name(e)
            if name:
                return self.call(name, [self.node(a) for a in e.args])
            return self.product(e)
        if isinstance(e, sp.Limit):
            body, z, z0, d = e.args
            return sp.Limit(self.node(body), self.node(z), self.node(z0), dir=str(d))
        if isinstance(e, sp.Integral):
            self.differentials(e)
        if isinstance(e, sp.core.relational.Relational):
            self.fail("'=' and comparisons are not allowed: give one side of the equation")
        if type(e) not in _ALLOWED:
            self.fail(f"LaTeX gave {type(e).__name__}, which a formula cannot contain")
        args = [self.node(a) for a in e.args]
        if isinstance(e, sp.Pow) and args[0].is_Rational and args[1].is_Rational and \
                args[0] not in (0, 1, -1) and abs(args[1]) * _bits(args[0]) > _MAX_BITS:
            self.fail("a number too large to build exactly")
        return type(e)(*args)

    def call(self, name: str, args: list):
        fn, lo, hi = FUNCTIONS[name]
        if not lo <= len(args) <= hi:
            self.fail(f"{name}() takes {lo} to {hi} argument(s), got {len(args)}")
        return fn(*args)

    def product(self, f):
        name = type(f).__name__
        base = self.subscripted.get(name, name).split("_")[0]
        if len(f.args) != 1 or not (len(base) == 1 or base in GREEK_NAMES):
            self.fail(f"unknown function {name!r}: write \\operatorname{{name}}(...) with a "
                      f"known function, or a product with \\cdot")
        self.notes.append(f"{name}(...) was read as the product {name}*(...)")
        return self.symbol(name) * self.node(f.args[0])

    def differentials(self, e: sp.Integral):
        for lim in e.limits:
            var = lim[0].name
            if not re.search(r"(?<![A-Za-z\\])d\s*(?:\\)?" + re.escape(var) + r"(?![A-Za-z])",
                             self.pre):
                self.fail("an integral needs its differential, e.g. dt or \\mathrm{d}t")
        if any(s.name == "d" for s in e.function.free_symbols):
            self.fail("could not read the differential of the integral: write dt or \\,dt")
