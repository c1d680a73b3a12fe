"""Hidden and visible checks of notebook 03, beyond what every catalogued mistake is held to
(test_mistakes.py) and every check (test_every_check.py)."""

import numpy as np
import pytest

from coursekit.visible import bptt as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import get_check, run_locally
from grader.mistakes import find
from grader.mistakes.bptt import MISTAKES
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
    reset = find(MISTAKES["truncated_bptt"], "state_reset").output
    for case in get_check("truncated_bptt").cases(5):
        stream, h0, params, k = case.args
        if stream.shape[1] - 1 > k:
            assert not np.allclose(reset(*case.args)[0], truncated_bptt(*case.args)[0])


# -- visible checks ---------------------------------------------------------------------------
def test_visible_truncated_bptt_points_at_the_state():
    with pytest.raises(
        VisibleCheckFailed, match="did not start from the state the previous chunk ended with"
    ):
        visible.check_truncated_bptt(find(MISTAKES["truncated_bptt"], "state_reset").output)


def test_visible_truncated_bptt_points_at_the_targets():
    with pytest.raises(VisibleCheckFailed, match="next"):
        visible.check_truncated_bptt(find(MISTAKES["truncated_bptt"], "targets_off_by_one").output)


def test_visible_jacobian_check_names_the_off_by_one_state():
    with pytest.raises(VisibleCheckFailed, match="steps count from 1"):
        visible.check_state_jacobian_product(
            find(MISTAKES["state_jacobian_product"], "state_after_step").output
        )


def test_visible_numerical_gradient_check_uses_a_closure():
    with pytest.raises(VisibleCheckFailed, match="closure"):
        visible.check_numerical_gradient(find(MISTAKES["numerical_gradient"], "on_copies").output)
