"""rnn_numpy.optim: one step of each optimiser by hand; inputs never change."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnn_numpy.optim import adagrad_step, adam_step, rmsprop_step, sgd_step


def frozen(*arrays):
    """Copies, and the arrays made read-only: writing into an input raises."""
    copies = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False
    return copies


def test_sgd_step():
    param, grad = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    frozen(param, grad)
    np.testing.assert_allclose(sgd_step(param, grad, 0.1), [0.95, -2.025], rtol=1e-15)


def test_adagrad_step_eps_inside_the_root():
    param, grad, cache = np.array([1.0, 0.0]), np.array([3.0, 0.0]), np.array([16.0, 0.0])
    before = frozen(param, grad, cache)
    new_param, new_cache = adagrad_step(param, grad, cache, 0.5, eps=1e-8)
    np.testing.assert_allclose(new_cache, [25.0, 0.0])
    # 1 - 0.5 * 3 / sqrt(25 + 1e-8); the zero gradient gives 0 / sqrt(1e-8) = 0
    np.testing.assert_allclose(new_param, [1 - 1.5 / math.sqrt(25 + 1e-8), 0.0], rtol=1e-15)
    for a, b in zip((param, grad, cache), before):
        np.testing.assert_array_equal(a, b)
    # with a large eps its position shows: inside the root, 3 / sqrt(9 + 7) = 0.75
    np.testing.assert_allclose(
        adagrad_step(np.zeros(1), np.array([3.0]), np.zeros(1), 1.0, eps=7.0)[0], [-0.75]
    )


def test_rmsprop_step_eps_outside_the_root():
    param, grad, cache = np.array([2.0]), np.array([2.0]), np.array([1.0])
    frozen(param, grad, cache)
    new_param, new_cache = rmsprop_step(param, grad, cache, 0.1, decay_rate=0.75, eps=1.0)
    # cache = 0.75 * 1 + 0.25 * 4 = 1.75; param = 2 - 0.1 * 2 / (sqrt(1.75) + 1)
    np.testing.assert_allclose(new_cache, [1.75], rtol=1e-15)
    np.testing.assert_allclose(new_param, [2 - 0.2 / (math.sqrt(1.75) + 1)], rtol=1e-15)


def test_adam_first_step_and_bias_correction():
    param, grad = np.array([1.0, -1.0]), np.array([0.2, -4.0])
    m, v = np.zeros(2), np.zeros(2)
    frozen(param, grad, m, v)
    new_param, new_m, new_v = adam_step(param, grad, m, v, 1, 0.01)
    np.testing.assert_allclose(new_m, 0.1 * grad, rtol=1e-15)
    np.testing.assert_allclose(new_v, 0.001 * grad**2, rtol=1e-12)
    # at t = 1 the corrected moments are grad and grad**2: a step of lr * sign(grad)
    np.testing.assert_allclose(new_param, param - 0.01 * grad / (np.abs(grad) + 1e-8), rtol=1e-12)
    # second step by hand, t = 2, one entry
    p2, m2, v2 = adam_step(
        np.array([0.5]),
        np.array([1.0]),
        np.array([0.1]),
        np.array([0.002]),
        2,
        0.1,
        beta1=0.5,
        beta2=0.5,
        eps=0.0 + 1e-8,
    )
    m_expected, v_expected = 0.5 * 0.1 + 0.5, 0.5 * 0.002 + 0.5
    m_hat, v_hat = m_expected / (1 - 0.25), v_expected / (1 - 0.25)
    np.testing.assert_allclose(m2, [m_expected], rtol=1e-15)
    np.testing.assert_allclose(v2, [v_expected], rtol=1e-15)
    np.testing.assert_allclose(p2, [0.5 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)], rtol=1e-14)


def test_float32_stays_float32():
    p, g = np.ones((2, 3), np.float32), np.full((2, 3), 0.5, np.float32)
    assert sgd_step(p, g, 0.1).dtype == np.float32
    assert all(a.dtype == np.float32 for a in adagrad_step(p, g, np.zeros_like(p), 0.1))
    assert all(a.dtype == np.float32 for a in rmsprop_step(p, g, np.zeros_like(p), 0.1))
    assert all(a.dtype == np.float32 for a in adam_step(p, g, 0 * p, 0 * p, 3, 0.1))


def test_wrong_arguments():
    p = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"grad must have shape \(d0, d1\) = \(2, 3\)"):
        sgd_step(p, np.ones((3, 2)), 0.1)
    with pytest.raises(ValueError, match="grad must have 2 dimension"):
        sgd_step(p, np.ones(6), 0.1)
    with pytest.raises(ValueError, match="cache"):
        adagrad_step(p, p, np.ones(3), 0.1)
    with pytest.raises(ValueError, match="learning_rate must be finite and > 0"):
        rmsprop_step(p, p, p, -0.1)
    with pytest.raises(ValueError, match=r"decay_rate must be in \[0, 1\)"):
        rmsprop_step(p, p, p, 0.1, decay_rate=1.0)
    with pytest.raises(ValueError, match="t must be at least 1"):
        adam_step(p, p, p, p, 0, 0.1)
    with pytest.raises(ValueError, match="v"):
        adam_step(p, p, p, np.ones((2, 2)), 1, 0.1)
    with pytest.raises(TypeError, match="param must be a floating-point array"):
        sgd_step(np.ones(2, dtype=int), np.ones(2), 0.1)
