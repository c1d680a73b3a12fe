"""Hidden checks of notebook 06 (GRU and deep RNNs).

Forward passes are judged whole, caches entry by entry, in the layouts the notebook states:
(x, h_prev, Wx, Wh, gates, hn) for a GRU step, (x, h0, Wx, Wh, gates, hn, h) for a sequence,
and (cell, layer_caches) for a stack. Backward passes get caches built here with the reference,
so they never depend on the learner's forward pass. Functions that call another graded function
of the notebook (gru_forward calls gru_step_forward, gru_backward calls gru_step_backward, a
stack of GRU layers calls gru_forward or gru_backward) are judged with upstream stand-ins: one
mistake in the GRU step costs only that exercise's points.

The mistakes a check names (with their hints) are its notebook's catalogue,
grader/mistakes/gru_and_deep_rnns.py.
"""

from __future__ import annotations

import numpy as np

from coursekit.model_size import GATE_BLOCKS
from grader.checks.common import normal as normal_array
from grader.checks.framework import Case, Upstream, function_check
from grader.mistakes.gru_and_deep_rnns import MISTAKES
from rnn_numpy.gru import (
    gru_backward,
    gru_cho_step,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
)
from rnn_numpy.stacked import CELLS, stacked_backward, stacked_forward

STEP_CACHE = ("x", "h_prev", "Wx", "Wh", "gates", "hn")
SEQUENCE_CACHE = ("x", "h0", "Wx", "Wh", "gates", "hn", "h")
LAYER_CACHES = {
    "rnn": ("x", "h0", "Wx", "Wh", "h", "activation"),
    "lstm": ("x", "h0", "c0", "Wx", "Wh", "gates", "c", "h"),
    "gru": SEQUENCE_CACHE,
}
GRADIENTS = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")
SEQUENCE_GRADIENTS = ("dx", "dh0", "dWx", "dWh", "dbx", "dbh")


def gru_weights(rng, D, H, scale=0.5):
    """Wx (D, 3H), Wh (H, 3H), bx, bh (3H,): nonzero biases, so every bias term matters."""
    return (
        normal_array(rng, D, 3 * H, scale=scale),
        normal_array(rng, H, 3 * H, scale=scale),
        normal_array(rng, 3 * H, scale=scale),
        normal_array(rng, 3 * H, scale=scale),
    )


# -- one step, forward: both conventions -------------------------------------------------------
def step_cases(rng):
    """Inputs (x, h_prev, Wx, Wh, bx, bh) of one step; every result judged whole."""
    cases = []
    for label, N, D, H, x_scale, zero_state in (
        ("N=3, D=4, H=5", 3, 4, 5, 1.0, False),
        ("N=1, D=2, H=3", 1, 2, 3, 1.0, False),
        ("H=1", 4, 3, 1, 1.0, False),
        ("D=H=4 (Wx and Wh of the same shape)", 2, 4, 4, 1.0, False),
        ("zero previous state (only the biases reach the hidden side)", 2, 3, 4, 1.0, True),
        ("large inputs (|x| ~ 1e4, the gates saturate)", 3, 3, 4, 1e4, False),
    ):
        x = normal_array(rng, N, D, scale=x_scale)
        h_prev = np.zeros((N, H)) if zero_state else np.tanh(normal_array(rng, N, H, scale=2.0))
        cases.append(Case(label, (x, h_prev, *gru_weights(rng, D, H))))
    Wx, Wh, bx, bh = gru_weights(rng, 3, 4)
    cases.append(
        Case(
            "zero input and zero state (the result is set by the biases alone)",
            (np.zeros((2, 3)), np.zeros((2, 4)), Wx, Wh, bx, bh),
        )
    )
    return cases


# -- one step, backward ------------------------------------------------------------------------
def step_backward_cases(rng):
    """(dh, cache) with the cache made by the reference gru_step_forward."""
    cases = []
    for case in step_cases(rng):
        h, cache = gru_step_forward(*case.args)
        cases.append(Case(case.label, (normal_array(rng, *h.shape), cache)))
    return cases


# -- a sequence, forward -----------------------------------------------------------------------
def forward_cases(rng):
    cases = []
    for label, N, T, D, H, x_scale, zero_state in (
        ("N=3, T=5, D=4, H=6", 3, 5, 4, 6, 1.0, False),
        ("N=1, T=1", 1, 1, 3, 4, 1.0, False),
        ("T=1", 3, 1, 2, 5, 1.0, False),
        ("N=1, H=1", 1, 6, 3, 1, 1.0, False),
        ("D=H=3 (Wx and Wh of the same shape)", 2, 4, 3, 3, 1.0, False),
        ("long sequence T=30", 2, 30, 3, 4, 1.0, False),
        ("zero initial state", 2, 4, 3, 4, 1.0, True),
        ("large inputs (|x| ~ 1e4)", 2, 4, 3, 4, 1e4, False),
    ):
        x = normal_array(rng, N, T, D, scale=x_scale)
        h0 = np.zeros((N, H)) if zero_state else np.tanh(normal_array(rng, N, H, scale=2.0))
        cases.append(Case(label, (x, h0, *gru_weights(rng, D, H))))
    return cases


def forward_calls(up, x, h0, Wx, Wh, bx, bh):
    """The calls a correct gru_forward makes to gru_step_forward: one per step, in order."""
    h = h0
    for t in range(x.shape[1]):
        h, _ = up.gru_step_forward(x[:, t], h, Wx, Wh, bx, bh)


# -- a sequence, backward ----------------------------------------------------------------------
def backward_cases(rng):
    cases = []
    for case in forward_cases(rng):
        h, cache = gru_forward(*case.args)
        cases.append(Case(case.label, (normal_array(rng, *h.shape), cache)))
    Wx, Wh, bx, bh = gru_weights(rng, 3, 4)
    _, cache = gru_forward(normal_array(rng, 2, 5, 3), np.zeros((2, 4)), Wx, Wh, bx, bh)
    dh = np.zeros((2, 5, 4))
    dh[:, -1] = normal_array(rng, 2, 4)
    cases.append(Case("zero initial state; loss only on the last step", (dh, cache)))
    return cases


def backward_calls(up, dh, cache):
    """The calls a correct gru_backward makes to gru_step_backward: steps T..1, in order."""
    x, h0, Wx, Wh, gates, hn, h = cache
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev = h0 if t == 0 else h[:, t - 1]
        step_cache = (x[:, t], h_prev, Wx, Wh, gates[:, t], hn[:, t])
        _, dh_next, *_ = up.gru_step_backward(dh[:, t] + dh_next, step_cache)


# -- stacks of any cell ------------------------------------------------------------------------
def cell_layers(rng, cell, D, sizes, scale=0.5):
    """One dict of weights per layer for `cell` (see stacked.CELLS), bottom layer first."""
    layers, below = [], D
    for H in sizes:
        G = GATE_BLOCKS[cell] * H
        layer = {
            "Wx": normal_array(rng, below, G, scale=scale),
            "Wh": normal_array(rng, H, G, scale=scale),
        }
        for name in CELLS[cell].params[2:]:
            layer[name] = normal_array(rng, G, scale=scale)
        layers.append(layer)
        below = H
    return layers


STACK_SHAPES = (
    ("RNN, 2 layers, H = 4 then 3", "rnn", 2, 4, 3, (4, 3)),
    ("RNN, 1 layer", "rnn", 2, 3, 3, (5,)),
    ("RNN, 3 layers of size 4, D = 4", "rnn", 3, 5, 4, (4, 4, 4)),
    ("LSTM, 2 layers, H = 3 then 2", "lstm", 2, 4, 3, (3, 2)),
    ("LSTM, N=1, T=1, 2 layers", "lstm", 1, 1, 2, (3, 2)),
    ("GRU, 2 layers, H = 3 then 4", "gru", 2, 4, 2, (3, 4)),
    ("GRU, 3 layers of size 3, D = 3", "gru", 2, 3, 3, (3, 3, 3)),
)


def stacked_cases(rng):
    cases = []
    for label, cell, N, T, D, sizes in STACK_SHAPES:
        states = [np.tanh(normal_array(rng, N, H, scale=2.0)) for H in sizes]
        cases.append(
            Case(
                label,
                (normal_array(rng, N, T, D), states, cell_layers(rng, cell, D, sizes)),
                {"cell": cell},
            )
        )
    return cases


def _layer_names(case: Case) -> tuple[str, ...]:
    return tuple(f"layer {m}" for m in range(1, len(case.args[2]) + 1))


def stacked_outputs(case: Case, expected=None) -> tuple:
    """h_top and the cache (cell, layer_caches), each layer's cache entry by entry."""
    layout = LAYER_CACHES[case.kwargs["cell"]]
    return (
        "h_top",
        ("cache", ("cell", ("layer_caches", tuple((name, layout) for name in _layer_names(case))))),
    )


def stacked_forward_calls(up, x, initial_states, layer_params, cell="rnn"):
    """A correct stack of GRU layers calls gru_forward once per layer, bottom layer first."""
    if cell != "gru":
        return
    h = x
    for state, params in zip(initial_states, layer_params):
        h, _ = up.gru_forward(h, state, params["Wx"], params["Wh"], params["bx"], params["bh"])


def stacked_backward_cases(rng):
    """(dh_top, cache) with the cache made by the reference stacked_forward."""
    cases = []
    for case in stacked_cases(rng):
        h_top, cache = stacked_forward(*case.args, **case.kwargs)
        cases.append(Case(case.label, (normal_array(rng, *h_top.shape), cache)))
    return cases


def _backward_layer_names(case: Case) -> tuple[str, ...]:
    return tuple(f"layer {m}" for m in range(1, len(case.args[1][1]) + 1))


def stacked_backward_outputs(case: Case, expected=None) -> tuple:
    names = _backward_layer_names(case)
    return ("dx", ("d_initial_states", names), ("d_layer_params", names))


def stacked_backward_calls(up, dh_top, cache):
    """A correct stack of GRU layers calls gru_backward once per layer, top layer first."""
    cell, layer_caches = cache
    if cell != "gru":
        return
    dh = dh_top
    for layer_cache in reversed(layer_caches):
        dh, *_ = up.gru_backward(dh, layer_cache)


CHECKS = [
    function_check(
        "gru_step_forward",
        reference=gru_step_forward,
        make_cases=step_cases,
        outputs=("h", ("cache", STEP_CACHE)),
        mistakes=MISTAKES["gru_step_forward"],
    ),
    function_check(
        "gru_cho_step",
        reference=gru_cho_step,
        make_cases=step_cases,
        outputs=("h",),
        mistakes=MISTAKES["gru_cho_step"],
    ),
    function_check(
        "gru_step_backward",
        reference=gru_step_backward,
        make_cases=step_backward_cases,
        outputs=GRADIENTS,
        mistakes=MISTAKES["gru_step_backward"],
    ),
    function_check(
        "gru_forward",
        reference=gru_forward,
        make_cases=forward_cases,
        outputs=("h", ("cache", SEQUENCE_CACHE)),
        mistakes=MISTAKES["gru_forward"],
        upstream=Upstream({"gru_step_forward": gru_step_forward}, forward_calls),
    ),
    function_check(
        "gru_backward",
        reference=gru_backward,
        make_cases=backward_cases,
        outputs=SEQUENCE_GRADIENTS,
        mistakes=MISTAKES["gru_backward"],
        upstream=Upstream({"gru_step_backward": gru_step_backward}, backward_calls),
    ),
    function_check(
        "stacked_forward",
        reference=stacked_forward,
        make_cases=stacked_cases,
        outputs=stacked_outputs,
        mistakes=MISTAKES["stacked_forward"],
        upstream=Upstream({"gru_forward": gru_forward}, stacked_forward_calls),
    ),
    function_check(
        "stacked_backward",
        reference=stacked_backward,
        make_cases=stacked_backward_cases,
        outputs=stacked_backward_outputs,
        mistakes=MISTAKES["stacked_backward"],
        upstream=Upstream({"gru_backward": gru_backward}, stacked_backward_calls),
    ),
]
