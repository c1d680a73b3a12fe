"""Expected values of notebook 05's visible checks (coursekit/visible/lstm.py).

The reference's results on the visible checks' inputs, and what the common mistakes listed in
grader/checks/lstm.py give on them (so a visible check can name the mistake a
learner's result matches). Keys: "<exercise>/<case>/<output>" and
"<exercise>/<case>/<mistake>/<output>".
"""
from __future__ import annotations

import numpy as np

from coursekit.visible import lstm as visible
from rnn_numpy.activations import sigmoid
from grader.checks import lstm as checks
from rnn_numpy.lstm import (cell_path_gradient, forget_gate_bias_init, lstm_backward,
                                   lstm_forward, lstm_step_backward, lstm_step_forward)

STEP_FORWARD_MISTAKES = {
    "gate_order": checks._step_variant(order="ifog"),
    "sigmoid_candidate": checks._step_variant(candidate=sigmoid),
    "forget_on_candidate": checks._step_variant(forget_on="g"),
    "no_tanh_of_c": checks._step_variant(squash_c=False),
    "old_c_in_h": checks._step_variant(new_c_in_h=False),
    "no_bias": checks._step_variant(bias=False),
    "pre_activation_cache": checks._step_variant(cache_pre_activation=True),
}
FORWARD_MISTAKES = {
    "c_not_carried": checks._forward_variant(carry_c=False),
    "h_not_carried": checks._forward_variant(carry_h=False),
}
STEP_BACKWARD_MISTAKES = {
    "no_dc_from_h": checks._step_backward_variant(add_dc_from_h=False),
    "slope_of_c": checks._step_backward_variant(tanh_slope_of_c=True),
    "not_through_f": checks._step_backward_variant(through_f=False),
    "f_uses_c": checks._step_backward_variant(f_slope_uses_c=True),
    "g_sigmoid_slope": checks._step_backward_variant(g_slope="sigmoid"),
    "o_uses_c": checks._step_backward_variant(o_uses_c=True),
    "gate_order": checks._step_backward_variant(order="ifog"),
}
BACKWARD_MISTAKES = {
    "c_not_carried": checks._backward_variant(carry_c=False),
    "h_not_carried": checks._backward_variant(carry_h=False),
    "not_accumulated": checks._backward_variant(accumulate=False),
}
CELL_PATH_MISTAKES = {
    "includes_f_k": checks._reverse_cumprod,
    "forwards": lambda f: np.cumprod(f, axis=-2),
    "reversed": lambda f: np.flip(cell_path_gradient(f), axis=-2),
}
BIAS_MISTAKES = {
    "input_block": checks._bias_in_block(0),
    "output_block": checks._bias_in_block(3),
    "everywhere": checks._bias_in_block(1, everywhere=True),
}


def _step_forward_outputs(step, arguments):
    h, c, cache = step(*arguments)
    return {"gates": cache[5], "c": c, "h": h}


def _forward_outputs(forward, x, c0):
    h, cache = forward(x, visible.H_PREV, visible.WX, visible.WH, visible.B, c0=c0)
    return {"h": h, "gates": cache[5], "c": cache[6], "c0": cache[2]}


def _sequence_cache():
    _, cache = lstm_forward(visible.X_SEQUENCE, visible.H_PREV, visible.WX, visible.WH, visible.B,
                            c0=visible.C_PREV)
    return cache


def _add(values, key, outputs):
    values.update({f"{key}/{name}": np.asarray(value) for name, value in outputs.items()})


def expectations() -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {"sigmoid/range": sigmoid(visible.SIGMOID_X),
                                     "sigmoid/grid": sigmoid(visible.SIGMOID_GRID)}
    for case, arguments in visible.STEP_INPUTS.items():
        key = f"step_forward/{case}"
        _add(values, key, _step_forward_outputs(lstm_step_forward, arguments))
        for name, mistake in STEP_FORWARD_MISTAKES.items():
            _add(values, f"{key}/{name}", _step_forward_outputs(mistake, arguments))

    for case, T, c0 in (("T = 1, c0 given", 1, visible.C_PREV), ("T = 4, c0 omitted", visible.T, None),
                        ("T = 4, c0 given", visible.T, visible.C_PREV)):
        x = visible.X_SEQUENCE[:, :T]
        _add(values, f"forward/{case}", _forward_outputs(lstm_forward, x, c0))
        for name, mistake in FORWARD_MISTAKES.items():
            _add(values, f"forward/{case}/{name}", _forward_outputs(mistake, x, c0))

    step_cache = (visible.X, visible.H_PREV, visible.C_PREV, visible.WX, visible.WH,
                  values["step_forward/general/gates"], values["step_forward/general/c"])
    for case, (dh, dc) in visible.STEP_UPSTREAM.items():
        key = f"step_backward/{case}"
        _add(values, key, dict(zip(visible.STEP_GRADS, lstm_step_backward(dh, dc, step_cache))))
        for name, mistake in STEP_BACKWARD_MISTAKES.items():
            _add(values, f"{key}/{name}", dict(zip(visible.STEP_GRADS, mistake(dh, dc, step_cache))))

    cache = _sequence_cache()
    for case, dh in (("loss on the last step only", visible.DH_LAST),
                     ("a gradient on every state", visible.DH_SEQUENCE)):
        key = f"backward/{case}"
        _add(values, key, dict(zip(visible.SEQUENCE_GRADS, lstm_backward(dh, cache, return_dc0=True))))
        for name, mistake in BACKWARD_MISTAKES.items():
            _add(values, f"{key}/{name}",
                 dict(zip(visible.SEQUENCE_GRADS, mistake(dh, cache, return_dc0=True))))

    for case, forget in (("every forget gate 0.5, (N, T, H) = (1, 5, 2)", visible.HALVES),
                         ("forget gates in (0.05, 0.95), (N, T, H) = (2, 4, 3)", visible.FORGET_GATES),
                         ("one sequence, (T, H) = (4, 3)", visible.FORGET_ONE_SEQUENCE)):
        values[f"cell_path/{case}/grad"] = cell_path_gradient(forget)
        for name, mistake in CELL_PATH_MISTAKES.items():
            values[f"cell_path/{case}/{name}/grad"] = mistake(forget)

    for case, args in (("H = 3, value = 2.0", (3, 2.0)), ("H = 1, value = -1.0", (1, -1.0)),
                       ("H = 2, value left at its default", (2,))):
        values[f"bias_init/{case}/b"] = forget_gate_bias_init(*args)
        for name, mistake in BIAS_MISTAKES.items():
            values[f"bias_init/{case}/{name}/b"] = mistake(*args)
    return values
