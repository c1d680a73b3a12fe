"""The common mistakes of notebook 06 (the GRU and deep RNNs), exercise by exercise.

Each `Mistake` is the whole function a learner who made it would have written, with the hint
that names it. The hidden checks (grader/checks/gru_and_deep_rnns.py) take `MISTAKES[exercise]`;
the visible checks' data (grader/visible_expectations/gru_and_deep_rnns.py) names mistakes by id;
tests/checks/test_mistakes.py holds every entry to its flags. The package docstring
(grader/mistakes/__init__.py) describes `MISTAKES`, `UNSCORED` and `VARIANTS`.
"""

from __future__ import annotations

import numpy as np

from grader.checks.framework import Mistake
from rnn_numpy.activations import sigmoid
from rnn_numpy.gru import (
    gru_step_backward,
    gru_step_forward,
)
from rnn_numpy.stacked import CELLS

# -- one step, forward: both conventions -------------------------------------------------------


def step_variant(
    *,
    reset="after",
    reset_bias=True,
    swap_z=False,
    swap_rz=False,
    no_bh=False,
    no_bh_n=False,
    hn_bias=True,
    cache_pre_activations=False,
    tanh_from_exp=False,
):
    """gru_step_forward as a learner with one misconception would write it: (h, cache)."""

    def step(x, h_prev, Wx, Wh, bx, bh):
        H = h_prev.shape[1]
        bh = np.zeros_like(bh) if no_bh else bh.copy()
        if no_bh_n:  # the candidate's hidden bias left out (and so out of hn too)
            bh[2 * H :] = 0.0
        ax, ah = x @ Wx + bx, h_prev @ Wh + bh
        a_r, a_z = ax[:, :H] + ah[:, :H], ax[:, H : 2 * H] + ah[:, H : 2 * H]
        if swap_rz:
            a_r, a_z = a_z, a_r
        r, z = sigmoid(a_r), sigmoid(a_z)
        hn = ah[:, 2 * H :] if hn_bias else h_prev @ Wh[:, 2 * H :]
        if reset == "before":
            a_n = ax[:, 2 * H :] + (r * h_prev) @ Wh[:, 2 * H :] + bh[2 * H :]
        elif not reset_bias:
            a_n = ax[:, 2 * H :] + r * (h_prev @ Wh[:, 2 * H :]) + bh[2 * H :]
        else:
            a_n = ax[:, 2 * H :] + r * ah[:, 2 * H :]
        if tanh_from_exp:  # inf / inf = nan once |a_n| > ~710
            with np.errstate(over="ignore", invalid="ignore"):
                n = (np.exp(a_n) - np.exp(-a_n)) / (np.exp(a_n) + np.exp(-a_n))
        else:
            n = np.tanh(a_n)
        h = z * n + (1 - z) * h_prev if swap_z else (1 - z) * n + z * h_prev
        gates = (
            np.concatenate([a_r, a_z, a_n], axis=1)
            if cache_pre_activations
            else np.concatenate([r, z, n], axis=1)
        )
        return h, (x, h_prev, Wx, Wh, gates, hn)

    return step


STEP_MISTAKES = [
    Mistake(
        "cho",
        "the reset gate multiplies h_prev before the product with Wh^n, (r * h_prev) @ Wh^n "
        "(the variant of Cho et al., Exercise 2)",
        step_variant(reset="before"),
    ),
    Mistake(
        "reset_without_bias",
        "the reset gate multiplies h_prev @ Wh^n but not its bias bh^n",
        step_variant(reset_bias=False),
    ),
    Mistake(
        "z_swapped",
        "z and 1 - z are swapped (h = z * n + (1 - z) * h_prev)",
        step_variant(swap_z=True),
    ),
    Mistake(
        "rz_swapped",
        "the r and z blocks are swapped (the gate order of Wx, Wh, bx, bh is r, z, n)",
        step_variant(swap_rz=True),
    ),
    Mistake("no_bh", "the hidden bias bh is left out", step_variant(no_bh=True)),
    Mistake(
        "no_bh_n",
        "the candidate leaves out its hidden bias bh^n (r multiplies h_prev @ Wh^n alone), "
        "while r and z have theirs",
        step_variant(no_bh_n=True),
    ),
    Mistake(
        "no_bias",
        "the cache's hn leaves out the bias bh^n",
        step_variant(hn_bias=False),
    ),
    Mistake(
        "pre_activations",
        "the cache's gates hold the pre-activations (before sigmoid and tanh)",
        step_variant(cache_pre_activations=True),
    ),
    Mistake(
        "tanh_from_exp",
        "the candidate's tanh is written with exp, (e^a - e^-a) / (e^a + e^-a), which "
        "overflows to inf / inf = nan at large inputs",
        step_variant(tanh_from_exp=True),
    ),
]


def cho_variant(*, swap_z=False):
    def step(x, h_prev, Wx, Wh, bx, bh):
        H = h_prev.shape[1]
        rz = sigmoid(x @ Wx[:, : 2 * H] + bx[: 2 * H] + h_prev @ Wh[:, : 2 * H] + bh[: 2 * H])
        r, z = rz[:, :H], rz[:, H:]
        n = np.tanh(x @ Wx[:, 2 * H :] + bx[2 * H :] + (r * h_prev) @ Wh[:, 2 * H :] + bh[2 * H :])
        return z * n + (1 - z) * h_prev if swap_z else (1 - z) * n + z * h_prev

    return step


CHO_MISTAKES = [
    Mistake(
        "reset_after_product",
        "the reset gate is applied after the product, r * (h_prev @ Wh^n + bh^n): that is "
        "gru_step_forward's convention (torch's), not the variant of Cho et al.",
        lambda *args: gru_step_forward(*args)[0],
    ),
    Mistake(
        "z_swapped",
        "z and 1 - z are swapped (h = z * n + (1 - z) * h_prev)",
        cho_variant(swap_z=True),
    ),
]


# -- one step, backward ------------------------------------------------------------------------


def step_backward_variant(
    *,
    direct=True,
    r_on_hidden=True,
    dz_sign=1.0,
    tanh_slope=True,
    sigmoid_slope=True,
    dr_from_h_prev=False,
):
    def backward(dh, cache):
        x, h_prev, Wx, Wh, gates, hn = cache
        H = h_prev.shape[1]
        r, z, n = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H :]
        da_n = dh * (1 - z) * ((1 - n**2) if tanh_slope else 1.0)
        slope_r, slope_z = (r * (1 - r), z * (1 - z)) if sigmoid_slope else (1.0, 1.0)
        da_r = da_n * (h_prev if dr_from_h_prev else hn) * slope_r
        da_z = dz_sign * dh * (h_prev - n) * slope_z
        dax = np.concatenate([da_r, da_z, da_n], axis=1)
        dah = np.concatenate([da_r, da_z, da_n * r if r_on_hidden else da_n], axis=1)
        dh_prev = dah @ Wh.T + (dh * z if direct else 0.0)
        return (dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0))

    return backward


STEP_BACKWARD_MISTAKES = [
    Mistake(
        "no_direct",
        "dh_prev leaves out the direct path from h_prev to h, the term z * h_prev of "
        "h = (1 - z) * n + z * h_prev",
        step_backward_variant(direct=False),
    ),
    Mistake(
        "no_r_hidden",
        "the hidden side of the candidate's gradient (in dWh^n, dbh^n and dh_prev) is not "
        "multiplied by r, which scales h_prev @ Wh^n + bh^n",
        step_backward_variant(r_on_hidden=False),
    ),
    Mistake(
        "dz_sign",
        "dz has the wrong sign (dh * (n - h_prev))",
        step_backward_variant(dz_sign=-1.0),
    ),
    Mistake(
        "no_tanh_slope",
        "the tanh derivative of the candidate n is left out",
        step_backward_variant(tanh_slope=False),
    ),
    Mistake(
        "no_sigmoid_slope",
        "the sigmoid derivatives of r and z are left out",
        step_backward_variant(sigmoid_slope=False),
    ),
    Mistake(
        "dr_from_h_prev",
        "dr uses h_prev instead of hn = h_prev @ Wh^n + bh^n, the term r multiplies",
        step_backward_variant(dr_from_h_prev=True),
    ),
]


# -- a sequence, forward -----------------------------------------------------------------------


def forward_variant(*, carry=True, shift=False, last_gates_only=False):
    def forward(x, h0, Wx, Wh, bx, bh):
        N, T, _ = x.shape
        H = h0.shape[1]
        h, gates, hn = np.zeros((N, T, H)), np.zeros((N, T, 3 * H)), np.zeros((N, T, H))
        h_prev = h0
        for t in range(T):
            h_t, step_cache = gru_step_forward(x[:, t], h_prev if carry else h0, Wx, Wh, bx, bh)
            h[:, t], gates[:, t], hn[:, t] = h_t, step_cache[4], step_cache[5]
            h_prev = h_t
        if shift:
            h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
        if last_gates_only:
            gates, hn = gates[:, -1], hn[:, -1]
        return h, (x, h0, Wx, Wh, gates, hn, h)

    return forward


FORWARD_MISTAKES = [
    Mistake(
        "not_carried",
        "every step starts from h0 (the new state is not carried to the next step)",
        forward_variant(carry=False),
    ),
    Mistake(
        "shifted",
        "the states are shifted by one step (h[:, 0] holds h_0)",
        forward_variant(shift=True),
    ),
    Mistake(
        "last_gates_only",
        "the cache keeps only the last step's gates and hn",
        forward_variant(last_gates_only=True),
    ),
]


# -- a sequence, backward ----------------------------------------------------------------------


def backward_variant(
    *, accumulate=True, carry=True, last_only=False, h_prev_shift=False, h_prev_two_back=False
):
    def backward(dh, cache):
        x, h0, Wx, Wh, gates, hn, h = cache
        N, T, D = x.shape
        dx = np.zeros((N, T, D))
        grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1]), np.zeros(Wh.shape[1])]
        dh_next = np.zeros_like(h0)
        for t in reversed(range(T)):
            if h_prev_shift:  # this step's own state
                h_prev = h[:, t]
            elif h_prev_two_back:  # h[:, t-2] written for step t + 1 (at t = 1: h[:, -1])
                h_prev = h0 if t == 0 else h[:, t - 2]
            else:
                h_prev = h0 if t == 0 else h[:, t - 1]
            upstream = dh[:, t] if (not last_only or t == T - 1) else 0.0
            step_cache = (x[:, t], h_prev, Wx, Wh, gates[:, t], hn[:, t])
            dx[:, t], dh_step, *step_grads = gru_step_backward(
                upstream + (dh_next if carry else 0.0), step_cache
            )
            dh_next = dh_step
            grads = [g + s for g, s in zip(grads, step_grads)] if accumulate else list(step_grads)
        return (dx, dh_next, *grads)

    return backward


BACKWARD_MISTAKES = [
    Mistake(
        "not_accumulated",
        "the weight gradients are not accumulated over time (each step overwrites them "
        "instead of adding to them)",
        backward_variant(accumulate=False),
    ),
    Mistake(
        "not_carried",
        "the dh_prev that the later step returns is not added to the earlier step's gradient",
        backward_variant(carry=False),
    ),
    Mistake(
        "last_only",
        "only the gradient on the last state dh[:, -1] is used",
        backward_variant(last_only=True),
    ),
    Mistake(
        "h_prev_shifted",
        "each step's cache holds the step's own state as h_prev (h[:, t] at loop index t, "
        "the state after step t + 1) instead of the state before it",
        backward_variant(h_prev_shift=True),
    ),
    Mistake(
        "h_prev_two_back",
        "each step's cache holds the state two steps back as h_prev: in a loop whose index t "
        "counts from 0 (step t + 1), h[:, t-2] is h_{t-1}, and at t = 1 h[:, -1] is the last "
        "state h_T",
        backward_variant(h_prev_two_back=True),
    ),
]


# -- stacks of any cell ------------------------------------------------------------------------


def stacked_variant(
    *,
    weights_of_first=False,
    state_of_first=False,
    all_read_x=False,
    every_cell_rnn=False,
    bottom_states=False,
    caches_top_first=False,
):
    def forward(x, initial_states, layer_params, cell="rnn"):
        kind = CELLS["rnn" if every_cell_rnn else cell]
        h, caches, first_h = x, [], None
        for m, (state, params) in enumerate(zip(initial_states, layer_params)):
            h, layer_cache = kind.forward(
                x if all_read_x else h,
                initial_states[0] if state_of_first else state,
                layer_params[0] if weights_of_first else params,
            )
            caches.append(layer_cache)
            first_h = h if m == 0 else first_h
        caches = caches[::-1] if caches_top_first else caches
        return (first_h if bottom_states else h), (cell, tuple(caches))

    return forward


STACKED_MISTAKES = [
    Mistake(
        "weights_of_layer_1",
        "every layer uses the weights of layer 1 (layer_params[0])",
        stacked_variant(weights_of_first=True),
    ),
    Mistake(
        "h0_of_layer_1",
        "every layer starts from the initial state of layer 1 (initial_states[0])",
        stacked_variant(state_of_first=True),
    ),
    Mistake(
        "every_layer_reads_x",
        "every layer reads x instead of the states of the layer below",
        stacked_variant(all_read_x=True),
    ),
    Mistake(
        "cell_ignored",
        "the cell type is ignored (every layer is run as an RNN)",
        stacked_variant(every_cell_rnn=True),
        hinted=False,
    ),
    Mistake(
        "first_layer_returned",
        "the states of layer 1 are returned instead of the top layer's",
        stacked_variant(bottom_states=True),
    ),
    Mistake(
        "caches_top_first",
        "the cache lists the layers' caches top layer first",
        stacked_variant(caches_top_first=True),
    ),
]


def stacked_backward_variant(
    *, top_gradient_everywhere=False, top_first=False, dx_of_top=False, bottom_up=False
):
    def backward(dh_top, cache):
        cell, layer_caches = cache
        order = range(len(layer_caches)) if bottom_up else reversed(range(len(layer_caches)))
        dh, d_states, d_params, dx_top = dh_top, [], [], None
        for m in order:
            dx, d_state, d_param = CELLS[cell].backward(
                dh_top if top_gradient_everywhere else dh, layer_caches[m]
            )
            dh, dx_top = dx, dx if dx_top is None else dx_top
            d_states.append(d_state)
            d_params.append(d_param)
        if not (top_first or bottom_up):
            d_states, d_params = d_states[::-1], d_params[::-1]
        return (dx_top if dx_of_top else dh), d_states, d_params

    return backward


STACKED_BACKWARD_MISTAKES = [
    Mistake(
        "dh_top_everywhere",
        "every layer gets dh_top, not the dx of the layer above it",
        stacked_backward_variant(top_gradient_everywhere=True),
    ),
    Mistake(
        "top_first",
        "the gradient lists are top layer first",
        stacked_backward_variant(top_first=True),
    ),
    Mistake(
        "top_dx",
        "dx is the top layer's dx instead of layer 1's",
        stacked_backward_variant(dx_of_top=True),
    ),
    Mistake(
        "bottom_up",
        "the layers are walked bottom-up",
        stacked_backward_variant(bottom_up=True),
    ),
]


MISTAKES = {
    "gru_step_forward": STEP_MISTAKES,
    "gru_cho_step": CHO_MISTAKES,
    "gru_step_backward": STEP_BACKWARD_MISTAKES,
    "gru_forward": FORWARD_MISTAKES,
    "gru_backward": BACKWARD_MISTAKES,
    "stacked_forward": STACKED_MISTAKES,
    "stacked_backward": STACKED_BACKWARD_MISTAKES,
}
# The factory of each exercise's variants: called with no flags, it makes the correct function.
VARIANTS = {
    "gru_step_forward": step_variant,
    "gru_cho_step": cho_variant,
    "gru_step_backward": step_backward_variant,
    "gru_forward": forward_variant,
    "gru_backward": backward_variant,
    "stacked_forward": stacked_variant,
    "stacked_backward": stacked_backward_variant,
}
