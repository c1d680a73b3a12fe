"""Wrong submissions of 06_gru_and_deep_rnns: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
With upstream stand-ins, a mistake in a function that others call (the GRU step, the GRU
sequence) costs only its own exercise's points.
"""

from submissions.wrong import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="gru_step_forward_reset_before_the_product",
        why="the reset gate multiplies h_prev before the product (Cho et al.'s variant), not "
        "h_prev @ Wh^n + bh^n; gru_forward and the GRU stacks call it.",
        edits={
            "gru_step_forward": (
                "    n = np.tanh(ax[:, 2 * H :] + r * hn)",
                "    n = np.tanh(ax[:, 2 * H :] + (r * h_prev) @ Wh[:, 2 * H :] + bh[2 * H :])",
            ),
        },
        failing_checks=frozenset(["gru_step_forward"]),
        names=(("gru_step_forward", "cho"),),
    ),
    WrongSubmission(
        name="gru_step_forward_z_swapped",
        why="z and 1 - z swapped: h = z * n + (1 - z) * h_prev.",
        edits={
            "gru_step_forward": (
                "    h = (1 - z) * n + z * h_prev",
                "    h = z * n + (1 - z) * h_prev",
            ),
        },
        failing_checks=frozenset(["gru_step_forward"]),
        names=(("gru_step_forward", "z_swapped"),),
    ),
    WrongSubmission(
        name="gru_step_forward_tanh_from_exp",
        why="the candidate's tanh written from its definition, (e^a - e^-a) / (e^a + e^-a): at "
        "|x| ~ 1e4 e^a overflows and inf / inf gives NaN; gru_forward and the GRU stacks call it.",
        edits={
            "gru_step_forward": (
                "    n = np.tanh(ax[:, 2 * H :] + r * hn)",
                "    a_n = ax[:, 2 * H :] + r * hn\n"
                "    n = (np.exp(a_n) - np.exp(-a_n)) / (np.exp(a_n) + np.exp(-a_n))",
            ),
        },
        failing_checks=frozenset(["gru_step_forward"]),
        names=(("gru_step_forward", "tanh_from_exp"),),
    ),
    WrongSubmission(
        name="gru_cho_step_reset_after_the_product",
        why="the torch convention written where Cho et al.'s variant was asked for.",
        edits={
            "gru_cho_step": (
                "    n = np.tanh(ax[:, 2 * H :] + (r * h_prev) @ Wh[:, 2 * H :] + bh[2 * H :])",
                "    n = np.tanh(ax[:, 2 * H :] + r * (h_prev @ Wh[:, 2 * H :] + bh[2 * H :]))",
            ),
        },
        failing_checks=frozenset(["gru_cho_step"]),
        names=(("gru_cho_step", "reset_after_product"),),
    ),
    WrongSubmission(
        name="gru_step_backward_no_direct_path",
        why="dh_prev leaves out dh * z, the path from h_prev straight into h; gru_backward and "
        "the GRU stacks call it.",
        edits={
            "gru_step_backward": (
                "    dh_prev = dah @ Wh.T + dh * z  # through the products, and directly",
                "    dh_prev = dah @ Wh.T",
            ),
        },
        failing_checks=frozenset(["gru_step_backward"]),
        names=(("gru_step_backward", "no_direct"),),
    ),
    WrongSubmission(
        name="gru_step_backward_r_not_on_the_hidden_side",
        why="the hidden-side gradient of the candidate is not multiplied by r.",
        edits={
            "gru_step_backward": (
                "    dah = np.concatenate([da_r, da_z, da_n * r], axis=1)  # hidden side: r scales hn",
                "    dah = np.concatenate([da_r, da_z, da_n], axis=1)",
            ),
        },
        failing_checks=frozenset(["gru_step_backward"]),
        names=(("gru_step_backward", "no_r_hidden"),),
    ),
    WrongSubmission(
        name="gru_forward_state_not_carried",
        why="every step starts from h0; the GRU stacks call gru_forward.",
        edits={
            "gru_forward": (
                "        h_prev, step_cache = gru_step_forward(x[:, t], h_prev, Wx, Wh, bx, bh)",
                "        h_prev, step_cache = gru_step_forward(x[:, t], h0, Wx, Wh, bx, bh)",
            ),
        },
        failing_checks=frozenset(["gru_forward"]),
        names=(("gru_forward", "not_carried"),),
    ),
    WrongSubmission(
        name="gru_backward_dWx_not_accumulated",
        why="dWx is overwritten at every step instead of summed over time; the GRU stacks call "
        "gru_backward.",
        edits={
            "gru_backward": (
                "        dWx += dWx_t  # the same weights act at every step",
                "        dWx = dWx_t",
            ),
        },
        failing_checks=frozenset(["gru_backward"]),
    ),
    WrongSubmission(
        name="gru_backward_h_prev_two_steps_back",
        why="h_prev read as h[:, t - 2], as if t counted the steps from 1 (it counts from 0): "
        "each step's cache holds the state two steps back, and at t = 1 h[:, -1], the last "
        "state; the GRU stacks call gru_backward.",
        edits={
            "gru_backward": (
                "        h_prev = h0 if t == 0 else h[:, t - 1]",
                "        h_prev = h0 if t == 0 else h[:, t - 2]",
            ),
        },
        failing_checks=frozenset(["gru_backward"]),
        names=(("gru_backward", "h_prev_two_back"),),
    ),
    WrongSubmission(
        name="stacked_forward_every_layer_reads_x",
        why="every layer reads the inputs x instead of the states of the layer below.",
        edits={
            "stacked_forward": (
                "        h, layer_cache = CELLS[cell].forward(h, state, params)  # (N, T, H_m)",
                "        h, layer_cache = CELLS[cell].forward(x, state, params)",
            ),
        },
        failing_checks=frozenset(["stacked_forward"]),
        names=(("stacked_forward", "every_layer_reads_x"),),
    ),
    WrongSubmission(
        name="stacked_backward_dh_top_to_every_layer",
        why="every layer receives dh_top instead of the dx of the layer above.",
        edits={
            "stacked_backward": (
                "        dh, d_initial_states[m], d_layer_params[m] = CELLS[cell].backward(dh, layer_caches[m])",
                "        dh, d_initial_states[m], d_layer_params[m] = CELLS[cell].backward(dh_top, layer_caches[m])",
            ),
        },
        failing_checks=frozenset(["stacked_backward"]),
        names=(("stacked_backward", "dh_top_everywhere"),),
    ),
]
