"""Hidden and visible checks of notebook 02: the reference passes, known mistakes fail."""
import numpy as np
import pytest

from coursekit.visible import rnn_recurrence as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.reference.checks import get_check, run_locally
from grader.reference.checks import rnn_recurrence as module
from grader.reference.memory_task import example_weights
from grader.reference.rnn import masked_rnn_forward, rnn_forward, rnn_output, rnn_step_forward
from grader.reference.sampling import sample
from grader.reference.stacked import stacked_rnn_forward

REFERENCES = {
    "rnn_step_forward": rnn_step_forward,
    "rnn_forward": rnn_forward,
    "rnn_output": rnn_output,
    "masked_rnn_forward": masked_rnn_forward,
    "stacked_rnn_forward": stacked_rnn_forward,
    "sample": sample,
    "hand_designed_rnn": example_weights,
}
MISTAKES = {
    "rnn_step_forward": module.STEP_MISTAKES,
    "rnn_forward": module.FORWARD_MISTAKES,
    "rnn_output": module.OUTPUT_MISTAKES,
    "masked_rnn_forward": module.MASKED_MISTAKES,
    "stacked_rnn_forward": module.STACKED_MISTAKES,
    "sample": module.SAMPLE_MISTAKES,
}
PAIRED = {"rnn_step_forward", "rnn_forward", "rnn_output", "masked_rnn_forward",
          "stacked_rnn_forward"}   # the learner returns (result, cache); mistakes give the result


def as_learner(name, mistake):
    """The mistake as a learner's function: returning (result, cache) where the notebook does."""
    return module.guarded(mistake, pair=name in PAIRED).output


@pytest.mark.parametrize("name, mistake", [(n, m) for n, ms in MISTAKES.items() for m in ms],
                         ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_each_mistake_fails_with_its_hint(name, mistake):
    verdict = run_locally(name, as_learner(name, mistake))
    assert not verdict.passed
    assert mistake.description in verdict.explain(), verdict.explain()


@pytest.mark.parametrize("weights", [
    {**example_weights(), "Wh": np.zeros((1, 1))},                 # no latch: forgets the a
    {**example_weights(), "Wx": np.array([[10.0], [0.0], [0.0]])},  # an a cannot beat the -1 state
    {**example_weights(), "Wy": np.array([[1.0, -1.0]])},            # answers inverted
], ids=["no latch", "input too weak", "inverted answer"])
def test_hand_designed_rnn_rejects_weights_that_do_not_remember(weights):
    verdict = run_locally("hand_designed_rnn", lambda: weights)
    assert not verdict.passed


@pytest.mark.parametrize("returned, fragment", [
    ({"Wx": np.zeros((3, 2))}, "missing"),
    ({**example_weights(), "Wx": np.zeros((4, 1))}, "Wx"),
    ([1, 2], "dict"),
])
def test_hand_designed_rnn_explains_malformed_answers(returned, fragment):
    verdict = run_locally("hand_designed_rnn", lambda: returned)
    assert not verdict.passed and fragment in verdict.explain()


def test_hand_designed_rnn_accepts_any_hidden_size():
    one = example_weights()
    H = 3    # the working unit plus two units the output ignores
    weights = {"Wx": np.hstack([one["Wx"], np.ones((3, 2))]),
               "Wh": np.block([[one["Wh"], np.zeros((1, 2))], [np.zeros((2, 1)), np.eye(2)]]),
               "b": np.concatenate([one["b"], np.zeros(2)]),
               "Wy": np.vstack([one["Wy"], np.zeros((2, 2))]), "by": one["by"]}
    assert weights["Wh"].shape == (H, H)
    assert run_locally("hand_designed_rnn", lambda: weights).passed


# -- visible checks ---------------------------------------------------------------------------
VISIBLE = {name: getattr(visible, f"check_{name}") for name in REFERENCES}


@pytest.mark.parametrize("name, mistake", [(n, m) for n, ms in MISTAKES.items() for m in ms],
                         ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_visible_check_fails_on_each_mistake(name, mistake):
    def learner(*args, **kwargs):
        value = mistake.output(*args, **kwargs)
        return (value, ("x", "h_prev", "Wx", "Wh", value, "tanh")) if name in PAIRED else value
    with pytest.raises(VisibleCheckFailed):
        VISIBLE[name](learner)


def test_visible_check_lets_not_implemented_through():
    def stub(*args, **kwargs):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        visible.check_rnn_step_forward(stub)


def test_visible_check_names_a_transposed_wh():
    wrong = lambda x, h, Wx, Wh, b: (np.tanh(x @ Wx + h @ Wh.T + b), (x, h, Wx, Wh, None, "tanh"))
    with pytest.raises(VisibleCheckFailed, match="transposed"):
        visible.check_rnn_step_forward(wrong)


def test_visible_check_wants_the_documented_cache():
    wrong = lambda x, h, Wx, Wh, b: (rnn_step_forward(x, h, Wx, Wh, b)[0], (x, h, Wx, Wh))
    with pytest.raises(VisibleCheckFailed, match="cache"):
        visible.check_rnn_step_forward(wrong)
