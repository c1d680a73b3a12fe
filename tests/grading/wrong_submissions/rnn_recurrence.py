"""Wrong submissions of 02_rnn_recurrence: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
"""
from tests.grading.wrong_submissions import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name='rnn_step_forward_transposed_Wh',
        why='the row-vector convention mixed up with the column-vector W_hh h: h_prev @ Wh.T. rnn_forward is judged with the reference steps standing in for the learner ones, so it keeps its points; the other exercises that call rnn_step_forward still inherit it (masked_rnn_forward, stacked_rnn_forward, sample); hand_designed_rnn is judged by the reference forward pass and keeps its points.',
        edits={
            'rnn_step_forward': (
                '    h = np.tanh(x @ Wx + h_prev @ Wh + b)',
                '    h = np.tanh(x @ Wx + h_prev @ Wh.T + b)'),
        },
        failing_checks=frozenset(['masked_rnn_forward', 'rnn_step_forward', 'sample', 'stacked_rnn_forward']),
    ),
    WrongSubmission(
        name='rnn_step_forward_without_bias',
        why='the bias b is forgotten; the same functions as above inherit it.',
        edits={
            'rnn_step_forward': (
                '    h = np.tanh(x @ Wx + h_prev @ Wh + b)',
                '    h = np.tanh(x @ Wx + h_prev @ Wh)'),
        },
        failing_checks=frozenset(['masked_rnn_forward', 'rnn_step_forward', 'sample', 'stacked_rnn_forward']),
    ),
    WrongSubmission(
        name='rnn_forward_state_not_carried',
        why="every step starts from h0 instead of the previous step's state; stacked_rnn_forward calls rnn_forward.",
        edits={
            'rnn_forward': (
                '''        h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)   # (N, H)
        h[:, t] = h_prev''',
                '''        h_t, _ = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        h[:, t] = h_t'''),
        },
        failing_checks=frozenset(['rnn_forward', 'stacked_rnn_forward']),
    ),
    WrongSubmission(
        name='rnn_output_without_bias',
        why='the output bias by is forgotten; sample, which calls rnn_output, inherits it.',
        edits={
            'rnn_output': (
                '    logits = h @ Wy + by',
                '    logits = h @ Wy'),
        },
        failing_checks=frozenset(['rnn_output', 'sample']),
    ),
    WrongSubmission(
        name='masked_rnn_forward_zero_after_end',
        why="the state is reset to zero past each sequence's end instead of frozen.",
        edits={
            'masked_rnn_forward': (
                '        h[:, t] = h_prev',
                '        h[:, t] = np.where(active, h_new, 0.0)'),
        },
        failing_checks=frozenset(['masked_rnn_forward']),
    ),
    WrongSubmission(
        name='stacked_rnn_forward_weights_of_layer_0',
        why="every layer uses layer 0's weights (the hidden cases include layers of different sizes, where this raises, and equal sizes, where it gives wrong values).",
        edits={
            'stacked_rnn_forward': (
                '        h, _ = rnn_forward(h, h0, params["Wx"], params["Wh"], params["b"])   # (N, T, H_l)',
                '        h, _ = rnn_forward(h, h0, layer_params[0]["Wx"], layer_params[0]["Wh"], layer_params[0]["b"])   # (N, T, H_l)'),
        },
        failing_checks=frozenset(['stacked_rnn_forward']),
    ),
    WrongSubmission(
        name='sample_multiplies_by_temperature',
        why='the logits are multiplied by the temperature instead of divided.',
        edits={
            'sample': (
                '        scaled = logits[0] / temperature',
                '        scaled = logits[0] * temperature'),
        },
        failing_checks=frozenset(['sample']),
    ),
    WrongSubmission(
        name='hand_designed_rnn_without_latch',
        why="Wh = 0: the state forgets the 'a' at the next 'b' or 'c'.",
        edits={
            'hand_designed_rnn': (
                '        "Wh": np.array([[s]]),                     # +1 stays +1 (latch), -1 stays -1',
                '        "Wh": np.array([[0.0]]),                     # +1 stays +1 (latch), -1 stays -1'),
        },
        failing_checks=frozenset(['hand_designed_rnn']),
    ),
]
