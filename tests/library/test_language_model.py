"""Perplexity, bits per character, batchify and truncated-BPTT chunks."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_numpy.language_model import batchify, bits_per_char, iterate_chunks, perplexity


def test_perplexity_and_bits_per_char():
    assert perplexity(0.0) == 1.0
    assert perplexity(np.log(65.0)) == pytest.approx(65.0)
    assert bits_per_char(np.log(2.0)) == pytest.approx(1.0)
    np.testing.assert_allclose(bits_per_char(np.array([0.0, np.log(4.0)])), [0.0, 2.0])
    np.testing.assert_allclose(perplexity(np.array([[np.log(3.0)]])), [[3.0]])
    assert perplexity(1e4) == np.inf  # no overflow warning


@pytest.mark.parametrize("function", [perplexity, bits_per_char])
def test_loss_errors(function):
    with pytest.raises(ValueError, match="mean_loss_nats"):
        function(-0.1)
    with pytest.raises(ValueError, match="mean_loss_nats"):
        function(np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="mean_loss_nats"):
        function("1.0")


def test_batchify_drops_the_remainder():
    streams = batchify(np.arange(11), 3)
    np.testing.assert_array_equal(streams, [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    with pytest.raises(ValueError, match="batch_size"):
        batchify(np.arange(2), 3)
    with pytest.raises(TypeError, match="indices"):
        batchify(np.arange(4.0), 2)


def test_iterate_chunks_shift_targets_by_one_and_cover_the_stream():
    streams = batchify(np.arange(20), 2)  # rows 0..9 and 10..19
    chunks = iterate_chunks(streams, 4)
    assert isinstance(chunks, list)  # walked once per epoch
    assert [c[0].shape for c in chunks] == [(2, 4), (2, 4), (2, 1)]
    for inputs, targets in chunks:
        np.testing.assert_array_equal(targets, inputs + 1)
    np.testing.assert_array_equal(np.concatenate([t for _, t in chunks], axis=1), streams[:, 1:])
    np.testing.assert_array_equal(np.concatenate([i for i, _ in chunks], axis=1), streams[:, :-1])


def test_iterate_chunks_errors_name_the_argument():
    with pytest.raises(ValueError, match="chunk_length"):
        iterate_chunks(np.zeros((2, 5), dtype=int), 0)
    with pytest.raises(ValueError, match="streams"):
        iterate_chunks(np.zeros((2, 1), dtype=int), 3)
