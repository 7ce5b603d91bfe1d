"""``python -m theory list`` (every verified formula) and ``python -m theory check EXPR AGAINST``
(is your formula the suite's, or another formula?).

    python -m theory check '\\frac{\\sigma^2\\gamma}{1-\\gamma}' double_descent.risk_under
    python -m theory check 'sqrt(x^2)' x --assume x=positive
    python -m theory check 'Max(x, 0.97)' x --domain x=0:1

Exit status: 0 equivalent (symbolic or numeric), 1 not equivalent, 2 anything else (a formula
that cannot be read, an unknown formula name, bad options, or a check that could not decide),
with exactly one ``error:`` line on stderr. A formula starting with ``-`` goes after ``--``.
"""
from __future__ import annotations

import argparse
import json
import sys

import sympy as sp

from .check import FormulaError, check
from .formulas import formulas


class _Parser(argparse.ArgumentParser):
    def error(self, message):                    # one line, exit 2 (argparse prints usage too)
        hint = " (a formula starting with '-' goes after --)" \
            if "unrecognized arguments: -" in message or "expected one argument" in message \
            or "arguments are required: expr" in message \
            else ""
        self.exit(2, f"error: {message}{hint}\n")


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise FormulaError(f"--{what} takes NAME=VALUE, got {item!r}")
        out[name.strip()] = value.strip()
    return out


def _domain(items: list[str]) -> dict[str, tuple]:
    """``--domain gamma=0:1`` (repeatable; ``oo``/``-oo`` for unbounded), or one JSON object
    ``--domain '{"gamma": [0, 1]}'``."""
    if len(items) == 1 and items[0].lstrip().startswith("{"):
        try:
            return {k: tuple(v) for k, v in json.loads(items[0]).items()}
        except (json.JSONDecodeError, TypeError, AttributeError) as exc:
            raise FormulaError(f"--domain: not a JSON object of [lo, hi] pairs ({exc})") from None
    out = {}
    for name, span in _pairs(items, "domain").items():
        lo, colon, hi = span.partition(":")
        if not colon:
            raise FormulaError(f"--domain takes NAME=LO:HI, e.g. gamma=0:1, got {name}={span}")
        out[name] = (lo.strip(), hi.strip())
    return out


def main(argv=None) -> int:
    p = _Parser(prog="python -m theory", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    lst = sub.add_parser("list", help="every verified formula, with its domain and reference")
    lst.add_argument("--verbose", "-v", action="store_true", help="also print each docstring")
    chk = sub.add_parser("check", help="is EXPR the same function as AGAINST?")
    chk.add_argument("expr", help="your formula: text (** or ^, 2x, Greek letters) or LaTeX")
    chk.add_argument("against", help="a formula name such as double_descent.risk_under, or a "
                                     "formula")
    chk.add_argument("--assume", action="append", default=[], metavar="NAME=FLAGS",
                     help="e.g. x=positive, n=integer,nonnegative (repeatable)")
    chk.add_argument("--domain", action="append", default=[], metavar="NAME=LO:HI",
                     help="an open interval, e.g. gamma=0:1, x=0:oo (repeatable)")
    chk.add_argument("--points", type=int, default=24, help="numeric points (default 24)")
    chk.add_argument("--budget", type=float, default=5.0,
                     help="CPU seconds for the whole check (default 5)")
    a = p.parse_args(argv)
    if a.command == "list":
        for name, f in sorted(formulas().items()):
            dom = ", ".join(f"{k} in ({lo}, {hi})" for k, (lo, hi) in f.domain.items())
            print(f"{name} = {sp.sstr(f.expr)}")
            print(f"    {f.reference}" + (f"; {dom}" if dom else ""))
            if a.verbose:
                print(f"    {f.doc}")
        return 0
    try:
        verdict = check(a.expr, a.against, assumptions=_pairs(a.assume, "assume"),
                        domain=_domain(a.domain), points=a.points, budget=a.budget)
    except FormulaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if verdict.equivalent is None:
        print(f"error: {verdict}", file=sys.stderr)
        return 2
    print(verdict)
    return 0 if verdict.equivalent else 1


if __name__ == "__main__":
    sys.exit(main())
