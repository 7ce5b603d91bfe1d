"""Kill anywhere: the whole workflow (every simulator, every experiment kind: runs, claims,
ledger, figures), killed with SIGKILL at several moments (one inside each simulator's sweep: the
moment its first checkpoint point appears, plus random moments) and rerun, ends with results,
claims, ledger and figures identical to an uninterrupted run's.

Both runs use a reduced profile, ``tiny``: one tiny config of every experiment kind of every
simulator (tests/tiny_configs.py), so the workflow has every rule and every sweep of the quick
profile at a fraction of its cost; the quick profile itself runs once, in test_workflow.py. Arrays
are compared bit for bit and metadata without its provenance (times, which differ by
construction); claims JSON, the ledger and figure bytes exactly.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sims.config import load_profile_file
from sims.registry import names
from tiny_results import write_tiny_profile

REPO = Path(__file__).resolve().parents[1]
PROFILE = "tiny"
MIN_KILLS = 5


def _snakemake(work: Path, profile_dir: Path) -> list[str]:
    return [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "figures",
            "--cores", "2", "--rerun-incomplete", "-d", str(work),
            "--config", f"profile_dir={profile_dir}"]


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "SIMS_CONFIG_DIR"}


def _start(work: Path, profile_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(_snakemake(work, profile_dir), cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, env=_env())


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    work = Path(proc.args[proc.args.index("-d") + 1])
    subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--unlock",
                    "-d", str(work)], cwd=REPO, capture_output=True)


def _points(work: Path, sim: str) -> int:
    """Checkpointed sweep points of ``sim`` on disk."""
    root = work / "results" / PROFILE / "checkpoints" / sim
    return sum(1 for _ in root.rglob("item-*.npz")) if root.is_dir() else 0


def _arrays_and_meta(path: Path):
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "__meta__"}
        meta = json.loads(str(data["__meta__"]))
    meta.pop("provenance", None)
    return arrays, meta


def _compare(a: Path, b: Path) -> list[str]:
    diffs = []
    base_a, base_b = a / "results" / PROFILE, b / "results" / PROFILE
    for sim in names():
        runs_a = sorted(p.stem for p in (base_a / sim).glob("*.npz"))
        if runs_a != sorted(p.stem for p in (base_b / sim).glob("*.npz")) or not runs_a:
            diffs.append(f"{sim}: result files differ")
            continue
        for exp in runs_a:
            x, mx = _arrays_and_meta(base_a / sim / f"{exp}.npz")
            y, my = _arrays_and_meta(base_b / sim / f"{exp}.npz")
            if mx != my:
                diffs.append(f"{sim}/{exp}: metadata differs")
            for k in set(x) | set(y):
                if k not in x or k not in y or x[k].tobytes() != y[k].tobytes() \
                        or x[k].dtype != y[k].dtype or x[k].shape != y[k].shape:
                    diffs.append(f"{sim}/{exp}: array {k} differs")
        if (base_a / "claims" / f"{sim}.json").read_bytes() != \
                (base_b / "claims" / f"{sim}.json").read_bytes():
            diffs.append(f"{sim}: claims differ")
        for ext in ("pdf", "png"):
            fa, fb = base_a / "figures" / f"{sim}.{ext}", base_b / "figures" / f"{sim}.{ext}"
            if fa.is_file() and fa.read_bytes() != fb.read_bytes():
                diffs.append(f"{sim}: figure .{ext} differs")
    if (base_a / "claims.md").read_bytes() != (base_b / "claims.md").read_bytes():
        diffs.append("ledger differs")
    return diffs


@pytest.fixture(scope="module")
def tiny_profile(tmp_path_factory) -> Path:
    """The tiny profile folder both runs read (one path: the results record it)."""
    folder = tmp_path_factory.mktemp("profiles") / PROFILE
    write_tiny_profile(folder)
    return folder


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, tiny_profile):
    work = tmp_path_factory.mktemp("uninterrupted")
    proc = subprocess.run(_snakemake(work, tiny_profile), cwd=REPO, capture_output=True, text=True,
                          env=_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return work


def test_the_tiny_profile_has_every_kind_of_every_simulator(tmp_path):
    """The reduced profile loses no rule: every simulator, every experiment kind."""
    from sims.config import from_mapping
    from sims.registry import get_simulator
    write_tiny_profile(tmp_path / PROFILE)
    for sim in names():
        s = get_simulator(sim)
        exps = load_profile_file(sim, PROFILE, tmp_path)["experiments"]
        kinds = {s.kind(from_mapping(s.config, v)) for v in exps.values()}
        assert set(s.claims) <= kinds, (sim, set(s.claims) - kinds)


def test_killed_anywhere_and_rerun_gives_the_identical_results(uninterrupted, tiny_profile,
                                                               tmp_path):
    work = tmp_path / "killed"
    work.mkdir()
    rng = random.Random(20261201)
    waiting = [s for s in names()]
    kills = []
    deadline = time.monotonic() + 1500
    while time.monotonic() < deadline:
        before = {s: _points(work, s) for s in waiting}
        proc = _start(work, tiny_profile)
        target = None
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            hit = next((s for s in waiting if _points(work, s) > before[s]), None)
            if hit is not None:
                time.sleep(rng.uniform(0.0, 1.0))       # somewhere inside that sweep
                target = hit
                break
        if proc.poll() is not None:
            break                                        # finished: nothing left to kill in
        _kill(proc)
        kills.append(target)
        waiting.remove(target)
        if not waiting:
            break
    extra = 0
    while extra < max(0, MIN_KILLS - len(kills)):        # random moments, if too few sweeps
        proc = _start(work, tiny_profile)
        time.sleep(rng.uniform(2.0, 15.0))
        if proc.poll() is not None:
            break
        _kill(proc)
        kills.append("random")
        extra += 1
    final = subprocess.run(_snakemake(work, tiny_profile), cwd=REPO, capture_output=True,
                           text=True, env=_env())
    assert final.returncode == 0, final.stderr[-3000:]
    print(f"\nkill points: {kills}")
    assert len(kills) >= MIN_KILLS, kills
    assert not _compare(uninterrupted, work), _compare(uninterrupted, work)
