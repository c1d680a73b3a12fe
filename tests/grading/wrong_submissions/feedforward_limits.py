"""Wrong submissions of 01_feedforward_limits: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
"""
from tests.grading.wrong_submissions import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name='memoryless_loss_floor_in_bits',
        why='log2 instead of the natural log: the floor comes out in bits, the loss is in nats. No other exercise uses this function, so exactly its points are lost.',
        edits={
            'memoryless_loss_floor': (
                'np.log(count / starts[a])',
                'np.log2(count / starts[a])'),
        },
        failing_checks=frozenset(['memoryless_loss_floor']),
    ),
    WrongSubmission(
        name='softmax_without_max_subtraction',
        why='exp of the raw logits overflows at 1e4; the backward pass, which calls softmax, inherits the nan.',
        edits={
            'softmax': (
                '''    shifted = logits - logits.max(axis=axis, keepdims=True)
    exps = np.exp(shifted)''',
                '    exps = np.exp(logits)'),
        },
        failing_checks=frozenset(['softmax', 'softmax_cross_entropy_backward']),
    ),
    WrongSubmission(
        name='one_hot_only_for_vectors',
        why='one_hot written for 1-D indices only; window_inputs, which calls it on a 2-D table of positions, fails as well.',
        edits={
            'one_hot': (
                '    return np.eye(vocab_size)[indices]',
                '''    out = np.zeros((len(indices), vocab_size))
    out[np.arange(len(indices)), indices] = 1.0
    return out'''),
        },
        failing_checks=frozenset(['one_hot', 'window_inputs']),
    ),
    WrongSubmission(
        name='cross_entropy_summed',
        why='the per-row losses are summed, not averaged',
        edits={
            'cross_entropy': (
                'targets].mean())',
                'targets].sum())'),
        },
        failing_checks=frozenset(['cross_entropy']),
    ),
    WrongSubmission(
        name='dense_forward_without_bias',
        why='the bias is left out of the dense layer; mlp_forward, built from it, fails too',
        edits={
            'dense_forward': (
                '    out = x @ W + b',
                '    out = x @ W'),
        },
        failing_checks=frozenset(['dense_forward', 'mlp_forward']),
    ),
    WrongSubmission(
        name='window_inputs_drops_last_window',
        why='off by one: only the L-k windows that have a target inside the sequence',
        edits={
            'window_inputs': (
                '''    positions = np.arange(L - k + 1)[:, None] + np.arange(k)            # (L-k+1, k)
    return one_hot(indices[positions], vocab_size).reshape(L - k + 1, k * vocab_size)''',
                '''    positions = np.arange(L - k)[:, None] + np.arange(k)
    return one_hot(indices[positions], vocab_size).reshape(L - k, k * vocab_size)'''),
        },
        failing_checks=frozenset(['window_inputs']),
    ),
]
