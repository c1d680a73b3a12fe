"""The character model of notebook 07: gradients, carried state, sampling, the training loop."""

import numpy as np
import pytest

from rnn_numpy.char_model import (
    CAPSTONE,
    CELLS,
    TrainingState,
    char_model_loss,
    evaluate_loss,
    hidden_size_for_budget,
    init_char_model,
    initial_state,
    next_char_probabilities,
    param_names,
    parameter_count,
    sample_chars,
    train_char_model,
)
from rnn_numpy.language_model import batchify
from tests.library.helpers import numeric_grad, rel_error


def model(cell, V=5, H=3, seed=0, scale=1.0):
    params = init_char_model(cell, V, H, np.random.default_rng(seed))
    return {name: value * scale for name, value in params.items()}


def random_state(cell, rng, N, H):
    if cell == "lstm":
        return rng.normal(size=(N, H)), rng.normal(size=(N, H))
    return rng.normal(size=(N, H))


@pytest.mark.parametrize("cell", CELLS)
def test_chunk_gradients_match_finite_differences(cell):
    rng = np.random.default_rng(1)
    params = model(cell, scale=2.0)
    inputs, targets = rng.integers(0, 5, (2, 4)), rng.integers(0, 5, (2, 4))
    state = random_state(cell, rng, 2, 3)
    _, grads, _ = char_model_loss(cell, params, inputs, targets, state)
    assert set(grads) == set(param_names(cell))
    for name in params:
        numeric = numeric_grad(
            lambda _: char_model_loss(cell, params, inputs, targets, state, with_grads=False)[0],
            params[name],
        )
        assert rel_error(grads[name], numeric, floor=1e-3) < 1e-7, (cell, name)


@pytest.mark.parametrize("cell", CELLS)
def test_carrying_the_state_makes_the_chunking_invisible_to_the_loss(cell):
    """Read forward only, K-step chunks with the state carried give the loss of one long pass."""
    rng = np.random.default_rng(2)
    params, streams = model(cell, scale=2.0), rng.integers(0, 5, (3, 14))
    whole = evaluate_loss(cell, params, streams, 13)
    for K in (1, 3, 5):
        assert evaluate_loss(cell, params, streams, K) == pytest.approx(whole, rel=1e-12)
    loss, _, state = char_model_loss(
        cell, params, streams[:, :6], streams[:, 1:7], initial_state(cell, 3, 3)
    )
    second, _, _ = char_model_loss(cell, params, streams[:, 6:13], streams[:, 7:14], state)
    assert (loss + second) / 13 == pytest.approx(whole, rel=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_zero_weights_predict_uniformly(cell):
    params = {name: np.zeros_like(value) for name, value in model(cell, V=7).items()}
    streams = np.random.default_rng(3).integers(0, 7, (2, 9))
    assert evaluate_loss(cell, params, streams, 4) == pytest.approx(np.log(7))
    np.testing.assert_allclose(
        next_char_probabilities(cell, params, np.array([1, 2])), np.full(7, 1 / 7)
    )


@pytest.mark.parametrize("cell", CELLS)
def test_sizes_and_budgets(cell):
    params = model(cell, V=11, H=6)
    assert parameter_count(cell, 11, 6, 11) == sum(value.size for value in params.values())
    H = hidden_size_for_budget(cell, 11, 2000)
    assert parameter_count(cell, 11, H, 11) <= 2000 < parameter_count(cell, 11, H + 1, 11)
    with pytest.raises(ValueError, match="budget"):
        hidden_size_for_budget(cell, 11, 10)
    if cell == "lstm":
        np.testing.assert_array_equal(params["b"], np.repeat([0.0, 1.0, 0.0, 0.0], 6))


def test_sampling_is_reproducible_and_follows_the_temperature():
    params = model("gru", V=6, H=4, scale=3.0)
    prefix = np.array([0, 1, 2])
    first = sample_chars("gru", params, prefix, 20, np.random.default_rng(5))
    again = sample_chars("gru", params, prefix, 20, np.random.default_rng(5))
    np.testing.assert_array_equal(first, again)
    assert first.shape == (20,) and first.dtype == np.int64
    cold = sample_chars("gru", params, prefix, 1, np.random.default_rng(5), temperature=1e-3)
    assert cold[0] == np.argmax(next_char_probabilities("gru", params, prefix))
    hot = next_char_probabilities("gru", params, prefix, temperature=1e3)
    np.testing.assert_allclose(hot, np.full(6, 1 / 6), atol=1e-3)


def test_bad_arguments_name_themselves():
    params = model("rnn")
    with pytest.raises(ValueError, match="cell must be one of"):
        char_model_loss(
            "transformer", params, np.zeros((1, 2), int), np.zeros((1, 2), int), np.zeros((1, 3))
        )
    with pytest.raises(ValueError, match="keys"):
        char_model_loss(
            "gru", params, np.zeros((1, 2), int), np.zeros((1, 2), int), np.zeros((1, 3))
        )
    with pytest.raises(ValueError, match="pair"):
        char_model_loss(
            "lstm", model("lstm"), np.zeros((1, 2), int), np.zeros((1, 2), int), np.zeros((1, 3))
        )
    with pytest.raises(ValueError, match="state"):
        char_model_loss(
            "rnn", params, np.zeros((2, 2), int), np.zeros((2, 2), int), np.zeros((1, 3))
        )


# -- the training loop ------------------------------------------------------------------------
def text_streams(text, N):
    return batchify(np.array([ord(c) - ord("a") for c in text]), N)


def train(cell="rnn", epochs=4, patience=2, **changes):
    settings = dict(
        chunk_length=4,
        epochs=epochs,
        learning_rate=0.3,
        max_norm=1.0,
        patience=patience,
        progress=False,
    )
    settings.update(changes)
    params = model(cell, V=3, H=4)
    return train_char_model(
        cell, params, text_streams("abcab" * 8, 2), text_streams("abcab" * 2, 1), **settings
    )


@pytest.mark.parametrize("cell", CELLS)
def test_training_lowers_the_validation_loss_and_is_deterministic(cell):
    best, history = train(cell, epochs=6, patience=6)
    again, _ = train(cell, epochs=6, patience=6)
    assert history["train_loss"].shape == history["grad_norm"].shape == (6 * 5,)
    assert history["val_loss"].shape == (6,)
    assert history["val_loss"][-1] < history["val_loss"][0] < np.log(3)
    assert history["best_epoch"] == np.argmin(history["val_loss"]) + 1
    for name in best:
        np.testing.assert_array_equal(best[name], again[name])


def test_the_callers_parameters_are_not_changed():
    params = model("lstm", V=3, H=4)
    copies = {name: value.copy() for name, value in params.items()}
    train_char_model(
        "lstm",
        params,
        text_streams("abcab" * 8, 2),
        text_streams("abcab", 1),
        4,
        2,
        0.3,
        1.0,
        1,
        progress=False,
    )
    for name in params:
        np.testing.assert_array_equal(params[name], copies[name])


def test_early_stopping_keeps_the_best_epoch_and_waits_patience_epochs():
    """Trained on "ab" repeated and validated on "aa...", validation gets worse every epoch."""
    params = model("rnn", V=2, H=3)
    train_streams, val_streams = text_streams("ab" * 20, 2), text_streams("a" * 9, 1)
    for patience in (1, 2, 3):
        best, history = train_char_model(
            "rnn", params, train_streams, val_streams, 5, 10, 0.5, 5.0, patience, progress=False
        )
        assert np.all(np.diff(history["val_loss"]) > 0)
        assert history["best_epoch"] == 1 and history["val_loss"].shape == (1 + patience,)
        first, _ = train_char_model(
            "rnn", params, train_streams, val_streams, 5, 1, 0.5, 5.0, patience, progress=False
        )
        for name in best:
            np.testing.assert_array_equal(best[name], first[name])


def test_clipping_bounds_every_step():
    _, free = train(max_norm=1e6)
    _, clipped = train(max_norm=0.05)
    assert np.all(free["grad_norm"][:1] == clipped["grad_norm"][:1])
    assert not np.allclose(free["train_loss"], clipped["train_loss"])


def test_a_run_resumed_from_a_checkpoint_ends_where_an_unbroken_run_ends():
    saved = []
    train(
        "gru",
        epochs=2,
        patience=5,
        on_epoch=lambda run: saved.append({k: np.copy(v) for k, v in run.to_arrays().items()}),
    )
    resumed = TrainingState.from_arrays(saved[-1])
    best, history = train("gru", epochs=4, patience=5, resume=resumed)
    straight_best, straight = train("gru", epochs=4, patience=5)
    for key in ("train_loss", "grad_norm", "val_loss"):
        np.testing.assert_array_equal(history[key], straight[key])
    assert history["best_epoch"] == straight["best_epoch"]
    for name in best:
        np.testing.assert_array_equal(best[name], straight_best[name])


def test_on_update_sees_every_update_in_order_and_changes_nothing():
    """The hook a benchmark reads learning curves with: called once per update, after it."""
    seen = []
    best, history = train(
        epochs=2,
        patience=5,
        on_update=lambda run: seen.append(
            (len(run.train_loss), run.epoch, run.params["Wh"].copy())
        ),
    )
    plain_best, plain = train(epochs=2, patience=5)
    assert [count for count, _, _ in seen] == list(range(1, 2 * 5 + 1))
    assert [epoch for _, epoch, _ in seen] == [0] * 5 + [1] * 5
    assert not np.array_equal(seen[0][2], seen[1][2])  # parameters after each update
    for key in ("train_loss", "grad_norm", "val_loss"):
        np.testing.assert_array_equal(history[key], plain[key])
    for name in best:
        np.testing.assert_array_equal(best[name], plain_best[name])


def test_the_capstone_settings_are_valid_arguments_of_the_loop():
    assert 0 < CAPSTONE["learning_rate"] < 1
    for key in ("streams", "chunk", "hidden_size"):
        assert isinstance(CAPSTONE[key], int) and CAPSTONE[key] >= 1
    assert CAPSTONE["max_norm"] > 0


# -- the corpora notebook 07 reads ------------------------------------------------------------
def test_the_python_source_corpus_is_read_from_this_install(tmp_path):
    import sysconfig
    from pathlib import Path

    from coursekit.text import load_corpus, load_text

    text = load_text("python-stdlib", 5000)
    assert len(text) == 5000 and text.isascii()
    first = next(
        path
        for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
        if path.read_bytes().isascii()
    )
    assert text.startswith(first.read_text()[:5000])
    assert load_text("layer_words") == load_corpus("layer_words")
    own = tmp_path / "mine.txt"
    own.write_text("any text of my own, é included", encoding="utf-8")
    assert load_text(str(own), 6) == "any te"
    with pytest.raises(FileNotFoundError, match="no text file"):
        load_text(str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="max_chars"):
        load_text("layer_words", 1)
