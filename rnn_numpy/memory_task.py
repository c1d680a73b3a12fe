"""The memory question of notebook 02's hand-designed RNN: "has the letter a appeared yet?"

Sequences are over the alphabet MEMORY_ALPHABET = "abc", fed one-hot (D = 3). At every step t
the network must answer whether an "a" has appeared at any step 1..t (inclusive: steps count
from 1, docs/NOTATION.md). The answer is read off the output logits y_t = h_t Wy + by (2 classes):
class 1 = "yes", class 0 = "no";
the network answers "yes" at step t exactly when y_t[1] > y_t[0].

The learner chooses the weights by hand (no training), as a dict
    {"Wx": (3, H), "Wh": (H, H), "b": (H,), "Wy": (H, 2), "by": (2,)}
for any hidden size H >= 1, and the network starts from the zero state h_0 = 0.
`score_weights` runs them through the reference forward pass on fresh sequences.
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.shapes import Shapes

MEMORY_ALPHABET = "abc"
NUM_SYMBOLS = len(MEMORY_ALPHABET)  # D: one-hot input size
NUM_ANSWERS = 2  # class 0 = "no a yet", class 1 = "an a has appeared"
WEIGHT_NAMES = ("Wx", "Wh", "b", "Wy", "by")


def memory_sequences(rng, num_sequences, min_length=1, max_length=30, p_a=None):
    """Random sequences over "abc" and, for each step, whether an "a" has appeared so far.

    Lengths are uniform in [min_length, max_length]. Each sequence draws its own probability of
    "a" per step (uniform in [0, 0.3] unless p_a is given), so the first "a" comes early, late
    or never. Sequences are padded with -1 (symbols) and 0 (labels) to max_length.
    Inputs:
    - rng: a numpy Generator
    - num_sequences: N, a whole number >= 1
    Returns:
    - symbols: integers in {0, 1, 2} (a, b, c) and -1 for padding, shape (N, T) with T = max_length
    - labels: 1 where an "a" has appeared at or before that step, else 0, shape (N, T)
    - lengths: the length of each sequence, shape (N,)
    """
    shapes = Shapes("memory_sequences")
    n = shapes.positive_int("num_sequences", num_sequences)
    t_max = shapes.positive_int("max_length", max_length)
    t_min = shapes.positive_int("min_length", min_length)
    if t_min > t_max:
        raise ValueError("memory_sequences: min_length must not exceed max_length")
    lengths = rng.integers(t_min, t_max + 1, size=n)
    p = rng.uniform(0.0, 0.3, size=(n, 1)) if p_a is None else np.full((n, 1), float(p_a))
    is_a = rng.random((n, t_max)) < p
    other = rng.integers(1, NUM_SYMBOLS, size=(n, t_max))  # "b" or "c"
    symbols = np.where(is_a, 0, other)
    labels = (np.cumsum(symbols == 0, axis=1) > 0).astype(np.int64)
    padding = np.arange(t_max)[None, :] >= lengths[:, None]
    symbols[padding] = -1
    labels[padding] = 0
    return symbols.astype(np.int64), labels, lengths.astype(np.int64)


def edge_sequences(length=30):
    """Sequences that catch almost-right weights: no "a" at all, "a" only at the first step,
    only at the last step, all "a", an "a" followed by a long run of other letters, length 1.
    Returns (symbols, labels, lengths) like `memory_sequences`."""
    rows = [
        "b" * length,
        "c" * length,
        "a" + "c" * (length - 1),
        "b" * (length - 1) + "a",
        "a" * length,
        "abcbcbcbcbcbcbcbcbcbcbcbcbcbcb"[:length],
        "a",
        "b",
        "c",
        "cb" * (length // 2),
        "bcacbcbcbcbbbbbbbbbbbbbbbbbbbb"[:length],
    ]
    n = len(rows)
    symbols = np.full((n, length), -1, dtype=np.int64)
    labels = np.zeros((n, length), dtype=np.int64)
    lengths = np.array([len(row) for row in rows], dtype=np.int64)
    for i, row in enumerate(rows):
        codes = [MEMORY_ALPHABET.index(ch) for ch in row]
        symbols[i, : len(row)] = codes
        labels[i, : len(row)] = np.cumsum(np.array(codes) == 0) > 0
    return symbols, labels, lengths


def check_weight_shapes(weights) -> list[str]:
    """Problems with the learner's dict of weights (empty if the shapes are right)."""
    if not isinstance(weights, dict):
        return [
            f"hand_designed_rnn must return a dict with keys {list(WEIGHT_NAMES)}, "
            f"got a {type(weights).__name__}"
        ]
    missing = [name for name in WEIGHT_NAMES if name not in weights]
    if missing:
        return [f"the dict of weights is missing {missing}"]
    try:
        shapes = Shapes("hand_designed_rnn", D=NUM_SYMBOLS, K=NUM_ANSWERS)
        shapes.floats("Wx", np.asarray(weights["Wx"], dtype=float), ("D", "H"))
        shapes.floats("Wh", np.asarray(weights["Wh"], dtype=float), ("H", "H"))
        shapes.floats("b", np.asarray(weights["b"], dtype=float), ("H",))
        shapes.floats("Wy", np.asarray(weights["Wy"], dtype=float), ("H", "K"))
        shapes.floats("by", np.asarray(weights["by"], dtype=float), ("K",))
    except (TypeError, ValueError) as error:
        return [str(error)]
    if not all(
        np.all(np.isfinite(np.asarray(weights[name], dtype=float))) for name in WEIGHT_NAMES
    ):
        return ["the weights must be finite numbers (no NaN or inf)"]
    return []


def answers(weights, symbols, lengths):
    """The network's yes/no answer at every step, run through the reference forward pass.

    Inputs:
    - weights: dict with Wx (3, H), Wh (H, H), b (H,), Wy (H, 2), by (2,)
    - symbols: integers in {0, 1, 2}, -1 for padding, shape (N, T)
    - lengths: shape (N,)
    Returns:
    - said_yes: 1 where y_t[1] > y_t[0], else 0 (0 on padding), shape (N, T)
    """
    from rnn_numpy.rnn import masked_rnn_forward, rnn_output

    Wx, Wh, b, Wy, by = (np.asarray(weights[name], dtype=np.float64) for name in WEIGHT_NAMES)
    n, _ = symbols.shape
    x = np.eye(NUM_SYMBOLS)[np.maximum(symbols, 0)]  # (N, T, 3)
    h, _ = masked_rnn_forward(x, np.zeros((n, Wh.shape[0])), Wx, Wh, b, lengths)
    logits, _ = rnn_output(h, Wy, by)  # (N, T, 2)
    said_yes = (logits[..., 1] > logits[..., 0]).astype(np.int64)
    said_yes[symbols < 0] = 0
    return said_yes


def score_weights(weights, symbols, labels, lengths):
    """Fraction of (sequence, step) pairs, over real steps only, answered correctly, and the
    index of the first wrong sequence (or None)."""
    problems = check_weight_shapes(weights)
    if problems:
        raise ValueError("; ".join(problems))
    said_yes = answers(weights, symbols, lengths)
    real = symbols >= 0
    correct = (said_yes == labels) | ~real
    accuracy = float(correct[real].mean())
    wrong_rows = np.flatnonzero(~correct.all(axis=1))
    return accuracy, (int(wrong_rows[0]) if wrong_rows.size else None)


def example_weights(scale=10.0):
    """One hand-designed answer (H = 1): h_t ~ +1 once an "a" has appeared, ~ -1 before.

    The "a" input (+2s) outweighs a state of -1 (-s) and the bias (-s/2); once h ~ +1 the state
    term (+s) outweighs the bias whatever the input, so the state latches at +1.
    """
    s = float(scale)
    return {
        "Wx": np.array([[2 * s], [0.0], [0.0]]),
        "Wh": np.array([[s]]),
        "b": np.array([-s / 2]),
        "Wy": np.array([[-1.0, 1.0]]),
        "by": np.zeros(2),
    }
