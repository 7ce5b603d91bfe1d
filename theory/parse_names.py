"""The whitelist of :mod:`theory.parse`: the only constants, functions and bound forms a formula
may use, and the Greek letters it may write in unicode."""
from __future__ import annotations

import sympy as sp


class FormulaError(ValueError):
    """Text that cannot be read as a formula; ``str()`` is one line naming the place."""


CONSTANTS = {"pi": sp.pi, "E": sp.E, "e": sp.E, "I": sp.I, "oo": sp.oo,
             "EulerGamma": sp.EulerGamma, "Catalan": sp.Catalan, "GoldenRatio": sp.GoldenRatio}

GREEK = dict(zip("αβγδεϵζηθϑικλμµνξοπρσςτυφϕχψωΓΔΘΛΞΠΣΥΦΨΩ",
                 "alpha beta gamma delta epsilon epsilon zeta eta theta theta iota kappa lambda mu"
                 " mu nu xi omicron pi rho sigma sigma tau upsilon phi phi chi psi omega Gamma"
                 " Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()))
GREEK_NAMES = frozenset(GREEK.values())

_MANY = 10**6
#: name -> (sympy function, least and most arguments). The only callables a formula may use.
FUNCTIONS = {
    **{n: (getattr(sp, n), 1, 1) for n in (
        "exp sqrt cbrt sin cos tan cot sec csc asin acos atan acot asec acsc sinh cosh tanh coth"
        " sech csch asinh acosh atanh acoth asech acsch Abs sign floor ceiling re im conjugate arg"
        " gamma loggamma digamma erf erfc erfi erfinv erfcinv factorial factorial2 subfactorial"
        " Heaviside Ei li Si Ci Shi Chi sinc elliptic_k").split()},
    **{n: (getattr(sp, n), 2, 2) for n in (
        "root atan2 polygamma besselj bessely besseli besselk binomial rf ff polylog lowergamma"
        " uppergamma expint Mod KroneckerDelta").split()},
    **{n: (getattr(sp, n), 1, 2) for n in "log beta zeta harmonic LambertW elliptic_e".split()},
    "Min": (sp.Min, 1, _MANY), "Max": (sp.Max, 1, _MANY),
    "ln": (sp.log, 1, 1), "abs": (sp.Abs, 1, 1), "ceil": (sp.ceiling, 1, 1),
    "min": (sp.Min, 1, _MANY), "max": (sp.Max, 1, _MANY), "lgamma": (sp.loggamma, 1, 1),
    "mod": (sp.Mod, 2, 2),
}
#: name -> sympy class of the forms that bind a variable (integrals, sums, limits, ...).
BOUND = {"Integral": sp.Integral, "integrate": sp.Integral, "Sum": sp.Sum, "summation": sp.Sum,
         "Product": sp.Product, "product": sp.Product, "Limit": sp.Limit, "limit": sp.Limit,
         "Derivative": sp.Derivative, "diff": sp.Derivative}
_HUGE_ARG = {"factorial", "factorial2", "subfactorial", "binomial", "rf", "ff", "harmonic"}


_MAX_BITS = 10**6            # an exact number larger than 2**1e6 is refused, not built


def _bits(x: sp.Rational) -> int:
    """The bit length of an exact rational's larger part (numerator or denominator)."""
    return max(abs(int(x.p)).bit_length(), int(x.q).bit_length())
