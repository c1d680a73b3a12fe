"""Expected values of notebook 07's visible checks (coursekit/visible/char_language_model.py),
computed with the reference, and the results of the mistakes the checks can name."""

from __future__ import annotations

import numpy as np

from coursekit.visible import char_language_model as kit
from grader.mistakes import find, outputs
from grader.mistakes.char_language_model import MISTAKES
from rnn_numpy.char_model import evaluate_loss, train_char_model
from rnn_numpy.language_model import batchify, bits_per_char, iterate_chunks, perplexity

# The mistakes coursekit/visible/char_language_model.py names, by catalogue id.
LOSS_MISTAKES = {
    ("perplexity", "base2"): find(MISTAKES["perplexity"], "base2"),
    ("perplexity", "bits"): find(MISTAKES["perplexity"], "bits"),
    ("bits_per_char", "times_ln2"): find(MISTAKES["bits_per_char"], "times_ln2"),
    ("bits_per_char", "log2"): find(MISTAKES["bits_per_char"], "log2"),
}
EVALUATE_MISTAKES = outputs(
    MISTAKES["evaluate_loss"], ("reset", "per_chunk_mean", "count_all", "bits", "over_n")
)


def _run(function, settings: dict):
    inputs = {
        name: (value.copy() if isinstance(value, np.ndarray) else value)
        for name, value in settings.items()
    }
    inputs["params"] = {name: value.copy() for name, value in settings["params"].items()}
    with np.errstate(all="ignore"):
        return function(**inputs, progress=False)


def expectations() -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {}
    for name, function in (("perplexity", perplexity), ("bits_per_char", bits_per_char)):
        for index, loss in enumerate(kit.LOSSES):
            values[kit.data_key(name, "scalar", index)] = np.asarray(function(loss))
            for (owner, mistake), wrong in LOSS_MISTAKES.items():
                if owner == name:
                    with np.errstate(all="ignore"):
                        values[kit.data_key(name, mistake, index)] = np.asarray(
                            wrong.output(loss), dtype=float
                        )
        values[kit.data_key(name, "curve")] = function(kit.LOSS_CURVE)
    values["batchify"] = batchify(kit.BATCH_TEXT, kit.BATCH_STREAMS)
    values["batchify__interleaved"] = find(MISTAKES["batchify"], "interleaved").output(
        kit.BATCH_TEXT, kit.BATCH_STREAMS
    )
    values["batchify__dropped_from_start"] = find(
        MISTAKES["batchify"], "dropped_from_start"
    ).output(kit.BATCH_TEXT, kit.BATCH_STREAMS)
    chunks = iterate_chunks(kit.CHUNK_STREAMS, kit.CHUNK_LENGTH)
    values["chunks__count"] = np.asarray(len(chunks))
    for index, (inputs, _) in enumerate(chunks):
        values[kit.data_key("chunks", "inputs", index)] = inputs
    for cell in kit.EVAL_CELLS:
        args = (cell, kit.EVAL_PARAMS[cell], kit.EVAL_STREAMS, kit.EVAL_CHUNK)
        values[kit.data_key("evaluate", cell)] = np.asarray(evaluate_loss(*args))
        for mistake, wrong in EVALUATE_MISTAKES.items():
            values[kit.data_key("evaluate", cell, mistake)] = np.asarray(wrong(*args))
    for part, spec in kit.TRAIN_PARTS.items():
        mistakes = outputs(MISTAKES[f"train_char_model_{part}"], kit.TRAIN_MISTAKES[part])
        for run, settings in spec["runs"].items():
            prefix = kit.data_key("train", part, run)
            runs = {prefix: _run(train_char_model, settings)}
            for mistake, wrong in mistakes.items():
                runs[kit.data_key(prefix, "mistake", mistake)] = _run(wrong, settings)
            for key, (best, history) in runs.items():
                for name in ("train_loss", "grad_norm", "val_loss"):
                    values[kit.data_key(key, name)] = np.asarray(history[name], dtype=float)
                values[kit.data_key(key, "best_epoch")] = np.asarray(history["best_epoch"])
                for name, value in best.items():
                    values[kit.data_key(key, "best_params", name)] = value
    return values
