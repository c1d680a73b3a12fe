"""Long short-term memory (LSTM): one step, a whole sequence, and the cell-path gradient.

Notation as docs/NOTATION.md: row vectors, steps t = 1..T, h_0 and c_0 the initial states, code
index t-1 holds step t. Gate order i, f, g, o exactly as torch.nn.LSTM. With
a_t = x_t Wx + h_{t-1} Wh + b split into four blocks of H columns [a^i, a^f, a^g, a^o],

    i_t = sigmoid(a^i)    input gate        c_t = f_t * c_{t-1} + i_t * g_t
    f_t = sigmoid(a^f)    forget gate       h_t = o_t * tanh(c_t)
    g_t = tanh(a^g)       candidate
    o_t = sigmoid(a^o)    output gate

The cell path c_{t-1} -> c_t is multiplied by f_t only (no weight matrix, no squashing), which is why
the gradient along it is the product of forget gates: see `cell_path_gradient`.

Speed: all time steps' input projections are one matrix product before the loop; inside the loop
there is one product per step (h_prev @ Wh) with the four gates stacked; the backward pass keeps
every step's gate gradient in one (N, T, 4H) array and makes dx, dWx, dWh with big products after
the loop. The loops write into preallocated scratch buffers (out=, in place), so a step
allocates nothing and works on small, cache-sized arrays. float32 inputs give float32 results.
"""

from __future__ import annotations

import numbers

import numpy as np

from rnn_numpy.shapes import Shapes

GATES = ("i", "f", "g", "o")  # column blocks of Wx, Wh, b, in this order


def bind_gate_width(shapes: Shapes, gates: int, source: str) -> str:
    """Bind the letter '<gates>H' (e.g. '4H') to gates × H once H is known; return the letter."""
    letter = f"{gates}H"
    shapes.positive_int(f"{source} ({gates} gates × H)", gates * shapes.size("H"), letter=letter)
    return letter


def unpack_cache(shapes: Shapes, cache, names: tuple[str, ...]) -> tuple:
    """Check that a cache is a tuple with the documented number of entries."""
    if not isinstance(cache, tuple) or len(cache) != len(names):
        got = (
            f"a tuple of length {len(cache)}" if isinstance(cache, tuple) else type(cache).__name__
        )
        raise TypeError(
            f"{shapes.function_name}: cache must be the tuple ({', '.join(names)}) "
            f"returned by the forward pass, got {got}"
        )
    return cache


def sigmoid_inplace(a):
    """sigmoid(a) written into a (float32/64); the hot-loop twin of activations.sigmoid.

    1 / (1 + exp(-a)) is exact to rounding everywhere; the only danger is exp overflowing for
    very negative a, so a is first raised to -(log(max float) - 10) (about -700 in float64, -79
    in float32), where the sigmoid is already below 1e-300 (float32: 1e-34). One exp and four
    in-place passes, no temporaries, no warnings: this matters because it runs at every step.
    """
    np.maximum(a, -(float(np.log(np.finfo(a.dtype).max)) - 10), out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    return np.reciprocal(a, out=a)


def tanh_inplace(a):
    """tanh(a) = 2 sigmoid(2a) - 1 written into a: one exp instead of NumPy's slower tanh.

    Equal to np.tanh within 2 float epsilons in absolute terms (not relatively near 0).
    """
    a *= 2
    sigmoid_inplace(a)
    a *= 2
    a -= 1
    return a


def compute_dtype(*arrays):
    """float64 or float32 (float16 is computed in float32), following the inputs."""
    return np.result_type(*arrays, np.float32)


def _gate_activations(a, H: int):
    """Apply sigmoid to the i, f, o blocks and tanh to the g block of a (N, 4H), in place."""
    a[:, 2 * H : 3 * H] *= 2  # tanh(a_g) = 2 sigmoid(2 a_g) - 1
    sigmoid_inplace(a)
    a[:, 2 * H : 3 * H] *= 2
    a[:, 2 * H : 3 * H] -= 1
    return a


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM time step for a minibatch.

    N is the batch size, D the input size, H the hidden size. Gate blocks are ordered i, f, g, o.

    Inputs:
    - x: input at this step, shape (N, D)
    - h_prev: previous hidden state, shape (N, H)
    - c_prev: previous cell state, shape (N, H)
    - Wx: input-to-gates weights, shape (D, 4H)
    - Wh: hidden-to-gates weights, shape (H, 4H)
    - b: gate biases, shape (4H,)

    Returns a tuple of:
    - h: next hidden state, shape (N, H)
    - c: next cell state, shape (N, H)
    - cache: tuple (x, h_prev, c_prev, Wx, Wh, gates, c) where gates, shape (N, 4H), holds the
      activated gates [i, f, g, o] (after sigmoid / tanh) and c is the new cell state
    """
    shapes = Shapes("lstm_step_forward")
    x = shapes.floats("x", x, ("N", "D"))
    h_prev = shapes.floats("h_prev", h_prev, ("N", "H"))
    c_prev = shapes.floats("c_prev", c_prev, ("N", "H"))
    G = bind_gate_width(shapes, 4, "h_prev")
    Wx = shapes.floats("Wx", Wx, ("D", G))
    Wh = shapes.floats("Wh", Wh, ("H", G))
    b = shapes.floats("b", b, (G,))
    H = shapes.size("H")

    dtype = compute_dtype(x, h_prev, c_prev, Wx, Wh, b)
    gates = (x @ Wx + h_prev @ Wh + b).astype(dtype, copy=False)  # (N, 4H)
    _gate_activations(gates, H)
    i, f, g, o = (gates[:, k * H : (k + 1) * H] for k in range(4))  # each (N, H)
    c = f * c_prev + i * g
    h = o * tanh_inplace(c.copy())
    return h, c, (x, h_prev, c_prev, Wx, Wh, gates, c)


def lstm_step_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

    Inputs:
    - dh: upstream gradient of the loss with respect to h, shape (N, H)
    - dc: upstream gradient with respect to c (from the next step's cell path), shape (N, H)
    - cache: tuple (x, h_prev, c_prev, Wx, Wh, gates, c) from lstm_step_forward

    Returns a tuple of:
    - dx: shape (N, D)
    - dh_prev: shape (N, H)
    - dc_prev: shape (N, H)
    - dWx: shape (D, 4H)
    - dWh: shape (H, 4H)
    - db: shape (4H,)
    """
    shapes = Shapes("lstm_step_backward")
    x, h_prev, c_prev, Wx, Wh, gates, c = unpack_cache(
        shapes, cache, ("x", "h_prev", "c_prev", "Wx", "Wh", "gates", "c")
    )
    x = shapes.floats("cache x", x, ("N", "D"))
    h_prev = shapes.floats("cache h_prev", h_prev, ("N", "H"))
    c_prev = shapes.floats("cache c_prev", c_prev, ("N", "H"))
    G = bind_gate_width(shapes, 4, "cache h_prev")
    Wx = shapes.floats("cache Wx", Wx, ("D", G))
    Wh = shapes.floats("cache Wh", Wh, ("H", G))
    gates = shapes.floats("cache gates", gates, ("N", G))
    c = shapes.floats("cache c", c, ("N", "H"))
    dh = shapes.floats("dh", dh, ("N", "H"))
    dc = shapes.floats("dc", dc, ("N", "H"))
    H = shapes.size("H")

    i, f, g, o = (gates[:, k * H : (k + 1) * H] for k in range(4))
    tanh_c = tanh_inplace(c.astype(compute_dtype(c), copy=True))
    dc_total = dc + dh * o * (1 - tanh_c**2)  # c reaches the loss directly and through h
    da = np.concatenate(
        [
            dc_total * g * i * (1 - i),  # through i = sigmoid(a_i)
            dc_total * c_prev * f * (1 - f),
            dc_total * i * (1 - g**2),  # through g = tanh(a_g)
            dh * tanh_c * o * (1 - o),
        ],
        axis=1,
    )  # (N, 4H)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dc_prev = dc_total * f
    return dx, dh_prev, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    """LSTM over a whole sequence for a minibatch.

    N is the batch size, T the number of time steps, D the input size, H the hidden size. Gate
    blocks are ordered i, f, g, o (as torch.nn.LSTM).

    Inputs:
    - x: input sequence, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: input-to-gates weights, shape (D, 4H)
    - Wh: hidden-to-gates weights, shape (H, 4H)
    - b: gate biases, shape (4H,)
    - c0: initial cell state, shape (N, H); None means zeros

    Returns a tuple of:
    - h: hidden states for every step, shape (N, T, H)
    - cache: tuple (x, h0, c0, Wx, Wh, gates, c, h) where c0 is the initial cell state actually
      used (zeros if None was passed), gates, shape (N, T, 4H), the activated gates [i, f, g, o]
      at every step, c, shape (N, T, H), the cell states and h the returned hidden states.
      The final cell state (to carry into the next chunk) is cache[6][:, -1].
    """
    shapes = Shapes("lstm_forward")
    x = shapes.floats("x", x, ("N", "T", "D"))
    h0 = shapes.floats("h0", h0, ("N", "H"))
    G = bind_gate_width(shapes, 4, "h0")
    Wx = shapes.floats("Wx", Wx, ("D", G))
    Wh = shapes.floats("Wh", Wh, ("H", G))
    b = shapes.floats("b", b, (G,))
    dtype = compute_dtype(x, h0, Wx, Wh, b)
    if c0 is None:
        c0 = np.zeros(h0.shape, dtype=dtype)
    else:
        c0 = shapes.floats("c0", c0, ("N", "H"))
        dtype = compute_dtype(dtype, c0)
    N, T, D = x.shape
    H = shapes.size("H")

    gates = (x.reshape(N * T, D) @ Wx).astype(dtype, copy=False)  # (N*T, 4H): x_t Wx, all t
    gates += b  # in place: no second (N*T, 4H) array
    gates = gates.reshape(N, T, 4 * H)
    c = np.empty((N, T, H), dtype=dtype)
    h = np.empty((N, T, H), dtype=dtype)
    # Scratch buffers reused at every step, so the loop allocates nothing:
    a = np.empty((N, 4 * H), dtype=dtype)  # this step's gates, contiguous
    h_t = np.empty((N, H), dtype=dtype)  # this step's hidden state, contiguous
    ig = np.empty((N, H), dtype=dtype)  # i * g
    h_prev, c_prev = h0, c0
    for t in range(T):
        np.matmul(h_prev, Wh, out=a)  # the one product per step
        a += gates[:, t]  # + x_t Wx + b
        _gate_activations(a, H)
        gates[:, t] = a  # keep the activated gates for backward
        i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        c_t = c[:, t]  # (N, H) view
        np.multiply(f, c_prev, out=c_t)
        c_t += np.multiply(i, g, out=ig)  # c = f * c_prev + i * g
        np.copyto(h_t, c_t)
        tanh_inplace(h_t)
        h_t *= o  # h = o * tanh(c)
        h[:, t] = h_t
        h_prev, c_prev = h_t, c_t  # h_t is rewritten after the product
    return h, (x, h0, c0, Wx, Wh, gates, c, h)


def lstm_backward(dh, cache, return_dc0=False):
    """Backward pass of `lstm_forward` (full backpropagation through time).

    Inputs:
    - dh: upstream gradient of the loss with respect to every hidden state, shape (N, T, H)
      (the gradient reaching the final cell state from later chunks is taken as zero)
    - cache: tuple (x, h0, c0, Wx, Wh, gates, c, h) from lstm_forward
    - return_dc0: also return the gradient with respect to the initial cell state c0

    Returns a tuple of:
    - dx: shape (N, T, D)
    - dh0: shape (N, H)
    - dWx: shape (D, 4H)
    - dWh: shape (H, 4H)
    - db: shape (4H,)
    - dc0: shape (N, H), only if return_dc0 is true (as the sixth entry)
    """
    shapes = Shapes("lstm_backward")
    x, h0, c0, Wx, Wh, gates, c, h = unpack_cache(
        shapes, cache, ("x", "h0", "c0", "Wx", "Wh", "gates", "c", "h")
    )
    x = shapes.floats("cache x", x, ("N", "T", "D"))
    h0 = shapes.floats("cache h0", h0, ("N", "H"))
    c0 = shapes.floats("cache c0", c0, ("N", "H"))
    G = bind_gate_width(shapes, 4, "cache h0")
    Wx = shapes.floats("cache Wx", Wx, ("D", G))
    Wh = shapes.floats("cache Wh", Wh, ("H", G))
    gates = shapes.floats("cache gates", gates, ("N", "T", G))
    c = shapes.floats("cache c", c, ("N", "T", "H"))
    h = shapes.floats("cache h", h, ("N", "T", "H"))
    dh = shapes.floats("dh", dh, ("N", "T", "H"))
    N, T, D = x.shape
    H = shapes.size("H")
    dtype = compute_dtype(dh, gates)

    tanh_c = tanh_inplace(c.astype(dtype, copy=True))  # (N, T, H), all steps at once
    da = np.empty((N, T, 4 * H), dtype=dtype)  # gradient of every pre-activation
    dh_next = np.zeros((N, H), dtype=dtype)  # gradient reaching h_t from step t+1
    dc_next = np.zeros((N, H), dtype=dtype)  # and reaching c_t from step t+1
    dh_t = np.empty((N, H), dtype=dtype)  # scratch buffers reused every step,
    dc_t = np.empty((N, H), dtype=dtype)  # so the loop allocates nothing and
    tmp = np.empty((N, H), dtype=dtype)  # works on cache-sized arrays
    for t in range(T - 1, -1, -1):
        s = gates[:, t]  # (N, 4H) activated gates at step t
        i, f, g, o = s[:, :H], s[:, H : 2 * H], s[:, 2 * H : 3 * H], s[:, 3 * H :]
        c_prev = c[:, t - 1] if t > 0 else c0
        tanh_c_t = tanh_c[:, t]
        np.add(dh[:, t], dh_next, out=dh_t)  # h_t feeds the loss and step t+1
        # c_t feeds step t+1 and h_t = o tanh(c_t): dc_t = dc_next + dh_t o (1 - tanh(c_t)^2)
        np.square(tanh_c_t, out=tmp)
        np.subtract(1, tmp, out=tmp)
        tmp *= o
        tmp *= dh_t
        np.add(tmp, dc_next, out=dc_t)
        # Local slopes of the activations, written straight into da_t (an (N, 4H) view):
        da_t = da[:, t]
        da_i, da_f, da_g, da_o = (da_t[:, k * H : (k + 1) * H] for k in range(4))
        np.subtract(1, s, out=da_t)
        da_t *= s  # sigmoid' = s (1 - s) (i, f, o)
        np.square(g, out=da_g)
        np.subtract(1, da_g, out=da_g)  # tanh' = 1 - g^2
        # ... times the gradient reaching each activated gate:
        da_i *= dc_t
        da_i *= g  # c = f c_prev + i g
        da_f *= dc_t
        da_f *= c_prev
        da_g *= dc_t
        da_g *= i
        da_o *= dh_t
        da_o *= tanh_c_t  # h = o tanh(c)
        np.matmul(da_t, Wh.T, out=dh_next)
        np.multiply(dc_t, f, out=dc_next)

    da_rows = da.reshape(N * T, 4 * H)
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1).reshape(N * T, H)
    dx = (da_rows @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da_rows
    dWh = h_prev.T @ da_rows
    db = da_rows.sum(axis=0)
    if return_dc0:
        return dx, dh_next, dWx, dWh, db, dc_next
    return dx, dh_next, dWx, dWh, db


def cell_path_gradient(forget_gates):
    """Gradient of the last cell state along the cell path alone: dc_T/dc_k for k = 1..T.

    Along c_t = f_t * c_{t-1} + i_t * g_t (holding the gates fixed) the Jacobian dc_t/dc_{t-1}
    is diag(f_t), so dc_T/dc_k = prod_{j=k+1}^{T} f_j, elementwise per unit, a product of
    lag = T - k forget gates. For k = T it is the empty product, 1.

    Inputs:
    - forget_gates: forget-gate activations f_1..f_T in [0, 1], shape (N, T, H) (or (T, H) for
      one sequence); forget_gates[..., t-1, :] is f_t

    Returns:
    - grad: shape like forget_gates; grad[..., k-1, :] = dc_T/dc_k = prod_{j>k} f_j
    """
    shapes = Shapes("cell_path_gradient")
    if np.ndim(forget_gates) == 2:
        forget_gates = shapes.floats("forget_gates", forget_gates, ("T", "H"))
    else:
        forget_gates = shapes.floats("forget_gates", forget_gates, ("N", "T", "H"))
    if forget_gates.size and (forget_gates.min() < 0 or forget_gates.max() > 1):
        raise ValueError(
            "cell_path_gradient: forget_gates must be gate activations in [0, 1], "
            f"got values in [{forget_gates.min()}, {forget_gates.max()}]"
        )
    # Reverse cumulative product of f_{k+1}, ..., f_{T-1}: shift by one and append 1 for k=T-1.
    later = np.concatenate(
        [forget_gates[..., 1:, :], np.ones_like(forget_gates[..., :1, :])], axis=-2
    )
    return np.flip(np.cumprod(np.flip(later, axis=-2), axis=-2), axis=-2)


def forget_gate_bias_init(H, value=1.0, dtype=np.float64):
    """LSTM bias vector with the forget-gate block set to `value` and every other entry 0.

    A positive forget bias starts every forget gate near sigmoid(value) (0.73 for 1.0), so the
    cell path initially remembers instead of forgetting (Gers et al. 2000; Jozefowicz et al. 2015).

    Inputs:
    - H: hidden size
    - value: the forget-gate bias (any finite real number)
    - dtype: floating-point dtype of the result

    Returns:
    - b: shape (4H,), blocks [i, f, g, o] = [0, value, 0, 0]
    """
    shapes = Shapes("forget_gate_bias_init")
    H = shapes.positive_int("H", H, letter="H")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"forget_gate_bias_init: value must be a real number, got {type(value).__name__}"
        )
    if not np.isfinite(value):
        raise ValueError(f"forget_gate_bias_init: value must be finite, got {value}")
    b = np.zeros(4 * H, dtype=dtype)
    b[H : 2 * H] = value
    return b
