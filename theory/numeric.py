"""Evaluate a sympy expression at a point with mpmath, and decide whether two sides agree there.

:func:`evaluate` walks the expression tree itself (no ``lambdify``, no code generation) at a
given working precision: elementary and special functions map to their mpmath counterparts (the
ones sympy's own ``evalf`` uses, so branch cuts agree), values may be complex, ``Integral`` is
``mp.quad``, an infinite ``Sum``/``Product`` is ``mp.nsum``/``mp.nprod`` (checked against a
second run with 15 more digits), a finite one is summed term by term (at most 10**4 terms),
``Derivative`` is ``mp.diff``, ``Limit`` is sympy's ``limit`` at the exact point. A pole, a
non-finite value, a divergent sum or an unsupported node raises :class:`Undefined`.

Each value carries a first-order bound on its rounding error (``err``: sums add the errors of
their terms, products their relative errors, a function multiplies its argument's error by its
slope; a quadrature or a series adds its own error estimate). :func:`compare` decides one point:

1. the values are **equal** when their difference is within the tolerance
   ``10**-(dps - 20) * max(|a|, |b|) + 10**6 * (err_a + err_b)``: a relative part (``dps - 20``
   digits, half the digits where a quadrature or a series is involved) and an absolute part, the
   rounding error of each side (widened a million times), so an exact 0 against a 1e-160
   leftover of a cancellation, or ``erfc(x)`` against ``1 - erf(x)`` where ``erf(x)`` rounds to 1,
   is equal, while ``x*exp(-400)`` against ``0`` is not;
2. otherwise both are evaluated again at ``2*dps`` and ``4*dps`` digits (``+20``, ``+40`` for a
   quadrature or a series): a difference that comes back within the tolerance is equal, one that
   stays the same to 6 digits on two successive levels is a **counterexample**;
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


def as_mpmath(v):
    """A point's value (Fraction or (re, im)) as an mpmath number at the working precision."""
    if isinstance(v, tuple):
        return mp.mpc(as_mpmath(v[0]), as_mpmath(v[1]))
    if isinstance(v, Fraction):
        return mp.mpf(v.numerator) / v.denominator
    return v


def _slope(name: str, x, v):
    """|f'(x)| of the one-argument function ``name`` where a formula gives it (None: unknown)."""
    rule = {"exp": lambda: abs(v), "log": lambda: 1 / abs(x), "sin": lambda: abs(mp.cos(x)),
            "cos": lambda: abs(mp.sin(x)), "tan": lambda: abs(1 + v * v),
            "sinh": lambda: abs(mp.cosh(x)), "cosh": lambda: abs(mp.sinh(x)),
            "tanh": lambda: abs(1 - v * v), "atan": lambda: 1 / abs(1 + x * x),
            "asin": lambda: 1 / abs(mp.sqrt(1 - x * x)),
            "acos": lambda: 1 / abs(mp.sqrt(1 - x * x)),
            "erf": lambda: 2 * abs(mp.exp(-x * x)) / mp.sqrt(mp.pi),
            "erfc": lambda: 2 * abs(mp.exp(-x * x)) / mp.sqrt(mp.pi),
            "gamma": lambda: abs(v * mp.digamma(x)), "loggamma": lambda: abs(mp.digamma(x)),
            "factorial": lambda: abs(v * mp.digamma(x + 1)), "Abs": lambda: 1, "re": lambda: 1,
            "im": lambda: 1, "conjugate": lambda: 1, "floor": lambda: 0, "ceiling": lambda: 0}
    return rule[name]() if name in rule else None


class _Eval:
    """Evaluates a node to ``(value, err)``: ``err`` bounds the absolute rounding error, carried
    through each operation (first-order: sums add errors, products add relative errors,
    functions multiply the error of their argument by their slope)."""

    def __init__(self, point: Mapping[sp.Symbol, object]):
        self.point = dict(point)
        self.approx = False

    def real(self, v):
        if isinstance(v, mp.mpc):
            if v.imag != 0:
                raise Undefined("a real-only function of a complex value")
            return v.real
        return v

    def value(self, e):
        return self(e)[0]

    def __call__(self, e):
        eps = mp.eps
        if e.is_Integer:
            return mp.mpf(int(e)), mp.mpf(0)
        if e.is_Rational:
            v = mp.mpf(int(e.p)) / int(e.q)
            return v, eps * abs(v)
        if e.is_Float:
            v = mp.mpf(e._mpf_)
            return v, eps * abs(v)
        if e is sp.I:
            return mp.mpc(0, 1), mp.mpf(0)
        if isinstance(e, sp.Symbol):
            raw = self.point[e]
            v = as_mpmath(raw)
            exact = isinstance(raw, Fraction) and raw.denominator == 1
            return v, mp.mpf(0) if exact else eps * abs(v)
        if e.is_NumberSymbol:
            v = _CONST[type(e).__name__]() if type(e).__name__ in _CONST else \
                mp.mpf(sp.Float(e.evalf(mp.mp.dps + 5), mp.mp.dps + 5)._mpf_)
            return v, eps * abs(v)
        if isinstance(e, sp.Add):
            parts = [self(a) for a in e.args]
            v = mp.fsum([p[0] for p in parts])
            return v, mp.fsum([p[1] for p in parts]) + eps * abs(v)
        if isinstance(e, sp.Mul):
            return self.product([self(a) for a in e.args])
        if isinstance(e, sp.Pow):
            return self.power(e)
        name = type(e).__name__
        method = getattr(self, "eval_" + name, None)
        if method is not None:
            return method(e)
        if name in _FN or name in _REAL:
            return self.function(name, [self(a) for a in e.args])
        raise Undefined(f"cannot evaluate {name} numerically")

    @staticmethod
    def product(parts):
        v = mp.fprod([p[0] for p in parts])
        zeros = [k for k, p in enumerate(parts) if p[0] == 0]
        if not zeros:
            rel = mp.fsum([p[1] / abs(p[0]) for p in parts])
            return v, abs(v) * rel + mp.eps * abs(v)
        err = mp.fsum([parts[k][1] * mp.fprod([abs(p[0]) for j, p in enumerate(parts) if j != k])
                       for k in zeros])
        return v, err

    def function(self, name, args):
        vals = [a[0] for a in args]
        f = _FN.get(name)
        if f is None:
            f = _REAL[name]
            vals = [self.real(x) for x in vals]
        v = f(*vals)
        err = 8 * mp.eps * abs(v)
        if name in ("Min", "Max"):
            return v, max(a[1] for a in args)
        for k, (x, ex) in enumerate(args):
            if ex == 0:
                continue
            slope = _slope(name, x, v) if len(args) == 1 else None
            if slope is None:                       # a finite difference of that one function
                h = max(abs(x), 1) * mp.mpf(10) ** (-mp.mp.dps // 3)
                moved = list(vals)
                moved[k] = vals[k] + h
                slope = abs(f(*moved) - v) / h
            err += slope * ex
        return v, err

    def power(self, e):
        base, ex = e.args
        b, eb = self(base)
        if ex is sp.S.Half:
            v = mp.sqrt(b)
            return v, (eb / (2 * abs(v)) if v != 0 else mp.sqrt(eb)) + mp.eps * abs(v)
        if ex.is_Integer:
            n = int(ex)
            v = mp.power(b, n)
            rel = abs(n) * eb / abs(b) if b != 0 else mp.mpf(0)
            return v, abs(v) * rel + mp.eps * abs(v)
        x, ex_err = self(ex)
        v = mp.power(b, x)
        rel = (abs(x) * eb / abs(b) if b != 0 else 0) + (abs(mp.log(b)) * ex_err if b != 0 else 0)
        return v, abs(v) * rel + mp.eps * abs(v)

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
            same = self.value(c.lhs) == self.value(c.rhs)
            return same if isinstance(c, sp.Eq) else not same
        if isinstance(c, sp.core.relational.Relational):
            lhs, rhs = self.real(self.value(c.lhs)), self.real(self.value(c.rhs))
            return {"<": lhs < rhs, "<=": lhs <= rhs, ">": lhs > rhs, ">=": lhs >= rhs}[c.rel_op]
        raise Undefined(f"cannot decide the condition {c}")

    def eval_Piecewise(self, e):
        for expr, cond in e.args:
            if self.truth(cond):
                return self(expr)
        raise Undefined("no piece of a Piecewise applies")

    def eval_hyper(self, e):
        ap, bq, z = e.args
        v = mp.hyper([self.value(a) for a in ap], [self.value(b) for b in bq], self.value(z))
        return self.approximate(v, mp.mpf(0))

    def approximate(self, v, err):
        self.approx = True
        return v, err + mp.mpf(10) ** (-mp.mp.dps // 2) * abs(v)

    def sub(self, var, value):
        return _Eval({**self.point, var: value})

    def bound(self, b):
        return mp.inf if b is sp.oo else -mp.inf if b is -sp.oo else self.real(self.value(b))

    def eval_Integral(self, e):
        limits = e.limits
        if any(len(lim) != 3 for lim in limits):
            raise Undefined("an indefinite integral has no value at a point")

        def integrate(point_eval, k):
            if k < 0:
                return point_eval.value(e.function)
            var, a, b = limits[k]
            lo, hi = point_eval.bound(a), point_eval.bound(b)
            v, err = mp.quad(lambda t: integrate(point_eval.sub(var, t), k - 1), [lo, hi],
                             error=True)
            if not mp.isfinite(abs(v)) or err > mp.mpf(10) ** (-mp.mp.dps // 2) * max(abs(v), 1):
                raise Undefined("the integral did not converge numerically")
            return v
        return self.approximate(integrate(self, len(limits) - 1), mp.mpf(0))

    def series(self, e, total, infinite):
        if len(e.limits) != 1:
            return self(e.func(e.func(e.function, *e.limits[:1]), *e.limits[1:]))
        var, a, b = e.limits[0]
        lo, hi = self.bound(a), self.bound(b)
        term = lambda k: self.sub(var, k).value(e.function)      # noqa: E731
        if lo == -mp.inf or not mp.isint(lo) or (hi != mp.inf and not mp.isint(hi)):
            raise Undefined("a sum or product over a range that is not integers")
        if hi != mp.inf:
            if hi - lo + 1 > _MAX_TERMS or hi < lo - 1:
                raise Undefined("too many terms to add exactly")
            return self.approximate(total([term(mp.mpf(k)) for k in range(int(lo), int(hi) + 1)]),
                                    mp.mpf(0))
        v1 = infinite(term, [lo, mp.inf])
        with mp.extradps(15):
            v2 = infinite(term, [lo, mp.inf])
        if abs(v1 - v2) > mp.mpf(10) ** (-mp.mp.dps // 2) * max(abs(v2), 1):
            raise Undefined("the series did not converge numerically")
        return self.approximate(+v2, abs(v1 - v2))

    def eval_Sum(self, e):
        return self.series(e, mp.fsum, mp.nsum)

    def eval_Product(self, e):
        return self.series(e, mp.fprod, mp.nprod)

    def eval_Derivative(self, e):
        pairs = list(e.variable_count)
        vars_ = [v for v, _ in pairs]
        at = [self.value(v) for v in vars_]

        def f(*ts):
            return _Eval({**self.point, **dict(zip(vars_, ts))}).value(e.expr)
        v = mp.diff(f, at[0] if len(at) == 1 else tuple(at),
                    int(pairs[0][1]) if len(at) == 1 else tuple(int(n) for _, n in pairs))
        return self.approximate(v, mp.mpf(0))

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
    """``value`` of an expression at a point; ``err``: a first-order bound on its absolute
    rounding error (or the error estimate of a quadrature or series); ``approx``: a quadrature,
    series or numerical derivative was involved."""

    value: object
    err: object
    approx: bool


def evaluate(expr: sp.Basic, point: Mapping[sp.Symbol, object], dps: int = 50) -> Value:
    """``expr`` at ``point`` (symbol -> Fraction or (re, im)) with ``dps`` digits."""
    ev = _Eval(point)
    with mp.workdps(dps):
        try:
            v, err = ev(expr)
        except Undefined:
            raise
        except _CAUGHT as exc:
            raise Undefined(f"{type(exc).__name__}: {exc}") from None
        if not (mp.isfinite(v.real) and mp.isfinite(v.imag)) if isinstance(v, mp.mpc) else \
                not mp.isfinite(v):
            raise Undefined("not finite")
        return Value(+v, +err, ev.approx)


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


def as_python(v) -> complex | float:
    c = complex(v)
    return c.real if c.imag == 0 else c


SAFETY = 10**6          # the propagated error bounds are first-order estimates: widened 1e6 times


def compare(a: sp.Basic, b: sp.Basic, point: Mapping[sp.Symbol, object], dps: int = 50,
            digits: int | None = None) -> Outcome:
    """Are ``a`` and ``b`` equal at ``point``? (module docstring). Raises :class:`Undefined`
    where either side has no finite value or the point cannot be decided."""
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
            tol = mp.mpf(10) ** (slack - p) * size + SAFETY * (va.err + vb.err)
            if abs(d) <= tol:
                return Outcome(True, as_python(va.value), as_python(vb.value), rel, p, p - slack)
            if prev is not None and abs(d - prev) <= abs(d) * mp.mpf("1e-6"):
                return Outcome(False, as_python(va.value), as_python(vb.value), rel, p, 0)
            prev = d
    raise Undefined("the difference neither settles nor vanishes with the precision")
