"""Character language model bookkeeping: loss units, batching a stream, truncated-BPTT chunks.

Losses are mean negative log-likelihoods in nats (natural log), as `cross_entropy` returns them.

    perplexity    = exp(loss)            the effective number of equally likely next characters
    bits_per_char = loss / ln 2          the same loss in bits (log base 2)

A long text of indices is cut into B parallel streams (rows) so that row b continues, chunk
after chunk, exactly where it left off: that is what lets the hidden state be carried across
chunks in truncated backpropagation through time.
"""
from __future__ import annotations

import numbers

import numpy as np

from grader.reference._validate import Shapes


def _losses(function_name: str, mean_loss_nats):
    """A real number or array of losses, as float64; errors on negative or nan entries."""
    if isinstance(mean_loss_nats, (bool, np.bool_)):
        raise TypeError(f"{function_name}: mean_loss_nats must be a number or a float array, "
                        f"got bool")
    if isinstance(mean_loss_nats, numbers.Real):
        loss = np.asarray(float(mean_loss_nats))
    else:
        ndim = np.ndim(mean_loss_nats) if isinstance(mean_loss_nats, (np.ndarray, list, tuple)) else 0
        loss = Shapes(function_name).floats("mean_loss_nats", mean_loss_nats,
                                            tuple(f"d{i}" for i in range(ndim)))
    if np.isnan(loss).any():
        raise ValueError(f"{function_name}: mean_loss_nats contains nan")
    if loss.size and loss.min() < 0:
        raise ValueError(f"{function_name}: mean_loss_nats must be >= 0 (a negative "
                         f"log-likelihood), got {loss.min()}")
    return loss


def perplexity(mean_loss_nats):
    """exp(mean loss): perplexity from a mean cross-entropy in nats.

    Inputs:
    - mean_loss_nats: a number >= 0 or a float array of any shape (e.g. a loss curve, (S,))

    Returns:
    - ppl: a float, or an array of the same shape (inf for losses beyond ~709, no warning)
    """
    loss = _losses("perplexity", mean_loss_nats)
    with np.errstate(over="ignore"):
        ppl = np.exp(loss)
    return float(ppl) if ppl.ndim == 0 else ppl


def bits_per_char(mean_loss_nats):
    """Mean loss in bits per character: loss / ln 2.

    Inputs:
    - mean_loss_nats: a number >= 0 or a float array of any shape

    Returns:
    - bpc: a float, or an array of the same shape
    """
    bpc = _losses("bits_per_char", mean_loss_nats) / np.log(2.0)
    return float(bpc) if bpc.ndim == 0 else bpc


def batchify(indices, batch_size):
    """Cut a stream of indices into batch_size contiguous streams, dropping the remainder.

    With L = len(indices) // batch_size, row b is indices[b*L : (b+1)*L].

    Inputs:
    - indices: integer array, shape (S,)
    - batch_size: number of streams B, with B <= S

    Returns:
    - streams: integer array, shape (B, L), a copy
    """
    shapes = Shapes("batchify")
    indices = shapes.integers("indices", indices, ("S",))
    batch_size = shapes.positive_int("batch_size", batch_size, letter="B")
    length = indices.shape[0] // batch_size
    if length == 0:
        raise ValueError(f"batchify: batch_size = {batch_size} is larger than the number of "
                         f"indices ({indices.shape[0]}): every stream would be empty")
    return indices[:batch_size * length].reshape(batch_size, length).copy()


def iterate_chunks(streams, seq_len):
    """Consecutive (inputs, targets) chunks of the streams for truncated BPTT.

    Chunk k starts at column s = k * seq_len; inputs = streams[:, s : s+l] and targets =
    streams[:, s+1 : s+1+l], the next index at every position, with l = min(seq_len, L-1-s).
    So the last chunk may be shorter, every index but the first is a target exactly once, and
    chunk k+1 starts where chunk k ended (carry the hidden state across).

    Inputs:
    - streams: integer array, shape (B, L) with L >= 2 (from batchify)
    - seq_len: chunk length (the truncation length), >= 1

    Returns:
    - an iterator of (inputs, targets) pairs, each an integer array of shape (B, l)
    """
    shapes = Shapes("iterate_chunks")
    streams = shapes.integers("streams", streams, ("B", "L"))
    seq_len = shapes.positive_int("seq_len", seq_len)
    length = streams.shape[1]
    if length < 2:
        raise ValueError(f"iterate_chunks: streams must have at least 2 columns (an input and "
                         f"its target), got shape {streams.shape}")

    def chunks():
        for start in range(0, length - 1, seq_len):
            stop = min(start + seq_len, length - 1)
            yield streams[:, start:stop], streams[:, start + 1:stop + 1]
    return chunks()
