"""Hidden checks of notebook 01_feedforward_limits.

Every check compares the learner's function with the reference on cases whose structure
discriminates (N=1, V=1 or 2, |logits| = 1e4, square and non-square weights, pre-activations
beyond |a| = 709 where tanh written with exp overflows, w=1, w=T, texts made of one repeated
character), with values drawn from the generator the framework passes (the same for every
student in the fixed set, new in every fresh set). Each listed mistake is the function a
learner who made it would have written; the cases catch every one of them, whatever the draw
(tests/checks/test_catch_rates.py).

The mistakes a check names (with their hints) are its notebook's catalogue,
grader/mistakes/feedforward_limits.py.
"""

from __future__ import annotations

import numpy as np

from grader.checks.common import with_dtype
from grader.checks.framework import Case, Upstream, function_check
from grader.mistakes.feedforward_limits import MISTAKES, UNSCORED
from rnn_numpy.activations import softmax
from rnn_numpy.baselines import memoryless_loss_floor
from rnn_numpy.encoding import one_hot, window_inputs
from rnn_numpy.losses import cross_entropy, softmax_cross_entropy_backward
from rnn_numpy.mlp import dense_forward, mlp_forward


def _normal(rng, *shape, scale=1.0):
    return scale * rng.standard_normal(shape)


def _ints(rng, high, *shape):
    return rng.integers(0, high, size=shape).astype(np.int64)


# -- one_hot -----------------------------------------------------------------------------------
def one_hot_cases(rng):
    return [
        Case("N=1, V=1", (np.array([0]), 1)),
        Case("every class once, V=7", (rng.permutation(7).astype(np.int64), 7)),
        Case("2-D indices of shape (3, 4), V=6", (_ints(rng, 6, 3, 4), 6)),
        Case("a single index (shape ()), V=4", (np.array(int(rng.integers(4))), 4)),
        Case("int32 indices, N=5, V=3", (_ints(rng, 3, 5).astype(np.int32), 3)),
        Case("N=6, V=2", (_ints(rng, 2, 6), 2)),
        Case("1-D indices, N=9, V=5", (_ints(rng, 5, 9), 5)),
        Case("2-D indices of shape (2, 5), V=4", (_ints(rng, 4, 2, 5), 4)),
    ]


# -- softmax -----------------------------------------------------------------------------------
def softmax_cases(rng):
    large = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4 + 1.0, -1e4 + 2.0, -1e4]])
    return [
        Case("N=1, V=1", (_normal(rng, 1, 1),)),
        Case("N=1, V=2", (_normal(rng, 1, 2),)),
        Case("square N=V=4", (_normal(rng, 4, 4, scale=2.0),)),
        Case("|logits| = 1e4, rows of very different size", (large,)),
        Case("a single vector of 6 logits (shape (6,))", (_normal(rng, 6, scale=2.0),)),
        Case("axis=0 on shape (5, 3)", (_normal(rng, 5, 3),), {"axis": 0}),
        Case("axis=1 on shape (2, 3, 4)", (_normal(rng, 2, 3, 4),), {"axis": 1}),
        Case("N=5, V=6, moderate logits", (_normal(rng, 5, 6, scale=3.0),)),
        Case("N=3, V=5, random logits of size 1e4", (_normal(rng, 3, 5, scale=1e4),)),
    ]


# -- cross_entropy and its backward ------------------------------------------------------------
def loss_cases(rng):
    big = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0], [5.0, -1e4, 1e4]])
    return [
        Case("N=1, V=1 (the only class is always right)", (_normal(rng, 1, 1), np.array([0]))),
        Case("N=1, V=2", (_normal(rng, 1, 2), _ints(rng, 2, 1))),
        Case("N=3, V=2, all logits zero", (np.zeros((3, 2)), _ints(rng, 2, 3))),
        Case(
            "N=4, V=5, every row a different target",
            (_normal(rng, 4, 5, scale=2.0), rng.permutation(5)[:4].astype(np.int64)),
        ),
        Case("|logits| = 1e4, targets at the smallest logit", (big, np.array([1, 0, 1]))),
        Case("|logits| = 1e4, targets at the largest logit", (big, np.array([0, 1, 2]))),
        Case("N=7, V=5, random logits", (_normal(rng, 7, 5, scale=2.0), _ints(rng, 5, 7))),
        Case("N=4, V=9, random logits", (_normal(rng, 4, 9), _ints(rng, 9, 4))),
    ]


def backward_calls(up, logits, targets):
    """The calls a correct softmax_cross_entropy_backward makes to the learner's softmax (either
    way of naming the class axis of an (N, V) array)."""
    up.softmax(logits, 1)
    up.softmax(logits, -1)


# -- dense_forward and mlp_forward -------------------------------------------------------------
def dense_cases(rng):
    return [
        Case("N=1, D=1, H=1", (_normal(rng, 1, 1), _normal(rng, 1, 1), _normal(rng, 1))),
        Case(
            "N=4, D=3, H=5 (W not square)",
            (_normal(rng, 4, 3), _normal(rng, 3, 5), _normal(rng, 5)),
        ),
        Case(
            "zero input x (out must equal b in every row)",
            (np.zeros((3, 4)), _normal(rng, 4, 2), _normal(rng, 2)),
        ),
        Case("square D=H=4", (_normal(rng, 2, 4), _normal(rng, 4, 4), _normal(rng, 4))),
        Case(
            "one-hot inputs, N=5, D=6, H=3",
            (one_hot(_ints(rng, 6, 5), 6), _normal(rng, 6, 3), _normal(rng, 3)),
        ),
        Case("N=3, D=2, H=4, random", (_normal(rng, 3, 2), _normal(rng, 2, 4), _normal(rng, 4))),
    ]


DENSE_OUTPUTS = ("out", ("cache", ("x", "W", "b")))


def mlp_cases(rng):
    def params(D, H, V, scale=1.0):
        return (
            _normal(rng, D, H, scale=scale),
            _normal(rng, H),
            _normal(rng, H, V),
            _normal(rng, V),
        )

    def drawn(D, H, V):
        return (_normal(rng, D, H), _normal(rng, H), _normal(rng, H, V), _normal(rng, V))

    return [
        Case("N=1, D=1, H=1, V=1", (_normal(rng, 1, 1), *params(1, 1, 1))),
        Case(
            "zero input x (logits must be tanh(b1) @ W2 + b2)", (np.zeros((2, 3)), *params(3, 4, 5))
        ),
        Case("square D=H=V=3", (_normal(rng, 4, 3), *params(3, 3, 3))),
        Case(
            "pre-activations beyond 709 (tanh saturates; exp would overflow)",
            (_normal(rng, 3, 4, scale=1e4), *params(4, 5, 2)),
        ),
        Case("N=5, D=4, H=6, V=3", (_normal(rng, 5, 4), *drawn(4, 6, 3))),
        Case("one-hot inputs, N=6, D=V=5, H=4", (one_hot(_ints(rng, 5, 6), 5), *drawn(5, 4, 5))),
    ]


def mlp_calls(up, x, W1, b1, W2, b2):
    """The calls a correct mlp_forward makes to the learner's dense_forward (if it uses it)."""
    a, _ = up.dense_forward(x, W1, b1)
    up.dense_forward(np.tanh(a), W2, b2)


MLP_OUTPUTS = ("logits", ("cache", ("x", "W1", "b1", "h", "W2", "b2")))


# -- memoryless_loss_floor ---------------------------------------------------------------------
def floor_cases(rng):
    def random_text(alphabet, length):
        return "".join(rng.choice(list(alphabet), size=length))

    return [
        Case("a single repeated character 'aaaa'", ("aaaa",)),
        Case("two characters 'ab' (one pair)", ("ab",)),
        Case("'abab...' (always predictable)", ("ab" * int(rng.integers(3, 8)),)),
        Case("'aab' (two pairs, same current character)", ("aab",)),
        Case("'abacabad' (a is followed by b, c and d)", ("abacabad",)),
        Case("'the player and the layer'", ("the player and the layer",)),
        Case("the last character occurs only at the end", (random_text("ab", 12) + "z",)),
        Case("random text over 'abc ', 40 characters", (random_text("abc ", 40),)),
        Case(
            "words built from 'layer', 200 characters",
            (
                " ".join(rng.choice(["layer", "player", "relay", "lay", "year", "eye"], size=40))[
                    :200
                ],
            ),
        ),
    ]


# -- window_inputs -----------------------------------------------------------------------------
def window_cases(rng):
    return [
        Case("T=1, w=1, V=1", (np.array([0]), 1, 1)),
        Case("w=1 (just one-hots), T=5, V=3", (_ints(rng, 3, 5), 1, 3)),
        Case("w equal to the length, T=4, V=2", (np.array([0, 1])[rng.permutation(4) % 2], 4, 2)),
        Case("T=9, w=4, V=6", (rng.permutation(9) % 6, 4, 6)),
        Case("T=6, w=2, V=4", (_ints(rng, 4, 6), 2, 4)),
        Case("T=12, w=3, V=5", (_ints(rng, 5, 12), 3, 5)),
    ]


def window_calls(up, indices, window, vocab_size):
    """The call a correct window_inputs makes to the learner's one_hot (if it uses it)."""
    T = len(indices)
    up.one_hot(indices[np.arange(T - window + 1)[:, None] + np.arange(window)], vocab_size)


CHECKS = [
    with_dtype(
        function_check(
            "one_hot",
            reference=one_hot,
            make_cases=one_hot_cases,
            outputs=("vectors",),
            mistakes=MISTAKES["one_hot"],
        ),
        {None: "f"},
    ),
    function_check(
        "softmax",
        unscored=UNSCORED["softmax"],
        reference=softmax,
        make_cases=softmax_cases,
        outputs=("probabilities",),
        mistakes=MISTAKES["softmax"],
    ),
    function_check(
        "cross_entropy",
        unscored=UNSCORED["cross_entropy"],
        reference=cross_entropy,
        make_cases=loss_cases,
        outputs=("loss",),
        mistakes=MISTAKES["cross_entropy"],
    ),
    function_check(
        "softmax_cross_entropy_backward",
        unscored=UNSCORED["softmax_cross_entropy_backward"],
        reference=softmax_cross_entropy_backward,
        make_cases=loss_cases,
        outputs=("dlogits",),
        mistakes=MISTAKES["softmax_cross_entropy_backward"],
        upstream=Upstream({"softmax": softmax}, backward_calls),
    ),
    function_check(
        "dense_forward",
        reference=dense_forward,
        make_cases=dense_cases,
        outputs=DENSE_OUTPUTS,
        mistakes=MISTAKES["dense_forward"],
    ),
    function_check(
        "mlp_forward",
        reference=mlp_forward,
        make_cases=mlp_cases,
        outputs=MLP_OUTPUTS,
        mistakes=MISTAKES["mlp_forward"],
        upstream=Upstream({"dense_forward": dense_forward}, mlp_calls),
    ),
    function_check(
        "memoryless_loss_floor",
        reference=memoryless_loss_floor,
        make_cases=floor_cases,
        outputs=("floor",),
        mistakes=MISTAKES["memoryless_loss_floor"],
    ),
    with_dtype(
        function_check(
            "window_inputs",
            reference=window_inputs,
            make_cases=window_cases,
            outputs=("windows",),
            mistakes=MISTAKES["window_inputs"],
            upstream=Upstream({"one_hot": one_hot}, window_calls),
        ),
        {None: "f"},
    ),
]
