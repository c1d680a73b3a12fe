"""Expected values of notebook 02's visible checks (coursekit/visible/rnn_recurrence.py), from the
reference, on that module's constants; a few are deliberately wrong answers that name a mistake."""

from __future__ import annotations

import numpy as np

from coursekit.visible import rnn_recurrence as kit
from rnn_numpy.rnn import masked_rnn_forward, rnn_forward, rnn_output, rnn_step_forward
from rnn_numpy.sampling import sample
from rnn_numpy.stacked import stacked_rnn_forward


def expectations() -> dict[str, np.ndarray]:
    N, D, H = kit.N, kit.D, kit.H
    zeros_x, zeros_h = np.zeros((N, D)), np.zeros((N, H))
    layer_1 = {"Wx": kit.WX, "Wh": kit.WH, "b": kit.B}
    values = {
        "step_bias_only": rnn_step_forward(zeros_x, zeros_h, kit.WX, kit.WH, kit.B)[0],
        "step_input_only": rnn_step_forward(kit.X, zeros_h, kit.WX, kit.WH, np.zeros(H))[0],
        "step_state_only": rnn_step_forward(zeros_x, kit.H_PREV, kit.WX, kit.WH, np.zeros(H))[0],
        "step_state_only_Wh_transposed": rnn_step_forward(
            zeros_x, kit.H_PREV, kit.WX, kit.WH.T.copy(), np.zeros(H)
        )[0],
        "step_full": rnn_step_forward(kit.X, kit.H_PREV, kit.WX, kit.WH, kit.B)[0],
        "step_large_inputs": rnn_step_forward(kit.X_LARGE, kit.H_PREV, kit.WX, kit.WH, kit.B)[0],
        "step_pre_activation": rnn_step_forward(
            kit.X, kit.H_PREV, kit.WX, kit.WH, kit.B, activation="linear"
        )[0],
        "forward": rnn_forward(kit.X_SEQUENCE, kit.H_PREV, kit.WX, kit.WH, kit.B)[0],
        "output": rnn_output(kit.H_OUTPUT, kit.WY, kit.BY)[0],
        "masked_full": rnn_forward(kit.X_MASKED, kit.H_PREV, kit.WX, kit.WH, kit.B)[0],
        "masked": masked_rnn_forward(kit.X_MASKED, kit.H_PREV, kit.WX, kit.WH, kit.B, kit.LENGTHS)[
            0
        ],
        "stacked_layer_1": stacked_rnn_forward(kit.X_SEQUENCE, [zeros_h], [layer_1])[0],
        "stacked_top": stacked_rnn_forward(
            kit.X_SEQUENCE, [zeros_h, kit.H0_LAYER_2], [layer_1, kit.LAYER_2]
        )[0],
        "stacked_top_from_zeros": stacked_rnn_forward(
            kit.X_SEQUENCE, [zeros_h, np.zeros_like(kit.H0_LAYER_2)], [layer_1, kit.LAYER_2]
        )[0],
    }
    stored = []  # every step from h0: a state not carried
    for t in range(kit.X_SEQUENCE.shape[1]):
        stored.append(rnn_step_forward(kit.X_SEQUENCE[:, t], kit.H_PREV, kit.WX, kit.WH, kit.B)[0])
    values["forward_restarted"] = np.stack(stored, axis=1)
    values["forward_stored_before"] = np.concatenate(
        [kit.H_PREV[:, None], values["forward"][:, :-1]], axis=1
    )

    def draws(seed, length, temperature, Wx=kit.WX_SAMPLE):
        return sample(
            Wx,
            kit.WH,
            kit.B,
            kit.WY,
            kit.BY,
            np.zeros(H),
            kit.FIRST_INDEX,
            length,
            np.random.default_rng(seed),
            temperature,
        )

    values["sample_cold"] = draws(1, 6, 1e-3)
    for temperature in kit.TEMPERATURES:
        values[f"sample_{temperature:g}"] = draws(3, 20, temperature)
        # multiplying the logits by tau is dividing them by 1 / tau
        values[f"sample_{temperature:g}_multiplied"] = draws(3, 20, 1.0 / temperature)
    return values
