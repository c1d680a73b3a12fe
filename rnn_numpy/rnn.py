"""A vanilla recurrent layer: one step, a whole sequence, the output layer, and padded batches.

The recurrence (row-vector convention, one row per sequence in the batch):

    a_t = x_t @ Wx + h_{t-1} @ Wh + b        h_t = act(a_t)        logits_t = h_t @ Wy + by

with act = tanh (the default), relu or linear (identity). N batch, T steps, D input size,
H hidden size, V vocabulary size. Notation as docs/NOTATION.md: steps count from 1 and arrays
from 0, so x[:, t-1] is x_t and h[:, t-1] is h_t; h_0 is the separate argument h0. Every function
works on the whole batch at once; only the
recurrence itself loops, over time.

Caches are tuples with a fixed layout, stated in each forward's docstring, so a backward pass can
be called with a cache built by hand:

    rnn_step_forward    -> (x, h_prev, Wx, Wh, h, activation)
    rnn_forward         -> (x, h0, Wx, Wh, h, activation)
    masked_rnn_forward  -> (x, h0, Wx, Wh, h, lengths, activation)
    rnn_output          -> (h, Wy)

The derivative of the activation is computed from its *output* h, which is all a cache needs:
tanh' = 1 - h**2, relu' = (h > 0), linear' = 1.

Dtypes: results have the dtype NumPy's promotion gives the inputs (float32 in, float32 out;
float64 in, float64 out). Gradient checks should use float64.
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.shapes import Shapes

ACTIVATIONS = ("tanh", "relu", "linear")


# -- activations ----------------------------------------------------------------------------------
def check_activation(function_name: str, activation) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"{function_name}: activation must be one of {ACTIVATIONS}, got {activation!r}"
        )
    return activation


def _activate(a: np.ndarray, activation: str) -> np.ndarray:
    if activation == "tanh":
        return np.tanh(a)
    if activation == "relu":
        return np.maximum(a, 0)
    return a.copy()


def activation_derivative(h: np.ndarray, activation: str) -> np.ndarray:
    """d act(a) / da, written in terms of the output h = act(a)."""
    if activation == "tanh":
        return 1 - h * h
    if activation == "relu":
        return (h > 0).astype(h.dtype)
    return np.ones_like(h)


def _unpack(function_name: str, cache, names: tuple[str, ...]) -> tuple:
    if not isinstance(cache, tuple) or len(cache) != len(names):
        raise TypeError(
            f"{function_name}: cache must be the tuple ({', '.join(names)}), "
            f"got {type(cache).__name__}"
            + (f" of length {len(cache)}" if isinstance(cache, (tuple, list)) else "")
        )
    return cache


# -- one step ------------------------------------------------------------------------------------
def rnn_step_forward(x, h_prev, Wx, Wh, b, activation="tanh"):
    """One step of a vanilla RNN for a batch: h = act(x @ Wx + h_prev @ Wh + b).

    N sequences in the batch, D input size, H hidden size.
    Inputs:
    - x: input at this step, shape (N, D)
    - h_prev: hidden state from the previous step, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - b: bias, shape (H,)
    - activation: "tanh" (default), "relu" or "linear"
    Returns:
    - h: new hidden state, shape (N, H)
    - cache: the tuple (x, h_prev, Wx, Wh, h, activation)
    """
    shapes = Shapes("rnn_step_forward")
    x = shapes.floats("x", x, ("N", "D"))
    h_prev = shapes.floats("h_prev", h_prev, ("N", "H"))
    Wx = shapes.floats("Wx", Wx, ("D", "H"))
    Wh = shapes.floats("Wh", Wh, ("H", "H"))
    b = shapes.floats("b", b, ("H",))
    activation = check_activation("rnn_step_forward", activation)
    h = _activate(x @ Wx + h_prev @ Wh + b, activation)
    return h, (x, h_prev, Wx, Wh, h, activation)


def rnn_step_backward(dh, cache):
    """Backward pass of rnn_step_forward.

    N sequences in the batch, D input size, H hidden size.
    Inputs:
    - dh: gradient of the loss with respect to h, shape (N, H)
    - cache: (x, h_prev, Wx, Wh, h, activation) as returned by rnn_step_forward, with
      x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), h (N, H)
    Returns:
    - dx: shape (N, D)
    - dh_prev: shape (N, H)
    - dWx: shape (D, H)
    - dWh: shape (H, H)
    - db: shape (H,)
    """
    x, h_prev, Wx, Wh, h, activation = _unpack(
        "rnn_step_backward", cache, ("x", "h_prev", "Wx", "Wh", "h", "activation")
    )
    shapes = Shapes("rnn_step_backward")
    x = shapes.floats("x (in cache)", x, ("N", "D"))
    h_prev = shapes.floats("h_prev (in cache)", h_prev, ("N", "H"))
    Wx = shapes.floats("Wx (in cache)", Wx, ("D", "H"))
    Wh = shapes.floats("Wh (in cache)", Wh, ("H", "H"))
    h = shapes.floats("h (in cache)", h, ("N", "H"))
    dh = shapes.floats("dh", dh, ("N", "H"))
    activation = check_activation("rnn_step_backward", activation)

    da = dh * activation_derivative(h, activation)  # gradient on the pre-activation
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


# -- a whole sequence ----------------------------------------------------------------------------
def rnn_forward(x, h0, Wx, Wh, b, activation="tanh"):
    """A vanilla RNN over a whole sequence: h_t = act(x_t @ Wx + h_{t-1} @ Wh + b), t = 1..T.

    N sequences in the batch, T steps, D input size, H hidden size.
    Inputs:
    - x: inputs, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - b: bias, shape (H,)
    - activation: "tanh" (default), "relu" or "linear"
    Returns:
    - h: the states h_1..h_T, shape (N, T, H); h[:, t-1] is h_t (h_0 is not included)
    - cache: the tuple (x, h0, Wx, Wh, h, activation)
    """
    shapes = Shapes("rnn_forward")
    x = shapes.floats("x", x, ("N", "T", "D"))
    h0 = shapes.floats("h0", h0, ("N", "H"))
    Wx = shapes.floats("Wx", Wx, ("D", "H"))
    Wh = shapes.floats("Wh", Wh, ("H", "H"))
    b = shapes.floats("b", b, ("H",))
    activation = check_activation("rnn_forward", activation)

    input_part = x @ Wx + b  # (N, T, H): every step at once
    h = np.empty_like(input_part, dtype=np.result_type(input_part, h0, Wh))
    h_prev = h0
    for t in range(x.shape[1]):
        h_prev = _activate(input_part[:, t] + h_prev @ Wh, activation)
        h[:, t] = h_prev
    return h, (x, h0, Wx, Wh, h, activation)


def _bptt(dh, x, h0, Wh, h, activation, active=None):
    """Shared loop of rnn_backward and masked_rnn_backward. `active` (N, T) bool or None.

    Returns (da, dh0, dWx, dWh, db), da being the gradient on every pre-activation (N, T, H).
    """
    derivative = activation_derivative(h, activation)  # (N, T, H)
    da = np.empty_like(derivative, dtype=np.result_type(dh, derivative))
    dh_next = np.zeros_like(da[:, 0])  # gradient arriving from step t+1
    for t in reversed(range(h.shape[1])):
        dh_t = dh[:, t] + dh_next
        if active is None:
            da[:, t] = dh_t * derivative[:, t]
            dh_next = da[:, t] @ Wh.T
        else:
            keep = active[:, t, None]  # (N, 1)
            da[:, t] = np.where(keep, dh_t * derivative[:, t], 0)
            dh_next = da[:, t] @ Wh.T + np.where(keep, 0, dh_t)  # frozen: h_t = h_{t-1}
    N, T, D = x.shape
    H = h.shape[2]
    h_prev = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)  # (N, T, H): h_{t-1}
    da_rows = da.reshape(N * T, H)  # (N*T, H): all steps as rows
    dWh = h_prev.reshape(N * T, H).T @ da_rows  # (H, H)
    dWx = x.reshape(N * T, D).T @ da_rows  # (D, H)
    return da, dh_next, dWx, dWh, da_rows.sum(axis=0)


def rnn_backward(dh, cache):
    """Backpropagation through time for rnn_forward.

    N sequences in the batch, T steps, D input size, H hidden size.
    Inputs:
    - dh: gradient of the loss with respect to every state, shape (N, T, H); dh[:, t-1] is
      the part that reaches h_t from its own output (not through later steps)
    - cache: (x, h0, Wx, Wh, h, activation) as returned by rnn_forward, with
      x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), h (N, T, H)
    Returns:
    - dx: shape (N, T, D)
    - dh0: shape (N, H)
    - dWx: shape (D, H), summed over all steps
    - dWh: shape (H, H), summed over all steps
    - db: shape (H,), summed over all steps
    """
    x, h0, Wx, Wh, h, activation = _unpack(
        "rnn_backward", cache, ("x", "h0", "Wx", "Wh", "h", "activation")
    )
    shapes = Shapes("rnn_backward")
    x = shapes.floats("x (in cache)", x, ("N", "T", "D"))
    h0 = shapes.floats("h0 (in cache)", h0, ("N", "H"))
    Wx = shapes.floats("Wx (in cache)", Wx, ("D", "H"))
    Wh = shapes.floats("Wh (in cache)", Wh, ("H", "H"))
    h = shapes.floats("h (in cache)", h, ("N", "T", "H"))
    dh = shapes.floats("dh", dh, ("N", "T", "H"))
    activation = check_activation("rnn_backward", activation)

    da, dh0, dWx, dWh, db = _bptt(dh, x, h0, Wh, h, activation)
    return da @ Wx.T, dh0, dWx, dWh, db


# -- output layer --------------------------------------------------------------------------------
def _hidden_dims(function_name: str, name: str, value) -> tuple:
    ndim = getattr(value, "ndim", None)
    if ndim is None:
        ndim = np.ndim(value) if isinstance(value, (list, tuple)) else 3
    if ndim not in (2, 3):
        raise ValueError(
            f"{function_name}: {name} must have shape (N, T, H) or (N, H), "
            f"got shape {np.shape(value)}"
        )
    return ("N", "T", "H") if ndim == 3 else ("N", "H")


def rnn_output(h, Wy, by):
    """Scores over the vocabulary from hidden states: logits = h @ Wy + by.

    N sequences in the batch, T steps, H hidden size, V vocabulary size.
    Inputs:
    - h: hidden states, shape (N, T, H) or one step (N, H)
    - Wy: hidden-to-output weights, shape (H, V)
    - by: output bias, shape (V,)
    Returns:
    - logits: shape (N, T, V) or (N, V), like h
    - cache: the tuple (h, Wy)
    """
    shapes = Shapes("rnn_output")
    h = shapes.floats("h", h, _hidden_dims("rnn_output", "h", h))
    Wy = shapes.floats("Wy", Wy, ("H", "V"))
    by = shapes.floats("by", by, ("V",))
    return h @ Wy + by, (h, Wy)


def rnn_output_backward(dlogits, cache):
    """Backward pass of rnn_output.

    N sequences in the batch, T steps, H hidden size, V vocabulary size.
    Inputs:
    - dlogits: gradient with respect to the logits, shape (N, T, V) or (N, V), like h
    - cache: (h, Wy) as returned by rnn_output, h (N, T, H) or (N, H), Wy (H, V)
    Returns:
    - dh: shape like h
    - dWy: shape (H, V), summed over the batch and all steps
    - dby: shape (V,), summed over the batch and all steps
    """
    h, Wy = _unpack("rnn_output_backward", cache, ("h", "Wy"))
    shapes = Shapes("rnn_output_backward")
    dims = _hidden_dims("rnn_output_backward", "h (in cache)", h)
    h = shapes.floats("h (in cache)", h, dims)
    Wy = shapes.floats("Wy (in cache)", Wy, ("H", "V"))
    dlogits = shapes.floats("dlogits", dlogits, dims[:-1] + ("V",))
    H, V = Wy.shape
    rows = dlogits.reshape(-1, V)  # (N*T, V)
    return dlogits @ Wy.T, h.reshape(-1, H).T @ rows, rows.sum(axis=0)


# -- batches of sequences of different lengths ---------------------------------------------------
def _check_lengths(function_name: str, shapes: Shapes, lengths) -> np.ndarray:
    lengths = shapes.integers("lengths", lengths, ("N",))
    T = shapes.size("T")
    if lengths.size and (lengths.min() < 1 or lengths.max() > T):
        raise ValueError(
            f"{function_name}: every entry of lengths must lie in 1..T = 1..{T}, "
            f"got entries from {lengths.min()} to {lengths.max()}"
        )
    return lengths


def masked_rnn_forward(x, h0, Wx, Wh, b, lengths, activation="tanh"):
    """rnn_forward for a padded batch: sequence n is only T_n = lengths[n] steps long.

    Steps t <= T_n follow the recurrence; after that the state is frozen, so for t > T_n
    h[n, t-1] = h[n, T_n - 1] and the padding x[n, T_n:] is never read.
    N sequences in the batch, T steps (the longest), D input size, H hidden size.
    Inputs:
    - x: padded inputs, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: shape (D, H); Wh: shape (H, H); b: shape (H,)
    - lengths: length of each sequence, integers in 1..T, shape (N,)
    - activation: "tanh" (default), "relu" or "linear"
    Returns:
    - h: hidden states, shape (N, T, H)
    - cache: the tuple (x, h0, Wx, Wh, h, lengths, activation)
    """
    shapes = Shapes("masked_rnn_forward")
    x = shapes.floats("x", x, ("N", "T", "D"))
    h0 = shapes.floats("h0", h0, ("N", "H"))
    Wx = shapes.floats("Wx", Wx, ("D", "H"))
    Wh = shapes.floats("Wh", Wh, ("H", "H"))
    b = shapes.floats("b", b, ("H",))
    lengths = _check_lengths("masked_rnn_forward", shapes, lengths)
    activation = check_activation("masked_rnn_forward", activation)

    active = np.arange(x.shape[1]) < lengths[:, None]  # (N, T): True inside each sequence
    input_part = x @ Wx + b  # (N, T, H)
    h = np.empty_like(input_part, dtype=np.result_type(input_part, h0, Wh))
    h_prev = h0
    for t in range(x.shape[1]):
        h_new = _activate(input_part[:, t] + h_prev @ Wh, activation)
        h_prev = np.where(active[:, t, None], h_new, h_prev)
        h[:, t] = h_prev
    return h, (x, h0, Wx, Wh, h, lengths, activation)


def masked_rnn_backward(dh, cache):
    """Backward pass of masked_rnn_forward.

    Past the end of a sequence the state is a copy of the previous one, so its gradient flows
    straight back to the last real step; dx is zero on padding.
    N sequences in the batch, T steps, D input size, H hidden size.
    Inputs:
    - dh: gradient with respect to every hidden state, shape (N, T, H)
    - cache: (x, h0, Wx, Wh, h, lengths, activation) as returned by masked_rnn_forward
    Returns:
    - dx: shape (N, T, D), zero where t >= lengths[n]
    - dh0: shape (N, H)
    - dWx: shape (D, H); dWh: shape (H, H); db: shape (H,)
    """
    x, h0, Wx, Wh, h, lengths, activation = _unpack(
        "masked_rnn_backward", cache, ("x", "h0", "Wx", "Wh", "h", "lengths", "activation")
    )
    shapes = Shapes("masked_rnn_backward")
    x = shapes.floats("x (in cache)", x, ("N", "T", "D"))
    h0 = shapes.floats("h0 (in cache)", h0, ("N", "H"))
    Wx = shapes.floats("Wx (in cache)", Wx, ("D", "H"))
    Wh = shapes.floats("Wh (in cache)", Wh, ("H", "H"))
    h = shapes.floats("h (in cache)", h, ("N", "T", "H"))
    lengths = _check_lengths("masked_rnn_backward", shapes, lengths)
    dh = shapes.floats("dh", dh, ("N", "T", "H"))
    activation = check_activation("masked_rnn_backward", activation)

    active = np.arange(x.shape[1]) < lengths[:, None]  # (N, T)
    da, dh0, dWx, dWh, db = _bptt(dh, x, h0, Wh, h, activation, active)
    return da @ Wx.T, dh0, dWx, dWh, db
