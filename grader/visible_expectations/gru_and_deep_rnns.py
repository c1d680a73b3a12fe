"""Expected values of notebook 06's visible checks (coursekit/visible/gru_and_deep_rnns.py).

The reference's results on the checks' constant inputs, and the results of the mistakes the
checks name (taken by id from the catalogue, grader/mistakes/gru_and_deep_rnns.py, that the
hidden checks' hints read too, so a visible hint and a hidden-check hint agree).
"""

from __future__ import annotations

import numpy as np

from coursekit.visible import gru_and_deep_rnns as inputs
from grader.mistakes import find, outputs
from grader.mistakes.gru_and_deep_rnns import MISTAKES
from rnn_numpy.gru import (
    gru_backward,
    gru_cho_step,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
)
from rnn_numpy.stacked import stacked_backward, stacked_forward

STEP_GRADIENTS = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")
SEQUENCE_GRADIENTS = ("dx", "dh0", "dWx", "dWh", "dbx", "dbh")


def _step_forward(values: dict) -> None:
    step = (inputs.X, inputs.H_PREV, inputs.WX, inputs.WH, inputs.BX, inputs.BH)
    h, (_, _, _, _, gates, hn) = gru_step_forward(*step)
    values.update(step_h=h, step_gates=gates, step_hn=hn)
    mistakes = MISTAKES["gru_step_forward"]
    named = outputs(mistakes, ("cho", "reset_without_bias", "z_swapped", "rz_swapped", "no_bh"))
    for name, wrong in named.items():
        values[f"step_h_if_{name}"] = wrong(*step)[0]
    values["step_hn_if_no_bias"] = find(mistakes, "no_bias").output(*step)[1][5]
    values["step_gates_if_pre_activations"] = find(mistakes, "pre_activations").output(*step)[1][4]
    zero = (np.zeros_like(inputs.X), np.zeros_like(inputs.H_PREV), *step[2:])
    values["zero_step_h"] = gru_step_forward(*zero)[0]
    for name, wrong in named.items():
        values[f"zero_step_h_if_{name}"] = wrong(*zero)[0]
    values["cho_h"] = gru_cho_step(*step)
    values["cho_h_if_z_swapped"] = find(MISTAKES["gru_cho_step"], "z_swapped").output(*step)


def _step_backward(values: dict) -> None:
    cache = (inputs.X, inputs.H_PREV, inputs.WX, inputs.WH, values["step_gates"], values["step_hn"])
    for name, grad in zip(STEP_GRADIENTS, gru_step_backward(inputs.DH, cache)):
        values[f"step_backward_{name}"] = grad
    named = outputs(
        MISTAKES["gru_step_backward"],
        (
            "no_direct",
            "no_r_hidden",
            "dz_sign",
            "no_tanh_slope",
            "no_sigmoid_slope",
            "dr_from_h_prev",
        ),
    )
    for mistake, wrong in named.items():
        for name, grad in zip(STEP_GRADIENTS, wrong(inputs.DH, cache)):
            values[f"step_backward_if_{mistake}_{name}"] = grad


def _sequence(values: dict) -> None:
    arguments = (inputs.X_SEQUENCE, inputs.H0, inputs.WX, inputs.WH, inputs.BX, inputs.BH)
    h, cache = gru_forward(*arguments)
    values.update(sequence_h=h, sequence_gates=cache[4], sequence_hn=cache[5])
    for name, wrong in outputs(MISTAKES["gru_forward"], ("not_carried", "shifted")).items():
        values[f"sequence_h_if_{name}"] = wrong(*arguments)[0]
    named = outputs(
        MISTAKES["gru_backward"], ("not_accumulated", "not_carried", "last_only", "h_prev_shifted")
    )
    for key, upstream in (("last", inputs.DH_LAST), ("every", inputs.DH_SEQUENCE)):
        for name, grad in zip(SEQUENCE_GRADIENTS, gru_backward(upstream, cache)):
            values[f"sequence_backward_{key}_{name}"] = grad
        for mistake, wrong in named.items():
            for name, grad in zip(SEQUENCE_GRADIENTS, wrong(upstream, cache)):
                values[f"sequence_backward_{key}_if_{mistake}_{name}"] = grad


def _stacks(values: dict) -> None:
    for cell in inputs.CELL_TYPES:
        h_top, cache = stacked_forward(
            inputs.STACK_X, inputs.STACK_STATES, inputs.STACK_PARAMS[cell], cell=cell
        )
        values[f"stack_{cell}_h_top"] = h_top
        for m, layer_cache in enumerate(cache[1], start=1):
            for name, entry in zip(inputs.LAYER_CACHES[cell], layer_cache):
                if name in ("h", "gates", "hn", "c", "c0"):
                    values[f"stack_{cell}_layer{m}_{name}"] = entry
        dx, d_states, d_params = stacked_backward(inputs.DH_TOP, cache)
        values[f"stack_{cell}_dx"] = dx
        for m, (d_state, grads) in enumerate(zip(d_states, d_params), start=1):
            values[f"stack_{cell}_layer{m}_dh0"] = d_state
            for name, grad in grads.items():
                values[f"stack_{cell}_layer{m}_d{name}"] = grad


def expectations() -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {}
    _step_forward(values)
    _step_backward(values)
    _sequence(values)
    _stacks(values)
    return values
