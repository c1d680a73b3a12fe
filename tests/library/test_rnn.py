"""rnn_numpy.rnn: forward values by hand, every backward against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnn_numpy.losses import temporal_softmax_loss
from rnn_numpy.rnn import (
    masked_rnn_backward,
    masked_rnn_forward,
    rnn_backward,
    rnn_forward,
    rnn_output,
    rnn_output_backward,
    rnn_step_backward,
    rnn_step_forward,
)
from tests.library.helpers import line_events, numeric_grad, rel_error

ACTIVATIONS = ["tanh", "relu", "linear"]
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 4, 2, 1), (1, 5, 3, 2)]  # (N, T, D, H)
TOLERANCE = 1e-7


def make_inputs(N, T, D, H, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, T, D))
    h0 = rng.normal(size=(N, H))
    Wx = rng.normal(size=(D, H)) * 0.6
    Wh = rng.normal(size=(H, H)) * 0.6
    b = rng.normal(size=(H,)) * 0.3
    return [a.astype(dtype) for a in (x, h0, Wx, Wh, b)]


def assert_backward(forward, backward, args, positions, **kwargs):
    """The backward's gradients for args[positions] equal finite differences of sum(out * dout)."""
    out, cache = forward(*args, **kwargs)
    dout = np.random.default_rng(1).normal(size=out.shape)
    grads = backward(dout, cache)
    assert len(grads) == len(positions)
    for position, grad in zip(positions, grads):
        assert grad.shape == args[position].shape
        expected = numeric_grad(
            lambda _: np.sum(forward(*args, **kwargs)[0] * dout), args[position]
        )
        assert rel_error(grad, expected, floor=1e-3) <= TOLERANCE, f"argument {position}"


# -- forward values computed by hand --------------------------------------------------------------
@pytest.mark.parametrize(
    "activation, expected", [("tanh", math.tanh(0.6)), ("relu", 0.6), ("linear", 0.6)]
)
def test_step_forward_one_by_one(activation, expected):
    # a = x Wx + h_prev Wh + b = 0.5 * 2 + (-1) * 0.5 + 0.1 = 0.6
    h, cache = rnn_step_forward(
        np.array([[0.5]]),
        np.array([[-1.0]]),
        np.array([[2.0]]),
        np.array([[0.5]]),
        np.array([0.1]),
        activation=activation,
    )
    assert h.shape == (1, 1)
    assert h[0, 0] == pytest.approx(expected, abs=1e-15)
    assert isinstance(cache, tuple) and len(cache) == 6 and cache[4] is h
    assert cache[5] == activation


def test_step_forward_relu_clips_negative_and_terms_separate():
    # a = [1 * 1 + 0 + (-3), ...] -> relu 0
    h, _ = rnn_step_forward(
        np.array([[1.0]]),
        np.array([[0.0]]),
        np.array([[1.0]]),
        np.array([[1.0]]),
        np.array([-3.0]),
        activation="relu",
    )
    assert h[0, 0] == 0.0
    # zero input and zero state: h = tanh(b)
    b = np.array([0.3, -2.0])
    h, _ = rnn_step_forward(np.zeros((3, 4)), np.zeros((3, 2)), np.ones((4, 2)), np.ones((2, 2)), b)
    np.testing.assert_allclose(h, np.tile(np.tanh(b), (3, 1)), rtol=0, atol=1e-15)


def test_step_forward_two_by_two_by_hand():
    x = np.array([[1.0, 2.0]])
    h_prev = np.array([[0.5, -0.5]])
    Wx = np.array([[0.1, 0.2], [0.3, 0.4]])
    Wh = np.array([[1.0, 0.0], [2.0, -1.0]])
    b = np.array([0.0, 0.1])
    # x @ Wx = [0.7, 1.0]; h_prev @ Wh = [0.5 - 1.0, 0 + 0.5] = [-0.5, 0.5]; + b -> [0.2, 1.6]
    h, _ = rnn_step_forward(x, h_prev, Wx, Wh, b)
    np.testing.assert_allclose(h, [[math.tanh(0.2), math.tanh(1.6)]], rtol=1e-14)


def test_forward_two_steps_by_hand():
    # D = H = 1: h1 = tanh(1 * 0.5 + 0.2 * 1 + 0.1) = tanh(0.8); h2 = tanh(-1 * 0.5 + h1 + 0.1)
    x = np.array([[[1.0], [-1.0]]])
    h, cache = rnn_forward(
        x, np.array([[0.2]]), np.array([[0.5]]), np.array([[1.0]]), np.array([0.1])
    )
    h1 = math.tanh(0.8)
    np.testing.assert_allclose(h[0, :, 0], [h1, math.tanh(-0.4 + h1)], rtol=1e-14)
    assert len(cache) == 6 and cache[4] is h and cache[5] == "tanh"


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_equals_repeated_steps(activation):
    x, h0, Wx, Wh, b = make_inputs(3, 4, 2, 5)
    h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
    h_prev = h0
    for t in range(4):
        h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b, activation=activation)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=1e-13, atol=1e-14)


def test_forward_stable_for_large_inputs():
    x, h0, Wx, Wh, b = make_inputs(2, 3, 2, 3)
    h, cache = rnn_forward(x * 1e4, h0 * 1e4, Wx, Wh, b)
    assert np.all(np.abs(h) <= 1)
    grads = rnn_backward(np.ones_like(h), cache)
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_output_by_hand():
    h = np.array([[1.0, -2.0]])
    Wy = np.array([[1.0, 0.0, 2.0], [0.5, 1.0, -1.0]])
    by = np.array([0.0, 1.0, 0.5])
    logits, cache = rnn_output(h, Wy, by)
    np.testing.assert_allclose(logits, [[0.0, -1.0, 4.5]])
    logits3, _ = rnn_output(h[:, None, :].repeat(3, axis=1), Wy, by)
    assert logits3.shape == (1, 3, 3)
    np.testing.assert_allclose(logits3[0, 2], [0.0, -1.0, 4.5])
    assert cache[0] is h and cache[1] is Wy


# -- backward passes against finite differences ---------------------------------------------------
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_step_backward(shape, activation):
    N, _, D, H = shape
    x, h0, Wx, Wh, b = make_inputs(*shape, seed=sum(shape))
    assert_backward(
        rnn_step_forward,
        rnn_step_backward,
        [x[:, 0].copy(), h0, Wx, Wh, b],
        [0, 1, 2, 3, 4],
        activation=activation,
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_rnn_backward(shape, activation):
    assert_backward(
        rnn_forward,
        rnn_backward,
        make_inputs(*shape, seed=sum(shape)),
        [0, 1, 2, 3, 4],
        activation=activation,
    )


def test_step_backward_with_a_cache_built_by_hand():
    x, h0, Wx, Wh, b = make_inputs(2, 1, 3, 4)
    x = x[:, 0]
    h = np.tanh(x @ Wx + h0 @ Wh + b)
    dh = np.random.default_rng(2).normal(size=h.shape)
    from_forward = rnn_step_backward(dh, rnn_step_forward(x, h0, Wx, Wh, b)[1])
    by_hand = rnn_step_backward(dh, (x, h0, Wx, Wh, h, "tanh"))
    for a, b_ in zip(from_forward, by_hand):
        np.testing.assert_array_equal(a, b_)


def test_a_wrong_backward_fails_the_gradient_check():
    """The check can fail: dWh computed from h instead of h_prev is caught."""

    def wrong_backward(dh, cache):
        x, h_prev, Wx, Wh, h, activation = cache
        dx, dh_prev, dWx, _, db = rnn_step_backward(dh, cache)
        return dx, dh_prev, dWx, h.T @ (dh * (1 - h**2)), db

    x, h0, Wx, Wh, b = make_inputs(2, 1, 3, 4)
    with pytest.raises(AssertionError, match="argument 3"):
        assert_backward(
            rnn_step_forward, wrong_backward, [x[:, 0].copy(), h0, Wx, Wh, b], [0, 1, 2, 3, 4]
        )


@pytest.mark.parametrize("three_d", [True, False])
def test_output_backward(three_d):
    rng = np.random.default_rng(3)
    h = rng.normal(size=(2, 3, 4) if three_d else (2, 4))
    assert_backward(
        rnn_output,
        rnn_output_backward,
        [h, rng.normal(size=(4, 5)), rng.normal(size=(5,))],
        [0, 1, 2],
    )


# -- masked (padded) batches ----------------------------------------------------------------------
def test_masked_full_lengths_equals_rnn_forward():
    x, h0, Wx, Wh, b = make_inputs(3, 4, 2, 3)
    h_masked, _ = masked_rnn_forward(x, h0, Wx, Wh, b, np.array([4, 4, 4]))
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    np.testing.assert_allclose(h_masked, h, rtol=1e-14)


def test_masked_state_frozen_and_padding_unread():
    x, h0, Wx, Wh, b = make_inputs(3, 5, 2, 3)
    lengths = np.array([1, 3, 5])
    h, cache = masked_rnn_forward(x, h0, Wx, Wh, b, lengths)
    for n, length in enumerate(lengths):
        alone, _ = rnn_forward(x[n : n + 1, :length], h0[n : n + 1], Wx, Wh, b)
        np.testing.assert_allclose(h[n, :length], alone[0], rtol=1e-14)
        np.testing.assert_array_equal(
            h[n, length:], np.broadcast_to(h[n, length - 1], h[n, length:].shape)
        )
    x_changed = x.copy()
    x_changed[0, 1:] = 1e3  # padding of sequence 0
    np.testing.assert_array_equal(masked_rnn_forward(x_changed, h0, Wx, Wh, b, lengths)[0], h)
    assert len(cache) == 7 and cache[4] is h


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(
    "shape, lengths", [((1, 1, 1, 1), [1]), ((3, 4, 2, 3), [1, 4, 2]), ((2, 5, 3, 1), [5, 3])]
)
def test_masked_backward(shape, lengths, activation):
    args = make_inputs(*shape, seed=7) + [np.array(lengths)]
    assert_backward(
        masked_rnn_forward, masked_rnn_backward, args, [0, 1, 2, 3, 4], activation=activation
    )


def test_masked_backward_dx_zero_past_the_end():
    x, h0, Wx, Wh, b = make_inputs(2, 4, 2, 3)
    lengths = np.array([2, 4])
    h, cache = masked_rnn_forward(x, h0, Wx, Wh, b, lengths)
    dx = masked_rnn_backward(np.ones_like(h), cache)[0]
    assert np.all(dx[0, 2:] == 0) and np.all(dx[0, :2] != 0)


# -- dtypes ---------------------------------------------------------------------------------------
def test_float32_in_float32_out():
    args = make_inputs(2, 3, 2, 4, dtype=np.float32)
    h, cache = rnn_forward(*args)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_backward(np.ones_like(h), cache))
    h1, cache1 = rnn_step_forward(args[0][:, 0], *args[1:], activation="relu")
    assert h1.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_step_backward(np.ones_like(h1), cache1))
    hm, cachem = masked_rnn_forward(*args, np.array([1, 3]))
    assert hm.dtype == np.float32
    assert all(g.dtype == np.float32 for g in masked_rnn_backward(np.ones_like(hm), cachem))
    logits, cache_out = rnn_output(h, np.ones((4, 3), np.float32), np.zeros(3, np.float32))
    assert logits.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_output_backward(np.ones_like(logits), cache_out))


# -- wrong arguments ------------------------------------------------------------------------------
def test_step_forward_rejects_wrong_shapes_and_dtypes():
    x, h0, Wx, Wh, b = make_inputs(2, 1, 3, 4)
    x = x[:, 0]
    with pytest.raises(ValueError, match=r"Wx must have shape \(D, H\)"):
        rnn_step_forward(x, h0, Wx.T, Wh, b)
    with pytest.raises(ValueError, match="h_prev"):
        rnn_step_forward(x, h0[:1], Wx, Wh, b)
    with pytest.raises(ValueError, match="Wh"):
        rnn_step_forward(x, h0, Wx, Wh[:, :3], b)
    with pytest.raises(ValueError, match=r"b must have shape \(H,\)"):
        rnn_step_forward(x, h0, Wx, Wh, b[:3])
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        rnn_step_forward(np.ones((2, 3), dtype=int), h0, Wx, Wh, b)
    with pytest.raises(ValueError, match="activation must be one of"):
        rnn_step_forward(x, h0, Wx, Wh, b, activation="sigmoid")


def test_sequence_functions_reject_wrong_arguments():
    x, h0, Wx, Wh, b = make_inputs(2, 3, 2, 4)
    with pytest.raises(ValueError, match=r"x must have 3 dimension\(s\) \(N, T, D\)"):
        rnn_forward(x[:, 0], h0, Wx, Wh, b)
    with pytest.raises(ValueError, match="h0"):
        rnn_forward(x, h0[:, :3], Wx, Wh, b)
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"dh must have shape \(N, T, H\)"):
        rnn_backward(h[:, :2], cache)
    with pytest.raises(
        TypeError, match=r"cache must be the tuple \(x, h0, Wx, Wh, h, activation\)"
    ):
        rnn_backward(h, list(cache))
    with pytest.raises(ValueError, match="lengths must lie in 1..T = 1..3"):
        masked_rnn_forward(x, h0, Wx, Wh, b, np.array([0, 2]))
    with pytest.raises(ValueError, match="lengths must lie in 1..T = 1..3"):
        masked_rnn_forward(x, h0, Wx, Wh, b, np.array([4, 2]))
    with pytest.raises(ValueError, match=r"lengths must have shape \(N,\)"):
        masked_rnn_forward(x, h0, Wx, Wh, b, np.array([3, 2, 1]))
    with pytest.raises(TypeError, match="lengths must be an integer array"):
        masked_rnn_forward(x, h0, Wx, Wh, b, np.array([3.0, 2.0]))
    with pytest.raises(ValueError, match=r"h must have shape \(N, T, H\) or \(N, H\)"):
        rnn_output(np.ones(4), np.ones((4, 3)), np.ones(3))
    with pytest.raises(ValueError, match="Wy"):
        rnn_output(h, np.ones((3, 3)), np.ones(3))
    with pytest.raises(ValueError, match="by"):
        rnn_output(h, np.ones((4, 3)), np.ones(2))


# -- no Python loop over the batch ----------------------------------------------------------------
def test_no_loop_over_the_batch():
    def run(N):
        x, h0, Wx, Wh, b = make_inputs(N, 3, 2, 4)
        lengths = np.full(N, 2)

        def everything():
            h, cache = rnn_forward(x, h0, Wx, Wh, b)
            rnn_backward(h, cache)
            hs, cache_s = rnn_step_forward(x[:, 0], h0, Wx, Wh, b)
            rnn_step_backward(hs, cache_s)
            hm, cache_m = masked_rnn_forward(x, h0, Wx, Wh, b, lengths)
            masked_rnn_backward(hm, cache_m)
            logits, cache_o = rnn_output(h, np.ones((4, 5)), np.ones(5))
            rnn_output_backward(logits, cache_o)

        return line_events(everything)

    assert run(1) == run(7)


# -- temporal_softmax_loss (appended to rnn_numpy/losses.py) ------------------------------


def test_temporal_loss_by_hand():
    # uniform scores over V = 4: every counted step costs log 4; the sum is divided by N = 2
    logits = np.zeros((2, 3, 4))
    targets = np.array([[0, 1, 2], [3, 3, 3]])
    mask = np.array([[True, True, False], [True, False, False]])
    loss, dlogits = temporal_softmax_loss(logits, targets, mask)
    assert loss == pytest.approx(3 * math.log(4) / 2, rel=1e-14)
    expected = np.full((2, 3, 4), 0.25)
    expected[[0, 0, 1], [0, 1, 0], [0, 1, 3]] -= 1
    expected *= mask[..., None] / 2
    np.testing.assert_allclose(dlogits, expected, rtol=1e-14)
    # one step, two classes: -log softmax([log 3, 0])[1] = log 4
    loss, _ = temporal_softmax_loss(
        np.array([[[math.log(3), 0.0]]]), np.array([[1]]), np.array([[1]])
    )
    assert loss == pytest.approx(math.log(4), rel=1e-14)


@pytest.mark.parametrize("N, T, V", [(1, 1, 1), (1, 1, 3), (3, 4, 5), (2, 1, 2)])
def test_temporal_loss_gradient(N, T, V):
    rng = np.random.default_rng(N * T * V)
    logits = rng.normal(size=(N, T, V)) * 2
    targets = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) < 0.7
    mask[0, 0] = True
    loss, dlogits = temporal_softmax_loss(logits, targets, mask)
    expected = numeric_grad(lambda z: temporal_softmax_loss(z, targets, mask)[0], logits)
    assert rel_error(dlogits, expected, floor=1e-3) <= TOLERANCE
    assert isinstance(loss, float)


def test_temporal_loss_stable_and_masked_out():
    logits = np.array([[[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]]])
    loss, dlogits = temporal_softmax_loss(logits, np.array([[1, 1]]), np.array([[True, True]]))
    assert loss == pytest.approx(2e4, rel=1e-14)
    np.testing.assert_allclose(dlogits, [[[1, -1, 0], [0, 0, 0]]], atol=1e-300)
    loss, dlogits = temporal_softmax_loss(logits, np.array([[1, 1]]), np.zeros((1, 2), bool))
    assert loss == 0.0 and np.all(dlogits == 0)
    _, d32 = temporal_softmax_loss(
        logits.astype(np.float32), np.array([[1, 1]]), np.array([[1, 0]])
    )
    assert d32.dtype == np.float32


def test_temporal_loss_rejects_bad_arguments():
    logits = np.zeros((2, 3, 4))
    targets = np.zeros((2, 3), dtype=int)
    mask = np.ones((2, 3), dtype=bool)
    with pytest.raises(ValueError, match="targets has entry 4, but entries must be below 4"):
        temporal_softmax_loss(logits, targets + 4, mask)
    with pytest.raises(ValueError, match=r"mask must have shape \(N, T\)"):
        temporal_softmax_loss(logits, targets, mask[:, :2])
    with pytest.raises(ValueError, match=r"logits must have 3 dimension\(s\) \(N, T, V\)"):
        temporal_softmax_loss(logits[0], targets, mask)
    with pytest.raises(TypeError, match="targets must be an integer array"):
        temporal_softmax_loss(logits, targets.astype(float), mask)
    with pytest.raises(ValueError, match="N >= 1"):
        temporal_softmax_loss(np.zeros((0, 3, 4)), np.zeros((0, 3), int), np.ones((0, 3), bool))
