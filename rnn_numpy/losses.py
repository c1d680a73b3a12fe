"""Losses for predicting one class (a character) out of V.

cross_entropy(logits, targets): the mean over N rows of -log softmax(logits)[n, targets[n]],
computed with log-sum-exp so that it is finite at |logits| = 1e4.

softmax_cross_entropy_backward(logits, targets): its gradient with respect to the logits,
(softmax(logits) - one_hot(targets)) / N. The 1/N is there because the loss is a mean.
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.activations import log_softmax, softmax
from rnn_numpy.shapes import Shapes


def _at_least_one_row(function_name, logits):
    if logits.shape[0] == 0 or logits.shape[1] == 0:
        raise ValueError(
            f"{function_name}: logits must have at least one row and one class "
            f"(N >= 1, V >= 1), got shape {logits.shape}"
        )


def cross_entropy(logits, targets):
    """Mean negative log-likelihood of the targets under softmax(logits).

    N rows (examples), V classes.
    Inputs:
    - logits: unnormalised scores, shape (N, V)
    - targets: the correct class of each row, integers in [0, V), shape (N,)
    Returns:
    - loss: a Python float, (1/N) * sum_n -log softmax(logits[n])[targets[n]]
    """
    shapes = Shapes("cross_entropy")
    logits = shapes.floats("logits", logits, ("N", "V"))
    targets = shapes.integers("targets", targets, ("N",), low=0, high=shapes.size("V"))
    _at_least_one_row("cross_entropy", logits)
    log_probs = log_softmax(logits, axis=1)  # (N, V)
    return float(-log_probs[np.arange(len(targets)), targets].mean())


def softmax_cross_entropy_backward(logits, targets):
    """Gradient of cross_entropy(logits, targets) with respect to logits.

    N rows (examples), V classes.
    Inputs:
    - logits: unnormalised scores, shape (N, V)
    - targets: the correct class of each row, integers in [0, V), shape (N,)
    Returns:
    - dlogits: (softmax(logits) - one_hot(targets)) / N, shape (N, V)
    """
    shapes = Shapes("softmax_cross_entropy_backward")
    logits = shapes.floats("logits", logits, ("N", "V"))
    targets = shapes.integers("targets", targets, ("N",), low=0, high=shapes.size("V"))
    _at_least_one_row("softmax_cross_entropy_backward", logits)
    n = logits.shape[0]
    dlogits = softmax(logits, axis=1)
    dlogits[np.arange(n), targets] -= 1.0
    return dlogits / n


def temporal_softmax_loss(logits, targets, mask):
    """Softmax cross-entropy summed over the unmasked steps, divided by the batch size N.

    loss = (1/N) * sum over n, t with mask[n, t] of -log softmax(logits[n, t])[targets[n, t]]

    This is the notation card's loss (docs/NOTATION.md): summed over time, averaged over the
    batch (not over the number of unmasked steps), so a longer sequence contributes more; divide
    by the number of steps for the per-character loss in nats. Masked steps (padding) add nothing to
    the loss and get zero gradient. Uses log_softmax, so it is finite at |logits| = 1e4.
    N sequences, T steps, V vocabulary size.
    Inputs:
    - logits: scores for every step, shape (N, T, V)
    - targets: the correct index at every step, integers in [0, V), shape (N, T)
    - mask: True (or 1) where the step counts, shape (N, T)
    Returns:
    - loss: a Python float
    - dlogits: gradient of loss with respect to logits, (softmax - one_hot) * mask / N,
      shape (N, T, V)
    """
    shapes = Shapes("temporal_softmax_loss")
    logits = shapes.floats("logits", logits, ("N", "T", "V"))
    targets = shapes.integers("targets", targets, ("N", "T"), low=0, high=shapes.size("V"))
    mask = shapes.booleans("mask", mask, ("N", "T"))
    N, T, V = logits.shape
    if N == 0 or V == 0:
        raise ValueError(
            f"temporal_softmax_loss: logits must have N >= 1 sequences and V >= 1 "
            f"classes, got shape {logits.shape}"
        )
    log_probs = log_softmax(logits, axis=-1)  # (N, T, V)
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]  # (N, T)
    loss = -np.sum(picked, where=mask) / N
    dlogits = np.exp(log_probs)  # softmax, (N, T, V)
    rows, steps = np.indices(targets.shape)  # (N, T) each
    dlogits[rows, steps, targets] -= 1  # minus one_hot(targets)
    dlogits *= mask[..., None]
    dlogits /= N
    return float(loss), dlogits
