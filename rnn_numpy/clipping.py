"""Gradient clipping: a cap on each entry, or one scale factor for all gradients together.

Notation as docs/NOTATION.md: ||dtheta|| of a set of gradient arrays dtheta is the global norm
sqrt(sum over arrays of sum over entries of dtheta^2); kappa (the argument `c`) is the threshold
of element-wise clipping.

    clip_elementwise:  dtheta <- min(max(dtheta, -kappa), kappa)         changes the direction
    clip_global_norm:  dtheta <- dtheta * max_norm / ||dtheta||
                       if ||dtheta|| > max_norm                          keeps the direction

Both take and return a dict of gradients, e.g. {"Wx": dWx, "Wh": dWh, "b": db}, and never modify
the arrays passed in; a zero gradient stays zero. Global-norm clipping (Pascanu, Mikolov and
Bengio 2013) is what stops an exploding gradient from throwing the weights far away while keeping
its direction: the update is at most learning_rate * max_norm long.
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.shapes import Shapes


def _check_grads(shapes: Shapes, grads) -> dict:
    if not isinstance(grads, dict):
        raise TypeError(
            f"{shapes.function_name}: grads must be a dict of name -> gradient "
            f"array, got {type(grads).__name__}"
        )
    checked = {}
    for name, grad in grads.items():
        if not isinstance(name, str):
            raise TypeError(f"{shapes.function_name}: grads keys must be strings, got {name!r}")
        ndim = np.ndim(grad) if isinstance(grad, (np.ndarray, list, tuple)) else 0
        checked[name] = shapes.floats(
            f"grads[{name!r}]", grad, tuple(f"{name}_{axis}" for axis in range(ndim))
        )
    return checked


def clip_elementwise(grads, c):
    """Clip every entry of every gradient to [-c, c].

    Inputs:
    - grads: dict of name -> gradient array (any shapes)
    - c: the threshold kappa, > 0

    Returns:
    - clipped: a new dict with the same keys; each array has the shape and dtype of the input
    """
    shapes = Shapes("clip_elementwise")
    grads = _check_grads(shapes, grads)
    c = shapes.positive_float("c", c)
    return {
        name: np.clip(grad, -c, c).astype(grad.dtype, copy=False) for name, grad in grads.items()
    }


def global_norm(grads):
    """sqrt(sum over all gradients of the sum of squared entries), overflow-free.

    Inputs:
    - grads: dict of name -> gradient array

    Returns:
    - norm: a float (inf or nan if an entry is)
    """
    grads = _check_grads(Shapes("global_norm"), grads)
    arrays = [g for g in grads.values() if g.size]
    if not arrays:
        return 0.0
    largest = max(float(np.max(np.abs(g))) for g in arrays)
    if largest == 0 or not np.isfinite(largest):
        return largest
    # Divide by the largest entry first so the squares cannot overflow (entries up to 1e308).
    total = sum(float(np.sum(np.square(g / largest, dtype=np.float64))) for g in arrays)
    return largest * float(np.sqrt(total))


def clip_global_norm(grads, max_norm):
    """Scale all gradients by one factor so that their global norm is at most max_norm.

    The global norm is sqrt(sum_k ||grads[k]||^2) over every entry of every array. If it
    exceeds max_norm, every array is multiplied by max_norm / global_norm; otherwise the arrays
    are returned unchanged (as copies).

    Inputs:
    - grads: dict of name -> gradient array (any shapes), all entries finite
    - max_norm: the largest global norm allowed, > 0

    Returns a tuple of:
    - clipped: a new dict with the same keys, shapes and dtypes
    - norm: the global norm before clipping, a float
    """
    shapes = Shapes("clip_global_norm")
    grads = _check_grads(shapes, grads)
    max_norm = shapes.positive_float("max_norm", max_norm)
    for name, grad in grads.items():
        if not np.isfinite(grad).all():
            raise ValueError(
                f"clip_global_norm: grads[{name!r}] has inf or nan entries; no "
                f"rescaling can repair that (lower the learning rate or clip earlier)"
            )
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return {
        name: (grad * scale).astype(grad.dtype, copy=False) for name, grad in grads.items()
    }, norm
