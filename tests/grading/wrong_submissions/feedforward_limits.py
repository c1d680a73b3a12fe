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
                '''    """Conditional entropy (nats) of the next character given only the current one.

    Inputs:
    - text: a str with at least 2 characters; its len(text) - 1 consecutive pairs are counted
    Returns:
    - floor: a float >= 0, the lowest mean cross-entropy a memoryless predictor fitted to this
      text can reach on it
    """
    pairs = Counter(zip(text, text[1:]))               # #(a b)
    starts = Counter(text[:-1])                        # #(a .): characters that start a pair
    total = len(text) - 1
    return float(-sum(count * np.log(count / starts[a])''',
                '''    """Conditional entropy of the next character given the current one."""
    pairs = Counter(zip(text, text[1:]))
    starts = Counter(text[:-1])
    total = len(text) - 1
    return float(-sum(count * np.log2(count / starts[a])'''),
        },
        failing_checks=frozenset(['memoryless_loss_floor']),
    ),
    WrongSubmission(
        name='softmax_without_max_subtraction',
        why='exp of the raw logits overflows at 1e4; the backward pass, which calls softmax, inherits the nan.',
        edits={
            'softmax': (
                '''    """Softmax along `axis`, computed after subtracting the maximum (no overflow).

    Inputs:
    - logits: floating-point array of any shape with at least one dimension, e.g. (N, V)
    - axis: the axis that holds the classes (default: the last)
    Returns:
    - probs: array of the same shape; entries in [0, 1] summing to 1 along `axis`
    """
    shifted = logits - logits.max(axis=axis, keepdims=True)
    exps = np.exp(shifted)''',
                '''    """Softmax along axis."""
    exps = np.exp(logits)'''),
        },
        failing_checks=frozenset(['softmax', 'softmax_cross_entropy_backward']),
    ),
    WrongSubmission(
        name='one_hot_only_for_vectors',
        why='one_hot written for 1-D indices only; window_inputs, which calls it on a 2-D table of positions, fails as well.',
        edits={
            'one_hot': (
                '''    """One-hot vectors of integer indices, for any shape of `indices`.

    Inputs:
    - indices: integers in [0, V), any shape S (for example (N,) or (N, T))
    - vocab_size: V, the number of classes
    Returns:
    - vectors: float64 array of shape S + (V,); vectors[..., i] is 1 where indices == i, else 0
    """
    return np.eye(vocab_size)[indices]''',
                '''    """One-hot rows for a vector of indices."""
    out = np.zeros((len(indices), vocab_size))
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
                '''    """Mean negative log-likelihood of the targets under softmax(logits).

    N rows (examples), V classes.
    Inputs:
    - logits: unnormalised scores, shape (N, V)
    - targets: the correct class of each row, integers in [0, V), shape (N,)
    Returns:
    - loss: a float, (1/N) * sum_n -log softmax(logits[n])[targets[n]]
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))   # (N, V)
    return float(-log_probs[np.arange(len(targets)), targets].mean())''',
                '''    """Negative log-likelihood of the targets."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(targets)), targets].sum())'''),
        },
        failing_checks=frozenset(['cross_entropy']),
    ),
    WrongSubmission(
        name='dense_forward_without_bias',
        why='the bias is left out of the dense layer; mlp_forward, built from it, fails too',
        edits={
            'dense_forward': (
                '''    """Affine layer out = x @ W + b.

    N examples, D inputs, H outputs.
    Inputs:
    - x: inputs, shape (N, D)
    - W: weights, shape (D, H)
    - b: bias, shape (H,)
    Returns a tuple of:
    - out: shape (N, H)
    - cache: (x, W, b)
    """
    out = x @ W + b
    cache = (x, W, b)
    return out, cache''',
                '''    """Affine layer."""
    return x @ W, (x, W, b)'''),
        },
        failing_checks=frozenset(['dense_forward', 'mlp_forward']),
    ),
    WrongSubmission(
        name='window_inputs_drops_last_window',
        why='off by one: only the L-k windows that have a target inside the sequence',
        edits={
            'window_inputs': (
                '''    """Concatenated one-hots of every window of k consecutive characters.

    L is the length of the sequence, V the vocabulary size, k the window length (1 <= k <= L).
    Inputs:
    - indices: integers in [0, V), shape (L,)
    - k: window length
    - vocab_size: V
    Returns:
    - windows: float64 array of shape (L-k+1, k*V); row t is
      [one_hot(indices[t]), one_hot(indices[t+1]), ..., one_hot(indices[t+k-1])]
      joined end to end. Row t is the input for predicting indices[t+k].
    """
    L = len(indices)
    positions = np.arange(L - k + 1)[:, None] + np.arange(k)            # (L-k+1, k)
    return one_hot(indices[positions], vocab_size).reshape(L - k + 1, k * vocab_size)''',
                '''    """Concatenated one-hots of every window of k consecutive characters."""
    L = len(indices)
    positions = np.arange(L - k)[:, None] + np.arange(k)
    return one_hot(indices[positions], vocab_size).reshape(L - k, k * vocab_size)'''),
        },
        failing_checks=frozenset(['window_inputs']),
    ),
]
