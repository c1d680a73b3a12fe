"""Hidden and visible checks of notebook 07 (its catalogued mistakes: test_mistakes.py): visible
messages name mistakes, and a mistake in iterate_chunks or evaluate_loss costs only its own
points in the training loop."""

import numpy as np
import pytest

from coursekit.visible import char_language_model as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import get_check, run_locally
from grader.mistakes import find
from grader.mistakes.char_language_model import MISTAKES
from rnn_numpy import char_model
from rnn_numpy.char_model import evaluate_loss, train_char_model
from rnn_numpy.language_model import batchify, bits_per_char, iterate_chunks, perplexity

REFERENCES = {
    "perplexity": perplexity,
    "bits_per_char": bits_per_char,
    "batchify": batchify,
    "iterate_chunks": iterate_chunks,
    "evaluate_loss": evaluate_loss,
    "train_char_model": train_char_model,
}


def test_a_generator_of_chunks_is_refused_with_a_reason():
    verdict = run_locally(
        "iterate_chunks", lambda streams, K: (c for c in iterate_chunks(streams, K))
    )
    assert not verdict.passed and "generator" in verdict.explain()


def test_the_early_stop_cases_stop_early_whatever_the_generator():
    for seed in range(5):
        stops = [
            case
            for case in get_check("train_char_model").make_cases(np.random.default_rng(seed))
            if "worse every epoch" in case.label
        ]
        assert len(stops) == 2
        for case in stops:
            args, kwargs = case.live_arguments()
            _, history = train_char_model(*args, **kwargs)
            patience = args[8]
            assert history["best_epoch"] == 1 and len(history["val_loss"]) == 1 + patience


def test_a_loop_that_trains_the_callers_parameters_in_place_keeps_its_points_and_is_named():
    """In-place writes carry no points (issue 15): the hidden check judges the returned values,
    the visible check names the write."""

    def in_place(
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
        result = train_char_model(
            cell,
            params,
            train_streams,
            val_streams,
            chunk_length,
            epochs,
            learning_rate,
            max_norm,
            patience,
            progress=False,
        )
        params.update(result[0])
        return result

    verdict = run_locally("train_char_model", in_place)
    assert verdict.passed, verdict.explain()
    with pytest.raises(VisibleCheckFailed, match="in place"):
        visible.check_train_char_model(in_place)


def _learner_namespace(**broken):
    """A notebook's globals: the course's model code, the learner's functions (some broken)."""
    namespace = {
        name: getattr(char_model, name)
        for name in ("char_model_loss", "initial_state", "clip_global_norm", "adagrad_step")
    }
    namespace.update(
        iterate_chunks=iterate_chunks,
        evaluate_loss=evaluate_loss,
        bits_per_char=bits_per_char,
        np=np,
    )
    namespace.update(broken)
    exec(LEARNER_LOOP, namespace)
    return namespace


LEARNER_LOOP = """
def evaluate_loss_learner(cell, params, streams, chunk_length):
    state = initial_state(cell, streams.shape[0], params["Wy"].shape[0])
    total, steps = 0.0, 0
    for inputs, targets in iterate_chunks(streams, chunk_length):
        loss, _, state = char_model_loss(cell, params, inputs, targets, state, with_grads=False)
        total, steps = total + loss, steps + inputs.shape[1]
    return total / steps


def train_char_model(cell, params, train_streams, val_streams, chunk_length, epochs,
                     learning_rate, max_norm, patience, progress=True):
    params = {name: value.copy() for name, value in params.items()}
    caches = {name: np.zeros_like(value) for name, value in params.items()}
    history = {"train_loss": [], "grad_norm": [], "val_loss": []}
    best_loss, best_epoch, best_params = np.inf, 0, params
    for epoch in range(1, epochs + 1):
        state = initial_state(cell, train_streams.shape[0], params["Wy"].shape[0])
        for inputs, targets in iterate_chunks(train_streams, chunk_length):
            loss, grads, state = char_model_loss(cell, params, inputs, targets, state)
            grads, norm = clip_global_norm(grads, max_norm)
            for name in params:
                params[name], caches[name] = adagrad_step(params[name], grads[name],
                                                          caches[name], learning_rate)
            history["train_loss"].append(loss / inputs.shape[1])
            history["grad_norm"].append(norm)
        val = evaluate_loss(cell, params, val_streams, chunk_length)
        bits_per_char(val)
        history["val_loss"].append(val)
        if val < best_loss:
            best_loss, best_epoch = val, epoch
            best_params = {name: value.copy() for name, value in params.items()}
        elif epoch - best_epoch >= patience:
            break
    history = {key: np.array(value) for key, value in history.items()}
    history["best_epoch"] = best_epoch
    return best_params, history
"""


def _not_implemented(*args, **kwargs):
    raise NotImplementedError()


def test_the_learner_style_loop_passes():
    assert run_locally("train_char_model", _learner_namespace()["train_char_model"]).passed
    assert run_locally("evaluate_loss", _learner_namespace()["evaluate_loss_learner"]).passed


@pytest.mark.parametrize("broken", ["iterate_chunks", "evaluate_loss", "bits_per_char"])
def test_a_broken_piece_costs_only_its_own_points(broken):
    """The loop is judged on its own logic when a piece it calls is wrong or not written."""
    wrong = {
        "iterate_chunks": find(MISTAKES["iterate_chunks"], "targets_are_inputs").output,
        "evaluate_loss": find(MISTAKES["evaluate_loss"], "reset").output,
        "bits_per_char": _not_implemented,
    }[broken]
    namespace = _learner_namespace(**{broken: wrong})
    verdict = run_locally("train_char_model", namespace["train_char_model"])
    assert verdict.passed, verdict.explain()
    if broken == "iterate_chunks":
        verdict = run_locally("evaluate_loss", namespace["evaluate_loss_learner"])
        assert verdict.passed, verdict.explain()


# -- visible checks ---------------------------------------------------------------------------
def test_visible_checks_name_the_mistake_they_see():
    with pytest.raises(VisibleCheckFailed, match="exp"):
        visible.check_perplexity(find(MISTAKES["perplexity"], "base2").output)
    with pytest.raises(VisibleCheckFailed, match="every N-th character"):
        visible.check_batchify(find(MISTAKES["batchify"], "interleaved").output)
    with pytest.raises(VisibleCheckFailed, match="NEXT character"):
        visible.check_iterate_chunks(find(MISTAKES["iterate_chunks"], "targets_are_inputs").output)
    with pytest.raises(VisibleCheckFailed, match="carry the state"):
        visible.check_evaluate_loss(find(MISTAKES["evaluate_loss"], "reset").output)
    for index in range(len(visible.TRAIN_MISTAKE_NAMES)):
        with pytest.raises(VisibleCheckFailed, match="matches what you get when"):
            visible.check_train_char_model(MISTAKES["train_char_model"][index].output)


def test_the_kit_names_the_training_mistakes_in_the_checks_order():
    assert len(visible.TRAIN_MISTAKE_NAMES) == len(MISTAKES["train_char_model"])
    for short, mistake in zip(visible.TRAIN_MISTAKE_NAMES, MISTAKES["train_char_model"]):
        assert short.split()[:3] == mistake.description.split()[:3], (short, mistake.description)
