"""Configs: one class per experiment kind (a tagged union where a simulator's kinds have different
fields), every default valid and every field replaceable, a field of another kind rejected with the
kinds that have it, numpy scalars and arrays accepted as Python values, and every field documented
(the generated reference, docs/reference/config.md, is up to date)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import sims
from sims import reference
from sims.config import BaseConfig, from_mapping, union_root, variants
from sims.errors import ConfigError
from sims.registry import get_simulator, names

CLASSES = [(sim, tag, cls) for sim in names() for tag, cls in variants(get_simulator(sim).config).items()]


def _candidates(value):
    """Values near ``value`` of the same type, to try as a replacement."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, 2 * value, max(value - 1, 0)]
    if isinstance(value, float):
        return [value * 1.1, value * 0.9, value + 0.1, value - 0.1, 0.0] if math.isfinite(value) \
            else [value]
    if isinstance(value, tuple):
        return [value[:1], value + value[-1:]] if value else [value]
    return [value]                      # a name (one of a field's choices) or None


@pytest.mark.parametrize("sim, tag, cls", CLASSES, ids=[f"{s}:{t or 'config'}" for s, t, _ in CLASSES])
def test_every_default_is_valid_and_every_field_can_be_replaced(sim, tag, cls):
    """The class builds with its defaults; ``replace`` of each field with its own value gives an
    equal config, and with a nearby value of its type (the first that the field's rules accept:
    a count one more, a number 10% off, a list one shorter or longer, a flag flipped) gives a
    config with that value."""
    config = cls()
    assert type(config) is cls
    unchanged = []
    for f in dataclasses.fields(cls):
        value = getattr(config, f.name)
        assert config.replace(**{f.name: value}) == config, f.name
        for candidate in _candidates(value):
            try:
                changed = config.replace(**{f.name: candidate})
            except ConfigError:
                continue
            assert getattr(changed, f.name) == from_mapping(cls, {f.name: candidate}).__getattribute__(f.name)
            break
        else:
            unchanged.append(f.name)
    # only a choice, a field pinned by the kind (ntk_init's act, say) or the tag keeps its value
    pinned = {f.name for f in dataclasses.fields(cls)
              if isinstance(getattr(config, f.name), str) or getattr(config, f.name) is None}
    assert set(unchanged) <= pinned | {"params", "widths", "gains", "depth"}, unchanged


def test_grokking_default_config_takes_another_modulus():
    """The issue's case: GrokkingConfig() (kind run) replaced to M = 29, and --set indep_record."""
    from sims.grokking import GrokkingConfig, RunConfig, Stage2Config
    c = GrokkingConfig().replace(M=29)
    assert isinstance(c, RunConfig) and c.M == 29
    assert GrokkingConfig(kind="stage2").replace(indep_record=3).indep_record == 3
    assert isinstance(GrokkingConfig(kind="stage2"), Stage2Config)


@pytest.mark.parametrize("sim", [s for s in names() if union_root(get_simulator(s).config)])
def test_a_field_of_another_kind_is_an_error_naming_its_kinds(sim):
    """For every pair of kinds of a union: a field the first has and the second lacks is refused
    in the second (by the class, by from_mapping and by a profile override), naming the kinds
    that have it."""
    root = get_simulator(sim).config
    kinds = variants(root)
    fields = {t: {f.name for f in dataclasses.fields(c)} for t, c in kinds.items()}
    checked = 0
    for a, b in ((a, b) for a in kinds for b in kinds if a != b):
        for name in sorted(fields[a] - fields[b])[:2]:
            value = getattr(kinds[a](), name)
            with pytest.raises(ConfigError, match=rf"'{name}' is a field of {root.TAG}: .*{a}"):
                from_mapping(root, {root.TAG: b, name: value})
            with pytest.raises(ConfigError, match=name):
                root(**{root.TAG: b, name: value})
            checked += 1
    assert checked > 0


def test_numpy_scalars_and_arrays_are_accepted_as_python_values():
    """np.int64, np.float64, np.bool_, np.str_ and numpy arrays for list fields, through the class,
    from_mapping and the API's overrides; stored as plain Python values."""
    from sims.double_descent import DoubleDescentConfig
    c = DoubleDescentConfig(n=np.int64(40), ratios=np.array([0.5, 2.0]), noise=np.float64(0.25),
                            model=np.str_("linear"), seeds=np.int64(3))
    assert c.n == 40 and type(c.n) is int and c.ratios == (0.5, 2.0) and type(c.noise) is float
    assert c.to_dict()["ratios"] == [0.5, 2.0]
    exps = sims.experiments("double_descent", seeds=np.int64(20), ratios=np.array([0.5, 1.5]))
    assert all(e.seeds == 20 and e.ratios == (0.5, 1.5) for e in exps.values())
    from sims.neural_collapse import NeuralCollapseConfig
    assert NeuralCollapseConfig(bias=np.bool_(True)).bias is True
    with pytest.raises(ConfigError, match="integer"):
        DoubleDescentConfig(n=np.float64(40.5))


def test_sims_run_takes_numpy_values():
    res = sims.run("double_descent", "linear", seeds=np.int64(2), n=np.int64(20),
                   ratios=np.array([0.5, 2.0]), budgets=np.array([10.0]), ridge=[0.1],
                   threads=1)
    assert res["min_norm_risk"].shape == (2, 2) and res.meta["config"]["seeds"] == 2


def test_every_field_has_a_description():
    assert reference.undocumented() == []
    assert all(f.metadata.get("doc") for f in dataclasses.fields(BaseConfig))


def test_the_config_reference_is_up_to_date():
    """docs/reference/config.md is what ``python -m sims.reference`` writes today, and lists every
    field of every simulator."""
    assert reference.PAGE.read_text() == reference.markdown(), \
        "regenerate it: python -m sims.reference"
    page = reference.PAGE.read_text()
    for sim, _, cls in CLASSES:
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` |" in page, (sim, f.name)
