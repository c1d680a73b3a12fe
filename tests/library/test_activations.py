import numpy as np
import pytest

from rnn_numpy.activations import log_softmax, sigmoid, softmax


def test_softmax_hand_computed():
    np.testing.assert_allclose(softmax(np.log([[1.0, 2.0, 3.0]])), [[1 / 6, 2 / 6, 3 / 6]])
    np.testing.assert_allclose(softmax(np.zeros((2, 4))), np.full((2, 4), 0.25))


def test_softmax_axis_and_shapes():
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    for axis in (0, 1, 2, -1):
        p = softmax(x, axis=axis)
        assert p.shape == x.shape
        np.testing.assert_allclose(p.sum(axis=axis), 1.0)
        np.testing.assert_allclose(p, np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True))
    np.testing.assert_allclose(softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75])


def test_stable_at_1e4_without_warnings():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    np.testing.assert_allclose(softmax(x), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(log_softmax(x)[0], [0.0, -2e4, -1e4])
    np.testing.assert_allclose(sigmoid(np.array([1e4, -1e4, 0.0])), [1.0, 0.0, 0.5])


def test_log_softmax_matches_log_of_softmax():
    x = np.random.default_rng(1).normal(size=(5, 7))
    np.testing.assert_allclose(log_softmax(x), np.log(softmax(x)))


def test_sigmoid_matches_formula():
    x = np.linspace(-20, 20, 41)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: softmax(np.array([1, 2])), "logits must be a floating-point"),
        (lambda: softmax(np.float64(1.0)), "logits must have at least 1"),
        (lambda: softmax(np.zeros((2, 3)), axis=2), "axis 2 is out of range"),
        (lambda: sigmoid("x"), "x must be a NumPy array"),
    ],
)
def test_validation_names_the_argument(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
