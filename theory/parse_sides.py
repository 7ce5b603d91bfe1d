"""Both sides of a check over one table of symbols: :func:`read` for :func:`theory.check`.

A side is a registered formula (``"double_descent.risk_under"``, or its short name where unique), a
:class:`~theory.formulas.Formula`, formula text (:func:`theory.parse.parse`) or a sympy expression.
A name means one symbol on both sides, with the assumptions of every symbol of that name, of
``assumptions=`` and of the sign of a ``domain=`` interval, real when nothing says otherwise;
floats become the exact decimals they print as. Names on one side only are noted, with "did you
mean" against the other side's names.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Mapping

import sympy as sp

from . import sample
from .formulas import Formula, formula, formulas
from .parse import FormulaError, parse

ASSUMPTIONS = ("real", "complex", "imaginary", "positive", "negative", "nonnegative",
               "nonpositive", "nonzero", "integer", "rational", "even", "odd", "finite")
_QUALIFIED = re.compile(r"[A-Za-z_]\w*\.[A-Za-z_]\w*")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass
class _Side:
    expr: sp.Expr
    label: str          # the text as given, or the registered name
    domain: dict
    notes: list
    registered: bool = False


def _registered(text: str) -> Formula | None:
    """The registered formula ``text`` names, None if it names none (then it is a formula)."""
    t = text.strip()
    if _QUALIFIED.fullmatch(t):
        try:
            return formula(t)
        except KeyError as exc:
            raise FormulaError(str(exc.args[0])) from None
    if not _IDENTIFIER.fullmatch(t):
        return None
    short = {}
    for name, f in formulas().items():
        short.setdefault(name.split(".", 1)[1], []).append(name)
    if t in short and len(short[t]) > 1:
        raise FormulaError(f"{t!r} names several formulas: {', '.join(short[t])}")
    if t in short:
        return formula(short[t][0])
    close = difflib.get_close_matches(t, short, n=1, cutoff=0.85)
    if close and "_" in t:
        raise FormulaError(f"no formula named {t!r}; did you mean {short[close[0]][0]}?")
    return None


def _side(x, declared: Mapping[str, sp.Symbol]) -> _Side:
    if isinstance(x, str):
        f = _registered(x)
        if f is None:
            notes: list[str] = []
            return _Side(parse(x, declared, notes=notes), x.strip(), {}, notes)
        x = f
    if isinstance(x, Formula):
        label = next((k for k, g in formulas().items() if g is x), x.name)
        return _Side(x.expr, label, dict(x.domain), [], True)
    try:
        e = sp.sympify(x, strict=True)
    except sp.SympifyError:
        raise FormulaError(f"cannot use a {type(x).__name__} as a formula") from None
    return _Side(e, sp.sstr(e), {}, [])


def _exact(e: sp.Basic) -> sp.Basic:
    """Floats as the exact decimals they print as (2.7482 is 13741/5000)."""
    return e.xreplace({f: sp.Rational(repr(float(f))) if f._prec <= 53 else sp.Rational(str(f))
                       for f in e.atoms(sp.Float)})


def _flags(name: str, spec) -> dict[str, bool]:
    if isinstance(spec, str):
        spec = [w for w in re.split(r"[\s,]+", spec.strip()) if w]
    flags = dict(spec) if isinstance(spec, Mapping) else {w: True for w in spec}
    for key in flags:
        if key not in ASSUMPTIONS:
            close = difflib.get_close_matches(key, ASSUMPTIONS, n=1)
            raise FormulaError(f"unknown assumption {key!r} for {name}" +
                               (f" (did you mean {close[0]}?)" if close else "") +
                               f"; known: {', '.join(ASSUMPTIONS)}")
    return {k: bool(v) for k, v in flags.items()}


def _canonical(name: str, seen: list[sp.Symbol], extra: dict[str, bool]) -> sp.Symbol:
    """One symbol for ``name``: the assumptions of every symbol of that name, plus ``extra``,
    real when nothing says otherwise."""
    flags: dict[str, bool] = {}
    for s in seen:
        for k, v in s.assumptions0.items():
            if flags.setdefault(k, v) != v:
                raise FormulaError(f"{name} has contradicting assumptions on the two sides ({k})")
    try:
        sym = sp.Symbol(name, **{**flags, **extra})
        if sym.is_real is None and not extra.get("complex") and not extra.get("imaginary"):
            sym = sp.Symbol(name, **{**flags, **extra, "real": True})
    except Exception as exc:                          # sympy's InconsistentAssumptions
        raise FormulaError(f"inconsistent assumptions for {name}: {exc}") from None
    return sym


def _unknown(kind: str, names, known) -> None:
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            raise FormulaError(f"{kind} names {name!r}, which appears in neither formula" +
                               (f" (did you mean {close[0]}?)" if close else ""))


def _one_sided(mine: set[str], theirs: set[str], label: str, other: str) -> list[str]:
    out = []
    for name in sorted(mine - theirs):
        close = difflib.get_close_matches(name, sorted(theirs - mine), n=1, cutoff=0.6)
        out.append(f"{name} appears only in {label}" + (f" (did you mean {close[0]}?)"
                                                           if close else ""))
    return out


def read(expr, against, assumptions: dict, domain: dict):
    """Both sides over one table of symbols, their sampling ranges, their labels and the notes
    (one-sided names, reading choices); raises FormulaError."""
    declared = {n: sp.Symbol(n) for n in (*assumptions, *domain)}
    rhs = _side(against, declared)
    declared.update({s.name: s for s in rhs.expr.free_symbols if isinstance(s, sp.Symbol)})
    lhs = _side(expr, declared)
    names_l = {s.name for s in lhs.expr.free_symbols}
    names_r = {s.name for s in rhs.expr.free_symbols}
    _unknown("an assumption", assumptions, names_l | names_r)
    _unknown("the domain", domain, names_l | names_r)
    extra = {n: _flags(n, a) for n, a in assumptions.items()}
    for name, span in domain.items():            # an open interval's sign is an assumption too
        lo, hi = (sample.as_fraction(v) for v in span)
        sign = "positive" if lo is not None and lo >= 0 else \
            "negative" if hi is not None and hi <= 0 else None
        if sign and "complex" not in extra.get(name, {}):
            extra.setdefault(name, {}).setdefault(sign, True)
    seen: dict[str, list] = {}
    for s in (*lhs.expr.free_symbols, *rhs.expr.free_symbols):
        seen.setdefault(s.name, []).append(s)
    canon = {n: _canonical(n, ss, extra.get(n, {})) for n, ss in sorted(seen.items())}
    a = _exact(lhs.expr.xreplace({s: canon[s.name] for s in lhs.expr.free_symbols}))
    b = _exact(rhs.expr.xreplace({s: canon[s.name] for s in rhs.expr.free_symbols}))
    left = lhs.label if lhs.registered else "your formula"
    right = rhs.label if rhs.registered else "the other formula"
    notes = _one_sided(names_l, names_r, left, right) + \
        _one_sided(names_r, names_l, right, left) + lhs.notes + rhs.notes
    dom = {**lhs.domain, **rhs.domain, **domain}
    ranges = {s: sample.symbol_range(s, dom.get(s.name)) for s in canon.values()}
    shown = (lhs.label if len(lhs.label) <= 60 else left, rhs.label if len(rhs.label) <= 60
             else right)
    return a, b, ranges, shown, tuple(notes)
