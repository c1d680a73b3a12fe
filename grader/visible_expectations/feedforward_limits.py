"""Expected values of notebook 01's visible checks (coursekit/visible/feedforward_limits.py)."""

from __future__ import annotations

import numpy as np

from coursekit.visible import feedforward_limits as kit
from rnn_numpy.mlp import mlp_forward


def expectations() -> dict[str, np.ndarray]:
    return {
        "mlp_zero_input": mlp_forward(np.zeros((1, 1)), kit.W1, kit.B1, kit.W2, kit.B2)[0],
        "mlp_saturated": mlp_forward(kit.X_SATURATING, kit.W1, kit.B1, kit.W2, kit.B2)[0],
    }
