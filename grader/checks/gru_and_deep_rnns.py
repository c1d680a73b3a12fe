"""Hidden checks of notebook 06 (GRU and deep RNNs).

Forward passes are judged whole, caches entry by entry, in the layouts the notebook states:
(x, h_prev, Wx, Wh, gates, hn) for a GRU step, (x, h0, Wx, Wh, gates, hn, h) for a sequence,
and (cell, layer_caches) for a stack. Backward passes get caches built here with the reference,
so they never depend on the learner's forward pass. Functions that call another graded function
of the notebook (gru_forward calls gru_step_forward, gru_backward calls gru_step_backward, a
stack of GRU layers calls gru_forward or gru_backward) are judged with upstream stand-ins: one
mistake in the GRU step costs only that exercise's points.
"""
from __future__ import annotations

import numpy as np

from coursekit.model_size import GATE_BLOCKS
from rnn_numpy.activations import sigmoid
from grader.checks.framework import Case, Mistake, Upstream, function_check
from grader.checks.common import normal as normal_array
from rnn_numpy.gru import (gru_backward, gru_cho_step, gru_forward, gru_step_backward,
                                  gru_step_forward)
from rnn_numpy.stacked import CELLS, stacked_backward, stacked_forward

STEP_CACHE = ("x", "h_prev", "Wx", "Wh", "gates", "hn")
SEQUENCE_CACHE = ("x", "h0", "Wx", "Wh", "gates", "hn", "h")
LAYER_CACHES = {"rnn": ("x", "h0", "Wx", "Wh", "h", "activation"),
                "lstm": ("x", "h0", "c0", "Wx", "Wh", "gates", "c", "h"),
                "gru": SEQUENCE_CACHE}
GRADIENTS = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")
SEQUENCE_GRADIENTS = ("dx", "dh0", "dWx", "dWh", "dbx", "dbh")


def gru_weights(rng, D, H, scale=0.5):
    """Wx (D, 3H), Wh (H, 3H), bx, bh (3H,): nonzero biases, so every bias term matters."""
    return (normal_array(rng, D, 3 * H, scale=scale), normal_array(rng, H, 3 * H, scale=scale),
            normal_array(rng, 3 * H, scale=scale), normal_array(rng, 3 * H, scale=scale))


# -- one step, forward: both conventions -------------------------------------------------------
def step_cases(rng):
    """Inputs (x, h_prev, Wx, Wh, bx, bh) of one step; every result judged whole."""
    cases = []
    for label, N, D, H, x_scale, zero_state in (
            ("N=3, D=4, H=5", 3, 4, 5, 1.0, False), ("N=1, D=2, H=3", 1, 2, 3, 1.0, False),
            ("H=1", 4, 3, 1, 1.0, False),
            ("D=H=4 (Wx and Wh of the same shape)", 2, 4, 4, 1.0, False),
            ("zero previous state (only the biases reach the hidden side)", 2, 3, 4, 1.0, True),
            ("large inputs (|x| ~ 1e3, the gates saturate)", 3, 3, 4, 1e3, False)):
        x = normal_array(rng, N, D, scale=x_scale)
        h_prev = np.zeros((N, H)) if zero_state else np.tanh(normal_array(rng, N, H, scale=2.0))
        cases.append(Case(label, (x, h_prev, *gru_weights(rng, D, H))))
    Wx, Wh, bx, bh = gru_weights(rng, 3, 4)
    cases.append(Case("zero input and zero state (the result is set by the biases alone)",
                      (np.zeros((2, 3)), np.zeros((2, 4)), Wx, Wh, bx, bh)))
    return cases


def step_variant(*, reset="after", reset_bias=True, swap_z=False, swap_rz=False, no_bh=False,
                  hn_bias=True, cache_pre_activations=False):
    """gru_step_forward as a learner with one misconception would write it: (h, cache)."""
    def step(x, h_prev, Wx, Wh, bx, bh):
        H = h_prev.shape[1]
        bh = np.zeros_like(bh) if no_bh else bh
        ax, ah = x @ Wx + bx, h_prev @ Wh + bh
        a_r, a_z = ax[:, :H] + ah[:, :H], ax[:, H:2 * H] + ah[:, H:2 * H]
        if swap_rz:
            a_r, a_z = a_z, a_r
        r, z = sigmoid(a_r), sigmoid(a_z)
        hn = ah[:, 2 * H:] if hn_bias else h_prev @ Wh[:, 2 * H:]
        if reset == "before":
            a_n = ax[:, 2 * H:] + (r * h_prev) @ Wh[:, 2 * H:] + bh[2 * H:]
        elif not reset_bias:
            a_n = ax[:, 2 * H:] + r * (h_prev @ Wh[:, 2 * H:]) + bh[2 * H:]
        else:
            a_n = ax[:, 2 * H:] + r * ah[:, 2 * H:]
        n = np.tanh(a_n)
        h = z * n + (1 - z) * h_prev if swap_z else (1 - z) * n + z * h_prev
        gates = (np.concatenate([a_r, a_z, a_n], axis=1) if cache_pre_activations
                 else np.concatenate([r, z, n], axis=1))
        return h, (x, h_prev, Wx, Wh, gates, hn)
    return step


STEP_MISTAKES = [
    Mistake("the reset gate multiplies h_prev before the product, (r * h_prev) @ Wh^n (the "
            "variant of Cho et al.), instead of the product and its bias, "
            "r * (h_prev @ Wh^n + bh^n)", step_variant(reset="before")),
    Mistake("the reset gate multiplies h_prev @ Wh^n but not its bias bh^n",
            step_variant(reset_bias=False)),
    Mistake("z and 1 - z are swapped (h = z * n + (1 - z) * h_prev)", step_variant(swap_z=True)),
    Mistake("the r and z blocks are swapped (the gate order of Wx, Wh, bx, bh is r, z, n)",
            step_variant(swap_rz=True)),
    Mistake("the hidden bias bh is left out", step_variant(no_bh=True)),
    Mistake("hn in the cache leaves out bh^n (it is h_prev @ Wh^n + bh^n, what r multiplies)",
            step_variant(hn_bias=False)),
    Mistake("the cache holds the gates before their activations (it holds r, z, n)",
            step_variant(cache_pre_activations=True)),
]


def cho_variant(*, swap_z=False):
    def step(x, h_prev, Wx, Wh, bx, bh):
        H = h_prev.shape[1]
        rz = sigmoid(x @ Wx[:, :2 * H] + bx[:2 * H] + h_prev @ Wh[:, :2 * H] + bh[:2 * H])
        r, z = rz[:, :H], rz[:, H:]
        n = np.tanh(x @ Wx[:, 2 * H:] + bx[2 * H:] + (r * h_prev) @ Wh[:, 2 * H:] + bh[2 * H:])
        return z * n + (1 - z) * h_prev if swap_z else (1 - z) * n + z * h_prev
    return step


CHO_MISTAKES = [
    Mistake("the reset gate is applied after the product, r * (h_prev @ Wh^n + bh^n): that is "
            "gru_step_forward's convention (torch's), not the variant of Cho et al.",
            lambda *args: gru_step_forward(*args)[0]),
    Mistake("z and 1 - z are swapped (h = z * n + (1 - z) * h_prev)", cho_variant(swap_z=True)),
]


# -- one step, backward ------------------------------------------------------------------------
def step_backward_cases(rng):
    """(dh, cache) with the cache made by the reference gru_step_forward."""
    cases = []
    for case in step_cases(rng):
        h, cache = gru_step_forward(*case.args)
        cases.append(Case(case.label, (normal_array(rng, *h.shape), cache)))
    return cases


def step_backward_variant(*, direct=True, r_on_hidden=True, dz_sign=1.0, tanh_slope=True,
                           sigmoid_slope=True, dr_from_h_prev=False):
    def backward(dh, cache):
        x, h_prev, Wx, Wh, gates, hn = cache
        H = h_prev.shape[1]
        r, z, n = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:]
        da_n = dh * (1 - z) * ((1 - n ** 2) if tanh_slope else 1.0)
        slope_r, slope_z = (r * (1 - r), z * (1 - z)) if sigmoid_slope else (1.0, 1.0)
        da_r = da_n * (h_prev if dr_from_h_prev else hn) * slope_r
        da_z = dz_sign * dh * (h_prev - n) * slope_z
        dax = np.concatenate([da_r, da_z, da_n], axis=1)
        dah = np.concatenate([da_r, da_z, da_n * r if r_on_hidden else da_n], axis=1)
        dh_prev = dah @ Wh.T + (dh * z if direct else 0.0)
        return (dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0),
                dah.sum(axis=0))
    return backward


STEP_BACKWARD_MISTAKES = [
    Mistake("dh_prev leaves out the direct path: h = (1 - z) * n + z * h_prev depends on h_prev "
            "directly too (add dh * z)", step_backward_variant(direct=False)),
    Mistake("the hidden-side gradient of the n block is not multiplied by r (r scales "
            "h_prev @ Wh^n + bh^n, so dWh^n, dbh^n and dh_prev see da_n * r)",
            step_backward_variant(r_on_hidden=False)),
    Mistake("dz has the wrong sign (h = (1 - z) * n + z * h_prev gives dz = dh * (h_prev - n))",
            step_backward_variant(dz_sign=-1.0)),
    Mistake("the tanh derivative of n is left out (1 - n**2)",
            step_backward_variant(tanh_slope=False)),
    Mistake("the sigmoid derivatives of r and z are left out (r * (1 - r), z * (1 - z))",
            step_backward_variant(sigmoid_slope=False)),
    Mistake("dr uses h_prev instead of hn = h_prev @ Wh^n + bh^n, the term r multiplies",
            step_backward_variant(dr_from_h_prev=True)),
]


# -- a sequence, forward -----------------------------------------------------------------------
def forward_cases(rng):
    cases = []
    for label, N, T, D, H, x_scale, zero_state in (
            ("N=3, T=5, D=4, H=6", 3, 5, 4, 6, 1.0, False), ("N=1, T=1", 1, 1, 3, 4, 1.0, False),
            ("T=1", 3, 1, 2, 5, 1.0, False), ("N=1, H=1", 1, 6, 3, 1, 1.0, False),
            ("D=H=3 (Wx and Wh of the same shape)", 2, 4, 3, 3, 1.0, False),
            ("long sequence T=30", 2, 30, 3, 4, 1.0, False),
            ("zero initial state", 2, 4, 3, 4, 1.0, True),
            ("large inputs (|x| ~ 1e3)", 2, 4, 3, 4, 1e3, False)):
        x = normal_array(rng, N, T, D, scale=x_scale)
        h0 = np.zeros((N, H)) if zero_state else np.tanh(normal_array(rng, N, H, scale=2.0))
        cases.append(Case(label, (x, h0, *gru_weights(rng, D, H))))
    return cases


def forward_calls(up, x, h0, Wx, Wh, bx, bh):
    """The calls a correct gru_forward makes to gru_step_forward: one per step, in order."""
    h = h0
    for t in range(x.shape[1]):
        h, _ = up.gru_step_forward(x[:, t], h, Wx, Wh, bx, bh)


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
    Mistake("every step starts from h0 (the new state is not carried to the next step)",
            forward_variant(carry=False)),
    Mistake("the states are shifted by one step (h[:, 0] holds h_0; h[:, t-1] must hold h_t, "
            "and h_0 is not returned)", forward_variant(shift=True)),
    Mistake("the cache keeps only the last step's gates and hn (keep every step's: the backward "
            "pass needs them)", forward_variant(last_gates_only=True)),
]


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


def backward_variant(*, accumulate=True, carry=True, last_only=False, h_prev_shift=False):
    def backward(dh, cache):
        x, h0, Wx, Wh, gates, hn, h = cache
        N, T, D = x.shape
        dx = np.zeros((N, T, D))
        grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1]),
                 np.zeros(Wh.shape[1])]
        dh_next = np.zeros_like(h0)
        for t in reversed(range(T)):
            h_prev = h[:, t] if h_prev_shift else (h0 if t == 0 else h[:, t - 1])
            upstream = dh[:, t] if (not last_only or t == T - 1) else 0.0
            step_cache = (x[:, t], h_prev, Wx, Wh, gates[:, t], hn[:, t])
            dx[:, t], dh_step, *step_grads = gru_step_backward(
                upstream + (dh_next if carry else 0.0), step_cache)
            dh_next = dh_step
            grads = ([g + s for g, s in zip(grads, step_grads)] if accumulate
                     else list(step_grads))
        return (dx, dh_next, *grads)
    return backward


BACKWARD_MISTAKES = [
    Mistake("the weight gradients are not accumulated over time (each step overwrites them "
            "instead of adding to them)", backward_variant(accumulate=False)),
    Mistake("the gradient from step t+1 (dh_prev of the later step) is not added to dh[:, t-1]",
            backward_variant(carry=False)),
    Mistake("only the gradient on the last state dh[:, -1] is used", backward_variant(last_only=True)),
    Mistake("the step caches are built with h[:, t-1] (h_t) as h_prev; step t's h_prev is h_{t-1}, "
            "h[:, t-2], and h0 for the first step", backward_variant(h_prev_shift=True)),
]


# -- stacks of any cell ------------------------------------------------------------------------
def cell_layers(rng, cell, D, sizes, scale=0.5):
    """One dict of weights per layer for `cell` (see stacked.CELLS), bottom layer first."""
    layers, below = [], D
    for H in sizes:
        G = GATE_BLOCKS[cell] * H
        layer = {"Wx": normal_array(rng, below, G, scale=scale),
                 "Wh": normal_array(rng, H, G, scale=scale)}
        for name in CELLS[cell].params[2:]:
            layer[name] = normal_array(rng, G, scale=scale)
        layers.append(layer)
        below = H
    return layers


STACK_SHAPES = (("RNN, 2 layers, H = 4 then 3", "rnn", 2, 4, 3, (4, 3)),
                ("RNN, 1 layer", "rnn", 2, 3, 3, (5,)),
                ("RNN, 3 layers of size 4, D = 4", "rnn", 3, 5, 4, (4, 4, 4)),
                ("LSTM, 2 layers, H = 3 then 2", "lstm", 2, 4, 3, (3, 2)),
                ("LSTM, N=1, T=1, 2 layers", "lstm", 1, 1, 2, (3, 2)),
                ("GRU, 2 layers, H = 3 then 4", "gru", 2, 4, 2, (3, 4)),
                ("GRU, 3 layers of size 3, D = 3", "gru", 2, 3, 3, (3, 3, 3)))


def stacked_cases(rng):
    cases = []
    for label, cell, N, T, D, sizes in STACK_SHAPES:
        states = [np.tanh(normal_array(rng, N, H, scale=2.0)) for H in sizes]
        cases.append(Case(label, (normal_array(rng, N, T, D), states,
                                  cell_layers(rng, cell, D, sizes)), {"cell": cell}))
    return cases


def _layer_names(case: Case) -> tuple[str, ...]:
    return tuple(f"layer {m}" for m in range(1, len(case.args[2]) + 1))


def stacked_outputs(case: Case, expected=None) -> tuple:
    """h_top and the cache (cell, layer_caches), each layer's cache entry by entry."""
    layout = LAYER_CACHES[case.kwargs["cell"]]
    return ("h_top", ("cache", ("cell", ("layer_caches",
                                         tuple((name, layout) for name in _layer_names(case))))))


def stacked_forward_calls(up, x, initial_states, layer_params, cell="rnn"):
    """A correct stack of GRU layers calls gru_forward once per layer, bottom layer first."""
    if cell != "gru":
        return
    h = x
    for state, params in zip(initial_states, layer_params):
        h, _ = up.gru_forward(h, state, params["Wx"], params["Wh"], params["bx"], params["bh"])


def stacked_variant(*, weights_of_first=False, state_of_first=False, all_read_x=False,
                     every_cell_rnn=False, bottom_states=False, caches_top_first=False):
    def forward(x, initial_states, layer_params, cell="rnn"):
        kind = CELLS["rnn" if every_cell_rnn else cell]
        h, caches, first_h = x, [], None
        for m, (state, params) in enumerate(zip(initial_states, layer_params)):
            h, layer_cache = kind.forward(x if all_read_x else h,
                                          initial_states[0] if state_of_first else state,
                                          layer_params[0] if weights_of_first else params)
            caches.append(layer_cache)
            first_h = h if m == 0 else first_h
        caches = caches[::-1] if caches_top_first else caches
        return (first_h if bottom_states else h), (cell, tuple(caches))
    return forward


STACKED_MISTAKES = [
    Mistake("every layer uses the weights of layer 1 (layer_params[0])",
            stacked_variant(weights_of_first=True)),
    Mistake("every layer starts from the initial state of layer 1 (initial_states[0])",
            stacked_variant(state_of_first=True)),
    Mistake("every layer reads x instead of the states of the layer below",
            stacked_variant(all_read_x=True)),
    Mistake("the cell type is ignored (every layer is run as an RNN)",
            stacked_variant(every_cell_rnn=True)),
    Mistake("the states of layer 1 are returned instead of the top layer's",
            stacked_variant(bottom_states=True)),
    Mistake("the cache lists the layers' caches top layer first (bottom layer first, please)",
            stacked_variant(caches_top_first=True)),
]


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


def stacked_backward_variant(*, top_gradient_everywhere=False, top_first=False,
                              dx_of_top=False, bottom_up=False):
    def backward(dh_top, cache):
        cell, layer_caches = cache
        order = range(len(layer_caches)) if bottom_up else reversed(range(len(layer_caches)))
        dh, d_states, d_params, dx_top = dh_top, [], [], None
        for m in order:
            dx, d_state, d_param = CELLS[cell].backward(
                dh_top if top_gradient_everywhere else dh, layer_caches[m])
            dh, dx_top = dx, dx if dx_top is None else dx_top
            d_states.append(d_state)
            d_params.append(d_param)
        if not (top_first or bottom_up):
            d_states, d_params = d_states[::-1], d_params[::-1]
        return (dx_top if dx_of_top else dh), d_states, d_params
    return backward


STACKED_BACKWARD_MISTAKES = [
    Mistake("every layer gets dh_top (the dx of layer m is the dh of layer m - 1)",
            stacked_backward_variant(top_gradient_everywhere=True)),
    Mistake("the gradient lists are top layer first (entry m - 1 belongs to layer m)",
            stacked_backward_variant(top_first=True)),
    Mistake("dx is the top layer's dx instead of layer 1's",
            stacked_backward_variant(dx_of_top=True)),
    Mistake("the layers are walked bottom-up (backward goes from the top layer down)",
            stacked_backward_variant(bottom_up=True)),
]


CHECKS = [
    function_check("gru_step_forward", reference=gru_step_forward, cases=step_cases,
                   outputs=("h", ("cache", STEP_CACHE)),
                   mistakes=STEP_MISTAKES),
    function_check("gru_cho_step", reference=gru_cho_step, cases=step_cases, outputs=("h",),
                   mistakes=CHO_MISTAKES),
    function_check("gru_step_backward", reference=gru_step_backward, cases=step_backward_cases,
                   outputs=GRADIENTS,
                   mistakes=STEP_BACKWARD_MISTAKES),
    function_check("gru_forward", reference=gru_forward, cases=forward_cases,
                   outputs=("h", ("cache", SEQUENCE_CACHE)),
                   mistakes=FORWARD_MISTAKES,
                   upstream=Upstream({"gru_step_forward": gru_step_forward}, forward_calls)),
    function_check("gru_backward", reference=gru_backward, cases=backward_cases,
                   outputs=SEQUENCE_GRADIENTS,
                   mistakes=BACKWARD_MISTAKES,
                   upstream=Upstream({"gru_step_backward": gru_step_backward}, backward_calls)),
    function_check("stacked_forward", reference=stacked_forward, cases=stacked_cases,
                   outputs=stacked_outputs,
                   mistakes=STACKED_MISTAKES,
                   upstream=Upstream({"gru_forward": gru_forward}, stacked_forward_calls)),
    function_check("stacked_backward", reference=stacked_backward, cases=stacked_backward_cases,
                   outputs=stacked_backward_outputs,
                   mistakes=STACKED_BACKWARD_MISTAKES,
                   upstream=Upstream({"gru_backward": gru_backward}, stacked_backward_calls)),
]
