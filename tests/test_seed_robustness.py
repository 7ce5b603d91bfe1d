"""The seed-robustness job (slow; CI's slow job: ``CI_SLOW=1 bash .ci/run``): the whole quick
profile on three seed sets other than the shipped ones (every experiment's seed shifted by 1000,
2000, 3000; scripts/seed_robustness.py) gives every simulation claim the same verdict, PASS with
its control rejected, on every set. The report is written next to the results."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.timeout(5400)
def test_every_verdict_holds_on_three_other_seed_sets(tmp_path):
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "seed_robustness.py"),
                          "--out", str(tmp_path), "--markdown", str(tmp_path / "report.md")],
                         cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-3000:]


def test_the_shifted_profile_keeps_paired_runs_paired(tmp_path):
    """Every experiment's seed moves by the same offset (a run and its control keep sharing a
    seed), and nothing else in the profile changes."""
    sys.path.insert(0, str(REPO / "scripts"))
    from seed_robustness import shifted_profile

    from sims.config import load_profile_file
    from sims.registry import get_simulator, names
    folder = shifted_profile("quick", 1000, tmp_path / "seeds_1000")
    for sim in names():
        before = load_profile_file(sim, "quick")["experiments"]
        after = load_profile_file(sim, "seeds_1000", tmp_path)["experiments"]
        default = getattr(get_simulator(sim).config, "seed", 0)
        assert set(before) == set(after)
        for name, values in before.items():
            moved = dict(after[name])
            assert moved.pop("seed") == int(values.get("seed", default)) + 1000, (sim, name)
            assert moved == {k: v for k, v in values.items() if k != "seed"}, (sim, name)
    assert folder.is_dir()
