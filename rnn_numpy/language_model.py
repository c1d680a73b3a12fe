"""Character language model bookkeeping: the units of a loss, a text cut into parallel streams,
and the chunks of truncated BPTT.

Units (docs/NOTATION.md): a model's loss on T steps is the card's script L (`loss`), the
negative log-probability of the targets summed over the steps (and averaged over the batch);
what we compare is the per-character loss, loss / T, in nats (natural log). From it:

    bits_per_char = (loss / T) / ln 2    the same loss in bits (log base 2)
    perplexity    = exp(loss / T)        the effective number of equally likely next characters

A long text of S character indices is cut into N parallel streams (rows) of T + 1 = S // N
characters (T steps: every character but the first is a target) so that row n continues, chunk
after chunk, exactly where it left off: that is what
lets the hidden state be carried across chunks in truncated backpropagation through time, with
chunks of K steps (K = `chunk_length`, the truncation length).
"""

from __future__ import annotations

import numbers

import numpy as np

from rnn_numpy.shapes import Shapes


def _losses(function_name: str, mean_loss_nats):
    """A real number or array of losses, as float64; errors on negative or nan entries."""
    if isinstance(mean_loss_nats, (bool, np.bool_)):
        raise TypeError(
            f"{function_name}: mean_loss_nats must be a number or a float array, got bool"
        )
    if isinstance(mean_loss_nats, numbers.Real):
        loss = np.asarray(float(mean_loss_nats))
    else:
        ndim = (
            np.ndim(mean_loss_nats) if isinstance(mean_loss_nats, (np.ndarray, list, tuple)) else 0
        )
        loss = Shapes(function_name).floats(
            "mean_loss_nats", mean_loss_nats, tuple(f"d{i}" for i in range(ndim))
        )
    if np.isnan(loss).any():
        raise ValueError(f"{function_name}: mean_loss_nats contains nan")
    if loss.size and loss.min() < 0:
        raise ValueError(
            f"{function_name}: mean_loss_nats must be >= 0 (a negative "
            f"log-likelihood), got {loss.min()}"
        )
    return loss


def perplexity(mean_loss_nats):
    """Perplexity exp(loss / T) from a per-character loss, loss / T, in nats.

    Inputs:
    - mean_loss_nats: the per-character loss, a number >= 0 or a float array of any shape
      (e.g. a loss curve of shape (E,))

    Returns:
    - ppl: a float, or an array of the same shape (inf for losses beyond ~709, no warning)
    """
    loss = _losses("perplexity", mean_loss_nats)
    with np.errstate(over="ignore"):
        ppl = np.exp(loss)
    return float(ppl) if ppl.ndim == 0 else ppl


def bits_per_char(mean_loss_nats):
    """Bits per character (loss / T) / ln 2 from a per-character loss, loss / T, in nats.

    Inputs:
    - mean_loss_nats: the per-character loss, a number >= 0 or a float array of any shape

    Returns:
    - bpc: a float, or an array of the same shape
    """
    bpc = _losses("bits_per_char", mean_loss_nats) / np.log(2.0)
    return float(bpc) if bpc.ndim == 0 else bpc


def batchify(indices, batch_size):
    """Cut a text of S indices into N = batch_size contiguous streams, dropping the remainder.

    With T + 1 = S // N characters per stream, row n is indices[n*(T+1) : (n+1)*(T+1)]: each
    row is one unbroken stretch of the text (not every N-th character), and the last
    S - N*(T+1) indices are dropped.

    Inputs:
    - indices: integer array, shape (S,)
    - batch_size: the number of streams N, a whole number with 1 <= N <= S

    Returns:
    - streams: integer array, shape (N, T + 1), a copy
    """
    shapes = Shapes("batchify")
    indices = shapes.integers("indices", indices, ("S",))
    batch_size = shapes.positive_int("batch_size", batch_size, letter="N")
    length = indices.shape[0] // batch_size
    if length == 0:
        raise ValueError(
            f"batchify: batch_size = {batch_size} is larger than the number of "
            f"indices ({indices.shape[0]}): every stream would be empty"
        )
    return indices[: batch_size * length].reshape(batch_size, length).copy()


def iterate_chunks(streams, chunk_length):
    """The consecutive (inputs, targets) chunks of the streams, for truncated BPTT.

    Chunk c starts at column s = c K (K = chunk_length): inputs = streams[:, s : s+k] and
    targets = streams[:, s+1 : s+1+k], the next character at every position, with
    k = min(K, T - s) steps. So the last chunk may be shorter, every character but the first of each
    stream is a target exactly once, and chunk c+1 starts where chunk c ended: the state after
    chunk c is the right state to start chunk c+1 from (carry it across).

    N streams of T + 1 characters (T steps), C = ceil(T / K) chunks.
    Inputs:
    - streams: integer array, shape (N, T + 1) with T >= 1 (from batchify)
    - chunk_length: K, the truncation length, a whole number >= 1
    Returns:
    - chunks: a list of C pairs (inputs, targets), each an integer array of shape (N, k), k = K
      but for a shorter last chunk
      (a list, not a generator: a training loop walks it once per epoch)
    """
    shapes = Shapes("iterate_chunks")
    streams = shapes.integers("streams", streams, ("N", "T+1"))
    chunk_length = shapes.positive_int("chunk_length", chunk_length, letter="K")
    length = streams.shape[1]
    if length < 2:
        raise ValueError(
            f"iterate_chunks: streams must have at least 2 columns (an input and "
            f"its target), got shape {streams.shape}"
        )
    chunks = []
    for start in range(0, length - 1, chunk_length):
        stop = min(start + chunk_length, length - 1)
        chunks.append((streams[:, start:stop], streams[:, start + 1 : stop + 1]))
    return chunks
