"""Hidden checks of notebook 02 (the RNN recurrence).

Forward functions are judged whole: the state and the cache entry by entry (notebook 03's
backward pass and its provided code read those caches). Functions that call another graded
function of the notebook (rnn_forward, masked_rnn_forward, stacked_rnn_forward, sample) are
judged with the reference standing in for the upstream function (`Upstream`), so one mistake in
rnn_step_forward costs only rnn_step_forward's points. Each listed mistake is the whole function a
learner who made it would have written; the cases' structure (non-square and far-from-symmetric
weights, N=1, T=1, |x| ~ 1e3, masks ending at step 1, ...) catches every one of them whatever
values the generator draws (tests/checks/test_catch_rates.py).

The mistakes a check names (with their hints) are its notebook's catalogue,
grader/mistakes/rnn_recurrence.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coursekit.visible.rnn_recurrence import MAX_HIDDEN_SIZE
from coursekit.wire import RngSeed
from grader.checks.common import (
    asymmetric_weights,
    layers,
    normal,
    rnn_stack,
    rnn_weights,
    with_dtype,
)
from grader.checks.framework import Case, Check, Returned, Upstream, function_check
from grader.mistakes.rnn_recurrence import MISTAKES
from rnn_numpy.memory_task import (
    check_weight_shapes,
    edge_sequences,
    memory_sequences,
    score_weights,
)
from rnn_numpy.rnn import masked_rnn_forward, rnn_forward, rnn_output, rnn_step_forward
from rnn_numpy.sampling import sample, temperature_probabilities
from rnn_numpy.stacked import stacked_rnn_forward

STEP_OUTPUTS = ("h", ("cache", ("x", "h_prev", "Wx", "Wh", "h", "activation")))
FORWARD_OUTPUTS = ("h", ("cache", ("x", "h0", "Wx", "Wh", "h", "activation")))
MASKED_OUTPUTS = ("h", ("cache", ("x", "h0", "Wx", "Wh", "h", "lengths", "activation")))
OUTPUT_OUTPUTS = ("logits", ("cache", ("h", "Wy")))


# -- rnn_step_forward -------------------------------------------------------------------------
def step_cases(rng):
    cases = []
    for label, N, D, H in (
        ("N=3, D=4, H=5", 3, 4, 5),
        ("N=1, D=2, H=3", 1, 2, 3),
        ("H=1", 4, 3, 1),
        ("D=H=4 (square Wx)", 2, 4, 4),
    ):
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        cases.append(Case(label, (normal(rng, N, D), normal(rng, N, H), Wx, Wh, b)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    cases += [
        Case("zero input and zero state", (np.zeros((2, 3)), np.zeros((2, 4)), Wx, Wh, b)),
        Case("zero state", (normal(rng, 2, 3), np.zeros((2, 4)), Wx, Wh, b)),
        Case(
            "large inputs (|x| ~ 1e4: tanh saturates, exp would overflow)",
            (normal(rng, 3, 3, scale=1e4), normal(rng, 3, 4), Wx, Wh, b),
        ),
    ]
    Wx, Wh, b = rnn_weights(rng, 5, 6)
    cases.append(Case("N=4, D=5, H=6, random", (normal(rng, 4, 5), normal(rng, 4, 6), Wx, Wh, b)))
    return cases


# -- rnn_forward ------------------------------------------------------------------------------
def forward_cases(rng):
    cases = []
    for label, N, T, D, H in (
        ("N=3, T=5, D=4, H=6", 3, 5, 4, 6),
        ("N=1, T=1", 1, 1, 3, 4),
        ("T=1", 3, 1, 2, 5),
        ("N=1, H=1", 1, 6, 3, 1),
        ("D=H=3 (square Wx)", 2, 4, 3, 3),
        ("long sequence T=25", 2, 25, 3, 4),
    ):
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        cases.append(Case(label, (normal(rng, N, T, D), normal(rng, N, H), Wx, Wh, b)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    cases += [
        Case("zero initial state", (normal(rng, 2, 4, 3), np.zeros((2, 4)), Wx, Wh, b)),
        Case(
            "large inputs (|x| ~ 1e3)",
            (normal(rng, 2, 3, 3, scale=1e3), normal(rng, 2, 4), Wx, Wh, b),
        ),
    ]
    Wx, Wh, b = rnn_weights(rng, 3, 5)
    cases.append(
        Case("N=2, T=7, D=3, H=5, random", (normal(rng, 2, 7, 3), normal(rng, 2, 5), Wx, Wh, b))
    )
    return cases


def forward_calls(up, x, h0, Wx, Wh, b):
    """The calls a correct rnn_forward makes to rnn_step_forward: one per step, in order."""
    h = h0
    for t in range(x.shape[1]):
        h, _ = up.rnn_step_forward(x[:, t], h, Wx, Wh, b)


# -- rnn_output -------------------------------------------------------------------------------
def output_cases(rng):
    cases = []
    for label, shape, V in (
        ("N=2, T=3, H=4, V=5", (2, 3, 4), 5),
        ("N=1, T=1", (1, 1, 3), 6),
        ("one step, h of shape (N, H)", (3, 4), 7),
        ("H=V=4 (square Wy)", (2, 2, 4), 4),
        ("H=1", (2, 3, 1), 3),
    ):
        H = shape[-1]
        cases.append(
            Case(
                label,
                (
                    normal(rng, *shape),
                    normal(rng, H, V) + np.triu(np.ones((H, V)), 1),
                    normal(rng, V),
                ),
            )
        )
    cases.append(
        Case("zero hidden states", (np.zeros((2, 3, 4)), normal(rng, 4, 5), normal(rng, 5)))
    )
    cases.append(
        Case(
            "N=3, T=2, H=5, V=6, random", (normal(rng, 3, 2, 5), normal(rng, 5, 6), normal(rng, 6))
        )
    )
    return cases


# -- masked_rnn_forward -----------------------------------------------------------------------
def masked_cases(rng):
    cases = []
    for label, lengths, D, H in (
        ("lengths [5, 2, 4]", [5, 2, 4], 3, 4),
        ("a sequence that ends at step 1", [1, 5, 3], 3, 4),
        ("every sequence ends at step 1", [1, 1], 2, 3),
        ("N=1, T=1", [1], 3, 2),
        ("all full length", [4, 4, 4], 2, 5),
        ("H=1", [3, 6], 2, 1),
    ):
        lengths = np.array(lengths, dtype=np.int64)
        N, T = len(lengths), int(lengths.max())
        x = normal(rng, N, T, D)
        x[np.arange(T)[None, :] >= lengths[:, None]] = 7.0  # padding: must never be read
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        cases.append(Case(label, (x, normal(rng, N, H), Wx, Wh, b, lengths)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    cases.append(
        Case(
            "large inputs (|x| ~ 1e3)",
            (normal(rng, 2, 4, 3, scale=1e3), np.zeros((2, 4)), Wx, Wh, b, np.array([2, 4])),
        )
    )
    lengths = rng.integers(1, 6, size=3)
    Wx, Wh, b = rnn_weights(rng, 2, 3)
    cases.append(
        Case(
            "random lengths, N=3",
            (normal(rng, 3, int(lengths.max()), 2), normal(rng, 3, 3), Wx, Wh, b, lengths),
        )
    )
    return cases


def masked_calls(up, x, h0, Wx, Wh, b, lengths):
    """The calls a correct masked_rnn_forward makes to rnn_step_forward: one per step."""
    h = h0
    for t in range(x.shape[1]):
        new, _ = up.rnn_step_forward(x[:, t], h, Wx, Wh, b)
        h = np.where((t < lengths)[:, None], new, h)


# -- stacked_rnn_forward ----------------------------------------------------------------------
def stacked_cases(rng):
    cases = [
        Case(label, rnn_stack(rng, N, T, D, sizes))
        for label, N, T, D, sizes in (
            ("2 layers, H = 4 then 3", 2, 4, 3, (4, 3)),
            ("1 layer", 2, 3, 3, (5,)),
            ("3 layers, all of size 4, D = 4", 3, 5, 4, (4, 4, 4)),
            ("N=1, T=1, 2 layers", 1, 1, 2, (3, 2)),
        )
    ]
    cases.append(
        Case("2 layers, H = 2 then 4, random", rnn_stack(rng, 2, 3, 3, (2, 4), weights=rnn_weights))
    )
    return cases


def stacked_calls(up, x, h0s, layer_params):
    """The calls a correct stacked_rnn_forward makes to rnn_forward: one per layer, bottom up."""
    h = x
    for h0, params in zip(h0s, layer_params):
        h, _ = up.rnn_forward(h, h0, params["Wx"], params["Wh"], params["b"])


def _stacked_outputs(case, expected):
    return ("h_top", ("hs", layers(len(expected[1]))))


# -- sample -----------------------------------------------------------------------------------
def sample_cases(rng):
    cases = []
    for label, V, H, length, temperature, scale in (
        ("V=5, H=8, 12 characters, temperature 1", 5, 8, 12, 1.0, 1.0),
        ("temperature 0.5", 6, 4, 10, 0.5, 1.0),
        ("temperature 2", 6, 4, 10, 2.0, 1.0),
        ("length 1", 4, 3, 1, 1.0, 1.0),
        ("H=1", 3, 1, 8, 1.0, 1.0),
        ("large weights and temperature 0.01 (no overflow)", 5, 6, 8, 0.01, 30.0),
        (
            "nearly uniform logits at temperature 0.001 (probabilities ** 1000 would underflow)",
            6,
            4,
            6,
            0.001,
            0.02,
        ),
    ):
        Wx, Wh, b = asymmetric_weights(rng, V, H, scale=scale)
        Wy, by = normal(rng, H, V, scale=scale), normal(rng, V, scale=scale)
        cases.append(
            Case(
                label,
                (
                    Wx,
                    Wh,
                    b,
                    Wy,
                    by,
                    normal(rng, H, scale=0.5),
                    int(rng.integers(V)),
                    length,
                    RngSeed(int(rng.integers(2**31))),
                ),
                {"temperature": temperature},
            )
        )
    V, H = 7, 5
    Wx, Wh, b = rnn_weights(rng, V, H, scale=1.0)
    cases.append(
        Case(
            "V=7, H=5, random",
            (
                Wx,
                Wh,
                b,
                normal(rng, H, V),
                normal(rng, V),
                normal(rng, H, scale=0.5),
                int(rng.integers(V)),
                8,
                RngSeed(int(rng.integers(2**31))),
            ),
            {"temperature": float(rng.uniform(0.5, 1.5))},
        )
    )
    return cases


def sample_calls(up, Wx, Wh, b, Wy, by, h0, first_index, length, rng, temperature=1.0):
    """The calls a correct sample makes to rnn_step_forward and rnn_output, draws included."""
    V = Wx.shape[0]
    h, index = h0[None, :], first_index
    for _ in range(length):
        x = np.zeros((1, V))
        x[0, index] = 1.0
        h, _ = up.rnn_step_forward(x, h, Wx, Wh, b)
        logits, _ = up.rnn_output(h, Wy, by)
        index = int(rng.choice(V, p=temperature_probabilities(logits[0], temperature)))


# -- hand_designed_rnn ------------------------------------------------------------------------
@dataclass(frozen=True)
class HandDesignedCase(Case):
    """One call of hand_designed_rnn(); `hidden_seed` (never sent to the kernel: only label,
    args, kwargs and pick are) makes the hidden sequences the weights are judged on."""

    hidden_seed: int = 0


def hand_designed_cases(rng):
    return [
        HandDesignedCase(
            "your weights on 200 hidden sequences of lengths 1..30 and 11 edge cases",
            hidden_seed=int(rng.integers(2**31)),
        )
    ]


def hand_designed_limits(case: HandDesignedCase, weights) -> str | None:
    """The exercise allows 1 <= H <= MAX_HIDDEN_SIZE: every weight array's every dimension is
    within that (D = 3 and K = 2 are too), checked on the shapes before any arithmetic."""
    if not isinstance(weights, dict):
        return None  # judge_hand_designed names the wrong type
    for name, value in weights.items():
        try:
            shape = np.shape(value)
        except ValueError:  # a ragged list: judge_hand_designed names it
            continue
        if any(n > MAX_HIDDEN_SIZE for n in shape):
            return (
                f"weights[{name!r}] has a dimension larger than {MAX_HIDDEN_SIZE}: the "
                f"exercise allows a hidden size H from 1 to {MAX_HIDDEN_SIZE}, so it was "
                f"not run"
            )
    return None


def judge_hand_designed(case: HandDesignedCase, outcome: Returned) -> list[str]:
    weights = outcome.value
    problems = check_weight_shapes(weights)
    if problems:
        return [f"case '{case.label}': {problem}" for problem in problems]
    symbols, labels, lengths = memory_sequences(np.random.default_rng(case.hidden_seed), 200)
    accuracy, wrong = score_weights(weights, symbols, labels, lengths)
    edge_symbols, edge_labels, edge_lengths = edge_sequences()
    _, edge_wrong = score_weights(weights, edge_symbols, edge_labels, edge_lengths)
    problems = []
    if wrong is not None:
        problems.append(
            f"case '{case.label}': {accuracy:.1%} of the answers on the hidden "
            f"sequences are right; every answer must be right"
        )
    if edge_wrong is not None:
        text = "".join("abc"[s] for s in edge_symbols[edge_wrong] if s >= 0)
        problems.append(
            f"case '{case.label}': wrong on the edge case {text!r} (think about "
            f"sequences with no 'a', an 'a' at the very start or the very end, and "
            f"long runs after an 'a')"
        )
    return problems


CHECKS = [
    function_check(
        "rnn_step_forward",
        reference=rnn_step_forward,
        make_cases=step_cases,
        outputs=STEP_OUTPUTS,
        mistakes=MISTAKES["rnn_step_forward"],
    ),
    function_check(
        "rnn_forward",
        reference=rnn_forward,
        make_cases=forward_cases,
        outputs=FORWARD_OUTPUTS,
        mistakes=MISTAKES["rnn_forward"],
        upstream=Upstream({"rnn_step_forward": rnn_step_forward}, forward_calls),
    ),
    function_check(
        "rnn_output",
        reference=rnn_output,
        make_cases=output_cases,
        outputs=OUTPUT_OUTPUTS,
        mistakes=MISTAKES["rnn_output"],
    ),
    function_check(
        "masked_rnn_forward",
        reference=masked_rnn_forward,
        make_cases=masked_cases,
        outputs=MASKED_OUTPUTS,
        mistakes=MISTAKES["masked_rnn_forward"],
        upstream=Upstream({"rnn_step_forward": rnn_step_forward}, masked_calls),
    ),
    function_check(
        "stacked_rnn_forward",
        reference=stacked_rnn_forward,
        make_cases=stacked_cases,
        outputs=_stacked_outputs,
        mistakes=MISTAKES["stacked_rnn_forward"],
        upstream=Upstream({"rnn_forward": rnn_forward}, stacked_calls),
    ),
    with_dtype(
        function_check(
            "sample",
            reference=sample,
            make_cases=sample_cases,
            outputs=("indices",),
            mistakes=MISTAKES["sample"],
            upstream=Upstream(
                {"rnn_step_forward": rnn_step_forward, "rnn_output": rnn_output}, sample_calls
            ),
        ),
        {None: "iu"},
    ),
    Check(
        "hand_designed_rnn", hand_designed_cases, judge_hand_designed, limits=hand_designed_limits
    ),
]
