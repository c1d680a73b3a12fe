"""How well can a model that sees only the last k characters possibly do on a text?

For a text, count every (context, next character) pair, where the context is the k characters
just before. The best mean cross-entropy that *any* predictor seeing only that context can
reach on the same text is the empirical conditional entropy

    H(next | context) = -(1/P) * sum over the P pairs of log p(next | context),
    p(b | a) = count(a followed by b) / count(a followed by anything),

in nats (natural log). With k = 1 this is `memoryless_loss_floor`: a feed-forward network that
reads only the current character cannot get below it, however long it trains.
"""
from __future__ import annotations

from collections import Counter

import numpy as np


def window_loss_floor(text, k):
    """Conditional entropy (nats) of the next character given the previous k characters.

    Inputs:
    - text: a str with at least k+1 characters
    - k: context length, a whole number >= 1
    Returns:
    - floor: a float >= 0, averaged over the len(text) - k (context, next) pairs of the text
    """
    if not isinstance(text, str):
        raise TypeError(f"window_loss_floor: text must be a str, got {type(text).__name__}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"window_loss_floor: k must be a whole number >= 1, got {k!r}")
    if len(text) < k + 1:
        raise ValueError(f"window_loss_floor: text must have at least k+1 = {k + 1} characters "
                         f"to hold one (context, next) pair, got {len(text)}")
    pairs = Counter((text[i:i + k], text[i + k]) for i in range(len(text) - k))
    contexts = Counter()
    for (context, _), count in pairs.items():
        contexts[context] += count
    counts = np.array(list(pairs.values()), dtype=np.float64)
    context_counts = np.array([contexts[context] for context, _ in pairs], dtype=np.float64)
    return float(-(counts * np.log(counts / context_counts)).sum() / counts.sum()) + 0.0  # no -0.0


def memoryless_loss_floor(text):
    """Conditional entropy (nats) of the next character given only the current one.

    Inputs:
    - text: a str with at least 2 characters; its len(text) - 1 consecutive pairs are counted
    Returns:
    - floor: a float >= 0, the lowest mean cross-entropy a memoryless predictor fitted to this
      text can reach on it
    """
    if not isinstance(text, str):
        raise TypeError(f"memoryless_loss_floor: text must be a str, got {type(text).__name__}")
    if len(text) < 2:
        raise ValueError(f"memoryless_loss_floor: text must have at least 2 characters "
                         f"(one consecutive pair), got {len(text)}")
    return window_loss_floor(text, 1)
