"""Fuzzed inputs (hypothesis): for every simulator, malformed ``--set`` overrides (wrong types,
out-of-range counts, NaN, unknown keys, unicode, lists where scalars go, huge sizes) each give exit
status 2 with exactly one ``error:`` line and write nothing; valid random configs at tiny sizes run
to a result. The number of cases tried is printed (``-s``) and recorded in the README."""
from __future__ import annotations

import dataclasses
import io
import keyword
import typing
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from sims.__main__ import main
from sims.config import config_class, from_mapping, load_profile_file
from sims.registry import get_simulator, names
from tiny_configs import TINY

CASES = {"malformed": 0, "valid": 0}
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _fields(sim, values):
    """Field name -> type of the config class that ``values`` (an experiment) builds."""
    cls = config_class(sim.config, values)
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _base(hint):
    origin = typing.get_origin(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        return _base(next(h for h in typing.get_args(hint) if h is not type(None)))
    return hint


def _bad_values(hint) -> st.SearchStrategy:
    """YAML texts that no field of this type may accept."""
    garbage = st.text(alphabet="αβγ€Ω字ğ", min_size=1, max_size=6)     # unicode, never an enum value
    hint = _base(hint)
    if typing.get_origin(hint) is tuple:
        (item, _) = typing.get_args(hint)
        return st.one_of(st.just("{a: 1}"), garbage,
                         st.builds(lambda v: f"[{v}]", _bad_values(item)))
    if hint is bool:
        return st.one_of(st.just("maybe"), st.just("2"), st.just("[true]"), garbage)
    if hint is int:
        return st.one_of(st.integers(-10**6, -1).map(str), st.just("1.5"), st.just(".nan"),
                         st.just("1.0e+30"), st.just("[1, 2]"), st.just("true"), garbage)
    if hint is float:
        return st.one_of(st.just(".nan"), st.just("[0.5]"), st.just("{x: 1}"), st.just("true"),
                         garbage)
    return st.one_of(garbage, st.just("[a]"), st.integers(0, 9).map(str))   # str: enums only


def _run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def _malformed(sim_name, experiment):
    sim = get_simulator(sim_name)
    fields = _fields(sim, load_profile_file(sim_name, "quick")["experiments"][experiment])
    known = st.sampled_from(sorted(fields)).flatmap(
        lambda k: _bad_values(fields[k]).map(lambda v: f"{k}={v}"))
    unknown = st.from_regex(r"[a-z][a-z_]{2,12}", fullmatch=True).filter(
        lambda k: k not in fields and not keyword.iskeyword(k)).map(lambda k: f"{k}=1")
    broken = st.sampled_from(["=3", "noequals", "n=[1, 2", "x={"])
    return st.one_of(known, unknown, broken)


@pytest.mark.parametrize("sim_name", names())
def test_malformed_overrides_are_one_error_line_and_write_nothing(sim_name, tmp_path):
    experiment = next(iter(load_profile_file(sim_name, "quick")["experiments"]))

    @SETTINGS
    @given(override=_malformed(sim_name, experiment), dry=st.booleans())
    def case(override, dry):
        CASES["malformed"] += 1
        argv = ["run", sim_name, "--experiment", experiment, "--set", override,
                "--results-dir", str(tmp_path)] + (["--dry-run"] if dry else [])
        rc, _, err = _run(argv)
        assert rc == 2, f"{override!r} was accepted"
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert not any(tmp_path.iterdir()), f"{override!r} wrote files"

    case()


def test_huge_sizes_are_refused_before_anything_runs(tmp_path):
    rc, _, err = _run(["run", "double_descent", "--experiment", "linear", "--set", "n=10000000",
                       "--results-dir", str(tmp_path)])
    assert rc == 2 and "GiB" in err and not any(tmp_path.iterdir())


def _perturb(values: dict, rng: np.random.Generator) -> dict:
    """Small random changes of a tiny config that keep it tiny: seeds, and integer sizes scaled
    by 1-2x."""
    out = dict(values, seed=int(rng.integers(0, 2**31)))
    for k, v in values.items():
        if isinstance(v, int) and not isinstance(v, bool) and k != "seed" and v >= 2:
            out[k] = int(v * rng.uniform(1.0, 2.0))
    return out


@pytest.mark.parametrize("sim_name", [s for s in names() if s in TINY])
def test_valid_random_tiny_configs_run_to_a_result(sim_name):
    sim = get_simulator(sim_name)

    @settings(max_examples=4, deadline=None, derandomize=True)
    @given(k=st.integers(0, len(TINY[sim_name]) - 1), draw=st.integers(0, 2**32 - 1))
    def case(k, draw):
        CASES["valid"] += 1
        values = _perturb(TINY[sim_name][k], np.random.default_rng(draw))
        try:
            config = from_mapping(sim.config, {**values, "backend": "numpy"})
        except Exception as exc:  # noqa: BLE001 - a perturbation the simulator refuses is fine
            assert exc.__class__.__name__ == "ConfigError", exc
            return
        res = sim.simulate(config)
        assert res.arrays and res.meta["kind"] == sim.kind(config)
        assert set(res.dims) == set(res.arrays)
        rows = sim.check(res, symbolic=False)
        assert all(isinstance(r.passed, bool) for r in rows)

    case()


def test_report_the_number_of_cases(capsys):
    """Prints how many cases the fuzz tests above tried in this session (run after them)."""
    with capsys.disabled():
        print(f"\nfuzz cases tried: {CASES['malformed']} malformed, {CASES['valid']} valid")
