"""Hidden and visible checks of notebook 07 (its catalogued mistakes: test_mistakes.py, which
also holds each mistake of one of train_char_model's four parts to costing only that part):
visible messages name mistakes, a mistake in iterate_chunks or evaluate_loss costs only its own
points in the training loop, and the cases of each part of the loop do what the check module
says they do."""

import numpy as np
import pytest

from coursekit.visible import char_language_model as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import run_locally
from grader.checks.char_language_model import early_stopping_cases, optimiser_cases
from grader.mistakes import find
from grader.mistakes.char_language_model import MISTAKES, TRAIN_PARTS
from rnn_numpy import char_model
from rnn_numpy.char_model import evaluate_loss, train_char_model
from rnn_numpy.language_model import batchify, bits_per_char, iterate_chunks, perplexity

REFERENCES = {
    "perplexity": perplexity,
    "bits_per_char": bits_per_char,
    "batchify": batchify,
    "iterate_chunks": iterate_chunks,
    "evaluate_loss": evaluate_loss,
    **dict.fromkeys(TRAIN_PARTS, train_char_model),
}


def test_a_generator_of_chunks_is_refused_with_a_reason():
    verdict = run_locally(
        "iterate_chunks", lambda streams, K: (c for c in iterate_chunks(streams, K))
    )
    assert not verdict.passed and "generator" in verdict.explain()


def test_the_early_stop_cases_stop_or_run_on_whatever_the_generator():
    for seed in range(5):
        for case in early_stopping_cases(np.random.default_rng(seed)):
            args, kwargs = case.live_arguments()
            _, history = train_char_model(*args, **kwargs)
            epochs, patience = args[5], args[8]
            if "worse" in case.label:
                assert history["best_epoch"] == 1 and len(history["val_loss"]) == 1 + patience
                assert np.all(np.diff(history["val_loss"]) > 0)
            else:
                assert history["best_epoch"] == epochs and np.all(np.diff(history["val_loss"]) < 0)


def test_a_saturated_rnn_has_h_one_whatever_its_state():
    """The optimiser's and early stopping's cases: tanh is exactly 1 at every step, so the
    gradients of Wx, Wh and b are exactly zero and the state carried changes nothing."""
    for case in optimiser_cases(np.random.default_rng(3)) + early_stopping_cases(
        np.random.default_rng(4)
    ):
        args, _ = case.live_arguments()
        cell, params, streams = args[0], args[1], args[2]
        inputs, targets = streams[:, :-1], streams[:, 1:]
        H = params["Wy"].shape[0]
        for state in (np.zeros((len(streams), H)), np.ones((len(streams), H))):
            loss, grads, last = char_model.char_model_loss(cell, params, inputs, targets, state)
            assert np.array_equal(last, np.ones_like(last))
            assert not any(grads[name].any() for name in ("Wx", "Wh", "b"))


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

    for part in TRAIN_PARTS:
        verdict = run_locally(part, in_place)
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
    for part in TRAIN_PARTS:
        assert run_locally(part, _learner_namespace()["train_char_model"]).passed, part
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
    for part in TRAIN_PARTS:
        verdict = run_locally(part, namespace["train_char_model"])
        assert verdict.passed, verdict.explain()
    if broken == "iterate_chunks":
        verdict = run_locally("evaluate_loss", namespace["evaluate_loss_learner"])
        assert verdict.passed, verdict.explain()


# -- visible checks ---------------------------------------------------------------------------
def test_visible_checks_name_the_mistake_they_see():
    named = [
        ("perplexity", "base2", "this loss is in nats"),
        ("bits_per_char", "times_ln2", "the other way round"),
        ("batchify", "interleaved", "every N-th character"),
        ("batchify", "dropped_from_start", "from the start of the text"),
        ("iterate_chunks", "targets_are_inputs", "the inputs themselves"),
        ("iterate_chunks", "one_column_too_many", "run to the last column"),
        ("evaluate_loss", "reset", "not carried"),
    ]
    for exercise, mistake, words in named:
        with pytest.raises(VisibleCheckFailed, match=words):
            getattr(visible, f"check_{exercise}")(find(MISTAKES[exercise], mistake).output)
    for part, mistakes in TRAIN_PARTS.items():
        for mistake in mistakes:
            with pytest.raises(VisibleCheckFailed, match="matches what you get when") as failure:
                visible.check_train_char_model(mistake.output)
            assert mistake.description in str(failure.value)
            assert str(failure.value).count("matches what you get when") == 1, part


def test_the_kit_names_each_part_s_mistakes_in_the_catalogue_s_words():
    assert [f"train_char_model_{part}" for part in visible.TRAIN_MISTAKES] == list(TRAIN_PARTS)
    for part, names in visible.TRAIN_MISTAKES.items():
        catalogue = {m.id: m.description for m in TRAIN_PARTS[f"train_char_model_{part}"]}
        assert names == catalogue, part


ODD_RESULTS = {
    "None": None,
    "a string": "abc",
    "a dict": {"a": 1},
    "a ragged list": [[1, 2], [3]],
    "a complex number": 1j,
    "an object": object(),
    "a tuple of three": (1, 2, 3),
    "a pair of odd things": ("best", "history"),
    "a pair with an odd history": ({}, {"train_loss": "x", "val_loss": [[1], [2, 3]]}),
    "a pair with an empty history": ({}, {"train_loss": [], "grad_norm": [], "val_loss": []}),
    "a list of odd pairs": [("a", "b"), (np.zeros((2, 4)), None)],
    "a list of strings": ["chunk"],
    "an array of strings": np.array(["a", "b"]),
    "a generator": (x for x in range(3)),
}
VISIBLE_CHECKS = [
    "perplexity",
    "bits_per_char",
    "batchify",
    "iterate_chunks",
    "evaluate_loss",
    "train_char_model",
    *TRAIN_PARTS,
]


@pytest.mark.parametrize("exercise", VISIBLE_CHECKS)
def test_every_visible_check_answers_an_odd_result_with_a_message(exercise):
    """Whatever a learner's function returns, the visible check says what is wrong with it and
    never fails with a traceback of its own."""
    check = getattr(visible, f"check_{exercise}")
    for what, value in ODD_RESULTS.items():
        with pytest.raises(VisibleCheckFailed):
            check(lambda *args, value=value, **kwargs: value)
        assert what
