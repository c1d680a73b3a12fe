"""Deep (stacked) recurrent networks: layer m reads the hidden states of layer m - 1.

Notation as docs/NOTATION.md: M layers, m = 1..M; layer m has its own weights, its own hidden
size H_m and its own initial state h_0^(m); its inputs are x_t^(1) = x_t and x_t^(m) = h_t^(m-1)
at every step t; the output is read from the top layer's states h_t^(M). In code, layer m is
index m - 1 of every list (`layer_params[m-1]`, `initial_states[m-1]`), and H_0 = D.

Any cell type can be stacked: a cell is an entry of the table CELLS, a
`Cell(forward, backward, params)` where

    forward(x, state, params)   -> (h, cache)              x (N, T, H_{m-1}), h (N, T, H_m)
    backward(dh, cache)         -> (dx, dstate, dparams)   dparams: dict with the keys of params
    params                      -> the names of the weights, e.g. ("Wx", "Wh", "b")

`state` is what the layer starts from: h_0^(m), an array (N, H_m), for every cell; an LSTM layer
also accepts the pair (h0, c0) (c0 = 0 otherwise), so that a caller can carry the cell state
from one chunk to the next. `dstate` is the gradient with respect to h_0^(m) only, (N, H_m), for
every cell: notebook 05's lstm_backward, which notebook 06 stacks, returns no gradient for c0.
Register a cell type by adding an entry, e.g.

    CELLS["lstm"] = Cell(lstm_layer_forward, lstm_layer_backward, ("Wx", "Wh", "b"))

N batch, T steps, D input size of layer 1, H_m hidden size of layer m.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from rnn_numpy.gru import gru_backward, gru_forward
from rnn_numpy.lstm import lstm_backward, lstm_forward
from rnn_numpy.rnn import rnn_backward, rnn_forward
from rnn_numpy.shapes import Shapes


class Cell(NamedTuple):
    """One recurrent cell type as a stacked network sees it (see the module docstring)."""

    forward: Callable  # forward(x, state, params) -> (h, cache)
    backward: Callable  # backward(dh, cache) -> (dx, dstate, dparams)
    params: tuple  # names of the weights in each layer's params dict


def _rnn_layer_forward(x, h0, params):
    return rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])


def _rnn_layer_backward(dh, cache):
    dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}


def _lstm_layer_forward(x, state, params):
    """state: h0 (N, H), then c0 = 0, or the pair (h0, c0), each (N, H)."""
    h0, c0 = state if isinstance(state, tuple) else (state, None)
    return lstm_forward(x, h0, params["Wx"], params["Wh"], params["b"], c0=c0)


def _lstm_layer_backward(dh, cache):
    """dstate is dh0 alone, as for every cell (see the module docstring)."""
    dx, dh0, dWx, dWh, db = lstm_backward(dh, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}


def _gru_layer_forward(x, h0, params):
    return gru_forward(x, h0, params["Wx"], params["Wh"], params["bx"], params["bh"])


def _gru_layer_backward(dh, cache):
    dx, dh0, dWx, dWh, dbx, dbh = gru_backward(dh, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, "bx": dbx, "bh": dbh}


CELLS: dict[str, Cell] = {
    "rnn": Cell(_rnn_layer_forward, _rnn_layer_backward, ("Wx", "Wh", "b")),
    # RNN: Wx (H_{m-1}, H_m), Wh (H_m, H_m), b (H_m,); state h0, dstate dh0.
    # LSTM: Wx (H_{m-1}, 4H_m), Wh (H_m, 4H_m), b (4H_m,), gates i, f, g, o; state h0 or
    # (h0, c0); dstate dh0.
    "lstm": Cell(_lstm_layer_forward, _lstm_layer_backward, ("Wx", "Wh", "b")),
    # GRU (torch.nn.GRU convention): Wx (H_{m-1}, 3H_m), Wh (H_m, 3H_m), bx, bh (3H_m,), gates
    # r, z, n; state h0, dstate dh0.
    "gru": Cell(_gru_layer_forward, _gru_layer_backward, ("Wx", "Wh", "bx", "bh")),
}


def _check_layers(function_name: str, cell, states, layer_params, states_name: str) -> Cell:
    if not isinstance(cell, str) or cell not in CELLS:
        raise ValueError(f"{function_name}: cell must be one of {sorted(CELLS)}, got {cell!r}")
    kind = CELLS[cell]
    if not isinstance(layer_params, (list, tuple)) or not layer_params:
        raise TypeError(
            f"{function_name}: layer_params must be a non-empty list with one dict "
            f"of weights {kind.params} per layer"
        )
    if not isinstance(states, (list, tuple)) or len(states) != len(layer_params):
        got = (
            f"{len(states)} entries" if isinstance(states, (list, tuple)) else type(states).__name__
        )
        raise ValueError(
            f"{function_name}: {states_name} must be a list with one entry per "
            f"layer ({len(layer_params)} layers), got {got}"
        )
    for layer, params in enumerate(layer_params):
        if not isinstance(params, dict) or not set(kind.params) <= set(params):
            keys = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise ValueError(
                f"{function_name}: layer_params[{layer}] must be a dict with keys "
                f"{kind.params}, got {keys}"
            )
    return kind


def _in_layer(function_name: str, layer: int, call, *args):
    """Run one layer's function (list index `layer`, layer m = layer + 1); an argument error
    says which layer it came from."""
    try:
        return call(*args)
    except (ValueError, TypeError) as error:
        if type(error) not in (ValueError, TypeError):
            raise
        raise type(error)(
            f"{function_name}: layer {layer + 1} (index {layer} of the lists): {error}"
        ) from error


def stacked_forward(x, initial_states, layer_params, cell="rnn"):
    """Forward pass of M stacked recurrent layers of one cell type, each with its own weights.

    Layer 1 reads x; layer m reads the states of layer m - 1; entry m - 1 of each list belongs
    to layer m. N sequences, T steps, D input size, H_m hidden size of layer m (H_0 = D).
    Inputs:
    - x: inputs x_1..x_T of layer 1, shape (N, T, D)
    - initial_states: list of M initial states h_0^(m), each of shape (N, H_m) (an LSTM layer
      also accepts the pair (h0, c0))
    - layer_params: list of M dicts of weights, with the keys CELLS[cell].params: for "rnn"
      "Wx" (H_{m-1}, H_m), "Wh" (H_m, H_m), "b" (H_m,); for "lstm" the same with 4H_m columns;
      for "gru" "Wx" (H_{m-1}, 3H_m), "Wh" (H_m, 3H_m), "bx" and "bh" (3H_m,)
    - cell: a key of CELLS: "rnn", "lstm" or "gru"
    Returns:
    - h_top: states h_1^(M)..h_T^(M) of the top layer, shape (N, T, H_M)
    - cache: the tuple (cell, layer_caches), layer_caches the tuple of the M caches that
      CELLS[cell].forward returned, bottom layer first (the caches of rnn_forward,
      lstm_forward or gru_forward)
    """
    shapes = Shapes("stacked_forward")
    x = shapes.floats("x", x, ("N", "T", "D"))
    kind = _check_layers("stacked_forward", cell, initial_states, layer_params, "initial_states")
    h, caches = x, []
    for layer, (state, params) in enumerate(zip(initial_states, layer_params)):
        h, cache = _in_layer("stacked_forward", layer, kind.forward, h, state, params)
        caches.append(cache)
    return h, (cell, tuple(caches))


def stacked_backward(dh_top, cache):
    """Backward pass of stacked_forward: from the top layer down, the dx of layer m is the dh
    of layer m - 1.

    N sequences, T steps, D input size, H_m hidden size of layer m.
    Inputs:
    - dh_top: gradient of the loss with respect to the top layer's states, shape (N, T, H_M)
    - cache: the tuple (cell, layer_caches) from stacked_forward
    Returns:
    - dx: shape (N, T, D)
    - d_initial_states: list of M gradients with respect to h_0^(m), each (N, H_m)
    - d_layer_params: list of M dicts with the keys of layer_params[m-1], each gradient shaped
      like its weight
    """
    if (
        not isinstance(cache, tuple)
        or len(cache) != 2
        or not isinstance(cache[0], str)
        or not isinstance(cache[1], (tuple, list))
    ):
        raise TypeError(
            "stacked_backward: cache must be the tuple (cell, layer_caches) returned "
            "by stacked_forward"
        )
    cell, caches = cache
    if cell not in CELLS:
        raise ValueError(
            f"stacked_backward: cell (in cache) must be one of {sorted(CELLS)}, got {cell!r}"
        )
    shapes = Shapes("stacked_backward")
    dh = shapes.floats("dh_top", dh_top, ("N", "T", "H"))
    d_states, d_params = [None] * len(caches), [None] * len(caches)
    for layer in reversed(range(len(caches))):  # dx of layer m is dh of layer m - 1
        dh, d_states[layer], d_params[layer] = _in_layer(
            "stacked_backward", layer, CELLS[cell].backward, dh, caches[layer]
        )
    return dh, d_states, d_params


def stacked_rnn_forward(x, h0s, layer_params):
    """Forward pass of M stacked tanh RNN layers, each with its own weights (notebook 02).

    Layer 1 reads x; layer m reads the hidden states of layer m - 1. Layer m is entry m-1 of
    the lists. N sequences, T steps, D = H_0 input size, H_m hidden size of layer m.
    Inputs:
    - x: inputs, shape (N, T, D)
    - h0s: list of M initial hidden states, h0s[m-1] of shape (N, H_m)
    - layer_params: list of M dicts with keys "Wx" (H_{m-1}, H_m), "Wh" (H_m, H_m), "b" (H_m,)
    Returns:
    - h_top: hidden states of the top layer, shape (N, T, H_M)
    - hs: list of the M hidden sequences, hs[m-1] of shape (N, T, H_m); hs[-1] is h_top
    """
    shapes = Shapes("stacked_rnn_forward")
    x = shapes.floats("x", x, ("N", "T", "D"))
    _check_layers("stacked_rnn_forward", "rnn", h0s, layer_params, "h0s")
    h, hs = x, []
    for layer, (h0, params) in enumerate(zip(h0s, layer_params)):
        h, _ = _in_layer("stacked_rnn_forward", layer, _rnn_layer_forward, h, h0, params)
        hs.append(h)
    return h, hs


def stacked_rnn_backward(dh_top, cache):
    """Backward pass of stacked_rnn_forward (notebook 03).

    The cache is what stacked_rnn_forward was given and what it returned: layer m's own cache is
    (x_m, h0s[m-1], Wx, Wh, hs[m-1], "tanh") with x_1 = x and x_m = hs[m-2]. Going down from the
    top layer, rnn_backward of layer m returns dx_m, which is the gradient on the states of layer
    m - 1 (only the top layer has a loss of its own).
    N sequences, T steps, D input size, H_m hidden size of layer m (m = 1..M), H_0 = D.
    Inputs:
    - dh_top: gradient of the loss with respect to the top layer's states, shape (N, T, H_M)
    - cache: the tuple (x, h0s, layer_params, hs): x (N, T, D); h0s, a list of M initial states
      (N, H_m); layer_params, a list of M dicts "Wx" (H_{m-1}, H_m), "Wh" (H_m, H_m),
      "b" (H_m,); hs, the list of M state sequences (N, T, H_m) that stacked_rnn_forward returned
    Returns:
    - dx: shape (N, T, D)
    - dh0s: list of M arrays, dh0s[m-1] of shape (N, H_m)
    - dlayer_params: list of M dicts with keys "Wx", "Wh", "b", shaped like layer_params
    """
    if not isinstance(cache, tuple) or len(cache) != 4:
        raise TypeError("stacked_rnn_backward: cache must be the tuple (x, h0s, layer_params, hs)")
    x, h0s, layer_params, hs = cache
    shapes = Shapes("stacked_rnn_backward")
    x = shapes.floats("x (in cache)", x, ("N", "T", "D"))
    _check_layers("stacked_rnn_backward", "rnn", h0s, layer_params, "h0s")
    if not isinstance(hs, (list, tuple)) or len(hs) != len(layer_params):
        raise ValueError(
            f"stacked_rnn_backward: hs (in cache) must be a list of "
            f"{len(layer_params)} state sequences, one per layer"
        )
    dh = shapes.floats("dh_top", dh_top, ("N", "T", "H_M"))
    if dh.shape != np.shape(hs[-1]):
        raise ValueError(
            f"stacked_rnn_backward: dh_top must have the shape of the top layer's "
            f"states {np.shape(hs[-1])}, got {dh.shape}"
        )
    dh0s, dparams = [None] * len(hs), [None] * len(hs)
    for layer in reversed(range(len(hs))):  # top layer first
        below = x if layer == 0 else hs[layer - 1]
        layer_cache = (
            below,
            h0s[layer],
            layer_params[layer]["Wx"],
            layer_params[layer]["Wh"],
            hs[layer],
            "tanh",
        )
        dh, dh0s[layer], dparams[layer] = _in_layer(
            "stacked_rnn_backward", layer, _rnn_layer_backward, dh, layer_cache
        )
    return dh, dh0s, dparams
