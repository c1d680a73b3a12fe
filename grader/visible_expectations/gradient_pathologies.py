"""Expected values of notebook 04's visible checks (coursekit/visible/gradient_pathologies.py).

The reference's results on the visible checks' inputs, and what the common mistakes of its catalogue
(grader/mistakes/gradient_pathologies.py) give on them (so a visible check can name the
mistake a learner's result matches).
"""

from __future__ import annotations

import numpy as np

from coursekit.visible import gradient_pathologies as visible
from grader.mistakes import outputs
from grader.mistakes.gradient_pathologies import MISTAKES
from rnn_numpy.clipping import clip_elementwise, global_norm
from rnn_numpy.optim import rmsprop_step
from rnn_numpy.pathologies import (
    gradient_bound,
    gradient_norms_by_lag,
    hidden_jacobian,
    identity_recurrent_init,
    scale_spectral_radius,
)

# The mistakes coursekit/visible/gradient_pathologies.py names, by catalogue id.
JACOBIAN_MISTAKES = outputs(
    MISTAKES["hidden_jacobian"],
    ("transposed", "columns", "tanh_again", "relu_at_zero", "tanh_slope_always", "no_slope"),
)
NORMS_MISTAKES = outputs(
    MISTAKES["gradient_norms_by_lag"],
    ("sum", "frobenius", "left", "offset", "by_lag", "last_zero", "tanh_always"),
)
SPECTRAL_MISTAKES = outputs(
    MISTAKES["scale_spectral_radius"],
    ("sigma_max", "real_part", "frobenius", "no_rho", "no_division"),
)
ELEMENTWISE_MISTAKES = outputs(MISTAKES["clip_elementwise"], ("to_zero", "upper_only", "by_norm"))
BOUND_MISTAKES = outputs(MISTAKES["gradient_bound"], ("gamma_outside", "one_more"))
IDENTITY_MISTAKES = outputs(MISTAKES["identity_recurrent_init"], ("ones", "no_scale"))
GLOBAL_NORM_MISTAKES = outputs(MISTAKES["global_norm"], ("sum_of_norms", "mean"))
RMSPROP_MISTAKES = outputs(
    MISTAKES["rmsprop_step"], ("swapped", "accumulated", "old_cache", "eps_inside")
)


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
            "relu": (visible.RELU_SEQUENCE, visible.WH, "relu"),
        }.items():
            values[f"gradient_norms_by_lag/{case}"] = gradient_norms_by_lag(states, Wh, activation)
            for key, mistake in NORMS_MISTAKES.items():
                values[f"gradient_norms_by_lag/{key}/{case}"] = mistake(states, Wh, activation)

        for case, (W, rho) in {
            "non_normal": (visible.NON_NORMAL_W, 0.9),
            "rotation": (visible.ROTATION_W, 1.0),
        }.items():
            values[f"scale_spectral_radius/{case}"] = scale_spectral_radius(W, rho)
            for key, mistake in SPECTRAL_MISTAKES.items():
                values[f"scale_spectral_radius/{key}/{case}"] = mistake(W, rho)

        lags = np.array([0, 1, 2])
        values["gradient_bound/mixed"] = gradient_bound(0.5, 3.0, lags)
        for key, mistake in BOUND_MISTAKES.items():
            values[f"gradient_bound/{key}"] = mistake(0.5, 3.0, lags)

        values["identity_recurrent_init/3_0.9"] = identity_recurrent_init(3, 0.9)
        for key, mistake in IDENTITY_MISTAKES.items():
            values[f"identity_recurrent_init/{key}"] = mistake(3, 0.9)

        values["global_norm/small"] = np.float64(global_norm(visible.SMALL_GRADS))
        values["global_norm/huge"] = np.float64(global_norm(visible.HUGE_GRADS))
        for key, mistake in GLOBAL_NORM_MISTAKES.items():
            values[f"global_norm/{key}"] = np.float64(mistake(visible.SMALL_GRADS))

        clipped = clip_elementwise(visible.MIXED_GRADS, 1.0)
        for name, grad in visible.MIXED_GRADS.items():
            values[f"clip_elementwise/{name}"] = clipped[name]
            for key, mistake in ELEMENTWISE_MISTAKES.items():
                values[f"clip_elementwise/{key}/{name}"] = mistake({name: grad}, 1.0)[name]

        new_param, new_cache = rmsprop_step(*visible.RMSPROP_ARGS)
        values["rmsprop_step/param"], values["rmsprop_step/cache"] = new_param, new_cache
        values["rmsprop_step/tiny_param"] = rmsprop_step(*visible.TINY_RMSPROP_ARGS)[0]
        values["rmsprop_step/keywords_param"] = rmsprop_step(
            *visible.TINY_RMSPROP_ARGS, decay_rate=0.99, eps=1e-4
        )[0]
        for key in ("swapped", "accumulated"):
            values[f"rmsprop_step/{key}/cache"] = RMSPROP_MISTAKES[key](*visible.RMSPROP_ARGS)[1]
        values["rmsprop_step/old_cache/param"] = RMSPROP_MISTAKES["old_cache"](
            *visible.RMSPROP_ARGS
        )[0]
        values["rmsprop_step/eps_inside/tiny_param"] = RMSPROP_MISTAKES["eps_inside"](
            *visible.TINY_RMSPROP_ARGS
        )[0]
    return {key: np.asarray(value, dtype=np.float64) for key, value in values.items()}
