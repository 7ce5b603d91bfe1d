"""Every recorded prediction claimed (issue 24 item 4): each array a simulator records is either
read by one of its simulation claims or declared, in sims/<sim>/outputs.py, as an ``axis``, a
``figure`` array or a ``diagnostic`` with the reason no claim reads it; and every array declared
``claimed`` is read.

What "read by a claim" means here (a static reading, chosen to be robust rather than clever):

* the claim side of a simulator is every module that defines one of its claim functions
  (``Simulator.claims``) and, transitively, every module of its package those modules import,
  *except* the simulation side: the module of the ``simulate`` body and every package module it
  imports (their string constants name what the run writes, not what a claim reads);
* an array is read when a string constant of the claim side (any ``ast.Constant`` str: a
  subscript ``res["gd_risk"]``, a ``get`` key, a key handed to a helper such as
  ``row(..., "order_bal_err", ...)``) equals its name, or an f-string of the claim side matches
  it (``f"W_{stage}"`` reads ``W_init``, ``W_mem``, ...: its constant parts in order, anything
  between).

This over-counts a read when a claim module happens to spell an array's name for another reason
(a label, a config field of the same name) and cannot see a name built some other way (string
concatenation); both would be visible as a wrong role in the declaration, which is read by a
person alongside the claim. The arrays are those of the tiny results of every kind
(tests/tiny_results.py) and the declared entries that are not dims.
"""
from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

from sims import outputs
from sims.outputs import Output
from sims.registry import get_simulator, names
from tiny_results import tiny_results


def _package_imports(module) -> set[str]:
    """Names of the modules of ``module``'s top package that ``module`` imports (any depth of the
    syntax tree: imports inside functions count)."""
    top = module.__name__.split(".")[0]
    pkg = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            cands = [base] + [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            cands = [a.name for a in node.names]
        else:
            continue
        for name in cands:
            if name.split(".")[0] == top and _is_module(name):
                found.add(name)
    return found


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):        # an attribute imported from a module, not a module
        return False


def _closure(start: set[str], within: str, stop: set[str] = frozenset()) -> set[str]:
    """``start`` and every module under ``within`` they import, transitively, except ``stop``."""
    seen, todo = set(), list(start)
    while todo:
        name = todo.pop()
        if name in seen or (name in stop and name not in start):
            continue
        seen.add(name)
        todo += [m for m in _package_imports(importlib.import_module(name))
                 if m.startswith(within + ".") or m == within]
    return seen


def claim_side(sim) -> set[str]:
    """The modules whose string constants say what the claims of ``sim`` read."""
    package = sim.module if hasattr(sys.modules[sim.module], "__path__") else \
        sim.module.rpartition(".")[0]
    own = {fn.__module__ for fn in sim.claims.values()}
    body = getattr(sim.simulate, "body", sim.simulate)
    # the simulation's modules: what the run imports, not walking through the package's
    # __init__ (which imports the claims too) or the claim modules themselves
    simulation = _closure({body.__module__}, package, stop=own | {package}) - own
    return _closure(own, package, stop=simulation | {package})


def _strings(module_name: str) -> tuple[set[str], list[re.Pattern]]:
    tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
    consts, patterns = set(), []
    in_fstring = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in node.values]
            if any(isinstance(v, ast.Constant) for v in node.values):
                patterns.append(re.compile("".join(parts)))
            in_fstring.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstring:
            consts.add(node.value)
    return consts, patterns


def read_by_claims(sim, arrays) -> set[str]:
    """The names in ``arrays`` that the claim side of ``sim`` spells (see the module docstring)."""
    consts, patterns = set(), []
    for m in claim_side(sim):
        c, p = _strings(m)
        consts |= c
        patterns += p
    return {a for a in arrays if a in consts or any(p.fullmatch(a) for p in patterns)}


@functools.lru_cache(maxsize=None)
def recorded(sim_name: str) -> tuple[frozenset, frozenset]:
    """(arrays, dims) of every tiny result of ``sim_name``."""
    arrays, dims = set(), set()
    for res in tiny_results(sim_name).values():
        arrays |= set(res.arrays)
        dims |= {d for ds in res.dims.values() for d in ds}
    return frozenset(arrays), frozenset(dims)


def role_problems(declared, arrays, dims, read) -> list[str]:
    """What is wrong with the roles: an unread array declared claimed (or not declared), a
    claimed array that is unread, a figure/diagnostic array with no reason."""
    out = []
    for a in sorted(arrays):
        out_a = declared.get(a)
        if out_a is None:
            out.append(f"{a}: not declared")
        elif a in read and out_a.role != "claimed" and out_a.role != "axis":
            out.append(f"{a}: read by a claim but declared {out_a.role!r}")
        elif a not in read and out_a.role == "claimed":
            out.append(f"{a}: declared claimed but no claim reads it")
    for key, o in declared.items():
        if key not in arrays and key not in dims:
            out.append(f"{key}: declared but neither an array nor a dim of any tiny result")
        if key in dims and key not in arrays and o.role == "claimed":
            out.append(f"{key}: a dim declared claimed (dims are axes)")
    return out


@pytest.mark.parametrize("sim_name", names())
def test_every_recorded_array_is_claimed_or_has_a_role(sim_name):
    sim = get_simulator(sim_name)
    declared = outputs.of(sim)
    arrays, dims = recorded(sim_name)
    read = read_by_claims(sim, arrays)
    assert not role_problems(declared, arrays, dims, read), role_problems(declared, arrays, dims,
                                                                            read)


@pytest.mark.parametrize("sim_name", names())
def test_claim_side_excludes_the_simulation(sim_name):
    """The scan reads the claims' modules, never the module that writes the arrays."""
    sim = get_simulator(sim_name)
    side = claim_side(sim)
    body = getattr(sim.simulate, "body", sim.simulate)
    assert {fn.__module__ for fn in sim.claims.values()} <= side
    assert body.__module__ not in side
    assert not any(m.endswith(".outputs") for m in side)


def test_the_role_check_can_fail():
    """A fake declaration of double descent: an array declared claimed that no claim reads, and
    an unread array with no role, are both reported; so is a read array declared figure-only."""
    sim = get_simulator("double_descent")
    declared = dict(outputs.of(sim))
    arrays, dims = recorded("double_descent")
    read = read_by_claims(sim, arrays)
    assert not role_problems(declared, arrays, dims, read)
    fake = {**declared, "made_up": Output("an array nobody reads", "1")}
    extra = arrays | {"made_up"}
    assert role_problems(fake, extra, dims, read_by_claims(sim, extra)) == [
        "made_up: declared claimed but no claim reads it"]
    fake = dict(declared)
    del fake["gd_risk"]
    assert "gd_risk: not declared" in role_problems(fake, arrays, dims, read)
    fake = {**declared, "gd_risk": outputs.figure("GD risk", "1", why="drawn")}
    assert role_problems(fake, arrays, dims, read) == [
        "gd_risk: read by a claim but declared 'figure'"]


def test_the_scan_reads_constants_and_fstrings(tmp_path, monkeypatch):
    """A subscript, a helper's key and an f-string are reads; a name the module never spells is
    not."""
    (tmp_path / "fakeclaims_mod.py").write_text(
        "def claims(res, exps):\n"
        "    a = res['spelled']\n"
        "    b = helper(res, 'handed')\n"
        "    return [res[f'W_{s}'] for s in ('init', 'final')]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module("fakeclaims_mod")
    consts, patterns = _strings(mod.__name__)
    hit = {a for a in ("spelled", "handed", "W_init", "W_mem", "unspelled", "V_init")
           if a in consts or any(p.fullmatch(a) for p in patterns)}
    assert hit == {"spelled", "handed", "W_init", "W_mem"}


def test_figure_and_diagnostic_need_a_reason():
    with pytest.raises(ValueError, match="why"):
        Output("x", "1", role="diagnostic")
    with pytest.raises(ValueError, match="role"):
        Output("x", "1", role="unclaimed")
    assert Output("x", "1").role == "claimed" and outputs.index("i").role == "axis"


def _summary() -> dict:
    """Per simulator, the count of arrays per role (printed by ``python tests/...py``)."""
    out = {}
    for sim_name in names():
        declared = outputs.of(get_simulator(sim_name))
        arrays, _ = recorded(sim_name)
        counts: dict = {}
        for a in arrays:
            role = declared[a].role if a in declared else "undeclared"
            counts[role] = counts.get(role, 0) + 1
        out[sim_name] = counts
    return out


if __name__ == "__main__":          # pragma: no cover - a report, not a test
    sys.path.insert(0, str(Path(__file__).parent))
    for k, v in _summary().items():
        print(k, v)
