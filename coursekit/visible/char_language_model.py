"""Visible checks of notebook 07 (a character language model trained on real text).

Inputs are the constants below; what the results must be was computed once with the course's
reference implementation and ships in coursekit/data/visible/char_language_model.npz, together
with the results of common mistakes, so that a message can say which mistake a result matches.
The checks of evaluate_loss and train_char_model run your functions on the model code of the
notebook (char_model_loss and the provided forward and backward passes).
"""

from __future__ import annotations

import numpy as np

from coursekit.visible.expect import (
    VisibleCheckFailed,
    call,
    expect_close,
    expect_shape,
    expect_true,
    expect_unchanged,
    expected,
    passed,
)

NOTEBOOK = "char_language_model"

# perplexity and bits_per_char: a perfect model, a fair coin, a uniform guess over 4 and over
# 256 characters, and a loss curve.
LOSSES = (0.0, float(np.log(2.0)), float(np.log(4.0)), float(np.log(256.0)))
LOSS_CURVE = np.linspace(4.0, 1.5, 6)

# batchify: the text 0, 1, ..., 13 cut into 3 streams.
BATCH_TEXT = np.arange(14)
BATCH_STREAMS = 3

# iterate_chunks: two streams, 0..9 and 10..19, in chunks of 4.
CHUNK_STREAMS = np.arange(20).reshape(2, 10)
CHUNK_LENGTH = 4

# evaluate_loss: small models with fixed weights, 5 characters, 3 hidden units.
EVAL_V, EVAL_H = 5, 3
EVAL_STREAMS = np.random.default_rng(707).integers(0, EVAL_V, (2, 11))
EVAL_CHUNK = 4
EVAL_CELLS = ("rnn", "lstm")
_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def model_weights(cell: str, V: int, H: int, seed: int) -> dict[str, np.ndarray]:
    """Fixed, random-looking weights of a model (inputs of the checks, not an exercise)."""
    rng = np.random.default_rng(seed)
    G = _GATES[cell] * H
    params = {"Wx": rng.normal(0.0, 0.8, (V, G)), "Wh": rng.normal(0.0, 0.8, (H, G))}
    for name in ("bx", "bh") if cell == "gru" else ("b",):
        params[name] = rng.normal(0.0, 0.5, G)
    params["Wy"] = rng.normal(0.0, 0.8, (H, V))
    params["by"] = rng.normal(0.0, 0.5, V)
    return params


EVAL_PARAMS = {
    cell: model_weights(cell, EVAL_V, EVAL_H, 70 + index) for index, cell in enumerate(EVAL_CELLS)
}

# train_char_model: four parts, tested the way the hidden checks grade them, each on runs where
# the other parts' steps cannot change what it looks at (so a failing part is the one to read):
# - the state: a learning rate of 1e-9, so the weights barely move and each recorded training
#   loss is its chunk's loss from the state the loop carried into it;
# - clipping: one update (one chunk, one epoch) with max_norm so small (1e-4, 1e-3) that the
#   clipped gradients are of the size of Adagrad's sqrt(eps): the weights after the update show
#   how the gradient was scaled;
# - the optimiser: a "saturated" RNN (b = 40: tanh is exactly 1 at every step, so the state
#   changes nothing) over two epochs, nothing clipped: the norms of epoch 2 show Adagrad's sums;
# - validation and early stopping: a saturated RNN over 2 characters, one update per epoch,
#   trained on "abab..." and validated on "aaaa..." (worse every epoch) or on "aaaa..." and
#   "aaaa..." (better every epoch).
TINY_RATE = 1e-9
NO_CLIPPING = 1e3


def saturated_weights(V: int, H: int, seed: int, output_bias=None) -> dict[str, np.ndarray]:
    """Weights of an RNN whose hidden units are saturated (h = 1 at every step, whatever the
    state): an input of the checks, not an exercise."""
    rng = np.random.default_rng(seed)
    params = {
        "Wx": rng.uniform(-1.0, 1.0, (V, H)),
        "Wh": rng.uniform(-1.0 / H, 1.0 / H, (H, H)),
        "b": np.full(H, 40.0),
        "Wy": rng.uniform(-0.05, 0.05, (H, V)),
        "by": rng.uniform(-0.05, 0.05, V),
    }
    if output_bias is not None:
        params["by"] = params["by"] + np.asarray(output_bias, dtype=float)
    return params


def _streams(pattern, shape) -> np.ndarray:
    return np.resize(np.asarray(pattern, dtype=np.int64), shape)


TRAIN_PARTS = {
    "state": {
        "title": "part 1 of 4, the state carried across chunks",
        "runs": {
            "rnn, 3 chunks per epoch, learning rate 1e-9": dict(
                cell="rnn",
                params=model_weights("rnn", 3, 3, 77),
                train_streams=_streams([0, 1, 2, 1, 0, 2, 2], (2, 11)),
                val_streams=_streams([0, 1, 2, 2, 1], (1, 7)),
                chunk_length=4,
                epochs=2,
                learning_rate=TINY_RATE,
                max_norm=1.0,
                patience=2,
            ),
            "lstm, 3 chunks per epoch, learning rate 1e-9": dict(
                cell="lstm",
                params=model_weights("lstm", 3, 2, 79),
                train_streams=_streams([2, 0, 1, 1, 0], (2, 10)),
                val_streams=_streams([0, 1, 2], (1, 7)),
                chunk_length=3,
                epochs=2,
                learning_rate=TINY_RATE,
                max_norm=1.0,
                patience=2,
            ),
        },
        "requirement": "with a learning rate of 1e-9 the weights barely move, so each entry of "
        "history['train_loss'] is its chunk's loss per character read from the state the "
        "chunk before left (the zero state for an epoch's first chunk)",
    },
    "clipping": {
        "title": "part 2 of 4, global-norm clipping",
        "runs": {
            "rnn, one update, every gradient clipped (max_norm 1e-4)": dict(
                cell="rnn",
                params=model_weights("rnn", 3, 3, 80),
                train_streams=_streams([0, 1, 2, 2, 0], (2, 8)),
                val_streams=_streams([1, 0, 2], (1, 6)),
                chunk_length=10,
                epochs=1,
                learning_rate=0.1,
                max_norm=1e-4,
                patience=1,
            ),
            "lstm, one update, every gradient clipped (max_norm 1e-3)": dict(
                cell="lstm",
                params=model_weights("lstm", 3, 2, 81),
                train_streams=_streams([2, 1, 0, 0, 1], (2, 8)),
                val_streams=_streams([1, 2, 0], (1, 6)),
                chunk_length=10,
                epochs=1,
                learning_rate=0.1,
                max_norm=1e-3,
                patience=1,
            ),
        },
        "requirement": "in a run of one update, best_params are the weights after it: Adagrad's "
        "first step from the gradients scaled by one factor to a global norm of max_norm "
        "(a norm this small shows in the step); history['grad_norm'] is the norm before "
        "clipping",
    },
    "optimiser": {
        "title": "part 3 of 4, Adagrad's sums kept across epochs",
        "runs": {
            "a saturated rnn (h = 1 at every step), 2 epochs of 3 chunks, nothing clipped": dict(
                cell="rnn",
                params=saturated_weights(4, 3, 82),
                train_streams=_streams([0, 1, 3, 2, 1, 1, 0], (2, 13)),
                val_streams=_streams([3, 1, 0], (2, 7)),
                chunk_length=4,
                epochs=2,
                learning_rate=0.3,
                max_norm=NO_CLIPPING,
                patience=2,
            ),
        },
        "requirement": "with the state irrelevant (h = 1 at every step) and nothing clipped, "
        "the norms of epoch 2 depend only on the updates before them: Adagrad's steps, with "
        "its sums of squared gradients started once and kept from epoch 1",
    },
    "early_stopping": {
        "title": "part 4 of 4, validation and early stopping",
        "runs": {
            f"worse every epoch (patience {patience})": dict(
                cell="rnn",
                params=saturated_weights(2, 3, 83 + patience, output_bias=[3.0, 0.0]),
                train_streams=_streams([0, 1], (2, 9)),
                val_streams=np.zeros((1, 9), dtype=np.int64),
                chunk_length=10,
                epochs=5,
                learning_rate=0.05,
                max_norm=NO_CLIPPING,
                patience=patience,
            )
            for patience in (1, 2)
        }
        | {
            "better every epoch (3 epochs)": dict(
                cell="rnn",
                params=saturated_weights(2, 3, 86, output_bias=[-3.0, 0.0]),
                train_streams=np.zeros((2, 9), dtype=np.int64),
                val_streams=np.zeros((1, 9), dtype=np.int64),
                chunk_length=10,
                epochs=3,
                learning_rate=0.05,
                max_norm=NO_CLIPPING,
                patience=1,
            ),
        },
        "requirement": "trained on 'abab...' and validated on 'aaaa...', every update makes "
        "the validation loss worse (trained and validated on 'aaaa...', better): "
        "history['val_loss'] holds the validation streams' loss after each epoch run, "
        "history['best_epoch'] the epoch with the lowest, best_params that epoch's weights, "
        "and training stops once `patience` epochs in a row brought no new lowest",
    },
}

# The mistakes each part names, by the id of grader/mistakes/char_language_model.py, with its
# words (tests/checks/test_char_language_model.py keeps them the catalogue's).
TRAIN_MISTAKES = {
    "state": {
        "reset": "every chunk starts from the zero state (the state is not carried across chunks)",
        "carry_across_epochs": "the state at the end of one epoch is carried into the start "
        "of the next (each epoch reads the streams from their beginning)",
        "loss_per_chunk": "the loss recorded is the chunk's loss, not its loss per character",
    },
    "clipping": {
        "no_clip": "the gradients are not clipped",
        "per_array_clip": "each gradient array is clipped to max_norm on its own, not all of "
        "them together by one factor",
        "elementwise_clip": "each gradient entry is clipped to [-max_norm, max_norm] "
        "(elementwise clipping, which changes the gradient's direction)",
        "norm_after": "the norm recorded is the one after clipping, not before",
    },
    "optimiser": {
        "adagrad_reset": "Adagrad's sums of squared gradients start again from zero every epoch",
        "adagrad_reset_each_chunk": "Adagrad's sums of squared gradients start again from zero "
        "at every chunk",
    },
    "early_stopping": {
        "validation_on_train": "the validation loss is measured on the training streams",
        "best_by_training_loss": "the best epoch (and so early stopping) follows the epoch's "
        "training loss, not the validation loss",
        "last_params": "the parameters of the last epoch are returned instead of those of the "
        "best epoch",
        "patience_ignored": "training stops at the first epoch that does not improve, whatever "
        "the patience",
        "one_epoch_late": "training waits one epoch too many before stopping (patience + 1 "
        "epochs without a new best)",
        "never_stops": "early stopping never acts: every epoch runs, whatever the patience",
    },
}


def data_key(*parts) -> str:
    """The name of an expected value in coursekit/data/visible/char_language_model.npz."""
    return "__".join(str(part).replace(" ", "_") for part in parts)


# -- perplexity and bits_per_char -------------------------------------------------------------
def _check_loss_units(function, name: str, wrong: dict[str, str]) -> None:
    for index, loss in enumerate(LOSSES):
        what = f"{name}({loss:.4g})"
        got = _numbers(call(function, loss, what=what), what)
        want = expected(NOTEBOOK, data_key(name, "scalar", index))
        try:
            expect_close(got, want, what=what)
        except VisibleCheckFailed:
            for mistake, hint in wrong.items():
                wrong_value = expected(NOTEBOOK, data_key(name, mistake, index))
                if got.shape == wrong_value.shape and np.allclose(got, wrong_value):
                    raise VisibleCheckFailed(f"{what}: {hint}") from None
            raise
    what = f"{name} of a loss curve, shape {LOSS_CURVE.shape}"
    got = _numbers(call(function, LOSS_CURVE.copy(), what=what), what)
    expect_close(
        got,
        expected(NOTEBOOK, data_key(name, "curve")),
        what=what,
        hint="A loss curve is an array: each of its losses is converted on its own, and the "
        "result has the curve's shape.",
    )


def check_perplexity(perplexity):
    _check_loss_units(
        perplexity,
        "perplexity",
        {
            "base2": "you raised 2 to the loss: 2**loss is the perplexity of a loss in bits, and "
            "this loss is in nats.",
            "bits": "you converted the loss to bits: that is bits per character, not the "
            "perplexity.",
        },
    )
    passed(
        "perplexity",
        "a loss of ln 4 nats is a perplexity of 4: as unsure as a fair choice among 4 characters",
    )


def check_bits_per_char(bits_per_char):
    _check_loss_units(
        bits_per_char,
        "bits_per_char",
        {
            "times_ln2": "you multiplied the loss by ln 2: that turns bits into nats, the other "
            "way round.",
            "log2": "you took log2 of the loss: the loss is already a logarithm (in base e), "
            "so a second logarithm mixes up the units.",
        },
    )
    passed("bits_per_char", "ln 2 nats is 1 bit; a uniform guess over 256 characters is 8 bits")


# -- batchify ---------------------------------------------------------------------------------
def check_batchify(batchify):
    what = f"batchify(np.arange(14), {BATCH_STREAMS})"
    got = call(
        batchify,
        BATCH_TEXT.copy(),
        np.int64(BATCH_STREAMS),
        what=f"{what}, batch_size given as a NumPy integer (np.int64)",
    )
    want = expected(NOTEBOOK, "batchify")
    if isinstance(got, np.ndarray) and got.shape == want.shape[::-1] != want.shape:
        raise VisibleCheckFailed(
            f"{what}: shape {got.shape}: your streams are the columns, where the docstring's "
            f"shape (N, T + 1) = {want.shape} has one stream per row"
        )
    expect_shape(got, want.shape, what=what)
    expect_true(
        got.dtype.kind in "iu",
        what=f"{what}: the result has dtype {got.dtype}; the docstring asks for an integer array",
    )
    if np.array_equal(got, expected(NOTEBOOK, "batchify__interleaved")):
        raise VisibleCheckFailed(
            f"{what}: your rows take every N-th character (row n holds characters n, n + N, "
            f"n + 2N, ...), so no row is a stretch of the text"
        )
    if np.array_equal(got, expected(NOTEBOOK, "batchify__dropped_from_start")):
        raise VisibleCheckFailed(
            f"{what}: your streams drop the 2 left-over indices from the start of the text, "
            f"where the docstring drops them from its end"
        )
    expect_true(
        np.array_equal(got, want),
        what=f"{what}: got {np.asarray(got).tolist()}",
        hint=f"Expected {want.tolist()}: 14 // 3 = 4 characters per stream, each stream the "
        f"next unbroken stretch of the text, and the 2 left over at the end dropped.",
    )
    passed("batchify")


# -- iterate_chunks ---------------------------------------------------------------------------
def check_iterate_chunks(iterate_chunks):
    what = f"iterate_chunks(streams 0..9 and 10..19, chunk_length={CHUNK_LENGTH})"
    got = call(
        iterate_chunks,
        CHUNK_STREAMS.copy(),
        np.int64(CHUNK_LENGTH),
        what=f"{what}, chunk_length given as a NumPy integer (np.int64)",
    )
    count = int(expected(NOTEBOOK, "chunks__count"))
    expect_true(
        isinstance(got, list),
        what=f"{what}: returned a {type(got).__name__}, not a list of (inputs, targets) pairs",
        hint="The training loop walks the chunks once per epoch; a generator would be used up "
        "after the first.",
    )
    _check_no_chunk_reads_the_last_character(got, what)
    expect_true(
        len(got) == count,
        what=f"{what}: {len(got)} chunks",
        hint=f"Expected {count}: the 9 predictions of each stream in chunks of 4, 4 "
        f"and 1 (the last one shorter; the last character is only a target).",
    )
    for index, pair in enumerate(got):
        where = f"{what}: chunk {index}"
        expect_true(
            isinstance(pair, tuple) and len(pair) == 2,
            what=f"{where} is a {type(pair).__name__}, not the pair (inputs, targets)",
        )
        inputs, targets = pair
        want_inputs = expected(NOTEBOOK, data_key("chunks", "inputs", index))
        expect_shape(inputs, want_inputs.shape, what=f"{where}: inputs")
        expect_shape(targets, want_inputs.shape, what=f"{where}: targets")
        expect_true(
            not np.array_equal(targets, inputs),
            what=f"{where}: your targets are the inputs themselves",
            hint="Each step's target is the character after its input.",
        )
        expect_true(
            np.array_equal(inputs, want_inputs),
            what=f"{where}: inputs {np.asarray(inputs).tolist()}",
            hint=f"Expected {want_inputs.tolist()}: chunk {index} reads the {CHUNK_LENGTH} "
            f"columns from column {index * CHUNK_LENGTH} on (fewer for the last chunk).",
        )
        expect_true(
            np.array_equal(targets, want_inputs + 1),
            what=f"{where}: targets {np.asarray(targets).tolist()}",
            hint=f"Expected {(want_inputs + 1).tolist()}: the next character of each input.",
        )
    passed("iterate_chunks")


def _check_no_chunk_reads_the_last_character(chunks, what: str) -> None:
    """The first mistake learners make: chunks that run to column T, the last character."""
    last = CHUNK_STREAMS[:, -1]
    for index, pair in enumerate(chunks):
        if not (isinstance(pair, tuple) and len(pair) == 2):
            return  # named by the checks of each pair
        inputs = pair[0]
        if isinstance(inputs, np.ndarray) and inputs.ndim == 2 and len(inputs) == len(last):
            if (inputs == last[:, None]).any():
                raise VisibleCheckFailed(
                    f"{what}: chunk {index}'s inputs include the last character of each stream "
                    f"(column T = {CHUNK_STREAMS.shape[1] - 1}): your chunks run to the last "
                    f"column of the streams (T + 1 columns) instead of their T steps, but the "
                    f"last character has no next character to predict: it is only ever a target"
                )


# -- evaluate_loss ----------------------------------------------------------------------------
EVALUATE_WRONG = {
    "reset": "every chunk starts from the zero state: the state is not carried from one chunk "
    "into the next.",
    "per_chunk_mean": "you averaged the chunks' per-character losses, so the short last chunk "
    "weighs as much as a full one.",
    "count_all": "you divided by T + 1, the length of a stream; there are T predictions (steps).",
    "bits": "your result is in bits; evaluate_loss reports nats.",
    "over_n": "you divided by N once more; a chunk's loss is already averaged over the streams.",
}


def check_evaluate_loss(evaluate_loss):
    zero = {name: np.zeros_like(value) for name, value in EVAL_PARAMS["rnn"].items()}
    what = "all weights zero"
    got = call(evaluate_loss, "rnn", zero, EVAL_STREAMS.copy(), EVAL_CHUNK, what=what)
    expect_close(
        _numbers(got, what),
        np.log(EVAL_V),
        what=what,
        hint=f"With every weight zero each of the {EVAL_V} characters has probability "
        f"1/{EVAL_V}, so the loss per character is ln {EVAL_V} = "
        f"{np.log(EVAL_V):.4f} nats, however the streams are cut into chunks.",
    )
    for cell in EVAL_CELLS:
        params = {name: value.copy() for name, value in EVAL_PARAMS[cell].items()}
        what = f"{cell}, N = 2, T = 10 steps, chunks of {EVAL_CHUNK} (4, 4 and 2 steps)"
        got = _numbers(
            call(evaluate_loss, cell, params, EVAL_STREAMS.copy(), EVAL_CHUNK, what=what), what
        )
        want = expected(NOTEBOOK, data_key("evaluate", cell))
        if got.shape == () and not np.isclose(got, want, rtol=1e-6):
            for mistake, hint in EVALUATE_WRONG.items():
                wrong = expected(NOTEBOOK, data_key("evaluate", cell, mistake))
                if np.isclose(got, wrong, rtol=1e-6):
                    raise VisibleCheckFailed(f"{what}: {hint}")
        expect_close(
            got,
            want,
            what=what,
            hint="The expected value is the loss per predicted character of the whole streams, "
            "read from the zero state with the state carried across chunks.",
        )
    passed("evaluate_loss", "the chunking is invisible once the state is carried")


# -- train_char_model -------------------------------------------------------------------------
def _numbers(value, what: str) -> np.ndarray:
    """`value` as an array of floats, or a message saying why it is not one."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise VisibleCheckFailed(
            f"{what} must be numbers (an array or a number), got a {type(value).__name__}"
        ) from None
    return array


def _run_inputs(settings: dict) -> dict:
    inputs = {
        name: (value.copy() if isinstance(value, np.ndarray) else value)
        for name, value in settings.items()
    }
    inputs["params"] = {name: value.copy() for name, value in settings["params"].items()}
    return inputs


def _train(train_char_model, settings: dict, what: str) -> tuple[dict, dict, dict]:
    """The learner's (best_params, history) on one run, and the inputs it was given."""
    inputs = _run_inputs(settings)
    result = call(train_char_model, **inputs, progress=False, what=what)
    expect_true(
        isinstance(result, tuple) and len(result) == 2,
        what=f"{what}: returned a {type(result).__name__}, not the tuple (best_params, history)",
    )
    best, history = result
    expect_true(
        isinstance(history, dict),
        what=f"{what}: history is a {type(history).__name__}, not a dict",
    )
    return best, history, inputs


def _history_entry(history: dict, key: str, what: str) -> np.ndarray:
    expect_true(key in history, what=f"{what}: history has no key '{key}'")
    return _numbers(history[key], f"{what}: history['{key}']")


def _params_entries(best, settings: dict, what: str) -> dict[str, np.ndarray]:
    names = list(settings["params"])
    expect_true(
        isinstance(best, dict) and set(best) == set(names),
        what=f"{what}: best_params must be a dict with the keys {names}",
    )
    return {name: _numbers(best[name], f"{what}: best_params['{name}']") for name in names}


def _judged(part: str, best, history: dict, settings: dict, what: str, prefix: str) -> list:
    """What the hidden check of `part` looks at in a result: (name, array) pairs. `prefix`
    names the reference's stored run (its best epoch decides whether best_params count)."""
    if part == "state":
        return [("history['train_loss']", _history_entry(history, "train_loss", what))]
    if part == "optimiser":
        return [("history['grad_norm']", _history_entry(history, "grad_norm", what))]
    params = [
        (f"best_params['{name}']", value)
        for name, value in _params_entries(best, settings, what).items()
    ]
    if part == "clipping":
        return params + [("history['grad_norm']", _history_entry(history, "grad_norm", what))]
    val = _history_entry(history, "val_loss", what)
    expect_true(
        val.ndim == 1 and val.size > 0,
        what=f"{what}: history['val_loss'] has shape {val.shape}, not one loss per epoch run",
    )
    judged = [
        ("history['val_loss'][0] (after epoch 1)", val[0]),
        ("the number of epochs run", np.asarray(val.size)),
        ("history['best_epoch']", _history_entry(history, "best_epoch", what)),
    ]
    if int(expected(NOTEBOOK, data_key(prefix, "best_epoch"))) == 1:
        judged += params
    return judged


def _stored(part: str, settings: dict, prefix: str) -> list:
    """The same pairs for a stored run (the reference's, or a mistake's)."""
    history = {
        key: expected(NOTEBOOK, data_key(prefix, key))
        for key in ("train_loss", "grad_norm", "val_loss", "best_epoch")
    }
    best = {
        name: expected(NOTEBOOK, data_key(prefix, "best_params", name))
        for name in settings["params"]
    }
    return _judged(part, best, history, settings, "stored", prefix)


def _difference(got: list, want: list) -> str | None:
    """The first of `got`'s (name, array) pairs that differs from `want`'s, in words."""
    for (name, value), (_, target) in zip(got, want):
        if value.shape != target.shape:
            return f"{name} has shape {value.shape}, expected {target.shape}"
        wrong = np.flatnonzero(~np.isclose(value, target, rtol=1e-6, atol=1e-8).ravel())
        if wrong.size:
            where = f"[{wrong[0]}]" if value.ndim == 1 else ""
            return f"{name}{where} differs"
    return None


def _check_train_part(part: str, train_char_model) -> None:
    """Every run of `part`: the learner's result against the reference's, naming the part's
    mistake the result matches."""
    spec = TRAIN_PARTS[part]
    for run, settings in spec["runs"].items():
        what = f"train_char_model, {spec['title']}: the run '{run}'"
        best, history, _ = _train(train_char_model, settings, what)
        prefix = data_key("train", part, run)
        got = _judged(part, best, history, settings, what, prefix)
        problem = _difference(got, _stored(part, settings, prefix))
        if problem is None:
            continue
        for mistake, name in TRAIN_MISTAKES[part].items():
            wrong = _stored(part, settings, data_key(prefix, "mistake", mistake))
            if _difference(got, wrong) is None:
                raise VisibleCheckFailed(
                    f"{what}: {problem}: your result matches what you get when {name}."
                )
        raise VisibleCheckFailed(
            f"{what}: {problem}. What this part checks: {spec['requirement']}. (If the visible "
            f"checks of iterate_chunks or evaluate_loss fail, look at those first: the loop "
            f"calls them.)"
        )


def check_train_char_model_state(train_char_model):
    _check_train_part("state", train_char_model)
    passed("train_char_model_state", TRAIN_PARTS["state"]["title"])


def check_train_char_model_clipping(train_char_model):
    _check_train_part("clipping", train_char_model)
    passed("train_char_model_clipping", TRAIN_PARTS["clipping"]["title"])


def check_train_char_model_optimiser(train_char_model):
    _check_train_part("optimiser", train_char_model)
    passed("train_char_model_optimiser", TRAIN_PARTS["optimiser"]["title"])


def check_train_char_model_early_stopping(train_char_model):
    _check_train_part("early_stopping", train_char_model)
    passed("train_char_model_early_stopping", TRAIN_PARTS["early_stopping"]["title"])


def check_train_char_model(train_char_model):
    """The notebook's visible check: the caller's parameters left alone, then the four parts
    the hidden checks grade, each reported (a part that fails does not hide the others)."""
    settings = next(iter(TRAIN_PARTS["state"]["runs"].values()))
    what = "train_char_model"
    _, _, inputs = _train(train_char_model, settings, what)
    for name, value in settings["params"].items():
        expect_unchanged(
            np.array_equal(inputs["params"][name], value),
            what=f"{what}: your function changed params['{name}'] in place",
            hint="The caller's parameters must stay as they were.",
        )
    failures, fine = [], []
    for part, spec in TRAIN_PARTS.items():
        try:
            _check_train_part(part, train_char_model)
        except VisibleCheckFailed as failure:
            failures.append(str(failure))
        else:
            fine.append(spec["title"])
    if failures:
        raise VisibleCheckFailed(
            "\n".join(failures) + (f"\n(These parts pass: {'; '.join(fine)}.)" if fine else "")
        )
    passed("train_char_model", "all four parts: the state, clipping, the optimiser, early stopping")
