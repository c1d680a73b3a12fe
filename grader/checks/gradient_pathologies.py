"""Hidden checks of notebook 04 (vanishing and exploding gradients).

Notation as docs/NOTATION.md: h[:, t-1] is h_t, J_t = diag(phi'(a_t)) W_h^T, the lag is T - k.
Every case generator starts with deterministic edge cases built so that each listed mistake
differs from the reference on them whatever the generator draws (non-symmetric W_h, ReLU states
with units at exactly 0, non-normal W with a negative leading eigenvalue, gradients of very
different sizes, entries that overflow when squared, ...); random cases follow.
"""
from __future__ import annotations

import numpy as np

from grader.checks.framework import Case, Mistake, Upstream, function_check
from rnn_numpy.clipping import clip_elementwise, clip_global_norm, global_norm
from rnn_numpy.optim import rmsprop_step
from rnn_numpy.pathologies import (gradient_bound, gradient_norms_by_lag, hidden_jacobian,
                                          identity_recurrent_init, scale_spectral_radius)
from rnn_numpy.rnn import _activation_derivative, rnn_forward

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


def _quiet(function):
    """`function` with floating-point warnings off, as a learner's overflowing code runs in a
    kernel (a warning there, not an error), so its result can be matched to give the hint."""
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)
    return quiet


def _slope(h, activation):
    return _activation_derivative(h, activation)


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
        Case("ReLU with units at exactly 0, N=2, H=3", (_relu_states(rng, 2, 3), _asymmetric(rng, 3),
                                                        "relu")),
        Case("linear, N=2, H=3", (_normal(rng, 2, 3, scale=2.0), _asymmetric(rng, 3), "linear")),
        Case("tanh, N=1, H=1", (np.tanh(_normal(rng, 1, 1)) * 0.9, _normal(rng, 1, 1), "tanh")),
        Case("saturated tanh states (|h_t| = 1: no gradient passes)",
             (np.sign(_normal(rng, 2, 3)) + 0.0, _asymmetric(rng, 3), "tanh")),
        Case("ReLU, all units inactive", (np.zeros((2, 3)), _asymmetric(rng, 3), "relu")),
    ]
    N, H = (int(v) for v in rng.integers(1, 5, size=2))
    activation = ACTIVATION_NAMES[int(rng.integers(3))]
    h = _relu_states(rng, N, H) if activation == "relu" else np.tanh(_normal(rng, N, H))
    cases.append(Case(f"{activation}, N={N}, H={H}, activation as a keyword",
                      (h, _asymmetric(rng, H)), {"activation": activation}))
    return cases


def _jacobian_with(slope=_slope, orientation="rows"):
    def jacobian(h_t, Wh, activation="tanh"):
        s = slope(h_t, activation)
        if orientation == "columns":
            return Wh.T[None] * s[:, None, :]
        if orientation == "transposed":
            return s[:, :, None] * Wh[None]
        return s[:, :, None] * Wh.T
    return jacobian


JACOBIAN_MISTAKES = [
    Mistake("the Jacobian is transposed (phi' times Wh instead of Wh.T: row i of J_t is column i "
            "of W_h, because W_h[j, i] connects unit j of h_{t-1} to unit i of h_t)",
            _jacobian_with(orientation="transposed")),
    Mistake("phi' scales the columns instead of the rows (W_h^T diag(phi') instead of "
            "diag(phi') W_h^T: use slope[:, :, None], not slope[:, None, :])",
            _jacobian_with(orientation="columns")),
    Mistake("tanh is applied to h_t again (1 - tanh(h_t)**2); h_t is already tanh(a_t), so "
            "tanh' = 1 - h_t**2",
            _jacobian_with(lambda h, a: 1 - np.tanh(h) ** 2 if a == "tanh" else _slope(h, a))),
    Mistake("ReLU's slope is 1 where h_t >= 0; a unit at exactly 0 is inactive (slope 0): use "
            "h_t > 0",
            _jacobian_with(lambda h, a: (h >= 0).astype(float) if a == "relu" else _slope(h, a))),
    Mistake("the activation argument is ignored (tanh's slope 1 - h_t**2 is used for every "
            "activation)", _jacobian_with(lambda h, a: 1 - h * h)),
    Mistake("the slope phi'(a_t) is left out (J_t = W_h^T for every activation)",
            _jacobian_with(lambda h, a: np.ones_like(h))),
]


# -- gradient_norms_by_lag ------------------------------------------------------------------------
def _states(rng, N, T, H, activation, x_scale=1.0):
    """States h_1..h_T of a real RNN run (what the notebook passes in), with their W_h."""
    Wh = _asymmetric(rng, H, scale=0.8)
    x = _normal(rng, N, T, 2, scale=x_scale)
    h, _ = rnn_forward(x, _normal(rng, N, H, scale=0.5), _normal(rng, 2, H), Wh,
                       _normal(rng, H, scale=0.3), activation=activation)
    return h, Wh


def norms_cases(rng):
    cases = []
    for label, N, T, H, activation in (("tanh, N=2, T=6, H=4", 2, 6, 4, "tanh"),
                                       ("ReLU, N=3, T=5, H=3", 3, 5, 3, "relu"),
                                       ("linear, N=2, T=5, H=3", 2, 5, 3, "linear"),
                                       ("T=1: only lag 0", 2, 1, 3, "tanh"),
                                       ("T=2: one Jacobian", 2, 2, 3, "tanh"),
                                       ("N=1, H=1", 1, 5, 1, "tanh")):
        h, Wh = _states(rng, N, T, H, activation)
        cases.append(Case(label, (h, Wh, activation)))
    N, T, H = (int(v) for v in rng.integers(2, 6, size=3))
    activation = ACTIVATION_NAMES[int(rng.integers(3))]
    h, Wh = _states(rng, N, T, H, activation)
    cases.append(Case(f"{activation}, N={N}, T={T}, H={H}, activation as a keyword", (h, Wh),
                      {"activation": activation}))
    return cases


def norms_calls(up, h, Wh, activation="tanh"):
    """The calls a correct gradient_norms_by_lag makes to hidden_jacobian: J_{k+1} for
    k = T-1, ..., 1, from h_{k+1} = h[:, k]."""
    for k in range(h.shape[1] - 1, 0, -1):
        up.hidden_jacobian(h[:, k], Wh, activation)


def _norms_variant(*, combine="product", norm="spectral", state_offset=0, by_lag=False,
                   last=1.0, same_activation=None):
    def norms_by_lag(h, Wh, activation="tanh"):
        activation = same_activation or activation
        N, T, H = h.shape
        result = np.full((N, T), last)
        product = np.broadcast_to(np.eye(H), (N, H, H))
        for k in range(T - 1, 0, -1):
            J = hidden_jacobian(h[:, k - state_offset], Wh, activation)
            product = {"product": product @ J, "left": J @ product, "sum": product + J}[combine]
            result[:, k - 1] = (np.linalg.norm(product, ord=2, axis=(1, 2)) if norm == "spectral"
                                else np.linalg.norm(product, axis=(1, 2)))
        return result[:, ::-1] if by_lag else result
    return norms_by_lag


NORMS_MISTAKES = [
    Mistake("the Jacobians are added instead of multiplied (the norm of a sum; the chain rule "
            "multiplies them)", _norms_variant(combine="sum")),
    Mistake("the Frobenius norm is used instead of the spectral norm (np.linalg.norm needs "
            "ord=2 and axis=(1, 2))", _norms_variant(norm="frobenius")),
    Mistake("the Jacobians are multiplied on the left (J_{k+1} @ product): dh_T/dh_k is "
            "(dh_T/dh_{k+1}) J_{k+1}, the new factor on the right", _norms_variant(combine="left")),
    Mistake("J_{k+1} is computed from h_k instead of h_{k+1} (h[:, k-1] instead of h[:, k]: "
            "the states are one step off)", _norms_variant(state_offset=1)),
    Mistake("the norms are ordered by lag (lag 0 first) instead of by step k (norms[:, k-1] is "
            "step k, so lag 0 is the last column)", _norms_variant(by_lag=True)),
    Mistake("the entry for k = T (lag 0, the identity) is left at 0 instead of 1",
            _norms_variant(last=0.0)),
    Mistake("the activation argument is not passed on (tanh's Jacobian is used for every "
            "activation)", _norms_variant(same_activation="tanh")),
]


# -- scale_spectral_radius ------------------------------------------------------------------------
def _non_normal(rng, H):
    """Upper triangular, leading eigenvalue negative: rho = |W[0, 0]| < sigma_max, and the
    largest real part of an eigenvalue is not rho."""
    W = np.triu(_normal(rng, H, H, scale=0.3), k=1)
    W[0, 1:] = rng.uniform(0.5, 1.5, H - 1)                      # row 0 longer than |W[0, 0]|
    W[np.diag_indices(H)] = np.concatenate([[-rng.uniform(2.0, 3.0)], rng.uniform(0.2, 1.5, H - 1)])
    return W


def _rotation_block(rng, H):
    """A scaled rotation (complex pair of largest modulus) beside smaller real eigenvalues, in a
    random basis (so not normal)."""
    radius, angle = rng.uniform(1.5, 2.5), rng.uniform(0.5, 1.2)
    block = np.zeros((H, H))
    block[:2, :2] = radius * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    block[np.arange(2, H), np.arange(2, H)] = rng.uniform(-1.0, 1.0, H - 2)
    basis = np.eye(H) + np.triu(_normal(rng, H, H, scale=0.5), k=1)
    return basis @ block @ np.linalg.inv(basis)


def spectral_cases(rng):
    cases = [
        Case("non-normal W with a negative leading eigenvalue, rho = 0.9", (_non_normal(rng, 4), 0.9)),
        Case("complex leading eigenvalues, rho = 1.2", (_rotation_block(rng, 4), 1.2)),
        Case("H=1, a negative entry", (np.array([[-rng.uniform(2.0, 4.0)]]), 0.5)),
        Case("rho = 0", (_non_normal(rng, 3), 0.0)),
        Case("rho = 1.5 (larger than W's)", (_non_normal(rng, 3) * 0.3, 1.5)),
    ]
    H = int(rng.integers(2, 7))
    cases.append(Case(f"random {H} x {H} W", (_normal(rng, H, H), float(rng.uniform(0.3, 1.6)))))
    return cases


def _scaled_by(measure):
    return lambda W, rho: W * (rho / measure(W))


SPECTRAL_MISTAKES = [
    Mistake("W is scaled by its largest singular value sigma_max (np.linalg.norm(W, 2)) instead of "
            "its spectral radius (the largest |eigenvalue|)", _scaled_by(lambda W: np.linalg.norm(W, 2))),
    Mistake("the largest real part of an eigenvalue is used instead of the largest absolute value "
            "(eigenvalues can be negative or complex: use np.abs)",
            _scaled_by(lambda W: np.max(np.linalg.eigvals(W).real))),
    Mistake("W is scaled by its Frobenius norm instead of its spectral radius",
            _scaled_by(np.linalg.norm)),
    Mistake("W is divided by its spectral radius but not multiplied by rho",
            lambda W, rho: W / np.max(np.abs(np.linalg.eigvals(W)))),
    Mistake("W is multiplied by rho without dividing by its spectral radius", lambda W, rho: W * rho),
]


# -- gradient_bound -------------------------------------------------------------------------------
def bound_cases(rng):
    return [
        Case("gamma = 1, sigma_max < 1, lags 0..9", (1.0, float(rng.uniform(0.3, 0.9)), np.arange(10))),
        Case("gamma < 1, sigma_max > 1, a 2 x 3 array of lags",
             (float(rng.uniform(0.3, 0.7)), float(rng.uniform(1.5, 3.0)),
              rng.integers(0, 12, size=(2, 3)) + np.array([[0], [2]]))),
        Case("a single lag (a whole number)", (float(rng.uniform(0.5, 0.9)), float(rng.uniform(1.2, 2.0)),
                                               int(rng.integers(2, 20)))),
        Case("lag 0", (0.5, 3.0, 0)),
        Case("overflow to inf (gamma * sigma_max = 2, lag 5000)", (0.5, 4.0, np.array([10, 5000]))),
    ]


def _power(base, lags, extra=0.0):
    with np.errstate(over="ignore"):
        return np.power(float(base), np.asarray(lags, dtype=float) + extra)


BOUND_MISTAKES = [
    Mistake("gamma is not raised to the power (gamma * sigma_max**lag)",
            lambda gamma, sigma_max, lags: gamma * _power(sigma_max, lags)),
    Mistake("the power is lag + 1 (one factor too many: lag 0 must give 1)",
            lambda gamma, sigma_max, lags: _power(gamma * sigma_max, lags, extra=1.0)),
    Mistake("gamma is left out (sigma_max**lag)",
            lambda gamma, sigma_max, lags: _power(sigma_max, lags)),
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


IDENTITY_MISTAKES = [
    Mistake("a matrix of ones is used instead of the identity (np.ones instead of np.eye)",
            lambda H, scale=1.0: scale * np.ones((H, H))),
    Mistake("scale is ignored (the plain identity)", lambda H, scale=1.0: np.eye(H)),
]


# -- global_norm ----------------------------------------------------------------------------------
def global_norm_cases(rng):
    return [
        Case("one 3 x 4 array", ({"W": _normal(rng, 3, 4)},)),
        Case("three arrays of different shapes",
             ({"Wx": _normal(rng, 2, 3), "Wh": _normal(rng, 3, 3, scale=3.0), "b": _normal(rng, 3)},)),
        Case("entries up to 1e200 (their squares overflow float64)",
             ({"Wh": _normal(rng, 3, 3, scale=1e200), "b": _normal(rng, 3, scale=1e199)},)),
        Case("all zero", ({"Wh": np.zeros((2, 2)), "b": np.zeros(2)},)),
        Case("one number and a zero array", ({"by": np.array([-rng.uniform(1, 5)]), "b": np.zeros(3)},)),
    ]


def _sum_of_squares(grads):
    return float(sum(np.sum(g ** 2) for g in grads.values()))


GLOBAL_NORM_MISTAKES = [
    Mistake("the squares are formed before scaling, so entries like 1e200 overflow to inf "
            "(divide by the largest |entry| first)",
            _quiet(lambda grads: float(np.sqrt(_sum_of_squares(grads))))),
    Mistake("the norms of the arrays are added (a sum of norms, not the square root of the sum of "
            "all squares)", _quiet(lambda grads: float(sum(np.linalg.norm(g) for g in grads.values())))),
    Mistake("the mean of the squares is used instead of their sum",
            _quiet(lambda grads: float(np.sqrt(np.mean(np.concatenate([g.ravel() ** 2
                                                                       for g in grads.values()])))))),
]


# -- clip_elementwise -----------------------------------------------------------------------------
def elementwise_cases(rng):
    W = _normal(rng, 3, 4, scale=2.0)
    W[0, :2] = [-4.0, 4.0]                                        # one entry beyond each side
    return [
        Case("entries beyond both -c and c, c = 1", ({"W": W, "b": _normal(rng, 4, scale=2.0)}, 1.0)),
        Case("nothing to clip, c = 10", ({"W": _normal(rng, 2, 3, scale=0.5)}, 10.0)),
        Case("c = 0.1, three arrays", ({"Wx": _normal(rng, 2, 3), "Wh": np.array([[-0.5, 0.05], [0.3, -0.02]]),
                                        "b": _normal(rng, 2)}, 0.1)),
        Case("zero gradient", ({"W": np.zeros((2, 2))}, 1.0)),
    ]


ELEMENTWISE_MISTAKES = [
    Mistake("negative entries are clipped to 0 instead of -c (np.clip(g, 0, c))",
            lambda grads, c: {n: np.clip(g, 0, c) for n, g in grads.items()}),
    Mistake("only the upper side is clipped (np.minimum(g, c) leaves entries below -c)",
            lambda grads, c: {n: np.minimum(g, c) for n, g in grads.items()}),
    Mistake("each array is rescaled to norm c (that is clipping by norm, not entry by entry)",
            lambda grads, c: {n: g * min(1.0, c / max(np.linalg.norm(g), 1e-300)) for n, g in grads.items()}),
]


# -- clip_global_norm -----------------------------------------------------------------------------
def global_clip_cases(rng):
    big = {"Wx": _normal(rng, 2, 3, scale=4.0), "Wh": _normal(rng, 3, 3, scale=4.0), "b": _normal(rng, 3)}
    return [
        Case("norm above max_norm = 2.5, three arrays", (big, 2.5)),
        Case("norm below max_norm (nothing changes)", ({"W": _normal(rng, 2, 2, scale=0.1),
                                                        "b": _normal(rng, 2, scale=0.1)}, 5.0)),
        Case("one large array and one small one (all scaled by one factor)",
             ({"Wh": _normal(rng, 3, 3, scale=10.0), "b": np.full(3, 0.01) * rng.uniform(0.5, 1.0)}, 1.0)),
        Case("zero gradients", ({"Wh": np.zeros((2, 2)), "b": np.zeros(2)}, 1.0)),
        Case("one array, max_norm = 0.5", ({"W": _normal(rng, 4, 2, scale=3.0)}, 0.5)),
    ]


def global_clip_calls(up, grads, max_norm):
    """The call a correct clip_global_norm makes to global_norm."""
    up.global_norm(grads)


def _global_clip_variant(*, per_array=False, always=False, report_after=False, no_max=False,
                         inverted=False, in_place=False):
    def clip(grads, max_norm):
        norm = global_norm(grads)
        if per_array:
            clipped = {n: g * min(1.0, max_norm / max(np.linalg.norm(g), 1e-300)) for n, g in grads.items()}
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
    Mistake("each array is clipped by its own norm instead of all arrays by one factor from the "
            "global norm (the direction of the whole gradient changes)", _global_clip_variant(per_array=True)),
    Mistake("the gradients are rescaled to max_norm even when their norm is smaller (only scale "
            "down, and a zero gradient must stay zero)", _global_clip_variant(always=True)),
    Mistake("the norm returned is the one after clipping; return the norm measured before",
            _global_clip_variant(report_after=True)),
    Mistake("the gradients are divided by their norm but not multiplied by max_norm",
            _global_clip_variant(no_max=True)),
    Mistake("the factor is inverted (norm / max_norm instead of max_norm / norm)",
            _global_clip_variant(inverted=True)),
]


# -- rmsprop_step ---------------------------------------------------------------------------------
def rmsprop_cases(rng):
    return [
        Case("first step (zero cache), learning rate 0.1",
             (_normal(rng, 3, 4), _normal(rng, 3, 4), np.zeros((3, 4)), 0.1)),
        Case("a later step (cache > 0), decay_rate 0.9",
             (_normal(rng, 5), _normal(rng, 5), rng.uniform(0.1, 3.0, 5), 0.05, 0.9)),
        Case("tiny gradients (where eps matters)", (_normal(rng, 4), 1e-6 * _normal(rng, 4), np.zeros(4), 0.1)),
        Case("decay_rate 0 (the cache is just grad**2)",
             (_normal(rng, 2, 2), _normal(rng, 2, 2), rng.uniform(0.5, 2.0, (2, 2)), 0.01), {"decay_rate": 0.0}),
        Case("decay_rate 0.99, eps 1e-4", (_normal(rng, 3), _normal(rng, 3), rng.uniform(0, 1, 3), 0.1),
             {"decay_rate": 0.99, "eps": 1e-4}),
        Case("zero gradient and zero cache", (_normal(rng, 2), np.zeros(2), np.zeros(2), 0.1)),
    ]


def _rmsprop_variant(*, eps_inside=False, old_cache=False, swapped=False, accumulate=False, in_place=False):
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
    Mistake("eps is added inside the square root (sqrt(cache + eps), notebook 03's Adagrad "
            "convention; RMSprop here divides by sqrt(cache) + eps)", _rmsprop_variant(eps_inside=True)),
    Mistake("the step uses the old cache (update the cache with grad**2 first)",
            _rmsprop_variant(old_cache=True)),
    Mistake("decay_rate and 1 - decay_rate are swapped (the old cache is kept with weight "
            "decay_rate)", _rmsprop_variant(swapped=True)),
    Mistake("the cache accumulates like Adagrad (cache + grad**2) instead of a decaying average",
            _rmsprop_variant(accumulate=True)),
]


# Mistakes whose returned values are right: an argument changed in place. What a function
# does to its inputs is only the kernel's account of itself (learner code can copy the
# inputs first, or replace the helper that compares them), so it carries no points
# (issue 15): the visible check names these, the hidden check keeps them to show that they
# keep full marks (tests/checks/test_every_check.py).
UNSCORED = {
    "clip_elementwise": [
        Mistake("the caller's arrays are clipped in place (np.clip(g, -c, c, out=g))",
            lambda grads, c: {n: np.clip(g, -c, c, out=g) for n, g in grads.items()})],
    "clip_global_norm": [
        Mistake("the caller's arrays are scaled in place (g *= scale)", _global_clip_variant(in_place=True))],
    "rmsprop_step": [
        Mistake("param and cache are changed in place (param -= ...)", _rmsprop_variant(in_place=True))],
}


CHECKS = [
    function_check("hidden_jacobian", reference=hidden_jacobian, cases=jacobian_cases,
                   outputs=("J",), mistakes=JACOBIAN_MISTAKES),
    function_check("gradient_norms_by_lag", reference=gradient_norms_by_lag, cases=norms_cases,
                   outputs=("norms",), rtol=1e-6, atol=1e-10, mistakes=NORMS_MISTAKES,
                   upstream=Upstream({"hidden_jacobian": hidden_jacobian}, norms_calls)),
    function_check("scale_spectral_radius", reference=scale_spectral_radius, cases=spectral_cases,
                   outputs=("W_scaled",), mistakes=SPECTRAL_MISTAKES),
    function_check("gradient_bound", reference=gradient_bound, cases=bound_cases,
                   outputs=("bound",), mistakes=BOUND_MISTAKES),
    function_check("identity_recurrent_init", reference=identity_recurrent_init,
                   cases=identity_cases, outputs=("Wh",), mistakes=IDENTITY_MISTAKES),
    function_check("global_norm", reference=global_norm, cases=global_norm_cases,
                   outputs=("norm",), mistakes=GLOBAL_NORM_MISTAKES),
    function_check("clip_elementwise", unscored=UNSCORED["clip_elementwise"],
                   reference=clip_elementwise, cases=elementwise_cases,
                   outputs=("clipped",), mistakes=ELEMENTWISE_MISTAKES),
    function_check("clip_global_norm", unscored=UNSCORED["clip_global_norm"],
                   reference=clip_global_norm, cases=global_clip_cases,
                   outputs=("clipped", "norm"), mistakes=GLOBAL_CLIP_MISTAKES,
                   upstream=Upstream({"global_norm": global_norm}, global_clip_calls)),
    function_check("rmsprop_step", unscored=UNSCORED["rmsprop_step"],
                   reference=rmsprop_step, cases=rmsprop_cases,
                   outputs=("new_param", "new_cache"), mistakes=RMSPROP_MISTAKES),
]
