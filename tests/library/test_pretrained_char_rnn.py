"""The pretrained character RNN (coursekit/data/pretrained_char_rnn.npz) and how it is made.

The shipped file must be what `coursekit.char_rnn.train_char_rnn` makes with notebook 03's own
functions (tools/train_pretrained_char_rnn.py), and any correct implementation must land within
the stated tolerance: here the reference package's, whose vectorised backward pass rounds
differently from the notebook's loop.
"""

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from coursekit import char_rnn
from coursekit.char_rnn import (
    PRETRAINED,
    PRETRAINED_PATH,
    REPRODUCTION_TOLERANCE,
    largest_difference,
    load_pretrained,
    train_char_rnn,
)
from coursekit.text import CharVocab, load_corpus
from rnn_numpy.activations import softmax
from rnn_numpy.encoding import one_hot
from rnn_numpy.optim import adagrad_step
from rnn_numpy.rnn import rnn_forward, rnn_output
from rnn_numpy.truncated_bptt import truncated_bptt
from tools import train_pretrained_char_rnn as tool


@pytest.fixture(scope="module")
def trained_with_reference():
    return train_char_rnn(truncated_bptt, adagrad_step, PRETRAINED)


def test_file_is_small_complete_and_says_how_it_was_made():
    assert PRETRAINED_PATH.stat().st_size < 200 * 1024
    params, vocab, settings = load_pretrained()
    V, H = params["Wx"].shape
    assert vocab.chars == CharVocab(load_corpus(settings.corpus)).chars and V == vocab.size
    assert params["Wh"].shape == (H, H) and params["b"].shape == (H,)
    assert params["Wy"].shape == (H, V) and params["by"].shape == (V,)
    assert settings == PRETRAINED and H == PRETRAINED.hidden_size


def test_predicts_r_after_laye():
    params, vocab, _ = load_pretrained()
    x = one_hot(vocab.encode("laye")[None, :], vocab.size)
    h, _ = rnn_forward(
        x, np.zeros((1, params["Wh"].shape[0])), params["Wx"], params["Wh"], params["b"]
    )
    logits, _ = rnn_output(h[:, -1], params["Wy"], params["by"])
    assert vocab.chars[int(np.argmax(softmax(logits[0])))] == "r"


def test_another_correct_implementation_reproduces_the_shipped_weights(trained_with_reference):
    params, vocab, losses = trained_with_reference
    shipped, shipped_vocab, _ = load_pretrained()
    assert vocab.chars == shipped_vocab.chars
    assert largest_difference(params, shipped) <= REPRODUCTION_TOLERANCE
    assert np.all(np.isfinite(losses)) and losses[-10:].mean() < losses[:10].mean()


def test_the_training_is_not_chaotic(trained_with_reference, monkeypatch):
    """The docstring's claim: 1e-12 (relative) in the initial Wh stays below 1e-9 at the end."""
    made = char_rnn.initial_params

    def nudged(rng, vocab_size, hidden_size):
        params = made(rng, vocab_size, hidden_size)
        return {**params, "Wh": params["Wh"] * (1 + 1e-12)}

    monkeypatch.setattr(char_rnn, "initial_params", nudged)
    params, _, _ = train_char_rnn(truncated_bptt, adagrad_step, PRETRAINED)
    assert 0 < largest_difference(params, trained_with_reference[0]) < 1e-9


def test_the_tool_remakes_the_shipped_file_from_notebook_03(capsys):
    """What a learner runs: the tool with a notebook's own functions (here the solution's)."""
    assert tool.main(["--check"]) == 0  # bit for bit where the file was made,
    out = capsys.readouterr().out  # within the tolerance anywhere else
    assert "reproduces it bit for bit" in out or f"is within {REPRODUCTION_TOLERANCE:g}" in out


def test_the_tool_uses_no_reference_code():
    imported = set()
    for node in ast.walk(ast.parse(Path(tool.__file__).read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported and not [name for name in imported if name.split(".")[0] == "grader"]
    functions = tool.notebook_functions(
        Path(__file__).resolve().parents[2] / "solutions" / "03_bptt" / "03_bptt.ipynb"
    )
    assert all(
        f.__module__ != "grader" and "grader" not in (f.__module__ or "")
        for f in functions.values()
    )


def test_settings_are_validated_by_the_loop():
    short = dataclasses.replace(PRETRAINED, streams=10**6)
    with pytest.raises(ValueError, match="streams"):
        train_char_rnn(truncated_bptt, adagrad_step, short)
