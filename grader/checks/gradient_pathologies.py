"""Hidden checks of notebook 04 (vanishing and exploding gradients).

Notation as docs/NOTATION.md: h[:, t-1] is h_t, J_t = diag(phi'(a_t)) W_h^T, the lag is T - k.
Every case generator starts with deterministic edge cases built so that each listed mistake
differs from the reference on them whatever the generator draws (non-symmetric W_h, ReLU states
with units at exactly 0, non-normal W with a negative leading eigenvalue, gradients of very
different sizes, entries that overflow when squared, ...); random cases follow.

The mistakes a check names (with their hints) are its notebook's catalogue,
grader/mistakes/gradient_pathologies.py.
"""

from __future__ import annotations

import numpy as np

from grader.checks.framework import Case, Upstream, function_check
from grader.mistakes.gradient_pathologies import MISTAKES, UNSCORED
from rnn_numpy.clipping import clip_elementwise, clip_global_norm, global_norm
from rnn_numpy.optim import rmsprop_step
from rnn_numpy.pathologies import (
    gradient_bound,
    gradient_norms_by_lag,
    hidden_jacobian,
    identity_recurrent_init,
    scale_spectral_radius,
)
from rnn_numpy.rnn import rnn_forward

ACTIVATION_NAMES = ("tanh", "relu", "linear")


def _normal(rng, *shape, scale=1.0):
    return rng.normal(0.0, scale, shape)


def _asymmetric(rng, H, scale=0.7):
    """A random H x H matrix, made clearly non-symmetric (W[0, 1] - W[1, 0] >= 1 for H >= 2)."""
    W = _normal(rng, H, H, scale=scale)
    if H >= 2:
        W[0, 1] = abs(W[0, 1]) + 0.5
        W[1, 0] = -abs(W[1, 0]) - 0.5
    return W


# -- hidden_jacobian ------------------------------------------------------------------------------
def _relu_states(rng, N, H):
    """ReLU states with unit 0 exactly at 0 and unit 1 active in every sequence."""
    h = np.maximum(_normal(rng, N, H), 0.0)
    h[:, 0] = 0.0
    if H >= 2:
        h[:, 1] = np.abs(h[:, 1]) + 0.2
    return h


def jacobian_cases(rng):
    cases = [
        Case("tanh, N=3, H=4", (np.tanh(_normal(rng, 3, 4)), _asymmetric(rng, 4), "tanh")),
        Case(
            "ReLU with units at exactly 0, N=2, H=3",
            (_relu_states(rng, 2, 3), _asymmetric(rng, 3), "relu"),
        ),
        Case("linear, N=2, H=3", (_normal(rng, 2, 3, scale=2.0), _asymmetric(rng, 3), "linear")),
        Case("tanh, N=1, H=1", (np.tanh(_normal(rng, 1, 1)) * 0.9, _normal(rng, 1, 1), "tanh")),
        Case(
            "saturated tanh states (|h_t| = 1: no gradient passes)",
            (np.sign(_normal(rng, 2, 3)) + 0.0, _asymmetric(rng, 3), "tanh"),
        ),
        Case("ReLU, all units inactive", (np.zeros((2, 3)), _asymmetric(rng, 3), "relu")),
    ]
    N, H = (int(v) for v in rng.integers(1, 5, size=2))
    activation = ACTIVATION_NAMES[int(rng.integers(3))]
    h = _relu_states(rng, N, H) if activation == "relu" else np.tanh(_normal(rng, N, H))
    cases.append(
        Case(
            f"{activation}, N={N}, H={H}, activation as a keyword",
            (h, _asymmetric(rng, H)),
            {"activation": activation},
        )
    )
    return cases


# -- gradient_norms_by_lag ------------------------------------------------------------------------
def _states(rng, N, T, H, activation, x_scale=1.0):
    """States h_1..h_T of a real RNN run (what the notebook passes in), with their W_h."""
    Wh = _asymmetric(rng, H, scale=0.8)
    x = _normal(rng, N, T, 2, scale=x_scale)
    h, _ = rnn_forward(
        x,
        _normal(rng, N, H, scale=0.5),
        _normal(rng, 2, H),
        Wh,
        _normal(rng, H, scale=0.3),
        activation=activation,
    )
    return h, Wh


def norms_cases(rng):
    cases = []
    for label, N, T, H, activation in (
        ("tanh, N=2, T=6, H=4", 2, 6, 4, "tanh"),
        ("ReLU, N=3, T=5, H=3", 3, 5, 3, "relu"),
        ("linear, N=2, T=5, H=3", 2, 5, 3, "linear"),
        ("T=1: only lag 0", 2, 1, 3, "tanh"),
        ("T=2: one Jacobian", 2, 2, 3, "tanh"),
        ("N=1, H=1", 1, 5, 1, "tanh"),
    ):
        h, Wh = _states(rng, N, T, H, activation)
        cases.append(Case(label, (h, Wh, activation)))
    N, T, H = (int(v) for v in rng.integers(2, 6, size=3))
    activation = ACTIVATION_NAMES[int(rng.integers(3))]
    h, Wh = _states(rng, N, T, H, activation)
    cases.append(
        Case(
            f"{activation}, N={N}, T={T}, H={H}, activation as a keyword",
            (h, Wh),
            {"activation": activation},
        )
    )
    return cases


def norms_calls(up, h, Wh, activation="tanh"):
    """The calls a correct gradient_norms_by_lag makes to hidden_jacobian: J_{k+1} for
    k = T-1, ..., 1, from h_{k+1} = h[:, k]."""
    for k in range(h.shape[1] - 1, 0, -1):
        up.hidden_jacobian(h[:, k], Wh, activation)


# -- scale_spectral_radius ------------------------------------------------------------------------
def _non_normal(rng, H):
    """Upper triangular, leading eigenvalue negative: rho = |W[0, 0]| < sigma_max, and the
    largest real part of an eigenvalue is not rho."""
    W = np.triu(_normal(rng, H, H, scale=0.3), k=1)
    W[0, 1:] = rng.uniform(0.5, 1.5, H - 1)  # row 0 longer than |W[0, 0]|
    W[np.diag_indices(H)] = np.concatenate([[-rng.uniform(2.0, 3.0)], rng.uniform(0.2, 1.5, H - 1)])
    return W


def _rotation_block(rng, H):
    """A scaled rotation (complex pair of largest modulus) beside smaller real eigenvalues, in a
    random basis (so not normal)."""
    radius, angle = rng.uniform(1.5, 2.5), rng.uniform(0.5, 1.2)
    block = np.zeros((H, H))
    block[:2, :2] = radius * np.array(
        [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    )
    block[np.arange(2, H), np.arange(2, H)] = rng.uniform(-1.0, 1.0, H - 2)
    basis = np.eye(H) + np.triu(_normal(rng, H, H, scale=0.5), k=1)
    return basis @ block @ np.linalg.inv(basis)


def spectral_cases(rng):
    cases = [
        Case(
            "non-normal W with a negative leading eigenvalue, rho = 0.9", (_non_normal(rng, 4), 0.9)
        ),
        Case("complex leading eigenvalues, rho = 1.2", (_rotation_block(rng, 4), 1.2)),
        Case("H=1, a negative entry", (np.array([[-rng.uniform(2.0, 4.0)]]), 0.5)),
        Case("rho = 0", (_non_normal(rng, 3), 0.0)),
        Case("rho = 1.5 (larger than W's)", (_non_normal(rng, 3) * 0.3, 1.5)),
    ]
    H = int(rng.integers(2, 7))
    cases.append(Case(f"random {H} x {H} W", (_normal(rng, H, H), float(rng.uniform(0.3, 1.6)))))
    return cases


# -- gradient_bound -------------------------------------------------------------------------------
def bound_cases(rng):
    return [
        Case(
            "gamma = 1, sigma_max < 1, lags 0..9",
            (1.0, float(rng.uniform(0.3, 0.9)), np.arange(10)),
        ),
        Case(
            "gamma < 1, sigma_max > 1, a 2 x 3 array of lags",
            (
                float(rng.uniform(0.3, 0.7)),
                float(rng.uniform(1.5, 3.0)),
                rng.integers(0, 12, size=(2, 3)) + np.array([[0], [2]]),
            ),
        ),
        Case(
            "a single lag (a whole number)",
            (float(rng.uniform(0.5, 0.9)), float(rng.uniform(1.2, 2.0)), int(rng.integers(2, 20))),
        ),
        Case("lag 0", (0.5, 3.0, 0)),
        Case("overflow to inf (gamma * sigma_max = 2, lag 5000)", (0.5, 4.0, np.array([10, 5000]))),
    ]


# -- identity_recurrent_init ----------------------------------------------------------------------
def identity_cases(rng):
    return [
        Case("H=4, scale 1", (4, 1.0)),
        Case("H=3, scale 0.9", (3, 0.9)),
        Case("H=1, scale 0.5", (1, 0.5)),
        Case("scale 0", (3, 0.0)),
        Case("H=5, the default scale", (5,)),
        Case("random H and scale", (int(rng.integers(2, 9)), float(rng.uniform(0.5, 1.5)))),
    ]


# -- global_norm ----------------------------------------------------------------------------------
def global_norm_cases(rng):
    return [
        Case("one 3 x 4 array", ({"W": _normal(rng, 3, 4)},)),
        Case(
            "three arrays of different shapes",
            (
                {
                    "Wx": _normal(rng, 2, 3),
                    "Wh": _normal(rng, 3, 3, scale=3.0),
                    "b": _normal(rng, 3),
                },
            ),
        ),
        Case(
            "entries up to 1e200 (their squares overflow float64)",
            ({"Wh": _normal(rng, 3, 3, scale=1e200), "b": _normal(rng, 3, scale=1e199)},),
        ),
        Case("all zero", ({"Wh": np.zeros((2, 2)), "b": np.zeros(2)},)),
        Case(
            "one number and a zero array",
            ({"by": np.array([-rng.uniform(1, 5)]), "b": np.zeros(3)},),
        ),
    ]


# -- clip_elementwise -----------------------------------------------------------------------------
def elementwise_cases(rng):
    W = _normal(rng, 3, 4, scale=2.0)
    W[0, :2] = [-4.0, 4.0]  # one entry beyond each side
    return [
        Case(
            "entries beyond both -c and c, c = 1", ({"W": W, "b": _normal(rng, 4, scale=2.0)}, 1.0)
        ),
        Case("nothing to clip, c = 10", ({"W": _normal(rng, 2, 3, scale=0.5)}, 10.0)),
        Case(
            "c = 0.1, three arrays",
            (
                {
                    "Wx": _normal(rng, 2, 3),
                    "Wh": np.array([[-0.5, 0.05], [0.3, -0.02]]),
                    "b": _normal(rng, 2),
                },
                0.1,
            ),
        ),
        Case("zero gradient", ({"W": np.zeros((2, 2))}, 1.0)),
    ]


# -- clip_global_norm -----------------------------------------------------------------------------
def global_clip_cases(rng):
    big = {
        "Wx": _normal(rng, 2, 3, scale=4.0),
        "Wh": _normal(rng, 3, 3, scale=4.0),
        "b": _normal(rng, 3),
    }
    return [
        Case("norm above max_norm = 2.5, three arrays", (big, 2.5)),
        Case(
            "norm below max_norm (nothing changes)",
            ({"W": _normal(rng, 2, 2, scale=0.1), "b": _normal(rng, 2, scale=0.1)}, 5.0),
        ),
        Case(
            "one large array and one small one (all scaled by one factor)",
            (
                {
                    "Wh": _normal(rng, 3, 3, scale=10.0),
                    "b": np.full(3, 0.01) * rng.uniform(0.5, 1.0),
                },
                1.0,
            ),
        ),
        Case("zero gradients", ({"Wh": np.zeros((2, 2)), "b": np.zeros(2)}, 1.0)),
        Case("one array, max_norm = 0.5", ({"W": _normal(rng, 4, 2, scale=3.0)}, 0.5)),
    ]


def global_clip_calls(up, grads, max_norm):
    """The call a correct clip_global_norm makes to global_norm."""
    up.global_norm(grads)


# -- rmsprop_step ---------------------------------------------------------------------------------
def rmsprop_cases(rng):
    return [
        Case(
            "first step (zero cache), learning rate 0.1",
            (_normal(rng, 3, 4), _normal(rng, 3, 4), np.zeros((3, 4)), 0.1),
        ),
        Case(
            "a later step (cache > 0), decay_rate 0.9",
            (_normal(rng, 5), _normal(rng, 5), rng.uniform(0.1, 3.0, 5), 0.05, 0.9),
        ),
        Case(
            "tiny gradients (where eps matters)",
            (_normal(rng, 4), 1e-6 * _normal(rng, 4), np.zeros(4), 0.1),
        ),
        Case(
            "decay_rate 0 (the cache is just grad**2)",
            (_normal(rng, 2, 2), _normal(rng, 2, 2), rng.uniform(0.5, 2.0, (2, 2)), 0.01),
            {"decay_rate": 0.0},
        ),
        Case(
            "decay_rate 0.99, eps 1e-4",
            (_normal(rng, 3), _normal(rng, 3), rng.uniform(0, 1, 3), 0.1),
            {"decay_rate": 0.99, "eps": 1e-4},
        ),
        Case("zero gradient and zero cache", (_normal(rng, 2), np.zeros(2), np.zeros(2), 0.1)),
    ]


CHECKS = [
    function_check(
        "hidden_jacobian",
        reference=hidden_jacobian,
        make_cases=jacobian_cases,
        outputs=("J",),
        mistakes=MISTAKES["hidden_jacobian"],
    ),
    function_check(
        "gradient_norms_by_lag",
        reference=gradient_norms_by_lag,
        make_cases=norms_cases,
        outputs=("norms",),
        rtol=1e-6,
        atol=1e-10,
        mistakes=MISTAKES["gradient_norms_by_lag"],
        upstream=Upstream({"hidden_jacobian": hidden_jacobian}, norms_calls),
    ),
    function_check(
        "scale_spectral_radius",
        reference=scale_spectral_radius,
        make_cases=spectral_cases,
        outputs=("W_scaled",),
        mistakes=MISTAKES["scale_spectral_radius"],
    ),
    function_check(
        "gradient_bound",
        reference=gradient_bound,
        make_cases=bound_cases,
        outputs=("bound",),
        mistakes=MISTAKES["gradient_bound"],
    ),
    function_check(
        "identity_recurrent_init",
        reference=identity_recurrent_init,
        make_cases=identity_cases,
        outputs=("Wh",),
        mistakes=MISTAKES["identity_recurrent_init"],
    ),
    function_check(
        "global_norm",
        reference=global_norm,
        make_cases=global_norm_cases,
        outputs=("norm",),
        mistakes=MISTAKES["global_norm"],
    ),
    function_check(
        "clip_elementwise",
        unscored=UNSCORED["clip_elementwise"],
        reference=clip_elementwise,
        make_cases=elementwise_cases,
        outputs=("clipped",),
        mistakes=MISTAKES["clip_elementwise"],
    ),
    function_check(
        "clip_global_norm",
        unscored=UNSCORED["clip_global_norm"],
        reference=clip_global_norm,
        make_cases=global_clip_cases,
        outputs=("clipped", "norm"),
        mistakes=MISTAKES["clip_global_norm"],
        upstream=Upstream({"global_norm": global_norm}, global_clip_calls),
    ),
    function_check(
        "rmsprop_step",
        unscored=UNSCORED["rmsprop_step"],
        reference=rmsprop_step,
        make_cases=rmsprop_cases,
        outputs=("new_param", "new_cache"),
        mistakes=MISTAKES["rmsprop_step"],
    ),
]
