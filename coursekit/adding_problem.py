"""The adding problem (Hochreiter and Schmidhuber 1997): a task that needs a long memory.

    x, y = adding_problem_batch(N=32, T=100, rng=np.random.default_rng(0))

Each sequence has T steps of two input channels (D = 2). Channel 0 holds random numbers,
uniform on [0, 1]; channel 1 marks exactly two steps with a 1 (0 elsewhere): one among the
first T//2 steps, one among the others (the convention of Le, Jaitly and Hinton 2015). The target
is the sum of the two marked numbers, read after the last step, so a model must hold the first
marked number for up to T - 1 steps while ignoring every unmarked one.

Predicting the mean target, 1, for every sequence scores the targets' variance,
1/12 + 1/12 = 1/6, whatever T is: a model near that has learned nothing but the mean.

This file only makes the data, and is its one definition: notebooks 05 and 06 import it, as do
`coursekit.long_lag` (notebook 06's race) and the course's library and tools. It is not an
exercise.
"""

from __future__ import annotations

import numbers

import numpy as np

INPUT_SIZE = 2  # D: the number, and the marker


def adding_problem_batch(N, T, rng):
    """A batch of adding-problem sequences and their targets.

    N is the number of sequences and T the number of steps (T >= 2).

    Inputs:
    - N: batch size, a whole number >= 1
    - T: sequence length, a whole number >= 2
    - rng: a numpy.random.Generator (e.g. np.random.default_rng(0)); the only randomness used

    Returns a tuple of:
    - x: float64 array, shape (N, T, 2); x[..., 0] uniform on [0, 1], x[..., 1] the 0/1 markers
      with one 1 in steps 1 .. T//2 (indices 0 .. T//2 - 1) and one in the remaining steps
    - y: float64 array, shape (N,); the sum of the two marked numbers
    """
    for name, value, smallest in (("N", N, 1), ("T", T, 2)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(
                f"adding_problem_batch: {name} must be a whole number, got {type(value).__name__}"
            )
        if value < smallest:
            raise ValueError(
                f"adding_problem_batch: {name} must be at least {smallest}"
                f"{' (two marked steps)' if name == 'T' else ''}, got {value}"
            )
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"adding_problem_batch: rng must be a numpy.random.Generator "
            f"(np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    N, T = int(N), int(T)
    half = T // 2
    values = rng.uniform(0.0, 1.0, size=(N, T))
    first = rng.integers(0, half, size=N)  # in the first half
    second = rng.integers(half, T, size=N)  # in the second half
    markers = np.zeros((N, T))
    rows = np.arange(N)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)  # (N, T, 2)
    y = values[rows, first] + values[rows, second]  # (N,)
    return x, y
