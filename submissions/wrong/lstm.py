"""Wrong submissions of 05_lstm: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
Upstream stand-ins keep every mistake to its own exercise: a wrong sigmoid costs only sigmoid's
point even though lstm_step_forward calls it, a wrong step only the step's points.
"""

from submissions.wrong import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="sigmoid_branches_swapped",
        why="the two branches of np.where are swapped, which gives sigmoid(-x); lstm_step_forward "
        "calls it.",
        edits={
            "sigmoid": (
                "    s = np.where(x >= 0, 1 / (1 + u), u / (1 + u))",
                "    s = np.where(x >= 0, u / (1 + u), 1 / (1 + u))",
            ),
        },
        failing_checks=frozenset(["sigmoid"]),
        names=(("sigmoid", "sign_flipped"),),
    ),
    WrongSubmission(
        name="sigmoid_overflows",
        why="1 / (1 + exp(-x)) for every x: right values, but exp(-x) overflows (with a warning) "
        "for x below about -709."
        " In-place writes and NumPy warnings carry no points (issue 15): it keeps full "
        "marks; the visible check names it.",
        edits={
            "sigmoid": (
                """    u = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    s = np.where(x >= 0, 1 / (1 + u), u / (1 + u))""",
                "    s = 1 / (1 + np.exp(-x))",
            ),
        },
        failing_checks=frozenset(),
    ),
    WrongSubmission(
        name="lstm_step_forward_gate_order_ifog",
        why="the g and o blocks are read in the order i, f, o, g (cs231n's layout); lstm_forward "
        "calls the step.",
        edits={
            "lstm_step_forward": (
                """    g = np.tanh(a[:, 2 * H : 3 * H])  # candidate
    o = sigmoid(a[:, 3 * H :])  # output gate""",
                """    g = np.tanh(a[:, 3 * H :])  # candidate
    o = sigmoid(a[:, 2 * H : 3 * H])  # output gate""",
            ),
        },
        failing_checks=frozenset(["lstm_step_forward"]),
    ),
    WrongSubmission(
        name="lstm_forward_cell_state_not_carried",
        why="every step starts from c0: the cell state is not carried.",
        edits={
            "lstm_forward": (
                "        h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)",
                "        h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c0, Wx, Wh, b)",
            ),
        },
        failing_checks=frozenset(["lstm_forward"]),
        names=(("lstm_forward", "c_not_carried"),),
    ),
    WrongSubmission(
        name="lstm_step_backward_dc_from_h_not_added",
        why="the gradient reaching c through h = o tanh(c) is not added; lstm_backward calls the "
        "step.",
        edits={
            "lstm_step_backward": (
                "    dc_total = dc + dh * o * (1 - tanh_c**2)  # c reaches the loss directly and through h",
                "    dc_total = dc",
            ),
        },
        failing_checks=frozenset(["lstm_step_backward"]),
        names=(("lstm_step_backward", "no_dc_from_h"),),
    ),
    WrongSubmission(
        name="lstm_backward_cell_gradient_not_carried",
        why="every step gets dc = 0 instead of the dc_prev of the step after it.",
        edits={
            "lstm_backward": (
                "            dh[:, t] + dh_next, dc_next, step_cache",
                "            dh[:, t] + dh_next, np.zeros_like(h0), step_cache",
            ),
        },
        failing_checks=frozenset(["lstm_backward"]),
        names=(("lstm_backward", "c_not_carried"),),
    ),
    WrongSubmission(
        name="lstm_backward_changes_dh_in_place",
        why="dh[:, t] += dh_next writes into the caller's dh."
        " In-place writes and NumPy warnings carry no points (issue 15): it keeps full "
        "marks; the visible check names it.",
        edits={
            "lstm_backward": (
                """        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t] + dh_next, dc_next, step_cache""",
                """        dh[:, t] += dh_next
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t], dc_next, step_cache""",
            ),
        },
        failing_checks=frozenset(),
    ),
    WrongSubmission(
        name="cell_path_gradient_includes_f_k",
        why="the product includes f_k itself (a reverse cumulative product of the gates as they "
        "are).",
        edits={
            "cell_path_gradient": (
                "    grad = np.flip(np.cumprod(np.flip(later, axis=-2), axis=-2), axis=-2)",
                "    grad = np.flip(np.cumprod(np.flip(forget_gates, axis=-2), axis=-2), axis=-2)",
            ),
        },
        failing_checks=frozenset(["cell_path_gradient"]),
        names=(("cell_path_gradient", "includes_f_k"),),
    ),
    WrongSubmission(
        name="forget_gate_bias_in_input_block",
        why="the value goes into the first block (the input gate) instead of the second.",
        edits={
            "forget_gate_bias_init": ("    b[H : 2 * H] = value", "    b[:H] = value"),
        },
        failing_checks=frozenset(["forget_gate_bias_init"]),
        names=(("forget_gate_bias_init", "input_block"),),
    ),
]
