"""The common mistakes of notebook 01 (the limits of a feed-forward model), exercise by exercise.

Each `Mistake` is the whole function a learner who made it would have written, with the hint
that names it. The hidden checks (grader/checks/feedforward_limits.py) take `MISTAKES[exercise]`;
the visible checks' data (grader/visible_expectations/feedforward_limits.py) names mistakes by id;
tests/checks/test_mistakes.py holds every entry to its flags. The package docstring
(grader/mistakes/__init__.py) describes `MISTAKES`, `UNSCORED` and `VARIANTS`.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from grader.checks.common import quiet_mistake, tanh_by_exp
from rnn_numpy.activations import softmax
from rnn_numpy.baselines import memoryless_loss_floor
from rnn_numpy.encoding import window_inputs
from rnn_numpy.losses import cross_entropy, softmax_cross_entropy_backward

# -- one_hot -----------------------------------------------------------------------------------


ONE_HOT_MISTAKES = [
    quiet_mistake(
        "flattened",
        "the indices were flattened, so the shape lost the batch axes",
        lambda idx, V: np.eye(V)[np.ravel(idx)],
    ),
    quiet_mistake(
        "transposed",
        "the result was transposed to (V, N) instead of (N, V)",
        lambda idx, V: np.eye(V)[idx].T,
    ),
    quiet_mistake(
        "integers",
        "the one-hot vectors are integers (0 and 1), not floats",
        lambda idx, V: (np.asarray(idx)[..., None] == np.arange(V)).astype(np.int64),
        hinted=False,
    ),
]


# -- softmax -----------------------------------------------------------------------------------


def naive_softmax(logits, axis=-1):
    exps = np.exp(logits)
    return exps / exps.sum(axis=axis, keepdims=True)


def global_max_softmax(logits, axis=-1):
    exps = np.exp(logits - logits.max())
    return exps / exps.sum(axis=axis, keepdims=True)


def no_keepdims_softmax(logits, axis=-1):
    exps = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis)


def shifting_softmax(logits, axis=-1):
    logits -= logits.max(axis=axis, keepdims=True)  # changes the caller's array
    exps = np.exp(logits)
    return exps / exps.sum(axis=axis, keepdims=True)


SOFTMAX_MISTAKES = [
    quiet_mistake(
        "no_max_subtracted",
        "exp was taken without subtracting the maximum first (overflow at large logits)",
        naive_softmax,
    ),
    quiet_mistake(
        "global_max",
        "the maximum of the whole array was subtracted instead of each row's own maximum",
        global_max_softmax,
        caught_by_visible_check=False,
    ),
    quiet_mistake(
        "axis_ignored",
        "the axis argument was ignored (the last axis was always used)",
        lambda logits, axis=-1: softmax(logits, axis=-1),
    ),
    quiet_mistake(
        "sum_over_axis_0",
        "the sum was taken over axis 0 instead of the given axis",
        lambda logits, axis=-1: softmax(logits, axis=0),
    ),
    quiet_mistake(
        "no_keepdims",
        "the sum lost its axis (keepdims=True missing), so the division broadcast "
        "along the wrong axis",
        no_keepdims_softmax,
        caught_by_visible_check=False,
    ),
]


# -- cross_entropy and its backward ------------------------------------------------------------


def naive_cross_entropy(logits, targets):
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return float(-np.log(probs[np.arange(len(targets)), targets]).mean())


def log_of_softmax_cross_entropy(logits, targets):
    return float(-np.log(softmax(logits)[np.arange(len(targets)), targets]).mean())


def shifting_cross_entropy(logits, targets):
    logits -= logits.max(axis=1, keepdims=True)  # changes the caller's logits
    return cross_entropy(logits, targets)


CROSS_ENTROPY_MISTAKES = [
    quiet_mistake(
        "summed",
        "the losses of the N rows were summed, not averaged",
        lambda logits, targets: cross_entropy(logits, targets) * len(targets),
    ),
    quiet_mistake(
        "log_of_softmax",
        "log was taken of softmax probabilities, which underflow to 0 at large logits "
        "(use log-sum-exp: logits - max - log(sum(exp(logits - max))))",
        log_of_softmax_cross_entropy,
    ),
    quiet_mistake(
        "no_max_subtracted",
        "exp was taken without subtracting the maximum first",
        naive_cross_entropy,
    ),
    quiet_mistake(
        "sign_dropped",
        "the minus sign was dropped",
        lambda logits, targets: -cross_entropy(logits, targets),
    ),
    quiet_mistake(
        "not_normalised",
        "the score of the target was used without normalising by log-sum-exp",
        lambda logits, targets: float(-logits[np.arange(len(targets)), targets].mean()),
    ),
]


def naive_backward(logits, targets):
    probs = naive_softmax(logits, axis=1)
    probs[np.arange(len(targets)), targets] -= 1.0
    return probs / len(targets)


def in_place_backward(logits, targets):
    probs = shifting_softmax(logits, axis=1)  # logits shifted in place
    probs[np.arange(len(targets)), targets] -= 1.0
    return probs / len(targets)


BACKWARD_MISTAKES = [
    quiet_mistake(
        "no_mean",
        "the 1/N of the mean was forgotten",
        lambda logits, targets: softmax_cross_entropy_backward(logits, targets) * len(targets),
    ),
    quiet_mistake(
        "sign_flipped",
        "the sign is flipped (one_hot - softmax instead of softmax - one_hot)",
        lambda logits, targets: -softmax_cross_entropy_backward(logits, targets),
    ),
    quiet_mistake(
        "one_hot_not_subtracted",
        "the one-hot of the targets was not subtracted",
        lambda logits, targets: softmax(logits) / len(targets),
    ),
    quiet_mistake(
        "no_max_subtracted", "exp was taken without subtracting the maximum first", naive_backward
    ),
]


# -- dense_forward and mlp_forward -------------------------------------------------------------


def dense(out):
    """A dense_forward whose output is out(x, W, b), with the documented cache."""
    return lambda x, W, b: (out(x, W, b), (x, W, b))


DENSE_MISTAKES = [
    quiet_mistake("no_bias", "the bias b was left out", dense(lambda x, W, b: x @ W)),
    quiet_mistake("W_transposed", "W was transposed (x @ W.T)", dense(lambda x, W, b: x @ W.T + b)),
    quiet_mistake(
        "bias_subtracted",
        "the bias was subtracted instead of added",
        dense(lambda x, W, b: x @ W - b),
    ),
    quiet_mistake(
        "cache_order",
        "the cache holds (W, x, b) instead of (x, W, b)",
        lambda x, W, b: (x @ W + b, (W, x, b)),
    ),
    quiet_mistake(
        "cache_with_output",
        "the cache holds the output too, (x, W, b, out), instead of (x, W, b)",
        lambda x, W, b: (x @ W + b, (x, W, b, x @ W + b)),
    ),
]


def mlp(hidden, logits_of=lambda h, W2, b2: h @ W2 + b2, cached=None):
    """An mlp_forward with hidden layer hidden(x, W1, b1) and the documented cache (or the
    array cached(x, W1, b1) where the cache should hold h)."""

    def forward(x, W1, b1, W2, b2):
        h = hidden(x, W1, b1)
        stored = h if cached is None else cached(x, W1, b1)
        return logits_of(h, W2, b2), (x, W1, b1, stored, W2, b2)

    return forward


def relu(a):
    return np.maximum(a, 0.0)


MLP_MISTAKES = [
    quiet_mistake(
        "no_tanh",
        "the tanh was left out (the hidden layer is linear)",
        mlp(lambda x, W1, b1: x @ W1 + b1),
    ),
    quiet_mistake(
        "tanh_on_logits",
        "tanh was also applied to the logits",
        mlp(lambda x, W1, b1: np.tanh(x @ W1 + b1), lambda h, W2, b2: np.tanh(h @ W2 + b2)),
    ),
    quiet_mistake(
        "relu", "ReLU was used instead of tanh", mlp(lambda x, W1, b1: relu(x @ W1 + b1))
    ),
    quiet_mistake(
        "no_output_bias",
        "the output bias b2 was left out",
        mlp(lambda x, W1, b1: np.tanh(x @ W1 + b1), lambda h, W2, b2: h @ W2),
    ),
    quiet_mistake(
        "bias_after_tanh",
        "the hidden bias b1 was added after the tanh",
        mlp(lambda x, W1, b1: np.tanh(x @ W1) + b1),
    ),
    quiet_mistake(
        "cache_pre_activation",
        "the cache holds the pre-activation x @ W1 + b1 where it should hold h = tanh(x @ W1 + b1)",
        mlp(lambda x, W1, b1: np.tanh(x @ W1 + b1), cached=lambda x, W1, b1: x @ W1 + b1),
    ),
    quiet_mistake(
        "tanh_by_exp",
        "tanh was written with exp, (e^a - e^-a) / (e^a + e^-a), which overflows to "
        "inf / inf = nan for |a| > 709",
        mlp(lambda x, W1, b1: tanh_by_exp(x @ W1 + b1)),
    ),
]


# -- memoryless_loss_floor ---------------------------------------------------------------------


def pair_entropy(text, log=np.log, by_context=None, joint=False, wrap=False):
    pairs = [(text[i], text[i + 1]) for i in range(len(text) - 1)]
    if wrap:
        pairs.append((text[-1], text[0]))
    counts = Counter(pairs)
    context = by_context or Counter(a for a, _ in pairs)
    total = len(pairs)
    if joint:
        return float(-sum(c * log(c / total) for c in counts.values()) / total)
    return float(-sum(c * log(c / context[a]) for (a, _), c in counts.items()) / total)


def marginal_entropy(text):
    counts = Counter(text[1:])
    n = len(text) - 1
    return float(-sum(c * math.log(c / n) for c in counts.values()) / n)


def unweighted_entropy(text):
    pairs = Counter((text[i], text[i + 1]) for i in range(len(text) - 1))
    contexts = Counter(a for a, _ in pairs.elements())
    per_context = {
        a: -sum(
            c / contexts[a] * math.log(c / contexts[a]) for (a2, _), c in pairs.items() if a2 == a
        )
        for a in contexts
    }
    return float(np.mean(list(per_context.values())))


FLOOR_MISTAKES = [
    quiet_mistake(
        "bits",
        "the entropy is in bits (log base 2) instead of nats (natural log)",
        lambda text: memoryless_loss_floor(text) / math.log(2),
    ),
    quiet_mistake(
        "marginal",
        "the current character was ignored: this is the entropy of the next character alone",
        marginal_entropy,
    ),
    quiet_mistake(
        "joint",
        "the pair counts were divided by the number of pairs, not by how often the current "
        "character starts a pair (joint instead of conditional entropy)",
        lambda text: pair_entropy(text, joint=True),
    ),
    quiet_mistake(
        "context_counts_last",
        "p(b | a) was divided by how often a occurs in the whole text, including the last "
        "character, which starts no pair",
        lambda text: pair_entropy(text, by_context=Counter(text)),
    ),
    quiet_mistake(
        "wrap_around",
        "a pair wrapping around from the last character to the first was added",
        lambda text: pair_entropy(text, wrap=True),
    ),
    quiet_mistake(
        "unweighted",
        "the entropies of the current characters were averaged without weighting them by "
        "how often each occurs",
        unweighted_entropy,
    ),
]


# -- window_inputs -----------------------------------------------------------------------------


WINDOW_MISTAKES = [
    quiet_mistake(
        "last_dropped",
        "the last window was dropped (T-w rows instead of T-w+1)",
        lambda idx, w, V: window_inputs(idx, w, V)[:-1],
    ),
    quiet_mistake(
        "first_dropped",
        "the first window was dropped (T-w rows instead of T-w+1)",
        lambda idx, w, V: window_inputs(idx, w, V)[1:],
    ),
    quiet_mistake(
        "newest_first",
        "each window is ordered newest character first instead of oldest first",
        lambda idx, w, V: window_inputs(idx, w, V).reshape(-1, w, V)[:, ::-1].reshape(-1, w * V),
    ),
    quiet_mistake(
        "class_major",
        "the (w, V) block of each window was flattened class-major (transposed) instead of "
        "character after character",
        lambda idx, w, V: (
            window_inputs(idx, w, V).reshape(-1, w, V).transpose(0, 2, 1).reshape(-1, w * V)
        ),
    ),
    quiet_mistake(
        "summed",
        "the one-hots of a window were summed (a bag of characters) instead of concatenated",
        lambda idx, w, V: window_inputs(idx, w, V).reshape(-1, w, V).sum(axis=1),
    ),
    quiet_mistake(
        "not_reshaped",
        "the windows were returned with shape (T-w+1, w, V), not reshaped to (T-w+1, w*V)",
        lambda idx, w, V: window_inputs(idx, w, V).reshape(-1, w, V),
    ),
    quiet_mistake(
        "integers",
        "the windows are integers (0 and 1), not floats",
        lambda idx, w, V: window_inputs(idx, w, V).astype(np.int64),
        hinted=False,
    ),
]


# Mistakes whose returned values are right: an argument changed in place. What a function
# does to its inputs is only the kernel's account of itself (learner code can copy the
# inputs first, or replace the helper that compares them), so it carries no points
# (issue 15): the visible check names these, the hidden check keeps them to show that they
# keep full marks (tests/checks/test_every_check.py).
UNSCORED = {
    "softmax": [
        quiet_mistake(
            "in_place",
            "the maximum was subtracted in place (logits -= ...), which changes the caller's "
            "logits",
            shifting_softmax,
        )
    ],
    "cross_entropy": [
        quiet_mistake(
            "in_place",
            "the maximum was subtracted from the logits in place (logits -= ...), which "
            "changes the caller's array",
            shifting_cross_entropy,
        )
    ],
    "softmax_cross_entropy_backward": [
        quiet_mistake(
            "in_place",
            "the logits were shifted in place (logits -= ...), which changes the caller's array",
            in_place_backward,
        )
    ],
}


MISTAKES = {
    "softmax": SOFTMAX_MISTAKES,
    "cross_entropy": CROSS_ENTROPY_MISTAKES,
    "softmax_cross_entropy_backward": BACKWARD_MISTAKES,
    "dense_forward": DENSE_MISTAKES,
    "mlp_forward": MLP_MISTAKES,
    "memoryless_loss_floor": FLOOR_MISTAKES,
    "one_hot": ONE_HOT_MISTAKES,
    "window_inputs": WINDOW_MISTAKES,
}
VARIANTS: dict = {}  # each mistake here is written out on its own
