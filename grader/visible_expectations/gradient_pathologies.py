"""Expected values of notebook 04's visible checks (coursekit/visible/gradient_pathologies.py).

The reference's results on the visible checks' inputs, and what the common mistakes listed in
grader/checks/gradient_pathologies.py give on them (so a visible check can name the
mistake a learner's result matches).
"""
from __future__ import annotations

import numpy as np

from coursekit.visible import gradient_pathologies as visible
from grader.checks import gradient_pathologies as checks
from rnn_numpy.clipping import clip_elementwise, global_norm
from rnn_numpy.optim import rmsprop_step
from rnn_numpy.pathologies import (gradient_bound, gradient_norms_by_lag, hidden_jacobian,
                                          identity_recurrent_init, scale_spectral_radius)

JACOBIAN_MISTAKES = {
    "transposed": checks._jacobian_with(orientation="transposed"),
    "columns": checks._jacobian_with(orientation="columns"),
    "tanh_again": checks._jacobian_with(lambda h, a: 1 - np.tanh(h) ** 2 if a == "tanh"
                                        else checks._slope(h, a)),
    "relu_at_zero": checks._jacobian_with(lambda h, a: (h >= 0).astype(float) if a == "relu"
                                          else checks._slope(h, a)),
    "tanh_slope_always": checks._jacobian_with(lambda h, a: 1 - h * h),
    "no_slope": checks._jacobian_with(lambda h, a: np.ones_like(h)),
}
NORMS_MISTAKES = {
    "sum": checks._norms_variant(combine="sum"),
    "frobenius": checks._norms_variant(norm="frobenius"),
    "left": checks._norms_variant(combine="left"),
    "offset": checks._norms_variant(state_offset=1),
    "by_lag": checks._norms_variant(by_lag=True),
    "last_zero": checks._norms_variant(last=0.0),
    "tanh_always": checks._norms_variant(same_activation="tanh"),
}
SPECTRAL_MISTAKES = {
    "sigma_max": lambda W, rho: W * rho / np.linalg.norm(W, 2),
    "real_part": lambda W, rho: W * rho / np.max(np.linalg.eigvals(W).real),
    "frobenius": lambda W, rho: W * rho / np.linalg.norm(W),
    "no_rho": lambda W, rho: W / np.max(np.abs(np.linalg.eigvals(W))),
    "no_division": lambda W, rho: W * rho,
}
ELEMENTWISE_MISTAKES = {
    "to_zero": lambda g, c: np.clip(g, 0, c),
    "upper_only": lambda g, c: np.minimum(g, c),
    "by_norm": lambda g, c: g * min(1.0, c / np.linalg.norm(g)),
}


def expectations() -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {}
    with np.errstate(all="ignore"):
        for activation, h_t in visible.STATES.items():
            values[f"hidden_jacobian/{activation}"] = hidden_jacobian(h_t, visible.WH, activation)
            for key, mistake in JACOBIAN_MISTAKES.items():
                values[f"hidden_jacobian/{key}/{activation}"] = mistake(h_t, visible.WH, activation)

        for case, (states, Wh, activation) in {
                "linear_diagonal": (visible.SEQUENCE, visible.DIAGONAL_WH, "linear"),
                "tanh": (visible.SEQUENCE, visible.WH, "tanh"),
                "relu": (visible.RELU_SEQUENCE, visible.WH, "relu")}.items():
            values[f"gradient_norms_by_lag/{case}"] = gradient_norms_by_lag(states, Wh, activation)
            for key, mistake in NORMS_MISTAKES.items():
                values[f"gradient_norms_by_lag/{key}/{case}"] = mistake(states, Wh, activation)

        for case, (W, rho) in {"non_normal": (visible.NON_NORMAL_W, 0.9),
                               "rotation": (visible.ROTATION_W, 1.0)}.items():
            values[f"scale_spectral_radius/{case}"] = scale_spectral_radius(W, rho)
            for key, mistake in SPECTRAL_MISTAKES.items():
                values[f"scale_spectral_radius/{key}/{case}"] = mistake(W, rho)

        lags = np.array([0, 1, 2])
        values["gradient_bound/mixed"] = gradient_bound(0.5, 3.0, lags)
        for key, mistake in (("gamma_outside", checks.BOUND_MISTAKES[0]),
                             ("one_more", checks.BOUND_MISTAKES[1])):
            values[f"gradient_bound/{key}"] = mistake.output(0.5, 3.0, lags)

        values["identity_recurrent_init/3_0.9"] = identity_recurrent_init(3, 0.9)
        values["identity_recurrent_init/ones"] = 0.9 * np.ones((3, 3))
        values["identity_recurrent_init/no_scale"] = np.eye(3)

        values["global_norm/small"] = np.float64(global_norm(visible.SMALL_GRADS))
        values["global_norm/huge"] = np.float64(global_norm(visible.HUGE_GRADS))
        values["global_norm/sum_of_norms"] = np.float64(checks.GLOBAL_NORM_MISTAKES[1].output(
            visible.SMALL_GRADS))
        values["global_norm/mean"] = np.float64(checks.GLOBAL_NORM_MISTAKES[2].output(
            visible.SMALL_GRADS))

        clipped = clip_elementwise(visible.MIXED_GRADS, 1.0)
        for name, grad in visible.MIXED_GRADS.items():
            values[f"clip_elementwise/{name}"] = clipped[name]
            for key, mistake in ELEMENTWISE_MISTAKES.items():
                values[f"clip_elementwise/{key}/{name}"] = mistake(grad, 1.0)

        new_param, new_cache = rmsprop_step(*visible.RMSPROP_ARGS)
        values["rmsprop_step/param"], values["rmsprop_step/cache"] = new_param, new_cache
        values["rmsprop_step/tiny_param"] = rmsprop_step(*visible.TINY_RMSPROP_ARGS)[0]
        for key, variant in (("swapped", checks._rmsprop_variant(swapped=True)),
                             ("accumulated", checks._rmsprop_variant(accumulate=True))):
            values[f"rmsprop_step/{key}/cache"] = variant(*visible.RMSPROP_ARGS)[1]
        values["rmsprop_step/old_cache/param"] = checks._rmsprop_variant(old_cache=True)(
            *visible.RMSPROP_ARGS)[0]
        values["rmsprop_step/eps_inside/tiny_param"] = checks._rmsprop_variant(eps_inside=True)(
            *visible.TINY_RMSPROP_ARGS)[0]
    return {key: np.asarray(value, dtype=np.float64) for key, value in values.items()}
