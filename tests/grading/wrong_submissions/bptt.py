"""Wrong submissions of 03_bptt: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
"""
from tests.grading.wrong_submissions import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name='rnn_step_backward_derivative_of_pre_activation',
        why='the tanh derivative is taken of the pre-activation a = x Wx + h_prev Wh (1 - a**2) instead of written with h; rnn_backward and truncated_bptt call it.',
        edits={
            'rnn_step_backward': (
                '    da = dh * (1 - h ** 2)                 # (N, H): gradient on the pre-activation',
                '''    a = x @ Wx + h_prev @ Wh
    da = dh * (1 - a ** 2)'''),
        },
        failing_checks=frozenset(['rnn_backward', 'rnn_step_backward', 'truncated_bptt']),
    ),
    WrongSubmission(
        name='rnn_step_backward_Wh_not_transposed',
        why='dh_prev = da @ Wh (a transposed weight); rnn_backward and truncated_bptt call it.',
        edits={
            'rnn_step_backward': (
                '    dh_prev = da @ Wh.T',
                '    dh_prev = da @ Wh'),
        },
        failing_checks=frozenset(['rnn_backward', 'rnn_step_backward', 'truncated_bptt']),
    ),
    WrongSubmission(
        name='rnn_backward_not_accumulated',
        why='the weight gradients are overwritten at every step instead of summed over time; truncated_bptt calls rnn_backward.',
        edits={
            'rnn_backward': (
                '''        dWx += dWx_t                           # the same weights act at every step:
        dWh += dWh_t                           # their gradients add up over time
        db += db_t''',
                '''        dWx = dWx_t                           # the same weights act at every step:
        dWh = dWh_t                           # their gradients add up over time
        db = db_t'''),
        },
        failing_checks=frozenset(['rnn_backward', 'truncated_bptt']),
    ),
    WrongSubmission(
        name='temporal_softmax_loss_mean_over_steps',
        why='the loss is divided by the number of unmasked steps instead of by N; truncated_bptt reports its losses and gradients.',
        edits={
            'temporal_softmax_loss': (
                '''    loss = float(-(picked * weights).sum() / N)
    dlogits = (np.exp(log_probs) - np.eye(V)[targets]) * weights[..., None] / N''',
                '''    count = max(weights.sum(), 1.0)
    loss = float(-(picked * weights).sum() / count)
    dlogits = (np.exp(log_probs) - np.eye(V)[targets]) * weights[..., None] / count'''),
        },
        failing_checks=frozenset(['temporal_softmax_loss', 'truncated_bptt']),
    ),
    WrongSubmission(
        name='truncated_bptt_state_not_carried',
        why='every chunk starts from h0: the hidden state is not carried across chunks.',
        edits={
            'truncated_bptt': (
                '        hs, cache = rnn_forward(x, h, params["Wx"], params["Wh"], params["b"])   # (N, k, H)',
                '        hs, cache = rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])   # (N, k, H)'),
        },
        failing_checks=frozenset(['truncated_bptt']),
    ),
    WrongSubmission(
        name='truncated_bptt_targets_off_by_one',
        why='the targets are the inputs themselves (stream[:, s:e]) instead of the next characters.',
        edits={
            'truncated_bptt': (
                '        inputs, targets = stream[:, start:stop], stream[:, start + 1:stop + 1]',
                '        inputs, targets = stream[:, start:stop], stream[:, start:stop]'),
        },
        failing_checks=frozenset(['truncated_bptt']),
    ),
    WrongSubmission(
        name='numerical_gradient_one_sided',
        why='a one-sided difference (f(x + eps) - f(x)) / eps instead of the centred one.',
        edits={
            'numerical_gradient': (
                '''        x[index] = old - eps
        minus = f(x)
        x[index] = old                       # restore
        grad[index] = (plus - minus) / (2 * eps)''',
                '''        x[index] = old
        minus = f(x)
        x[index] = old                       # restore
        grad[index] = (plus - minus) / eps'''),
        },
        failing_checks=frozenset(['numerical_gradient']),
    ),
    WrongSubmission(
        name='adagrad_eps_outside_root',
        why='eps added outside the square root, sqrt(cache) + eps, where the notebook defines sqrt(cache + eps).',
        edits={
            'adagrad_step': (
                '    new_param = param - learning_rate * grad / np.sqrt(new_cache + eps)',
                '    new_param = param - learning_rate * grad / (np.sqrt(new_cache) + eps)'),
        },
        failing_checks=frozenset(['adagrad_step']),
    ),
]
