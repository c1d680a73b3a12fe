"""How much the state h_t depends on an earlier state h_k, for a tanh RNN (notebook 03).

One step back, the Jacobian of the recurrence h_t = tanh(x_t Wx + h_{t-1} Wh + b) is

    J_t = dh_t / dh_{t-1} = diag(1 - h_t**2) Wh^T,      J_t[i, j] = (1 - h_t[i]**2) Wh[j, i],

read from the new state h_t alone (docs/NOTATION.md). Over several steps the chain rule
multiplies them, the latest on the left:

    dh_t / dh_k = J_t J_{t-1} ... J_{k+1}     (0 <= k <= t; the identity when k = t).

This is what backpropagation through time multiplies a gradient by on its way from step t back
to step k (dh_k = dh_t J_t ... J_{k+1}, row vectors), and notebook 04 measures how its norm
vanishes or explodes with the lag t - k. Steps count from 1: h[t-1] holds h_t, and h_0 (the
initial state) is never needed, because J_t uses only h_t.
"""

from __future__ import annotations

import numbers

import numpy as np

from rnn_numpy.pathologies import hidden_jacobian
from rnn_numpy.shapes import Shapes


def state_jacobian_product(h, Wh, t, k):
    """The Jacobian dh_t / dh_k = J_t J_{t-1} ... J_{k+1} of a tanh RNN, for one sequence.

    T steps, H hidden units; the factor of step t is J_t = diag(1 - h_t**2) Wh^T.
    Inputs:
    - h: the states h_1..h_T of one sequence (floats), shape (T, H); h[t-1] is h_t
    - Wh: hidden-to-hidden weights, shape (H, H)
    - t: the later step, an integer with 1 <= t <= T
    - k: the earlier step, an integer with 0 <= k <= t (k = 0 is the initial state h_0)
    Returns:
    - jacobian: shape (H, H), jacobian[i, j] = dh_t[i] / dh_k[j]; the identity when k = t
    """
    shapes = Shapes("state_jacobian_product")
    h = shapes.floats("h", h, ("T", "H"))
    Wh = shapes.floats("Wh", Wh, ("H", "H"))
    T = h.shape[0]
    for name, value in (("t", t), ("k", k)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(
                f"state_jacobian_product: {name} must be a whole number, got {type(value).__name__}"
            )
    if not 1 <= t <= T:
        raise ValueError(f"state_jacobian_product: t must be a step 1..T = 1..{T}, got {t}")
    if not 0 <= k <= t:
        raise ValueError(f"state_jacobian_product: k must satisfy 0 <= k <= t = {t}, got {k}")
    product = np.eye(h.shape[1], dtype=np.result_type(h, Wh))
    for step in range(k + 1, t + 1):  # J_{k+1} first, J_t last (leftmost)
        product = hidden_jacobian(h[step - 1], Wh) @ product
    return product
