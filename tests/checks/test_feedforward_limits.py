"""Hidden and visible checks of notebook 01: the reference passes, known mistakes fail."""
import numpy as np
import pytest

from tests.checks.helpers import assert_explained

from coursekit.visible import feedforward_limits as visible
from coursekit.visible.expect import VisibleCheckFailed
from rnn_numpy.activations import softmax
from rnn_numpy.baselines import memoryless_loss_floor
from grader.checks import run_locally
from grader.checks import feedforward_limits as module
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
MISTAKES = {
    "one_hot": module.ONE_HOT_MISTAKES,
    "softmax": module.SOFTMAX_MISTAKES,
    "cross_entropy": module.CROSS_ENTROPY_MISTAKES,
    "softmax_cross_entropy_backward": module.BACKWARD_MISTAKES,
    "dense_forward": module.DENSE_MISTAKES,
    "mlp_forward": module.MLP_MISTAKES,
    "memoryless_loss_floor": module.FLOOR_MISTAKES,
    "window_inputs": module.WINDOW_MISTAKES,
}


@pytest.mark.parametrize("name, mistake", [(name, m) for name, ms in MISTAKES.items() for m in ms],
                         ids=lambda value: value if isinstance(value, str) else value.description[:40])
def test_each_mistake_fails_with_its_hint(name, mistake):
    verdict = run_locally(name, mistake.output)
    assert not verdict.passed
    assert_explained(mistake, verdict.explain())


def test_messages_never_print_reference_values():
    wrong = lambda logits, axis=-1: softmax(logits, axis) + 0.125
    text = run_locally("softmax", wrong).explain()
    assert "differs from the reference" in text and "[[" not in text


# -- visible checks ----------------------------------------------------------------------------

def _naive_softmax(logits, axis=-1):
    return np.exp(logits) / np.exp(logits).sum(axis=axis, keepdims=True)


WRONG_VERSIONS = {
    "one_hot": [lambda idx, V: np.eye(V)[idx].astype(int),
                lambda idx, V: np.eye(V)[np.ravel(idx)],
                lambda idx, V: np.eye(V)[idx].T],
    "softmax": [_naive_softmax,
                lambda logits, axis=-1: softmax(logits, axis=-1),
                lambda logits, axis=-1: np.exp(logits) / np.exp(logits).sum()],
    "cross_entropy": [lambda z, y: cross_entropy(z, y) * len(y),
                      lambda z, y: float(-np.log(_naive_softmax(z)[np.arange(len(y)), y]).mean()),
                      lambda z, y: -cross_entropy(z, y)],
    "softmax_cross_entropy_backward": [lambda z, y: softmax_cross_entropy_backward(z, y) * len(y),
                                       lambda z, y: -softmax_cross_entropy_backward(z, y)],
    "dense_forward": [lambda x, W, b: (x @ W, None), lambda x, W, b: x @ W + b],
    "mlp_forward": [lambda x, W1, b1, W2, b2: ((x @ W1 + b1) @ W2 + b2, None),
                    lambda x, W1, b1, W2, b2: (np.tanh(np.tanh(x @ W1 + b1) @ W2 + b2), None)],
    "memoryless_loss_floor": [lambda text: memoryless_loss_floor(text) / np.log(2),
                              module._marginal_entropy,
                              lambda text: module._pair_entropy(text, joint=True)],
    "window_inputs": [lambda idx, w, V: window_inputs(idx, w, V)[:-1],
                      lambda idx, w, V: window_inputs(idx, w, V).reshape(-1, w, V)[:, ::-1]
                      .reshape(-1, w * V)],
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
