"""Wrong submissions of 07_char_language_model: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
evaluate_loss and train_char_model call other exercises of the notebook; their checks answer
those calls with the reference's results, so a mistake in iterate_chunks, evaluate_loss or
bits_per_char costs only that exercise's points. train_char_model is graded in four parts (the
state, clipping, the optimiser, early stopping): each part has a mistake here, which costs only
that part (every catalogued mistake of a part is held to that in-process too, by
tests/checks/test_mistakes.py, at no grading cost).
"""

from submissions.wrong import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="perplexity_base_two",
        why="2 ** loss: the perplexity of a loss in bits, but the loss is in nats.",
        edits={
            "perplexity": ("    return np.exp(mean_loss_nats)", "    return 2 ** mean_loss_nats")
        },
        failing_checks=frozenset(["perplexity"]),
        names=(("perplexity", "base2"),),
    ),
    WrongSubmission(
        name="bits_per_char_not_written",
        why="bits_per_char left unwritten: the training loop, which calls it, keeps its points.",
        edits={
            "bits_per_char": (
                "    return mean_loss_nats / np.log(2.0)",
                "    raise NotImplementedError()",
            )
        },
        failing_checks=frozenset(["bits_per_char"]),
    ),
    WrongSubmission(
        name="batchify_dealt_like_cards",
        why="row n holds characters n, n+N, n+2N, ...: reshape(T + 1, N).T instead of reshape(N, T + 1).",
        edits={
            "batchify": (
                "    return indices[: batch_size * length].reshape(batch_size, length).copy()",
                "    return indices[: batch_size * length].reshape(length, batch_size).T.copy()",
            )
        },
        failing_checks=frozenset(["batchify"]),
        names=(("batchify", "interleaved"),),
    ),
    WrongSubmission(
        name="iterate_chunks_targets_are_inputs",
        why="the targets are the inputs (no shift by one); evaluate_loss and train_char_model "
        "call iterate_chunks.",
        edits={
            "iterate_chunks": (
                "        chunks.append((streams[:, start:stop], streams[:, start + 1 : stop + 1]))",
                "        chunks.append((streams[:, start:stop], streams[:, start:stop]))",
            )
        },
        failing_checks=frozenset(["iterate_chunks"]),
        names=(("iterate_chunks", "targets_are_inputs"),),
    ),
    WrongSubmission(
        name="evaluate_loss_state_not_carried",
        why="every chunk starts from the zero state; train_char_model calls evaluate_loss.",
        edits={
            "evaluate_loss": (
                "        loss, _, state = char_model_loss(cell, params, inputs, targets, state, "
                "with_grads=False)",
                "        loss, _, _ = char_model_loss(cell, params, inputs, targets, state, "
                "with_grads=False)",
            )
        },
        failing_checks=frozenset(["evaluate_loss"]),
        names=(("evaluate_loss", "reset"),),
    ),
    WrongSubmission(
        name="evaluate_loss_mean_of_chunk_means",
        why="the chunks' per-character losses are averaged: a short last chunk weighs as much as "
        "a full one.",
        edits={
            "evaluate_loss": (
                """        total += loss
        steps += inputs.shape[1]""",
                """        total += loss / inputs.shape[1]
        steps += 1""",
            )
        },
        failing_checks=frozenset(["evaluate_loss"]),
        names=(("evaluate_loss", "per_chunk_mean"),),
    ),
    WrongSubmission(
        name="train_no_clipping",
        why="the clipped gradients are thrown away: the update uses the raw ones.",
        edits={
            "train_char_model": (
                "            grads, norm = clip_global_norm(grads, max_norm)",
                "            _, norm = clip_global_norm(grads, max_norm)",
            )
        },
        failing_checks=frozenset(["train_char_model_clipping"]),
        names=(("train_char_model_clipping", "no_clip"),),
    ),
    WrongSubmission(
        name="train_clips_each_entry",
        why="each gradient entry is clipped to [-max_norm, max_norm] with np.clip instead of "
        "the whole gradient rescaled by its global norm: the update's direction changes.",
        edits={
            "train_char_model": (
                "            grads, norm = clip_global_norm(grads, max_norm)",
                "            norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))\n"
                "            grads = {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}",
            )
        },
        failing_checks=frozenset(["train_char_model_clipping"]),
        names=(("train_char_model_clipping", "elementwise_clip"),),
    ),
    WrongSubmission(
        name="train_state_not_carried",
        why="every chunk starts from the zero state.",
        edits={
            "train_char_model": (
                "            loss, grads, state = char_model_loss(cell, params, inputs, targets, state)",
                "            loss, grads, _ = char_model_loss(cell, params, inputs, targets,\n"
                "                                             initial_state(cell, N, H))",
            )
        },
        failing_checks=frozenset(["train_char_model_state"]),
        names=(("train_char_model_state", "reset"),),
    ),
    WrongSubmission(
        name="train_adagrad_sums_reset_each_epoch",
        why="Adagrad's sums are made inside the epoch loop: they start again from zero every "
        "epoch.",
        edits={
            "train_char_model": (
                "        state = initial_state(cell, N, H)\n",
                "        state = initial_state(cell, N, H)\n"
                "        caches = {name: np.zeros_like(value) for name, value in params.items()}\n",
            )
        },
        failing_checks=frozenset(["train_char_model_optimiser"]),
        names=(("train_char_model_optimiser", "adagrad_reset"),),
    ),
    WrongSubmission(
        name="train_early_stopping_on_training_loss",
        why="the best epoch is chosen, and training stopped, by the epoch's mean training loss.",
        edits={
            "train_char_model": (
                "        if val < best_loss:\n            best_loss, best_epoch = val, epoch",
                "        judged = np.mean(history['train_loss'][-len(chunks) :])\n"
                "        if judged < best_loss:\n            best_loss, best_epoch = judged, epoch",
            )
        },
        failing_checks=frozenset(["train_char_model_early_stopping"]),
        names=(("train_char_model_early_stopping", "best_by_training_loss"),),
    ),
    WrongSubmission(
        name="train_never_stops_early",
        why="the epochs since the best are counted backwards, best_epoch - epoch, which is never "
        ">= patience: early stopping never acts and every epoch runs.",
        edits={
            "train_char_model": (
                "        elif epoch - best_epoch >= patience:",
                "        elif best_epoch - epoch >= patience:",
            )
        },
        failing_checks=frozenset(["train_char_model_early_stopping"]),
        names=(("train_char_model_early_stopping", "never_stops"),),
    ),
    WrongSubmission(
        name="train_returns_the_last_parameters",
        why="the parameters of the last epoch are returned, not those of the best one.",
        edits={
            "train_char_model": ("    return best_params, history", "    return params, history")
        },
        failing_checks=frozenset(["train_char_model_early_stopping"]),
        names=(("train_char_model_early_stopping", "last_params"),),
    ),
    WrongSubmission(
        name="train_updates_the_callers_parameters",
        why="no copy of params: training changes the caller's dict in place."
        " In-place writes and NumPy warnings carry no points (issue 15): it keeps full "
        "marks; the visible check names it.",
        edits={
            "train_char_model": (
                "    params = {name: value.copy() for name, value in params.items()}\n",
                "",
            )
        },
        failing_checks=frozenset(),
    ),
]
