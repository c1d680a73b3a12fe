"""The common mistakes of notebook 04 (vanishing and exploding gradients), exercise by exercise.

Each `Mistake` is the whole function a learner who made it would have written, with the hint
that names it. The hidden checks (grader/checks/gradient_pathologies.py) take `MISTAKES[exercise]`;
the visible checks' data (grader/visible_expectations/gradient_pathologies.py) names mistakes by id;
tests/checks/test_mistakes.py holds every entry to its flags. The package docstring
(grader/mistakes/__init__.py) describes `MISTAKES`, `UNSCORED` and `VARIANTS`.
"""

from __future__ import annotations

import numpy as np

from grader.checks.common import quiet
from grader.checks.framework import Mistake
from rnn_numpy.clipping import global_norm
from rnn_numpy.pathologies import (
    hidden_jacobian,
)
from rnn_numpy.rnn import activation_derivative

# -- hidden_jacobian ------------------------------------------------------------------------------


def jacobian_with(slope=activation_derivative, orientation="rows"):
    def jacobian(h_t, Wh, activation="tanh"):
        s = slope(h_t, activation)
        if orientation == "columns":
            return Wh.T[None] * s[:, None, :]
        if orientation == "transposed":
            return s[:, :, None] * Wh[None]
        return s[:, :, None] * Wh.T

    return jacobian


JACOBIAN_MISTAKES = [
    Mistake(
        "transposed",
        "the Jacobian is transposed (J[n, i, j] holds phi'(a_t)[n, i] * W_h[i, j] where "
        "W_h[j, i] belongs: W_h[j, i] connects unit j of h_{t-1} to unit i of h_t)",
        jacobian_with(orientation="transposed"),
    ),
    Mistake(
        "columns",
        "phi' scales the columns instead of the rows (W_h^T diag(phi') instead of "
        "diag(phi') W_h^T: entry [n, i, j] is multiplied by the slope of unit j)",
        jacobian_with(orientation="columns"),
    ),
    Mistake(
        "tanh_again",
        "tanh is applied to h_t again (1 - tanh(h_t)**2), though h_t is already tanh(a_t)",
        jacobian_with(
            lambda h, a: 1 - np.tanh(h) ** 2 if a == "tanh" else activation_derivative(h, a)
        ),
    ),
    Mistake(
        "relu_at_zero",
        "ReLU's slope is 1 where h_t >= 0, so units at exactly 0 count as active (they are "
        "inactive: slope 0)",
        jacobian_with(
            lambda h, a: (h >= 0).astype(float) if a == "relu" else activation_derivative(h, a)
        ),
    ),
    Mistake(
        "tanh_slope_always",
        "the activation argument is ignored (tanh's slope 1 - h_t**2 is used for every activation)",
        jacobian_with(lambda h, a: 1 - h * h),
    ),
    Mistake(
        "no_slope",
        "the slope phi'(a_t) is left out (J_t = W_h^T for every activation)",
        jacobian_with(lambda h, a: np.ones_like(h)),
    ),
]


# -- gradient_norms_by_lag ------------------------------------------------------------------------


def norms_variant(
    *,
    combine="product",
    norm="spectral",
    state_offset=0,
    by_lag=False,
    last=1.0,
    same_activation=None,
):
    def norms_by_lag(h, Wh, activation="tanh"):
        activation = same_activation or activation
        N, T, H = h.shape
        result = np.full((N, T), last)
        product = np.broadcast_to(np.eye(H), (N, H, H))
        for k in range(T - 1, 0, -1):
            J = hidden_jacobian(h[:, k - state_offset], Wh, activation)
            product = {"product": product @ J, "left": J @ product, "sum": product + J}[combine]
            result[:, k - 1] = (
                np.linalg.norm(product, ord=2, axis=(1, 2))
                if norm == "spectral"
                else np.linalg.norm(product, axis=(1, 2))
            )
        return result[:, ::-1] if by_lag else result

    return norms_by_lag


NORMS_MISTAKES = [
    Mistake(
        "sum",
        "the Jacobians are added instead of multiplied (the norm of a sum; the chain rule "
        "multiplies them)",
        norms_variant(combine="sum"),
    ),
    Mistake(
        "frobenius",
        "the Frobenius norm of the product is used instead of its spectral norm (the largest "
        "singular value)",
        norms_variant(norm="frobenius"),
    ),
    Mistake(
        "left",
        "the Jacobians are multiplied on the left (J_{k+1} @ product): dh_T/dh_k is "
        "(dh_T/dh_{k+1}) J_{k+1}, the new factor on the right",
        norms_variant(combine="left"),
    ),
    Mistake(
        "offset",
        "J_{k+1} is computed from h_k instead of h_{k+1} (h[:, k-1] instead of h[:, k]: "
        "the states are one step off)",
        norms_variant(state_offset=1),
    ),
    Mistake(
        "by_lag",
        "the norms are ordered by lag (lag 0 first) instead of by step k (norms[:, k-1] is "
        "step k, so lag 0 is the last column)",
        norms_variant(by_lag=True),
    ),
    Mistake(
        "last_zero",
        "the entry for k = T (lag 0, the identity) is left at 0 instead of 1",
        norms_variant(last=0.0),
    ),
    Mistake(
        "tanh_always",
        "the activation argument is not passed on (tanh's Jacobian is used for every activation)",
        norms_variant(same_activation="tanh"),
    ),
]


# -- scale_spectral_radius ------------------------------------------------------------------------


def scaled_by(measure):
    """scale_spectral_radius with `measure(W)` where the spectral radius belongs."""
    return lambda W, rho: W * rho / measure(W)


SPECTRAL_MISTAKES = [
    Mistake(
        "sigma_max",
        "W is scaled by its largest singular value sigma_max (np.linalg.norm(W, 2)) instead of "
        "its spectral radius (the largest |eigenvalue|)",
        scaled_by(lambda W: np.linalg.norm(W, 2)),
    ),
    Mistake(
        "real_part",
        "the largest real part of an eigenvalue is used instead of the largest absolute value "
        "(eigenvalues can be negative or complex)",
        scaled_by(lambda W: np.max(np.linalg.eigvals(W).real)),
    ),
    Mistake(
        "frobenius",
        "W is scaled by its Frobenius norm instead of its spectral radius",
        scaled_by(np.linalg.norm),
    ),
    Mistake(
        "no_rho",
        "W is divided by its spectral radius but not multiplied by rho",
        lambda W, rho: W / np.max(np.abs(np.linalg.eigvals(W))),
    ),
    Mistake(
        "no_division",
        "W is multiplied by rho without dividing by its spectral radius",
        lambda W, rho: W * rho,
    ),
]


# -- gradient_bound -------------------------------------------------------------------------------


def power(base, lags, extra=0.0):
    with np.errstate(over="ignore"):
        return np.power(float(base), np.asarray(lags, dtype=float) + extra)


def python_power(gamma, sigma_max, lags):
    """The bound computed on Python numbers, lag by lag: a Python float ** int raises
    OverflowError past float64's largest value, where NumPy gives inf."""
    values = [float(gamma * sigma_max) ** int(lag) for lag in np.ravel(lags)]
    return np.array(values, dtype=float).reshape(np.shape(lags))


BOUND_MISTAKES = [
    Mistake(
        "gamma_outside",
        "gamma is not raised to the power (gamma * sigma_max**lag)",
        lambda gamma, sigma_max, lags: gamma * power(sigma_max, lags),
    ),
    Mistake(
        "one_more",
        "the power is lag + 1 (one factor too many: lag 0 must give 1)",
        lambda gamma, sigma_max, lags: power(gamma * sigma_max, lags, extra=1.0),
    ),
    Mistake(
        "python_overflow",
        "the power is computed on Python numbers (a Python float ** int, or math.pow), which "
        "raise OverflowError past float64's largest value instead of giving inf",
        python_power,
        hinted=False,
    ),
    Mistake(
        "no_gamma",
        "gamma is left out (sigma_max**lag)",
        lambda gamma, sigma_max, lags: power(sigma_max, lags),
    ),
]


# -- identity_recurrent_init ----------------------------------------------------------------------


IDENTITY_MISTAKES = [
    Mistake(
        "ones",
        "a matrix of ones is used instead of the identity (np.ones instead of np.eye)",
        lambda H, scale=1.0: scale * np.ones((H, H)),
    ),
    Mistake("no_scale", "scale is ignored (the plain identity)", lambda H, scale=1.0: np.eye(H)),
]


# -- global_norm ----------------------------------------------------------------------------------


def sum_of_squares(grads):
    return float(sum(np.sum(g**2) for g in grads.values()))


GLOBAL_NORM_MISTAKES = [
    Mistake(
        "overflow",
        "the squares are formed before scaling, so entries like 1e200 overflow to inf "
        "(their squares are past float64's 1e308)",
        quiet(lambda grads: float(np.sqrt(sum_of_squares(grads)))),
    ),
    Mistake(
        "sum_of_norms",
        "the norms of the arrays are added (a sum of norms, not the square root of the sum of "
        "all squares)",
        quiet(lambda grads: float(sum(np.linalg.norm(g) for g in grads.values()))),
    ),
    Mistake(
        "mean",
        "the mean of the squares is used instead of their sum",
        quiet(
            lambda grads: float(
                np.sqrt(np.mean(np.concatenate([g.ravel() ** 2 for g in grads.values()])))
            )
        ),
    ),
]


# -- clip_elementwise -----------------------------------------------------------------------------


ELEMENTWISE_MISTAKES = [
    Mistake(
        "to_zero",
        "negative entries are clipped to 0 instead of -c (np.clip(g, 0, c))",
        lambda grads, c: {n: np.clip(g, 0, c) for n, g in grads.items()},
    ),
    Mistake(
        "upper_only",
        "only the upper side is clipped (np.minimum(g, c) leaves entries below -c)",
        lambda grads, c: {n: np.minimum(g, c) for n, g in grads.items()},
    ),
    Mistake(
        "by_norm",
        "each array is rescaled to norm c (that is clipping by norm, not entry by entry)",
        lambda grads, c: {
            n: g * min(1.0, c / max(np.linalg.norm(g), 1e-300)) for n, g in grads.items()
        },
    ),
]


# -- clip_global_norm -----------------------------------------------------------------------------


def global_clip_variant(
    *,
    per_array=False,
    always=False,
    report_after=False,
    no_max=False,
    inverted=False,
    in_place=False,
):
    def clip(grads, max_norm):
        norm = global_norm(grads)
        if per_array:
            clipped = {
                n: g * min(1.0, max_norm / max(np.linalg.norm(g), 1e-300)) for n, g in grads.items()
            }
            return clipped, norm
        with np.errstate(all="ignore"):
            if always:
                scale = max_norm / norm
            elif norm <= max_norm:
                scale = 1.0
            else:
                scale = 1.0 / norm if no_max else (norm / max_norm if inverted else max_norm / norm)
        if in_place:
            for g in grads.values():
                g *= scale
            clipped = grads
        else:
            clipped = {n: g * scale for n, g in grads.items()}
        return clipped, (global_norm(clipped) if report_after else norm)

    return clip


GLOBAL_CLIP_MISTAKES = [
    Mistake(
        "per_array",
        "each array is clipped by its own norm instead of all arrays by one factor from the "
        "global norm (the direction of the whole gradient changes)",
        global_clip_variant(per_array=True),
    ),
    Mistake(
        "always",
        "the gradients are rescaled to max_norm even when their norm is smaller (a small "
        "gradient is scaled up, and a zero one becomes nan)",
        global_clip_variant(always=True),
    ),
    Mistake(
        "report_after",
        "the norm returned is the one after clipping; return the norm measured before",
        global_clip_variant(report_after=True),
    ),
    Mistake(
        "no_max",
        "the gradients are divided by their norm but not multiplied by max_norm",
        global_clip_variant(no_max=True),
    ),
    Mistake(
        "inverted",
        "the factor is inverted (norm / max_norm instead of max_norm / norm)",
        global_clip_variant(inverted=True),
    ),
]


# -- rmsprop_step ---------------------------------------------------------------------------------


def rmsprop_variant(
    *, eps_inside=False, old_cache=False, swapped=False, accumulate=False, in_place=False
):
    def step(param, grad, cache, learning_rate, decay_rate=0.9, eps=1e-8):
        if accumulate:
            new_cache = cache + grad * grad
        elif swapped:
            new_cache = (1 - decay_rate) * cache + decay_rate * grad * grad
        else:
            new_cache = decay_rate * cache + (1 - decay_rate) * grad * grad
        used = cache if old_cache else new_cache
        with np.errstate(all="ignore"):
            denominator = np.sqrt(used + eps) if eps_inside else np.sqrt(used) + eps
            update = learning_rate * grad / denominator
        if in_place:
            param -= update
            cache[...] = new_cache
            return param, cache
        return param - update, new_cache

    return step


RMSPROP_MISTAKES = [
    Mistake(
        "eps_inside",
        "eps is added inside the square root (sqrt(cache + eps), notebook 03's Adagrad "
        "convention; the exercise adds it outside)",
        rmsprop_variant(eps_inside=True),
    ),
    Mistake(
        "old_cache",
        "the step divides by the old cache (the one passed in) instead of the new one",
        rmsprop_variant(old_cache=True),
    ),
    Mistake(
        "swapped",
        "decay_rate and 1 - decay_rate are swapped (the old cache is kept with weight decay_rate)",
        rmsprop_variant(swapped=True),
    ),
    Mistake(
        "accumulated",
        "the cache accumulates like Adagrad (cache + grad**2) instead of a decaying average",
        rmsprop_variant(accumulate=True),
    ),
]


# Mistakes whose returned values are right: an argument changed in place. What a function
# does to its inputs is only the kernel's account of itself (learner code can copy the
# inputs first, or replace the helper that compares them), so it carries no points
# (issue 15): the visible check names these, the hidden check keeps them to show that they
# keep full marks (tests/checks/test_every_check.py).
UNSCORED = {
    "clip_elementwise": [
        Mistake(
            "in_place",
            "the caller's arrays are clipped in place (np.clip(g, -c, c, out=g))",
            lambda grads, c: {n: np.clip(g, -c, c, out=g) for n, g in grads.items()},
        )
    ],
    "clip_global_norm": [
        Mistake(
            "in_place",
            "the caller's arrays are scaled in place (g *= scale)",
            global_clip_variant(in_place=True),
        )
    ],
    "rmsprop_step": [
        Mistake(
            "in_place",
            "param and cache are changed in place (param -= ...)",
            rmsprop_variant(in_place=True),
        )
    ],
}


MISTAKES = {
    "hidden_jacobian": JACOBIAN_MISTAKES,
    "gradient_norms_by_lag": NORMS_MISTAKES,
    "scale_spectral_radius": SPECTRAL_MISTAKES,
    "gradient_bound": BOUND_MISTAKES,
    "identity_recurrent_init": IDENTITY_MISTAKES,
    "global_norm": GLOBAL_NORM_MISTAKES,
    "clip_elementwise": ELEMENTWISE_MISTAKES,
    "clip_global_norm": GLOBAL_CLIP_MISTAKES,
    "rmsprop_step": RMSPROP_MISTAKES,
}
# The factory of each exercise's variants: called with no flags, it makes the correct function.
VARIANTS = {
    "hidden_jacobian": jacobian_with,
    "gradient_norms_by_lag": norms_variant,
    "clip_global_norm": global_clip_variant,
    "rmsprop_step": rmsprop_variant,
}
