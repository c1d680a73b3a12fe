"""Hidden checks of notebook 03 (backpropagation through time).

Backward passes get a cache built here from the case's inputs, in the layout the notebook states
((x, h_prev, Wx, Wh, h, "tanh") for one step, (x, h0, Wx, Wh, h, "tanh") for a sequence,
(x, h0s, layer_params, hs) for a stack, (h, Wy) for the output layer), so they never depend on
the learner's forward pass. Functions that call another graded function of the notebook
(rnn_backward, stacked_rnn_backward, truncated_bptt) are judged with the reference standing in
for it (`Upstream`): one mistake in rnn_step_backward costs only its own points. Every listed
mistake is the whole function a learner who made it would have written, and the cases' structure
(non-square and far-from-symmetric weights, N=1, T=1, |x| ~ 1e3, masks ending at step 1, a
function that reads x through a closure, ...) catches each one whatever the generator draws.

The mistakes a check names (with their hints) are its notebook's catalogue,
grader/mistakes/bptt.py.
"""

from __future__ import annotations

import numpy as np

from coursekit.wire import NamedFunction, Shared
from grader.checks.common import asymmetric_weights, layers, normal, rnn_stack, rnn_weights
from grader.checks.framework import Case, Upstream, function_check
from grader.mistakes.bptt import MISTAKES, UNSCORED, layer_cache
from rnn_numpy.encoding import one_hot
from rnn_numpy.gradcheck import numerical_gradient, relative_error
from rnn_numpy.losses import temporal_softmax_loss
from rnn_numpy.optim import adagrad_step, sgd_step
from rnn_numpy.rnn import (
    rnn_backward,
    rnn_forward,
    rnn_output,
    rnn_output_backward,
    rnn_step_backward,
    rnn_step_forward,
)
from rnn_numpy.stacked import stacked_rnn_backward, stacked_rnn_forward
from rnn_numpy.state_jacobian import state_jacobian_product
from rnn_numpy.truncated_bptt import chunk_bounds, truncated_bptt

GRADIENTS = ("dx", "dh_prev", "dWx", "dWh", "db")
SEQUENCE_GRADIENTS = ("dx", "dh0", "dWx", "dWh", "db")


# -- rnn_step_backward ------------------------------------------------------------------------
def step_backward_cases(rng):
    cases = []
    for label, N, D, H, x_scale in (
        ("N=3, D=4, H=5", 3, 4, 5, 1.0),
        ("N=1, D=2, H=3", 1, 2, 3, 1.0),
        ("H=1", 4, 3, 1, 1.0),
        ("D=H=4 (square Wx)", 2, 4, 4, 1.0),
        ("large inputs (|x| ~ 1e3, tanh saturates)", 3, 3, 4, 1e3),
    ):
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        h_prev = np.zeros((N, H)) if x_scale > 1 else normal(rng, N, H)
        _, cache = rnn_step_forward(normal(rng, N, D, scale=x_scale), h_prev, Wx, Wh, b)
        cases.append(Case(label, (normal(rng, N, H), cache)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    _, cache = rnn_step_forward(normal(rng, 2, 3), np.zeros((2, 4)), Wx, Wh, b)
    cases.append(Case("zero previous state", (normal(rng, 2, 4), cache)))
    Wx, Wh, b = rnn_weights(rng, 5, 6)
    _, cache = rnn_step_forward(normal(rng, 3, 5), normal(rng, 3, 6), Wx, Wh, b)
    cases.append(Case("N=3, D=5, H=6, random", (normal(rng, 3, 6), cache)))
    return cases


# -- rnn_backward -----------------------------------------------------------------------------
def backward_cases(rng):
    cases = []
    for label, N, T, D, H, x_scale in (
        ("N=3, T=5, D=4, H=6", 3, 5, 4, 6, 1.0),
        ("N=1, T=1", 1, 1, 3, 4, 1.0),
        ("T=1", 3, 1, 2, 5, 1.0),
        ("N=1, H=1", 1, 6, 3, 1, 1.0),
        ("long sequence T=20", 2, 20, 3, 4, 1.0),
        ("large inputs (|x| ~ 1e3)", 2, 4, 3, 4, 1e3),
    ):
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        _, cache = rnn_forward(normal(rng, N, T, D, scale=x_scale), normal(rng, N, H), Wx, Wh, b)
        cases.append(Case(label, (normal(rng, N, T, H), cache)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    _, cache = rnn_forward(normal(rng, 2, 5, 3), np.zeros((2, 4)), Wx, Wh, b)
    dh = np.zeros((2, 5, 4))
    dh[:, -1] = normal(rng, 2, 4)
    cases.append(Case("zero initial state; loss only on the last step", (dh, cache)))
    Wx, Wh, b = rnn_weights(rng, 2, 3)
    _, cache = rnn_forward(normal(rng, 2, 4, 2), normal(rng, 2, 3), Wx, Wh, b)
    cases.append(Case("N=2, T=4, D=2, H=3, random", (normal(rng, 2, 4, 3), cache)))
    return cases


def backward_calls(up, dh, cache):
    """The calls a correct rnn_backward makes to rnn_step_backward: steps T, T-1, ..., 1."""
    x, h0, Wx, Wh, h, activation = cache
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev = h0 if t == 0 else h[:, t - 1]
        _, dh_next, *_ = up.rnn_step_backward(
            dh[:, t] + dh_next, (x[:, t], h_prev, Wx, Wh, h[:, t], activation)
        )


# -- state_jacobian_product -------------------------------------------------------------------
def jacobian_cases(rng):
    def states(T, H, D=3, scale=1.0):
        Wx, Wh, b = asymmetric_weights(rng, D, H, scale=0.8)
        h, _ = rnn_forward(normal(rng, 1, T, D, scale=scale), normal(rng, 1, H), Wx, Wh, b)
        return h[0], Wh

    cases = []
    for label, T, H, t, k in (
        ("T=6, H=4: from step 6 back to the initial state (t=6, k=0)", 6, 4, 6, 0),
        ("T=6, H=4: t=5, k=2", 6, 4, 5, 2),
        ("one step back from the first state (t=1, k=0)", 3, 4, 1, 0),
        ("lag 0 (t = k = 3): the identity", 4, 3, 3, 3),
        ("H=1, t=4, k=1", 5, 1, 4, 1),
        ("T=1, H=5 (t=1, k=0)", 1, 5, 1, 0),
    ):
        h, Wh = states(T, H)
        cases.append(Case(label, (h, Wh, t, k)))
    h, Wh = states(4, 3, scale=1e3)
    cases.append(Case("saturated states (|x| ~ 1e3), t=4, k=1", (h, Wh, 4, 1)))
    T, H = 7, 4
    Wx, Wh, b = rnn_weights(rng, 2, H, scale=0.8)
    h, _ = rnn_forward(normal(rng, 1, T, 2), normal(rng, 1, H), Wx, Wh, b)
    t = int(rng.integers(1, T + 1))
    cases.append(Case("T=7, H=4, random steps", (h[0], Wh, t, int(rng.integers(0, t + 1)))))
    return cases


# -- stacked_rnn_backward ---------------------------------------------------------------------
def _stack_cache(rng, N, T, D, sizes):
    """(dh_top, cache) of a stack with layer sizes `sizes`, cache (x, h0s, layer_params, hs)."""
    x, h0s, layer_params = rnn_stack(rng, N, T, D, sizes)
    _, hs = stacked_rnn_forward(x, h0s, layer_params)
    return normal(rng, N, T, sizes[-1]), (x, h0s, layer_params, hs)


def stacked_backward_cases(rng):
    cases = [
        Case(label, _stack_cache(rng, N, T, D, sizes))
        for label, N, T, D, sizes in (
            ("2 layers, H = 4 then 3", 2, 4, 3, (4, 3)),
            ("1 layer", 2, 3, 3, (5,)),
            ("3 layers, all of size 4, D = 4", 3, 5, 4, (4, 4, 4)),
            ("N=1, T=1, 2 layers", 1, 1, 2, (3, 2)),
        )
    ]
    cases.append(Case("2 layers, H = 2 then 4, random", _stack_cache(rng, 2, 3, 3, (2, 4))))
    return cases


def stacked_backward_calls(up, dh_top, cache):
    """The calls a correct stacked_rnn_backward makes to rnn_backward: top layer first."""
    dh = dh_top
    for m in reversed(range(len(cache[3]))):
        dh, *_ = up.rnn_backward(dh, layer_cache(m, cache))


def _stacked_backward_outputs(case, expected):
    names = layers(len(expected[1]))
    return ("dx", ("dh0s", names), ("dlayer_params", names))


# -- rnn_output_backward ----------------------------------------------------------------------
def output_backward_cases(rng):
    cases = []
    for label, shape, V in (
        ("N=2, T=3, H=4, V=5", (2, 3, 4), 5),
        ("N=1, T=1", (1, 1, 3), 4),
        ("one step, h of shape (N, H)", (3, 4), 6),
        ("H=V=4 (square Wy)", (2, 3, 4), 4),
        ("H=1", (2, 2, 1), 3),
    ):
        H = shape[-1]
        h, Wy = np.tanh(normal(rng, *shape)), normal(rng, H, V) + np.triu(np.ones((H, V)), 1)
        cases.append(Case(label, (normal(rng, *shape[:-1], V), (h, Wy))))
    h, Wy = np.tanh(normal(rng, 3, 2, 5)), normal(rng, 5, 4)
    cases.append(Case("N=3, T=2, H=5, V=4, random", (normal(rng, 3, 2, 4), (h, Wy))))
    return cases


# -- temporal_softmax_loss --------------------------------------------------------------------
def loss_cases(rng):
    cases = []
    for label, N, T, V, mask_kind in (
        ("N=3, T=4, V=5, full mask", 3, 4, 5, "full"),
        ("a mask with holes", 4, 5, 6, "holes"),
        ("masks that end at step 1", 3, 4, 5, "first"),
        ("N=1, T=1", 1, 1, 4, "full"),
        ("one sequence fully masked", 2, 3, 4, "one_empty"),
    ):
        logits = normal(rng, N, T, V)
        targets = rng.integers(0, V, size=(N, T))
        mask = {
            "full": np.ones((N, T), bool),
            "holes": (np.arange(N * T).reshape(N, T) % 3) != 1,
            "first": np.arange(T)[None, :] < np.ones((N, 1)),
            "one_empty": np.array([[True] * T, [False] * T]),
        }[mask_kind]
        cases.append(Case(label, (logits, targets, mask)))
    cases.append(
        Case(
            "large logits (|logits| ~ 1e4)",
            (
                normal(rng, 2, 3, 5, scale=1e4),
                np.array([[0, 4, 2], [1, 3, 0]]),
                np.ones((2, 3), bool),
            ),
        )
    )
    N, T, V = 3, 4, 6
    cases.append(
        Case(
            "random logits and mask",
            (normal(rng, N, T, V), rng.integers(0, V, size=(N, T)), rng.random((N, T)) < 0.6),
        )
    )
    return cases


# -- numerical_gradient and relative_error ----------------------------------------------------
def numerical_gradient_cases(rng):
    cases = []
    for label, shape in (("a vector of 5", (5,)), ("a 3 x 4 matrix", (3, 4)), ("one number", (1,))):
        A, B = np.abs(normal(rng, *shape)) + 0.5, normal(rng, *shape)
        cases.append(
            Case(
                f"quadratic form, {label}",
                (NamedFunction("quadratic_form", {"A": A, "B": B}), normal(rng, *shape)),
            )
        )
    W = np.abs(normal(rng, 2, 3)) + 1.0
    cases.append(
        Case(
            "sin product, eps = 1e-4",
            (NamedFunction("sin_product", {"W": W}), normal(rng, 2, 3)),
            {"eps": 1e-4},
        )
    )
    cases.append(
        Case(
            "sin product, eps = 1e-3 (large enough to tell centred from one-sided differences)",
            (NamedFunction("sin_product", {"W": W}), normal(rng, 2, 3)),
            {"eps": 1e-3},
        )
    )
    z = normal(rng, 2, 3)
    cases.append(
        Case(
            "f ignores its argument and reads x through a closure (like "
            "lambda _: loss() in the notebook's experiment)",
            (
                NamedFunction(
                    "closure_quadratic",
                    {
                        "A": np.abs(normal(rng, 2, 3)) + 0.5,
                        "B": normal(rng, 2, 3),
                        "z": Shared("x", z),
                    },
                ),
                Shared("x", z),
            ),
        )
    )
    shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    cases.append(
        Case(
            "quadratic form, random shape",
            (
                NamedFunction(
                    "quadratic_form", {"A": rng.uniform(0.5, 2.0, shape), "B": normal(rng, *shape)}
                ),
                normal(rng, *shape),
            ),
        )
    )
    return cases


def relative_error_cases(rng):
    a = normal(rng, 3, 4)
    return [
        Case("two 3 x 4 arrays", (a, normal(rng, 3, 4))),
        Case("nearly equal arrays", (a, a * (1 + 1e-7 * normal(rng, 3, 4)))),
        Case("equal arrays", (a, a.copy())),
        Case("both zero (must be 0, not NaN)", (np.zeros(3), np.zeros(3))),
        Case("negative entries", (-np.abs(a), np.abs(a) * 0.5)),
        Case("one number", (np.abs(normal(rng, 1)) + 1.0, np.abs(normal(rng, 1)))),
        Case("a vector of 5 and a random scale", (normal(rng, 5), normal(rng, 5, scale=10.0))),
    ]


# -- truncated_bptt ---------------------------------------------------------------------------
def _char_params(rng, V, H):
    Wx, Wh, b = asymmetric_weights(rng, V, H)
    return {
        "Wx": Wx,
        "Wh": Wh,
        "b": b,
        "Wy": normal(rng, H, V, scale=0.5),
        "by": normal(rng, V, scale=0.5),
    }


def truncated_cases(rng):
    cases = []
    for label, N, S, V, H, K in (
        ("N=2, 12 characters, chunks of 4", 2, 12, 5, 6, 4),
        ("a last chunk shorter than the others (11 characters, K=3)", 2, 11, 4, 5, 3),
        ("chunks of 1 step", 2, 6, 4, 3, 1),
        ("one chunk covering the whole stream (K >= T)", 2, 7, 4, 3, 10),
        ("N=1, H=1", 1, 9, 3, 1, 2),
        ("the shortest stream (2 characters: one step)", 3, 2, 4, 3, 5),
    ):
        stream = rng.integers(0, V, size=(N, S))
        h0 = np.zeros((N, H)) if label.startswith("chunks of 1") else normal(rng, N, H, scale=0.5)
        cases.append(Case(label, (stream, h0, _char_params(rng, V, H), K)))
    stream = rng.integers(0, 4, size=(2, 10))
    cases.append(
        Case(
            "N=2, 10 characters, K=3, random",
            (stream, normal(rng, 2, 3, scale=0.5), _char_params(rng, 4, 3), 3),
        )
    )
    return cases


def truncated_calls(up, stream, h0, params, chunk_length):
    """The calls a correct truncated_bptt makes to temporal_softmax_loss, rnn_output_backward
    and rnn_backward (rnn_forward and rnn_output are the notebook's provided code)."""
    V, h = params["Wx"].shape[0], h0
    for start, stop in chunk_bounds(stream.shape[1], chunk_length):
        inputs, targets = stream[:, start:stop], stream[:, start + 1 : stop + 1]
        hs, cache = rnn_forward(one_hot(inputs, V), h, params["Wx"], params["Wh"], params["b"])
        logits, output_cache = rnn_output(hs, params["Wy"], params["by"])
        _, dlogits = up.temporal_softmax_loss(logits, targets, np.ones(targets.shape, bool))
        dhs, _, _ = up.rnn_output_backward(dlogits, output_cache)
        up.rnn_backward(dhs, cache)
        h = hs[:, -1]


# -- optimisers -------------------------------------------------------------------------------
def sgd_cases(rng):
    return [
        Case("a 3 x 4 matrix, learning rate 0.1", (normal(rng, 3, 4), normal(rng, 3, 4), 0.1)),
        Case("a vector, learning rate 1e-3", (normal(rng, 5), normal(rng, 5), 1e-3)),
        Case("zero gradient", (normal(rng, 2, 2), np.zeros((2, 2)), 0.5)),
        Case(
            "large gradient entries (|grad| ~ 1e3): no clipping here",
            (normal(rng, 4), normal(rng, 4, scale=1e3), 0.01),
        ),
        Case("random matrix", (normal(rng, 2, 3), normal(rng, 2, 3), float(rng.uniform(0.01, 1)))),
    ]


def adagrad_cases(rng):
    return [
        Case(
            "first step (zero cache), learning rate 0.1",
            (normal(rng, 3, 4), normal(rng, 3, 4), np.zeros((3, 4)), 0.1),
        ),
        Case(
            "a later step (cache > 0)",
            (normal(rng, 5), normal(rng, 5), np.abs(normal(rng, 5)) + 0.1, 0.05),
        ),
        Case(
            "tiny gradients (where eps matters)",
            (normal(rng, 4), 1e-6 * normal(rng, 4), np.zeros(4), 0.1),
        ),
        Case(
            "zero gradient and zero cache",
            (normal(rng, 2, 2), np.zeros((2, 2)), np.zeros((2, 2)), 0.1),
        ),
        Case(
            "eps = 1e-4",
            (normal(rng, 3), normal(rng, 3), np.abs(normal(rng, 3)), 0.1),
            {"eps": 1e-4},
        ),
        Case(
            "random later step",
            (normal(rng, 2, 3), normal(rng, 2, 3), rng.uniform(0.1, 3.0, (2, 3)), 0.1),
        ),
    ]


CHECKS = [
    function_check(
        "rnn_step_backward",
        unscored=UNSCORED["rnn_step_backward"],
        reference=rnn_step_backward,
        make_cases=step_backward_cases,
        outputs=GRADIENTS,
        mistakes=MISTAKES["rnn_step_backward"],
    ),
    function_check(
        "rnn_backward",
        reference=rnn_backward,
        make_cases=backward_cases,
        outputs=SEQUENCE_GRADIENTS,
        mistakes=MISTAKES["rnn_backward"],
        unscored=UNSCORED["rnn_backward"],
        upstream=Upstream({"rnn_step_backward": rnn_step_backward}, backward_calls),
    ),
    function_check(
        "state_jacobian_product",
        reference=state_jacobian_product,
        make_cases=jacobian_cases,
        outputs=("jacobian",),
        mistakes=MISTAKES["state_jacobian_product"],
    ),
    function_check(
        "stacked_rnn_backward",
        reference=stacked_rnn_backward,
        make_cases=stacked_backward_cases,
        outputs=_stacked_backward_outputs,
        mistakes=MISTAKES["stacked_rnn_backward"],
        upstream=Upstream({"rnn_backward": rnn_backward}, stacked_backward_calls),
    ),
    function_check(
        "rnn_output_backward",
        reference=rnn_output_backward,
        make_cases=output_backward_cases,
        outputs=("dh", "dWy", "dby"),
        mistakes=MISTAKES["rnn_output_backward"],
    ),
    function_check(
        "temporal_softmax_loss",
        unscored=UNSCORED["temporal_softmax_loss"],
        reference=temporal_softmax_loss,
        make_cases=loss_cases,
        outputs=("loss", "dlogits"),
        mistakes=MISTAKES["temporal_softmax_loss"],
    ),
    function_check(
        "numerical_gradient",
        unscored=UNSCORED["numerical_gradient"],
        reference=numerical_gradient,
        make_cases=numerical_gradient_cases,
        outputs=("grad",),
        rtol=1e-6,
        atol=1e-7,
        mistakes=MISTAKES["numerical_gradient"],
    ),
    function_check(
        "relative_error",
        reference=relative_error,
        make_cases=relative_error_cases,
        outputs=("error",),
        mistakes=MISTAKES["relative_error"],
    ),
    function_check(
        "truncated_bptt",
        reference=truncated_bptt,
        make_cases=truncated_cases,
        outputs=("losses", "grads", "h_final"),
        mistakes=MISTAKES["truncated_bptt"],
        upstream=Upstream(
            {
                "temporal_softmax_loss": temporal_softmax_loss,
                "rnn_output_backward": rnn_output_backward,
                "rnn_backward": rnn_backward,
            },
            truncated_calls,
        ),
    ),
    function_check(
        "sgd_step",
        unscored=UNSCORED["sgd_step"],
        reference=sgd_step,
        make_cases=sgd_cases,
        outputs=("new_param",),
        mistakes=MISTAKES["sgd_step"],
    ),
    function_check(
        "adagrad_step",
        unscored=UNSCORED["adagrad_step"],
        reference=adagrad_step,
        make_cases=adagrad_cases,
        outputs=("new_param", "new_cache"),
        mistakes=MISTAKES["adagrad_step"],
    ),
]
