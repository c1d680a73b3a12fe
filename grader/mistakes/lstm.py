"""The common mistakes of notebook 05 (the LSTM), exercise by exercise.

Each `Mistake` is the whole function a learner who made it would have written, with the hint
that names it. The hidden checks (grader/checks/lstm.py) take `MISTAKES[exercise]`;
the visible checks' data (grader/visible_expectations/lstm.py) names mistakes by id;
tests/checks/test_mistakes.py holds every entry to its flags. The package docstring
(grader/mistakes/__init__.py) describes `MISTAKES`, `UNSCORED` and `VARIANTS`.
"""

from __future__ import annotations

import numpy as np

from grader.checks.framework import Mistake
from rnn_numpy.activations import sigmoid
from rnn_numpy.lstm import (
    cell_path_gradient,
    lstm_step_backward,
    lstm_step_forward,
)


def gate_blocks(a, order="ifgo"):
    """The four (N, H) blocks of a pre-activation (N, 4H), named by `order`."""
    H = a.shape[-1] // 4
    return {name: a[..., k * H : (k + 1) * H] for k, name in enumerate(order)}


# -- sigmoid ----------------------------------------------------------------------------------


SIGMOID_MISTAKES = [
    Mistake(
        "overflow",
        "it is written as exp(x) / (1 + exp(x)): for large positive x that is inf / inf = NaN",
        lambda x: np.exp(x) / (1 + np.exp(x)),
    ),
    Mistake(
        "sign_flipped",
        "the sign in the exponent is flipped: 1 / (1 + exp(x)) is sigmoid(-x)",
        lambda x: sigmoid(-x),
    ),
]


# Mistakes whose returned values are right carry no points (issue 15): 1 / (1 + exp(-x)) for
# every x returns 0 where exp(-x) overflows to inf, as it should; only NumPy warns, and a warning
# is the kernel's account of itself (learner code can silence it). The visible check names it.
SIGMOID_UNSCORED = [
    Mistake(
        "exp_of_minus_x",
        "it is written as 1 / (1 + exp(-x)) for every x: the values are right, but exp(-x) "
        "overflows (with a warning) for x below about -709",
        lambda x: 1 / (1 + np.exp(-x)),
    ),
]


# -- lstm_step_forward ------------------------------------------------------------------------


def step_variant(
    *,
    order="ifgo",
    candidate=np.tanh,
    forget_on="c_prev",
    squash_c=True,
    new_c_in_h=True,
    bias=True,
    cache_pre_activation=False,
):
    """lstm_step_forward as a learner who made one mistake wrote it."""

    def step(x, h_prev, c_prev, Wx, Wh, b):
        a = x @ Wx + h_prev @ Wh + (b if bias else 0.0)
        blocks = gate_blocks(a, order)
        i, f, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
        g = candidate(blocks["g"])
        c = f * c_prev + i * g if forget_on == "c_prev" else f * g + i * c_prev
        cell = c if new_c_in_h else c_prev
        h = o * (np.tanh(cell) if squash_c else cell)
        gates = (
            a
            if cache_pre_activation
            else np.concatenate([{"i": i, "f": f, "g": g, "o": o}[name] for name in order], axis=1)
        )
        return h, c, (x, h_prev, c_prev, Wx, Wh, gates, c)

    return step


STEP_FORWARD_MISTAKES = [
    Mistake(
        "gate_order",
        "the gate blocks are read in the order i, f, o, g (another common layout); this "
        "course uses torch's order i, f, g, o",
        step_variant(order="ifog"),
    ),
    Mistake(
        "sigmoid_candidate",
        "sigmoid is used for the candidate g, whose activation is tanh",
        step_variant(candidate=sigmoid),
    ),
    Mistake(
        "forget_on_candidate",
        "the forget gate is applied to the new candidate instead of c_prev "
        "(c = f * g + i * c_prev)",
        step_variant(forget_on="g"),
    ),
    Mistake(
        "no_tanh_of_c",
        "tanh of the cell state is left out of h (h = o * c)",
        step_variant(squash_c=False),
    ),
    Mistake(
        "old_c_in_h",
        "h is made from the previous cell state (o * tanh(c_prev)) instead of the new one",
        step_variant(new_c_in_h=False),
    ),
    Mistake("no_bias", "the bias b is left out", step_variant(bias=False)),
    Mistake(
        "pre_activation_cache",
        "the cache holds the pre-activations a instead of the activated gates [i, f, g, o]",
        step_variant(cache_pre_activation=True),
    ),
]


# -- lstm_forward -----------------------------------------------------------------------------


def forward_variant(*, carry_h=True, carry_c=True, cache_none=False):
    def forward(x, h0, Wx, Wh, b, c0=None):
        N, T, _ = x.shape
        H = h0.shape[1]
        start_c = np.zeros_like(h0) if c0 is None else c0
        h, c, gates = np.zeros((N, T, H)), np.zeros((N, T, H)), np.zeros((N, T, 4 * H))
        h_prev, c_prev = h0, start_c
        for t in range(T):
            h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
            h[:, t], c[:, t], gates[:, t] = h_t, c_t, step_cache[5]
            h_prev = h_t if carry_h else h0
            c_prev = c_t if carry_c else start_c
        return h, (x, h0, c0 if cache_none else start_c, Wx, Wh, gates, c, h)

    return forward


FORWARD_MISTAKES = [
    Mistake(
        "c_not_carried",
        "the cell state is not carried: every step starts from c0",
        forward_variant(carry_c=False),
    ),
    Mistake(
        "h_not_carried",
        "the hidden state is not carried: every step starts from h0",
        forward_variant(carry_h=False),
    ),
    Mistake(
        "cache_none",
        "the cache holds c0 = None when c0 is omitted, instead of the zeros the forward "
        "pass started from",
        forward_variant(cache_none=True),
    ),
]


# -- lstm_step_backward -----------------------------------------------------------------------


def step_backward_variant(
    *,
    add_dc_from_h=True,
    tanh_slope_of_c=False,
    through_f=True,
    f_slope_uses_c=False,
    g_slope="tanh",
    o_uses_c=False,
    order="ifgo",
):
    """lstm_step_backward as a learner who made one mistake wrote it."""

    def backward(dh, dc, cache):
        x, h_prev, c_prev, Wx, Wh, gates, c = cache
        blocks = gate_blocks(gates)
        i, f, g, o = blocks["i"], blocks["f"], blocks["g"], blocks["o"]
        tanh_c = np.tanh(c)
        slope = (1 - c**2) if tanh_slope_of_c else (1 - tanh_c**2)
        dc_total = dc + (dh * o * slope if add_dc_from_h else 0.0)
        da = {
            "i": dc_total * g * i * (1 - i),
            "f": dc_total * (c if f_slope_uses_c else c_prev) * f * (1 - f),
            "g": dc_total * i * ((1 - g**2) if g_slope == "tanh" else g * (1 - g)),
            "o": dh * (c if o_uses_c else tanh_c) * o * (1 - o),
        }
        da = np.concatenate([da[name] for name in order], axis=1)
        dc_prev = dc_total * f if through_f else dc_total
        return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)

    return backward


STEP_BACKWARD_MISTAKES = [
    Mistake(
        "no_dc_from_h",
        "the gradient reaching c through h is not added (dc_total is dc alone)",
        step_backward_variant(add_dc_from_h=False),
    ),
    Mistake(
        "slope_of_c",
        "the derivative of tanh(c) is written with c (1 - c**2)",
        step_backward_variant(tanh_slope_of_c=True),
    ),
    Mistake(
        "not_through_f",
        "the cell gradient is not carried through f (dc_prev is dc_total)",
        step_backward_variant(through_f=False),
    ),
    Mistake(
        "f_uses_c",
        "the forget gate's gradient uses the new cell state c instead of c_prev",
        step_backward_variant(f_slope_uses_c=True),
    ),
    Mistake(
        "g_sigmoid_slope",
        "the candidate's derivative is a sigmoid's, g * (1 - g), though g is a tanh",
        step_backward_variant(g_slope="sigmoid"),
    ),
    Mistake(
        "o_uses_c",
        "the output gate's gradient uses c instead of tanh(c)",
        step_backward_variant(o_uses_c=True),
    ),
    Mistake(
        "gate_order",
        "the four gate gradients are stacked in the order i, f, o, g instead of i, f, g, o",
        step_backward_variant(order="ifog"),
    ),
]


def step_backward_adding_into_dc(dh, dc, cache):
    """The CS231n habit `dnext_c += ...`: right values, but the caller's dc is changed."""
    o, c = gate_blocks(cache[5])["o"], cache[6]
    dc += dh * o * (1 - np.tanh(c) ** 2)  # dc now holds dc_total
    return step_backward_variant(add_dc_from_h=False)(dh, dc, cache)


STEP_BACKWARD_UNSCORED = [
    Mistake(
        "dc_in_place",
        "the gradient reaching c through h is added into the argument dc in place "
        "(dc += ...): the values are right, but the caller's dc is changed",
        step_backward_adding_into_dc,
    ),
]


# -- lstm_backward ----------------------------------------------------------------------------


def backward_variant(*, carry_c=True, carry_h=True, accumulate=True, last_only=False, dc0=True):
    def backward(dh, cache, return_dc0=False):
        x, h0, c0, Wx, Wh, gates, c, h = cache
        N, T, D = x.shape
        dx = np.zeros((N, T, D))
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1])
        dh_next, dc_next = np.zeros_like(h0), np.zeros_like(h0)
        for t in reversed(range(T)):
            h_prev, c_prev = (h0, c0) if t == 0 else (h[:, t - 1], c[:, t - 1])
            upstream = dh[:, t] if (not last_only or t == T - 1) else 0.0 * dh[:, t]
            step = lstm_step_backward(
                upstream + (dh_next if carry_h else 0.0),
                dc_next if carry_c else np.zeros_like(h0),
                (x[:, t], h_prev, c_prev, Wx, Wh, gates[:, t], c[:, t]),
            )
            dx[:, t], dh_next, dc_next = step[:3]
            if accumulate:
                dWx, dWh, db = dWx + step[3], dWh + step[4], db + step[5]
            elif t == 0:
                dWx, dWh, db = step[3:]
        if return_dc0 and dc0:
            return dx, dh_next, dWx, dWh, db, dc_next
        return dx, dh_next, dWx, dWh, db

    return backward


BACKWARD_MISTAKES = [
    Mistake(
        "c_not_carried",
        "the cell-state gradient is not carried back: every step gets dc = 0 from the step "
        "after it (the gradient along c, through the forget gates, is lost)",
        backward_variant(carry_c=False),
    ),
    Mistake(
        "h_not_carried",
        "the gradient from step t+1 (dh_prev of the later step) is not added to dh[:, t]",
        backward_variant(carry_h=False),
    ),
    Mistake(
        "not_accumulated",
        "the weight gradients are not accumulated over time (each step overwrites dWx, dWh "
        "and db instead of adding to them)",
        backward_variant(accumulate=False),
    ),
    Mistake(
        "last_only",
        "only the gradient on the last state dh[:, -1] is used",
        backward_variant(last_only=True),
    ),
    Mistake(
        "no_dc0",
        "with return_dc0=True, dc0 (the gradient on the initial cell state) is not returned",
        backward_variant(dc0=False),
    ),
]


def backward_adding_into_dh(dh, cache, return_dc0=False):
    """dh[:, t] += dh_next before each step: right values, but the caller's dh is changed."""
    x, h0, c0, Wx, Wh, gates, c, h = cache
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1])
    dx, dh_next, dc_next = np.zeros(x.shape), np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev = (h0, c0) if t == 0 else (h[:, t - 1], c[:, t - 1])
        dh[:, t] += dh_next
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t], dc_next, (x[:, t], h_prev, c_prev, Wx, Wh, gates[:, t], c[:, t])
        )
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    grads = (dx, dh_next, dWx, dWh, db)
    return grads + (dc_next,) if return_dc0 else grads


BACKWARD_UNSCORED = [
    Mistake(
        "dh_in_place",
        "the gradient from the later step is added into the argument dh in place "
        "(dh[:, t] += ...): the values are right, but the caller's dh is changed",
        backward_adding_into_dh,
    ),
]


# -- cell_path_gradient -----------------------------------------------------------------------


def reverse_cumprod(f):
    return np.flip(np.cumprod(np.flip(f, axis=-2), axis=-2), axis=-2)


CELL_PATH_MISTAKES = [
    Mistake(
        "includes_f_k",
        "the product includes f_k itself, which acted before c_k existed",
        reverse_cumprod,
    ),
    Mistake(
        "forwards",
        "the product runs forwards in time (f_1 f_2 ... f_k) instead of backwards from T",
        lambda f: np.cumprod(f, axis=-2),
    ),
    Mistake(
        "reversed",
        "the result is left in reversed time order (index 0 holds the lag-0 value)",
        lambda f: np.flip(cell_path_gradient(f), axis=-2),
    ),
    Mistake(
        "axis_1",
        "time is taken as axis 1, which is H for one sequence of shape (T, H)",
        lambda f: np.flip(
            np.cumprod(
                np.flip(np.concatenate([f[:, 1:], np.ones_like(f[:, :1])], axis=1), axis=1), axis=1
            ),
            axis=1,
        ),
    ),
]


# -- forget_gate_bias_init --------------------------------------------------------------------


def bias_in_block(block=1, *, everywhere=False, only_f=False, default=1.0):
    def init(H, value=default):
        if only_f:
            return np.full(H, float(value))
        b = np.full(4 * H, float(value)) if everywhere else np.zeros(4 * H)
        if not everywhere:
            b[block * H : (block + 1) * H] = value
        return b

    return init


BIAS_INIT_MISTAKES = [
    Mistake(
        "input_block",
        "the value is put in the first block, the input gate i's",
        bias_in_block(0),
    ),
    Mistake(
        "output_block", "the value is put in the last block, the output gate o", bias_in_block(3)
    ),
    Mistake(
        "everywhere",
        "every entry is set to the value, not only the forget gate's block",
        bias_in_block(1, everywhere=True),
    ),
    Mistake(
        "only_f",
        "b has shape (H,), only the forget block; the whole bias has shape (4H,)",
        bias_in_block(1, only_f=True),
    ),
    Mistake("default_zero", "the default value is 0 instead of 1.0", bias_in_block(1, default=0.0)),
]


MISTAKES = {
    "sigmoid": SIGMOID_MISTAKES,
    "lstm_step_forward": STEP_FORWARD_MISTAKES,
    "lstm_forward": FORWARD_MISTAKES,
    "lstm_step_backward": STEP_BACKWARD_MISTAKES,
    "lstm_backward": BACKWARD_MISTAKES,
    "cell_path_gradient": CELL_PATH_MISTAKES,
    "forget_gate_bias_init": BIAS_INIT_MISTAKES,
}
UNSCORED = {
    "sigmoid": SIGMOID_UNSCORED,
    "lstm_step_backward": STEP_BACKWARD_UNSCORED,
    "lstm_backward": BACKWARD_UNSCORED,
}
# The factory of each exercise's variants: called with no flags, it makes the correct function.
VARIANTS = {
    "lstm_step_forward": step_variant,
    "lstm_forward": forward_variant,
    "lstm_step_backward": step_backward_variant,
    "lstm_backward": backward_variant,
    "forget_gate_bias_init": bias_in_block,
}
