"""Truncated BPTT: chunks, state carried across them, gradients cut at their boundaries."""

import numpy as np
import pytest

from rnn_numpy.encoding import one_hot
from rnn_numpy.losses import temporal_softmax_loss
from rnn_numpy.rnn import rnn_forward, rnn_output
from rnn_numpy.truncated_bptt import char_rnn_loss, chunk_bounds, truncated_bptt
from tests.library.helpers import numeric_grad, rel_error


def params_for(rng, V, H):
    return {
        "Wx": rng.normal(0, 0.5, (V, H)),
        "Wh": rng.normal(0, 0.5, (H, H)),
        "b": rng.normal(0, 0.5, H),
        "Wy": rng.normal(0, 0.5, (H, V)),
        "by": rng.normal(0, 0.5, V),
    }


@pytest.mark.parametrize(
    "length, k, expected",
    [
        (2, 5, [(0, 1)]),
        (9, 3, [(0, 3), (3, 6), (6, 8)]),
        (7, 1, [(i, i + 1) for i in range(6)]),
        (11, 10, [(0, 10)]),
        (12, 10, [(0, 10), (10, 11)]),
    ],
)
def test_chunk_bounds(length, k, expected):
    assert chunk_bounds(length, k) == expected


def test_chunk_bounds_rejects_a_stream_without_targets():
    with pytest.raises(ValueError):
        chunk_bounds(1, 3)


def test_one_chunk_is_full_bptt_and_matches_finite_differences():
    rng = np.random.default_rng(0)
    N, L, V, H = 2, 6, 4, 3
    stream, h0, params = rng.integers(0, V, (N, L)), rng.normal(size=(N, H)), params_for(rng, V, H)
    losses, grads, _ = truncated_bptt(stream, h0, params, L)
    assert losses.shape == (1,)
    for name in params:
        numeric = numeric_grad(
            lambda _: truncated_bptt(stream, h0, params, L)[0].sum(), params[name]
        )
        assert rel_error(grads[name], numeric, floor=1e-3) < 1e-7, name


def test_losses_equal_the_untruncated_forward_pass():
    """Truncation changes gradients, never the forward pass: the chunk losses add up to the loss
    of running the whole stream at once."""
    rng = np.random.default_rng(1)
    N, L, V, H = 3, 17, 5, 4
    stream, h0, params = rng.integers(0, V, (N, L)), rng.normal(size=(N, H)), params_for(rng, V, H)
    losses, _, h_final = truncated_bptt(stream, h0, params, 4)
    h, _ = rnn_forward(one_hot(stream[:, :-1], V), h0, params["Wx"], params["Wh"], params["b"])
    logits, _ = rnn_output(h, params["Wy"], params["by"])
    whole, _ = temporal_softmax_loss(logits, stream[:, 1:], np.ones((N, L - 1), bool))
    assert losses.shape == (4,)
    assert np.isclose(losses.sum(), whole)
    assert np.allclose(h_final, h[:, -1])


def test_gradients_are_cut_at_chunk_boundaries():
    """The summed gradient equals the sum of per-chunk gradients, each from the carried state
    treated as a constant; and it differs from the full-BPTT gradient."""
    rng = np.random.default_rng(2)
    N, L, V, H, k = 2, 10, 4, 3, 3
    stream, h0, params = rng.integers(0, V, (N, L)), rng.normal(size=(N, H)), params_for(rng, V, H)
    _, grads, _ = truncated_bptt(stream, h0, params, k)
    h, expected = h0, {name: 0.0 for name in params}
    for start, stop in chunk_bounds(L, k):
        _, chunk_grads, h = char_rnn_loss(
            stream[:, start:stop], stream[:, start + 1 : stop + 1], h, params
        )
        expected = {name: expected[name] + chunk_grads[name] for name in params}
    for name in params:
        assert np.allclose(grads[name], expected[name])
    _, full, _ = truncated_bptt(stream, h0, params, L)
    assert not np.allclose(grads["Wh"], full["Wh"])
    assert np.allclose(grads["by"], full["by"])  # by never sees the past


def test_carrying_the_state_across_calls_equals_one_call():
    rng = np.random.default_rng(3)
    N, L, V, H, k = 2, 13, 4, 3, 4
    stream, h0, params = rng.integers(0, V, (N, L)), rng.normal(size=(N, H)), params_for(rng, V, H)
    losses, grads, h_final = truncated_bptt(stream, h0, params, k)
    first = truncated_bptt(stream[:, : k + 1], h0, params, k)
    rest = truncated_bptt(stream[:, k:], first[2], params, k)
    assert np.allclose(losses, np.concatenate([first[0], rest[0]]))
    assert np.allclose(h_final, rest[2])


def test_bad_arguments_are_named():
    rng = np.random.default_rng(4)
    params = params_for(rng, 4, 3)
    with pytest.raises(ValueError, match="params"):
        truncated_bptt(np.zeros((1, 5), int), np.zeros((1, 3)), {"Wx": params["Wx"]}, 2)
    with pytest.raises(ValueError, match="stream"):
        truncated_bptt(np.full((1, 5), 7), np.zeros((1, 3)), params, 2)
    with pytest.raises(ValueError, match="h0"):
        truncated_bptt(np.zeros((1, 5), int), np.zeros((2, 3)), params, 2)
