"""sims.fpmode: FTZ/DAZ for a block, restored afterwards; subnormals count as 0 inside, normal
arithmetic is unchanged; and the grokking diagnostics it speeds up agree with their first forms."""
from __future__ import annotations

import platform

import numpy as np
import pytest

from sims.fpmode import flush_denormals, mode

x86 = pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                         reason="FTZ/DAZ is an x86-64 mode")


@x86
def test_flush_denormals_sets_and_restores_the_mode():
    before = mode()
    tiny = np.full(8, 1e-300)
    assert (tiny * 1e-10)[0] > 0                         # a subnormal result normally
    with flush_denormals():
        assert mode() & 0x8040 == 0x8040
        assert (tiny * 1e-10)[0] == 0.0                  # flushed to zero inside
        assert (tiny * 1e10)[0] == 1e-290                # normal results unchanged
    assert mode() & 0xFFC0 == before & 0xFFC0 and (tiny * 1e-10)[0] > 0   # control bits (0-5 are sticky flags)
    with flush_denormals(enabled=False):
        assert mode() & 0xFFC0 == before & 0xFFC0


def test_gf_stats_equals_its_direct_form():
    """cos(G_F, Ytil Ytil^T F) from the projections A = Ytil^T F, B = Ytil^T G_F equals the
    direct form that builds S = Ytil Ytil^T F (to round-off)."""
    from sims.grokking.metrics import gf_stats
    rng = np.random.default_rng(0)
    GF, F, Yt = rng.standard_normal((40, 16)), rng.standard_normal((40, 16)), rng.standard_normal((40, 5))
    Q, _ = np.linalg.qr(Yt)
    S = Yt @ (Yt.T @ F)
    want = np.sum(GF * S) / np.sqrt(np.sum(GF * GF) * np.sum(S * S))
    n, lab, cos = gf_stats(GF, F, Yt, Q)
    assert cos == pytest.approx(want, rel=1e-12)
    assert n == pytest.approx(np.linalg.norm(GF)) and 0 <= lab <= 1
