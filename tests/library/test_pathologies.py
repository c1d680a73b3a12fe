"""Jacobians and gradient norms of a vanilla RNN, spectral-radius scaling, IRNN, the bound."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_numpy.pathologies import (
    gradient_bound,
    gradient_norms_by_lag,
    hidden_jacobian,
    identity_recurrent_init,
    scale_spectral_radius,
)
from tests.library.helpers import numeric_grad, rel_error

ACT = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0), "linear": lambda a: a}


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("H", [1, 4])
def test_hidden_jacobian_matches_finite_differences(activation, H):
    rng = np.random.default_rng(H)
    Wh, pre = rng.standard_normal((H, H)), rng.standard_normal(H) + 0.1  # input part of a_t
    h_prev = rng.standard_normal(H)
    h_t = ACT[activation](pre + h_prev @ Wh)
    J = hidden_jacobian(h_t, Wh, activation=activation)
    assert J.shape == (H, H)
    for i in range(H):  # row i = gradient of h_t[i] with respect to h_prev
        numeric = numeric_grad(
            lambda hp, i=i: ACT[activation](pre + hp @ Wh)[i], h_prev.copy(), 1e-6
        )
        assert rel_error(J[i], numeric, floor=1e-3) <= 1e-7


def test_hidden_jacobian_by_hand_and_batched():
    Wh = np.array([[1.0, 2.0], [3.0, 4.0]])
    h = np.array([0.5, 0.0])
    # J[i, j] = (1 - h[i]^2) Wh[j, i]
    np.testing.assert_allclose(hidden_jacobian(h, Wh), [[0.75, 2.25], [2.0, 4.0]])
    np.testing.assert_allclose(hidden_jacobian(h, Wh, "relu"), [[1.0, 3.0], [0.0, 0.0]])
    batch = np.stack([h, -h])
    assert hidden_jacobian(batch, Wh).shape == (2, 2, 2)
    np.testing.assert_allclose(hidden_jacobian(batch, Wh)[1], hidden_jacobian(-h, Wh))


def test_hidden_jacobian_errors():
    with pytest.raises(ValueError, match="Wh"):
        hidden_jacobian(np.zeros(3), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="activation"):
        hidden_jacobian(np.zeros(3), np.zeros((3, 3)), activation="sigmoid")


def _rnn_states(T, H, rho, activation="tanh", seed=0):
    rng = np.random.default_rng(seed)
    Wh = scale_spectral_radius(rng.standard_normal((H, H)), rho)
    xs, h, hs = rng.standard_normal((T, H)) * 0.5, np.zeros(H), []
    for t in range(T):
        h = ACT[activation](xs[t] + h @ Wh)
        hs.append(h)
    return np.array(hs), Wh, xs


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_gradient_norms_by_lag_match_a_finite_difference_jacobian(activation):
    T, H = 5, 3
    hs, Wh, xs = _rnn_states(T, H, 0.9, activation, seed=2)
    norms = gradient_norms_by_lag(hs, Wh, activation)
    assert norms.shape == (T,) and norms[-1] == 1.0
    for k in range(T - 1):  # run the recurrence from h_k and differentiate h_{T-1}

        def last(hk, i, k=k):
            h = hk
            for t in range(k + 1, T):
                h = ACT[activation](xs[t] + h @ Wh)
            return h[i]

        J = np.stack(
            [numeric_grad(lambda v, i=i: last(v, i), hs[k].copy(), 1e-6) for i in range(H)]
        )
        assert abs(norms[k] - np.linalg.norm(J, 2)) <= 1e-7 * max(1.0, norms[k])


def test_gradient_norms_vanish_and_respect_the_bound():
    hs, Wh, _ = _rnn_states(30, 8, 0.5)
    norms = gradient_norms_by_lag(hs, Wh)
    lags = np.arange(29, -1, -1)
    bound = gradient_bound(1.0, np.linalg.norm(Wh, 2), lags)
    assert np.all(norms <= bound * (1 + 1e-12)) and norms[0] < 1e-5
    batch = gradient_norms_by_lag(np.stack([hs, hs]), Wh)
    assert batch.shape == (2, 30)
    np.testing.assert_allclose(batch[1], norms)


def test_linear_identity_keeps_the_norm():
    norms = gradient_norms_by_lag(np.ones((6, 3)), identity_recurrent_init(3), "linear")
    np.testing.assert_allclose(norms, 1.0)


def test_scale_spectral_radius():
    W = np.random.default_rng(0).standard_normal((6, 6))
    for rho in (0.5, 1.0, 1.5):
        scaled = scale_spectral_radius(W, rho)
        assert np.max(np.abs(np.linalg.eigvals(scaled))) == pytest.approx(rho, rel=1e-12)
    assert scale_spectral_radius(np.array([[2.0]]), 0.5)[0, 0] == 0.5
    with pytest.raises(ValueError, match="spectral radius 0"):
        scale_spectral_radius(np.array([[0.0, 1.0], [0.0, 0.0]]), 1.0)
    with pytest.raises(ValueError, match="W"):
        scale_spectral_radius(np.zeros((2, 3)), 1.0)
    with pytest.raises(ValueError, match="rho"):
        scale_spectral_radius(W, -1.0)


def test_identity_recurrent_init():
    np.testing.assert_array_equal(identity_recurrent_init(3, 0.9), 0.9 * np.eye(3))
    with pytest.raises(ValueError, match="H"):
        identity_recurrent_init(0)


def test_gradient_bound():
    np.testing.assert_allclose(gradient_bound(1.0, 0.5, np.arange(4)), [1, 0.5, 0.25, 0.125])
    assert gradient_bound(0.25, 2.0, 3) == pytest.approx(0.125)
    assert gradient_bound(1.0, 3.0, np.array([10000]))[0] == np.inf  # no overflow warning
    with pytest.raises(ValueError, match="lags"):
        gradient_bound(1.0, 1.0, np.array([-1]))
    with pytest.raises(ValueError, match="gamma"):
        gradient_bound(-1.0, 1.0, 2)
