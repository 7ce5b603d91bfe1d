"""sims.symbolic_cache: a theory module's symbolic verdicts are computed once per theory source and
read back; any edit of a theory file recomputes them."""
from __future__ import annotations

import json
import sys

import pytest

from sims import symbolic_cache
from sims.registry import get_simulator, names


def _tree(tmp_path, text="x = 1\n"):
    """A theory folder whose sub/mod.py defines ``verify`` (returns three verdicts, counts calls)."""
    root = tmp_path / "theory"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "mod.py").write_text(text + VERIFY)
    return root


VERIFY = """
import functools

calls = []


@functools.lru_cache(maxsize=None)     # as theory.grokking's verify: a wrapped function
def verify():
    calls.append(1)
    return {"b: an identity": True, "a: a false one": False, "c": 1}
"""


def _load(root):
    import importlib.util
    name = f"fake_theory_{abs(hash(root))}"
    spec = importlib.util.spec_from_file_location(name, root / "sub" / "mod.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_verdicts_are_stored_once_and_read_back_in_order(tmp_path):
    root = _tree(tmp_path)
    mod = _load(root)
    verify, calls = mod.verify, mod.calls
    first = symbolic_cache.verdicts(verify, root)
    again = symbolic_cache.verdicts(verify, root)
    assert first == again == {"b: an identity": True, "a: a false one": False, "c": True}
    assert list(again) == ["b: an identity", "a: a false one", "c"]
    assert len(calls) == 1
    stored = json.loads(symbolic_cache.cache_file(verify, root).read_text())
    assert stored["module"] == verify.__module__


def test_an_edit_of_any_theory_file_changes_the_digest(tmp_path):
    a = _tree(tmp_path / "a")
    b = _tree(tmp_path / "b", text="x = 2\n")
    c = _tree(tmp_path / "c")
    (c / "sub" / "new.py").write_text("")
    digests = {symbolic_cache.digest(r) for r in (a, b, c)}
    assert len(digests) == 3
    assert symbolic_cache.digest(_tree(tmp_path / "d")) == symbolic_cache.digest(a)


def test_a_verify_that_raises_is_not_stored(tmp_path):
    root = _tree(tmp_path, text="def verify_raises():\n    raise RuntimeError('sympy failed')\n")
    mod = _load(root)
    with pytest.raises(RuntimeError):
        symbolic_cache.verdicts(mod.verify_raises, root)
    assert not symbolic_cache.cache_file(mod.verify_raises, root).exists()


def test_a_verify_outside_the_theory_package_is_never_cached(tmp_path):
    root = _tree(tmp_path / "theory_root")
    mod = _load(_tree(tmp_path / "elsewhere"))          # a user's simulator's own theory
    symbolic_cache.verdicts(mod.verify, root)
    mod.verify.cache_clear()
    symbolic_cache.verdicts(mod.verify, root)
    assert len(mod.calls) == 2
    assert not (root / "__pycache__").exists()


@pytest.mark.parametrize("name", names())
def test_every_simulators_symbolic_rows_come_through_the_cache_unchanged(name):
    """The ledger's symbolic rows of each simulator: no 'verify() raised' row (a wrapped verify,
    e.g. lru_cache'd, must still be found in the theory package) and the cache file exists
    afterwards; that the cached verdicts are verify()'s own is the first test's, and each
    verify() runs fresh in tests/test_theory_*.py."""
    sim = get_simulator(name)
    rows = sim.symbolic_claims()
    assert rows and not any("raised" in r.name for r in rows), [r.name for r in rows][:3]
    assert symbolic_cache.cache_file(sim.symbolic).is_file()
    assert [r.passed for r in rows] == list(symbolic_cache.verdicts(sim.symbolic).values())
