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

# train_char_model: a run of 3 epochs, and a run that stops early: trained on "abab..." and
# validated on "aaaa...", every epoch makes the validation loss worse.
TRAIN_RUNS = {
    "three epochs": dict(
        cell="rnn",
        params=model_weights("rnn", 3, 3, 77),
        train_streams=np.resize(np.array([0, 1, 2, 1, 0, 2, 2]), 20).reshape(2, 10),
        val_streams=np.resize(np.array([0, 1, 2, 2, 1]), 7).reshape(1, 7),
        chunk_length=4,
        epochs=3,
        learning_rate=0.2,
        max_norm=1.0,
        patience=3,
    ),
    "early stop": dict(
        cell="rnn",
        params=model_weights("rnn", 2, 3, 78),
        train_streams=np.resize(np.array([0, 1]), 40).reshape(2, 20),
        val_streams=np.zeros((1, 9), dtype=np.int64),
        chunk_length=5,
        epochs=6,
        learning_rate=0.5,
        max_norm=5.0,
        patience=1,
    ),
}
TRAIN_MISTAKE_NAMES = (
    "every chunk starts from the zero state (carry the state from chunk to chunk)",
    "the state is carried from one epoch into the next (start each epoch from zeros)",
    "the gradients are not clipped",
    "each gradient array is clipped on its own (clip_global_norm clips them together)",
    "each gradient entry is clipped to [-max_norm, max_norm] (use clip_global_norm)",
    "the norm recorded is the one after clipping, not before",
    "the loss recorded is the chunk's loss, not the loss per character",
    "Adagrad's sums of squared gradients start again from zero every epoch",
    "the validation loss is measured on the training streams",
    "the parameters of the last epoch are returned, not those of the best epoch",
    "training stops at the first epoch without improvement, whatever the patience",
    "training waits one epoch too many before stopping",
)
PARAM_ORDER = {"rnn": ("Wx", "Wh", "b", "Wy", "by")}


def data_key(*parts) -> str:
    """The name of an expected value in coursekit/data/visible/char_language_model.npz."""
    return "__".join(str(part).replace(" ", "_") for part in parts)


# -- perplexity and bits_per_char -------------------------------------------------------------
def _check_loss_units(function, name: str, wrong: dict[str, str]) -> None:
    for index, loss in enumerate(LOSSES):
        what = f"{name}({loss:.4g})"
        got = call(function, loss, what=what)
        want = expected(NOTEBOOK, data_key(name, "scalar", index))
        try:
            expect_close(np.asarray(got, dtype=float), want, what=what)
        except VisibleCheckFailed:
            for mistake, hint in wrong.items():
                if np.allclose(
                    np.asarray(got, dtype=float), expected(NOTEBOOK, data_key(name, mistake, index))
                ):
                    raise VisibleCheckFailed(f"{what}: {hint}") from None
            raise
    what = f"{name} of a loss curve, shape {LOSS_CURVE.shape}"
    got = call(function, LOSS_CURVE.copy(), what=what)
    expect_close(
        got,
        expected(NOTEBOOK, data_key(name, "curve")),
        what=what,
        hint="Work on the whole array at once (NumPy functions, no math.exp).",
    )


def check_perplexity(perplexity):
    _check_loss_units(
        perplexity,
        "perplexity",
        {
            "base2": "you raised 2 to the loss: the loss is in nats, so the perplexity is exp(loss).",
            "bits": "you converted the loss to bits; the perplexity is exp(loss).",
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
            "times_ln2": "you multiplied by ln 2; bits = nats / ln 2.",
            "log2": "you took log2 of the loss; the loss is already a logarithm (in base e): "
            "divide it by ln 2.",
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
            f"{what}: shape {got.shape}; return the streams as rows, "
            f"shape (N, T + 1) = {want.shape}"
        )
    expect_shape(got, want.shape, what=what)
    expect_true(
        got.dtype.kind in "iu",
        what=f"{what}: the result has dtype {got.dtype}; the docstring asks for an integer array",
    )
    if np.array_equal(got, expected(NOTEBOOK, "batchify__interleaved")):
        raise VisibleCheckFailed(
            f"{what}: your rows take every N-th character; each row must "
            f"be one unbroken stretch of the text: {want.tolist()}"
        )
    expect_true(
        np.array_equal(got, want),
        what=f"{what}: got {np.asarray(got).tolist()}",
        hint=f"Expected {want.tolist()}: 14 // 3 = 4 characters per stream, row n "
        f"is indices[4n:4(n+1)], the 2 left over at the end are dropped.",
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
        what=f"{what}: returned a {type(got).__name__}",
        hint="Return a list of (inputs, targets) pairs (the training loop walks it "
        "once per epoch).",
    )
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
            what=f"{where} is not a pair",
            hint="Each chunk is the tuple (inputs, targets).",
        )
        inputs, targets = pair
        want_inputs = expected(NOTEBOOK, data_key("chunks", "inputs", index))
        expect_shape(inputs, want_inputs.shape, what=f"{where}: inputs")
        expect_shape(targets, want_inputs.shape, what=f"{where}: targets")
        expect_true(
            not np.array_equal(targets, inputs),
            what=f"{where}: targets == inputs",
            hint="Each step predicts the NEXT character: targets = streams[:, s+1:e+1].",
        )
        expect_true(
            np.array_equal(inputs, want_inputs),
            what=f"{where}: inputs {np.asarray(inputs).tolist()}",
            hint=f"Expected {want_inputs.tolist()}: chunk c starts at column c*K.",
        )
        expect_true(
            np.array_equal(targets, want_inputs + 1),
            what=f"{where}: targets {np.asarray(targets).tolist()}",
            hint=f"Expected {(want_inputs + 1).tolist()}: the next character of each input.",
        )
    passed("iterate_chunks")


# -- evaluate_loss ----------------------------------------------------------------------------
EVALUATE_WRONG = {
    "reset": "every chunk starts from the zero state: carry the state returned by "
    "char_model_loss into the next chunk.",
    "per_chunk_mean": "you averaged the chunks' per-character losses, so the short last chunk "
    "weighs as much as a full one: add up the chunk losses and divide by the "
    "number of steps.",
    "count_all": "you divided by T + 1, the length of a stream; there are T predictions (steps).",
    "bits": "your result is in bits; evaluate_loss reports nats.",
    "over_n": "you divided by N once more; a chunk's loss is already averaged over the streams.",
}


def check_evaluate_loss(evaluate_loss):
    zero = {name: np.zeros_like(value) for name, value in EVAL_PARAMS["rnn"].items()}
    what = "all weights zero"
    got = call(evaluate_loss, "rnn", zero, EVAL_STREAMS.copy(), EVAL_CHUNK, what=what)
    expect_close(
        np.asarray(got, dtype=float),
        np.log(EVAL_V),
        what=what,
        hint=f"With every weight zero each of the {EVAL_V} characters has probability "
        f"1/{EVAL_V}, so the loss per character is ln {EVAL_V} = "
        f"{np.log(EVAL_V):.4f} nats: divide the sum of the chunk losses by the "
        f"number of steps.",
    )
    for cell in EVAL_CELLS:
        params = {name: value.copy() for name, value in EVAL_PARAMS[cell].items()}
        what = f"{cell}, N = 2, T = 10 steps, chunks of {EVAL_CHUNK} (4, 4 and 2 steps)"
        got = np.asarray(
            call(evaluate_loss, cell, params, EVAL_STREAMS.copy(), EVAL_CHUNK, what=what),
            dtype=float,
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
            hint="Start from initial_state, carry the state across chunks, add up the "
            "chunk losses and divide by the number of steps.",
        )
    passed("evaluate_loss", "the chunking is invisible once the state is carried")


# -- train_char_model -------------------------------------------------------------------------
def _history_problem(history, prefix: str) -> str | None:
    """The first entry of `history` that differs from the precomputed run `prefix`."""
    for key in ("train_loss", "grad_norm", "val_loss"):
        want = expected(NOTEBOOK, data_key(prefix, key))
        got = np.asarray(history.get(key, []), dtype=float)
        if got.shape != want.shape:
            return f"history['{key}'] has shape {got.shape}, expected {want.shape}"
        wrong = np.flatnonzero(~np.isclose(got, want, rtol=1e-6, atol=1e-9))
        if wrong.size:
            return f"history['{key}'][{wrong[0]}] differs"
    best_epoch = expected(NOTEBOOK, data_key(prefix, "best_epoch"))
    if int(history.get("best_epoch", -1)) != int(best_epoch):
        return "history['best_epoch'] differs"
    return None


def _params_problem(params, prefix: str, cell: str) -> str | None:
    names = PARAM_ORDER[cell]
    if not isinstance(params, dict) or set(params) != set(names):
        return f"best_params must be a dict with the keys {list(names)}"
    flat = np.concatenate([np.ravel(params[name]) for name in names])
    want = expected(NOTEBOOK, data_key(prefix, "best_params"))
    if flat.shape != want.shape or not np.allclose(flat, want, rtol=1e-6, atol=1e-9):
        return "best_params differ"
    return None


def check_train_char_model(train_char_model):
    for run, settings in TRAIN_RUNS.items():
        inputs = {
            name: (value.copy() if isinstance(value, np.ndarray) else value)
            for name, value in settings.items()
        }
        inputs["params"] = {name: value.copy() for name, value in settings["params"].items()}
        what = f"the run '{run}'"
        result = call(train_char_model, **inputs, progress=False, what=what)
        expect_true(
            isinstance(result, tuple) and len(result) == 2,
            what=f"{what}: return the tuple (best_params, history)",
        )
        best, history = result
        expect_true(isinstance(history, dict), what=f"{what}: history must be a dict")
        for name, value in settings["params"].items():
            expect_unchanged(
                np.array_equal(inputs["params"][name], value),
                what=f"{what}: your function changed params['{name}'] in place",
                hint="Train on copies: the caller's parameters must stay as they were.",
            )
        problem = _history_problem(history, data_key("train", run)) or _params_problem(
            best, data_key("train", run), settings["cell"]
        )
        if problem is None:
            continue
        for index, mistake in enumerate(TRAIN_MISTAKE_NAMES):
            prefix = data_key("train", run, "mistake", index)
            if (
                _history_problem(history, prefix) is None
                and _params_problem(best, prefix, settings["cell"]) is None
            ):
                raise VisibleCheckFailed(
                    f"{what}: {problem}: your result matches what you get when {mistake}."
                )
        raise VisibleCheckFailed(
            f"{what}: {problem}. history['train_loss'][0] is the first chunk's loss per "
            f"character before any update; each later entry depends on the updates before "
            f"it (clip_global_norm, then adagrad_step); history['val_loss'] on "
            f"evaluate_loss after each epoch. (If the visible checks of iterate_chunks or "
            f"evaluate_loss fail, fix those first: the loop calls them.)"
        )
    passed("train_char_model", "both runs, including the early stop, match the reference")
