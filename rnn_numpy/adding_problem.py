"""The adding problem (Hochreiter and Schmidhuber 1997): a long-lag memory task.

The data generator, `adding_problem_batch`, lives in the learner kit (`coursekit.adding_problem`,
which notebooks import) and is re-exported here; this module adds the baseline and the
"solved" criterion.

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

from coursekit.adding_problem import adding_problem_batch  # noqa: F401  (the data: one source)
from rnn_numpy.shapes import Shapes

SOLVED_FRACTION = 0.1  # "solved" = test MSE < 0.1 * baseline = 1/60 ~ 0.0167


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
        raise ValueError(
            f"solved_threshold: fraction must be at most 1 (below the baseline), got {fraction}"
        )
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
