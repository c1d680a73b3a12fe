"""The common mistakes of notebook 03 (backpropagation through time), exercise by exercise.

Each `Mistake` is the whole function a learner who made it would have written, with the hint
that names it. The hidden checks (grader/checks/bptt.py) take `MISTAKES[exercise]`;
the visible checks' data (grader/visible_expectations/bptt.py) names mistakes by id;
tests/checks/test_mistakes.py holds every entry to its flags. The package docstring
(grader/mistakes/__init__.py) describes `MISTAKES`, `UNSCORED` and `VARIANTS`.
"""

from __future__ import annotations

import numpy as np

from grader.checks.common import (
    quiet_mistake,
)
from rnn_numpy.gradcheck import numerical_gradient
from rnn_numpy.losses import temporal_softmax_loss
from rnn_numpy.rnn import (
    rnn_backward,
)
from rnn_numpy.truncated_bptt import (
    PARAM_NAMES,
    char_rnn_loss,
    chunk_bounds,
)


def pre_activation(x, h_prev, Wx, Wh, b=0.0):
    return x @ Wx + h_prev @ Wh + b


# -- rnn_step_backward ------------------------------------------------------------------------


def step_backward_with(
    derivative=None,
    dWh_from_h=False,
    no_batch_sum=False,
    dh_prev_with=lambda Wh: Wh.T,
    in_place=False,
):
    def backward(dh, cache):
        x, h_prev, Wx, Wh, h, _ = cache
        local = (1 - h * h) if derivative is None else derivative(x, h_prev, Wx, Wh, h)
        if in_place:
            dh *= local  # changes the caller's dh
            da = dh
        else:
            da = dh * local
        dWh = (h if dWh_from_h else h_prev).T @ da
        db = da if no_batch_sum else da.sum(axis=0)
        return da @ Wx.T, da @ dh_prev_with(Wh), x.T @ da, dWh, db

    return backward


STEP_BACKWARD_MISTAKES = [
    quiet_mistake(
        "slope_of_a",
        "the tanh derivative is taken of the pre-activation a (1 - a**2)",
        step_backward_with(lambda x, hp, Wx, Wh, h: 1 - pre_activation(x, hp, Wx, Wh) ** 2),
    ),
    quiet_mistake(
        "tanh_again",
        "tanh is applied to h again (1 - tanh(h)**2), though h is already tanh(a)",
        step_backward_with(lambda x, hp, Wx, Wh, h: 1 - np.tanh(h) ** 2),
    ),
    quiet_mistake(
        "no_slope",
        "the tanh derivative is left out (the gradient on h is used as the gradient on a)",
        step_backward_with(lambda x, hp, Wx, Wh, h: np.ones_like(h)),
    ),
    quiet_mistake(
        "dWh_from_h",
        "dWh uses the new state h instead of h_prev",
        step_backward_with(dWh_from_h=True),
    ),
    quiet_mistake(
        "Wh_not_transposed",
        "Wh is not transposed in dh_prev (da @ Wh)",
        step_backward_with(dh_prev_with=lambda Wh: Wh),
    ),
    quiet_mistake(
        "db_not_summed",
        "db is not summed over the batch (it has shape (N, H) instead of (H,))",
        step_backward_with(no_batch_sum=True),
    ),
]


# -- rnn_backward -----------------------------------------------------------------------------


def bptt_variant(
    *,
    accumulate=True,
    carry=True,
    last_only=False,
    derivative=None,
    first_state=None,
    drop_dh0=False,
    in_place=False,
):
    def backward(dh, cache):
        x, h0, Wx, Wh, h, _ = cache
        N, T, D = x.shape
        H = h0.shape[1]
        dx = np.zeros((N, T, D))
        dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
        dh_next = np.zeros((N, H))
        for t in reversed(range(T)):
            upstream = dh[:, t] if (not last_only or t == T - 1) else 0.0
            if t == 0:
                h_prev = h0 if first_state is None else first_state(h0, h)
            else:
                h_prev = h[:, t - 1]
            local = 1 - h[:, t] ** 2 if derivative is None else derivative(x[:, t], h_prev, Wx, Wh)
            if in_place:
                dh[:, t] += dh_next  # changes the caller's dh
                da = dh[:, t] * local
            else:
                da = (upstream + (dh_next if carry else 0.0)) * local
            dx[:, t] = da @ Wx.T
            if accumulate:
                dWx, dWh, db = dWx + x[:, t].T @ da, dWh + h_prev.T @ da, db + da.sum(axis=0)
            elif t == 0:
                dWx, dWh, db = x[:, t].T @ da, h_prev.T @ da, da.sum(axis=0)
            dh_next = da @ Wh.T
        return dx, (np.zeros_like(dh_next) if drop_dh0 else dh_next), dWx, dWh, db

    return backward


BACKWARD_MISTAKES = [
    quiet_mistake(
        "not_accumulated",
        "the weight gradients are not accumulated over time (each step overwrites dWx, dWh "
        "and db instead of adding to them)",
        bptt_variant(accumulate=False),
    ),
    quiet_mistake(
        "not_carried",
        "the gradient from step t+1 (dh_prev of the later step) is not added to the "
        "gradient of h_t",
        bptt_variant(carry=False),
    ),
    quiet_mistake(
        "last_only", "only the gradient on the last state h_T is used", bptt_variant(last_only=True)
    ),
    quiet_mistake(
        "slope_of_a",
        "the tanh derivative is taken of the pre-activation a (1 - a**2)",
        bptt_variant(derivative=lambda x, hp, Wx, Wh: 1 - pre_activation(x, hp, Wx, Wh) ** 2),
    ),
    quiet_mistake(
        "h_last_as_h0",
        "at step 1 the previous state is taken as h[:, -1] (the last state) instead of h0",
        bptt_variant(first_state=lambda h0, h: h[:, -1]),
    ),
    quiet_mistake(
        "zeros_as_h0",
        "at step 1 the previous state is taken as zeros instead of h0",
        bptt_variant(first_state=lambda h0, h: np.zeros_like(h0)),
    ),
    quiet_mistake(
        "dh0_zero",
        "dh0 is returned as zeros instead of what comes back from step 1",
        bptt_variant(drop_dh0=True),
    ),
]


# -- state_jacobian_product -------------------------------------------------------------------


def jacobian_variant(
    *, reverse=False, no_transpose=False, state_offset=0, extra=False, start_lag=0
):
    """dh_t/dh_k built with one mistake; J_s = diag(1 - h_s**2) Wh^T with h_s = h[s-1]."""

    def product(h, Wh, t, k):
        H = h.shape[1]
        result = np.eye(H)
        first = k + (0 if extra else 1) + start_lag
        for s in range(first, t + 1):
            index = s - 1 + state_offset
            if not 0 <= index < h.shape[0]:
                raise IndexError("no such state")
            J = (1 - h[index] ** 2)[:, None] * (Wh if no_transpose else Wh.T)
            result = result @ J if reverse else J @ result
        return result

    return product


JACOBIAN_MISTAKES = [
    quiet_mistake(
        "wrong_order",
        "the factors are multiplied in the wrong order (J_{k+1} ... J_t)",
        jacobian_variant(reverse=True),
    ),
    quiet_mistake(
        "Wh_not_transposed",
        "Wh is not transposed (diag(1 - h_s**2) Wh)",
        jacobian_variant(no_transpose=True),
    ),
    quiet_mistake(
        "state_after_step",
        "J_s reads h[s], the state after step s+1 (steps count from 1, arrays from 0)",
        jacobian_variant(state_offset=1),
    ),
    quiet_mistake(
        "previous_state",
        "J_s reads the previous state h_{s-1} instead of h_s",
        jacobian_variant(state_offset=-1),
    ),
    quiet_mistake(
        "one_too_many",
        "one factor too many: the product includes J_k",
        jacobian_variant(extra=True),
    ),
    quiet_mistake(
        "one_too_few",
        "one factor too few: the product leaves out J_{k+1}",
        jacobian_variant(start_lag=1),
    ),
]


# -- stacked_rnn_backward ---------------------------------------------------------------------


def layer_cache(m, cache, input_of=None):
    x, h0s, layer_params, hs = cache
    below = (x if m == 0 else hs[m - 1]) if input_of is None else input_of(m, x, hs)
    p = layer_params[m]
    return (below, h0s[m], p["Wx"], p["Wh"], hs[m], "tanh")


def stacked_backward_variant(
    *, order=reversed, pass_down=0, input_of=None, top_first=False, every_layer_top=False
):
    def backward(dh_top, cache):
        M = len(cache[3])
        dh, dh0s, dparams = dh_top, [None] * M, [None] * M
        for m in order(range(M)):
            grads = rnn_backward(dh_top if every_layer_top else dh, layer_cache(m, cache, input_of))
            dh0s[m] = grads[1]
            dparams[m] = {"Wx": grads[2], "Wh": grads[3], "b": grads[4]}
            dh = grads[pass_down]
        if top_first:
            dh0s, dparams = dh0s[::-1], dparams[::-1]
        return dh, dh0s, dparams

    return backward


STACKED_BACKWARD_MISTAKES = [
    quiet_mistake(
        "bottom_first",
        "the layers are walked bottom first (layer 1 gets the top layer's gradient)",
        stacked_backward_variant(order=lambda r: r),
    ),
    quiet_mistake(
        "dh0_passed_down",
        "the gradient passed down to the layer below is dh0 instead of dx",
        stacked_backward_variant(pass_down=1),
    ),
    quiet_mistake(
        "x_as_input",
        "every layer's cache is rebuilt with x as its input instead of the states of the "
        "layer below",
        stacked_backward_variant(input_of=lambda m, x, hs: x),
    ),
    quiet_mistake(
        "top_first",
        "dh0s and dlayer_params are listed top layer first instead of bottom first",
        stacked_backward_variant(top_first=True),
    ),
    quiet_mistake(
        "dh_top_everywhere",
        "every layer gets dh_top instead of the gradient from the layer above",
        stacked_backward_variant(every_layer_top=True),
    ),
]


# -- rnn_output_backward ----------------------------------------------------------------------


def output_backward(dh_of=lambda d, Wy: d @ Wy.T, dby_axes=None, last_step_only=False):
    def backward(dlogits, cache):
        h, Wy = cache
        H, V = Wy.shape
        rows_h, rows_d = h.reshape(-1, H), dlogits.reshape(-1, V)
        if last_step_only and h.ndim == 3:
            rows_h, rows_d = h[:, -1], dlogits[:, -1]
        dby = dlogits.sum(axis=dby_axes) if dby_axes is not None else rows_d.sum(axis=0)
        return dh_of(dlogits, Wy), rows_h.T @ rows_d, dby

    return backward


OUTPUT_BACKWARD_MISTAKES = [
    quiet_mistake(
        "dby_not_summed_over_time",
        "dby is not summed over the time steps (only over the batch)",
        output_backward(dby_axes=0),
    ),
    quiet_mistake(
        "dWy_last_step",
        "dWy is taken from the last step only, not summed over all steps",
        output_backward(last_step_only=True),
    ),
    quiet_mistake(
        "Wy_not_transposed",
        "Wy is not transposed in dh (dlogits @ Wy)",
        output_backward(dh_of=lambda d, Wy: d @ Wy),
    ),
]


# -- temporal_softmax_loss --------------------------------------------------------------------


def loss_variant(
    *,
    mean_over_mask=False,
    ignore_mask=False,
    no_n=False,
    mean_over_steps=False,
    naive=False,
    in_place=False,
):
    def loss(logits, targets, mask):
        N, T, V = logits.shape
        m = np.ones_like(mask, dtype=bool) if ignore_mask else mask.astype(bool)
        if naive:
            probs = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
            picked = np.take_along_axis(probs, targets[..., None], axis=2)[..., 0]
            value = float(-(np.log(picked) * m).sum() / N)
            return value, (probs - np.eye(V)[targets]) * m[..., None] / N
        if in_place:
            logits -= logits.max(axis=2, keepdims=True)  # changes the caller's logits
        result, d = temporal_softmax_loss(logits, targets, m)
        if mean_over_mask:
            count = max(int(m.sum()), 1)
            return result * N / count, d * N / count
        if mean_over_steps:
            return result / T, d / T
        if no_n:
            return result, d * N
        return result, d

    return loss


LOSS_MISTAKES = [
    quiet_mistake(
        "mask_ignored",
        "the mask is ignored (padding steps add to the loss)",
        loss_variant(ignore_mask=True),
    ),
    quiet_mistake(
        "over_unmasked_steps",
        "the loss is divided by the number of unmasked steps instead of by N",
        loss_variant(mean_over_mask=True),
    ),
    quiet_mistake(
        "over_N_T",
        "the loss is averaged over the T steps too (divided by N*T instead of N)",
        loss_variant(mean_over_steps=True),
    ),
    quiet_mistake("dlogits_not_over_N", "dlogits is not divided by N", loss_variant(no_n=True)),
    quiet_mistake(
        "log_of_softmax",
        "log was taken of softmax probabilities, which underflow to 0 at |logits| ~ 1e4 "
        "(log 0 is -inf)",
        loss_variant(naive=True),
    ),
]


# -- numerical_gradient and relative_error ----------------------------------------------------


def forward_difference(f, x, eps=1e-5):
    grad, base = np.zeros_like(x), f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


def on_copies(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def not_restored(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        grad[i] = (plus - f(x)) / (2 * eps)
    return grad


NUMERICAL_GRADIENT_MISTAKES = [
    quiet_mistake(
        "one_sided",
        "the difference is one-sided, (f(x + eps) - f(x)) / eps, not centred",
        forward_difference,
    ),
    quiet_mistake(
        "over_eps",
        "the centred difference is divided by eps, though its two points are 2 eps apart",
        lambda f, x, eps=1e-5: 2 * numerical_gradient(f, x, eps),
    ),
    quiet_mistake(
        "on_copies",
        "f is called on new arrays x + eps e_i and x - eps e_i instead of x changed in "
        "place, so a function that reads x through a closure never sees the change",
        on_copies,
    ),
]


RELATIVE_ERROR_MISTAKES = [
    quiet_mistake(
        "mean",
        "the mean is taken instead of the maximum",
        lambda a, b: float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))),
    ),
    quiet_mistake(
        "sum_in_denominator",
        "the denominator is |a + b|",
        lambda a, b: float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b)))),
    ),
    quiet_mistake(
        "no_floor",
        "the denominator has no floor of 1e-8, so two zeros give 0/0 = NaN",
        lambda a, b: float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b)))),
    ),
]


# -- truncated_bptt ---------------------------------------------------------------------------


def truncated_variant(
    *,
    reset_state=False,
    target_shift=1,
    last_only=False,
    keep_h0=False,
    drop_last_chunk=False,
    per_step=False,
):
    def run(stream, h0, params, chunk_length):
        h, losses = h0, []
        total = {name: np.zeros_like(params[name]) for name in PARAM_NAMES}
        bounds = chunk_bounds(stream.shape[1], chunk_length)
        if drop_last_chunk and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < chunk_length:
            bounds = bounds[:-1]
        for start, stop in bounds:
            inputs = stream[:, start:stop]
            targets = stream[:, start + target_shift : stop + target_shift]
            loss, grads, h_last = char_rnn_loss(inputs, targets, h0 if reset_state else h, params)
            losses.append(loss / (stop - start) if per_step else loss)
            total = grads if last_only else {n: total[n] + grads[n] for n in PARAM_NAMES}
            h = h_last
        return np.array(losses), total, (h0 if keep_h0 else h)

    return run


TRUNCATED_MISTAKES = [
    quiet_mistake(
        "state_reset",
        "the hidden state is not carried across chunks (every chunk starts from h0)",
        truncated_variant(reset_state=True),
    ),
    quiet_mistake(
        "targets_off_by_one",
        "the targets are off by one (each step is asked to predict its own input instead "
        "of the next character)",
        truncated_variant(target_shift=0),
    ),
    quiet_mistake(
        "last_chunk_gradients",
        "the gradients of the chunks are not summed (only the last chunk's are returned)",
        truncated_variant(last_only=True),
    ),
    quiet_mistake(
        "h0_returned",
        "h0 is returned instead of the state after the last chunk",
        truncated_variant(keep_h0=True),
    ),
    quiet_mistake(
        "short_chunk_dropped",
        "a last chunk shorter than K is dropped",
        truncated_variant(drop_last_chunk=True),
    ),
    quiet_mistake(
        "loss_per_step",
        "each chunk's loss is divided by its number of steps (the loss is summed over "
        "time, averaged over the batch only)",
        truncated_variant(per_step=True),
    ),
]


# -- optimisers -------------------------------------------------------------------------------


def sgd_in_place(param, grad, learning_rate):
    param -= learning_rate * grad  # changes the caller's param
    return param


SGD_MISTAKES = [
    quiet_mistake(
        "uphill", "the step goes up the gradient (+ instead of -)", lambda p, g, lr: p + lr * g
    ),
    quiet_mistake(
        "clipped",
        "the gradient is clipped inside sgd_step (sgd_step takes the gradient as given)",
        lambda p, g, lr: p - lr * np.clip(g, -5.0, 5.0),
    ),
]


def adagrad_in_place(param, grad, cache, learning_rate, eps=1e-8):
    cache += grad * grad  # changes the caller's cache
    return param - learning_rate * grad / np.sqrt(cache + eps), cache


ADAGRAD_MISTAKES = [
    quiet_mistake(
        "old_cache",
        "the step uses the old cache, before this step's grad**2 is added to it",
        lambda p, g, c, lr, eps=1e-8: (p - lr * g / np.sqrt(c + eps), c + g * g),
    ),
    quiet_mistake(
        "eps_outside",
        "eps is added outside the square root (sqrt(cache) + eps), where this notebook puts "
        "it inside",
        lambda p, g, c, lr, eps=1e-8: (p - lr * g / (np.sqrt(c + g * g) + eps), c + g * g),
    ),
    quiet_mistake(
        "cache_replaced",
        "the cache is replaced by grad**2 instead of accumulating",
        lambda p, g, c, lr, eps=1e-8: (p - lr * g / np.sqrt(g * g + eps), g * g),
    ),
]


# Mistakes whose returned values are right: an argument changed in place. What a function
# does to its inputs is only the kernel's account of itself (learner code can copy the
# inputs first, or replace the helper that compares them), so it carries no points
# (issue 15): the visible check names these, the hidden check keeps them to show that they
# keep full marks (tests/checks/test_every_check.py).
UNSCORED = {
    "rnn_step_backward": [
        quiet_mistake(
            "in_place",
            "dh is multiplied by the tanh derivative in place (dh *= ...), which changes the "
            "caller's array",
            step_backward_with(in_place=True),
        )
    ],
    "rnn_backward": [
        quiet_mistake(
            "in_place",
            "the gradient from the later step is added into the argument dh in place "
            "(dh[:, t] += ...), which changes the caller's array",
            bptt_variant(in_place=True),
        )
    ],
    "temporal_softmax_loss": [
        quiet_mistake(
            "in_place",
            "the maximum was subtracted from the logits in place (logits -= ...), which "
            "changes the caller's array",
            loss_variant(in_place=True),
        )
    ],
    "numerical_gradient": [
        quiet_mistake(
            "not_restored",
            "x is not restored after each entry, so it is changed when the function returns",
            not_restored,
        )
    ],
    "sgd_step": [
        quiet_mistake(
            "in_place",
            "param is updated in place (param -= ...), which changes the caller's array",
            sgd_in_place,
        )
    ],
    "adagrad_step": [
        quiet_mistake(
            "in_place",
            "the cache is updated in place (cache += ...), which changes the caller's array",
            adagrad_in_place,
        )
    ],
}


MISTAKES = {
    "rnn_step_backward": STEP_BACKWARD_MISTAKES,
    "rnn_backward": BACKWARD_MISTAKES,
    "state_jacobian_product": JACOBIAN_MISTAKES,
    "stacked_rnn_backward": STACKED_BACKWARD_MISTAKES,
    "rnn_output_backward": OUTPUT_BACKWARD_MISTAKES,
    "temporal_softmax_loss": LOSS_MISTAKES,
    "numerical_gradient": NUMERICAL_GRADIENT_MISTAKES,
    "relative_error": RELATIVE_ERROR_MISTAKES,
    "truncated_bptt": TRUNCATED_MISTAKES,
    "sgd_step": SGD_MISTAKES,
    "adagrad_step": ADAGRAD_MISTAKES,
}
# The factory of each exercise's variants: called with no flags, it makes the correct function.
VARIANTS = {
    "rnn_step_backward": step_backward_with,
    "rnn_backward": bptt_variant,
    "state_jacobian_product": jacobian_variant,
    "stacked_rnn_backward": stacked_backward_variant,
    "rnn_output_backward": output_backward,
    "temporal_softmax_loss": loss_variant,
    "truncated_bptt": truncated_variant,
}
