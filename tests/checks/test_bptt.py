"""Hidden and visible checks of notebook 03: the reference passes, known mistakes fail."""
import numpy as np
import pytest

from tests.checks.helpers import assert_explained

from coursekit.visible import bptt as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import get_check, run_locally
from grader.checks import bptt as module
from rnn_numpy.gradcheck import numerical_gradient, relative_error
from rnn_numpy.losses import temporal_softmax_loss
from rnn_numpy.optim import adagrad_step, sgd_step
from rnn_numpy.rnn import rnn_backward, rnn_output_backward, rnn_step_backward
from rnn_numpy.stacked import stacked_rnn_backward
from rnn_numpy.state_jacobian import state_jacobian_product
from rnn_numpy.truncated_bptt import truncated_bptt

REFERENCES = {
    "rnn_step_backward": rnn_step_backward,
    "rnn_backward": rnn_backward,
    "state_jacobian_product": state_jacobian_product,
    "stacked_rnn_backward": stacked_rnn_backward,
    "rnn_output_backward": rnn_output_backward,
    "temporal_softmax_loss": temporal_softmax_loss,
    "numerical_gradient": numerical_gradient,
    "relative_error": relative_error,
    "truncated_bptt": truncated_bptt,
    "sgd_step": sgd_step,
    "adagrad_step": adagrad_step,
}
MISTAKES = {
    "rnn_step_backward": module.STEP_BACKWARD_MISTAKES,
    "rnn_backward": module.BACKWARD_MISTAKES,
    "state_jacobian_product": module.JACOBIAN_MISTAKES,
    "stacked_rnn_backward": module.STACKED_BACKWARD_MISTAKES,
    "rnn_output_backward": module.OUTPUT_BACKWARD_MISTAKES,
    "temporal_softmax_loss": module.LOSS_MISTAKES,
    "numerical_gradient": module.NUMERICAL_GRADIENT_MISTAKES,
    "relative_error": module.RELATIVE_ERROR_MISTAKES,
    "truncated_bptt": module.TRUNCATED_MISTAKES,
    "sgd_step": module.SGD_MISTAKES,
    "adagrad_step": module.ADAGRAD_MISTAKES,
}
# A mistake the visible check is not meant to catch (only the hidden cases are that precise).
VISIBLE_MISSES = set()


@pytest.mark.parametrize("name, mistake", [(n, m) for n, ms in MISTAKES.items() for m in ms],
                         ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_each_mistake_fails_with_its_hint(name, mistake):
    verdict = run_locally(name, mistake.output)
    assert not verdict.passed
    assert_explained(mistake, verdict.explain())


def test_sgd_in_the_wrong_direction_fails():
    verdict = run_locally("sgd_step", lambda p, g, lr: p + lr * g)
    assert not verdict.passed and "instead of -" in verdict.explain()


def test_backward_checks_do_not_need_the_learners_forward():
    """The cases carry caches in the documented layout, built by the grader."""
    for name, layout in (("rnn_step_backward", 6), ("rnn_backward", 6), ("rnn_output_backward", 2)):
        for case in get_check(name).cases(3):
            cache = case.args[1]
            assert isinstance(cache, tuple) and len(cache) == layout
            if layout == 6:
                assert cache[5] == "tanh"


def test_truncated_bptt_cases_detect_a_state_reset_on_every_multi_chunk_case():
    reset = module.TRUNCATED_MISTAKES[0].output
    for case in get_check("truncated_bptt").cases(5):
        stream, h0, params, k = case.args
        if stream.shape[1] - 1 > k:
            assert not np.allclose(reset(*case.args)[0], truncated_bptt(*case.args)[0])


# -- visible checks ---------------------------------------------------------------------------
VISIBLE = {name: getattr(visible, f"check_{name}") for name in REFERENCES}
# Mistakes the quick visible cases are not meant to tell apart (the hidden cases do).
VISIBLE_MISSES = {
    "the gradients of the chunks are not summed (only the last chunk's are returned)",
    "a last chunk shorter than K is dropped",
    "the gradient is clipped inside sgd_step (sgd_step takes the gradient as given)",
    "the cache is replaced by grad**2 instead of accumulating",
    "one factor too many: the product starts at J_k instead of J_{k+1}",
}


@pytest.mark.parametrize("name, mistake", [(n, m) for n, ms in MISTAKES.items() for m in ms
                                           if m.description not in VISIBLE_MISSES],
                         ids=lambda v: v if isinstance(v, str) else v.description[:40])
def test_visible_check_fails_on_each_mistake(name, mistake):
    with pytest.raises(VisibleCheckFailed):
        VISIBLE[name](mistake.output)


def test_visible_truncated_bptt_points_at_the_state():
    with pytest.raises(VisibleCheckFailed, match="Carry the state"):
        visible.check_truncated_bptt(module.TRUNCATED_MISTAKES[0].output)


def test_visible_truncated_bptt_points_at_the_targets():
    with pytest.raises(VisibleCheckFailed, match="next"):
        visible.check_truncated_bptt(module.TRUNCATED_MISTAKES[1].output)


def test_visible_jacobian_check_names_the_off_by_one_state():
    with pytest.raises(VisibleCheckFailed, match="steps count from 1"):
        visible.check_state_jacobian_product(module.JACOBIAN_MISTAKES[2].output)


def test_visible_numerical_gradient_check_uses_a_closure():
    with pytest.raises(VisibleCheckFailed, match="closure"):
        visible.check_numerical_gradient(module.NUMERICAL_GRADIENT_MISTAKES[2].output)
