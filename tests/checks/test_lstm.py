"""Hidden and visible checks of notebook 05 (the LSTM), beyond what every catalogued mistake is
held to (test_mistakes.py): caches and call forms, visible messages that name a mistake, and a
mistake upstream that costs no points downstream."""

import re

import numpy as np
import pytest

from grader.checks import get_check, run_check
from grader.checks import lstm as module
from grader.mistakes import find
from grader.mistakes import lstm as catalogue
from grader.mistakes.lstm import MISTAKES, UNSCORED
from rnn_numpy.activations import sigmoid
from rnn_numpy.lstm import (
    cell_path_gradient,
    forget_gate_bias_init,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
)

REFERENCES = {
    "sigmoid": sigmoid,
    "lstm_step_forward": lstm_step_forward,
    "lstm_forward": lstm_forward,
    "lstm_step_backward": lstm_step_backward,
    "lstm_backward": lstm_backward,
    "cell_path_gradient": cell_path_gradient,
    "forget_gate_bias_init": forget_gate_bias_init,
}


def test_backward_checks_do_not_need_the_learners_forward():
    """The cases carry caches in the documented layouts, built by the grader."""
    for name, layout in (
        ("lstm_step_backward", module.STEP_CACHE),
        ("lstm_backward", module.SEQUENCE_CACHE),
    ):
        for case in get_check(name).fixed_cases():
            cache = case.args[-1]
            assert isinstance(cache, tuple) and len(cache) == len(layout)


def test_both_return_structures_of_lstm_backward_are_judged():
    kinds = {
        case.kwargs.get("return_dc0", False) for case in get_check("lstm_backward").fixed_cases()
    }
    assert kinds == {False, True}


def test_lstm_forward_is_tried_with_c0_omitted_none_by_name_by_position_and_given():
    cases = get_check("lstm_forward").fixed_cases()
    assert any(len(case.args) == 6 for case in cases)
    assert any("c0" not in case.kwargs and len(case.args) == 5 for case in cases)
    assert any(case.kwargs.get("c0", 0) is None for case in cases)
    assert any(isinstance(case.kwargs.get("c0"), np.ndarray) for case in cases)


# -- one mistake, one loss of points ----------------------------------------------------------
# The correct variants of the catalogue's mistakes call the catalogue's own globals (sigmoid,
# lstm_step_forward, lstm_step_backward) as a learner's functions call theirs; the inline forward
# below does the step itself and calls only sigmoid.
def lstm_forward_inline(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    H = h0.shape[1]
    c0 = np.zeros_like(h0) if c0 is None else c0
    h, c, gates = np.zeros((N, T, H)), np.zeros((N, T, H)), np.zeros((N, T, 4 * H))
    h_t, c_t = h0, c0
    for t in range(T):
        a = x[:, t] @ Wx + h_t @ Wh + b
        s = sigmoid(a)
        i, f, o, g = s[:, :H], s[:, H : 2 * H], s[:, 3 * H :], np.tanh(a[:, 2 * H : 3 * H])
        c_t = f * c_t + i * g
        h_t = o * np.tanh(c_t)
        h[:, t], c[:, t], gates[:, t] = h_t, c_t, np.concatenate([i, f, g, o], axis=1)
    return h, (x, h0, c0, Wx, Wh, gates, c, h)


def _flipped_sigmoid(x):
    return 1 / (1 + np.exp(np.clip(x, -500, 500)))


@pytest.mark.parametrize(
    "check_name, downstream, namespace, upstream, wrong",
    [
        (
            "lstm_step_forward",
            catalogue.step_variant(),
            vars(catalogue),
            "sigmoid",
            _flipped_sigmoid,
        ),
        (
            "lstm_forward",
            catalogue.forward_variant(),
            vars(catalogue),
            "lstm_step_forward",
            find(MISTAKES["lstm_step_forward"], "gate_order").output,
        ),
        ("lstm_forward", lstm_forward_inline, globals(), "sigmoid", _flipped_sigmoid),
        (
            "lstm_backward",
            catalogue.backward_variant(),
            vars(catalogue),
            "lstm_step_backward",
            find(MISTAKES["lstm_step_backward"], "no_dc_from_h").output,
        ),
    ],
    ids=[
        "step forward | sigmoid",
        "forward | step",
        "inline forward | sigmoid",
        "backward | step backward",
    ],
)
def test_a_correct_downstream_keeps_its_points_when_its_upstream_is_wrong(
    monkeypatch, check_name, downstream, namespace, upstream, wrong
):
    check = get_check(check_name)
    assert run_check(check, downstream, check.fixed_cases()).passed
    monkeypatch.setitem(namespace, upstream, wrong)
    verdict = run_check(check, downstream, check.cases(3))
    assert verdict.passed, verdict.explain()
    assert namespace[upstream] is wrong  # the learner's own function is back afterwards


# -- visible checks ---------------------------------------------------------------------------
from coursekit.visible import lstm as visible  # noqa: E402
from coursekit.visible.expect import VisibleCheckFailed  # noqa: E402


@pytest.mark.parametrize(
    "name, mistake, hint",
    [
        (
            "sigmoid",
            find(UNSCORED["sigmoid"], "exp_of_minus_x"),
            "exp of a large positive number overflows",
        ),
        (
            "lstm_step_forward",
            find(MISTAKES["lstm_step_forward"], "gate_order"),
            "torch's order i, f, g, o",
        ),
        (
            "lstm_step_forward",
            find(MISTAKES["lstm_step_forward"], "forget_on_candidate"),
            "the forget gate multiplies the new candidate",
        ),
        (
            "lstm_forward",
            find(MISTAKES["lstm_forward"], "c_not_carried"),
            "the new cell state is not carried",
        ),
        (
            "lstm_step_backward",
            find(MISTAKES["lstm_step_backward"], "no_dc_from_h"),
            "the gradient reaching c through h is not added",
        ),
        (
            "lstm_step_backward",
            find(MISTAKES["lstm_step_backward"], "not_through_f"),
            "dc_prev is not multiplied by the forget gate",
        ),
        (
            "lstm_backward",
            find(MISTAKES["lstm_backward"], "c_not_carried"),
            "cell-state gradient is not carried back",
        ),
        (
            "cell_path_gradient",
            find(MISTAKES["cell_path_gradient"], "includes_f_k"),
            "the product includes f_k",
        ),
        (
            "forget_gate_bias_init",
            find(MISTAKES["forget_gate_bias_init"], "input_block"),
            "the input gate i",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_visible_check_names_the_mistake(name, mistake, hint):
    with pytest.raises(VisibleCheckFailed, match=re.escape(hint)):
        getattr(visible, f"check_{name}")(mistake.output)
