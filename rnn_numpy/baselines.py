"""How well can a model that sees only the last w characters possibly do on a text?

For a text, count every (context, next character) pair, where the context is the w characters
just before (w is `window`, as on the notation card). The best mean cross-entropy that *any*
predictor seeing only that context can
reach on the same text is the empirical conditional entropy

    H(next | context) = -(1/P) * sum over the P pairs of log p(next | context),
    p(b | a) = count(a followed by b) / count(a followed by anything),

in nats (natural log). With w = 1 this is `memoryless_loss_floor`: a feed-forward network that
reads only the current character cannot get below it, however long it trains.
"""

from __future__ import annotations

from collections import Counter

import numpy as np


def window_loss_floor(text, window):
    """Conditional entropy (nats) of the next character given the previous w characters.

    T is the length of the text, w = window.
    Inputs:
    - text: a str of T >= w+1 characters
    - window: w, the context length, a whole number >= 1
    Returns:
    - floor: a float >= 0, averaged over the T - w (context, next) pairs of the text
    """
    if not isinstance(text, str):
        raise TypeError(f"window_loss_floor: text must be a str, got {type(text).__name__}")
    w = window
    if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
        raise ValueError(f"window_loss_floor: window must be a whole number >= 1, got {w!r}")
    if len(text) < w + 1:
        raise ValueError(
            f"window_loss_floor: text must have at least window+1 = {w + 1} "
            f"characters to hold one (context, next) pair, got {len(text)}"
        )
    pairs = Counter((text[i : i + w], text[i + w]) for i in range(len(text) - w))
    contexts = Counter()
    for (context, _), count in pairs.items():
        contexts[context] += count
    counts = np.array(list(pairs.values()), dtype=np.float64)
    context_counts = np.array([contexts[context] for context, _ in pairs], dtype=np.float64)
    return float(-(counts * np.log(counts / context_counts)).sum() / counts.sum()) + 0.0  # no -0.0


def memoryless_loss_floor(text):
    """Conditional entropy (nats) of the next character given only the current one.

    Inputs:
    - text: a str of T >= 2 characters; its T - 1 consecutive pairs are counted
    Returns:
    - floor: a float >= 0, the lowest mean cross-entropy a memoryless predictor fitted to this
      text can reach on it
    """
    if not isinstance(text, str):
        raise TypeError(f"memoryless_loss_floor: text must be a str, got {type(text).__name__}")
    if len(text) < 2:
        raise ValueError(
            f"memoryless_loss_floor: text must have at least 2 characters "
            f"(one consecutive pair), got {len(text)}"
        )
    return window_loss_floor(text, 1)
