"""Wrong submissions of 03_bptt: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
Exercises that call another graded function (rnn_backward calls rnn_step_backward;
stacked_rnn_backward calls rnn_backward; truncated_bptt calls temporal_softmax_loss,
rnn_output_backward and rnn_backward) are judged with correct stand-ins for those: one mistake,
one loss of points. Before the stand-ins, the untransposed Wh below cost 8 of the 16 points
(rnn_step_backward, rnn_backward, truncated_bptt); now it costs rnn_step_backward's 2 (of 19).
"""

from submissions.wrong import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="rnn_step_backward_Wh_not_transposed",
        why="dh_prev = da @ Wh (a transposed weight). rnn_backward, stacked_rnn_backward and "
        "truncated_bptt are judged with correct stand-ins, so only this exercise loses.",
        edits={
            "rnn_step_backward": ("    dh_prev = da @ Wh.T", "    dh_prev = da @ Wh"),
        },
        failing_checks=frozenset(["rnn_step_backward"]),
        names=(("rnn_step_backward", "Wh_not_transposed"),),
    ),
    WrongSubmission(
        name="rnn_step_backward_derivative_of_pre_activation",
        why="the tanh derivative is taken of the pre-activation a (1 - a**2) instead of written "
        "with h.",
        edits={
            "rnn_step_backward": (
                "    da = dh * (1 - h**2)  # (N, H): gradient on the pre-activation",
                """    a = x @ Wx + h_prev @ Wh
    da = dh * (1 - a**2)""",
            ),
        },
        failing_checks=frozenset(["rnn_step_backward"]),
        names=(("rnn_step_backward", "slope_of_a"),),
    ),
    WrongSubmission(
        name="rnn_step_backward_changes_dh_in_place",
        why="dh *= (1 - h**2) changes the caller's array: right gradients, a corrupted dh "
        "(class: inputs modified in place)."
        " In-place writes and NumPy warnings carry no points (issue 15): it keeps full "
        "marks; the visible check names it.",
        edits={
            "rnn_step_backward": (
                "    da = dh * (1 - h**2)  # (N, H): gradient on the pre-activation",
                """    dh *= 1 - h**2
    da = dh""",
            ),
        },
        failing_checks=frozenset(),
    ),
    WrongSubmission(
        name="rnn_backward_not_accumulated",
        why="the weight gradients are overwritten at every step instead of summed over time.",
        edits={
            "rnn_backward": (
                """        dWx += dWx_t  # the same weights act at every step:
        dWh += dWh_t  # their gradients add up over time
        db += db_t""",
                """        dWx = dWx_t  # the same weights act at every step:
        dWh = dWh_t  # their gradients add up over time
        db = db_t""",
            ),
        },
        failing_checks=frozenset(["rnn_backward"]),
        names=(("rnn_backward", "not_accumulated"),),
    ),
    WrongSubmission(
        name="rnn_backward_zero_state_before_step_1",
        why="the t = 0/1 boundary: the state before step 1 is taken as zeros instead of h0.",
        edits={
            "rnn_backward": (
                "        h_prev = h0 if t == 0 else h[:, t - 1]",
                "        h_prev = np.zeros_like(h0) if t == 0 else h[:, t - 1]",
            ),
        },
        failing_checks=frozenset(["rnn_backward"]),
        names=(("rnn_backward", "zeros_as_h0"),),
    ),
    WrongSubmission(
        name="state_jacobian_product_wrong_order",
        why="the factors are multiplied as J_{k+1} ... J_t instead of J_t ... J_{k+1}.",
        edits={
            "state_jacobian_product": (
                "        jacobian = J @ jacobian",
                "        jacobian = jacobian @ J",
            ),
        },
        failing_checks=frozenset(["state_jacobian_product"]),
        names=(("state_jacobian_product", "wrong_order"),),
    ),
    WrongSubmission(
        name="stacked_rnn_backward_input_is_x_for_every_layer",
        why="every layer's cache is rebuilt with x as its input, not the states of the layer below.",
        edits={
            "stacked_rnn_backward": (
                "        below = x if m == 0 else hs[m - 1]  # the inputs of this layer",
                "        below = x",
            ),
        },
        failing_checks=frozenset(["stacked_rnn_backward"]),
        names=(("stacked_rnn_backward", "x_as_input"),),
    ),
    WrongSubmission(
        name="temporal_softmax_loss_mean_over_steps",
        why="the loss is divided by the number of unmasked steps instead of by N; truncated_bptt "
        "calls it but is judged with a correct one standing in.",
        edits={
            "temporal_softmax_loss": (
                """    loss = float(-(picked * weights).sum() / N)
    dlogits = (np.exp(log_probs) - np.eye(V)[targets]) * weights[..., None] / N""",
                """    count = max(weights.sum(), 1.0)
    loss = float(-(picked * weights).sum() / count)
    dlogits = (np.exp(log_probs) - np.eye(V)[targets]) * weights[..., None] / count""",
            ),
        },
        failing_checks=frozenset(["temporal_softmax_loss"]),
        names=(("temporal_softmax_loss", "over_unmasked_steps"),),
    ),
    WrongSubmission(
        name="truncated_bptt_state_not_carried",
        why="every chunk starts from h0: the hidden state is not carried across chunks.",
        edits={
            "truncated_bptt": (
                '        hs, cache = rnn_forward(x, h, params["Wx"], params["Wh"], params["b"])  # (N, K, H)',
                '        hs, cache = rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])  # (N, K, H)',
            ),
        },
        failing_checks=frozenset(["truncated_bptt"]),
        names=(("truncated_bptt", "state_reset"),),
    ),
    WrongSubmission(
        name="truncated_bptt_targets_off_by_one",
        why="the targets are the inputs themselves (stream[:, s:e]) instead of the next characters.",
        edits={
            "truncated_bptt": (
                "        inputs, targets = stream[:, start:stop], stream[:, start + 1 : stop + 1]",
                "        inputs, targets = stream[:, start:stop], stream[:, start:stop]",
            ),
        },
        failing_checks=frozenset(["truncated_bptt"]),
        names=(("truncated_bptt", "targets_off_by_one"),),
    ),
    WrongSubmission(
        name="numerical_gradient_one_sided",
        why="a one-sided difference (f(x + eps) - f(x)) / eps instead of the centred one.",
        edits={
            "numerical_gradient": (
                """        x[index] = old - eps
        minus = f(x)
        x[index] = old  # restore
        grad[index] = (plus - minus) / (2 * eps)""",
                """        x[index] = old
        minus = f(x)
        x[index] = old  # restore
        grad[index] = (plus - minus) / eps""",
            ),
        },
        failing_checks=frozenset(["numerical_gradient"]),
        names=(("numerical_gradient", "one_sided"),),
    ),
    WrongSubmission(
        name="numerical_gradient_on_copies",
        why="f is called on new arrays x + eps e_i: right for a function of its argument, zero "
        "for one that reads x through a closure (class: closures).",
        edits={
            "numerical_gradient": (
                """        old = x[index]
        x[index] = old + eps
        plus = f(x)
        x[index] = old - eps
        minus = f(x)
        x[index] = old  # restore
        grad[index] = (plus - minus) / (2 * eps)""",
                """        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (2 * eps)""",
            ),
        },
        failing_checks=frozenset(["numerical_gradient"]),
        names=(("numerical_gradient", "on_copies"),),
    ),
    WrongSubmission(
        name="sgd_step_in_place",
        why="param -= learning_rate * grad changes the caller's array where the docstring promises "
        "a new one (class: inputs modified in place)."
        " In-place writes and NumPy warnings carry no points (issue 15): it keeps full "
        "marks; the visible check names it.",
        edits={
            "sgd_step": (
                "    new_param = param - learning_rate * grad",
                """    param -= learning_rate * grad
    new_param = param""",
            ),
        },
        failing_checks=frozenset(),
    ),
    WrongSubmission(
        name="adagrad_eps_outside_root",
        why="eps added outside the square root, sqrt(cache) + eps, where the notebook defines "
        "sqrt(cache + eps).",
        edits={
            "adagrad_step": (
                "    new_param = param - learning_rate * grad / np.sqrt(new_cache + eps)",
                "    new_param = param - learning_rate * grad / (np.sqrt(new_cache) + eps)",
            ),
        },
        failing_checks=frozenset(["adagrad_step"]),
        names=(("adagrad_step", "eps_outside"),),
    ),
    WrongSubmission(
        name="adagrad_cache_in_place",
        why="cache += grad**2 changes the caller's cache (class: inputs modified in place)."
        " In-place writes and NumPy warnings carry no points (issue 15): it keeps full "
        "marks; the visible check names it.",
        edits={
            "adagrad_step": (
                '''    """
    new_cache = cache + grad**2''',
                '''    """
    cache += grad**2
    new_cache = cache''',
            ),
        },
        failing_checks=frozenset(),
    ),
]
