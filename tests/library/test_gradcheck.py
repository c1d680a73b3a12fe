"""rnn_numpy.gradcheck: finite differences and the relative error."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_numpy.gradcheck import numerical_gradient, numerical_gradient_array, relative_error


def test_numerical_gradient_of_known_functions():
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-8, atol=1e-9)
    np.testing.assert_array_equal(x, before)  # x restored exactly
    assert grad.shape == x.shape and grad.dtype == x.dtype
    # a quadratic: the centred difference is exact up to rounding
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    v = np.array([0.3, -0.7])
    np.testing.assert_allclose(numerical_gradient(lambda u: u @ A @ u / 2, v), A @ v, rtol=1e-9)


def test_numerical_gradient_sees_the_change_through_a_closure():
    w = np.array([1.0, 2.0])
    grad = numerical_gradient(lambda _: float(np.prod(w)), w)
    np.testing.assert_allclose(grad, [2.0, 1.0], rtol=1e-9)


def test_numerical_gradient_restores_x_when_f_fails():
    x = np.array([1.0, 2.0])
    calls = []

    def f(v):
        calls.append(v.copy())
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_allclose(calls[0], [1.0 + 1e-5, 2.0])


def test_numerical_gradient_array_matches_the_backward_of_a_product():
    rng = np.random.default_rng(0)
    x, W = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    dout = rng.normal(size=(3, 2))
    np.testing.assert_allclose(
        numerical_gradient_array(lambda v: v @ W, x, dout), dout @ W.T, rtol=1e-8
    )
    np.testing.assert_allclose(
        numerical_gradient_array(lambda v: x @ v, W, dout), x.T @ dout, rtol=1e-8
    )
    y = np.array([1.0, -2.0])
    np.testing.assert_allclose(
        numerical_gradient_array(lambda v: v, y, np.array([5.0, 6.0])), [5.0, 6.0], rtol=1e-9
    )  # f returns x itself: copies needed
    np.testing.assert_array_equal(y, [1.0, -2.0])


def test_relative_error_by_hand():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    # |1 - 1.1| / 2.1 and |2 - 2| / 4 -> the larger is 0.1 / 2.1
    assert relative_error(np.array([1.0, 2.0]), np.array([1.1, 2.0])) == pytest.approx(0.1 / 2.1)
    assert relative_error(np.zeros(2), np.array([0.0, 1e-9])) == pytest.approx(0.1)
    assert relative_error(np.array([3]), np.array([1])) == pytest.approx(0.5)
    assert isinstance(relative_error(np.ones(2), np.ones(2)), float)


def test_wrong_arguments():
    with pytest.raises(ValueError, match=r"b must have shape \(d0, d1\) = \(2, 3\), got \(3, 2\)"):
        relative_error(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="b must have the shape of a"):
        relative_error(np.ones((2, 3)), np.ones(6))
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_gradient(3.0, np.ones(2))
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        numerical_gradient(np.sum, np.ones(2, dtype=int))
    with pytest.raises(ValueError, match="eps must be finite and > 0"):
        numerical_gradient(np.sum, np.ones(2), eps=0.0)
    with pytest.raises(TypeError, match="f must return a single number"):
        numerical_gradient(lambda v: v * 2, np.ones(2))
    with pytest.raises(ValueError, match="dout must have the shape of f"):
        numerical_gradient_array(lambda v: v * 2, np.ones(2), np.ones(3))
