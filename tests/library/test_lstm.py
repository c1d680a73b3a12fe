"""LSTM reference: finite differences, a hand-worked step, a hand-built cache, errors, stability."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_numpy.activations import sigmoid
from rnn_numpy.lstm import (
    cell_path_gradient,
    forget_gate_bias_init,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    sigmoid_inplace,
    tanh_inplace,
)
from tests.library.helpers import line_events, numeric_grad, rel_error

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 4, 2, 1), (1, 5, 3, 2)]  # (N, T, D, H)


def _params(N, T, D, H, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((N, T, D)),
        "h0": rng.standard_normal((N, H)),
        "c0": rng.standard_normal((N, H)),
        "Wx": 0.6 * rng.standard_normal((D, 4 * H)),
        "Wh": 0.6 * rng.standard_normal((H, 4 * H)),
        "b": 0.3 * rng.standard_normal(4 * H),
    }


def _naive_lstm(x, h0, c0, Wx, Wh, b):
    """Independent, deliberately plain forward (np.tanh, exp-based sigmoid, one unit of code)."""
    H = h0.shape[1]
    h, c, hs = h0, c0, []
    for t in range(x.shape[1]):
        a = x[:, t] @ Wx + h @ Wh + b
        i, f, o = (1 / (1 + np.exp(-a[:, k * H : (k + 1) * H])) for k in (0, 1, 3))
        g = np.tanh(a[:, 2 * H : 3 * H])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    return np.stack(hs, axis=1)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_forward_matches_naive_loop(N, T, D, H):
    p = _params(N, T, D, H)
    h, _ = lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], c0=p["c0"])
    np.testing.assert_allclose(h, _naive_lstm(**p), rtol=0, atol=1e-14)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_matches_finite_differences(N, T, D, H):
    p = _params(N, T, D, H, seed=N + T + D + H)
    dh = np.random.default_rng(9).standard_normal((N, T, H))
    _, cache = lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], c0=p["c0"])
    dx, dh0, dWx, dWh, db, dc0 = lstm_backward(dh, cache, return_dc0=True)

    def loss(_):
        return np.sum(lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], c0=p["c0"])[0] * dh)

    for name, analytic in [
        ("x", dx),
        ("h0", dh0),
        ("c0", dc0),
        ("Wx", dWx),
        ("Wh", dWh),
        ("b", db),
    ]:
        assert rel_error(analytic, numeric_grad(loss, p[name]), floor=1e-3) <= 1e-7, name


def test_backward_without_dc0_returns_five():
    p = _params(2, 3, 2, 2)
    _, cache = lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    assert len(lstm_backward(np.ones((2, 3, 2)), cache)) == 5


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 4, 2)])
def test_step_backward_matches_finite_differences(N, D, H):
    rng = np.random.default_rng(3)
    p = {
        "x": rng.standard_normal((N, D)),
        "h_prev": rng.standard_normal((N, H)),
        "c_prev": rng.standard_normal((N, H)),
        "Wx": rng.standard_normal((D, 4 * H)),
        "Wh": rng.standard_normal((H, 4 * H)),
        "b": rng.standard_normal(4 * H),
    }
    dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    _, _, cache = lstm_step_forward(**p)
    grads = lstm_step_backward(dh, dc, cache)

    def loss(_):
        h, c, _ = lstm_step_forward(**p)
        return np.sum(h * dh) + np.sum(c * dc)

    for name, analytic in zip(["x", "h_prev", "c_prev", "Wx", "Wh", "b"], grads):
        assert rel_error(analytic, numeric_grad(loss, p[name]), floor=1e-3) <= 1e-7, name


def test_step_by_hand():
    # Zero weights and biases: i = f = o = 1/2, g = 0, so c = c_prev / 2 and h = tanh(c) / 2.
    z4 = np.zeros((1, 4))
    h, c, cache = lstm_step_forward(
        np.ones((1, 1)), np.zeros((1, 1)), np.full((1, 1), 2.0), z4, z4, np.zeros(4)
    )
    assert c[0, 0] == pytest.approx(1.0) and h[0, 0] == pytest.approx(0.5 * np.tanh(1.0))
    np.testing.assert_allclose(cache[5], [[0.5, 0.5, 0.0, 0.5]])
    # Bias only, gate order i, f, g, o: g = tanh(1), i = sigmoid(2), f = sigmoid(-1), o = 1/2.
    b = np.array([2.0, -1.0, 1.0, 0.0])
    h, c, _ = lstm_step_forward(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), z4, z4, b)
    s = lambda v: 1 / (1 + np.exp(-v))
    expected_c = s(-1.0) * 1.0 + s(2.0) * np.tanh(1.0)
    assert c[0, 0] == pytest.approx(expected_c, abs=1e-15)
    assert h[0, 0] == pytest.approx(0.5 * np.tanh(expected_c), abs=1e-15)


def test_backward_accepts_a_cache_built_by_hand():
    """The documented layout (x, h0, c0, Wx, Wh, gates, c, h) is all the backward pass needs."""
    p = _params(2, 3, 2, 3, seed=5)
    H = 3
    h, c, gates, h_prev, c_prev = [], [], [], p["h0"], p["c0"]
    for t in range(3):
        a = p["x"][:, t] @ p["Wx"] + h_prev @ p["Wh"] + p["b"]
        act = np.concatenate(
            [sigmoid(a[:, : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])], axis=1
        )
        c_prev = act[:, H : 2 * H] * c_prev + act[:, :H] * act[:, 2 * H : 3 * H]
        h_prev = act[:, 3 * H :] * np.tanh(c_prev)
        gates.append(act), c.append(c_prev), h.append(h_prev)
    cache = (
        p["x"],
        p["h0"],
        p["c0"],
        p["Wx"],
        p["Wh"],
        np.stack(gates, 1),
        np.stack(c, 1),
        np.stack(h, 1),
    )
    dh = np.random.default_rng(1).standard_normal((2, 3, 3))
    _, reference_cache = lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], c0=p["c0"])
    for mine, ref in zip(
        lstm_backward(dh, cache, return_dc0=True),
        lstm_backward(dh, reference_cache, return_dc0=True),
    ):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-14)


def test_large_inputs_are_finite_and_silent():
    x = np.array([[[1e4], [-1e4], [1e4]]])
    Wx = np.array([[1.0, -1.0, 1.0, -1.0]])
    h, cache = lstm_forward(x, np.zeros((1, 1)), Wx, np.ones((1, 4)), np.zeros(4))
    gates = cache[5]
    assert np.isfinite(h).all() and np.isfinite(gates).all()
    assert np.abs(gates).max() <= 1 and gates[..., [0, 1, 3]].min() >= 0  # i, f, o in [0, 1]
    grads = lstm_backward(np.ones_like(h), cache, return_dc0=True)
    assert all(np.isfinite(g).all() for g in grads)
    h1, c1, _ = lstm_step_forward(
        x[:, 0] * -1, np.zeros((1, 1)), np.zeros((1, 1)), Wx, np.zeros((1, 4)), np.zeros(4)
    )
    assert np.isfinite(h1).all() and np.isfinite(c1).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_activations_agree_with_the_plain_ones(dtype):
    a = np.concatenate([np.linspace(-40, 40, 2001), [-1e4, -800, -100, 0, 100, 800, 1e4]])
    a = a.astype(dtype)
    tol = 4 * np.finfo(dtype).eps
    np.testing.assert_allclose(sigmoid_inplace(a.copy()), sigmoid(a), rtol=tol, atol=1e-30)
    np.testing.assert_allclose(tanh_inplace(a.copy()), np.tanh(a), rtol=0, atol=tol)


def test_float32_stays_float32():
    p = {k: v.astype(np.float32) for k, v in _params(2, 3, 4, 5).items()}
    h, cache = lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], c0=p["c0"])
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_backward(np.ones_like(h), cache, True))
    h64, _ = lstm_forward(
        *(p[k].astype(np.float64) for k in ("x", "h0", "Wx", "Wh", "b")),
        c0=p["c0"].astype(np.float64),
    )
    np.testing.assert_allclose(h, h64, atol=1e-5)


def test_no_python_loop_over_the_batch():
    def run(N):
        p = _params(N, 3, 2, 2)
        _, cache = lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
        return lstm_backward(np.ones((N, 3, 2)), cache)

    assert line_events(run, 1) == line_events(run, 7)


@pytest.mark.parametrize(
    "change,match",
    [
        (dict(Wx=np.zeros((2, 8))), "Wx"),  # H = 3 needs 4H = 12 columns
        (dict(Wh=np.zeros((3, 3))), "Wh"),
        (dict(b=np.zeros(3)), "b"),
        (dict(h0=np.zeros((5, 3))), "h0"),
        (dict(x=np.zeros((2, 3, 2), dtype=int)), "x"),
        (dict(c0=np.zeros((2, 4))), "c0"),
    ],
)
def test_wrong_arguments_name_the_argument(change, match):
    p = _params(2, 3, 2, 3)
    p.update(change)
    with pytest.raises((ValueError, TypeError), match=match):
        lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], c0=p["c0"])


def test_wrong_cache_and_upstream_gradient():
    p = _params(2, 3, 2, 3)
    _, cache = lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    with pytest.raises(ValueError, match="dh"):
        lstm_backward(np.zeros((2, 3, 4)), cache)
    with pytest.raises(TypeError, match="cache"):
        lstm_backward(np.zeros((2, 3, 3)), cache[:-1])
    with pytest.raises(ValueError, match="Wx"):
        lstm_step_forward(
            np.zeros((1, 2)),
            np.zeros((1, 3)),
            np.zeros((1, 3)),
            np.zeros((2, 4)),
            np.zeros((3, 12)),
            np.zeros(12),
        )


def test_cell_path_gradient_is_the_product_of_later_forget_gates():
    f = np.random.default_rng(0).uniform(size=(2, 4, 3))
    grad = cell_path_gradient(f)
    assert grad.shape == f.shape
    for k in range(4):
        np.testing.assert_allclose(grad[:, k], np.prod(f[:, k + 1 :], axis=1))
    np.testing.assert_array_equal(grad[:, -1], 1.0)
    np.testing.assert_allclose(cell_path_gradient(f[0]), grad[0])
    with pytest.raises(ValueError, match="forget_gates"):
        cell_path_gradient(f + 1.5)


def test_cell_path_gradient_equals_backprop_with_frozen_gates():
    """With i = 0 (bias -50) and zero weights, c_{T-1} = (prod_t f_t) c0: dc0 from lstm_backward,
    for a gradient entering only at h_{T-1}, is o (1 - tanh(c)^2) times that product."""
    H, T = 2, 5
    b = np.concatenate([np.full(H, -50.0), [0.3, -0.7], np.zeros(H), np.zeros(H)])
    x = np.zeros((1, T, 1))
    _, cache = lstm_forward(
        x, np.zeros((1, H)), np.zeros((1, 4 * H)), np.zeros((H, 4 * H)), b, c0=np.ones((1, H))
    )
    f = cache[5][:, :, H : 2 * H]
    # Gradient reaching c0 from dc at the last step only: pass it in through h with o = 1/2.
    expected = np.prod(f, axis=1) * cell_path_gradient(f)[:, -1]
    dh = np.zeros((1, T, H))
    dh[:, -1] = 1.0
    dc0 = lstm_backward(dh, cache, return_dc0=True)[5]
    tanh_c = np.tanh(cache[6][:, -1])
    np.testing.assert_allclose(dc0, expected * 0.5 * (1 - tanh_c**2), rtol=1e-12)
    np.testing.assert_allclose(cell_path_gradient(f)[:, 0] * f[:, 0], expected)


def test_forget_gate_bias_init():
    b = forget_gate_bias_init(3, value=2.0)
    np.testing.assert_array_equal(b, [0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0])
    assert forget_gate_bias_init(1).tolist() == [0, 1, 0, 0]
    with pytest.raises(ValueError, match="H"):
        forget_gate_bias_init(0)
    with pytest.raises(TypeError, match="value"):
        forget_gate_bias_init(2, value="1")
