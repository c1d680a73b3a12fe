"""The character RNN of notebooks 02 and 03: its training data, its training loop, its weights.

Notebook 03 trains a small tanh RNN on the course corpus with the learner's own `truncated_bptt`
and `adagrad_step`; the same loop with the same settings (`PRETRAINED`) made the weights shipped
in `data/pretrained_char_rnn.npz`, which notebook 02 runs through the learner's forward pass.
The loop is course code (cut the text into parallel streams, walk them in chunks of K steps
carrying the state, clip the gradients, update); every graded piece (forward, backward, loss,
optimiser) is passed in by the caller. So anyone with a working notebook 03 can remake the
shipped file, and `tools/train_pretrained_char_rnn.py` does exactly that.

    params, vocab, losses = train_char_rnn(truncated_bptt, adagrad_step, PRETRAINED)
    largest_difference(params, load_pretrained()[0]) <= REPRODUCTION_TOLERANCE

Reproducible to a tolerance, not bit for bit everywhere: two correct implementations of the
backward pass round differently in the last bit, and so do two machines' matrix products. With
these settings the training is not chaotic (a difference of 1e-12 in the initial weights stays
below 1e-9 after training: tests/library/test_pretrained_char_rnn.py measures it), so any correct
implementation lands within REPRODUCTION_TOLERANCE of the shipped weights. (At a step size of
0.05 or 0.1 the same loop is chaotic: benchmarks/pretrained_reproducibility.py measured a 1e-12
nudge growing to 0.02 and 0.46.)

Notation (docs/NOTATION.md): N streams side by side, K the truncation length (`chunk_length`),
V characters, H hidden units; the loss of a chunk is summed over its steps and averaged over the
N streams, and what is reported here is that loss divided by the chunk's steps (nats per
character).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from coursekit.text import DATA_DIR, CharVocab, load_corpus

PRETRAINED_PATH = DATA_DIR / "pretrained_char_rnn.npz"
PARAM_NAMES = ("Wx", "Wh", "b", "Wy", "by")
REPRODUCTION_TOLERANCE = 1e-8  # largest |difference| of any weight from the shipped file


@dataclass(frozen=True)
class TrainingSettings:
    """Every knob of the training run (the defaults are the shipped model's)."""

    corpus: str = "layer_words"  # a text in coursekit/data/
    hidden_size: int = 32  # H
    streams: int = 8  # N: the text is cut into this many parallel streams
    chunk_length: int = 25  # K: truncated-BPTT chunk length
    epochs: int = 150  # passes over the text
    learning_rate: float = 0.025  # Adagrad's step size eta
    clip: float = 5.0  # each gradient entry is clipped to [-clip, clip] (notebook 04)
    seed: int = 0  # seeds the initial weights


PRETRAINED = TrainingSettings()


def corpus_streams(ids: np.ndarray, streams: int) -> np.ndarray:
    """The text `ids` (integers, shape (S,)) cut into `streams` equal rows, shape (N, S // N).

    Row n is the n-th stretch of the text; the last S mod N characters are dropped.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise ValueError(
            f"corpus_streams: ids must be integers of shape (S,), got dtype "
            f"{ids.dtype} and shape {ids.shape}"
        )
    length = len(ids) // streams
    if length < 2:
        raise ValueError(
            f"corpus_streams: {len(ids)} characters cannot fill {streams} streams "
            f"of at least 2 characters"
        )
    return ids[: streams * length].reshape(streams, length)


def initial_params(rng: np.random.Generator, vocab_size: int, hidden_size: int) -> dict:
    """Small random weights: Wx, Wy ~ N(0, 0.1^2), Wh ~ N(0, 0.25 / H), zero biases."""
    V, H = vocab_size, hidden_size
    return {
        "Wx": rng.normal(0.0, 0.1, (V, H)),
        "Wh": rng.normal(0.0, 0.5 / np.sqrt(H), (H, H)),
        "b": np.zeros(H),
        "Wy": rng.normal(0.0, 0.1, (H, V)),
        "by": np.zeros(V),
    }


def train_char_rnn(
    truncated_bptt: Callable,
    adagrad_step: Callable,
    settings: TrainingSettings = PRETRAINED,
    *,
    on_epoch: Callable[[int, dict], None] | None = None,
):
    """Train a character RNN with truncated BPTT and Adagrad, using the caller's functions.

    Each epoch starts the N streams from the zero state and walks them in chunks of K steps:
    `truncated_bptt(chunk, h, params, K)` on the chunk (K + 1 characters: K inputs, K targets),
    carry the state it returns, clip every gradient entry to [-clip, clip], and update each
    parameter with `adagrad_step(param, grad, cache, learning_rate)`.
    Inputs:
    - truncated_bptt: (stream (N, K+1) ints, h0 (N, H), params, K) -> (losses, grads, h_final),
      as notebook 03 defines it
    - adagrad_step: (param, grad, cache, learning_rate) -> (new_param, new_cache)
    - settings: a TrainingSettings (default: the shipped model's)
    - on_epoch: called as on_epoch(epoch, params) after each epoch (epochs count from 0),
      e.g. to print a sample; it must not change params
    Returns:
    - params: dict of the trained weights, Wx (V, H), Wh (H, H), b (H,), Wy (H, V), by (V,)
    - vocab: the CharVocab of the corpus
    - losses: the loss of every chunk in nats per character, shape (epochs * chunks per epoch,)
    """
    text = load_corpus(settings.corpus)
    vocab = CharVocab(text)
    streams = corpus_streams(vocab.encode(text), settings.streams)
    N, K, H = settings.streams, settings.chunk_length, settings.hidden_size
    params = initial_params(np.random.default_rng(settings.seed), vocab.size, H)
    caches = {name: np.zeros_like(value) for name, value in params.items()}
    losses = []
    for epoch in range(settings.epochs):
        h = np.zeros((N, H))
        for start in range(0, streams.shape[1] - 1, K):
            chunk = streams[:, start : start + K + 1]  # (N, K+1) or shorter
            chunk_losses, grads, h = truncated_bptt(chunk, h, params, K)
            losses.append(float(np.sum(chunk_losses)) / (chunk.shape[1] - 1))
            for name in PARAM_NAMES:
                grad = np.clip(grads[name], -settings.clip, settings.clip)
                params[name], caches[name] = adagrad_step(
                    params[name], grad, caches[name], settings.learning_rate
                )
        if on_epoch is not None:
            on_epoch(epoch, params)
    return params, vocab, np.array(losses)


def save_pretrained(
    path: Path, params: dict, vocab: CharVocab, settings: TrainingSettings = PRETRAINED
) -> None:
    """Write the weights, the vocabulary and the settings (no pickled objects) to `path`."""
    np.savez_compressed(
        path,
        chars=np.array(vocab.chars),
        settings=np.array(json.dumps(asdict(settings), sort_keys=True)),
        **{name: params[name] for name in PARAM_NAMES},
    )


def load_pretrained(path: Path = PRETRAINED_PATH):
    """(params, vocab, settings) of a file written by save_pretrained (default: the shipped one)."""
    with np.load(path) as weights:  # no pickle: arrays are numbers or fixed-width text
        params = {name: weights[name] for name in PARAM_NAMES}
        vocab = CharVocab("".join(weights["chars"]))
        settings = TrainingSettings(**json.loads(str(weights["settings"])))
    return params, vocab, settings


def largest_difference(params: dict, other: dict) -> float:
    """max over the weights of |params[name] - other[name]| (inf if a shape differs)."""
    worst = 0.0
    for name in PARAM_NAMES:
        a, b = np.asarray(params[name]), np.asarray(other[name])
        if a.shape != b.shape:
            return float("inf")
        worst = max(worst, float(np.max(np.abs(a - b), initial=0.0)))
    return worst
