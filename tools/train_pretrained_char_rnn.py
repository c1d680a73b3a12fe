"""Train the small character RNN that notebook 02 ships as `coursekit/data/pretrained_char_rnn.npz`.

    PYTHONPATH=. .venv/bin/python tools/train_pretrained_char_rnn.py

Deterministic (fixed seed, float64, one thread of NumPy work per step), under a minute on a
laptop. It trains h_t = tanh(x_t Wx + h_{t-1} Wh + b), y_t = h_t Wy + by on the course's small
corpus `layer_words` with truncated BPTT (grader.reference.truncated_bptt) and Adagrad
(grader.reference.optim), then checks that after "laye" the most probable next character is
"r" and writes the weights and the vocabulary to the .npz file.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from coursekit.text import CharVocab, load_corpus
from grader.reference.activations import softmax
from grader.reference.encoding import one_hot
from grader.reference.optim import adagrad_step
from grader.reference.rnn import rnn_forward, rnn_output
from grader.reference.truncated_bptt import PARAM_NAMES, truncated_bptt

CORPUS = "layer_words"
OUTPUT = Path(__file__).resolve().parents[1] / "coursekit" / "data" / "pretrained_char_rnn.npz"
SEED = 0
HIDDEN = 32          # H: hidden units
STREAMS = 8          # N: the corpus is cut into this many parallel streams
CHUNK = 25           # k: truncated-BPTT chunk length
EPOCHS = 150         # passes over the corpus
LEARNING_RATE = 0.1  # Adagrad step size
CLIP = 5.0           # elementwise gradient clipping (as in min-char-rnn)


def init_params(rng, vocab_size, hidden):
    return {
        "Wx": rng.normal(0, 0.1, (vocab_size, hidden)),
        "Wh": rng.normal(0, 1.0 / np.sqrt(hidden), (hidden, hidden)) * 0.5,
        "b": np.zeros(hidden),
        "Wy": rng.normal(0, 0.1, (hidden, vocab_size)),
        "by": np.zeros(vocab_size),
    }


def next_char_probabilities(params, vocab, prefix):
    """softmax of the output after reading `prefix` from the zero state, shape (V,)."""
    x = one_hot(vocab.encode(prefix)[None, :], vocab.size)                # (1, T, V)
    h, _ = rnn_forward(x, np.zeros((1, params["Wh"].shape[0])), params["Wx"], params["Wh"],
                       params["b"])
    logits, _ = rnn_output(h[:, -1:, :], params["Wy"], params["by"])       # (1, 1, V)
    return softmax(logits[0, -1])


def train(epochs=EPOCHS, verbose=True):
    text = load_corpus(CORPUS)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    length = len(ids) // STREAMS
    streams = ids[:STREAMS * length].reshape(STREAMS, length)            # (N, L)
    rng = np.random.default_rng(SEED)
    params = init_params(rng, vocab.size, HIDDEN)
    caches = {name: np.zeros_like(value) for name, value in params.items()}
    losses = []
    for epoch in range(epochs):
        h = np.zeros((STREAMS, HIDDEN))
        for start in range(0, length - 1, CHUNK):
            chunk = streams[:, start:start + CHUNK + 1]
            if chunk.shape[1] < 2:
                break
            chunk_losses, grads, h = truncated_bptt(chunk, h, params, CHUNK)
            losses.append(float(chunk_losses.mean()))
            for name in PARAM_NAMES:
                grad = np.clip(grads[name], -CLIP, CLIP)
                params[name], caches[name] = adagrad_step(params[name], grad, caches[name],
                                                          LEARNING_RATE)
        if verbose and (epoch % 25 == 0 or epoch == epochs - 1):
            print(f"epoch {epoch:4d}  loss {np.mean(losses[-5:]):.3f}")
    return params, vocab, np.array(losses)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    started = time.perf_counter()
    params, vocab, losses = train()
    probs = next_char_probabilities(params, vocab, "laye")
    best = vocab.chars[int(np.argmax(probs))]
    print(f"after 'laye': most probable {best!r} with p = {probs.max():.3f}; "
          f"p('r') = {probs[vocab.index['r']]:.3f}")
    assert best == "r", "the trained model must put most probability on 'r' after 'laye'"
    np.savez_compressed(args.output, chars=np.array(vocab.chars),
                        **{name: params[name] for name in PARAM_NAMES},
                        final_loss=np.array(losses[-10:].mean()))
    print(f"wrote {args.output} ({args.output.stat().st_size / 1024:.1f} KB) in "
          f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
