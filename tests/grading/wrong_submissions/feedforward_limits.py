"""Wrong submissions of 01_feedforward_limits: one realistic mistake each (see __init__.py)."""
from tests.grading.wrong_submissions import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="memoryless_loss_floor_in_bits",
        why="log2 instead of the natural log: the floor comes out in bits, the loss is in nats. "
            "No other exercise uses this function, so exactly its points are lost.",
        replacements={"memoryless_loss_floor": '''from collections import Counter


def memoryless_loss_floor(text):
    """Conditional entropy of the next character given the current one."""
    pairs = Counter(zip(text, text[1:]))
    starts = Counter(text[:-1])
    total = len(text) - 1
    return float(-sum(count * np.log2(count / starts[a])
                      for (a, b), count in pairs.items()) / total)
'''},
        failing_checks=frozenset({"memoryless_loss_floor"}),
    ),
    WrongSubmission(
        name="softmax_without_max_subtraction",
        why="exp of the raw logits overflows at 1e4; the backward pass, which calls softmax, "
            "inherits the nan.",
        replacements={"softmax": '''def softmax(logits, axis=-1):
    """Softmax along axis."""
    exps = np.exp(logits)
    return exps / exps.sum(axis=axis, keepdims=True)
'''},
        failing_checks=frozenset({"softmax", "softmax_cross_entropy_backward"}),
    ),
    WrongSubmission(
        name="one_hot_only_for_vectors",
        why="one_hot written for 1-D indices only; window_inputs, which calls it on a 2-D table "
            "of positions, fails as well.",
        replacements={"one_hot": '''def one_hot(indices, vocab_size):
    """One-hot rows for a vector of indices."""
    out = np.zeros((len(indices), vocab_size))
    out[np.arange(len(indices)), indices] = 1.0
    return out
'''},
        failing_checks=frozenset({"one_hot", "window_inputs"}),
    ),
    WrongSubmission(
        name="cross_entropy_summed",
        why="the per-row losses are summed, not averaged",
        replacements={"cross_entropy": '''def cross_entropy(logits, targets):
    """Negative log-likelihood of the targets."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(targets)), targets].sum())
'''},
        failing_checks=frozenset({"cross_entropy"}),
    ),
    WrongSubmission(
        name="dense_forward_without_bias",
        why="the bias is left out of the dense layer; mlp_forward, built from it, fails too",
        replacements={"dense_forward": '''def dense_forward(x, W, b):
    """Affine layer."""
    return x @ W, (x, W, b)
'''},
        failing_checks=frozenset({"dense_forward", "mlp_forward"}),
    ),
    WrongSubmission(
        name="window_inputs_drops_last_window",
        why="off by one: only the L-k windows that have a target inside the sequence",
        replacements={"window_inputs": '''def window_inputs(indices, k, vocab_size):
    """Concatenated one-hots of every window of k consecutive characters."""
    L = len(indices)
    positions = np.arange(L - k)[:, None] + np.arange(k)
    return one_hot(indices[positions], vocab_size).reshape(L - k, k * vocab_size)
'''},
        failing_checks=frozenset({"window_inputs"}),
    ),
]
