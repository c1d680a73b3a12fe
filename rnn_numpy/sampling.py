"""Generating characters from a trained RNN, one at a time, with a temperature tau.

    p = softmax(y / tau)          (y the logits, tau = `temperature`, docs/NOTATION.md)

A temperature below 1 sharpens the distribution (towards always picking the most likely
character), above 1 flattens it (towards uniform). Randomness comes only from the Generator the
caller passes, one `rng.choice` per character, so the same seed gives the same text.
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.activations import softmax
from rnn_numpy.shapes import Shapes


def temperature_probabilities(logits, temperature):
    """softmax(logits / temperature) along the last axis, without overflow.

    V vocabulary size; any leading dimensions are kept.
    Inputs:
    - logits: unnormalised scores, shape (..., V), e.g. (V,) or (N, V)
    - temperature: a number > 0
    Returns:
    - probabilities: same shape as logits, entries >= 0 summing to 1 along the last axis
    """
    shapes = Shapes("temperature_probabilities")
    ndim = logits.ndim if isinstance(logits, np.ndarray) else np.ndim(logits)
    if ndim < 1:
        raise ValueError(
            "temperature_probabilities: logits must have shape (..., V) with at "
            f"least one dimension, got shape {np.shape(logits)}"
        )
    logits = shapes.floats("logits", logits, tuple(f"d{i}" for i in range(ndim - 1)) + ("V",))
    temperature = shapes.positive_float("temperature", temperature)
    # Subtract the maximum *before* dividing: dividing huge logits by a tiny temperature
    # could overflow, while (logits - max) / temperature is <= 0 everywhere. (Raising the
    # probabilities to the power 1 / temperature instead underflows to 0 at low temperature.)
    shifted = (logits - logits.max(axis=-1, keepdims=True)) / temperature
    return softmax(shifted.astype(logits.dtype, copy=False), axis=-1)


def sample(Wx, Wh, b, Wy, by, h0, first_index, length, rng, temperature=1.0):
    """Draw `length` character indices from a tanh RNN language model (one sequence).

    Each step: x = one_hot(previous index) of shape (V,); h = tanh(x @ Wx + h @ Wh + b);
    logits = h @ Wy + by; p = temperature_probabilities(logits, temperature);
    next index = rng.choice(V, p=p), exactly one rng.choice call per step.
    V vocabulary size (also the input size), H hidden size.
    Inputs:
    - Wx: input-to-hidden weights, shape (V, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - b: hidden bias, shape (H,)
    - Wy: hidden-to-output weights, shape (H, V)
    - by: output bias, shape (V,)
    - h0: initial hidden state of the one sequence, shape (H,)
    - first_index: the index fed in at the first step, an integer in [0, V)
    - length: how many indices to draw, an integer >= 1
    - rng: a numpy.random.Generator (e.g. np.random.default_rng(0))
    - temperature: a number > 0 (default 1.0); low ones too (at 0.01 nothing may overflow)
    Returns:
    - indices: the drawn indices, integers of shape (length,); first_index is not included
    """
    shapes = Shapes("sample")
    Wx = shapes.floats("Wx", Wx, ("V", "H"))
    Wh = shapes.floats("Wh", Wh, ("H", "H"))
    b = shapes.floats("b", b, ("H",))
    Wy = shapes.floats("Wy", Wy, ("H", "V"))
    by = shapes.floats("by", by, ("V",))
    h = shapes.floats("h0", h0, ("H",))
    index = int(shapes.integers("first_index", first_index, (), low=0, high=shapes.size("V")))
    length = shapes.positive_int("length", length)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"sample: rng must be a numpy.random.Generator "
            f"(np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    temperature = shapes.positive_float("temperature", temperature)

    V = Wx.shape[0]
    indices = np.empty(length, dtype=np.int64)
    for step in range(length):
        x = np.zeros(V, dtype=Wx.dtype)
        x[index] = 1
        h = np.tanh(x @ Wx + h @ Wh + b)  # (H,)
        probabilities = temperature_probabilities(h @ Wy + by, temperature)  # (V,)
        index = int(rng.choice(V, p=probabilities))
        indices[step] = index
    return indices
