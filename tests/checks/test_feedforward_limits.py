"""Hidden and visible checks of notebook 01, beyond what every catalogued mistake is held to
(test_mistakes.py)."""

import numpy as np
import pytest

from coursekit.visible import feedforward_limits as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import run_locally
from rnn_numpy.activations import softmax
from rnn_numpy.baselines import memoryless_loss_floor
from rnn_numpy.encoding import one_hot, window_inputs
from rnn_numpy.losses import cross_entropy, softmax_cross_entropy_backward
from rnn_numpy.mlp import dense_forward, mlp_forward

REFERENCES = {
    "one_hot": one_hot,
    "softmax": softmax,
    "cross_entropy": cross_entropy,
    "softmax_cross_entropy_backward": softmax_cross_entropy_backward,
    "dense_forward": dense_forward,
    "mlp_forward": mlp_forward,
    "memoryless_loss_floor": memoryless_loss_floor,
    "window_inputs": window_inputs,
}


def test_messages_never_print_reference_values():
    wrong = lambda logits, axis=-1: softmax(logits, axis) + 0.125
    text = run_locally("softmax", wrong).explain()
    assert "differs from the reference" in text and "[[" not in text


# -- visible checks ----------------------------------------------------------------------------
# Wrong versions beyond the catalogue's mistakes (test_mistakes.py runs those): a whole-array
# normalisation, results without the documented cache.
WRONG_VERSIONS = {
    "softmax": [lambda logits, axis=-1: np.exp(logits) / np.exp(logits).sum()],
    "dense_forward": [lambda x, W, b: (x @ W, None), lambda x, W, b: x @ W + b],
    "mlp_forward": [lambda x, W1, b1, W2, b2: ((x @ W1 + b1) @ W2 + b2, None)],
}


@pytest.mark.parametrize("name, wrong", [(n, w) for n, ws in WRONG_VERSIONS.items() for w in ws])
def test_visible_check_fails_on_wrong_version(name, wrong):
    with pytest.raises(VisibleCheckFailed):
        getattr(visible, f"check_{name}")(wrong)


@pytest.mark.parametrize("name", REFERENCES)
def test_visible_check_lets_not_implemented_through(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        getattr(visible, f"check_{name}")(stub)
