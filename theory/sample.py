"""Where :func:`theory.check` compares two formulas numerically: a range per symbol, points in it.

A symbol's :class:`Range` is its assumptions (``positive``: (0, oo); ``nonnegative``: [0, oo);
``integer``: the integers; ``even``/``odd``; ``complex``: the complex plane; no assumption: the
real line) intersected with the stated domain (a registered formula's ``domain``, or ``domain=``:
open intervals). :func:`points` draws ``n`` points, the same for every run (a ``random.Random``
seeded with ``seed``, symbols taken in name order, so nothing depends on the hash seed). The first
``probes`` points lie inside every range; each symbol's other values mix random interior values
with its edge values, shuffled independently per symbol:

- a finite end ``a`` of width ``w``: ``a`` itself where closed, and ``a +- w*f`` for ``f`` in
  1e-2, 1e-5, 1e-9 (so a clip such as ``Min(rho, 0.97)`` on (-1, 1) is seen);
- an unbounded side: ``a +- s*10**k`` for ``k`` in 3, 6, 10 (``s = max(1, |a|)``), and on the
  whole line 0, +-1e-2, +-1e-6 too;
- integers: both ends and their two neighbours, 0 and +-1, +-2 on the whole line, far values
  (+-1000, +-10**6), and every integer of a range with at most ``n`` of them.

Values are exact fractions (decimals of 12 digits, or exact edge offsets), so that a point means
the same number at every working precision.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

import sympy as sp

from .parse import FormulaError

EDGE = (Fraction(1, 10**2), Fraction(1, 10**5), Fraction(1, 10**9))
FAR = (10**3, 10**6, 10**10)
Value = Fraction | tuple          # a real point, or (re, im) of a complex one


@dataclass(frozen=True)
class Range:
    """One symbol's sampling range: ``lo``/``hi`` (None: unbounded), open or closed ends,
    integer-valued (with a parity) or not, or ``kind`` "complex" / "imaginary"."""

    lo: Fraction | None = None
    hi: Fraction | None = None
    lo_open: bool = True
    hi_open: bool = True
    integer: bool = False
    parity: int | None = None
    nonzero: bool = False
    kind: str = "real"

    def __str__(self) -> str:
        if self.kind != "real":
            return f"the {self.kind} plane" if self.kind == "complex" else "the imaginary axis"
        lo = "-oo" if self.lo is None else _show(self.lo)
        hi = "oo" if self.hi is None else _show(self.hi)
        what = {0: "even integers", 1: "odd integers"}.get(self.parity, "integers") \
            if self.integer else ""
        span = f"{'(' if self.lo_open or self.lo is None else '['}{lo}, " \
               f"{hi}{')' if self.hi_open or self.hi is None else ']'}"
        return f"{what} in {span}" if what else f"in {span}"


def _show(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{float(x):.12g}"


def as_fraction(x) -> Fraction | None:
    """A domain bound as an exact fraction; None for an infinite one (``oo``, ``"-oo"``, inf)."""
    if isinstance(x, str):
        from .parse import parse
        x = parse(x)
    try:
        x = sp.sympify(x, strict=True)
    except sp.SympifyError:
        raise FormulaError(f"a domain bound must be a number, got {x!r}") from None
    if x in (sp.oo, -sp.oo) or (x.is_Float and not x.is_finite):
        return None
    if not (x.is_number and x.is_real):
        raise FormulaError(f"a domain bound must be a real number, got {x}")
    if x.is_Float:
        x = sp.Rational(repr(float(x)))
    elif not x.is_Rational:
        x = sp.Rational(repr(float(x)))
    return Fraction(int(x.p), int(x.q))


def symbol_range(sym: sp.Symbol, given: tuple | None = None) -> Range:
    """``sym``'s assumptions intersected with the open interval ``given = (lo, hi)``."""
    if sym.is_real is not True:
        return Range(kind="imaginary" if sym.is_imaginary else "complex")
    lo = 0 if sym.is_nonnegative else None
    hi = 0 if sym.is_nonpositive else None
    lo_open, hi_open = bool(sym.is_positive), bool(sym.is_negative)
    if given is not None:                       # a stated domain is an open interval
        glo, ghi = (as_fraction(v) for v in given)
        if glo is not None and (lo is None or glo >= lo):
            lo, lo_open = glo, True
        if ghi is not None and (hi is None or ghi <= hi):
            hi, hi_open = ghi, True
    r = Range(None if lo is None else Fraction(lo), None if hi is None else Fraction(hi),
              lo_open, hi_open, bool(sym.is_integer),
              0 if sym.is_even else 1 if sym.is_odd else None, sym.is_zero is False)
    if r.lo is not None and r.hi is not None and (r.lo > r.hi or (
            r.lo == r.hi and (r.lo_open or r.hi_open))):
        raise FormulaError(f"the domain of {sym.name} is empty: {r} with its assumptions")
    if r.integer and not _integer_values(r, random.Random(0))[0]:
        raise FormulaError(f"the domain of {sym.name} holds no integer: {r}")
    return r


def _decimal(x: float) -> Fraction:
    return Fraction(f"{x:.12g}")


def _continuous(r: Range, rng: random.Random) -> tuple[list, object]:
    """The edge values of a real range, and a function drawing one interior value."""
    lo, hi, edges = r.lo, r.hi, []
    if lo is not None and hi is not None:
        w = hi - lo
        edges = [lo + w * f for f in EDGE] + [hi - w * f for f in EDGE]
        draw = lambda: lo + w * _decimal(rng.uniform(0.001, 0.999))        # noqa: E731
    elif lo is not None or hi is not None:
        a, sign = (lo, 1) if lo is not None else (hi, -1)
        s = max(Fraction(1), abs(a))
        edges = [a + sign * s * f for f in EDGE] + [a + sign * s * k for k in FAR]
        draw = lambda: a + sign * s * _decimal(10 ** rng.uniform(-1.5, 1.5))  # noqa: E731
    else:
        edges = [Fraction(0), *(sg * f for f in (EDGE[0], Fraction(1, 10**6)) for sg in (1, -1)),
                 *(sg * Fraction(k) for k in FAR for sg in (1, -1))]
        draw = lambda: rng.choice((1, -1)) * _decimal(10 ** rng.uniform(-1.5, 1.3))  # noqa: E731
    if lo is not None and not r.lo_open:
        edges.append(lo)
    if hi is not None and not r.hi_open:
        edges.append(hi)
    if r.nonzero:
        edges = [e for e in edges if e != 0]
    return edges, draw


def _integer_values(r: Range, rng: random.Random) -> tuple[list[int], object]:
    """The edge integers of ``r`` (every integer of a range of at most 50), and a function
    drawing one interior integer."""
    lo = None if r.lo is None else math.floor(r.lo) + 1 if r.lo_open else math.ceil(r.lo)
    hi = None if r.hi is None else math.ceil(r.hi) - 1 if r.hi_open else math.floor(r.hi)
    ok = lambda k: (r.parity is None or k % 2 == r.parity) and not (r.nonzero and k == 0)  # noqa
    if lo is not None and hi is not None and hi - lo <= 50:
        edges = [k for k in range(lo, hi + 1) if ok(k)]
        return edges, (lambda: rng.choice(edges)) if edges else None
    if lo is None and hi is None:
        edges, a, b = [0, 1, -1, 2, -2, 3, -3, 1000, -1000, 10**6, -10**6], -50, 50
    elif hi is None:
        edges, a, b = [*range(lo, lo + 4), lo + 1000, lo + 10**6], lo, lo + 100
    elif lo is None:
        edges, a, b = [*range(hi - 3, hi + 1), hi - 1000, hi - 10**6], hi - 100, hi
    else:
        edges, a, b = [*range(lo, lo + 4), *range(hi - 3, hi + 1)], lo, hi

    def draw():
        for _ in range(1000):
            k = rng.randint(a, b)
            if ok(k):
                return k
        raise FormulaError(f"no integer found in {r}")                # pragma: no cover
    return [k for k in edges if ok(k)], draw


def values(r: Range, n: int, rng: random.Random, probes: int = 3) -> list[Value]:
    """``n`` values of one symbol: ``probes`` interior ones, then edges and interior, shuffled."""
    if r.kind != "real":
        def draw():
            rad, phi = 10 ** rng.uniform(-1, 1), rng.uniform(0, 2 * math.pi)
            z = (_decimal(rad * math.cos(phi)), _decimal(rad * math.sin(phi)))
            return (Fraction(0), z[1]) if r.kind == "imaginary" else z
        out = [draw() for _ in range(n)]
        specials = [(Fraction(0), Fraction(1)), (Fraction(0), Fraction(-2))]
        if r.kind == "complex":
            specials += [(Fraction(1), Fraction(0)), (Fraction(-3), Fraction(0))]
        rest = specials + out[probes:]
        rng.shuffle(rest)
        return out[:probes] + rest[:n - probes]
    if r.integer:
        edges, draw = _integer_values(r, rng)
        edges = [Fraction(k) for k in edges]
        head = [Fraction(draw()) for _ in range(probes)]
        rest = (edges * (1 + n // len(edges)))[:n - probes] if len(edges) < n - probes and \
            r.lo is not None and r.hi is not None and r.hi - r.lo <= 51 else \
            edges[:n - probes] + [Fraction(draw()) for _ in range(n - probes - len(edges))]
        rng.shuffle(rest)
        return head + rest
    edges, draw = _continuous(r, rng)
    head = [draw() for _ in range(probes)]
    rest = edges[:n - probes] + [draw() for _ in range(n - probes - len(edges))]
    rng.shuffle(rest)
    return head + rest


def points(ranges: Mapping[sp.Symbol, Range], n: int = 24, seed: int = 0,
           probes: int = 3) -> list[dict[sp.Symbol, Value]]:
    """``n`` points over ``ranges`` (module docstring); deterministic for a given ``seed``."""
    rng = random.Random(seed)
    cols = {s: values(ranges[s], n, rng, probes) for s in sorted(ranges, key=lambda s: s.name)}
    return [{s: col[i] for s, col in cols.items()} for i in range(n)]


def describe(ranges: Mapping[sp.Symbol, Range]) -> str:
    """``"gamma in (0, 1), sigma in (0, oo)"``."""
    return ", ".join(f"{s.name} {r}" if r.kind == "real" else f"{s.name} in {r}"
                     for s, r in sorted(ranges.items(), key=lambda kv: kv[0].name)) or \
        "no free symbol"
