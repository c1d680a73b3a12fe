"""Vanishing and exploding gradients in a vanilla RNN, measured.

The recurrence (row vectors): a_t = x_t Wx + h_{t-1} Wh + b, h_t = act(a_t). One step back:

    J_t = dh_t / dh_{t-1},   J_t[i, j] = act'(a_t)[i] * Wh[j, i]     i.e. J_t = diag(act'_t) Wh^T

and k steps back the Jacobians multiply: dh_{T-1}/dh_k = J_{T-1} J_{T-2} ... J_{k+1}. With
|act'| <= gamma and ||Wh||_2 = sigma_max, its norm is at most (gamma sigma_max)^(T-1-k): it must
vanish when gamma sigma_max < 1 and may explode when it is > 1. The activation derivative is
read from the output h: tanh' = 1 - h^2, relu' = (h > 0), linear' = 1.

H hidden size, T steps, N sequences.
"""
from __future__ import annotations

import numbers

import numpy as np

from grader.reference._validate import Shapes

ACTIVATIONS = ("tanh", "relu", "linear")


def _activation_derivative(function_name: str, h, activation):
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"{function_name}: activation must be one of {ACTIVATIONS}, "
                         f"got {activation!r}")
    if activation == "tanh":
        return 1 - h * h
    if activation == "relu":
        return (h > 0).astype(h.dtype)
    return np.ones_like(h)


def hidden_jacobian(h_t, Wh, activation="tanh"):
    """Jacobian of one recurrent step, dh_t / dh_{t-1}, from the new state h_t.

    H is the hidden size, N the batch size.

    Inputs:
    - h_t: hidden state after the step, shape (H,) or (N, H)
    - Wh: hidden-to-hidden weights, shape (H, H) (row vectors: a_t = ... + h_{t-1} @ Wh)
    - activation: "tanh" (default), "relu" or "linear"

    Returns:
    - J: shape (H, H), or (N, H, H) for a batch, with J[..., i, j] = dh_t[i] / dh_{t-1}[j]
      = act'(a_t)[i] * Wh[j, i]
    """
    shapes = Shapes("hidden_jacobian")
    if np.ndim(h_t) == 1:
        h_t = shapes.floats("h_t", h_t, ("H",))
    else:
        h_t = shapes.floats("h_t", h_t, ("N", "H"))
    Wh = shapes.floats("Wh", Wh, ("H", "H"))
    slope = _activation_derivative("hidden_jacobian", h_t, activation)   # (..., H)
    return slope[..., :, None] * Wh.T                                     # (..., H, H)


def gradient_norms_by_lag(hs, Wh, activation="tanh"):
    """Spectral norm of dh_{T-1} / dh_k for every step k of one sequence (or of each in a batch).

    Steps are numbered 0..T-1 and hs[t] = h_t. The lag of step k is T-1-k; norms[T-1] = 1 (the
    identity, lag 0). The product J_{T-1} ... J_{k+1} uses the states h_{k+1}, ..., h_{T-1}, so
    h_0 is only needed for its position.

    Inputs:
    - hs: hidden states of one sequence, shape (T, H), or of N sequences, shape (N, T, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - activation: "tanh" (default), "relu" or "linear"

    Returns:
    - norms: shape (T,) (or (N, T)); norms[..., k] = ||dh_{T-1} / dh_k||_2, the largest singular
      value
    """
    shapes = Shapes("gradient_norms_by_lag")
    single = np.ndim(hs) == 2
    if single:
        hs = shapes.floats("hs", hs, ("T", "H"))[None]
    else:
        hs = shapes.floats("hs", hs, ("N", "T", "H"))
    Wh = shapes.floats("Wh", Wh, ("H", "H"))
    slope = _activation_derivative("gradient_norms_by_lag", hs, activation)   # (N, T, H)
    N, T, H = hs.shape

    dtype = np.result_type(hs, Wh)
    norms = np.empty((N, T), dtype=dtype)
    norms[:, T - 1] = 1.0
    product = np.broadcast_to(np.eye(H, dtype=dtype), (N, H, H))   # dh_{T-1}/dh_{T-1}
    for k in range(T - 2, -1, -1):
        # product @ J_{k+1} = product @ diag(slope_{k+1}) @ Wh^T         (N, H, H)
        product = (product * slope[:, k + 1, None, :]) @ Wh.T
        norms[:, k] = np.linalg.norm(product, ord=2, axis=(1, 2))
    return norms[0] if single else norms


def scale_spectral_radius(W, rho):
    """W rescaled so that its spectral radius (largest |eigenvalue|) is rho.

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
        raise ValueError("scale_spectral_radius: W has spectral radius 0 (all eigenvalues are "
                         "zero, e.g. W = 0 or nilpotent), so no rescaling can reach rho")
    return (W * (rho / radius)).astype(W.dtype, copy=False)


def identity_recurrent_init(H, scale=1.0, dtype=np.float64):
    """Recurrent weights for an IRNN (Le, Jaitly and Hinton 2015): scale times the identity.

    With ReLU and Wh = I, a step with zero input copies the (non-negative) state unchanged and
    the Jacobian is the identity on active units: gradients neither vanish nor explode at first.

    Inputs:
    - H: hidden size
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
    """Upper bound (gamma * sigma_max) ** lag on ||dh_t / dh_{t-lag}||_2.

    Each step's Jacobian diag(act') Wh^T has norm at most gamma * sigma_max, where gamma bounds
    |act'| (1 for tanh, ReLU and linear) and sigma_max = ||Wh||_2 is the largest singular value.

    Inputs:
    - gamma: bound on the activation derivative, >= 0
    - sigma_max: largest singular value of Wh, >= 0
    - lags: number of steps back, a whole number >= 0 or an integer array of any shape

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
