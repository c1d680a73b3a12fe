"""Small helpers shared by the reference tests: an independent finite-difference gradient.

Kept independent of rnn_numpy.gradcheck on purpose, so that module is tested against
something else too.
"""

from __future__ import annotations

import numpy as np


def numeric_grad(f, x: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Centred-difference gradient of the scalar f(x) with respect to the float64 array x.

    Five-point stencil (f(x-2e) - 8 f(x-e) + 8 f(x+e) - f(x+2e)) / 12e: its error is O(e^4), so
    with e = 1e-4 even tiny gradient entries agree to ~1e-9 relative. x is changed in place entry
    by entry (so closures that read x see the change) and restored.
    """
    assert x.dtype == np.float64 and x.flags.c_contiguous, "need a contiguous float64 array"
    grad = np.zeros_like(x)
    flat, grad_flat = x.reshape(-1), grad.reshape(-1)  # views: writing flat writes x
    for i in range(flat.size):
        old = flat[i]
        values = []
        for step in (-2, -1, 1, 2):
            flat[i] = old + step * eps
            values.append(float(f(x)))
        flat[i] = old
        grad_flat[i] = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * eps)
    return grad


def rel_error(a, b, floor: float = 1e-8) -> float:
    """max |a - b| / max(floor, |a| + |b|), elementwise (cs231n with floor = 1e-8).

    Against numeric_grad use floor = 1e-3: an entry that is exactly zero (a dead ReLU) comes out
    of the finite difference as ~1e-12 of rounding noise, which the cs231n floor would call a
    relative error of 1e-4. With floor = 1e-3 such entries are held to an absolute 1e-10 instead.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shapes differ: {a.shape} and {b.shape}"
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b))))


def line_events(function, *args, **kwargs) -> int:
    """How many lines of rnn_numpy code run during function(*args, **kwargs).

    Calling with batch size 1 and batch size 7 and getting the same count shows there is no
    Python loop over the batch.
    """
    import sys

    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if "rnn_numpy" not in frame.f_code.co_filename.replace("\\", "/"):
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        function(*args, **kwargs)
    finally:
        sys.settrace(None)
    return count
