"""Hidden checks of notebook 07 (a character language model trained on real text).

The model itself (`char_model_loss` and friends) is course code in the notebook, the same as
rnn_numpy/char_model.py; the exercises are the units of a loss, cutting a text into
streams and chunks, the validation loss with the state carried across chunks, and the training
loop. The two functions that call other exercises are judged with upstream stand-ins:
evaluate_loss gets the reference's chunks, train_char_model the reference's chunks, validation
losses and bits per character, so a mistake in one of those costs only its own points.

The mistakes a check names (with their hints) are its notebook's catalogue,
grader/mistakes/char_language_model.py.
"""

from __future__ import annotations

import numpy as np

from grader.checks.framework import (
    Case,
    Check,
    Upstream,
    compare,
    first_matching_mistake,
    function_check,
    hint,
)
from grader.mistakes.char_language_model import MISTAKES
from rnn_numpy.char_model import evaluate_loss, init_char_model, train_char_model
from rnn_numpy.language_model import batchify, bits_per_char, iterate_chunks, perplexity


# -- perplexity and bits_per_char -------------------------------------------------------------
def loss_cases(rng):
    return [
        Case("a perfect model (loss 0)", (0.0,)),
        Case("a uniform guess over 4 characters (loss ln 4)", (float(np.log(4.0)),)),
        Case("a random loss", (float(rng.uniform(0.2, 4.0)),)),
        Case("a loss curve (an array of 6 losses)", (rng.uniform(0.5, 4.5, 6),)),
        Case("a 2 x 3 array of losses", (rng.uniform(0.0, 3.0, (2, 3)),)),
        Case("a large loss (about 30 nats)", (float(30.0 + rng.uniform(0.0, 1.0)),)),
    ]


# -- batchify ---------------------------------------------------------------------------------
def batchify_cases(rng):
    cases = []
    for label, S, N in (
        ("11 indices into 3 streams (2 left over)", 11, 3),
        ("20 indices into 4 streams (none left over)", 20, 4),
        ("one stream (N=1)", 9, 1),
        ("as many streams as indices (streams of length 1)", 5, 5),
        ("37 indices into 5 streams", 37, 5),
        ("N=7, 50 indices", 50, 7),
    ):
        cases.append(Case(label, (rng.integers(0, 60, S), N)))
    return cases


# -- iterate_chunks ---------------------------------------------------------------------------
def chunk_cases(rng):
    cases = []
    # streams of T + 1 characters: T steps
    for label, N, length, K in (
        ("N=2, T=9 steps, chunks of K=4 (the last one shorter)", 2, 10, 4),
        ("K divides T (T=12, K=4)", 2, 13, 4),
        ("K divides T + 1 (T=11, K=4)", 2, 12, 4),
        ("chunks of 1", 3, 6, 1),
        ("one chunk (K = T)", 2, 7, 6),
        ("K longer than the stream", 2, 5, 10),
        ("the shortest stream (T=1)", 3, 2, 3),
        ("N=1", 1, 9, 3),
    ):
        cases.append(Case(label, (rng.integers(0, 20, (N, length)), K)))
    return cases


def _chunk_problems(label: str, got, expected) -> list[str]:
    if not isinstance(got, (list, tuple)):
        return [
            f"case '{label}': expected a list of (inputs, targets) pairs, got a "
            f"{type(got).__name__}"
        ]
    if len(got) != len(expected):
        return [f"case '{label}': expected {len(expected)} chunks, got {len(got)}"]
    problems = []
    for index, (got_chunk, expected_chunk) in enumerate(zip(got, expected)):
        problems += compare(
            label,
            got_chunk,
            expected_chunk,
            (f"chunk {index} inputs", f"chunk {index} targets"),
            rtol=0,
            atol=0,
        )
        if problems:
            break
    return problems


def judge_chunks(case: Case, outcome) -> list[str]:
    expected = iterate_chunks(*case.live_arguments()[0])
    problems = _chunk_problems(case.label, outcome.value, expected)
    if problems:
        mistake = first_matching_mistake(
            MISTAKES["iterate_chunks"],
            case,
            lambda wrong: not _chunk_problems(case.label, outcome.value, wrong),
        )
        if mistake is not None:
            problems.append(hint(mistake))
    return problems


# -- evaluate_loss ----------------------------------------------------------------------------
def _params(rng, cell, V, H, scale=1.0):
    params = init_char_model(cell, V, H, rng)
    return {
        name: value * scale + rng.normal(0.0, 0.3, value.shape) * (scale > 0)
        for name, value in params.items()
    }


def evaluate_cases(rng):
    cases = []
    # streams of T + 1 characters: T steps
    for label, cell, N, length, V, H, K, scale in (
        ("rnn, N=2, T=10, chunks of 4 (the last one shorter)", "rnn", 2, 11, 5, 4, 4, 2.0),
        ("gru, N=3, T=9, chunks of 4", "gru", 3, 10, 5, 3, 4, 2.0),
        ("lstm, N=2, T=10, chunks of 3", "lstm", 2, 11, 4, 3, 3, 2.0),
        ("lstm, chunks of 1", "lstm", 2, 6, 4, 2, 1, 2.0),
        ("gru, one chunk (K >= T)", "gru", 2, 7, 4, 3, 8, 2.0),
        ("rnn, N=1, H=1", "rnn", 1, 9, 3, 1, 2, 2.0),
        (
            "lstm, all weights zero (every character has probability 1/V)",
            "lstm",
            2,
            8,
            6,
            3,
            3,
            0.0,
        ),
        ("rnn, the shortest streams (T=1)", "rnn", 3, 2, 4, 3, 5, 2.0),
    ):
        cases.append(
            Case(label, (cell, _params(rng, cell, V, H, scale), rng.integers(0, V, (N, length)), K))
        )
    return cases


def evaluate_calls(up, cell, params, streams, chunk_length):
    """The call a correct evaluate_loss makes to iterate_chunks."""
    up.iterate_chunks(streams, chunk_length)


# -- train_char_model, judged in four parts --------------------------------------------------
# Each part is a hidden check of its own, worth its own points, and judges only what its cases
# make independent of the other parts, so that one mistake costs one part:
#
# - state: a learning rate of 1e-9, so the updates move no weight by more than 1e-9 and each
#   recorded training loss is the loss of its chunk from the initial weights, read from the state
#   the loop carries (or wrongly resets): clipping, the optimiser and early stopping (2 epochs,
#   patience 2: a correct stopping rule cannot act) leave history['train_loss'] unchanged.
# - clipping: one update (one chunk, one epoch), so the state, Adagrad's sums and early stopping
#   cannot matter; max_norm is small enough (1e-4 to 1e-3) that the clipped gradients are of the
#   size of Adagrad's sqrt(eps), where Adagrad's first step shows their size and direction (a
#   first Adagrad step of a large gradient is about learning_rate * its sign, whatever its
#   size). Judged: best_params (the weights after the update) and history['grad_norm'].
# - optimiser: a saturated RNN (_saturated), in which the state changes nothing; max_norm 1e3
#   clips nothing; 2 epochs with patience 2. Judged: history['grad_norm'], whose entries after
#   the first update of epoch 2 depend on Adagrad's sums kept from epoch 1.
# - early stopping: a saturated RNN over 2 characters, one chunk per epoch, max_norm 1e3. Every
#   update moves the model towards the training text's frequencies whatever its size, so the
#   validation loss gets worse (or better) at every epoch under any of the other parts'
#   mistakes, and the epochs run, the best epoch and the weights after epoch 1 (one update) are
#   theirs too. Judged: the validation loss after epoch 1, the number of epochs run,
#   history['best_epoch'] and, where the best epoch is the first, best_params.
TRAIN_OPTIONS = {"progress": False}
TINY_RATE = 1e-9
NO_CLIPPING = 1e3
SATURATING_BIAS = 40.0  # tanh(x) == 1.0 exactly in float64 for x > 19.1


def _saturated(rng, V, H, *, output_scale=0.3, output_bias=None):
    """Weights of an RNN whose hidden units are saturated at every step, whatever its state.

    Wx and Wh within [-1, 1] and b = 40 keep every pre-activation above 40 - 1 - H > 19.1, where
    tanh is exactly 1.0, so h = 1 at every step and the gradients of Wx, Wh and b are exactly
    zero: the model is a unigram model whose output layer learns, and carrying, resetting or
    mixing up its state changes nothing, to the last digit."""
    params = {
        "Wx": rng.uniform(-1.0, 1.0, (V, H)),
        "Wh": rng.uniform(-1.0 / H, 1.0 / H, (H, H)),
        "b": np.full(H, SATURATING_BIAS),
        "Wy": rng.uniform(-output_scale, output_scale, (H, V)),
        "by": rng.uniform(-output_scale, output_scale, V),
    }
    if output_bias is not None:
        params["by"] = params["by"] * 0.2 + np.asarray(output_bias, dtype=float)
    return params


def state_cases(rng):
    """Learning rate 1e-9: history['train_loss'] shows the state each chunk starts from."""
    cases = []
    for label, cell, N, length, K in (
        ("rnn, 3 chunks per epoch (the last one shorter)", "rnn", 2, 11, 4),
        ("gru, chunks of 2", "gru", 2, 9, 2),
        ("lstm (its state is the pair h, c), chunks of 3", "lstm", 2, 10, 3),
        ("rnn, N=1, chunks of 1", "rnn", 1, 6, 1),
    ):
        V, H = 4, 3
        cases.append(
            Case(
                f"{label}; 2 epochs, learning rate 1e-9 (the weights barely move)",
                (
                    cell,
                    _params(rng, cell, V, H, scale=2.0),
                    rng.integers(0, V, (N, length)),
                    rng.integers(0, V, (2, 7)),
                    K,
                    2,
                    TINY_RATE,
                    1.0,
                    2,
                ),
                dict(TRAIN_OPTIONS),
            )
        )
    return cases


def clipping_cases(rng):
    """One update: the weights it gives show how the gradient was clipped."""
    cases = []
    for label, cell, max_norm in (
        ("rnn, every gradient clipped (max_norm 1e-4)", "rnn", 1e-4),
        ("gru, every gradient clipped (max_norm 3e-4)", "gru", 3e-4),
        ("lstm, every gradient clipped (max_norm 1e-3)", "lstm", 1e-3),
        ("rnn, no gradient large enough to clip (max_norm 1e3)", "rnn", NO_CLIPPING),
    ):
        V, H = 4, 3
        cases.append(
            Case(
                f"one update (one chunk, one epoch), {label}",
                (
                    cell,
                    _params(rng, cell, V, H, scale=1.0),
                    rng.integers(0, V, (2, 8)),
                    rng.integers(0, V, (2, 6)),
                    10,
                    1,
                    0.1,
                    max_norm,
                    1,
                ),
                dict(TRAIN_OPTIONS),
            )
        )
    return cases


def optimiser_cases(rng):
    """A saturated RNN, nothing clipped, 2 epochs: the norms of epoch 2 show Adagrad's sums."""
    cases = []
    for label, length, K, rate in (
        ("3 chunks per epoch, learning rate 0.3", 13, 4, 0.3),
        ("chunks of 1 (6 updates per epoch), learning rate 0.1", 7, 1, 0.1),
    ):
        V, H = 4, 3
        cases.append(
            Case(
                f"a saturated rnn (h = 1 at every step), 2 epochs, {label}, nothing clipped",
                (
                    "rnn",
                    _saturated(rng, V, H),
                    rng.integers(0, V, (2, length)),
                    rng.integers(0, V, (2, 7)),
                    K,
                    2,
                    rate,
                    NO_CLIPPING,
                    2,
                ),
                dict(TRAIN_OPTIONS),
            )
        )
    return cases


def early_stopping_cases(rng):
    """Validation that gets worse (or better) at every epoch, one update per epoch."""
    alternating = _repeat([0, 1], 18).reshape(2, 9)  # "abab...": the model learns p = 1/2
    only_a = np.zeros((2, 9), dtype=np.int64)  # "aaaa...": the model learns p(a) = 1
    val_a = np.zeros((1, 9), dtype=np.int64)
    cases = []
    for label, bias, train, epochs, patience in (
        (
            "training makes the validation loss worse every epoch (patience 1)",
            3.0,
            alternating,
            5,
            1,
        ),
        (
            "training makes the validation loss worse every epoch (patience 2)",
            3.0,
            alternating,
            5,
            2,
        ),
        ("training makes the validation loss better every epoch (3 epochs)", -3.0, only_a, 3, 1),
    ):
        params = _saturated(rng, 2, 3, output_scale=0.05, output_bias=[bias, 0.0])
        cases.append(
            Case(
                f"{label}; a saturated rnn over 2 characters, one update per epoch",
                ("rnn", params, train, val_a, 10, epochs, 0.05, NO_CLIPPING, patience),
                dict(TRAIN_OPTIONS),
            )
        )
    return cases


class _Malformed(Exception):
    """The learner's result lacks what a part judges (the message says what)."""


def _history(result) -> tuple[dict, dict]:
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        what = f"a {type(result).__name__}" + (
            f" of {len(result)} entries" if isinstance(result, (tuple, list)) else ""
        )
        raise _Malformed(f"expected the tuple (best_params, history), got {what}")
    best, history = result
    if not isinstance(history, dict):
        raise _Malformed(f"history must be a dict, got a {type(history).__name__}")
    return best, history


def _entry(history: dict, key: str):
    if key not in history:
        raise _Malformed(f"history has no key {key!r}")
    return history[key]


def _epochs_run(history: dict):
    val = _entry(history, "val_loss")
    try:
        return len(val)
    except TypeError:
        raise _Malformed(
            f"history['val_loss'] must be an array, got a {type(val).__name__}"
        ) from None


def _first_val(history: dict):
    val = _entry(history, "val_loss")
    try:
        return val[0]
    except (TypeError, IndexError, KeyError):
        raise _Malformed("history['val_loss'] has no first entry") from None


TRAIN_VIEWS = {
    "train_char_model_state": lambda expected: [
        ("history['train_loss']", lambda best, history: _entry(history, "train_loss")),
    ],
    "train_char_model_clipping": lambda expected: [
        ("best_params", lambda best, history: best),
        ("history['grad_norm']", lambda best, history: _entry(history, "grad_norm")),
    ],
    "train_char_model_optimiser": lambda expected: [
        ("history['grad_norm']", lambda best, history: _entry(history, "grad_norm")),
    ],
    "train_char_model_early_stopping": lambda expected: (
        [
            ("history['val_loss'][0] (after epoch 1)", lambda best, history: _first_val(history)),
            ("the number of epochs run", lambda best, history: _epochs_run(history)),
            ("history['best_epoch']", lambda best, history: _entry(history, "best_epoch")),
        ]
        + (
            [("best_params", lambda best, history: best)]
            if int(expected[1]["best_epoch"]) == 1
            else []
        )
    ),
}


def _judged(views, result) -> tuple:
    best, history = _history(result)
    return tuple(getter(best, history) for _, getter in views)


def _train_part_problems(label, views, got, expected_values) -> list[str]:
    try:
        values = _judged(views, got)
    except _Malformed as problem:
        return [f"case '{label}': {problem}"]
    return compare(
        label, values, expected_values, [name for name, _ in views], rtol=1e-6, atol=1e-8
    )


def train_part_check(name: str, make_cases) -> Check:
    """One part of train_char_model's judgement: TRAIN_VIEWS[name] on make_cases' cases."""
    mistakes = tuple(MISTAKES[name])

    def judge_case(case: Case, outcome) -> list[str]:
        args, kwargs = case.live_arguments()
        reference = train_char_model(*args, **kwargs)
        views = TRAIN_VIEWS[name](reference)
        expected = _judged(views, reference)
        problems = _train_part_problems(case.label, views, outcome.value, expected)
        if problems:
            mistake = first_matching_mistake(
                mistakes,
                case,
                lambda wrong: (
                    not _train_part_problems(
                        case.label, views, outcome.value, _judged(views, wrong)
                    )
                ),
            )
            if mistake is not None:
                problems.append(hint(mistake))
        return problems

    return Check(
        name,
        make_cases,
        judge_case,
        mistakes=mistakes,
        upstream=Upstream(
            {
                "iterate_chunks": iterate_chunks,
                "evaluate_loss": evaluate_loss,
                "bits_per_char": bits_per_char,
            },
            train_calls,
        ),
        part_of="train_char_model",
    )


def _repeat(pattern, length):
    return np.resize(np.array(pattern, dtype=np.int64), length)


def train_calls(up, *args, **kwargs):
    """The calls a correct training loop makes to iterate_chunks, evaluate_loss, bits_per_char."""
    train_char_model(*args, **{**kwargs, "progress": False}, graded=up)


CHECKS = [
    function_check(
        "perplexity",
        reference=perplexity,
        make_cases=loss_cases,
        outputs=("perplexity",),
        mistakes=MISTAKES["perplexity"],
    ),
    function_check(
        "bits_per_char",
        reference=bits_per_char,
        make_cases=loss_cases,
        outputs=("bits_per_char",),
        mistakes=MISTAKES["bits_per_char"],
    ),
    function_check(
        "batchify",
        reference=batchify,
        make_cases=batchify_cases,
        outputs=("streams",),
        mistakes=MISTAKES["batchify"],
    ),
    Check("iterate_chunks", chunk_cases, judge_chunks, mistakes=tuple(MISTAKES["iterate_chunks"])),
    function_check(
        "evaluate_loss",
        reference=evaluate_loss,
        make_cases=evaluate_cases,
        outputs=("loss_per_char",),
        mistakes=MISTAKES["evaluate_loss"],
        upstream=Upstream({"iterate_chunks": iterate_chunks}, evaluate_calls),
    ),
    train_part_check("train_char_model_state", state_cases),
    train_part_check("train_char_model_clipping", clipping_cases),
    train_part_check("train_char_model_optimiser", optimiser_cases),
    train_part_check("train_char_model_early_stopping", early_stopping_cases),
]
