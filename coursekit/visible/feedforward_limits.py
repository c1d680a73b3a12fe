"""Visible checks of notebook 01_feedforward_limits: small hand-made cases, one idea at a time.

Each `check_<exercise>(fn)` stops at the first problem with a message that says what to look at,
and prints one line when everything passes. Most expected values are worked out by hand (numbers
you can check on paper); the MLP's come precomputed from the course's reference implementation
(`expected("feedforward_limits", key)`), on the constants below.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from coursekit.visible.expect import (
    VisibleCheckFailed,
    call,
    expect_close,
    expect_number,
    expect_shape,
    expect_true,
    expect_unchanged,
    expected,
    passed,
)

NOTEBOOK = "feedforward_limits"
W1 = np.array([[1.0, -1.0]])  # D=1, H=2
B1 = np.array([0.0, 0.5])
W2 = np.array([[2.0, 0.0, 1.0], [0.0, 3.0, 1.0]])  # H=2, V=3
B2 = np.array([0.1, 0.2, 0.3])
X_SATURATING = np.array([[1000.0]])  # pre-activations +-1000: tanh is +-1


def _quietly(function, *args, what, **kwargs):
    """Call the learner's function; an overflow warning becomes a failure with a hint."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                return call(function, *args, what=what, **kwargs)
        except VisibleCheckFailed as failure:
            if (
                "overflow" in str(failure)
                or "invalid value" in str(failure)
                or "divide by zero" in str(failure)
            ):
                raise VisibleCheckFailed(
                    f"{what}: NumPy reported '{failure.__cause__}': exp of a large logit "
                    f"overflows to inf, or the log of a probability that underflowed to 0 is "
                    f"-inf. (Hidden checks do not grade the warning: they judge only the values "
                    f"returned, where a NaN or inf would cost the points.)"
                ) from None
            raise


def check_one_hot(one_hot):
    out = call(one_hot, np.array([2, 0]), 3, what="one_hot([2, 0], 3)")
    expect_shape(out, (2, 3), what="one_hot([2, 0], 3)")
    expect_close(
        out,
        [[0, 0, 1], [1, 0, 0]],
        what="one_hot([2, 0], 3)",
        hint="Row n must have a single 1, at column indices[n].",
    )
    expect_true(
        np.asarray(out).dtype == np.float64,
        what=f"one_hot([2, 0], 3) has dtype {np.asarray(out).dtype}",
        hint="The docstring asks for float64: one-hot rows are multiplied with float weights.",
    )
    out = call(
        one_hot,
        np.array([[1, 1, 0]]),
        np.int64(2),
        what="one_hot of a (1, 3) array, V=2 (vocab_size given as a NumPy integer, np.int64)",
    )
    expect_shape(
        out,
        (1, 3, 2),
        what="one_hot of a (1, 3) array, V=2 (indices of any shape "
        "get one new last axis of size V)",
    )
    expect_close(out, [[[0, 1], [0, 1], [1, 0]]], what="one_hot of a (1, 3) array, V=2")
    passed("one_hot")


def _unchanged(array, original, what):
    expect_unchanged(
        np.array_equal(array, original),
        what=f"{what}: your function changed logits",
        hint="The logits were shifted in place (logits -= ...), so the caller's array changed; "
        "the caller still needs it.",
    )


def check_softmax(softmax):
    what = "softmax([[0, log 2, log 3]])"
    logits = np.log([[1.0, 2.0, 3.0]])
    out = _quietly(softmax, logits, what=what)
    _unchanged(logits, np.log([[1.0, 2.0, 3.0]]), what)
    expect_close(
        out, [[1 / 6, 2 / 6, 3 / 6]], what=what, hint="softmax(y)_i = exp(y_i) / sum_j exp(y_j)."
    )
    what = "softmax of 2 rows [[1, 2], [1, 2] + 100]"
    out = _quietly(softmax, np.array([[1.0, 2.0], [101.0, 102.0]]), what=what)
    expect_close(
        out[0],
        out[1],
        what=what + ": adding a constant to a row must not change it",
        hint="Each row was not normalised by its own sum: a sum over the whole array, or over "
        "the wrong axis, mixes the rows.",
    )
    what = "softmax of 2 rows of very different size [[1e4, 0], [0, log 3]]"
    with np.errstate(all="ignore"):  # a NaN shows in the values; a warning is not graded
        out = call(softmax, np.array([[1e4, 0.0], [0.0, math.log(3.0)]]), what=what)
    expect_close(
        out,
        [[1.0, 0.0], [0.25, 0.75]],
        what=what,
        hint="Each row must come out as the softmax of that row alone: a maximum taken over "
        "the whole array makes row 2's exponentials underflow to 0 (0/0 is NaN), and a sum "
        "that lost its axis (no keepdims) divides by another row's sum.",
    )
    what = "softmax([[1e4, 0, -1e4]])"
    out = _quietly(softmax, np.array([[1e4, 0.0, -1e4]]), what=what)
    expect_close(
        out,
        [[1.0, 0.0, 0.0]],
        what=what,
        hint="exp(1e4) overflows to inf, and inf / inf is NaN.",
    )
    what = "softmax of shape (2, 3) with axis=0"
    logits = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    out = _quietly(softmax, logits, axis=0, what=what)
    expect_close(
        out,
        np.full((2, 3), 0.5),
        what=what,
        hint="The axis argument was not used: the max or the sum ran over a fixed axis.",
    )
    passed("softmax")


def check_cross_entropy(cross_entropy):
    what = "cross_entropy with all-zero logits, N=2, V=4"
    loss = _quietly(cross_entropy, np.zeros((2, 4)), np.array([0, 3]), what=what)
    if isinstance(loss, np.ndarray) and loss.shape == (2,):
        raise VisibleCheckFailed(
            f"{what}: you returned one loss per row (shape (2,)); the loss is one number, "
            f"the mean over the N rows"
        )
    expect_close(
        expect_number(loss, what=what),
        math.log(4),
        what=what,
        hint="Uniform predictions over V=4 classes cost log 4 per row, and the loss is the "
        "mean over the rows: a sum over the rows, or a log other than the natural one, is off.",
    )
    what = "cross_entropy([[0, log 3]], targets=[1])"
    loss = _quietly(cross_entropy, np.array([[0.0, math.log(3.0)]]), np.array([1]), what=what)
    expect_close(
        expect_number(loss, what=what),
        -math.log(3 / 4),
        what=what,
        hint="The target's probability is 3/4 and the loss is -log(3/4): a wrong sign, or a "
        "column other than targets[n] in row n, is off.",
    )
    what = "cross_entropy([[1e4, 0]], targets=[1])"
    logits = np.array([[1e4, 0.0]])
    loss = _quietly(cross_entropy, logits, np.array([1]), what=what)
    _unchanged(logits, np.array([[1e4, 0.0]]), what)
    expect_close(
        expect_number(loss, what=what),
        1e4,
        what=what,
        hint="The target's softmax probability here underflows to 0, and log(0) is -inf: a "
        "loss that takes the log of probabilities breaks at |logits| = 1e4.",
    )
    passed("cross_entropy")


def check_softmax_cross_entropy_backward(backward):
    what = "backward with all-zero logits, N=1, V=2, target 0"
    d = _quietly(backward, np.zeros((1, 2)), np.array([0]), what=what)
    expect_shape(d, (1, 2), what=what)
    expect_close(
        d,
        [[-0.5, 0.5]],
        what=what,
        hint="Here softmax(logits) is [0.5, 0.5] and the target is class 0: a wrong sign, or "
        "a missing one-hot term, is off.",
    )
    what = "backward with all-zero logits, N=2, V=2, targets [0, 1]"
    d = _quietly(backward, np.zeros((2, 2)), np.array([0, 1]), what=what)
    expect_close(
        d,
        [[-0.25, 0.25], [0.25, -0.25]],
        what=what,
        hint="The gradient is not divided by N: the loss is a mean over the N rows.",
    )
    what = "backward at |logits| = 1e4"
    logits = np.array([[1e4, 0.0]])
    d = _quietly(backward, logits, np.array([1]), what=what)
    _unchanged(logits, np.array([[1e4, 0.0]]), what)
    expect_close(
        d, [[1.0, -1.0]], what=what, hint="exp(1e4) overflows to inf, and inf / inf is NaN."
    )
    passed("softmax_cross_entropy_backward")


def _first(result, what):
    if not isinstance(result, tuple) or len(result) != 2:
        raise VisibleCheckFailed(
            f"{what}: expected a tuple (out, cache), got a {type(result).__name__}"
        )
    return result[0]


def check_dense_forward(dense_forward):
    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # (D=2, H=3)
    b = np.array([0.5, -0.5, 1.0])
    what = "dense_forward with zero x"
    out = _first(call(dense_forward, np.zeros((2, 2)), W, b, what=what), what)
    expect_shape(out, (2, 3), what=what)
    expect_close(out, [b, b], what=what, hint="With x = 0 every row of the output must be b.")
    what = "dense_forward with x = [[1, 0], [0, 1]] and b = 0"
    out = _first(call(dense_forward, np.eye(2), W, np.zeros(3), what=what), what)
    expect_close(
        out, W, what=what, hint="Row n of x picks rows of W; the result matches W transposed."
    )
    what = "dense_forward with x = [[1, 1]]"
    x = np.ones((1, 2))
    result = call(dense_forward, x, W, b, what=what)
    out = _first(result, what)
    expect_close(out, [[5.5, 6.5, 10.0]], what=what, hint="out must be x W + b.")
    cache = result[1]
    expect_true(
        isinstance(cache, tuple)
        and len(cache) == 3
        and all(
            np.shape(got) == np.shape(given) and np.array_equal(got, given)
            for got, given in zip(cache, (x, W, b))
        ),
        what="the cache must be the tuple (x, W, b) of the arrays given, in this order",
    )
    passed("dense_forward")


def check_mlp_forward(mlp_forward):
    what = "mlp_forward with zero x"
    result = call(mlp_forward, np.zeros((1, 1)), W1, B1, W2, B2, what=what)
    out = _first(result, what)
    expect_shape(out, (1, 3), what=what)
    expect_close(
        out,
        expected(NOTEBOOK, "mlp_zero_input"),
        what=what,
        hint="With x = 0 the hidden layer is tanh(b1), and the logits are tanh(b1) W2 + b2: a "
        "missing bias or tanh, or a tanh on the logits, is off.",
    )
    cache = result[1]
    expect_true(
        isinstance(cache, tuple) and len(cache) == 6,
        what="the cache must be the tuple (x, W1, b1, h, W2, b2)",
    )
    expect_close(
        cache[3],
        np.tanh(B1)[None],
        what="cache[3], the hidden layer h",
        hint="The cache holds something other than h after the tanh (the pre-activation?); "
        "the backward pass computes 1 - h**2 from it.",
    )
    what = "mlp_forward with x = [[1000]] (pre-activations of +-1000: tanh saturates at +-1)"
    out = _first(_quietly(mlp_forward, X_SATURATING, W1, B1, W2, B2, what=what), what)
    expect_close(
        out,
        expected(NOTEBOOK, "mlp_saturated"),
        what=what,
        hint="A tanh written with exp overflows past 709 (inf / inf is NaN); or an "
        "activation was applied to the logits.",
    )
    passed("mlp_forward")


def check_memoryless_loss_floor(memoryless_loss_floor):
    what = "memoryless_loss_floor('aaaa')"
    floor = call(memoryless_loss_floor, "aaaa", what=what)
    expect_close(
        expect_number(floor, what=what),
        0.0,
        what=what,
        hint="After 'a' always comes 'a': entropy 0.",
    )
    what = "memoryless_loss_floor('abab')"
    expect_close(
        expect_number(call(memoryless_loss_floor, "abab", what=what), what=what),
        0.0,
        what=what,
        hint="After 'a' always 'b' and after 'b' always 'a': the next character is "
        "certain given the current one, even though 'a' and 'b' are equally common.",
    )
    what = "memoryless_loss_floor('aab')"
    expect_close(
        expect_number(call(memoryless_loss_floor, "aab", what=what), what=what),
        math.log(2),
        what=what,
        hint="Pairs: 'aa', 'ab'. After 'a', 'a' and 'b' each have p = 1/2, so each pair "
        "costs log 2 nats: log2 (bits) is off, and so is counting the last character, "
        "which starts no pair.",
    )
    what = "memoryless_loss_floor('abac')"
    expect_close(
        expect_number(call(memoryless_loss_floor, "abac", what=what), what=what),
        2 * math.log(2) / 3,
        what=what,
        hint="Pairs 'ab', 'ba', 'ac': after 'a' comes 'b' or 'c' (p = 1/2 "
        "each), after 'b' always 'a'; mean over the 3 pairs = 2 log 2 / 3.",
    )
    passed("memoryless_loss_floor")


def check_window_inputs(window_inputs):
    what = "window_inputs([0, 1, 1], window=2, vocab_size=2)"
    out = call(window_inputs, np.array([0, 1, 1]), 2, 2, what=what)
    expect_shape(out, (2, 4), what=what + " (T-w+1 = 2 windows of w*V = 4 numbers)")
    expect_true(
        out.dtype == np.float64,
        what=f"{what}: the result has dtype {out.dtype}; the docstring asks for float64",
    )
    expect_close(
        out,
        [[1, 0, 0, 1], [0, 1, 0, 1]],
        what=what,
        hint="Row t is one_hot(indices[t]) followed by one_hot(indices[t+1]): oldest "
        "character first, one-hots joined end to end.",
    )
    what = "window_inputs([2, 0, 1], window=1, vocab_size=3)"
    out = call(window_inputs, np.array([2, 0, 1]), 1, 3, what=what)
    expect_close(
        out,
        [[0, 0, 1], [1, 0, 0], [0, 1, 0]],
        what=what,
        hint="With w=1 every character is its own window: plain one-hots.",
    )
    what = "window_inputs([1, 0, 1], window=3, vocab_size=2)"
    out = call(
        window_inputs,
        np.array([1, 0, 1]),
        np.int64(3),
        np.int64(2),
        what=f"{what}, window and vocab_size given as NumPy integers (np.int64)",
    )
    expect_close(
        out,
        [[0, 1, 1, 0, 0, 1]],
        what=what,
        hint="w = T leaves exactly one window, the whole sequence.",
    )
    expect_true(
        np.asarray(out).dtype == np.float64,
        what=f"{what} has dtype {np.asarray(out).dtype}",
        hint="The docstring asks for float64: the windows are multiplied with float weights.",
    )
    passed("window_inputs")
