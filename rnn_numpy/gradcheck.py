"""Checking a backward pass with finite differences.

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

The centred difference is accurate to O(eps^2). Run it in float64: in float32 the rounding
error (about 1e-7 / eps) swamps the answer. Compare with relative_error: for a correct
backward pass in float64 it is typically 1e-7 or smaller.
"""

from __future__ import annotations

import numpy as np

from rnn_numpy.shapes import Shapes


def _array_of_any_shape(shapes: Shapes, name: str, value, letter: str = "d") -> np.ndarray:
    ndim = value.ndim if isinstance(value, np.ndarray) else np.ndim(value)
    return shapes.floats(name, value, tuple(f"{letter}{i}" for i in range(ndim)))


def _check_function(function_name: str, f) -> None:
    if not callable(f):
        raise TypeError(f"{function_name}: f must be a function of x, got {type(f).__name__}")


def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference gradient of a scalar function f at x.

    Each entry of x is moved to x_i + eps and x_i - eps in place (f is called with x itself, so
    a closure reading x sees the change) and restored afterwards: x is unchanged on return.
    Inputs:
    - f: a function of x returning a number
    - x: floating-point array of any shape
    - eps: step size, a number > 0
    Returns:
    - grad: array of x's shape and dtype, grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)
    """
    shapes = Shapes("numerical_gradient")
    _check_function("numerical_gradient", f)
    x = _array_of_any_shape(shapes, "x", x)
    eps = shapes.positive_float("eps", eps)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        try:
            x[index] = old + eps
            plus = _scalar(f(x))
            x[index] = old - eps
            minus = _scalar(f(x))
        finally:
            x[index] = old
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def _scalar(value) -> float:
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise TypeError(
            f"numerical_gradient: f must return a single number, got an array of "
            f"shape {np.shape(value)} (use numerical_gradient_array)"
        )
    return float(np.asarray(value).reshape(()))


def numerical_gradient_array(f, x, dout, eps=1e-5):
    """Centred-difference gradient of sum(f(x) * dout) for an array-valued f (cs231n).

    This is what a backward pass returns for x when dout is the upstream gradient on f(x).
    x is restored after each perturbation.
    Inputs:
    - f: a function of x returning an array of dout's shape
    - x: floating-point array of any shape
    - dout: upstream gradient, same shape as f(x)
    - eps: step size, a number > 0
    Returns:
    - grad: array of x's shape and dtype
    """
    shapes = Shapes("numerical_gradient_array")
    _check_function("numerical_gradient_array", f)
    x = _array_of_any_shape(shapes, "x", x)
    dout = _array_of_any_shape(shapes, "dout", dout, letter="o")
    eps = shapes.positive_float("eps", eps)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        try:
            x[index] = old + eps
            plus = np.array(f(x), dtype=np.float64)  # copy: f may return a view of x
            x[index] = old - eps
            minus = np.array(f(x), dtype=np.float64)
        finally:
            x[index] = old
        if plus.shape != dout.shape:
            raise ValueError(
                f"numerical_gradient_array: dout must have the shape of f(x), "
                f"{plus.shape}, got {dout.shape}"
            )
        grad[index] = np.sum((plus - minus) * dout) / (2 * eps)
    return grad


def relative_error(a, b):
    """Largest elementwise relative error max |a - b| / max(1e-8, |a| + |b|) (cs231n).

    Inputs:
    - a, b: arrays (or numbers) of the same shape
    Returns:
    - error: a Python float (0.0 for empty arrays)
    """
    shapes = Shapes("relative_error")
    a64 = np.asarray(a, dtype=np.float64) if np.asarray(a).dtype.kind in "biu" else a
    b64 = np.asarray(b, dtype=np.float64) if np.asarray(b).dtype.kind in "biu" else b
    a64 = _array_of_any_shape(shapes, "a", a64)
    ndim_b = b64.ndim if isinstance(b64, np.ndarray) else np.ndim(b64)
    if ndim_b != a64.ndim:
        raise ValueError(
            f"relative_error: b must have the shape of a, {a64.shape}, got shape {np.shape(b64)}"
        )
    b64 = _array_of_any_shape(shapes, "b", b64)
    if a64.size == 0:
        return 0.0
    a64, b64 = a64.astype(np.float64), b64.astype(np.float64)
    return float(np.max(np.abs(a64 - b64) / np.maximum(1e-8, np.abs(a64) + np.abs(b64))))
