"""Gated recurrent unit (GRU) in the convention of torch.nn.GRU, with row vectors.

Notation as docs/NOTATION.md: steps t = 1..T, h_0 the initial state, code index t-1 holds step t
(`x[:, t-1]` is x_t, `h[:, t-1]` is h_t). Gate order r, z, n: the column blocks of Wx (D, 3H),
Wh (H, 3H), bx (3H,) and bh (3H,), in this order. Input and hidden biases are separate because
the reset gate multiplies the hidden part of the candidate *including its bias*:

    r_t = sigmoid(x_t Wx^r + bx^r + h_{t-1} Wh^r + bh^r)           reset gate
    z_t = sigmoid(x_t Wx^z + bx^z + h_{t-1} Wh^z + bh^z)           update gate
    n_t = tanh(x_t Wx^n + bx^n + r_t * (h_{t-1} Wh^n + bh^n))      candidate
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

The other common variant, the GRU as Cho et al. (2014) wrote it (and Keras's reset_after=False),
applies r_t *before* the product: n_t = tanh(x_t Wx^n + bx^n + (r_t * h_{t-1}) Wh^n + bh^n)
(`gru_cho_step`). The two are different functions of the same weights: they agree only where
the reset gate is fully open (r_t = 1) or where Wh^n mixes no units (diagonal) and bh^n = 0.
torch and cuDNN apply r after the product, as here, so that h_{t-1} Wh for all three gates is
one product per step that does not wait for r.

Same speed structure as `lstm`: one input-projection product for all steps, one product per
step, big products for the weight gradients after the loop.
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.lstm import (
    bind_gate_width,
    compute_dtype,
    sigmoid_inplace,
    tanh_inplace,
    unpack_cache,
)
from rnn_numpy.shapes import Shapes

GATES = ("r", "z", "n")  # column blocks of Wx, Wh, bx, bh, in this order


def _check_weights(shapes: Shapes, source: str, Wx, Wh, bx=None, bh=None, prefix=""):
    G = bind_gate_width(shapes, 3, source)
    Wx = shapes.floats(prefix + "Wx", Wx, ("D", G))
    Wh = shapes.floats(prefix + "Wh", Wh, ("H", G))
    if bx is None:
        return Wx, Wh
    return Wx, Wh, shapes.floats("bx", bx, (G,)), shapes.floats("bh", bh, (G,))


def _step_arguments(function_name: str, x, h_prev, Wx, Wh, bx, bh):
    """The checked arguments of one step, the hidden size H and the dtype to compute in."""
    shapes = Shapes(function_name)
    x = shapes.floats("x", x, ("N", "D"))
    h_prev = shapes.floats("h_prev", h_prev, ("N", "H"))
    Wx, Wh, bx, bh = _check_weights(shapes, "h_prev", Wx, Wh, bx, bh)
    return (x, h_prev, Wx, Wh, bx, bh, shapes.size("H"), compute_dtype(x, h_prev, Wx, Wh, bx, bh))


def _gru_cell(xp, hp, h_prev, H: int):
    """Finish one step from xp = x_t Wx + bx and hp = h_{t-1} Wh + bh, both (N, 3H).

    Overwrites xp with the activated gates [r, z, n] and returns the new h (N, H).
    """
    rz = xp[:, : 2 * H]
    rz += hp[:, : 2 * H]
    sigmoid_inplace(rz)  # [r, z]
    r, z, n = xp[:, :H], xp[:, H : 2 * H], xp[:, 2 * H :]
    n += r * hp[:, 2 * H :]  # r after the product
    tanh_inplace(n)
    return n + z * (h_prev - n)  # (1 - z) n + z h_prev


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One GRU step for a batch (torch.nn.GRU convention, gate order r, z, n): h_t from x_t
    and h_{t-1}.

    N sequences in the batch, D input size, H hidden size.
    Inputs:
    - x: input x_t, shape (N, D)
    - h_prev: previous hidden state h_{t-1}, shape (N, H)
    - Wx: input-to-gates weights [Wx^r, Wx^z, Wx^n], shape (D, 3H)
    - Wh: hidden-to-gates weights [Wh^r, Wh^z, Wh^n], shape (H, 3H)
    - bx: input biases [bx^r, bx^z, bx^n], shape (3H,)
    - bh: hidden biases [bh^r, bh^z, bh^n], shape (3H,)
    Returns a tuple of:
    - h: new hidden state h_t, shape (N, H)
    - cache: the tuple (x, h_prev, Wx, Wh, gates, hn), where gates (N, 3H) holds the activated
      [r_t, z_t, n_t] and hn (N, H) is h_{t-1} Wh^n + bh^n, what r_t multiplies
    Large inputs (|x| ~ 1e4, where the gates saturate) must not overflow: no NaN or inf.
    """
    x, h_prev, Wx, Wh, bx, bh, H, dtype = _step_arguments(
        "gru_step_forward", x, h_prev, Wx, Wh, bx, bh
    )
    gates = (x @ Wx + bx).astype(dtype, copy=False)  # (N, 3H)
    hp = (h_prev @ Wh + bh).astype(dtype, copy=False)  # (N, 3H)
    h = _gru_cell(gates, hp, h_prev, H)
    return h, (x, h_prev, Wx, Wh, gates, hp[:, 2 * H :].copy())


def gru_step_backward(dh, cache):
    """Backward pass of one GRU step (gru_step_forward).

    N sequences in the batch, D input size, H hidden size.
    Inputs:
    - dh: gradient of the loss with respect to h_t, shape (N, H)
    - cache: the tuple (x, h_prev, Wx, Wh, gates, hn) from gru_step_forward
    Returns a tuple of:
    - dx: shape (N, D)
    - dh_prev: gradient with respect to h_{t-1}, shape (N, H)
    - dWx: shape (D, 3H)
    - dWh: shape (H, 3H)
    - dbx: shape (3H,)
    - dbh: shape (3H,)
    """
    shapes = Shapes("gru_step_backward")
    x, h_prev, Wx, Wh, gates, hn = unpack_cache(
        shapes, cache, ("x", "h_prev", "Wx", "Wh", "gates", "hn")
    )
    x = shapes.floats("cache x", x, ("N", "D"))
    h_prev = shapes.floats("cache h_prev", h_prev, ("N", "H"))
    Wx, Wh = _check_weights(shapes, "cache h_prev", Wx, Wh, prefix="cache ")
    gates = shapes.floats("cache gates", gates, ("N", "3H"))
    hn = shapes.floats("cache hn", hn, ("N", "H"))
    dh = shapes.floats("dh", dh, ("N", "H"))
    H = shapes.size("H")

    r, z, n = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H :]
    da_n = dh * (1 - z) * (1 - n**2)  # through n = tanh(...)
    dax = np.concatenate(
        [
            da_n * hn * r * (1 - r),  # through r = sigmoid(...)
            dh * (h_prev - n) * z * (1 - z),  # through z = sigmoid(...)
            da_n,
        ],
        axis=1,
    )  # (N, 3H): input-side pre-acts
    dah = np.concatenate([dax[:, : 2 * H], da_n * r], axis=1)  # (N, 3H): hidden-side pre-acts
    dh_prev = dah @ Wh.T + dh * z
    return dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)


def gru_cho_step(x, h_prev, Wx, Wh, bx, bh):
    """One step of the other common GRU variant (Cho et al. 2014): the reset gate applied to
    h_{t-1} *before* the product, n_t = tanh(x_t Wx^n + bx^n + (r_t * h_{t-1}) Wh^n + bh^n).

    Same weights, gate order and shapes as gru_step_forward; r_t, z_t and h_t as there. Used to
    show that the two conventions are different functions of the same weights.
    N sequences in the batch, D input size, H hidden size.
    Inputs:
    - x: input x_t, shape (N, D)
    - h_prev: previous hidden state h_{t-1}, shape (N, H)
    - Wx: shape (D, 3H); Wh: shape (H, 3H); bx, bh: shape (3H,) (as gru_step_forward)
    Returns:
    - h: new hidden state h_t, shape (N, H)
    """
    x, h_prev, Wx, Wh, bx, bh, H, dtype = _step_arguments("gru_cho_step", x, h_prev, Wx, Wh, bx, bh)
    gates = (x @ Wx + bx).astype(dtype, copy=False)  # (N, 3H): input side
    rz = gates[:, : 2 * H]
    rz += h_prev @ Wh[:, : 2 * H] + bh[: 2 * H]
    sigmoid_inplace(rz)  # [r, z]
    r, z, n = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H :]
    n += (r * h_prev) @ Wh[:, 2 * H :] + bh[2 * H :]  # r before the product
    tanh_inplace(n)
    return n + z * (h_prev - n)


def gru_forward(x, h0, Wx, Wh, bx, bh):
    """A GRU over a whole sequence for a batch (torch.nn.GRU convention, gates r, z, n).

    N sequences in the batch, T steps, D input size, H hidden size.
    Inputs:
    - x: inputs x_1..x_T, shape (N, T, D); x[:, t-1] is x_t
    - h0: initial hidden state h_0, shape (N, H)
    - Wx: shape (D, 3H); Wh: shape (H, 3H); bx, bh: shape (3H,) (as gru_step_forward)
    Returns a tuple of:
    - h: states h_1..h_T, shape (N, T, H); h[:, t-1] is h_t (h_0 is not included)
    - cache: the tuple (x, h0, Wx, Wh, gates, hn, h), where gates (N, T, 3H) holds the
      activated [r_t, z_t, n_t] of every step, hn (N, T, H) holds h_{t-1} Wh^n + bh^n of every
      step, and h is the returned states
    Large inputs (|x| ~ 1e4, where the gates saturate) must not overflow: no NaN or inf.
    """
    shapes = Shapes("gru_forward")
    x = shapes.floats("x", x, ("N", "T", "D"))
    h0 = shapes.floats("h0", h0, ("N", "H"))
    Wx, Wh, bx, bh = _check_weights(shapes, "h0", Wx, Wh, bx, bh)
    N, T, D = x.shape
    H = shapes.size("H")
    dtype = compute_dtype(x, h0, Wx, Wh, bx, bh)

    gates = (x.reshape(N * T, D) @ Wx + bx).reshape(N, T, 3 * H).astype(dtype, copy=False)
    hn = np.empty((N, T, H), dtype=dtype)
    h = np.empty((N, T, H), dtype=dtype)
    h_prev = h0
    for t in range(T):
        hp = h_prev @ Wh  # the one product per step
        hp += bh
        h[:, t] = _gru_cell(gates[:, t], hp, h_prev, H)
        hn[:, t] = hp[:, 2 * H :]
        h_prev = h[:, t]
    return h, (x, h0, Wx, Wh, gates, hn, h)


def gru_backward(dh, cache):
    """Backpropagation through time for gru_forward.

    N sequences in the batch, T steps, D input size, H hidden size.
    Inputs:
    - dh: gradient of the loss with respect to every state h_1..h_T, shape (N, T, H) (only the
      part that reaches h_t directly, not through later steps)
    - cache: the tuple (x, h0, Wx, Wh, gates, hn, h) from gru_forward
    Returns a tuple of:
    - dx: shape (N, T, D)
    - dh0: gradient with respect to h_0, shape (N, H)
    - dWx: shape (D, 3H), summed over all steps
    - dWh: shape (H, 3H), summed over all steps
    - dbx: shape (3H,), summed over all steps
    - dbh: shape (3H,), summed over all steps
    """
    shapes = Shapes("gru_backward")
    x, h0, Wx, Wh, gates, hn, h = unpack_cache(
        shapes, cache, ("x", "h0", "Wx", "Wh", "gates", "hn", "h")
    )
    x = shapes.floats("cache x", x, ("N", "T", "D"))
    h0 = shapes.floats("cache h0", h0, ("N", "H"))
    Wx, Wh = _check_weights(shapes, "cache h0", Wx, Wh, prefix="cache ")
    gates = shapes.floats("cache gates", gates, ("N", "T", "3H"))
    hn = shapes.floats("cache hn", hn, ("N", "T", "H"))
    h = shapes.floats("cache h", h, ("N", "T", "H"))
    dh = shapes.floats("dh", dh, ("N", "T", "H"))
    N, T, D = x.shape
    H = shapes.size("H")
    dtype = compute_dtype(dh, gates)

    # Everything that does not depend on the recursion, for all steps at once:
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H): h_0..h_{T-1}
    slope = gates * (1 - gates)  # (N, T, 3H): sigmoid' for r, z
    slope[..., 2 * H :] = 1 - gates[..., 2 * H :] ** 2  # tanh' for n
    slope[..., :H] *= hn  # dr = da_n * hn
    slope[..., H : 2 * H] *= h_prev - gates[..., 2 * H :]  # dz = dh * (h_prev - n)

    dax = np.empty((N, T, 3 * H), dtype=dtype)  # input-side pre-activation grads
    dah = np.empty((N, T, 3 * H), dtype=dtype)  # hidden-side pre-activation grads
    dh_next = np.zeros((N, H), dtype=dtype)
    for t in range(T - 1, -1, -1):
        r, z = gates[:, t, :H], gates[:, t, H : 2 * H]
        dh_t = dh[:, t] + dh_next
        dh_direct = dh_t * z  # through z * h_prev
        dax_t, dah_t = dax[:, t], dah[:, t]  # (N, 3H) views
        np.subtract(dh_t, dh_direct, out=dax_t[:, 2 * H :])  # dn = dh (1 - z)
        dax_t[:, 2 * H :] *= slope[:, t, 2 * H :]  # da_n
        np.multiply(dax_t[:, 2 * H :], slope[:, t, :H], out=dax_t[:, :H])  # da_r
        np.multiply(dh_t, slope[:, t, H : 2 * H], out=dax_t[:, H : 2 * H])  # da_z
        dah_t[:, : 2 * H] = dax_t[:, : 2 * H]
        np.multiply(dax_t[:, 2 * H :], r, out=dah_t[:, 2 * H :])  # r * (h Wh_n + bh_n)
        dh_next = dah_t @ Wh.T
        dh_next += dh_direct

    dax_rows = dax.reshape(N * T, 3 * H)
    dah_rows = dah.reshape(N * T, 3 * H)
    dx = (dax_rows @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ dax_rows
    dWh = h_prev.reshape(N * T, H).T @ dah_rows
    return dx, dh_next, dWx, dWh, dax_rows.sum(axis=0), dah_rows.sum(axis=0)
