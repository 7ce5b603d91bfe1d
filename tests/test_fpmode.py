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
    """|G_F|, its share in col(Ytil) and cos(G_F, Ytil Ytil^T F), computed from M x M and M x K
    products only, equal the direct forms that build G_F = -(2/N) R V and S = Ytil Ytil^T F
    (to round-off); a G_F inside col(Ytil) has share 1."""
    from sims.grokking.metrics import gf_stats
    rng = np.random.default_rng(0)
    N, M, K = 40, 5, 16
    R, V, F = rng.standard_normal((N, M)), rng.standard_normal((M, K)), rng.standard_normal((N, K))
    Yt = rng.standard_normal((N, M))
    Q, _ = np.linalg.qr(Yt[:, :3])
    GF = -(2.0 / N) * R @ V
    S = Yt @ (Yt.T @ F)
    want = np.sum(GF * S) / np.sqrt(np.sum(GF * GF) * np.sum(S * S))
    n, lab, cos = gf_stats(R, V, F, Yt, Q)
    assert cos == pytest.approx(want, rel=1e-12)
    assert n == pytest.approx(np.linalg.norm(GF), rel=1e-12)
    assert lab == pytest.approx(np.sum((Q.T @ GF) ** 2) / np.sum(GF * GF), rel=1e-12)
    assert 0 < lab < 1
    assert gf_stats(Q @ rng.standard_normal((3, M)), V, F, Yt, Q)[1] == pytest.approx(1, rel=1e-12)
