"""The adding problem (Hochreiter and Schmidhuber 1997): a long-lag memory task.

Each sequence has T steps of two channels. Channel 0 holds random numbers, uniform on [0, 1].
Channel 1 is a marker: 1 at exactly two steps, 0 elsewhere. The target is the sum of the two
marked numbers. Our convention (the one of Le, Jaitly and Hinton 2015): the first marker is
uniform over the first half, steps 0 .. T//2 - 1, the second over the second half,
steps T//2 .. T-1. So the network must hold a number for up to T - 1 steps.

Baseline: always predicting the mean target, 1, scores the target's variance, 1/6 (see
`mean_baseline_mse`). We call the task solved when the mean squared error on fresh sequences is
below SOLVED_FRACTION times that baseline.
"""
from __future__ import annotations

import numpy as np

from grader.reference._validate import Shapes

SOLVED_FRACTION = 0.1   # "solved" = test MSE < 0.1 * baseline = 1/60 ~ 0.0167


def adding_problem_batch(N, T, rng):
    """A batch of adding-problem sequences and their targets.

    N is the number of sequences and T the number of steps (T >= 2).

    Inputs:
    - N: batch size
    - T: sequence length, at least 2
    - rng: a numpy.random.Generator (e.g. np.random.default_rng(0)); the only randomness used

    Returns a tuple of:
    - x: float64 array, shape (N, T, 2); x[..., 0] uniform on [0, 1], x[..., 1] the 0/1 markers
      with one 1 in steps 0 .. T//2 - 1 and one in steps T//2 .. T-1
    - y: float64 array, shape (N,); the sum of the two marked values
    """
    shapes = Shapes("adding_problem_batch")
    N = shapes.positive_int("N", N)
    T = shapes.positive_int("T", T)
    if T < 2:
        raise ValueError(f"adding_problem_batch: T must be at least 2 (two marked steps), got {T}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"adding_problem_batch: rng must be a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(rng).__name__}")
    half = T // 2
    values = rng.uniform(0.0, 1.0, size=(N, T))
    first = rng.integers(0, half, size=N)              # in the first half
    second = rng.integers(half, T, size=N)             # in the second half
    markers = np.zeros((N, T))
    rows = np.arange(N)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)            # (N, T, 2)
    y = values[rows, first] + values[rows, second]      # (N,)
    return x, y


def mean_baseline_mse(T=None):
    """MSE of always predicting the mean target, 1.0: exactly 1/6, whatever T is.

    y = u1 + u2 with u1, u2 independent and uniform on [0, 1]. The best constant guess is
    E[y] = 1, and its mean squared error is Var(y) = Var(u1) + Var(u2) = 1/12 + 1/12 = 1/6.
    A model scoring near 0.167 has learned nothing beyond the mean.

    Inputs:
    - T: sequence length (accepted for symmetry with the batch function; it does not matter)

    Returns:
    - mse: the float 1/6
    """
    if T is not None:
        T = Shapes("mean_baseline_mse").positive_int("T", T)
    return 1.0 / 6.0


def solved_threshold(fraction=SOLVED_FRACTION):
    """The MSE below which the adding problem counts as solved: fraction * 1/6.

    Inputs:
    - fraction: share of the baseline MSE, in (0, 1]; default SOLVED_FRACTION = 0.1

    Returns:
    - threshold: a float (1/60 with the default)
    """
    fraction = Shapes("solved_threshold").positive_float("fraction", fraction)
    if fraction > 1:
        raise ValueError(f"solved_threshold: fraction must be at most 1 (below the baseline), "
                         f"got {fraction}")
    return fraction * mean_baseline_mse()


def is_solved(mse, fraction=SOLVED_FRACTION):
    """True when a test MSE is below solved_threshold(fraction).

    Inputs:
    - mse: mean squared error on fresh sequences, a number >= 0

    Returns:
    - solved: a bool
    """
    mse = Shapes("is_solved").positive_float("mse", mse, allow_zero=True)
    return bool(mse < solved_threshold(fraction))
