"""Turning character indices into network inputs.

one_hot(indices, V): index c becomes the length-V float vector with a 1 at position c.

window_inputs(indices, w, V): the fixed-window input of a feed-forward window model that sees
the last w characters (w is `window`, as on the notation card). For a sequence of T indices,
row i concatenates the one-hots of indices[i], indices[i+1], ..., indices[i+w-1] (oldest
first), so there are T-w+1 rows of length w*V. Row i is the input for predicting indices[i+w];
the last row (i = T-w) ends at the last character, so its "next character" is beyond the
sequence (use it to predict what comes next).
To train: inputs = window_inputs(indices, w, V)[:-1], targets = indices[w:].
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.shapes import Shapes


def one_hot(indices, vocab_size):
    """One-hot vectors of integer indices, for any shape of `indices`.

    Inputs:
    - indices: integers (any integer dtype) in [0, V), any shape (for example (N,) or (N, T))
    - vocab_size: V, the number of classes
    Returns:
    - vectors: float64 array of shape indices.shape + (V,); vectors[..., i] is 1 where
      indices == i, else 0
    """
    shapes = Shapes("one_hot")
    V = shapes.positive_int("vocab_size", vocab_size, letter="V")
    ndim = (
        np.ndim(indices) if isinstance(indices, (np.ndarray, list, tuple, int, np.integer)) else 0
    )
    indices = shapes.integers(
        "indices", indices, tuple(f"d{i}" for i in range(ndim)), low=0, high=V
    )
    return (indices[..., None] == np.arange(V)).astype(np.float64)  # indices.shape + (V,)


def window_inputs(indices, window, vocab_size):
    """Concatenated one-hots of every window of `window` consecutive characters.

    T is the length of the sequence, V the vocabulary size, w = window (1 <= w <= T).
    Inputs:
    - indices: integers in [0, V), shape (T,)
    - window: w, the number of characters in a window
    - vocab_size: V
    Returns:
    - windows: float64 array of shape (T-w+1, w*V); row i is
      [one_hot(indices[i]), one_hot(indices[i+1]), ..., one_hot(indices[i+w-1])]
      joined end to end, so columns j*V ... (j+1)*V-1 hold the j-th character of the window.
      Row i is the input for predicting indices[i+w] (the last row has no target in `indices`).
    """
    shapes = Shapes("window_inputs")
    V = shapes.positive_int("vocab_size", vocab_size, letter="V")
    w = shapes.positive_int("window", window)
    indices = shapes.integers("indices", indices, ("T",), low=0, high=V)
    T = len(indices)
    if w > T:
        raise ValueError(f"window_inputs: window = {w} is longer than the sequence (T = {T})")
    positions = np.arange(T - w + 1)[:, None] + np.arange(w)  # (T-w+1, w)
    return one_hot(indices[positions], V).reshape(T - w + 1, w * V)  # (T-w+1, w*V)
