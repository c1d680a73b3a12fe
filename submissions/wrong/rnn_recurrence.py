"""Wrong submissions of 02_rnn_recurrence: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
Every exercise that calls another graded function (rnn_forward, masked_rnn_forward and sample
call rnn_step_forward; stacked_rnn_forward calls rnn_forward; sample calls rnn_output) is judged
with correct stand-ins for it: one mistake, one loss of points. Before the stand-ins, the
transposed Wh below cost 10 of the 14 points (rnn_step_forward, rnn_forward, masked_rnn_forward,
stacked_rnn_forward, sample); now it costs rnn_step_forward's 2.
"""

from submissions.wrong import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="rnn_step_forward_transposed_Wh",
        why="the row-vector convention mixed up with the column-vector W_hh h: h_prev @ Wh.T. "
        "The exercises that call rnn_step_forward are judged with a correct one standing in, "
        "and hand_designed_rnn with the reference forward pass: only this exercise loses.",
        edits={
            "rnn_step_forward": (
                "    h = np.tanh(x @ Wx + h_prev @ Wh + b)",
                "    h = np.tanh(x @ Wx + h_prev @ Wh.T + b)",
            ),
        },
        failing_checks=frozenset(["rnn_step_forward"]),
        names=(("rnn_step_forward", "Wh_transposed"),),
    ),
    WrongSubmission(
        name="rnn_step_forward_without_bias",
        why="the bias b is forgotten; only rnn_step_forward loses its points.",
        edits={
            "rnn_step_forward": (
                "    h = np.tanh(x @ Wx + h_prev @ Wh + b)",
                "    h = np.tanh(x @ Wx + h_prev @ Wh)",
            ),
        },
        failing_checks=frozenset(["rnn_step_forward"]),
        names=(("rnn_step_forward", "no_bias"),),
    ),
    WrongSubmission(
        name="rnn_step_forward_caches_the_pre_activation",
        why="h is right but the cache stores a = x Wx + h_prev Wh + b where the docstring says h "
        "(class: caches; notebook 03 computes 1 - h**2 from it).",
        edits={
            "rnn_step_forward": (
                """    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    cache = (x, h_prev, Wx, Wh, h, "tanh")""",
                """    a = x @ Wx + h_prev @ Wh + b
    h = np.tanh(a)
    cache = (x, h_prev, Wx, Wh, a, "tanh")""",
            ),
        },
        failing_checks=frozenset(["rnn_step_forward"]),
        names=(("rnn_step_forward", "cache_pre_activation"),),
    ),
    WrongSubmission(
        name="rnn_step_forward_tanh_by_exp",
        why="tanh written with exp overflows to nan for |a| > 709 (class: extreme numerics).",
        edits={
            "rnn_step_forward": (
                """    h = np.tanh(x @ Wx + h_prev @ Wh + b)""",
                """    a = x @ Wx + h_prev @ Wh + b
    h = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))""",
            ),
        },
        failing_checks=frozenset(["rnn_step_forward"]),
        names=(("rnn_step_forward", "tanh_by_exp"),),
    ),
    WrongSubmission(
        name="rnn_forward_state_not_carried",
        why="every step starts from h0 instead of the previous step's state; stacked_rnn_forward "
        "calls rnn_forward but is judged with a correct one standing in.",
        edits={
            "rnn_forward": (
                """        h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)  # h_{t+1}, (N, H)
        h[:, t] = h_prev""",
                """        h_t, _ = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        h[:, t] = h_t""",
            ),
        },
        failing_checks=frozenset(["rnn_forward"]),
        names=(("rnn_forward", "state_not_carried"),),
    ),
    WrongSubmission(
        name="rnn_forward_stores_h0",
        why="the t = 0/1 boundary: each state is stored before its step, so h[:, 0] holds h_0 and "
        "h_T is missing.",
        edits={
            "rnn_forward": (
                """        h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)  # h_{t+1}, (N, H)
        h[:, t] = h_prev""",
                """        h[:, t] = h_prev
        h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)""",
            ),
        },
        failing_checks=frozenset(["rnn_forward"]),
        names=(("rnn_forward", "stored_before_step"),),
    ),
    WrongSubmission(
        name="rnn_output_without_bias",
        why="the output bias by is forgotten; sample calls rnn_output but is judged with a "
        "correct one standing in.",
        edits={
            "rnn_output": ("    logits = h @ Wy + by", "    logits = h @ Wy"),
        },
        failing_checks=frozenset(["rnn_output"]),
        names=(("rnn_output", "no_bias"),),
    ),
    WrongSubmission(
        name="masked_rnn_forward_zero_after_end",
        why="the state is reset to zero past each sequence's end instead of frozen.",
        edits={
            "masked_rnn_forward": (
                "        h[:, t] = h_prev",
                "        h[:, t] = np.where(active, h_new, 0.0)",
            ),
        },
        failing_checks=frozenset(["masked_rnn_forward"]),
        names=(("masked_rnn_forward", "zero_after_end"),),
    ),
    WrongSubmission(
        name="stacked_rnn_forward_weights_of_layer_1",
        why="every layer uses the first layer's weights (the hidden cases include layers of "
        "different sizes, where this raises, and equal sizes, where it gives wrong values).",
        edits={
            "stacked_rnn_forward": (
                '        h, _ = rnn_forward(h, h0, params["Wx"], params["Wh"], params["b"])  # (N, T, H_m)',
                """        h, _ = rnn_forward(
            h, h0, layer_params[0]["Wx"], layer_params[0]["Wh"], layer_params[0]["b"]
        )""",
            ),
        },
        failing_checks=frozenset(["stacked_rnn_forward"]),
        names=(("stacked_rnn_forward", "weights_of_layer_1"),),
    ),
    WrongSubmission(
        name="sample_multiplies_by_temperature",
        why="the logits are multiplied by the temperature instead of divided.",
        edits={
            "sample": (
                "        scaled = logits[0] / temperature",
                "        scaled = logits[0] * temperature",
            ),
        },
        failing_checks=frozenset(["sample"]),
        names=(("sample", "temperature_multiplied"),),
    ),
    WrongSubmission(
        name="sample_temperature_on_probabilities",
        why="the temperature is applied to probabilities, p ** (1 / temperature), which underflow "
        "to 0 at temperature 0.001 (class: extreme numerics).",
        edits={
            "sample": (
                """        scaled = logits[0] / temperature
        scaled = scaled - scaled.max()  # no overflow in exp
        p = np.exp(scaled) / np.exp(scaled).sum()""",
                """        shifted = logits[0] - logits[0].max()
        p = np.exp(shifted) / np.exp(shifted).sum()
        p = p ** (1 / temperature)
        p = p / p.sum()""",
            ),
        },
        failing_checks=frozenset(["sample"]),
    ),
    WrongSubmission(
        name="hand_designed_rnn_without_latch",
        why="Wh = 0: the state forgets the 'a' at the next 'b' or 'c'.",
        edits={
            "hand_designed_rnn": (
                '        "Wh": np.array([[s]]),  # +1 stays +1 (latch), -1 stays -1',
                '        "Wh": np.array([[0.0]]),  # +1 stays +1 (latch), -1 stays -1',
            ),
        },
        failing_checks=frozenset(["hand_designed_rnn"]),
    ),
]
