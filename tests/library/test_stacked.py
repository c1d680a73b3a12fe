"""rnn_numpy.stacked: layers feed each other; the backward matches finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.model_size import GATE_BLOCKS
from rnn_numpy.rnn import rnn_forward
from rnn_numpy.stacked import (
    CELLS,
    Cell,
    stacked_backward,
    stacked_forward,
    stacked_rnn_backward,
    stacked_rnn_forward,
)
from tests.library.helpers import line_events, numeric_grad, rel_error


def make_stack(N, T, D, sizes, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, T, D))
    h0s, params, below = [], [], D
    for H in sizes:
        h0s.append(rng.normal(size=(N, H)))
        params.append(
            {
                "Wx": rng.normal(size=(below, H)) * 0.6,
                "Wh": rng.normal(size=(H, H)) * 0.6,
                "b": rng.normal(size=(H,)) * 0.3,
            }
        )
        below = H
    return x, h0s, params


def assert_gradients(loss, x, h0s, params, dx, dh0s, dparams):
    """Every gradient of a stack against finite differences of `loss`."""
    assert rel_error(dx, numeric_grad(loss, x), floor=1e-3) <= 1e-7
    assert len(dh0s) == len(dparams) == len(params)
    for layer in range(len(params)):
        assert rel_error(dh0s[layer], numeric_grad(loss, h0s[layer]), floor=1e-3) <= 1e-7
        assert set(dparams[layer]) == {"Wx", "Wh", "b"}
        for name, grad in dparams[layer].items():
            expected = numeric_grad(loss, params[layer][name])
            assert rel_error(grad, expected, floor=1e-3) <= 1e-7, f"layer {layer} {name}"


def test_one_layer_is_rnn_forward():
    x, h0s, params = make_stack(2, 3, 4, [5])
    h_top, hs = stacked_rnn_forward(x, h0s, params)
    expected, _ = rnn_forward(x, h0s[0], params[0]["Wx"], params[0]["Wh"], params[0]["b"])
    np.testing.assert_array_equal(h_top, expected)
    assert len(hs) == 1 and hs[0] is h_top


def test_layers_feed_each_other_with_different_sizes():
    x, h0s, params = make_stack(2, 4, 3, [5, 1, 2])
    h_top, hs = stacked_rnn_forward(x, h0s, params)
    assert [h.shape for h in hs] == [(2, 4, 5), (2, 4, 1), (2, 4, 2)]
    below = x
    for h, h0, p in zip(hs, h0s, params):
        np.testing.assert_array_equal(h, rnn_forward(below, h0, p["Wx"], p["Wh"], p["b"])[0])
        below = h
    assert hs[-1] is h_top
    generic, cache = stacked_forward(x, h0s, params)
    np.testing.assert_array_equal(generic, h_top)
    assert cache[0] == "rnn" and isinstance(cache[1], tuple) and len(cache[1]) == 3


def test_two_layers_by_hand():
    # 1x1 everything, T = 1: layer 0 h = tanh(1 * 0.5) ; layer 1 h = tanh(h * 2 + 0.1)
    one = np.ones((1, 1))
    params = [
        {"Wx": 0.5 * one, "Wh": one, "b": np.zeros(1)},
        {"Wx": 2 * one, "Wh": one, "b": np.array([0.1])},
    ]
    h_top, _ = stacked_rnn_forward(np.ones((1, 1, 1)), [0 * one, 0 * one], params)
    assert h_top[0, 0, 0] == pytest.approx(np.tanh(2 * np.tanh(0.5) + 0.1), abs=1e-15)


@pytest.mark.parametrize(
    "N, T, D, sizes", [(1, 1, 1, [1]), (1, 1, 1, [1, 1]), (2, 3, 4, [3, 2]), (3, 2, 2, [1, 4, 2])]
)
def test_stacked_backward(N, T, D, sizes):
    x, h0s, params = make_stack(N, T, D, sizes, seed=N + T + D)
    h_top, cache = stacked_forward(x, h0s, params)
    dh_top = np.random.default_rng(5).normal(size=h_top.shape)
    dx, dh0s, dparams = stacked_backward(dh_top, cache)

    def loss(_):
        return np.sum(stacked_forward(x, h0s, params)[0] * dh_top)

    assert_gradients(loss, x, h0s, params, dx, dh0s, dparams)


@pytest.mark.parametrize(
    "N, T, D, sizes", [(1, 1, 1, [1]), (1, 1, 1, [1, 1]), (2, 3, 4, [3, 2]), (3, 2, 2, [1, 4, 2])]
)
def test_stacked_rnn_backward(N, T, D, sizes):
    """Notebook 03's stacked backward: the cache is (x, h0s, layer_params, hs)."""
    x, h0s, params = make_stack(N, T, D, sizes, seed=N + T + D)
    h_top, hs = stacked_rnn_forward(x, h0s, params)
    dh_top = np.random.default_rng(6).normal(size=h_top.shape)
    dx, dh0s, dparams = stacked_rnn_backward(dh_top, (x, h0s, params, hs))

    def loss(_):
        return np.sum(stacked_rnn_forward(x, h0s, params)[0] * dh_top)

    assert_gradients(loss, x, h0s, params, dx, dh0s, dparams)
    generic = stacked_backward(dh_top, stacked_forward(x, h0s, params)[1])
    np.testing.assert_allclose(dx, generic[0], rtol=1e-12, atol=1e-14)


def test_stacked_rnn_backward_names_what_is_wrong():
    x, h0s, params = make_stack(2, 3, 2, [3, 2])
    h_top, hs = stacked_rnn_forward(x, h0s, params)
    with pytest.raises(TypeError, match="cache must be the tuple"):
        stacked_rnn_backward(h_top, (x, h0s, params))
    with pytest.raises(ValueError, match="hs .in cache. must be a list of 2"):
        stacked_rnn_backward(h_top, (x, h0s, params, hs[:1]))
    with pytest.raises(ValueError, match="dh_top must have the shape of the top layer"):
        stacked_rnn_backward(np.ones((2, 3, 3)), (x, h0s, params, hs))


def test_cell_table_accepts_a_new_cell_type():
    """A cell whose state is a tuple (like an LSTM's (h, c)) plugs in through CELLS."""

    def forward(x, state, params):
        h0, c0 = state
        h, cache = CELLS["rnn"].forward(x, h0 + c0, params)
        return h, cache

    def backward(dh, cache):
        dx, dh0, dparams = CELLS["rnn"].backward(dh, cache)
        return dx, (dh0, dh0), dparams

    CELLS["toy"] = Cell(forward, backward, ("Wx", "Wh", "b"))
    try:
        x, h0s, params = make_stack(2, 3, 2, [3, 2])
        states = [(h0, np.zeros_like(h0)) for h0 in h0s]
        h_top, cache = stacked_forward(x, states, params, cell="toy")
        np.testing.assert_allclose(h_top, stacked_rnn_forward(x, h0s, params)[0])
        _, d_states, _ = stacked_backward(np.ones_like(h_top), cache)
        assert isinstance(d_states[0], tuple) and d_states[0][0].shape == (2, 3)
    finally:
        del CELLS["toy"]


def test_float32_in_float32_out():
    x, h0s, params = make_stack(2, 3, 2, [3, 2])
    x = x.astype(np.float32)
    h0s = [h.astype(np.float32) for h in h0s]
    params = [{k: v.astype(np.float32) for k, v in p.items()} for p in params]
    h_top, cache = stacked_forward(x, h0s, params)
    assert h_top.dtype == np.float32
    dx, dh0s, dparams = stacked_backward(np.ones_like(h_top), cache)
    assert dx.dtype == np.float32 and all(d.dtype == np.float32 for d in dh0s)
    assert all(g.dtype == np.float32 for p in dparams for g in p.values())


def test_wrong_arguments_name_the_argument_and_layer():
    x, h0s, params = make_stack(2, 3, 2, [3, 2])
    with pytest.raises(ValueError, match="h0s must be a list with one entry per layer"):
        stacked_rnn_forward(x, h0s[:1], params)
    with pytest.raises(ValueError, match="initial_states must be a list"):
        stacked_forward(x, h0s[:1], params)
    bad = [dict(params[0]), {"Wx": params[1]["Wx"], "b": params[1]["b"]}]
    with pytest.raises(ValueError, match=r"layer_params\[1\] must be a dict with keys"):
        stacked_rnn_forward(x, h0s, bad)
    bad = [params[0], dict(params[1], Wx=np.ones((2, 2)))]  # layer 1 reads H_0 = 3, not 2
    with pytest.raises(
        ValueError, match=r"layer 2 \(index 1 of the lists\): rnn_forward: Wx must have shape"
    ):
        stacked_rnn_forward(x, h0s, bad)
    with pytest.raises(ValueError, match="cell must be one of"):
        stacked_forward(x, h0s, params, cell="transformer")
    with pytest.raises(ValueError, match=r"x must have 3 dimension\(s\)"):
        stacked_rnn_forward(x[0], h0s, params)
    h_top, cache = stacked_forward(x, h0s, params)
    with pytest.raises(
        ValueError, match=r"layer 2 \(index 1 of the lists\): rnn_backward: dh must have shape"
    ):
        stacked_backward(np.ones((2, 3, 3)), cache)
    with pytest.raises(TypeError, match="cache must be the tuple"):
        stacked_backward(h_top, cache[1])


def test_no_loop_over_the_batch():
    def run(N):
        x, h0s, params = make_stack(N, 3, 2, [3, 2])

        def everything():
            stacked_rnn_forward(x, h0s, params)
            h, cache = stacked_forward(x, h0s, params)
            stacked_backward(h, cache)

        return line_events(everything)

    assert run(1) == run(6)


def make_cell_stack(cell, N, T, D, sizes, seed=0):
    """x, initial states and layer_params for a stack of `cell` layers of the given sizes."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, T, D))
    states, params, below = [], [], D
    for H in sizes:
        G = GATE_BLOCKS[cell] * H
        layer = {"Wx": 0.6 * rng.normal(size=(below, G)), "Wh": 0.6 * rng.normal(size=(H, G))}
        if cell == "gru":
            layer["bx"], layer["bh"] = 0.3 * rng.normal(size=G), 0.3 * rng.normal(size=G)
        else:
            layer["b"] = 0.3 * rng.normal(size=G)
        states.append(rng.normal(size=(N, H)))
        params.append(layer)
        below = H
    return x, states, params


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("N, T, D, sizes", [(1, 1, 1, [1, 1]), (2, 3, 4, [3, 2])])
def test_gated_stacks_match_finite_differences(cell, N, T, D, sizes):
    x, states, params = make_cell_stack(cell, N, T, D, sizes, seed=N + T)
    h_top, cache = stacked_forward(x, states, params, cell=cell)
    dh_top = np.random.default_rng(5).normal(size=h_top.shape)
    dx, d_states, d_params = stacked_backward(dh_top, cache)

    def loss(_):
        return np.sum(stacked_forward(x, states, params, cell=cell)[0] * dh_top)

    assert rel_error(dx, numeric_grad(loss, x), floor=1e-3) <= 1e-7
    for layer in range(len(sizes)):
        assert isinstance(d_states[layer], np.ndarray), "dstate is dh0 for every cell"
        assert rel_error(d_states[layer], numeric_grad(loss, states[layer]), floor=1e-3) <= 1e-7
        assert set(d_params[layer]) == set(CELLS[cell].params)
        for name, grad in d_params[layer].items():
            assert rel_error(grad, numeric_grad(loss, params[layer][name]), floor=1e-3) <= 1e-7, (
                f"{cell} layer {layer + 1} {name}"
            )


def test_an_lstm_layer_can_start_from_a_carried_cell_state():
    """(h0, c0) starts the layer from c0; the state gradient is still dh0 alone."""
    from rnn_numpy.lstm import lstm_backward, lstm_forward

    x, states, params = make_cell_stack("lstm", 2, 3, 2, [3])
    c0 = np.random.default_rng(3).normal(size=(2, 3))
    h_top, cache = stacked_forward(x, [(states[0], c0)], params, cell="lstm")
    expected, lstm_cache = lstm_forward(x, states[0], c0=c0, **params[0])
    np.testing.assert_array_equal(h_top, expected)
    _, d_states, _ = stacked_backward(np.ones_like(h_top), cache)
    np.testing.assert_allclose(d_states[0], lstm_backward(np.ones_like(h_top), lstm_cache)[1])
