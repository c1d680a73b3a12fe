"""Turning character indices into network inputs.

one_hot(indices, V): index i becomes the length-V vector with a 1 at position i.

window_inputs(indices, k, V): the fixed-window input of a feed-forward "k-gram" model. For a
sequence of L indices, row t concatenates the one-hots of the k characters at positions
t, t+1, ..., t+k-1 (oldest first), so there are L-k+1 rows of length k*V. Row t is the input
for predicting the character at position t+k; the last row (t = L-k) ends at the last
character, so its "next character" is beyond the sequence (use it to predict what comes next).
To train: inputs = window_inputs(indices, k, V)[:-1], targets = indices[k:].
"""
from __future__ import annotations

import numpy as np

from grader.reference._validate import Shapes


def one_hot(indices, vocab_size):
    """One-hot vectors of integer indices, for any shape of `indices`.

    Inputs:
    - indices: integers in [0, V), any shape S (for example (N,) or (N, T))
    - vocab_size: V, the number of classes
    Returns:
    - vectors: float64 array of shape S + (V,); vectors[..., i] is 1 where indices == i, else 0
    """
    shapes = Shapes("one_hot")
    V = shapes.positive_int("vocab_size", vocab_size, letter="V")
    ndim = np.ndim(indices) if isinstance(indices, (np.ndarray, list, tuple, int, np.integer)) else 0
    indices = shapes.integers("indices", indices, tuple(f"d{i}" for i in range(ndim)),
                              low=0, high=V)
    return (indices[..., None] == np.arange(V)).astype(np.float64)   # S + (V,)


def window_inputs(indices, k, vocab_size):
    """Concatenated one-hots of every window of k consecutive characters.

    L is the length of the sequence, V the vocabulary size, k the window length (1 <= k <= L).
    Inputs:
    - indices: integers in [0, V), shape (L,)
    - k: window length
    - vocab_size: V
    Returns:
    - windows: float64 array of shape (L-k+1, k*V); row t is
      [one_hot(indices[t]), one_hot(indices[t+1]), ..., one_hot(indices[t+k-1])]
      joined end to end, so columns j*V ... (j+1)*V-1 hold the j-th character of the window.
      Row t is the input for predicting indices[t+k] (the last row has no target in `indices`).
    """
    shapes = Shapes("window_inputs")
    V = shapes.positive_int("vocab_size", vocab_size, letter="V")
    k = shapes.positive_int("k", k)
    indices = shapes.integers("indices", indices, ("L",), low=0, high=V)
    L = len(indices)
    if k > L:
        raise ValueError(f"window_inputs: k = {k} is longer than the sequence (L = {L})")
    positions = np.arange(L - k + 1)[:, None] + np.arange(k)          # (L-k+1, k)
    return one_hot(indices[positions], V).reshape(L - k + 1, k * V)   # (L-k+1, k*V)
