"""Truncated backpropagation through time over a long stream of character indices.

A stream of N parallel character sequences of T + 1 characters, shape (N, T + 1), has T steps:
step t reads character v_t and predicts v_{t+1} (docs/NOTATION.md). It is read in chunks of
K = `chunk_length` steps: a chunk's inputs are the characters at array positions
start .. start+K-1 and its targets the *next* characters, at positions start+1 .. start+K. The
forward pass of a chunk starts from the hidden state the previous chunk ended with (the state is
carried), but the backward pass stops at the chunk's first step: no gradient flows into the
previous chunk (the state is treated as a constant). The last chunk may be shorter; T characters
are predicted in all. The loss of a chunk is summed over its steps and averaged over the N
streams.

A character RNN has the parameters (one-hot inputs, so D = V)
    params = {"Wx": (V, H), "Wh": (H, H), "b": (H,), "Wy": (H, V), "by": (V,)}
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.encoding import one_hot
from rnn_numpy.shapes import Shapes

PARAM_NAMES = ("Wx", "Wh", "b", "Wy", "by")


def _check_params(shapes: Shapes, params) -> dict:
    if not isinstance(params, dict) or set(params) != set(PARAM_NAMES):
        raise ValueError(
            f"{shapes.function_name}: params must be a dict with keys {list(PARAM_NAMES)}"
        )
    return {
        "Wx": shapes.floats("Wx", params["Wx"], ("V", "H")),
        "Wh": shapes.floats("Wh", params["Wh"], ("H", "H")),
        "b": shapes.floats("b", params["b"], ("H",)),
        "Wy": shapes.floats("Wy", params["Wy"], ("H", "V")),
        "by": shapes.floats("by", params["by"], ("V",)),
    }


def char_rnn_loss(inputs, targets, h0, params):
    """Loss, gradients and final state of a character RNN on one chunk (full BPTT inside it).

    N sequences, T steps, V characters, H hidden units.
    Inputs:
    - inputs: character indices fed in, integers in [0, V), shape (N, T)
    - targets: the character to predict at each step, integers in [0, V), shape (N, T)
    - h0: the state before the first step, shape (N, H)
    - params: dict with Wx (V, H), Wh (H, H), b (H,), Wy (H, V), by (V,)
    Returns:
    - loss: temporal_softmax_loss of the chunk (a float)
    - grads: dict with the gradient of the loss for each parameter, same shapes as params
    - h_last: the state after the last step, shape (N, H)
    """
    from rnn_numpy.losses import temporal_softmax_loss
    from rnn_numpy.rnn import rnn_backward, rnn_forward, rnn_output, rnn_output_backward

    shapes = Shapes("char_rnn_loss")
    p = _check_params(shapes, params)
    inputs = shapes.integers("inputs", inputs, ("N", "T"), low=0, high=shapes.size("V"))
    targets = shapes.integers("targets", targets, ("N", "T"), low=0, high=shapes.size("V"))
    h0 = shapes.floats("h0", h0, ("N", "H"))
    x = one_hot(inputs, shapes.size("V"))  # (N, T, V)
    h, cache = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])  # (N, T, H)
    logits, output_cache = rnn_output(h, p["Wy"], p["by"])  # (N, T, V)
    loss, dlogits = temporal_softmax_loss(logits, targets, np.ones(targets.shape, dtype=bool))
    dh, dWy, dby = rnn_output_backward(dlogits, output_cache)
    _, _, dWx, dWh, db = rnn_backward(dh, cache)
    grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}
    return float(loss), grads, h[:, -1, :].copy()


def chunk_bounds(length, chunk_length):
    """(start, stop) of the input positions of each chunk of a stream of `length` = T + 1
    characters, chunks of K = chunk_length steps: [(0, K), (K, 2K), ...], the last one ending at
    T (the last character is only a target)."""
    shapes = Shapes("chunk_bounds")
    length = shapes.positive_int("length", length)
    K = shapes.positive_int("chunk_length", chunk_length)
    if length < 2:
        raise ValueError(
            "chunk_bounds: a stream needs at least 2 characters (an input and a target)"
        )
    return [(start, min(start + K, length - 1)) for start in range(0, length - 1, K)]


def truncated_bptt(stream, h0, params, chunk_length):
    """Loss and gradients of each chunk of a stream, carrying the hidden state across chunks.

    N parallel streams of T + 1 characters (T steps), V characters, H hidden units, chunks of
    K = chunk_length steps; C = ceil(T / K) chunks.
    Inputs:
    - stream: character indices, integers in [0, V), shape (N, T + 1), T >= 1
    - h0: the state before the first character, shape (N, H)
    - params: dict with Wx (V, H), Wh (H, H), b (H,), Wy (H, V), by (V,)
    - chunk_length: K, the truncation length, a whole number >= 1
    Returns:
    - losses: the loss of each chunk (char_rnn_loss), shape (C,)
    - grads: dict, for each parameter the sum over chunks of the chunk gradients
    - h_final: the state after the last input character (array position T - 1), shape (N, H);
      pass it as h0 of the next call to continue the stream
    """
    shapes = Shapes("truncated_bptt")
    p = _check_params(shapes, params)
    stream = shapes.integers("stream", stream, ("N", "T+1"), low=0, high=shapes.size("V"))
    h = shapes.floats("h0", h0, ("N", "H"))
    losses, total = [], {name: np.zeros_like(value) for name, value in p.items()}
    for start, stop in chunk_bounds(stream.shape[1], chunk_length):
        loss, grads, h = char_rnn_loss(stream[:, start:stop], stream[:, start + 1 : stop + 1], h, p)
        losses.append(loss)
        for name in PARAM_NAMES:
            total[name] += grads[name]
    return np.array(losses), total, h
