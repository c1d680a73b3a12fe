"""Expected values of notebook 05's visible checks (coursekit/visible/lstm.py).

The reference's results on the visible checks' inputs, and what the common mistakes of its
catalogue (grader/mistakes/lstm.py) give on them (so a visible check can name the mistake a
learner's result matches). Keys: "<exercise>/<case>/<output>" and
"<exercise>/<case>/<mistake>/<output>".
"""

from __future__ import annotations

import numpy as np

from coursekit.visible import lstm as visible
from grader.mistakes import outputs
from grader.mistakes.lstm import MISTAKES
from rnn_numpy.activations import sigmoid
from rnn_numpy.lstm import (
    cell_path_gradient,
    forget_gate_bias_init,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
)

# The mistakes coursekit/visible/lstm.py names, by catalogue id (grader/mistakes/lstm.py).
STEP_FORWARD_MISTAKES = outputs(
    MISTAKES["lstm_step_forward"],
    (
        "gate_order",
        "sigmoid_candidate",
        "forget_on_candidate",
        "no_tanh_of_c",
        "old_c_in_h",
        "no_bias",
        "pre_activation_cache",
    ),
)
FORWARD_MISTAKES = outputs(MISTAKES["lstm_forward"], ("c_not_carried", "h_not_carried"))
STEP_BACKWARD_MISTAKES = outputs(
    MISTAKES["lstm_step_backward"],
    (
        "no_dc_from_h",
        "slope_of_c",
        "not_through_f",
        "f_uses_c",
        "g_sigmoid_slope",
        "o_uses_c",
        "gate_order",
    ),
)
BACKWARD_MISTAKES = outputs(
    MISTAKES["lstm_backward"], ("c_not_carried", "h_not_carried", "not_accumulated")
)
CELL_PATH_MISTAKES = outputs(
    MISTAKES["cell_path_gradient"], ("includes_f_k", "forwards", "reversed")
)
BIAS_MISTAKES = outputs(
    MISTAKES["forget_gate_bias_init"], ("input_block", "output_block", "everywhere")
)


def _step_forward_outputs(step, arguments):
    h, c, cache = step(*arguments)
    return {"gates": cache[5], "c": c, "h": h}


def _forward_outputs(forward, x, c0):
    h, cache = forward(x, visible.H_PREV, visible.WX, visible.WH, visible.B, c0=c0)
    return {"h": h, "gates": cache[5], "c": cache[6], "c0": cache[2]}


def _sequence_cache():
    _, cache = lstm_forward(
        visible.X_SEQUENCE, visible.H_PREV, visible.WX, visible.WH, visible.B, c0=visible.C_PREV
    )
    return cache


def _add(values, key, outputs):
    values.update({f"{key}/{name}": np.asarray(value) for name, value in outputs.items()})


def expectations() -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {
        "sigmoid/range": sigmoid(visible.SIGMOID_X),
        "sigmoid/grid": sigmoid(visible.SIGMOID_GRID),
    }
    for case, arguments in visible.STEP_INPUTS.items():
        key = f"step_forward/{case}"
        _add(values, key, _step_forward_outputs(lstm_step_forward, arguments))
        for name, mistake in STEP_FORWARD_MISTAKES.items():
            _add(values, f"{key}/{name}", _step_forward_outputs(mistake, arguments))

    for case, T, c0 in (
        ("T = 1, c0 given", 1, visible.C_PREV),
        ("T = 4, c0 omitted", visible.T, None),
        ("T = 4, c0 given", visible.T, visible.C_PREV),
    ):
        x = visible.X_SEQUENCE[:, :T]
        _add(values, f"forward/{case}", _forward_outputs(lstm_forward, x, c0))
        for name, mistake in FORWARD_MISTAKES.items():
            _add(values, f"forward/{case}/{name}", _forward_outputs(mistake, x, c0))

    step_cache = (
        visible.X,
        visible.H_PREV,
        visible.C_PREV,
        visible.WX,
        visible.WH,
        values["step_forward/general/gates"],
        values["step_forward/general/c"],
    )
    for case, (dh, dc) in visible.STEP_UPSTREAM.items():
        key = f"step_backward/{case}"
        _add(values, key, dict(zip(visible.STEP_GRADS, lstm_step_backward(dh, dc, step_cache))))
        for name, mistake in STEP_BACKWARD_MISTAKES.items():
            _add(
                values, f"{key}/{name}", dict(zip(visible.STEP_GRADS, mistake(dh, dc, step_cache)))
            )

    cache = _sequence_cache()
    for case, dh in (
        ("loss on the last step only", visible.DH_LAST),
        ("a gradient on every state", visible.DH_SEQUENCE),
    ):
        key = f"backward/{case}"
        _add(
            values,
            key,
            dict(zip(visible.SEQUENCE_GRADS, lstm_backward(dh, cache, return_dc0=True))),
        )
        for name, mistake in BACKWARD_MISTAKES.items():
            _add(
                values,
                f"{key}/{name}",
                dict(zip(visible.SEQUENCE_GRADS, mistake(dh, cache, return_dc0=True))),
            )

    for case, forget in (
        ("every forget gate 0.5, (N, T, H) = (1, 5, 2)", visible.HALVES),
        ("forget gates in (0.05, 0.95), (N, T, H) = (2, 4, 3)", visible.FORGET_GATES),
        ("one sequence, (T, H) = (4, 3)", visible.FORGET_ONE_SEQUENCE),
    ):
        values[f"cell_path/{case}/grad"] = cell_path_gradient(forget)
        for name, mistake in CELL_PATH_MISTAKES.items():
            values[f"cell_path/{case}/{name}/grad"] = mistake(forget)

    for case, args in (
        ("H = 3, value = 2.0", (3, 2.0)),
        ("H = 1, value = -1.0", (1, -1.0)),
        ("H = 2, value left at its default", (2,)),
    ):
        values[f"bias_init/{case}/b"] = forget_gate_bias_init(*args)
        for name, mistake in BIAS_MISTAKES.items():
            values[f"bias_init/{case}/{name}/b"] = mistake(*args)
    return values
