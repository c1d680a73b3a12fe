"""A dense (fully connected) layer and a one-hidden-layer tanh network, forward and backward.

Row-vector convention: a batch of N inputs is an (N, D) array and a layer computes x @ W + b.

dense_forward(x, W, b)          -> out = x @ W + b,          cache = (x, W, b)
mlp_forward(x, W1, b1, W2, b2)  -> logits = tanh(x @ W1 + b1) @ W2 + b2,
                                   cache = (x, W1, b1, h, W2, b2) with h = tanh(x @ W1 + b1)
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.shapes import Shapes


def dense_forward(x, W, b):
    """Affine layer out = x @ W + b.

    N examples, D inputs, H outputs.
    Inputs:
    - x: inputs, shape (N, D)
    - W: weights, shape (D, H)
    - b: bias, shape (H,)
    Returns a tuple of:
    - out: shape (N, H)
    - cache: (x, W, b)
    """
    shapes = Shapes("dense_forward")
    x = shapes.floats("x", x, ("N", "D"))
    W = shapes.floats("W", W, ("D", "H"))
    b = shapes.floats("b", b, ("H",))
    out = x @ W + b
    return out, (x, W, b)


def dense_backward(dout, cache):
    """Gradients of an affine layer.

    Inputs:
    - dout: upstream gradient, shape (N, H)
    - cache: (x, W, b) from dense_forward; x (N, D), W (D, H), b (H,)
    Returns a tuple of:
    - dx: shape (N, D)
    - dW: shape (D, H)
    - db: shape (H,)
    """
    x, W, b = cache
    shapes = Shapes("dense_backward")
    x = shapes.floats("x (cache[0])", x, ("N", "D"))
    W = shapes.floats("W (cache[1])", W, ("D", "H"))
    shapes.floats("b (cache[2])", b, ("H",))
    dout = shapes.floats("dout", dout, ("N", "H"))
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def mlp_forward(x, W1, b1, W2, b2):
    """One hidden tanh layer, then a linear output layer: logits = tanh(x @ W1 + b1) @ W2 + b2.

    N examples, D inputs, H hidden units, V outputs (classes).
    Inputs:
    - x: inputs, shape (N, D)
    - W1: shape (D, H); b1: shape (H,)
    - W2: shape (H, V); b2: shape (V,)
    Returns a tuple of:
    - logits: shape (N, V)
    - cache: (x, W1, b1, h, W2, b2), where h = tanh(x @ W1 + b1) has shape (N, H)
    """
    shapes = Shapes("mlp_forward")
    x = shapes.floats("x", x, ("N", "D"))
    W1 = shapes.floats("W1", W1, ("D", "H"))
    b1 = shapes.floats("b1", b1, ("H",))
    W2 = shapes.floats("W2", W2, ("H", "V"))
    b2 = shapes.floats("b2", b2, ("V",))
    h = np.tanh(x @ W1 + b1)  # (N, H)
    logits = h @ W2 + b2  # (N, V)
    return logits, (x, W1, b1, h, W2, b2)


def mlp_backward(dlogits, cache):
    """Gradients of mlp_forward.

    Inputs:
    - dlogits: gradient of the loss with respect to the logits, shape (N, V)
    - cache: (x, W1, b1, h, W2, b2) from mlp_forward
    Returns a tuple of:
    - dx: shape (N, D)
    - dW1: shape (D, H); db1: shape (H,)
    - dW2: shape (H, V); db2: shape (V,)
    """
    x, W1, b1, h, W2, b2 = cache
    shapes = Shapes("mlp_backward")
    shapes.floats("x (cache[0])", x, ("N", "D"))
    shapes.floats("h (cache[3])", h, ("N", "H"))
    dlogits = shapes.floats("dlogits", dlogits, ("N", "V"))
    dh, dW2, db2 = dense_backward(dlogits, (h, W2, b2))
    da = dh * (1.0 - h**2)  # through tanh: d tanh(a)/da = 1 - tanh(a)^2
    dx, dW1, db1 = dense_backward(da, (x, W1, b1))
    return dx, dW1, db1, dW2, db2
