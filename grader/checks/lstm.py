"""Hidden checks of notebook 05 (the LSTM).

Gate order i, f, g, o (torch.nn.LSTM). Backward passes get caches built here by the reference
forward pass, in the layouts the notebook states ((x, h_prev, c_prev, Wx, Wh, gates, c) for one
step, (x, h0, c0, Wx, Wh, gates, c, h) for a sequence), so they never depend on the learner's
forward pass. Downstream exercises are judged on their own logic (`Upstream`): lstm_step_forward
gets the reference sigmoid, lstm_forward the reference step (and sigmoid, if it does the step
inline), lstm_backward the reference step backward.

Every case set starts with the same deterministic edge cases (N=1, H=1, T=1, zero input and
state, saturated gates, non-square weights, c0 given and omitted, ...), which catch every listed
mistake whatever the generator; the random draws then vary the numbers.

The mistakes a check names (with their hints) are its notebook's catalogue,
grader/mistakes/lstm.py.
"""

from __future__ import annotations

import numpy as np

from grader.checks.common import normal as normal_array
from grader.checks.framework import Case, Upstream, function_check
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

STEP_CACHE = ("x", "h_prev", "c_prev", "Wx", "Wh", "gates", "c")
SEQUENCE_CACHE = ("x", "h0", "c0", "Wx", "Wh", "gates", "c", "h")


def lstm_weights(rng, D, H, scale=0.5):
    """Wx (D, 4H), Wh (H, 4H), b (4H,): every gate block different, so a block read in the wrong
    place changes the result."""
    return (
        normal_array(rng, D, 4 * H, scale=scale),
        normal_array(rng, H, 4 * H, scale=scale),
        normal_array(rng, 4 * H, scale=scale) + np.repeat([0.5, 1.0, -0.5, -1.0], H),
    )


# -- sigmoid ----------------------------------------------------------------------------------
SIGMOID_RANGE = np.array([-1e4, -800.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 800.0, 1e4])


def sigmoid_cases(rng):
    return [
        Case("x from -1e4 to 1e4 (exp(1e4) is inf: no NaN may come out)", (SIGMOID_RANGE.copy(),)),
        Case("zeros (sigmoid(0) = 0.5)", (np.zeros(4),)),
        Case("a (3, 4) matrix", (normal_array(rng, 3, 4, scale=3.0),)),
        Case("a (2, 3, 5) array", (normal_array(rng, 2, 3, 5),)),
        Case("large numbers of both signs, shape (4, 3)", (normal_array(rng, 4, 3, scale=2e3),)),
    ]


# -- lstm_step_forward ------------------------------------------------------------------------
def step_forward_cases(rng):
    cases = []
    for label, N, D, H, x_scale in (
        ("N=3, D=4, H=5", 3, 4, 5, 1.0),
        ("N=1, D=2, H=3", 1, 2, 3, 1.0),
        ("H=1", 4, 3, 1, 1.0),
        ("D=8, H=2 (square Wx)", 2, 8, 2, 1.0),
        ("large inputs (|x| ~ 1e3, the gates saturate)", 3, 3, 4, 1e3),
    ):
        Wx, Wh, b = lstm_weights(rng, D, H)
        cases.append(
            Case(
                label,
                (
                    normal_array(rng, N, D, scale=x_scale),
                    normal_array(rng, N, H),
                    normal_array(rng, N, H),
                    Wx,
                    Wh,
                    b,
                ),
            )
        )
    Wx, Wh, b = lstm_weights(rng, 3, 4)
    cases.append(
        Case(
            "zero input and zero states (the gates are the activated biases)",
            (np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), Wx, Wh, b),
        )
    )
    cases.append(
        Case(
            "zero previous cell state",
            (normal_array(rng, 2, 3), normal_array(rng, 2, 4), np.zeros((2, 4)), Wx, Wh, b),
        )
    )
    cases.append(
        Case(
            "large previous cell state (|c_prev| ~ 5)",
            (
                normal_array(rng, 2, 3),
                normal_array(rng, 2, 4),
                normal_array(rng, 2, 4, scale=5.0),
                Wx,
                Wh,
                b,
            ),
        )
    )
    return cases


def _sigmoid_calls(up, a):
    """The calls to sigmoid a correct step makes on a pre-activation a (N, 4H): per gate block,
    or on the whole of a, or on the i and f blocks together."""
    H = a.shape[1] // 4
    for block in (
        a[:, :H],
        a[:, H : 2 * H],
        a[:, 3 * H :],
        a,
        a[:, : 2 * H],
        np.concatenate([a[:, : 2 * H], a[:, 3 * H :]], axis=1),
    ):
        up.sigmoid(block)


def step_forward_calls(up, x, h_prev, c_prev, Wx, Wh, b):
    _sigmoid_calls(up, x @ Wx + h_prev @ Wh + b)


# -- lstm_forward -----------------------------------------------------------------------------
def forward_cases(rng):
    cases = []
    for label, N, T, D, H, c0_kind, x_scale in (
        ("N=3, T=5, D=4, H=6, c0 given", 3, 5, 4, 6, "given", 1.0),
        ("N=1, T=1, c0 omitted (zeros)", 1, 1, 3, 4, "omitted", 1.0),
        ("T=1, c0 given", 3, 1, 2, 5, "given", 1.0),
        ("N=1, H=1, c0 omitted", 1, 6, 3, 1, "omitted", 1.0),
        ("D=12, H=3 (square Wx), c0 = None passed by name", 2, 4, 12, 3, "None", 1.0),
        ("long sequence T=30, c0 passed by position", 2, 30, 3, 4, "positional", 1.0),
        ("large inputs (|x| ~ 1e3), c0 omitted", 2, 4, 3, 4, "omitted", 1e3),
    ):
        Wx, Wh, b = lstm_weights(rng, D, H)
        x, h0 = normal_array(rng, N, T, D, scale=x_scale), normal_array(rng, N, H)
        c0 = normal_array(rng, N, H)
        args, kwargs = (x, h0, Wx, Wh, b), {}
        if c0_kind == "given":
            kwargs = {"c0": c0}
        elif c0_kind == "None":
            kwargs = {"c0": None}
        elif c0_kind == "positional":
            args = args + (c0,)
        cases.append(Case(label, args, kwargs))
    Wx, Wh, b = lstm_weights(rng, 3, 4)
    cases.append(
        Case(
            "zero initial states h0 and c0",
            (normal_array(rng, 2, 4, 3), np.zeros((2, 4)), Wx, Wh, b),
            {"c0": np.zeros((2, 4))},
        )
    )
    return cases


def forward_calls(up, x, h0, Wx, Wh, b, c0=None):
    """The calls a correct lstm_forward makes: lstm_step_forward once per step, in order; and,
    for a forward pass that does the step inline, the sigmoid calls of each step."""
    h, c = h0, (np.zeros_like(h0) if c0 is None else c0)
    for t in range(x.shape[1]):
        _sigmoid_calls(up, x[:, t] @ Wx + h @ Wh + b)
        h, c, _ = up.lstm_step_forward(x[:, t], h, c, Wx, Wh, b)


# -- lstm_step_backward -----------------------------------------------------------------------
def step_backward_cases(rng):
    cases = []
    for label, N, D, H, x_scale, upstream in (
        ("N=3, D=4, H=5", 3, 4, 5, 1.0, "both"),
        ("N=1, D=2, H=3", 1, 2, 3, 1.0, "both"),
        ("H=1", 4, 3, 1, 1.0, "both"),
        ("D=8, H=2 (square Wx)", 2, 8, 2, 1.0, "both"),
        ("dc = 0: the gradient arrives through h only", 3, 3, 4, 1.0, "h only"),
        ("dh = 0: the gradient arrives through the cell path only", 3, 3, 4, 1.0, "c only"),
        ("large inputs (|x| ~ 1e3, the gates saturate)", 2, 3, 4, 1e3, "both"),
    ):
        Wx, Wh, b = lstm_weights(rng, D, H)
        _, _, cache = lstm_step_forward(
            normal_array(rng, N, D, scale=x_scale),
            normal_array(rng, N, H),
            normal_array(rng, N, H),
            Wx,
            Wh,
            b,
        )
        dh, dc = normal_array(rng, N, H), normal_array(rng, N, H)
        if upstream == "h only":
            dc = np.zeros((N, H))
        elif upstream == "c only":
            dh = np.zeros((N, H))
        cases.append(Case(label, (dh, dc, cache)))
    Wx, Wh, b = lstm_weights(rng, 3, 4)
    _, _, cache = lstm_step_forward(
        normal_array(rng, 2, 3), np.zeros((2, 4)), np.zeros((2, 4)), Wx, Wh, b
    )
    cases.append(
        Case("zero previous states", (normal_array(rng, 2, 4), normal_array(rng, 2, 4), cache))
    )
    return cases


# -- lstm_backward ----------------------------------------------------------------------------
def backward_cases(rng):
    cases = []
    for label, N, T, D, H, x_scale, kind in (
        ("N=3, T=5, D=4, H=6", 3, 5, 4, 6, 1.0, "all"),
        ("N=1, T=1", 1, 1, 3, 4, 1.0, "all"),
        ("T=1, with return_dc0=True", 3, 1, 2, 5, 1.0, "all"),
        ("N=1, H=1, with return_dc0=True", 1, 6, 3, 1, 1.0, "all"),
        (
            "long sequence T=30, loss on the last step only, with return_dc0=True",
            2,
            30,
            3,
            4,
            1.0,
            "last",
        ),
        ("loss on the last step only", 2, 5, 3, 4, 1.0, "last"),
        ("large inputs (|x| ~ 1e3)", 2, 4, 3, 4, 1e3, "all"),
    ):
        Wx, Wh, b = lstm_weights(rng, D, H)
        _, cache = lstm_forward(
            normal_array(rng, N, T, D, scale=x_scale),
            normal_array(rng, N, H),
            Wx,
            Wh,
            b,
            c0=normal_array(rng, N, H),
        )
        dh = normal_array(rng, N, T, H)
        if kind == "last":
            dh[:, :-1] = 0.0
        kwargs = {"return_dc0": True} if "return_dc0" in label else {}
        cases.append(Case(label, (dh, cache), kwargs))
    Wx, Wh, b = lstm_weights(rng, 3, 4)
    _, cache = lstm_forward(normal_array(rng, 2, 4, 3), np.zeros((2, 4)), Wx, Wh, b)
    cases.append(
        Case(
            "zero initial states, return_dc0=False passed by name",
            (normal_array(rng, 2, 4, 4), cache),
            {"return_dc0": False},
        )
    )
    return cases


def backward_calls(up, dh, cache, return_dc0=False):
    """The calls a correct lstm_backward makes to lstm_step_backward: one per step, backwards."""
    x, h0, c0, Wx, Wh, gates, c, h = cache
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev = (h0, c0) if t == 0 else (h[:, t - 1], c[:, t - 1])
        _, dh_next, dc_next, _, _, _ = up.lstm_step_backward(
            dh[:, t] + dh_next, dc_next, (x[:, t], h_prev, c_prev, Wx, Wh, gates[:, t], c[:, t])
        )


# -- cell_path_gradient -----------------------------------------------------------------------
def cell_path_cases(rng):
    cut = rng.uniform(0.3, 0.99, (2, 6, 3))
    cut[:, 2] = 0.0  # a forget gate that closes at step 3
    return [
        Case("(N, T, H) = (2, 6, 3)", (rng.uniform(0.05, 0.99, (2, 6, 3)),)),
        Case("one sequence, shape (T, H) = (5, 4)", (rng.uniform(0.05, 0.99, (5, 4)),)),
        Case("T=1 (only the empty product, 1)", (rng.uniform(0.05, 0.99, (3, 1, 2)),)),
        Case("H=1", (rng.uniform(0.05, 0.99, (2, 7, 1)),)),
        Case("every forget gate 0.5 (halving per step)", (np.full((1, 6, 2), 0.5),)),
        Case("every forget gate 1 (nothing forgotten)", (np.ones((2, 4, 3)),)),
        Case("a forget gate of 0 at step 3 (nothing before it reaches c_T)", (cut,)),
        Case("long sequence T=50, forget gates near 1", (rng.uniform(0.9, 1.0, (2, 50, 3)),)),
    ]


# -- forget_gate_bias_init --------------------------------------------------------------------
def bias_init_cases(rng):
    return [
        Case("H=4, value=1.0", (4, 1.0)),
        Case("H=1, value=2.0", (1, 2.0)),
        Case("H=3, value=-1.5", (3, -1.5)),
        Case("H=5, value=0.0 (all zeros)", (5, 0.0)),
        Case("H=2, value left at its default (1.0)", (2,)),
        Case("H=3, a drawn value", (3, float(rng.uniform(-3.0, 3.0)))),
    ]


CHECKS = [
    function_check(
        "sigmoid",
        reference=sigmoid,
        make_cases=sigmoid_cases,
        outputs=("s",),
        mistakes=MISTAKES["sigmoid"],
        unscored=UNSCORED["sigmoid"],
    ),
    function_check(
        "lstm_step_forward",
        reference=lstm_step_forward,
        make_cases=step_forward_cases,
        outputs=("h", "c", ("cache", STEP_CACHE)),
        mistakes=MISTAKES["lstm_step_forward"],
        upstream=Upstream({"sigmoid": sigmoid}, step_forward_calls),
    ),
    function_check(
        "lstm_forward",
        reference=lstm_forward,
        make_cases=forward_cases,
        outputs=("h", ("cache", SEQUENCE_CACHE)),
        mistakes=MISTAKES["lstm_forward"],
        upstream=Upstream(
            {"lstm_step_forward": lstm_step_forward, "sigmoid": sigmoid}, forward_calls
        ),
    ),
    function_check(
        "lstm_step_backward",
        reference=lstm_step_backward,
        make_cases=step_backward_cases,
        outputs=("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"),
        mistakes=MISTAKES["lstm_step_backward"],
        unscored=UNSCORED["lstm_step_backward"],
    ),
    function_check(
        "lstm_backward",
        reference=lstm_backward,
        make_cases=backward_cases,
        outputs=("dx", "dh0", "dWx", "dWh", "db", "dc0"),
        mistakes=MISTAKES["lstm_backward"],
        unscored=UNSCORED["lstm_backward"],
        upstream=Upstream({"lstm_step_backward": lstm_step_backward}, backward_calls),
    ),
    function_check(
        "cell_path_gradient",
        reference=cell_path_gradient,
        make_cases=cell_path_cases,
        outputs=("grad",),
        mistakes=MISTAKES["cell_path_gradient"],
    ),
    function_check(
        "forget_gate_bias_init",
        reference=forget_gate_bias_init,
        make_cases=bias_init_cases,
        outputs=("b",),
        mistakes=MISTAKES["forget_gate_bias_init"],
    ),
]
