"""Independent sweep points cut out of one sequential random stream.

Several sweeps of this simulator draw their matrices one after another from a single
``numpy.random.Generator`` (the W draws of the limit loss, of the compute-optimal curves and of the
equivalent's check). Normal and bounded-integer draws consume a variable
number of bits (rejection sampling), so the k-th draw cannot be reached by skipping ahead. To run
such draws as independent, checkpointed sweep points (:func:`sims.parallel.run`) with the very same
numbers, :func:`states` replays the stream once, recording the generator's state before each draw
(replaying costs the draws themselves, not the work done with them), and :func:`generator` rebuilds
a generator at a recorded state inside the point.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def states(rng: np.random.Generator, draws: Sequence[Callable[[np.random.Generator], object]]) -> list[dict]:
    """The bit-generator state of ``rng`` before each of ``draws`` (callables making that draw),
    replayed in order; ``rng`` ends where the last draw leaves it."""
    out = []
    for draw in draws:
        out.append(rng.bit_generator.state)
        draw(rng)
    return out


def generator(state: dict) -> np.random.Generator:
    """A generator of the same bit-generator kind, positioned at ``state``."""
    bit = getattr(np.random, state["bit_generator"])()
    bit.state = state
    return np.random.Generator(bit)


def normal(shape: tuple[int, ...]) -> Callable[[np.random.Generator], object]:
    """The draw ``rng.standard_normal(shape)``."""
    return lambda rng: rng.standard_normal(shape)
