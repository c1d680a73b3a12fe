import math
from collections import Counter

import numpy as np
import pytest

from coursekit.text import CharVocab, load_corpus
from rnn_numpy.baselines import memoryless_loss_floor, window_loss_floor
from rnn_numpy.losses import cross_entropy


def test_hand_computed():
    assert memoryless_loss_floor("aaaa") == 0.0
    assert memoryless_loss_floor("ab") == 0.0
    assert memoryless_loss_floor("abab") == 0.0
    assert memoryless_loss_floor("aab") == pytest.approx(math.log(2))
    assert memoryless_loss_floor("abac") == pytest.approx(2 * math.log(2) / 3)
    assert window_loss_floor("abac", 1) == memoryless_loss_floor("abac")
    assert window_loss_floor("abcabd", 2) == pytest.approx(2 * math.log(2) / 4)


def test_floor_is_the_loss_of_the_count_predictor():
    """Logits = log p(b | a) reach the floor exactly, computed a second, independent way."""
    text = load_corpus("layer_words")
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    counts = np.zeros((vocab.size, vocab.size))
    np.add.at(counts, (ids[:-1], ids[1:]), 1.0)
    with np.errstate(divide="ignore"):
        log_p = np.log(counts / counts.sum(axis=1, keepdims=True).clip(min=1))
    log_p = np.maximum(log_p, -1e3)  # unseen pairs: finite and never used as a target
    assert cross_entropy(log_p[ids[:-1]], ids[1:]) == pytest.approx(memoryless_loss_floor(text))


def test_floors_fall_with_context_on_the_corpus():
    text = load_corpus("layer_words")
    floors = [window_loss_floor(text, w) for w in (1, 2, 3, 4)]
    assert all(a > b for a, b in zip(floors, floors[1:]))
    assert Counter(text[i + 4] for i in range(len(text) - 4) if text[i : i + 4] == "laye") == {
        "r": 70
    }


def test_the_corpus_has_a_dependency_longer_than_any_window_of_notebook_01():
    """After "the old tree " comes "is" or "are", decided by a plural "s" 20+ characters back."""
    text = load_corpus("layer_words")
    ending = " the old tree "
    starts = [i for i in range(len(text)) if text.startswith(ending, i)]
    verbs = Counter(text[i + len(ending)] for i in starts)
    assert verbs == {"i": 6, "a": 6}
    for i in starts:
        line = text[text.rindex("\n", 0, i) + 1 : i]
        subject = line.split()[1]  # "layer", "players", "relay", ...
        plural = subject.endswith("s") or line.split()[2] == "teams"
        assert text[i + len(ending)] == ("a" if plural else "i"), line


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: memoryless_loss_floor("a"), "at least 2 characters"),
        (lambda: memoryless_loss_floor(["a", "b"]), "text must be a str"),
        (lambda: window_loss_floor("abc", 3), "at least window\\+1 = 4"),
        (lambda: window_loss_floor("abc", 0), "window must be a whole number"),
    ],
)
def test_validation_names_the_argument(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
