"""The common mistakes of notebook 07 (a character language model), exercise by exercise.

Each `Mistake` is the whole function a learner who made it would have written, with the hint
that names it. The hidden checks (grader/checks/char_language_model.py) take `MISTAKES[exercise]`;
the visible checks' data (grader/visible_expectations/char_language_model.py) names mistakes by id;
tests/checks/test_mistakes.py holds every entry to its flags. The package docstring
(grader/mistakes/__init__.py) describes `MISTAKES`, `UNSCORED` and `VARIANTS`.
"""

from __future__ import annotations

import numpy as np

from grader.checks.framework import (
    Mistake,
)
from rnn_numpy.char_model import (
    char_model_loss,
    evaluate_loss,
    initial_state,
)
from rnn_numpy.clipping import clip_global_norm
from rnn_numpy.language_model import batchify, iterate_chunks
from rnn_numpy.optim import adagrad_step

LN2 = float(np.log(2.0))


# -- perplexity and bits_per_char -------------------------------------------------------------


PERPLEXITY_MISTAKES = [
    Mistake(
        "base2",
        "2 is raised to the loss (2**loss is the perplexity of a loss in bits; this loss "
        "is in nats)",
        lambda loss: np.power(2.0, loss),
    ),
    Mistake(
        "base10",
        "10 is raised to the loss (the loss is in nats)",
        lambda loss: np.power(10.0, loss),
    ),
    Mistake(
        "sign_flipped",
        "the sign is flipped: exp(-loss) is the geometric-mean probability of the "
        "targets, its inverse is the perplexity",
        lambda loss: np.exp(-np.asarray(loss)),
    ),
    Mistake(
        "bits",
        "the loss is converted to bits instead (loss / ln 2)",
        lambda loss: np.asarray(loss) / LN2,
    ),
]


BITS_MISTAKES = [
    Mistake(
        "times_ln2",
        "the loss is multiplied by ln 2 instead of divided by it",
        lambda loss: np.asarray(loss) * LN2,
    ),
    Mistake(
        "log2",
        "log2 is applied to the loss itself (the loss is already a logarithm, in base e)",
        lambda loss: np.log2(np.asarray(loss, dtype=float)),
    ),
    Mistake(
        "ln10",
        "the loss is divided by ln 10 (that gives digits, not bits)",
        lambda loss: np.asarray(loss) / np.log(10.0),
    ),
    Mistake(
        "perplexity", "the perplexity is returned instead (exp(loss))", lambda loss: np.exp(loss)
    ),
]


# -- batchify ---------------------------------------------------------------------------------


def interleaved(indices, batch_size):
    length = len(indices) // batch_size
    return indices[: batch_size * length].reshape(length, batch_size).T


BATCHIFY_MISTAKES = [
    Mistake(
        "interleaved",
        "the text is dealt out like cards (row n holds characters n, n+N, n+2N, ...), so "
        "no row is a stretch of the text",
        interleaved,
    ),
    Mistake(
        "columns",
        "the streams are returned as columns, shape (T + 1, N) instead of (N, T + 1)",
        lambda indices, batch_size: batchify(indices, batch_size).T,
    ),
    Mistake(
        "dropped_from_start",
        "the left-over indices are dropped from the start of the text instead of its end",
        lambda indices, batch_size: indices[len(indices) % batch_size :].reshape(batch_size, -1),
    ),
]


# -- iterate_chunks ---------------------------------------------------------------------------


def chunks_with(*, shift=1, drop_short=False, to_the_end=False):
    def chunks(streams, chunk_length):
        steps, found = streams.shape[1] - 1, []  # T steps in a stream of T + 1 characters
        for start in range(0, steps + 1 if to_the_end else steps, chunk_length):
            stop = min(start + chunk_length, steps + 1 if to_the_end else steps)
            if drop_short and stop - start < chunk_length:
                continue
            found.append((streams[:, start:stop], streams[:, start + shift : stop + shift]))
        return found

    return chunks


CHUNK_MISTAKES = [
    Mistake(
        "targets_are_inputs",
        "the targets are the inputs themselves (each step's target is the character after "
        "its input)",
        chunks_with(shift=0),
    ),
    Mistake(
        "short_chunk_dropped",
        "the last, shorter chunk is dropped (its characters are never predicted)",
        chunks_with(drop_short=True),
    ),
    Mistake(
        "one_column_too_many",
        "the chunks run to the last column of the stream (T + 1 columns) instead of its T "
        "steps (the last character has no next character to predict)",
        chunks_with(to_the_end=True),
    ),
]


# -- evaluate_loss ----------------------------------------------------------------------------


def evaluate_with(
    *,
    reset=False,
    per_chunk_mean=False,
    chunk_mean=False,
    count_all=False,
    bits=False,
    over_n=False,
):
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
    Mistake(
        "reset",
        "every chunk starts from the zero state (the state is not carried across chunks)",
        evaluate_with(reset=True),
    ),
    Mistake(
        "per_chunk_mean",
        "the per-character losses of the chunks are averaged, so a short last chunk weighs "
        "as much as a full one",
        evaluate_with(per_chunk_mean=True),
    ),
    Mistake(
        "chunk_mean",
        "the chunk losses are averaged over the chunks, not divided by the number of steps "
        "(that is a loss per chunk, not per character)",
        evaluate_with(chunk_mean=True),
    ),
    Mistake(
        "count_all",
        "the sum is divided by T + 1, the number of characters in a stream, instead of T, "
        "the number of predictions (steps)",
        evaluate_with(count_all=True),
    ),
    Mistake("bits", "the result is in bits (evaluate_loss reports nats)", evaluate_with(bits=True)),
    Mistake(
        "over_n",
        "the loss is divided by N once more (each chunk's loss is already averaged over "
        "the N streams)",
        evaluate_with(over_n=True),
    ),
]


# -- train_char_model -------------------------------------------------------------------------
# The training loop is judged in four parts, each its own hidden check worth its own points
# (grader/checks/char_language_model.py says how each part's cases leave the other parts'
# mistakes without effect). A mistake below is listed under the one part it costs.


def train_with(
    *,
    reset_each_chunk=False,
    carry_across_epochs=False,
    clip="global",
    record_clipped_norm=False,
    loss_per_chunk=False,
    reset_optimiser="",
    validate_on_train=False,
    best_by_train_loss=False,
    keep_last=False,
    patience_shift=0,
    ignore_patience=False,
    never_stop=False,
):
    """The training loop with the named mistakes (no flags: the correct loop).

    reset_optimiser: "" (the sums kept), "epoch" or "chunk" (they start again from zero)."""

    def train(
        cell,
        params,
        train_streams,
        val_streams,
        chunk_length,
        epochs,
        learning_rate,
        max_norm,
        patience,
        progress=True,
    ):
        params = {name: value.copy() for name, value in params.items()}
        caches = {name: np.zeros_like(value) for name, value in params.items()}
        N, H = train_streams.shape[0], params["Wy"].shape[0]
        history = {"train_loss": [], "grad_norm": [], "val_loss": []}
        best_loss, best_epoch, best_params = np.inf, 0, params
        state = initial_state(cell, N, H)
        for epoch in range(1, epochs + 1):
            if not carry_across_epochs:
                state = initial_state(cell, N, H)
            if reset_optimiser == "epoch":
                caches = {name: np.zeros_like(value) for name, value in params.items()}
            epoch_losses = []
            for inputs, targets in iterate_chunks(train_streams, chunk_length):
                if reset_optimiser == "chunk":
                    caches = {name: np.zeros_like(value) for name, value in params.items()}
                start = initial_state(cell, N, H) if reset_each_chunk else state
                loss, grads, state = char_model_loss(cell, params, inputs, targets, start)
                if clip == "global":
                    clipped, norm = clip_global_norm(grads, max_norm)
                else:
                    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
                    clipped = {
                        "none": grads,
                        "each": {
                            n: clip_global_norm({n: g}, max_norm)[0][n] for n, g in grads.items()
                        },
                        "entries": {n: np.clip(g, -max_norm, max_norm) for n, g in grads.items()},
                    }[clip]
                for name in params:
                    params[name], caches[name] = adagrad_step(
                        params[name], clipped[name], caches[name], learning_rate
                    )
                history["train_loss"].append(loss if loss_per_chunk else loss / inputs.shape[1])
                history["grad_norm"].append(min(norm, max_norm) if record_clipped_norm else norm)
                epoch_losses.append(loss / inputs.shape[1])
            val = evaluate_loss(
                cell, params, train_streams if validate_on_train else val_streams, chunk_length
            )
            history["val_loss"].append(val)
            judged = float(np.mean(epoch_losses)) if best_by_train_loss else val
            if judged < best_loss:
                best_loss, best_epoch = judged, epoch
                best_params = {name: value.copy() for name, value in params.items()}
            elif never_stop:
                continue
            elif ignore_patience or epoch - best_epoch >= patience + patience_shift:
                break
        history = {key: np.array(value) for key, value in history.items()}
        history["best_epoch"] = best_epoch
        return (params if keep_last else best_params), history

    return train


TRAIN_STATE_MISTAKES = [
    Mistake(
        "reset",
        "every chunk starts from the zero state (the state is not carried across chunks)",
        train_with(reset_each_chunk=True),
    ),
    Mistake(
        "carry_across_epochs",
        "the state at the end of one epoch is carried into the start of the next (each "
        "epoch reads the streams from their beginning)",
        train_with(carry_across_epochs=True),
    ),
    Mistake(
        "loss_per_chunk",
        "the loss recorded is the chunk's loss, not its loss per character",
        train_with(loss_per_chunk=True),
    ),
]
TRAIN_CLIPPING_MISTAKES = [
    Mistake("no_clip", "the gradients are not clipped", train_with(clip="none")),
    Mistake(
        "per_array_clip",
        "each gradient array is clipped to max_norm on its own, not all of them together by "
        "one factor",
        train_with(clip="each"),
    ),
    Mistake(
        "elementwise_clip",
        "each gradient entry is clipped to [-max_norm, max_norm] (elementwise clipping, which "
        "changes the gradient's direction)",
        train_with(clip="entries"),
    ),
    Mistake(
        "norm_after",
        "the norm recorded is the one after clipping, not before",
        train_with(record_clipped_norm=True),
    ),
]
TRAIN_OPTIMISER_MISTAKES = [
    Mistake(
        "adagrad_reset",
        "Adagrad's sums of squared gradients start again from zero every epoch",
        train_with(reset_optimiser="epoch"),
    ),
    Mistake(
        "adagrad_reset_each_chunk",
        "Adagrad's sums of squared gradients start again from zero at every chunk",
        train_with(reset_optimiser="chunk"),
    ),
]
TRAIN_EARLY_STOPPING_MISTAKES = [
    Mistake(
        "validation_on_train",
        "the validation loss is measured on the training streams",
        train_with(validate_on_train=True),
    ),
    Mistake(
        "best_by_training_loss",
        "the best epoch (and so early stopping) follows the epoch's training loss, not the "
        "validation loss",
        train_with(best_by_train_loss=True),
    ),
    Mistake(
        "last_params",
        "the parameters of the last epoch are returned instead of those of the best epoch",
        train_with(keep_last=True),
    ),
    Mistake(
        "patience_ignored",
        "training stops at the first epoch that does not improve, whatever the patience",
        train_with(ignore_patience=True),
    ),
    Mistake(
        "one_epoch_late",
        "training waits one epoch too many before stopping (patience + 1 epochs without a "
        "new best)",
        train_with(patience_shift=1),
    ),
    Mistake(
        "never_stops",
        "early stopping never acts: every epoch runs, whatever the patience",
        train_with(never_stop=True),
    ),
]
# The parts of train_char_model, each a hidden check of its own (its name), in the order the
# notebook grades them.
TRAIN_PARTS = {
    "train_char_model_state": TRAIN_STATE_MISTAKES,
    "train_char_model_clipping": TRAIN_CLIPPING_MISTAKES,
    "train_char_model_optimiser": TRAIN_OPTIMISER_MISTAKES,
    "train_char_model_early_stopping": TRAIN_EARLY_STOPPING_MISTAKES,
}


MISTAKES = {
    "perplexity": PERPLEXITY_MISTAKES,
    "bits_per_char": BITS_MISTAKES,
    "batchify": BATCHIFY_MISTAKES,
    "iterate_chunks": CHUNK_MISTAKES,
    "evaluate_loss": EVALUATE_MISTAKES,
    **TRAIN_PARTS,
}
# The factory of each exercise's variants: called with no flags, it makes the correct function.
VARIANTS = {
    "iterate_chunks": chunks_with,
    "evaluate_loss": evaluate_with,
    **dict.fromkeys(TRAIN_PARTS, train_with),
}
