import math

import numpy as np
import pytest

from rnn_numpy.losses import cross_entropy, softmax_cross_entropy_backward
from tests.library.helpers import numeric_grad, rel_error


def test_hand_computed():
    assert cross_entropy(np.zeros((2, 4)), np.array([0, 3])) == pytest.approx(math.log(4))
    assert cross_entropy(np.array([[0.0, math.log(3)]]), np.array([1])) == pytest.approx(
        -math.log(0.75)
    )
    assert cross_entropy(np.array([[5.0]]), np.array([0])) == 0.0
    np.testing.assert_allclose(
        softmax_cross_entropy_backward(np.zeros((2, 2)), np.array([0, 1])),
        [[-0.25, 0.25], [0.25, -0.25]],
    )


def test_stable_at_1e4():
    logits = np.array([[1e4, 0.0, -1e4]])
    assert cross_entropy(logits, np.array([2])) == pytest.approx(2e4)
    assert cross_entropy(logits, np.array([0])) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(softmax_cross_entropy_backward(logits, np.array([2])), [[1, 0, -1]])


@pytest.mark.parametrize("N, V", [(1, 1), (1, 3), (4, 2), (6, 5)])
def test_backward_matches_finite_differences(N, V):
    rng = np.random.default_rng(N * 10 + V)
    logits, targets = rng.normal(size=(N, V)), rng.integers(0, V, N)
    analytic = softmax_cross_entropy_backward(logits, targets)
    numeric = numeric_grad(lambda _: cross_entropy(logits, targets), logits)
    assert analytic.shape == (N, V)
    assert rel_error(analytic, numeric, floor=1e-3) <= 1e-7


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: cross_entropy(np.zeros((2, 3)), np.array([0, 3])), "targets has entry 3"),
        (lambda: cross_entropy(np.zeros((2, 3)), np.array([0])), "targets must have shape"),
        (lambda: cross_entropy(np.zeros(3), np.array([0])), "logits must have 2 dimension"),
        (
            lambda: cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])),
            "targets must be an integer",
        ),
        (
            lambda: softmax_cross_entropy_backward(np.zeros((0, 3)), np.zeros(0, int)),
            "at least one row",
        ),
    ],
)
def test_validation_names_the_argument(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
