"""Tests for theory.neuron_alignment: every symbolic check passes and can fail."""
from __future__ import annotations

import numpy as np
import sympy as sp

from theory import neuron_alignment as theory


def test_verify_all_pass():
    checks = theory.verify()
    assert checks and all(checks.values()), [k for k, ok in checks.items() if not ok]


def test_balancedness_check_detects_a_wrong_field():
    # the same identity with a leaky slope on inactive units is NOT conserved unless mirrored in dv
    w, v, x, g = sp.symbols("w v x g")
    rate = 2 * v * g * w * x - 2 * w * v * g * (x + sp.Rational(1, 10) * x)
    assert sp.expand(rate) != 0


def test_bound_and_slopes():
    assert np.isclose(theory.align_time_bound(np.e, 0.25), 8.0)
    assert np.isclose(theory.escape_slope(4.0, 0.5), 0.5)
    assert np.isclose(theory.late_slope(10.0), -1.1)
    assert np.isclose(theory.data_center_norm(4, 0.5), np.sqrt(2 + 2 * 0.5))
