"""Activation functions that stay finite and silent at |x| = 1e4.

sigmoid(x)                 = 1 / (1 + exp(-x)), elementwise, any shape.
softmax(logits, axis)      = exp(logits) / sum(exp(logits)) along `axis`.
log_softmax(logits, axis)  = logits - logsumexp(logits) along `axis`.

The trick in all three: never take exp of a large positive number. softmax and log_softmax
subtract the maximum along the axis first (which does not change the result); sigmoid uses
exp(-|x|), which is always in (0, 1].
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.shapes import Shapes


def _any_shape(function_name: str, name: str, value, *, min_ndim: int = 0) -> np.ndarray:
    """A floating-point array of any shape with at least `min_ndim` dimensions."""
    ndim = np.ndim(value) if isinstance(value, (np.ndarray, list, tuple, float, int)) else 0
    array = Shapes(function_name).floats(name, value, tuple(f"d{i}" for i in range(ndim)))
    if array.ndim < min_ndim:
        raise ValueError(
            f"{function_name}: {name} must have at least {min_ndim} dimension(s), "
            f"got shape {array.shape}"
        )
    return array


def _axis(function_name: str, axis, ndim: int) -> int:
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{function_name}: axis must be a whole number, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{function_name}: axis {axis} is out of range for logits with {ndim} dimension(s)"
        )
    return int(axis) % ndim


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), elementwise and overflow-free.

    Inputs:
    - x: floating-point array of any shape
    Returns:
    - s: array of the same shape with entries in [0, 1]
    """
    x = _any_shape("sigmoid", "x", x)
    z = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def softmax(logits, axis=-1):
    """Softmax along `axis`, computed after subtracting the maximum (no overflow).

    Inputs:
    - logits: floating-point array of any shape with at least one dimension, e.g. (N, V)
    - axis: the axis that holds the classes (default: the last)
    Returns:
    - probs: array of the same shape; entries in [0, 1] summing to 1 along `axis`
    """
    logits = _any_shape("softmax", "logits", logits, min_ndim=1)
    axis = _axis("softmax", axis, logits.ndim)
    shifted = logits - logits.max(axis=axis, keepdims=True)  # largest entry is now 0
    exps = np.exp(shifted)
    return exps / exps.sum(axis=axis, keepdims=True)


def log_softmax(logits, axis=-1):
    """log(softmax(logits)) along `axis`, via log-sum-exp (finite even where softmax is 0).

    Inputs:
    - logits: floating-point array of any shape with at least one dimension, e.g. (N, V)
    - axis: the axis that holds the classes (default: the last)
    Returns:
    - log_probs: array of the same shape, every entry <= 0
    """
    logits = _any_shape("log_softmax", "logits", logits, min_ndim=1)
    axis = _axis("log_softmax", axis, logits.ndim)
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
