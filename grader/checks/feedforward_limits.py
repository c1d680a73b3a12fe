"""Hidden checks of notebook 01_feedforward_limits.

Every check compares the learner's function with the reference on cases whose structure
discriminates (N=1, V=1 or 2, |logits| = 1e4, square and non-square weights, pre-activations
beyond |a| = 709 where tanh written with exp overflows, w=1, w=T, texts made of one repeated
character), with values drawn from the generator the framework passes (the same for every
student in the fixed set, new in every fresh set). Each listed mistake is the function a
learner who made it would have written; the cases catch every one of them, whatever the draw
(tests/checks/test_catch_rates.py).
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from rnn_numpy.activations import softmax
from rnn_numpy.baselines import memoryless_loss_floor
from grader.checks.common import mistake, tanh_by_exp, with_dtype
from grader.checks.framework import Case, Upstream, function_check
from rnn_numpy.encoding import one_hot, window_inputs
from rnn_numpy.losses import cross_entropy, softmax_cross_entropy_backward
from rnn_numpy.mlp import dense_forward, mlp_forward




def _normal(rng, *shape, scale=1.0):
    return scale * rng.standard_normal(shape)


def _ints(rng, high, *shape):
    return rng.integers(0, high, size=shape).astype(np.int64)


# -- one_hot -----------------------------------------------------------------------------------
def one_hot_cases(rng):
    return [
        Case("N=1, V=1", (np.array([0]), 1)),
        Case("every class once, V=7", (rng.permutation(7).astype(np.int64), 7)),
        Case("2-D indices of shape (3, 4), V=6", (_ints(rng, 6, 3, 4), 6)),
        Case("a single index (shape ()), V=4", (np.array(int(rng.integers(4))), 4)),
        Case("int32 indices, N=5, V=3", (_ints(rng, 3, 5).astype(np.int32), 3)),
        Case("N=6, V=2", (_ints(rng, 2, 6), 2)),
        Case("1-D indices, N=9, V=5", (_ints(rng, 5, 9), 5)),
        Case("2-D indices of shape (2, 5), V=4", (_ints(rng, 4, 2, 5), 4)),
    ]


ONE_HOT_MISTAKES = [
    mistake("the indices were flattened, so the shape lost the batch axes",
            lambda idx, V: np.eye(V)[np.ravel(idx)]),
    mistake("the result was transposed to (V, N) instead of (N, V)",
            lambda idx, V: np.eye(V)[idx].T),
    mistake("the one-hot vectors are integers (0 and 1), not floats",
            lambda idx, V: (np.asarray(idx)[..., None] == np.arange(V)).astype(np.int64)),
]


# -- softmax -----------------------------------------------------------------------------------
def softmax_cases(rng):
    large = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4 + 1.0, -1e4 + 2.0, -1e4]])
    return [
        Case("N=1, V=1", (_normal(rng, 1, 1),)),
        Case("N=1, V=2", (_normal(rng, 1, 2),)),
        Case("square N=V=4", (_normal(rng, 4, 4, scale=2.0),)),
        Case("|logits| = 1e4, rows of very different size", (large,)),
        Case("a single vector of 6 logits (shape (6,))", (_normal(rng, 6, scale=2.0),)),
        Case("axis=0 on shape (5, 3)", (_normal(rng, 5, 3),), {"axis": 0}),
        Case("axis=1 on shape (2, 3, 4)", (_normal(rng, 2, 3, 4),), {"axis": 1}),
        Case("N=5, V=6, moderate logits", (_normal(rng, 5, 6, scale=3.0),)),
        Case("N=3, V=5, random logits of size 1e4", (_normal(rng, 3, 5, scale=1e4),)),
    ]


def _naive_softmax(logits, axis=-1):
    exps = np.exp(logits)
    return exps / exps.sum(axis=axis, keepdims=True)


def _global_max_softmax(logits, axis=-1):
    exps = np.exp(logits - logits.max())
    return exps / exps.sum(axis=axis, keepdims=True)


def _no_keepdims_softmax(logits, axis=-1):
    exps = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis)


def _shifting_softmax(logits, axis=-1):
    logits -= logits.max(axis=axis, keepdims=True)       # changes the caller's array
    exps = np.exp(logits)
    return exps / exps.sum(axis=axis, keepdims=True)


SOFTMAX_MISTAKES = [
    mistake("exp was taken without subtracting the maximum first (overflow at large logits)",
            _naive_softmax),
    mistake("the maximum of the whole array was subtracted instead of each row's own maximum",
            _global_max_softmax),
    mistake("the axis argument was ignored (the last axis was always used)",
            lambda logits, axis=-1: softmax(logits, axis=-1)),
    mistake("the sum was taken over axis 0 instead of the given axis",
            lambda logits, axis=-1: softmax(logits, axis=0)),
    mistake("the sum lost its axis (keepdims=True missing), so the division broadcast "
            "along the wrong axis", _no_keepdims_softmax),
]


# -- cross_entropy and its backward ------------------------------------------------------------
def loss_cases(rng):
    big = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0], [5.0, -1e4, 1e4]])
    return [
        Case("N=1, V=1 (the only class is always right)", (_normal(rng, 1, 1), np.array([0]))),
        Case("N=1, V=2", (_normal(rng, 1, 2), _ints(rng, 2, 1))),
        Case("N=3, V=2, all logits zero", (np.zeros((3, 2)), _ints(rng, 2, 3))),
        Case("N=4, V=5, every row a different target", (_normal(rng, 4, 5, scale=2.0),
                                                       rng.permutation(5)[:4].astype(np.int64))),
        Case("|logits| = 1e4, targets at the smallest logit", (big, np.array([1, 0, 1]))),
        Case("|logits| = 1e4, targets at the largest logit", (big, np.array([0, 1, 2]))),
        Case("N=7, V=5, random logits", (_normal(rng, 7, 5, scale=2.0), _ints(rng, 5, 7))),
        Case("N=4, V=9, random logits", (_normal(rng, 4, 9), _ints(rng, 9, 4))),
    ]


def _naive_cross_entropy(logits, targets):
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return float(-np.log(probs[np.arange(len(targets)), targets]).mean())


def _log_of_softmax_cross_entropy(logits, targets):
    return float(-np.log(softmax(logits)[np.arange(len(targets)), targets]).mean())


def _shifting_cross_entropy(logits, targets):
    logits -= logits.max(axis=1, keepdims=True)          # changes the caller's logits
    return cross_entropy(logits, targets)


CROSS_ENTROPY_MISTAKES = [
    mistake("the losses of the N rows were summed, not averaged",
            lambda logits, targets: cross_entropy(logits, targets) * len(targets)),
    mistake("log was taken of softmax probabilities, which underflow to 0 at large logits "
            "(use log-sum-exp: logits - max - log(sum(exp(logits - max))))",
            _log_of_softmax_cross_entropy),
    mistake("exp was taken without subtracting the maximum first", _naive_cross_entropy),
    mistake("the minus sign was dropped",
            lambda logits, targets: -cross_entropy(logits, targets)),
    mistake("the score of the target was used without normalising by log-sum-exp",
            lambda logits, targets: float(-logits[np.arange(len(targets)), targets].mean())),
]


def _naive_backward(logits, targets):
    probs = _naive_softmax(logits, axis=1)
    probs[np.arange(len(targets)), targets] -= 1.0
    return probs / len(targets)


def _in_place_backward(logits, targets):
    probs = _shifting_softmax(logits, axis=1)            # logits shifted in place
    probs[np.arange(len(targets)), targets] -= 1.0
    return probs / len(targets)


def backward_calls(up, logits, targets):
    """The calls a correct softmax_cross_entropy_backward makes to the learner's softmax (either
    way of naming the class axis of an (N, V) array)."""
    up.softmax(logits, 1)
    up.softmax(logits, -1)


BACKWARD_MISTAKES = [
    mistake("the 1/N of the mean was forgotten",
            lambda logits, targets: softmax_cross_entropy_backward(logits, targets) * len(targets)),
    mistake("the sign is flipped (one_hot - softmax instead of softmax - one_hot)",
            lambda logits, targets: -softmax_cross_entropy_backward(logits, targets)),
    mistake("the one-hot of the targets was not subtracted",
            lambda logits, targets: softmax(logits) / len(targets)),
    mistake("exp was taken without subtracting the maximum first", _naive_backward),
]


# -- dense_forward and mlp_forward -------------------------------------------------------------
def dense_cases(rng):
    return [
        Case("N=1, D=1, H=1", (_normal(rng, 1, 1), _normal(rng, 1, 1), _normal(rng, 1))),
        Case("N=4, D=3, H=5 (W not square)", (_normal(rng, 4, 3), _normal(rng, 3, 5), _normal(rng, 5))),
        Case("zero input x (out must equal b in every row)",
             (np.zeros((3, 4)), _normal(rng, 4, 2), _normal(rng, 2))),
        Case("square D=H=4", (_normal(rng, 2, 4), _normal(rng, 4, 4), _normal(rng, 4))),
        Case("one-hot inputs, N=5, D=6, H=3",
             (one_hot(_ints(rng, 6, 5), 6), _normal(rng, 6, 3), _normal(rng, 3))),
        Case("N=3, D=2, H=4, random", (_normal(rng, 3, 2), _normal(rng, 2, 4), _normal(rng, 4))),
    ]


def _dense(out):
    """A dense_forward whose output is out(x, W, b), with the documented cache."""
    return lambda x, W, b: (out(x, W, b), (x, W, b))


DENSE_MISTAKES = [
    mistake("the bias b was left out", _dense(lambda x, W, b: x @ W)),
    mistake("W was transposed (x @ W.T)", _dense(lambda x, W, b: x @ W.T + b)),
    mistake("the bias was subtracted instead of added", _dense(lambda x, W, b: x @ W - b)),
    mistake("the cache holds (W, x, b) instead of (x, W, b)",
            lambda x, W, b: (x @ W + b, (W, x, b))),
    mistake("the cache holds the output too, (x, W, b, out), instead of (x, W, b)",
            lambda x, W, b: (x @ W + b, (x, W, b, x @ W + b))),
]
DENSE_OUTPUTS = ("out", ("cache", ("x", "W", "b")))


def mlp_cases(rng):
    def params(D, H, V, scale=1.0):
        return (_normal(rng, D, H, scale=scale), _normal(rng, H), _normal(rng, H, V),
                _normal(rng, V))
    def drawn(D, H, V):
        return (_normal(rng, D, H), _normal(rng, H), _normal(rng, H, V), _normal(rng, V))
    return [
        Case("N=1, D=1, H=1, V=1", (_normal(rng, 1, 1), *params(1, 1, 1))),
        Case("zero input x (logits must be tanh(b1) @ W2 + b2)",
             (np.zeros((2, 3)), *params(3, 4, 5))),
        Case("square D=H=V=3", (_normal(rng, 4, 3), *params(3, 3, 3))),
        Case("pre-activations beyond 709 (tanh saturates; exp would overflow)",
             (_normal(rng, 3, 4, scale=1e4), *params(4, 5, 2))),
        Case("N=5, D=4, H=6, V=3", (_normal(rng, 5, 4), *drawn(4, 6, 3))),
        Case("one-hot inputs, N=6, D=V=5, H=4", (one_hot(_ints(rng, 5, 6), 5), *drawn(5, 4, 5))),
    ]


def _mlp(hidden, logits_of=lambda h, W2, b2: h @ W2 + b2, cached=None):
    """An mlp_forward with hidden layer hidden(x, W1, b1) and the documented cache (or the
    array cached(x, W1, b1) where the cache should hold h)."""
    def forward(x, W1, b1, W2, b2):
        h = hidden(x, W1, b1)
        stored = h if cached is None else cached(x, W1, b1)
        return logits_of(h, W2, b2), (x, W1, b1, stored, W2, b2)
    return forward


def _relu(a):
    return np.maximum(a, 0.0)


def mlp_calls(up, x, W1, b1, W2, b2):
    """The calls a correct mlp_forward makes to the learner's dense_forward (if it uses it)."""
    a, _ = up.dense_forward(x, W1, b1)
    up.dense_forward(np.tanh(a), W2, b2)


MLP_MISTAKES = [
    mistake("the tanh was left out (the hidden layer is linear)",
            _mlp(lambda x, W1, b1: x @ W1 + b1)),
    mistake("tanh was also applied to the logits",
            _mlp(lambda x, W1, b1: np.tanh(x @ W1 + b1),
                 lambda h, W2, b2: np.tanh(h @ W2 + b2))),
    mistake("ReLU was used instead of tanh", _mlp(lambda x, W1, b1: _relu(x @ W1 + b1))),
    mistake("the output bias b2 was left out",
            _mlp(lambda x, W1, b1: np.tanh(x @ W1 + b1), lambda h, W2, b2: h @ W2)),
    mistake("the hidden bias b1 was added after the tanh",
            _mlp(lambda x, W1, b1: np.tanh(x @ W1) + b1)),
    mistake("the cache holds the pre-activation x @ W1 + b1 where it should hold "
            "h = tanh(x @ W1 + b1)", _mlp(lambda x, W1, b1: np.tanh(x @ W1 + b1),
                                          cached=lambda x, W1, b1: x @ W1 + b1)),
    mistake("tanh was written with exp, (e^a - e^-a) / (e^a + e^-a), which overflows to "
            "inf / inf = nan for |a| > 709 (use np.tanh)",
            _mlp(lambda x, W1, b1: tanh_by_exp(x @ W1 + b1))),
]
MLP_OUTPUTS = ("logits", ("cache", ("x", "W1", "b1", "h", "W2", "b2")))


# -- memoryless_loss_floor ---------------------------------------------------------------------
def floor_cases(rng):
    def random_text(alphabet, length):
        return "".join(rng.choice(list(alphabet), size=length))
    return [
        Case("a single repeated character 'aaaa'", ("aaaa",)),
        Case("two characters 'ab' (one pair)", ("ab",)),
        Case("'abab...' (always predictable)", ("ab" * int(rng.integers(3, 8)),)),
        Case("'aab' (two pairs, same current character)", ("aab",)),
        Case("'abacabad' (a is followed by b, c and d)", ("abacabad",)),
        Case("'the player and the layer'", ("the player and the layer",)),
        Case("the last character occurs only at the end", (random_text("ab", 12) + "z",)),
        Case("random text over 'abc ', 40 characters", (random_text("abc ", 40),)),
        Case("words built from 'layer', 200 characters",
             (" ".join(rng.choice(["layer", "player", "relay", "lay", "year", "eye"], size=40))[:200],)),
    ]


def _pair_entropy(text, log=np.log, by_context=None, joint=False, wrap=False):
    pairs = [(text[i], text[i + 1]) for i in range(len(text) - 1)]
    if wrap:
        pairs.append((text[-1], text[0]))
    counts = Counter(pairs)
    context = by_context or Counter(a for a, _ in pairs)
    total = len(pairs)
    if joint:
        return float(-sum(c * log(c / total) for c in counts.values()) / total)
    return float(-sum(c * log(c / context[a]) for (a, _), c in counts.items()) / total)


def _marginal_entropy(text):
    counts = Counter(text[1:])
    n = len(text) - 1
    return float(-sum(c * math.log(c / n) for c in counts.values()) / n)


def _unweighted_entropy(text):
    pairs = Counter((text[i], text[i + 1]) for i in range(len(text) - 1))
    contexts = Counter(a for a, _ in pairs.elements())
    per_context = {a: -sum(c / contexts[a] * math.log(c / contexts[a])
                           for (a2, _), c in pairs.items() if a2 == a) for a in contexts}
    return float(np.mean(list(per_context.values())))


FLOOR_MISTAKES = [
    mistake("the entropy is in bits (log base 2) instead of nats (natural log)",
            lambda text: memoryless_loss_floor(text) / math.log(2)),
    mistake("the current character was ignored: this is the entropy of the next character alone",
            _marginal_entropy),
    mistake("the pair counts were divided by the number of pairs, not by how often the current "
            "character starts a pair (joint instead of conditional entropy)",
            lambda text: _pair_entropy(text, joint=True)),
    mistake("p(b | a) was divided by how often a occurs in the whole text, including the last "
            "character, which starts no pair",
            lambda text: _pair_entropy(text, by_context=Counter(text))),
    mistake("a pair wrapping around from the last character to the first was added",
            lambda text: _pair_entropy(text, wrap=True)),
    mistake("the entropies of the current characters were averaged without weighting them by "
            "how often each occurs", _unweighted_entropy),
]


# -- window_inputs -----------------------------------------------------------------------------
def window_cases(rng):
    return [
        Case("T=1, w=1, V=1", (np.array([0]), 1, 1)),
        Case("w=1 (just one-hots), T=5, V=3", (_ints(rng, 3, 5), 1, 3)),
        Case("w equal to the length, T=4, V=2", (np.array([0, 1])[rng.permutation(4) % 2], 4, 2)),
        Case("T=9, w=4, V=6", (rng.permutation(9) % 6, 4, 6)),
        Case("T=6, w=2, V=4", (_ints(rng, 4, 6), 2, 4)),
        Case("T=12, w=3, V=5", (_ints(rng, 5, 12), 3, 5)),
    ]


def window_calls(up, indices, window, vocab_size):
    """The call a correct window_inputs makes to the learner's one_hot (if it uses it)."""
    T = len(indices)
    up.one_hot(indices[np.arange(T - window + 1)[:, None] + np.arange(window)], vocab_size)


WINDOW_MISTAKES = [
    mistake("the last window was dropped (T-w rows instead of T-w+1)",
            lambda idx, w, V: window_inputs(idx, w, V)[:-1]),
    mistake("the first window was dropped (T-w rows instead of T-w+1)",
            lambda idx, w, V: window_inputs(idx, w, V)[1:]),
    mistake("each window is ordered newest character first instead of oldest first",
            lambda idx, w, V: window_inputs(idx, w, V).reshape(-1, w, V)[:, ::-1].reshape(-1, w * V)),
    mistake("the (w, V) block of each window was flattened class-major (transposed) instead of "
            "character after character",
            lambda idx, w, V: window_inputs(idx, w, V).reshape(-1, w, V).transpose(0, 2, 1)
            .reshape(-1, w * V)),
    mistake("the one-hots of a window were summed (a bag of characters) instead of concatenated",
            lambda idx, w, V: window_inputs(idx, w, V).reshape(-1, w, V).sum(axis=1)),
    mistake("the windows were returned with shape (T-w+1, w, V), not reshaped to (T-w+1, w*V)",
            lambda idx, w, V: window_inputs(idx, w, V).reshape(-1, w, V)),
    mistake("the windows are integers (0 and 1), not floats",
            lambda idx, w, V: window_inputs(idx, w, V).astype(np.int64)),
]


# Mistakes whose returned values are right: an argument changed in place. What a function
# does to its inputs is only the kernel's account of itself (learner code can copy the
# inputs first, or replace the helper that compares them), so it carries no points
# (issue 15): the visible check names these, the hidden check keeps them to show that they
# keep full marks (tests/checks/test_every_check.py).
UNSCORED = {
    "softmax": [
        mistake("the maximum was subtracted in place (logits -= ...), which changes the caller's "
            "logits", _shifting_softmax)],
    "cross_entropy": [
        mistake("the maximum was subtracted from the logits in place (logits -= ...), which "
            "changes the caller's array", _shifting_cross_entropy)],
    "softmax_cross_entropy_backward": [
        mistake("the logits were shifted in place (logits -= ...), which changes the caller's "
            "array", _in_place_backward)],
}


CHECKS = [
    with_dtype(function_check("one_hot", reference=one_hot, cases=one_hot_cases,
                              outputs=("vectors",), mistakes=ONE_HOT_MISTAKES), {None: "f"}),
    function_check("softmax", unscored=UNSCORED["softmax"],
                   reference=softmax, cases=softmax_cases, outputs=("probabilities",),
                   mistakes=SOFTMAX_MISTAKES),
    function_check("cross_entropy", unscored=UNSCORED["cross_entropy"],
                   reference=cross_entropy, cases=loss_cases, outputs=("loss",),
                   mistakes=CROSS_ENTROPY_MISTAKES),
    function_check("softmax_cross_entropy_backward", unscored=UNSCORED["softmax_cross_entropy_backward"],
                   reference=softmax_cross_entropy_backward,
                   cases=loss_cases, outputs=("dlogits",), mistakes=BACKWARD_MISTAKES,
                   upstream=Upstream({"softmax": softmax}, backward_calls)),
    function_check("dense_forward", reference=dense_forward, cases=dense_cases,
                   outputs=DENSE_OUTPUTS, mistakes=DENSE_MISTAKES),
    function_check("mlp_forward", reference=mlp_forward, cases=mlp_cases, outputs=MLP_OUTPUTS,
                   mistakes=MLP_MISTAKES,
                   upstream=Upstream({"dense_forward": dense_forward}, mlp_calls)),
    function_check("memoryless_loss_floor", reference=memoryless_loss_floor, cases=floor_cases,
                   outputs=("floor",), mistakes=FLOOR_MISTAKES),
    with_dtype(function_check("window_inputs", reference=window_inputs, cases=window_cases,
                              outputs=("windows",), mistakes=WINDOW_MISTAKES,
                              upstream=Upstream({"one_hot": one_hot}, window_calls)),
               {None: "f"}),
]
