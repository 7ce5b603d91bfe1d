"""Evaluate a sympy expression at a point with mpmath, and decide whether two sides agree there.

:func:`evaluate` walks the expression tree itself (no ``lambdify``, no code generation) at a
given working precision: elementary and special functions map to their mpmath counterparts (the
ones sympy's own ``evalf`` uses, so branch cuts agree), values may be complex, ``Integral`` is
``mp.quad``, an infinite ``Sum``/``Product`` is ``mp.nsum``/``mp.nprod`` (checked against a
second run with 15 more digits), a finite one is summed term by term (at most 10**4 terms),
``Derivative`` is ``mp.diff``, ``Limit`` is sympy's ``limit`` at the exact point. A pole, a
non-finite value, a divergent sum or an unsupported node raises :class:`Undefined`.

:func:`compare` decides one point, by precision doubling rather than a fixed tolerance:

1. at ``dps`` digits the two values agree to ``dps - 20`` significant digits: **equal**;
2. otherwise both are evaluated again at ``2*dps`` and ``4*dps`` digits (``+20``, ``+40`` where a
   quadrature or a series is involved). A real difference does not depend on the precision: when
   the difference of two successive levels agrees to 6 digits, the point is a **counterexample**
   (so ``x*exp(-400)`` against ``0`` differs, though the values are 1e-174 apart). Rounding
   leftovers shrink with the precision: when a level agrees to its own ``p - 20`` digits, or the
   last difference is below ``10**-(p - 20)`` times the largest magnitude met while evaluating
   (terms of a sum, arguments of functions: the absolute tolerance), the point is **equal** (an
   exact 0 against a 1e-160 leftover is equal);
3. a difference that neither settles nor vanishes raises :class:`Undefined` (the point is skipped).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

import mpmath as mp
import sympy as sp


class Undefined(Exception):
    """No finite value at this point (a pole, a divergent sum, an unsupported function...)."""


_F1 = {n: getattr(mp, n) for n in (
    "exp sin cos tan cot sec csc asin acos atan acot asec acsc sinh cosh tanh coth sech csch"
    " asinh acosh atanh acoth asech acsch gamma loggamma digamma erf erfc erfi erfinv"
    " sinc").split()}
_FN = {
    **_F1, "log": mp.log, "Abs": abs, "re": mp.re, "im": mp.im, "conjugate": mp.conj,
    "arg": mp.arg, "factorial": mp.factorial, "factorial2": mp.fac2, "erfcinv":
    lambda x: mp.erfinv(1 - x), "polygamma": mp.psi, "beta": mp.beta, "zeta": mp.zeta,
    "besselj": mp.besselj, "bessely": mp.bessely, "besseli": mp.besseli, "besselk": mp.besselk,
    "binomial": mp.binomial, "RisingFactorial": mp.rf, "FallingFactorial": mp.ff,
    "polylog": mp.polylog, "lowergamma": lambda s, x: mp.gammainc(s, 0, x),
    "uppergamma": lambda s, x: mp.gammainc(s, x), "LambertW": mp.lambertw,
    "expint": mp.expint, "Ei": mp.ei, "li": mp.li, "Si": mp.si, "Ci": mp.ci, "Shi": mp.shi,
    "Chi": mp.chi, "elliptic_k": mp.ellipk, "elliptic_e": mp.ellipe,
    "harmonic": lambda n, m=1: mp.harmonic(n) if m == 1 else mp.zeta(m) - mp.zeta(m, n + 1),
    "KroneckerDelta": lambda i, j: mp.mpf(i == j),
    "sign": lambda z: z if z == 0 else z / abs(z),
}
_REAL = {"floor": mp.floor, "ceiling": mp.ceil, "atan2": mp.atan2, "Min": min, "Max": max,
         "Mod": lambda a, b: a - b * mp.floor(a / b),
         "Heaviside": lambda x, h0=mp.mpf(1) / 2: mp.mpf(1) if x > 0 else mp.mpf(0) if x < 0
         else h0,
         "subfactorial": lambda n: mp.nint(mp.factorial(n) / mp.e) if n >= 1 else mp.mpf(1)}
_CONST = {"pi": mp.pi, "E": mp.e, "EulerGamma": mp.euler, "Catalan": mp.catalan,
          "GoldenRatio": mp.phi}
_MAX_TERMS = 10**4
_CAUGHT = (ArithmeticError, ValueError, TypeError, NotImplementedError, mp.libmp.NoConvergence,
           RecursionError, KeyError, AttributeError, IndexError)


def _number(v, exact=False):
    """A point's value (Fraction or (re, im)) as an mpmath number at the working precision."""
    if isinstance(v, tuple):
        return mp.mpc(_number(v[0]), _number(v[1]))
    if isinstance(v, Fraction):
        return mp.mpf(v.numerator) / v.denominator
    return v


class _Eval:
    def __init__(self, point: Mapping[sp.Symbol, object]):
        self.point = dict(point)
        self.scale = mp.mpf(0)
        self.approx = False

    def note(self, *vals):
        for v in vals:
            self.scale = max(self.scale, abs(v))

    def real(self, v):
        if isinstance(v, mp.mpc):
            if v.imag != 0:
                raise Undefined("a real-only function of a complex value")
            return v.real
        return v

    def __call__(self, e):
        if e.is_Integer:
            return mp.mpf(int(e))
        if e.is_Rational:
            return mp.mpf(int(e.p)) / int(e.q)
        if e.is_Float:
            return mp.mpf(e._mpf_)
        if e is sp.I:
            return mp.mpc(0, 1)
        if isinstance(e, sp.Symbol):
            return _number(self.point[e])
        if e.is_NumberSymbol:
            return _CONST[type(e).__name__]() if type(e).__name__ in _CONST else \
                mp.mpf(sp.Float(e.evalf(mp.mp.dps + 5), mp.mp.dps + 5)._mpf_)
        if isinstance(e, sp.Add):
            terms = [self(a) for a in e.args]
            self.note(*terms)
            return mp.fsum(terms)
        if isinstance(e, sp.Mul):
            return mp.fprod([self(a) for a in e.args])
        if isinstance(e, sp.Pow):
            return self.power(e)
        name = type(e).__name__
        method = getattr(self, "eval_" + name, None)
        if method is not None:
            return method(e)
        if name in _FN or name in _REAL:
            args = [self(a) for a in e.args]
            self.note(*args)
            if name in _REAL:
                return _REAL[name](*(self.real(a) for a in args))
            return _FN[name](*args)
        raise Undefined(f"cannot evaluate {name} numerically")

    def power(self, e):
        base, ex = e.args
        b = self(base)
        if ex is sp.S.Half:
            return mp.sqrt(b)
        if ex.is_Integer:
            return mp.power(b, int(ex))
        x = self(ex)
        self.note(b, x)
        return mp.power(b, x)

    def truth(self, c) -> bool:
        if c in (sp.true, True):
            return True
        if c in (sp.false, False):
            return False
        if isinstance(c, sp.And):
            return all(self.truth(a) for a in c.args)
        if isinstance(c, sp.Or):
            return any(self.truth(a) for a in c.args)
        if isinstance(c, sp.Not):
            return not self.truth(c.args[0])
        if isinstance(c, (sp.Eq, sp.Ne)):
            same = self(c.lhs) == self(c.rhs)
            return same if isinstance(c, sp.Eq) else not same
        if isinstance(c, sp.core.relational.Relational):
            lhs, rhs = self.real(self(c.lhs)), self.real(self(c.rhs))
            return {"<": lhs < rhs, "<=": lhs <= rhs, ">": lhs > rhs, ">=": lhs >= rhs}[c.rel_op]
        raise Undefined(f"cannot decide the condition {c}")

    def eval_Piecewise(self, e):
        for expr, cond in e.args:
            if self.truth(cond):
                return self(expr)
        raise Undefined("no piece of a Piecewise applies")

    def eval_hyper(self, e):
        ap, bq, z = e.args
        return mp.hyper([self(a) for a in ap], [self(b) for b in bq], self(z))

    def sub(self, var, value):
        inner = _Eval({**self.point, var: value})
        return inner

    def bound(self, b):
        return mp.inf if b is sp.oo else -mp.inf if b is -sp.oo else self.real(self(b))

    def eval_Integral(self, e):
        self.approx = True
        limits = e.limits
        if any(len(lim) != 3 for lim in limits):
            raise Undefined("an indefinite integral has no value at a point")

        def integrate(point_eval, k):
            if k < 0:
                return point_eval(e.function)
            var, a, b = limits[k]
            lo, hi = point_eval.bound(a), point_eval.bound(b)
            v, err = mp.quad(lambda t: integrate(point_eval.sub(var, t), k - 1), [lo, hi],
                             error=True)
            if not mp.isfinite(abs(v)) or err > mp.mpf(10) ** (-mp.mp.dps // 2) * max(abs(v), 1):
                raise Undefined("the integral did not converge numerically")
            return v
        return integrate(self, len(limits) - 1)

    def series(self, e, total, infinite):
        self.approx = True
        if len(e.limits) != 1:
            return self(e.func(e.func(e.function, *e.limits[:1]), *e.limits[1:]))
        var, a, b = e.limits[0]
        lo, hi = self.bound(a), self.bound(b)
        term = lambda k: self.sub(var, k)(e.function)      # noqa: E731
        if lo == -mp.inf or not mp.isint(lo) or (hi != mp.inf and not mp.isint(hi)):
            raise Undefined("a sum or product over a range that is not integers")
        if hi != mp.inf:
            if hi - lo + 1 > _MAX_TERMS or hi < lo - 1:
                raise Undefined("too many terms to add exactly")
            return total([term(mp.mpf(k)) for k in range(int(lo), int(hi) + 1)])
        v1 = infinite(term, [lo, mp.inf])
        with mp.extradps(15):
            v2 = infinite(term, [lo, mp.inf])
        if abs(v1 - v2) > mp.mpf(10) ** (-mp.mp.dps // 2) * max(abs(v2), 1):
            raise Undefined("the series did not converge numerically")
        return v2

    def eval_Sum(self, e):
        return self.series(e, mp.fsum, mp.nsum)

    def eval_Product(self, e):
        return self.series(e, mp.fprod, mp.nprod)

    def eval_Derivative(self, e):
        self.approx = True
        pairs = list(e.variable_count)
        vars_ = [v for v, _ in pairs]
        at = [self(v) for v in vars_]

        def f(*ts):
            inner = _Eval({**self.point, **dict(zip(vars_, ts))})
            return inner(e.expr)
        return mp.diff(f, at[0] if len(at) == 1 else tuple(at),
                       int(pairs[0][1]) if len(at) == 1 else tuple(int(n) for _, n in pairs))

    def eval_Limit(self, e):
        exact = {s: (sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else
                     sp.Rational(v[0].numerator, v[0].denominator) + sp.I * sp.Rational(
                         v[1].numerator, v[1].denominator)) for s, v in self.point.items()
                 if isinstance(v, (Fraction, tuple))}
        done = e.xreplace(exact).doit()
        if done.has(sp.Limit) or done.free_symbols:
            raise Undefined("sympy could not take the limit at this point")
        return self(done)


@dataclass(frozen=True)
class Value:
    """``value`` of an expression at a point; ``scale``: the largest magnitude met evaluating it;
    ``approx``: a quadrature, series or numerical derivative was involved."""

    value: object
    scale: object
    approx: bool


def evaluate(expr: sp.Basic, point: Mapping[sp.Symbol, object], dps: int = 50) -> Value:
    """``expr`` at ``point`` (symbol -> Fraction or (re, im)) with ``dps`` digits."""
    ev = _Eval(point)
    with mp.workdps(dps):
        try:
            v = ev(expr)
        except Undefined:
            raise
        except _CAUGHT as exc:
            raise Undefined(f"{type(exc).__name__}: {exc}") from None
        if not (mp.isfinite(v.real) and mp.isfinite(v.imag)) if isinstance(v, mp.mpc) else \
                not mp.isfinite(v):
            raise Undefined("not finite")
        return Value(+v, max(ev.scale, abs(v)), ev.approx)


@dataclass(frozen=True)
class Outcome:
    """One point decided: ``equal``, both values (float or complex), the working precision that
    decided it (``dps``) and the significant digits to which the values agree (``digits``, 0 for
    a counterexample); ``relative``: |a - b| / max(|a|, |b|)."""

    equal: bool
    a: complex | float
    b: complex | float
    relative: float
    dps: int
    digits: int


def _plain(v) -> complex | float:
    c = complex(v)
    return c.real if c.imag == 0 else c


def compare(a: sp.Basic, b: sp.Basic, point: Mapping[sp.Symbol, object], dps: int = 50,
            digits: int | None = None) -> Outcome:
    """Are ``a`` and ``b`` equal at ``point``? (module docstring: precision doubling). Raises
    :class:`Undefined` where either side has no finite value or the point cannot be decided."""
    slack = dps - (digits if digits is not None else dps - 20)
    va, vb = evaluate(a, point, dps), evaluate(b, point, dps)
    approx = va.approx or vb.approx
    if approx:                     # quadrature and series are trusted to half the digits
        slack = max(slack, dps - dps // 2)
    levels = [dps, dps + 20, dps + 40] if approx else [dps, 2 * dps, 4 * dps]
    prev = None
    for p in levels:
        if p != dps:
            va, vb = evaluate(a, point, p), evaluate(b, point, p)
        with mp.workdps(p):
            d = va.value - vb.value
            size = max(abs(va.value), abs(vb.value))
            rel = float(abs(d) / size) if size else 0.0
            if abs(d) <= mp.mpf(10) ** (slack - p) * size:
                return Outcome(True, _plain(va.value), _plain(vb.value), rel, p, p - slack)
            if prev is not None and abs(d - prev) <= abs(d) * mp.mpf("1e-6"):
                return Outcome(False, _plain(va.value), _plain(vb.value), rel, p, 0)
            prev = d
    with mp.workdps(p):
        if abs(d) <= mp.mpf(10) ** (slack - p) * max(va.scale, vb.scale):
            return Outcome(True, _plain(va.value), _plain(vb.value), rel, p, p - slack)
    raise Undefined("the difference neither settles nor vanishes with the precision")
