"""Hidden checks of notebook 07 (a character language model trained on real text).

The model itself (`char_model_loss` and friends) is course code in the notebook, the same as
rnn_numpy/char_model.py; the exercises are the units of a loss, cutting a text into
streams and chunks, the validation loss with the state carried across chunks, and the training
loop. The two functions that call other exercises are judged with upstream stand-ins:
evaluate_loss gets the reference's chunks, train_char_model the reference's chunks, validation
losses and bits per character, so a mistake in one of those costs only its own points.
"""
from __future__ import annotations

import numpy as np

from rnn_numpy.char_model import (char_model_loss, evaluate_loss, init_char_model,
                                         initial_state, train_char_model)
from grader.checks.framework import (Case, Check, Mistake, Upstream, compare, function_check,
                                     hint)
from rnn_numpy.clipping import clip_global_norm
from rnn_numpy.language_model import batchify, bits_per_char, iterate_chunks, perplexity
from rnn_numpy.optim import adagrad_step

LN2 = float(np.log(2.0))


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


PERPLEXITY_MISTAKES = [
    Mistake("2 is raised to the loss (2**loss is the perplexity of a loss in bits; this loss "
            "is in nats, so it is exp(loss))", lambda loss: np.power(2.0, loss)),
    Mistake("10 is raised to the loss (the loss is in nats: use exp)",
            lambda loss: np.power(10.0, loss)),
    Mistake("the sign is flipped: exp(-loss) is the geometric-mean probability of the "
            "targets, its inverse is the perplexity", lambda loss: np.exp(-np.asarray(loss))),
    Mistake("the loss is converted to bits instead (loss / ln 2)",
            lambda loss: np.asarray(loss) / LN2),
]

BITS_MISTAKES = [
    Mistake("the loss is multiplied by ln 2 instead of divided by it",
            lambda loss: np.asarray(loss) * LN2),
    Mistake("log2 is applied to the loss itself (the loss is already a logarithm: divide it by "
            "ln 2)", lambda loss: np.log2(np.asarray(loss, dtype=float))),
    Mistake("the loss is divided by ln 10 (that gives digits, not bits)",
            lambda loss: np.asarray(loss) / np.log(10.0)),
    Mistake("the perplexity is returned instead (exp(loss))", lambda loss: np.exp(loss)),
]


# -- batchify ---------------------------------------------------------------------------------
def batchify_cases(rng):
    cases = []
    for label, S, N in (("11 indices into 3 streams (2 left over)", 11, 3),
                        ("20 indices into 4 streams (none left over)", 20, 4),
                        ("one stream (N=1)", 9, 1),
                        ("as many streams as indices (streams of length 1)", 5, 5),
                        ("37 indices into 5 streams", 37, 5),
                        ("N=7, 50 indices", 50, 7)):
        cases.append(Case(label, (rng.integers(0, 60, S), N)))
    return cases


def _interleaved(indices, batch_size):
    length = len(indices) // batch_size
    return indices[:batch_size * length].reshape(length, batch_size).T


BATCHIFY_MISTAKES = [
    Mistake("the text is dealt out like cards (row n holds characters n, n+N, n+2N, ...), so "
            "no row is a stretch of the text", _interleaved),
    Mistake("the streams are returned as columns, shape (T + 1, N) instead of (N, T + 1)",
            lambda indices, batch_size: batchify(indices, batch_size).T),
    Mistake("the left-over indices are dropped from the start of the text instead of its end",
            lambda indices, batch_size: indices[len(indices) % batch_size:].reshape(batch_size, -1)),
]


# -- iterate_chunks ---------------------------------------------------------------------------
def chunk_cases(rng):
    cases = []
    # streams of T + 1 characters: T steps
    for label, N, length, K in (("N=2, T=9 steps, chunks of K=4 (the last one shorter)", 2, 10, 4),
                                ("K divides T (T=12, K=4)", 2, 13, 4),
                                ("K divides T + 1 (T=11, K=4)", 2, 12, 4),
                                ("chunks of 1", 3, 6, 1),
                                ("one chunk (K = T)", 2, 7, 6),
                                ("K longer than the stream", 2, 5, 10),
                                ("the shortest stream (T=1)", 3, 2, 3),
                                ("N=1", 1, 9, 3)):
        cases.append(Case(label, (rng.integers(0, 20, (N, length)), K)))
    return cases


def _chunks_with(*, shift=1, drop_short=False, to_the_end=False):
    def chunks(streams, chunk_length):
        steps, found = streams.shape[1] - 1, []      # T steps in a stream of T + 1 characters
        for start in range(0, steps + 1 if to_the_end else steps, chunk_length):
            stop = min(start + chunk_length, steps + 1 if to_the_end else steps)
            if drop_short and stop - start < chunk_length:
                continue
            found.append((streams[:, start:stop], streams[:, start + shift:stop + shift]))
        return found
    return chunks


CHUNK_MISTAKES = [
    Mistake("the targets are the inputs themselves (each step must predict the NEXT character: "
            "targets = streams[:, s+1 : e+1])", _chunks_with(shift=0)),
    Mistake("the last, shorter chunk is dropped (its characters are never predicted)",
            _chunks_with(drop_short=True)),
    Mistake("the chunks run to the last column of the stream (T + 1 columns) instead of its T "
            "steps (the last character has no next character to predict)",
            _chunks_with(to_the_end=True)),
]


def _chunk_problems(label: str, got, expected) -> list[str]:
    if not isinstance(got, (list, tuple)):
        return [f"case '{label}': expected a list of (inputs, targets) pairs, got a "
                f"{type(got).__name__}"]
    if len(got) != len(expected):
        return [f"case '{label}': expected {len(expected)} chunks, got {len(got)}"]
    problems = []
    for index, (got_chunk, expected_chunk) in enumerate(zip(got, expected)):
        problems += compare(label, got_chunk, expected_chunk,
                            (f"chunk {index} inputs", f"chunk {index} targets"), rtol=0, atol=0)
        if problems:
            break
    return problems


def judge_chunks(case: Case, outcome) -> list[str]:
    expected = iterate_chunks(*case.live_arguments()[0])
    problems = _chunk_problems(case.label, outcome.value, expected)
    if problems:
        for mistake in CHUNK_MISTAKES:
            wrong = mistake.output(*case.live_arguments()[0])
            if not _chunk_problems(case.label, outcome.value, wrong):
                problems.append(hint(mistake))
                break
    return problems


# -- evaluate_loss ----------------------------------------------------------------------------
def _params(rng, cell, V, H, scale=1.0):
    params = init_char_model(cell, V, H, rng)
    return {name: value * scale + rng.normal(0.0, 0.3, value.shape) * (scale > 0)
            for name, value in params.items()}


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
            ("lstm, all weights zero (every character has probability 1/V)", "lstm", 2, 8, 6, 3,
             3, 0.0),
            ("rnn, the shortest streams (T=1)", "rnn", 3, 2, 4, 3, 5, 2.0)):
        cases.append(Case(label, (cell, _params(rng, cell, V, H, scale),
                                  rng.integers(0, V, (N, length)), K)))
    return cases


def evaluate_calls(up, cell, params, streams, chunk_length):
    """The call a correct evaluate_loss makes to iterate_chunks."""
    up.iterate_chunks(streams, chunk_length)


def _evaluate_with(*, reset=False, per_chunk_mean=False, chunk_mean=False, count_all=False,
                   bits=False, over_n=False):
    def evaluate(cell, params, streams, chunk_length):
        N, H = streams.shape[0], params["Wy"].shape[0]
        state = initial_state(cell, N, H)
        losses, steps = [], []
        for inputs, targets in iterate_chunks(streams, chunk_length):
            start = initial_state(cell, N, H) if reset else state
            loss, _, state = char_model_loss(cell, params, inputs, targets, start, with_grads=False)
            losses.append(loss)
            steps.append(inputs.shape[1])
        losses, steps = np.array(losses), np.array(steps)
        if per_chunk_mean:
            result = float(np.mean(losses / steps))
        elif chunk_mean:
            result = float(np.mean(losses))
        else:
            result = float(losses.sum() / (steps.sum() + (1 if count_all else 0)))
        return result / (LN2 if bits else 1.0) / (N if over_n else 1)
    return evaluate


EVALUATE_MISTAKES = [
    Mistake("every chunk starts from the zero state (the state is not carried across chunks)",
            _evaluate_with(reset=True)),
    Mistake("the per-character losses of the chunks are averaged, so a short last chunk weighs "
            "as much as a full one (add up the chunk losses and divide by the number of steps)",
            _evaluate_with(per_chunk_mean=True)),
    Mistake("the chunk losses are averaged over the chunks, not divided by the number of steps "
            "(that is a loss per chunk, not per character)", _evaluate_with(chunk_mean=True)),
    Mistake("the sum is divided by T + 1, the number of characters in a stream, instead of T, "
            "the number of predictions (steps)", _evaluate_with(count_all=True)),
    Mistake("the result is in bits (evaluate_loss reports nats)", _evaluate_with(bits=True)),
    Mistake("the loss is divided by N once more (each chunk's loss is already averaged over "
            "the N streams)", _evaluate_with(over_n=True)),
]


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
            ("lstm, chunks of 2, no gradient large enough to clip (max_norm 1e3)", "lstm", 2,
             1e3)):
        V, H = 4, 3
        params = _params(rng, cell, V, H, scale=1.0)
        train = batchify(rng.integers(0, V, 20), 2)                      # (2, 10)
        val = batchify(rng.integers(0, V, 14), 2)                        # (2, 7)
        cases.append(Case(label, (cell, params, train, val, K, 2, 0.2, max_norm, 3),
                          {"progress": False}))
    train = batchify(_repeat([0, 1], 40), 2)                             # "abab..."
    val = _repeat([0], 9)[None, :]                                       # "aaaa...": gets worse
    for patience in (1, 2):
        cases.append(Case(f"training makes the validation loss worse every epoch (patience "
                          f"{patience})", ("rnn", _fixed_params("rnn", 2, 3), train, val, 5, 4,
                                           0.5, 5.0, patience), {"progress": False}))
    cases.append(Case("N=1, one chunk per epoch",
                      ("rnn", _params(rng, "rnn", 3, 2), batchify(rng.integers(0, 3, 14), 1),
                       batchify(rng.integers(0, 3, 8), 1), 20, 2, 0.2, 1.0, 2),
                      {"progress": False}))
    return cases


def train_calls(up, *args, **kwargs):
    """The calls a correct training loop makes to iterate_chunks, evaluate_loss, bits_per_char."""
    train_char_model(*args, **{**kwargs, "progress": False}, graded=up)


def _train_with(*, reset_each_chunk=False, carry_across_epochs=False, clip="global",
                record_clipped_norm=False, loss_per_chunk=False, reset_optimiser=False,
                validate_on_train=False, keep_last=False, patience_shift=0, ignore_patience=False):
    def train(cell, params, train_streams, val_streams, chunk_length, epochs, learning_rate,
              max_norm, patience, progress=True):
        params = {name: value.copy() for name, value in params.items()}
        caches = {name: np.zeros_like(value) for name, value in params.items()}
        N, H = train_streams.shape[0], params["Wy"].shape[0]
        history = {"train_loss": [], "grad_norm": [], "val_loss": []}
        best_loss, best_epoch, best_params = np.inf, 0, params
        state = initial_state(cell, N, H)
        for epoch in range(1, epochs + 1):
            if not carry_across_epochs:
                state = initial_state(cell, N, H)
            if reset_optimiser:
                caches = {name: np.zeros_like(value) for name, value in params.items()}
            for inputs, targets in iterate_chunks(train_streams, chunk_length):
                start = initial_state(cell, N, H) if reset_each_chunk else state
                loss, grads, state = char_model_loss(cell, params, inputs, targets, start)
                if clip == "global":
                    clipped, norm = clip_global_norm(grads, max_norm)
                else:
                    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
                    clipped = {"none": grads,
                               "each": {n: clip_global_norm({n: g}, max_norm)[0][n]
                                        for n, g in grads.items()},
                               "entries": {n: np.clip(g, -max_norm, max_norm)
                                           for n, g in grads.items()}}[clip]
                for name in params:
                    params[name], caches[name] = adagrad_step(params[name], clipped[name],
                                                              caches[name], learning_rate)
                history["train_loss"].append(loss if loss_per_chunk else loss / inputs.shape[1])
                history["grad_norm"].append(min(norm, max_norm) if record_clipped_norm else norm)
            val = evaluate_loss(cell, params, train_streams if validate_on_train else val_streams,
                                chunk_length)
            history["val_loss"].append(val)
            if val < best_loss:
                best_loss, best_epoch = val, epoch
                best_params = {name: value.copy() for name, value in params.items()}
            elif ignore_patience or epoch - best_epoch >= patience + patience_shift:
                break
        history = {key: np.array(value) for key, value in history.items()}
        history["best_epoch"] = best_epoch
        return (params if keep_last else best_params), history
    return train


TRAIN_MISTAKES = [
    Mistake("every chunk starts from the zero state (the state is not carried across chunks)",
            _train_with(reset_each_chunk=True)),
    Mistake("the state is carried from the end of one epoch into the start of the next "
            "(each epoch reads the streams from their beginning: start it from zeros)",
            _train_with(carry_across_epochs=True)),
    Mistake("the gradients are not clipped", _train_with(clip="none")),
    Mistake("each gradient array is clipped to max_norm on its own (clip_global_norm takes "
            "all of them together: one scale factor for all)", _train_with(clip="each")),
    Mistake("each gradient entry is clipped to [-max_norm, max_norm] (elementwise clipping "
            "changes the direction; use clip_global_norm)", _train_with(clip="entries")),
    Mistake("the norm recorded is the one after clipping, not before",
            _train_with(record_clipped_norm=True)),
    Mistake("the loss recorded is the chunk's loss, not the loss per character (divide by the "
            "chunk's number of steps)", _train_with(loss_per_chunk=True)),
    Mistake("Adagrad's sums of squared gradients start again from zero every epoch",
            _train_with(reset_optimiser=True)),
    Mistake("the validation loss is measured on the training streams",
            _train_with(validate_on_train=True)),
    Mistake("the parameters of the last epoch are returned instead of those of the best epoch",
            _train_with(keep_last=True)),
    Mistake("training stops at the first epoch that does not improve, whatever the patience",
            _train_with(ignore_patience=True)),
    Mistake("training waits one epoch too many before stopping (stop once `patience` epochs "
            "in a row brought no new best)", _train_with(patience_shift=1)),
]


CHECKS = [
    function_check("perplexity", reference=perplexity, cases=loss_cases,
                   outputs=("perplexity",),
                   mistakes=PERPLEXITY_MISTAKES),
    function_check("bits_per_char", reference=bits_per_char, cases=loss_cases,
                   outputs=("bits_per_char",),
                   mistakes=BITS_MISTAKES),
    function_check("batchify", reference=batchify, cases=batchify_cases, outputs=("streams",),
                   mistakes=BATCHIFY_MISTAKES),
    Check("iterate_chunks", chunk_cases, judge_chunks, mistakes=tuple(CHUNK_MISTAKES)),
    function_check("evaluate_loss", reference=evaluate_loss, cases=evaluate_cases,
                   outputs=("loss_per_char",),
                   mistakes=EVALUATE_MISTAKES,
                   upstream=Upstream({"iterate_chunks": iterate_chunks}, evaluate_calls)),
    function_check("train_char_model", reference=train_char_model, cases=train_cases,
                   outputs=("best_params", "history"), rtol=1e-6, atol=1e-8,
                   mistakes=TRAIN_MISTAKES,
                   upstream=Upstream({"iterate_chunks": iterate_chunks,
                                      "evaluate_loss": evaluate_loss,
                                      "bits_per_char": bits_per_char}, train_calls)),
]
