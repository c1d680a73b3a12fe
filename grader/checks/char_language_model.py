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

from grader.checks.framework import Case, Check, Upstream, compare, function_check, hint
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
        for mistake in MISTAKES["iterate_chunks"]:
            wrong = mistake.output(*case.live_arguments()[0])
            if not _chunk_problems(case.label, outcome.value, wrong):
                problems.append(hint(mistake))
                break
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


# -- train_char_model -------------------------------------------------------------------------
def _repeat(pattern, length):
    return np.resize(np.array(pattern, dtype=np.int64), length)


def _fixed_params(cell, V, H):
    """Deterministic weights, the same whatever the case generator (for the early-stop cases)."""
    rng = np.random.default_rng(7)
    return init_char_model(cell, V, H, rng)


def train_cases(rng):
    cases = []
    for label, cell, K, max_norm in (
        ("rnn, 2 epochs of 3 chunks (the last one shorter)", "rnn", 4, 1.0),
        ("gru, every gradient clipped (max_norm 0.01)", "gru", 4, 0.01),
        ("lstm, chunks of 2, no gradient large enough to clip (max_norm 1e3)", "lstm", 2, 1e3),
    ):
        V, H = 4, 3
        params = _params(rng, cell, V, H, scale=1.0)
        train = batchify(rng.integers(0, V, 20), 2)  # (2, 10)
        val = batchify(rng.integers(0, V, 14), 2)  # (2, 7)
        cases.append(
            Case(label, (cell, params, train, val, K, 2, 0.2, max_norm, 3), {"progress": False})
        )
    train = batchify(_repeat([0, 1], 40), 2)  # "abab..."
    val = _repeat([0], 9)[None, :]  # "aaaa...": gets worse
    for patience in (1, 2):
        cases.append(
            Case(
                f"training makes the validation loss worse every epoch (patience {patience})",
                ("rnn", _fixed_params("rnn", 2, 3), train, val, 5, 4, 0.5, 5.0, patience),
                {"progress": False},
            )
        )
    cases.append(
        Case(
            "N=1, one chunk per epoch",
            (
                "rnn",
                _params(rng, "rnn", 3, 2),
                batchify(rng.integers(0, 3, 14), 1),
                batchify(rng.integers(0, 3, 8), 1),
                20,
                2,
                0.2,
                1.0,
                2,
            ),
            {"progress": False},
        )
    )
    return cases


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
    function_check(
        "train_char_model",
        reference=train_char_model,
        make_cases=train_cases,
        outputs=("best_params", "history"),
        rtol=1e-6,
        atol=1e-8,
        mistakes=MISTAKES["train_char_model"],
        upstream=Upstream(
            {
                "iterate_chunks": iterate_chunks,
                "evaluate_loss": evaluate_loss,
                "bits_per_char": bits_per_char,
            },
            train_calls,
        ),
    ),
]
