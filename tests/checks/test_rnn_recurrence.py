"""Hidden and visible checks of notebook 02, beyond what every catalogued mistake is held to
(test_mistakes.py) and every check (test_every_check.py)."""

import numpy as np
import pytest

from coursekit.visible import rnn_recurrence as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import run_locally
from grader.mistakes import find
from grader.mistakes.rnn_recurrence import MISTAKES
from rnn_numpy.memory_task import example_weights
from rnn_numpy.rnn import masked_rnn_forward, rnn_forward, rnn_output, rnn_step_forward
from rnn_numpy.sampling import sample
from rnn_numpy.stacked import stacked_rnn_forward

REFERENCES = {
    "rnn_step_forward": rnn_step_forward,
    "rnn_forward": rnn_forward,
    "rnn_output": rnn_output,
    "masked_rnn_forward": masked_rnn_forward,
    "stacked_rnn_forward": stacked_rnn_forward,
    "sample": sample,
    "hand_designed_rnn": example_weights,
}


@pytest.mark.parametrize(
    "weights",
    [
        {**example_weights(), "Wh": np.zeros((1, 1))},  # no latch: forgets the a
        {
            **example_weights(),
            "Wx": np.array([[10.0], [0.0], [0.0]]),
        },  # an a cannot beat the -1 state
        {**example_weights(), "Wy": np.array([[1.0, -1.0]])},  # answers inverted
    ],
    ids=["no latch", "input too weak", "inverted answer"],
)
def test_hand_designed_rnn_rejects_weights_that_do_not_remember(weights):
    verdict = run_locally("hand_designed_rnn", lambda: weights)
    assert not verdict.passed


@pytest.mark.parametrize(
    "returned, fragment",
    [
        ({"Wx": np.zeros((3, 2))}, "missing"),
        ({**example_weights(), "Wx": np.zeros((4, 1))}, "Wx"),
        ([1, 2], "dict"),
    ],
)
def test_hand_designed_rnn_explains_malformed_answers(returned, fragment):
    verdict = run_locally("hand_designed_rnn", lambda: returned)
    assert not verdict.passed and fragment in verdict.explain()


def test_hand_designed_rnn_accepts_any_hidden_size():
    one = example_weights()
    H = 3  # the working unit plus two units the output ignores
    weights = {
        "Wx": np.hstack([one["Wx"], np.ones((3, 2))]),
        "Wh": np.block([[one["Wh"], np.zeros((1, 2))], [np.zeros((2, 1)), np.eye(2)]]),
        "b": np.concatenate([one["b"], np.zeros(2)]),
        "Wy": np.vstack([one["Wy"], np.zeros((2, 2))]),
        "by": one["by"],
    }
    assert weights["Wh"].shape == (H, H)
    assert run_locally("hand_designed_rnn", lambda: weights).passed


# -- visible checks ---------------------------------------------------------------------------
VISIBLE_ARGUMENTS = {"hand_designed_rnn": (rnn_forward, rnn_output)}  # after the exercise's


def test_visible_check_lets_not_implemented_through():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        visible.check_rnn_step_forward(stub)


def test_visible_check_names_a_transposed_wh():
    with pytest.raises(VisibleCheckFailed, match="transposed"):
        visible.check_rnn_step_forward(find(MISTAKES["rnn_step_forward"], "Wh_transposed").output)


def test_visible_check_wants_the_documented_cache():
    wrong = lambda x, h, Wx, Wh, b: (rnn_step_forward(x, h, Wx, Wh, b)[0], (x, h, Wx, Wh))
    with pytest.raises(VisibleCheckFailed, match="cache"):
        visible.check_rnn_step_forward(wrong)


def test_visible_check_names_a_state_stored_before_its_step():
    with pytest.raises(VisibleCheckFailed, match="holds h_0"):
        visible.check_rnn_forward(find(MISTAKES["rnn_forward"], "stored_before_step").output)


def test_visible_hand_designed_check_runs_the_learners_forward_pass():
    calls = []

    def counting_forward(*args):
        calls.append(1)
        return rnn_forward(*args)

    visible.check_hand_designed_rnn(example_weights, counting_forward, rnn_output)
    assert len(calls) == len(visible.MEMORY_TEXTS)
