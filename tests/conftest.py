"""Shared fixtures: things that are slow to build and read-only once built."""
from __future__ import annotations

import os

# The simulators do many small (<= 200 x 1000) SVDs and products; a multi-threaded OpenBLAS spins
# on these and, on a busy 2-core machine, made the suite up to 15x slower (mostly system time).
# Set before numpy is first imported; an explicit setting in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def theory_checks() -> dict[str, bool]:
    """theory.double_descent.verify() (about 2 s of sympy), run once per test session."""
    from theory import double_descent as theory
    return theory.verify()
