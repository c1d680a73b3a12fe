import numpy as np
import pytest

from rnn_numpy.encoding import one_hot, window_inputs


def test_one_hot_any_shape():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    out = one_hot(np.array([[1, 1, 0]]), 2)
    assert out.shape == (1, 3, 2) and out.dtype == np.float64
    np.testing.assert_array_equal(one_hot(np.array(1), 3), [0, 1, 0])
    np.testing.assert_array_equal(one_hot(np.array([0]), 1), [[1.0]])


def test_window_inputs_layout():
    np.testing.assert_array_equal(
        window_inputs(np.array([0, 1, 1]), 2, 2), [[1, 0, 0, 1], [0, 1, 0, 1]]
    )
    idx = np.array([2, 0, 1, 1])
    np.testing.assert_array_equal(window_inputs(idx, 1, 3), one_hot(idx, 3))
    np.testing.assert_array_equal(window_inputs(idx, 4, 3), one_hot(idx, 3).reshape(1, 12))
    rows = window_inputs(idx, 3, 3)
    assert rows.shape == (2, 9)
    for t in range(2):
        np.testing.assert_array_equal(
            rows[t], np.concatenate([one_hot(idx[t + j], 3) for j in range(3)])
        )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: one_hot(np.array([0, 3]), 3), "indices has entry 3"),
        (lambda: one_hot(np.array([-1]), 3), "indices has entry -1"),
        (lambda: one_hot(np.array([0.0]), 3), "indices must be an integer"),
        (lambda: one_hot(np.array([0]), 0), "vocab_size must be at least 1"),
        (lambda: window_inputs(np.array([0, 1]), 3, 2), "window = 3 is longer than the sequence"),
        (lambda: window_inputs(np.array([[0, 1]]), 1, 2), "indices must have 1 dimension"),
        (lambda: window_inputs(np.array([0, 1]), 0, 2), "window must be at least 1"),
    ],
)
def test_validation_names_the_argument(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
