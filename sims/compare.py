r"""Test your own formula against a simulation: ``sims.compare(result, formula, ...) -> Claim``.

    res = sims.run("double_descent", "linear", n=60, seeds=1500, ratios=[0.25, 0.5, 0.75])
    claim = sims.compare(res, "sigma**2*p/(n - p - 1)", measured="min_norm_risk",
                         at={"p": "widths", "n": "n", "sigma": "noise"},
                         rival="sigma**2*gamma/(1 - gamma)", rival_at={"gamma": "ratios"})

``measured`` names an array of the result (or is a function of the result returning an array);
when that array has a ``seed`` axis (its dims say so) the claim compares the mean over seeds with
the formula within ``z`` standard errors of the mean (the tolerance and its reason come from the
seed count); otherwise give ``rtol`` / ``atol`` and ``why``. ``at`` maps each symbol of the formula
to a number, an array of the result (a coordinate such as ``"ratios"``) or a config field. A
``rival`` formula is the claim's negative control: the same check against it must fail.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp

from .claims import Claim, close, controlled, within_se
from .errors import SimsError
from .results import Result


def _expr(formula) -> sp.Expr:
    if isinstance(formula, str):
        from theory import formula as named
        from theory.check import parse
        try:
            return named(formula).expr
        except KeyError:
            return parse(formula)
    return getattr(formula, "expr", sp.sympify(formula))


def _value(result: Result, spec: Any) -> Any:
    if isinstance(spec, str):
        if spec in result.arrays:
            return np.asarray(result[spec], float)
        if spec in result.config:
            return np.asarray(result.config[spec], float)
        raise SimsError(f"{spec!r} is neither an array nor a config field of the result; arrays: "
                        f"{', '.join(result.arrays)}")
    return np.asarray(spec, float)


def predict(result: Result, formula, at: Mapping[str, Any]) -> np.ndarray:
    """The formula evaluated at the result's values of its symbols (numpy, broadcast)."""
    expr = _expr(formula)
    names = sorted(s.name for s in expr.free_symbols)
    missing = [n for n in names if n not in at]
    if missing:
        raise SimsError(f"at= gives no value for the formula's symbol(s) {missing}")
    fn = sp.lambdify([sp.Symbol(n) for n in names],
                     expr.subs({s: sp.Symbol(s.name) for s in expr.free_symbols}), "numpy")
    with np.errstate(all="ignore"):
        return np.asarray(fn(*(_value(result, at[n]) for n in names)), float)


def compare(result: Result, formula, *, measured: str | Callable[[Result], Any],
            at: Mapping[str, Any], z: float = 3.5, rtol: float = 0.0, atol: float = 0.0,
            why: str | None = None, rival=None, rival_at: Mapping[str, Any] | None = None,
            name: str | None = None, reference: str = "the user's derivation") -> Claim:
    """A ledger row comparing ``measured`` on ``result`` with ``formula`` (module docstring)."""
    label = name or f"{measured if isinstance(measured, str) else 'measured'} = {formula}"
    values = np.asarray(measured(result) if callable(measured) else result[measured], float)
    dims = result.dims.get(measured, []) if isinstance(measured, str) else []
    over_seeds = "seed" in dims

    def check(f, extra):
        pred = predict(result, f, {**at, **(extra or {})})
        if over_seeds:
            axis = dims.index("seed")
            k = values.shape[axis]
            mean = values.mean(axis)
            se = values.std(axis, ddof=1) / np.sqrt(k)
            return within_se(label, reference, f"mean of {measured} over {k} seeds against "
                             f"{formula}", pred, mean, se, z=z,
                             why=why or f"Monte-Carlo: {z:g} standard errors of the mean of {k} "
                                        "seeds")
        if not (rtol or atol) or not why:
            raise SimsError("without a seed axis to average over, give rtol/atol and why")
        return close(label, reference, f"{measured} against {formula}", pred, values, rtol=rtol,
                     atol=atol, why=why)

    main = check(formula, None)
    if rival is None:
        return main
    return controlled(main, check(rival, rival_at), f"the rival formula {rival}")
