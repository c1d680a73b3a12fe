"""The adding problem: markers, targets, the mean baseline and the solved criterion."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_numpy.adding_problem import (
    SOLVED_FRACTION,
    adding_problem_batch,
    is_solved,
    mean_baseline_mse,
    solved_threshold,
)


@pytest.mark.parametrize("N,T", [(1, 2), (5, 3), (200, 50)])
def test_batch_layout(N, T):
    x, y = adding_problem_batch(N, T, np.random.default_rng(0))
    assert x.shape == (N, T, 2) and y.shape == (N,)
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= 0 and values.max() <= 1
    np.testing.assert_array_equal(markers.sum(axis=1), 2)
    assert np.all(markers[:, : T // 2].sum(axis=1) == 1)  # one in the first half
    assert np.all(markers[:, T // 2 :].sum(axis=1) == 1)  # one in the second half
    np.testing.assert_allclose(y, (values * markers).sum(axis=1))


def test_same_seed_same_batch():
    a = adding_problem_batch(4, 10, np.random.default_rng(3))
    b = adding_problem_batch(4, 10, np.random.default_rng(3))
    np.testing.assert_array_equal(a[0], b[0])


def test_baseline_is_the_target_variance():
    assert mean_baseline_mse(100) == pytest.approx(1 / 6)
    _, y = adding_problem_batch(50_000, 4, np.random.default_rng(1))
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, rel=0.03)


def test_solved_criterion():
    assert SOLVED_FRACTION == 0.1
    assert solved_threshold() == pytest.approx(1 / 60)
    assert is_solved(0.01) and not is_solved(0.05) and not is_solved(1 / 6)
    with pytest.raises(ValueError, match="fraction"):
        solved_threshold(2.0)


def test_errors():
    with pytest.raises(ValueError, match="T must be at least 2"):
        adding_problem_batch(3, 1, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        adding_problem_batch(3, 4, 0)
    with pytest.raises(ValueError, match="N"):
        adding_problem_batch(0, 4, np.random.default_rng(0))
