"""Vanishing and exploding gradients in a vanilla RNN, measured.

Notation as docs/NOTATION.md. The recurrence (row vectors), steps t = 1..T from the initial state
h_0: a_t = x_t W_x + h_{t-1} W_h + b, h_t = phi(a_t) with phi in {tanh, ReLU, linear}. One step
back, the Jacobian of the state is

    J_t = dh_t / dh_{t-1},   J_t[i, j] = phi'(a_t)[i] * W_h[j, i],   i.e. J_t = diag(phi'(a_t)) W_h^T

and over a lag l = t - k the Jacobians multiply: dh_t / dh_k = J_t J_{t-1} ... J_{k+1} (the
identity when k = t). With |phi'| <= gamma and sigma_max = ||W_h||_2 (the largest singular value),
its spectral norm is at most (gamma * sigma_max)^l: it must vanish when gamma * sigma_max < 1 and
may (not must) explode when it is > 1. rho(W_h), the spectral radius (largest |eigenvalue|), sets
the long-run rate of a linear recurrence instead. phi' is always read from the state:
tanh' = 1 - h_t^2, ReLU' = [h_t > 0], linear' = 1.

Code stores step t at index t - 1: h[:, t-1] is h_t. N sequences, T steps, H hidden size.
"""

from __future__ import annotations

import numbers

import numpy as np

from rnn_numpy.rnn import activation_derivative, check_activation
from rnn_numpy.shapes import Shapes


def hidden_jacobian(h_t, Wh, activation="tanh"):
    """The Jacobian of one recurrent step, J_t = dh_t / dh_{t-1} = diag(phi'(a_t)) W_h^T.

    N sequences, H hidden size. phi'(a_t) is read from the new state h_t (tanh' = 1 - h_t^2,
    ReLU' = [h_t > 0], linear' = 1), so the pre-activation is not needed.

    Inputs:
    - h_t: the state after the step, shape (N, H) (or (H,) for one sequence)
    - Wh: hidden-to-hidden weights W_h, shape (H, H) (a_t = ... + h_{t-1} @ Wh)
    - activation: "tanh" (default), "relu" or "linear"

    Returns:
    - J: shape (N, H, H) (or (H, H)), J[..., i, j] = dh_t[i] / dh_{t-1}[j] = phi'(a_t)[i] Wh[j, i]
    """
    shapes = Shapes("hidden_jacobian")
    if np.ndim(h_t) == 1:
        h_t = shapes.floats("h_t", h_t, ("H",))
    else:
        h_t = shapes.floats("h_t", h_t, ("N", "H"))
    Wh = shapes.floats("Wh", Wh, ("H", "H"))
    slope = activation_derivative(h_t, check_activation("hidden_jacobian", activation))  # (..., H)
    return slope[..., :, None] * Wh.T  # (..., H, H)


def gradient_norms_by_lag(h, Wh, activation="tanh"):
    """||dh_T / dh_k||_2 for every step k = 1..T of each sequence: how a gradient on the last
    state shrinks or grows on its way back to step k, by lag l = T - k.

    N sequences, T steps, H hidden size. h[:, t-1] is h_t, as rnn_forward returns it; the product
    dh_T / dh_k = J_T J_{T-1} ... J_{k+1} uses the states h_{k+1}, ..., h_T (h_0 is not needed).
    The norm is the spectral norm (largest singular value): the most any gradient on h_T can be
    stretched on its way back to h_k, and the quantity the bound (gamma * sigma_max)^l bounds.

    Inputs:
    - h: states h_1..h_T, shape (N, T, H) (or (T, H) for one sequence)
    - Wh: hidden-to-hidden weights W_h, shape (H, H)
    - activation: "tanh" (default), "relu" or "linear"

    Returns:
    - norms: shape (N, T) (or (T,)); norms[:, k-1] = ||dh_T / dh_k||_2, so norms[:, T-1] = 1
      (lag 0) and norms[:, 0] is the lag T - 1
    """
    shapes = Shapes("gradient_norms_by_lag")
    single = np.ndim(h) == 2
    if single:
        h = shapes.floats("h", h, ("T", "H"))[None]
    else:
        h = shapes.floats("h", h, ("N", "T", "H"))
    Wh = shapes.floats("Wh", Wh, ("H", "H"))
    slope = activation_derivative(h, check_activation("gradient_norms_by_lag", activation))
    N, T, H = h.shape  # slope: (N, T, H)

    dtype = np.result_type(h, Wh)
    norms = np.empty((N, T), dtype=dtype)
    norms[:, T - 1] = 1.0
    product = np.broadcast_to(np.eye(H, dtype=dtype), (N, H, H))  # dh_T / dh_T
    for index in range(T - 2, -1, -1):
        # k = index + 1: dh_T/dh_k = (dh_T/dh_{k+1}) J_{k+1}, J_{k+1} = diag(phi'_{k+1}) W_h^T,
        # and phi'_{k+1} is read from h_{k+1} = h[:, index + 1]                      (N, H, H)
        product = (product * slope[:, index + 1, None, :]) @ Wh.T
        norms[:, index] = np.linalg.norm(product, ord=2, axis=(1, 2))
    return norms[0] if single else norms


def scale_spectral_radius(W, rho):
    """W rescaled so that its spectral radius rho(W) (largest |eigenvalue|) is rho.

    H is the size of the square matrix. The spectral radius is not the largest singular value
    sigma_max (they agree only for normal matrices, e.g. symmetric ones).

    Inputs:
    - W: square matrix, shape (H, H), with at least one non-zero eigenvalue
    - rho: the spectral radius wanted, a number >= 0

    Returns:
    - W_scaled: shape (H, H), equal to W * rho / max|eig(W)|
    """
    shapes = Shapes("scale_spectral_radius")
    W = shapes.floats("W", W, ("H", "H"))
    rho = shapes.positive_float("rho", rho, allow_zero=True)
    if not np.isfinite(W).all():
        raise ValueError("scale_spectral_radius: W has non-finite entries")
    radius = float(np.max(np.abs(np.linalg.eigvals(W))))
    if radius <= np.finfo(np.float64).tiny * W.shape[0]:
        raise ValueError(
            "scale_spectral_radius: W has spectral radius 0 (all eigenvalues are "
            "zero, e.g. W = 0 or nilpotent), so no rescaling can reach rho"
        )
    return (W * (rho / radius)).astype(W.dtype, copy=False)


def identity_recurrent_init(H, scale=1.0, dtype=np.float64):
    """Recurrent weights W_h for an IRNN (Le, Jaitly and Hinton 2015): scale times the identity.

    With ReLU and W_h = I, a step with zero input copies the (non-negative) state unchanged and
    J_t = diag([h_t > 0]) is the identity on active units: at initialisation a gradient neither
    vanishes nor explodes on its way back through units that stay active.

    Inputs:
    - H: hidden size, a whole number >= 1
    - scale: the diagonal value (1.0 in the paper; slightly less, e.g. 0.9, is more stable)
    - dtype: floating-point dtype of the result

    Returns:
    - Wh: shape (H, H), scale * identity
    """
    shapes = Shapes("identity_recurrent_init")
    H = shapes.positive_int("H", H)
    scale = shapes.positive_float("scale", scale, allow_zero=True)
    return scale * np.eye(H, dtype=dtype)


def gradient_bound(gamma, sigma_max, lags):
    """The bound (gamma * sigma_max)^l on ||dh_t / dh_k||_2 at each lag l = t - k.

    Each step's Jacobian J_t = diag(phi'(a_t)) W_h^T has norm at most gamma * sigma_max, where
    gamma bounds |phi'| (1 for tanh, ReLU and linear) and sigma_max = ||W_h||_2 is the largest
    singular value, and the norm of a product is at most the product of the norms.

    Inputs:
    - gamma: bound on the activation derivative, >= 0
    - sigma_max: largest singular value of W_h, >= 0
    - lags: the lags l, a whole number >= 0 or an integer array of any shape

    Returns:
    - bound: float64 array shaped like lags (a float for a scalar lag); inf where it exceeds
      the float64 range (no overflow warning)
    """
    shapes = Shapes("gradient_bound")
    gamma = shapes.positive_float("gamma", gamma, allow_zero=True)
    sigma_max = shapes.positive_float("sigma_max", sigma_max, allow_zero=True)
    if isinstance(lags, numbers.Integral) and not isinstance(lags, (bool, np.bool_)):
        lags_array = np.asarray(lags)
    else:
        lags_array = shapes.integers("lags", lags, tuple(f"d{i}" for i in range(np.ndim(lags))))
    if lags_array.size and lags_array.min() < 0:
        raise ValueError(f"gradient_bound: lags must be >= 0, got {lags_array.min()}")
    with np.errstate(over="ignore"):
        bound = np.power(gamma * sigma_max, lags_array.astype(np.float64))
    return float(bound) if bound.ndim == 0 else bound
