r"""Test your own formula against a simulation: ``sims.compare(result, formula, ...) -> Claim``.

    res = sims.run("double_descent", "linear", n=60, seeds=1500, ratios=[0.25, 0.5, 0.75, 1, 2])
    claim = sims.compare(res, "sigma**2*p/(n - p - 1)", measured="min_norm_risk",
                         at={"p": "widths", "n": "n", "sigma": "noise"},
                         where={"ratios": (0, 0.9)},
                         rival="sigma**2*gamma/(1 - gamma)", rival_at={"gamma": "ratios"})

``measured``
    an array of the result, by name, or a function of the result returning an array. Its *seed
    axis* is found from its dims (the dim ``"seed"``); a function's output keeps the dims of the
    result's arrays of the same shape (``lambda r: r["min_norm_risk"] / 2`` keeps
    ``[seed, ratio]``); ``seed_axis=`` names it (an index or a dim name) or says there is none
    (``None``). With a seed axis the claim compares the mean over seeds with the formula within
    ``z`` standard errors of the mean (the tolerance and its reason come from the seed count);
    without one, give ``rtol`` / ``atol`` and ``why``.
``at``
    each symbol of the formula -> a number, an array of the result (aligned with the measured
    array by its dims: ``"widths"`` along ``ratio`` broadcasts over a ``[ratio, budget]`` mean) or
    a config field (``"noise"``).
``where``
    the points to compare (default: all): a boolean mask of the compared shape; a function of the
    coordinates returning one (it gets a dict: every 1-d array of the result along one of the
    compared dims, such as ``"ratios"`` and ``"widths"``, and each dim's name, broadcast to the
    compared shape); or a mapping name -> ``(lo, hi)`` (inclusive) or name -> a list of values.
``rival`` / ``control``
    the negative control: a rival formula (``rival_at`` adds or replaces symbols), or another run
    (``control=``, a Result: the same measured array and symbols on it) that must share the config
    fields named in ``share`` (else the row FAILs "control not comparable").

The row's outcome (:mod:`sims.verdicts`): PASS or FAIL; a FAIL's ``reason`` names the worst point
(its coordinates), its z-score (or error over tolerance) and how many points are outside the
tolerance. UNDERPOWERED when the tolerance cannot separate the formula from the rival at this
seed count (``needs`` gives the seeds, :mod:`sims.decide`); NOT_APPLICABLE when ``where`` leaves
no point. Misspelt names and shapes that do not align are one-line :class:`SimsError` messages.
Formula text is parsed by :func:`theory.check.parse` (or names a formula of ``theory.formulas()``).
"""
from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from .decide import decide, inapplicable, monte_carlo, not_applicable, underpowered
from .errors import SimsError
from .results import Result
from .verdicts import FAIL, Claim, close, controlled, differences, within_se

AUTO = "auto"


def _expr(formula) -> sp.Expr:
    if isinstance(formula, str):
        from theory import formula as named
        from theory.check import parse
        try:
            return named(formula).expr
        except KeyError:
            try:
                return parse(formula)
            except Exception as exc:  # noqa: BLE001 - whatever the parser raises: one line
                text = " ".join(str(exc).split())
                raise SimsError(text if text.startswith("cannot parse") else
                                f"cannot parse {formula!r} as a formula ({text})") from None
    expr = getattr(formula, "expr", None)
    return expr if expr is not None else sp.sympify(formula)


def _did_you_mean(name: str, options) -> str:
    close_ = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean {close_[0]!r}?" if close_ else ""


class _Grid:
    """The compared points: the measured array's dims without the seed axis, their shape, and
    the result's coordinates along them."""

    def __init__(self, result: Result, dims: list[str] | None, shape: tuple[int, ...]):
        self.result, self.dims, self.shape = result, dims, shape

    def align(self, key: str, where: str) -> np.ndarray:
        """The result's array ``key`` broadcast to the compared shape along its own dims."""
        a = np.asarray(self.result[key], float)
        own = self.result.dims.get(key)
        if a.ndim == 0 or self.dims is None or own is None:
            return a                      # dims unknown: plain numpy broadcasting
        missing = [d for d in own if d not in self.dims]
        if missing:
            raise SimsError(f"{where} = {key!r} lies along {own}, but the compared values have "
                            f"dims {self.dims} (no {missing[0]!r})")
        order = sorted(range(len(own)), key=lambda i: self.dims.index(own[i]))
        a = np.transpose(a, order)
        present = [own[i] for i in order]
        shape = [a.shape[present.index(d)] if d in present else 1 for d in self.dims]
        return a.reshape(shape)

    def coords(self) -> dict[str, np.ndarray]:
        """Name -> coordinate values at every compared point (module docstring, ``where``)."""
        out: dict[str, np.ndarray] = {}
        for key, own in self.result.dims.items():
            if len(own) == 1 and self.dims and own[0] in self.dims and key in self.result.arrays:
                a = np.asarray(self.result[key])
                if a.dtype.kind in "fiub":
                    out[key] = np.broadcast_to(self.align(key, "coordinate"), self.shape)
        for i, d in enumerate(self.dims or []):
            key = self.result.coords.get(d)
            values = out.get(key) if key else None
            out.setdefault(d, values if values is not None else np.broadcast_to(
                np.arange(self.shape[i]).reshape([-1 if j == i else 1
                                                  for j in range(len(self.shape))]), self.shape))
        return out


def _value(result: Result, grid: _Grid, spec: Any, where: str) -> Any:
    if isinstance(spec, str):
        if spec in result.arrays:
            return grid.align(spec, where)
        if spec in result.config:
            return np.asarray(result.config[spec], float)
        raise SimsError(f"{where} = {spec!r} is neither an array nor a config field of the result"
                        f"{_did_you_mean(spec, [*result.arrays, *result.config])}")
    return np.asarray(spec, float)


def predict(result: Result, formula, at: Mapping[str, Any], grid: _Grid | None = None
            ) -> np.ndarray:
    """The formula evaluated at the result's values of its symbols (numpy, broadcast)."""
    expr = _expr(formula)
    names = sorted(s.name for s in expr.free_symbols)
    missing = [n for n in names if n not in at]
    if missing:
        raise SimsError(f"at= gives no value for the formula's symbol(s) {missing}"
                        f"{_did_you_mean(missing[0], at)}")
    grid = grid or _Grid(result, None, ())
    fn = sp.lambdify([sp.Symbol(n) for n in names],
                     expr.subs({s: sp.Symbol(s.name) for s in expr.free_symbols}), "numpy")
    with np.errstate(all="ignore"):
        return np.asarray(fn(*(_value(result, grid, at[n], f"at[{n!r}]") for n in names)), float)


def _measured(result: Result, measured, seed_axis
              ) -> tuple[np.ndarray, list[str] | None, int | None]:
    """(values, their dims or None, the seed axis or None)."""
    if callable(measured):
        values = np.asarray(measured(result), float)
        same = {tuple(result.dims[k]) for k, a in result.arrays.items()
                if k in result.dims and np.shape(a) == values.shape}
        dims = list(same.pop()) if len(same) == 1 else None
        what = "measured(result)"
    else:
        if measured not in result.arrays:
            raise SimsError(f"no array {measured!r} in the result"
                            f"{_did_you_mean(measured, result.arrays)}; arrays: "
                            f"{', '.join(result.arrays)}")
        values, what = np.asarray(result[measured], float), measured
        dims = result.dims.get(measured)
    if seed_axis == AUTO:
        axis = dims.index("seed") if dims and "seed" in dims else None
    elif seed_axis is None:
        axis = None
    elif isinstance(seed_axis, str):
        if not dims or seed_axis not in dims:
            raise SimsError(f"seed_axis={seed_axis!r}: {what} has dims {dims or 'unknown'}")
        axis = dims.index(seed_axis)
    else:
        if not -values.ndim <= int(seed_axis) < values.ndim:
            raise SimsError(f"seed_axis={seed_axis}: {what} has {values.ndim} axes")
        axis = int(seed_axis) % values.ndim
    if dims is None and axis is not None:         # dims from the arrays of the compared shape
        rest = tuple(n for i, n in enumerate(values.shape) if i != axis)
        same = {tuple(d for d in result.dims[k] if d != "seed") for k, a in result.arrays.items()
                if k in result.dims and tuple(n for d, n in zip(result.dims[k], np.shape(a))
                                              if d != "seed") == rest}
        if len(same) == 1:
            dims = list(same.pop())
            dims.insert(axis, "seed")
    if axis is not None and values.shape[axis] < 2:
        raise SimsError(f"{what} has {values.shape[axis]} seed(s): a standard error needs two; "
                        "give rtol/atol and why (and seed_axis=None)")
    return values, dims, axis


def _mask(grid: _Grid, where) -> np.ndarray:
    if where is None:
        return np.ones(grid.shape, bool)
    if isinstance(where, Mapping):
        coords = grid.coords()
        mask = np.ones(grid.shape, bool)
        for key, rule in where.items():
            if key not in coords:
                raise SimsError(f"where: no coordinate {key!r}{_did_you_mean(key, coords)}; "
                                f"coordinates: {', '.join(coords)}")
            c = coords[key]
            if isinstance(rule, tuple) and len(rule) == 2:
                mask &= (c >= rule[0]) & (c <= rule[1])
            else:
                mask &= np.isin(c, np.asarray(rule, float))
        return mask
    mask = np.asarray(where(grid.coords()) if callable(where) else where)
    if mask.dtype != bool or mask.shape != grid.shape:
        raise SimsError(f"where must give a boolean mask of the compared shape {grid.shape}, got "
                        f"{mask.dtype} {mask.shape}")
    return mask


def compare(result: Result, formula, *, measured: str | Callable[[Result], Any],
            at: Mapping[str, Any], where=None, seed_axis: int | str | None = AUTO,
            z: float = 3.5, rtol: float = 0.0, atol: float = 0.0, why: str | None = None,
            rival=None, rival_at: Mapping[str, Any] | None = None, control: Result | None = None,
            share: Sequence[str] = (), name: str | None = None,
            reference: str = "the user's derivation") -> Claim:
    """A ledger row comparing ``measured`` on ``result`` with ``formula`` (module docstring)."""
    if rival is not None and control is not None:
        raise SimsError("give rival= (a formula) or control= (a run), not both")
    what = measured if isinstance(measured, str) else "measured"
    label = name or f"{what} = {formula}"
    values, dims, axis = _measured(result, measured, seed_axis)
    mean = values if axis is None else values.mean(axis)
    cdims = None if dims is None else [d for i, d in enumerate(dims) if i != axis]
    grid = _Grid(result, cdims, mean.shape)
    if axis is None and (not (rtol or atol) or not why):
        raise SimsError(f"{what} has no seed axis to average over: give rtol/atol and why")
    mask = _mask(grid, where)
    if not mask.any():
        return inapplicable(label, reference, f"{what} against {formula}", not_applicable(
            f"where= leaves no point of the {mask.size} compared", where="a non-empty subset"))
    seeds = None if axis is None else values.shape[axis]
    named = {result.coords.get(d) for d in cdims or []} | {v for v in at.values()
                                                           if isinstance(v, str)}
    coords = {k: v for k, v in grid.coords().items() if k in named}    # for a FAIL's reason

    def judge(vals: np.ndarray, vaxis: int | None, f, extra, res: Result = result
              ) -> tuple[Claim, np.ndarray]:
        g = grid if res is result else _Grid(res, cdims, mean.shape)
        pred = _broadcast(predict(res, f, {**at, **(extra or {})}, g), mean.shape)[mask]
        if vaxis is None:
            m = _broadcast(vals, mean.shape)[mask]
            row = close(label, reference, f"{what} against {formula}", pred, m, rtol=rtol,
                        atol=atol, why=why)
            return row, pred
        k = vals.shape[vaxis]
        m = _broadcast(vals.mean(vaxis), mean.shape)[mask]
        se = _broadcast(vals.std(vaxis, ddof=1) / np.sqrt(k), mean.shape)[mask]
        row = within_se(label, reference, f"mean of {what} over {k} seeds against {formula}",
                        pred, m, se, z=z, why=why or f"Monte-Carlo: {z:g} standard errors of the "
                                                     f"mean of {k} seeds")
        return row, pred

    main, pred = judge(values, axis, formula, None)
    main = _explained(main, pred, values, axis, mask, coords, z=z, rtol=rtol, atol=atol)
    if rival is not None:
        ctrl, rival_pred = judge(values, axis, rival, rival_at)
        row = controlled(main, ctrl, f"the rival formula {rival}")
        if axis is None:
            tol = atol + rtol * np.abs(pred)
            apart = np.abs(pred - rival_pred) > tol + atol + rtol * np.abs(rival_pred)
            return decide(row, None if apart.any() else underpowered(
                "the tolerance bands of the formula and the rival overlap at every point: a "
                "tighter tolerance would separate them", tolerance="tighter"))
        se = (values.std(axis, ddof=1) / np.sqrt(seeds))[mask]
        return monte_carlo(row, pred, rival_pred, se, seeds, z=z,
                           rival_label=f"the rival formula {rival}")
    if control is not None:
        label = f"the control run {control.meta.get('experiment') or ''}".strip()
        cvals, _, caxis = _measured(control, measured, seed_axis)
        cshape = tuple(int(s) for i, s in enumerate(cvals.shape) if i != caxis)
        differ = differences(result.config, control.config, share)
        if cshape != mean.shape:
            differ = ", ".join(x for x in (differ, f"{what} over {mean.shape} points vs "
                                                   f"{cshape}") if x)
        if differ:
            return replace(main, passed=False, outcome=FAIL, control=label,
                           reason=f"control not comparable: {differ}")
        ctrl, _ = judge(cvals, caxis, formula, None, control)
        return controlled(main, ctrl, label)
    return main


def _broadcast(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise SimsError(f"the formula's prediction has shape {np.shape(a)}, which does not align "
                        f"with the compared values' shape {shape}") from None


def _explained(row: Claim, pred, values, axis, mask, coords, *, z, rtol, atol) -> Claim:
    """A FAIL row with its reason: the worst point, its z-score (or error over tolerance) and
    the count of points outside the tolerance."""
    if row.passed:
        return row
    if axis is None:
        m = np.broadcast_to(values, mask.shape)[mask]
        score = np.abs(m - pred) / (atol + rtol * np.abs(pred))
        unit, limit = "x the tolerance", 1.0
    else:
        n = values.shape[axis]
        m = values.mean(axis)[mask]
        score = np.abs(m - pred) / (values.std(axis, ddof=1)[mask] / np.sqrt(n))
        unit, limit = "s.e.", z
    score = np.where(np.isfinite(score), score, np.inf)
    worst = int(np.argmax(score))
    at = ", ".join(f"{k} = {float(np.asarray(v)[mask][worst]):.4g}" for k, v in coords.items())
    outside = int(np.sum(~(score <= limit)))
    reason = (f"worst at {at or 'point ' + str(worst)}: measured {m[worst]:.4g}, predicted "
              f"{pred[worst]:.4g} ({'z = ' if axis is not None else ''}{score[worst]:.3g} "
              f"{unit}); {outside} of {m.size} points outside the tolerance")
    return replace(row, reason=reason)
