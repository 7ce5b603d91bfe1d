"""Every simulator's tiny configs (tests/tiny_configs.py) run once per test session, each named
after the quick profile's experiment of the same kind: the shared input of the outputs, figure
layout and LaTeX tests (about 45 s for all seven simulators on one core)."""
from __future__ import annotations

import functools

from sims import threads
from sims.api import simulate
from sims.config import from_mapping, load_experiments
from sims.registry import get_simulator
from tiny_configs import TINY


@functools.lru_cache(maxsize=None)
def quick_names(sim_name: str) -> dict[str, list[str]]:
    """kind -> the quick profile's experiment names of that kind, in profile order."""
    sim = get_simulator(sim_name)
    out: dict[str, list[str]] = {}
    for name, cfg in load_experiments(sim_name, sim.config, "quick").items():
        out.setdefault(sim.kind(cfg), []).append(name)
    return out


def tiny_names(sim_name: str) -> dict[str, dict]:
    """Experiment name -> config values of every tiny config of ``sim_name``, named as
    :func:`tiny_results` names them (the quick profile's name of the same kind)."""
    sim = get_simulator(sim_name)
    taken: dict[str, int] = {}
    out = {}
    for values in TINY[sim_name]:
        kind = sim.kind(from_mapping(sim.config, values))
        names = quick_names(sim_name).get(kind, [])
        i = taken.get(kind, 0)
        taken[kind] = i + 1
        out[names[i] if i < len(names) else (kind if i == 0 else f"{kind}_{i}")] = values
    return out


def write_tiny_profile(folder) -> None:
    """A profile folder (``<folder>/<sim>.yaml`` for every simulator) of the tiny configs: every
    experiment kind of every simulator in seconds; the reduced profile of the kill test."""
    from pathlib import Path

    import yaml
    from sims.registry import names
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for sim_name in names():
        (folder / f"{sim_name}.yaml").write_text(yaml.safe_dump(
            {"experiments": tiny_names(sim_name)}, sort_keys=False))


@functools.lru_cache(maxsize=None)
def tiny_results(sim_name: str) -> dict:
    """Experiment name -> Result of every tiny config of ``sim_name``, run on one thread."""
    sim = get_simulator(sim_name)
    taken: dict[str, int] = {}
    out = {}
    for values in TINY[sim_name]:
        cfg = from_mapping(sim.config, values)
        kind = sim.kind(cfg)
        names = quick_names(sim_name).get(kind, [])
        i = taken.get(kind, 0)
        taken[kind] = i + 1
        name = names[i] if i < len(names) else (kind if i == 0 else f"{kind}_{i}")
        with threads.limited(*threads.plan(sim, cfg, 1)):
            out[name] = simulate(sim, cfg, experiment=name, profile="tiny")
    return out
