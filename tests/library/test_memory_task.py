"""The memory question of notebook 02's hand-designed RNN."""

import numpy as np
import pytest

from rnn_numpy.memory_task import (
    answers,
    check_weight_shapes,
    edge_sequences,
    example_weights,
    memory_sequences,
    score_weights,
)


def test_labels_say_whether_an_a_has_appeared():
    symbols, labels, lengths = memory_sequences(np.random.default_rng(0), 300)
    for row, label, length in zip(symbols, labels, lengths):
        assert np.all(row[length:] == -1) and np.all(row[:length] >= 0)
        seen = np.cumsum(row[:length] == 0) > 0
        assert np.array_equal(label[:length], seen.astype(int))
        assert np.all(label[length:] == 0)


def test_sequences_cover_early_late_and_no_a():
    symbols, labels, lengths = memory_sequences(np.random.default_rng(1), 200)
    assert lengths.min() == 1 and lengths.max() == 30
    never = [not (row[:n] == 0).any() for row, n in zip(symbols, lengths)]
    first = [np.argmax(row[:n] == 0) for row, n in zip(symbols, lengths) if (row[:n] == 0).any()]
    assert 0.1 < np.mean(never) < 0.9
    assert min(first) == 0 and max(first) >= 15


def test_edge_sequences_are_labelled_correctly():
    symbols, labels, lengths = edge_sequences()
    for row, label, length in zip(symbols, labels, lengths):
        assert np.array_equal(label[:length], (np.cumsum(row[:length] == 0) > 0).astype(int))


def test_the_example_weights_answer_every_step():
    symbols, labels, lengths = memory_sequences(np.random.default_rng(2), 500)
    assert score_weights(example_weights(), symbols, labels, lengths) == (1.0, None)
    assert score_weights(example_weights(), *edge_sequences()) == (1.0, None)


def test_forgetful_weights_are_caught():
    forgetful = {**example_weights(), "Wh": np.zeros((1, 1))}
    accuracy, wrong = score_weights(forgetful, *edge_sequences())
    assert wrong is not None and accuracy < 1


def test_answers_are_zero_on_padding():
    symbols, labels, lengths = memory_sequences(np.random.default_rng(3), 20)
    said = answers(example_weights(), symbols, lengths)
    assert np.all(said[symbols < 0] == 0)


@pytest.mark.parametrize(
    "weights, fragment",
    [
        ("not a dict", "dict"),
        ({"Wx": np.zeros((3, 1))}, "missing"),
        ({**example_weights(), "Wy": np.zeros((1, 3))}, "Wy"),
        ({**example_weights(), "b": np.array([np.nan])}, "finite"),
    ],
)
def test_malformed_weights_are_explained(weights, fragment):
    problems = check_weight_shapes(weights)
    assert problems and fragment in " ".join(problems)
    if isinstance(weights, dict) and fragment != "missing":
        with pytest.raises(ValueError):
            score_weights(weights, *edge_sequences())
