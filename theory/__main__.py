"""``python -m theory list`` (every verified formula) and ``python -m theory check EXPR NAME``
(is your formula the suite's?). Exit status: 0 equivalent, 1 not equivalent or undecided, 2 bad
input."""
from __future__ import annotations

import argparse
import json
import sys

import sympy as sp

from . import check as check_fn
from .formulas import formula, formulas


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m theory", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    lst = sub.add_parser("list", help="every verified formula, with its domain and reference")
    lst.add_argument("--verbose", "-v", action="store_true", help="also print each docstring")
    chk = sub.add_parser("check", help="compare EXPR with a shipped formula (or an expression)")
    chk.add_argument("expr")
    chk.add_argument("against", help="a formula name such as double_descent.risk_under")
    chk.add_argument("--domain", default="{}", help='JSON, e.g. {"gamma": [0, 1]}')
    chk.add_argument("--points", type=int, default=24)
    a = p.parse_args(argv)
    try:
        if a.command == "list":
            for name, f in sorted(formulas().items()):
                dom = ", ".join(f"{k} in ({lo}, {hi})" for k, (lo, hi) in f.domain.items())
                print(f"{name} = {sp.sstr(f.expr)}")
                print(f"    {f.reference}" + (f"; {dom}" if dom else ""))
                if a.verbose:
                    print(f"    {f.doc}")
            return 0
        domain = {k: tuple(v) for k, v in json.loads(a.domain).items()}
        verdict = check_fn(a.expr, a.against, domain=domain, points=a.points)
    except (KeyError, ValueError, TypeError, sp.SympifyError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(verdict)
    return 0 if verdict.equivalent else 1


if __name__ == "__main__":
    sys.exit(main())
