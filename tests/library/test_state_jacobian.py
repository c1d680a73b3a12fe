"""rnn_numpy.state_jacobian: dh_t/dh_k against finite differences of the recurrence."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_numpy.pathologies import hidden_jacobian
from rnn_numpy.rnn import rnn_forward
from rnn_numpy.state_jacobian import state_jacobian_product
from tests.library.helpers import numeric_grad, rel_error


def sequence(T=5, D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    x, h0 = rng.normal(size=(1, T, D)), rng.normal(size=(1, H))
    Wx, Wh, b = rng.normal(size=(D, H)), rng.normal(size=(H, H)) * 0.8, rng.normal(size=H)
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    return x, h0, Wx, Wh, b, h[0]


def from_step(k, h_k, x, Wx, Wh, b, t):
    """h_t computed from h_k by running steps k+1..t (steps count from 1)."""
    state = h_k[None]
    for s in range(k + 1, t + 1):
        state = np.tanh(x[:, s - 1] @ Wx + state @ Wh + b)
    return state[0]


@pytest.mark.parametrize("t, k", [(5, 0), (5, 2), (3, 2), (1, 0), (4, 4), (2, 0)])
def test_matches_finite_differences(t, k):
    x, h0, Wx, Wh, b, h = sequence()
    h_k = h0[0].copy() if k == 0 else h[k - 1].copy()
    jacobian = state_jacobian_product(h, Wh, t, k)
    for i in range(h.shape[1]):  # row i: the gradient of h_t[i] with respect to h_k
        expected = numeric_grad(lambda z, i=i: from_step(k, z, x, Wx, Wh, b, t)[i], h_k)
        assert rel_error(jacobian[i], expected, floor=1e-3) <= 1e-7, (t, k, i)


def test_identity_at_lag_zero_and_one_step_is_hidden_jacobian():
    _, _, _, Wh, _, h = sequence()
    np.testing.assert_array_equal(state_jacobian_product(h, Wh, 3, 3), np.eye(4))
    np.testing.assert_allclose(state_jacobian_product(h, Wh, 3, 2), hidden_jacobian(h[2], Wh))


def test_chain_rule_composes():
    _, _, _, Wh, _, h = sequence(T=6)
    np.testing.assert_allclose(
        state_jacobian_product(h, Wh, 6, 1),
        state_jacobian_product(h, Wh, 6, 3) @ state_jacobian_product(h, Wh, 3, 1),
    )


@pytest.mark.parametrize(
    "t, k, message",
    [
        (0, 0, "t must be a step 1..T"),
        (6, 0, "t must be"),
        (3, 4, "k must satisfy"),
        (3, -1, "k must satisfy"),
        (2.0, 1, "t must be a whole number"),
    ],
)
def test_wrong_steps_are_named(t, k, message):
    _, _, _, Wh, _, h = sequence()
    with pytest.raises((TypeError, ValueError), match=message):
        state_jacobian_product(h, Wh, t, k)
