"""Visible checks of notebook 04 (vanishing and exploding gradients).

Inputs are the constants below; what each result should be, and what some common mistakes give
instead, was computed once from the course's reference implementation
(grader/visible_expectations/gradient_pathologies.py) and ships as data: a message names the likely
mistake when the learner's result matches one of those.
"""

from __future__ import annotations

import warnings

import numpy as np

from coursekit.visible.expect import (
    VisibleCheckFailed,
    call,
    expect_close,
    expect_shape,
    expect_true,
    expect_unchanged,
    expected,
    guarded,
    passed,
)

NOTEBOOK = "gradient_pathologies"

# -- inputs (the reference's results on them are in coursekit/data/visible/) ---------------------
WH = np.array([[0.5, -1.0, 0.25], [2.0, 0.3, -0.7], [-0.4, 1.1, 0.6]])  # not symmetric
STATES = {
    "tanh": np.array([[0.5, -0.2, 0.9], [0.0, 0.7, -0.6]]),  # h_t, (N, H)
    "relu": np.array([[0.0, 1.5, 0.3], [2.0, 0.0, 0.0]]),  # units at exactly 0
    "linear": np.array([[1.0, -2.0, 3.0]]),
}
SEQUENCE = 0.9 * np.sin(np.arange(2 * 5 * 3).reshape(2, 5, 3))  # h_1..h_5, (N, T, H)
RELU_SEQUENCE = np.maximum(SEQUENCE, 0.0)
DIAGONAL_WH = np.diag([0.5, 2.0, 1.0])
NON_NORMAL_W = np.array(
    [[-2.0, 1.0, 0.5], [0.0, 1.0, 0.3], [0.0, 0.0, 0.5]]
)  # rho = 2, sigma_max > 2
ROTATION_W = np.array([[0.0, -2.0], [2.0, 0.0]])  # eigenvalues +-2i
SMALL_GRADS = {"a": np.array([3.0]), "b": np.array([[4.0]])}  # global norm 5
HUGE_GRADS = {"Wh": np.array([[1e200, -1e200]]), "b": np.array([1e200])}
MIXED_GRADS = {"W": np.array([[3.0, -4.0], [0.5, 0.0]]), "b": np.array([-0.2, 12.0])}
RMSPROP_ARGS = (np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.array([0.0, 3.0]), 0.1)
TINY_RMSPROP_ARGS = (np.array([0.0]), np.array([1e-6]), np.array([0.0]), 0.1)


def _number(value, *, what: str) -> np.float64:
    """A returned number as np.float64, or a message saying it is not one."""
    try:
        return np.float64(value)
    except (TypeError, ValueError):
        raise VisibleCheckFailed(
            f"{what}: expected a number, got a {type(value).__name__}"
        ) from None


def _clipped_pair(result, keys, *, what: str) -> tuple[dict, object]:
    """clip_global_norm's (clipped, norm), or a message naming what is missing."""
    expect_true(
        isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], dict),
        what=f"{what}: return the tuple (clipped, norm), clipped a dict",
    )
    expect_true(
        set(result[0]) == set(keys),
        what=f"{what}: clipped must have the keys of grads, {sorted(keys)}; got {sorted(result[0])}",
    )
    return result


def _matching(result, hints: dict[str, str]) -> str:
    """The hint whose precomputed wrong answer `result` equals, else ''."""
    for key, hint in hints.items():
        wrong = expected(NOTEBOOK, key)
        try:
            if np.shape(result) == wrong.shape and np.allclose(result, wrong, equal_nan=True):
                return hint
        except TypeError:
            return ""
    return ""


def _close(result, key, *, what, hints=None, hint="", rtol=1e-6, atol=1e-8):
    try:
        expect_close(result, expected(NOTEBOOK, key), what=what, hint=hint, rtol=rtol, atol=atol)
    except VisibleCheckFailed as failure:
        named = _matching(result, hints or {})
        if named:
            raise VisibleCheckFailed(
                f"{failure} Your result matches what you get when {named}"
            ) from None
        raise


def _unchanged(before: dict, after: dict, *, what: str) -> None:
    for name in before:
        expect_unchanged(
            name in after and np.array_equal(before[name], after[name]),
            what=f"{what}: your function changed the caller's grads[{name!r}]",
            hint="The docstring asks for new arrays: the caller still needs the true gradient.",
        )


def _copy(grads: dict) -> dict:
    return {name: value.copy() for name, value in grads.items()}


# -- Exercise 1 -----------------------------------------------------------------------------------
JACOBIAN_HINTS = {
    "hidden_jacobian/transposed": "the Jacobian is transposed: your J[n, i, j] holds W_h[i, j] "
    "where W_h[j, i] belongs (W_h[j, i] connects unit j of h_{t-1} to unit i of h_t).",
    "hidden_jacobian/columns": "phi' scales the columns of your J (entry [n, i, j] is multiplied "
    "by the slope of unit j); diag(phi'(a_t)) W_h^T scales row i by the slope of unit i.",
    "hidden_jacobian/tanh_again": "tanh is applied to h_t again (1 - tanh(h_t)**2): h_t is "
    "already tanh(a_t).",
    "hidden_jacobian/relu_at_zero": "your ReLU slope is 1 for units at exactly 0 (h_t >= 0); "
    "such a unit is inactive (section 1's table).",
    "hidden_jacobian/tanh_slope_always": "the activation is ignored: tanh's slope is used for "
    "every activation.",
    "hidden_jacobian/no_slope": "the slope phi'(a_t) is left out: your J is W_h^T for every "
    "activation.",
}


@guarded
def check_hidden_jacobian(hidden_jacobian):
    for activation in ("tanh", "relu", "linear"):
        h_t = STATES[activation]
        what = f"{activation}, N = {h_t.shape[0]}, H = 3"
        J = call(hidden_jacobian, h_t.copy(), WH.copy(), activation, what=what)
        expect_shape(J, (h_t.shape[0], 3, 3), what=f"{what}: J")
        _close(
            J,
            f"hidden_jacobian/{activation}",
            what=f"{what}: J",
            hints={f"{key}/{activation}": hint for key, hint in JACOBIAN_HINTS.items()},
            hint="None of the common mistakes matches; compare with the docstring, J[n, i, j] = "
            "phi'(a_t)[n, i] * Wh[j, i], and section 1's table of phi' read from h_t.",
        )
    what = 'ReLU, the activation passed by keyword (activation="relu")'
    J = call(hidden_jacobian, STATES["relu"].copy(), WH.copy(), activation="relu", what=what)
    _close(J, "hidden_jacobian/relu", what=f"{what}: J", hint="Keep the docstring's signature.")
    passed("hidden_jacobian", "tanh, ReLU (with units at 0) and linear")


# -- Exercise 2 -----------------------------------------------------------------------------------
NORMS_HINTS = {
    "gradient_norms_by_lag/sum": "the Jacobians are added; the chain rule multiplies them.",
    "gradient_norms_by_lag/frobenius": "that is the Frobenius norm of each product; the exercise "
    "asks for its spectral norm (the largest singular value).",
    "gradient_norms_by_lag/left": "each new Jacobian is multiplied on the left of the product "
    "(J_{k+1} @ product); the chain rule of section 2 puts it on the right.",
    "gradient_norms_by_lag/offset": "J_{k+1} is computed from h_k, one step too early "
    "(h[:, t-1] is h_t).",
    "gradient_norms_by_lag/by_lag": "the columns are in lag order; norms[:, k-1] is step k, so "
    "the last column (k = T) is lag 0.",
    "gradient_norms_by_lag/last_zero": "norms[:, T-1] (k = T, lag 0) is the norm of the identity, 1.",
    "gradient_norms_by_lag/tanh_always": "the activation is not passed on to hidden_jacobian.",
}


@guarded
def check_gradient_norms_by_lag(gradient_norms_by_lag):
    N, T, H = SEQUENCE.shape
    what = f"linear, diagonal W_h = diag(0.5, 2, 1), N = {N}, T = {T}"
    norms = call(gradient_norms_by_lag, SEQUENCE.copy(), DIAGONAL_WH.copy(), "linear", what=what)
    expect_shape(norms, (N, T), what=f"{what}: norms")
    _close(
        norms,
        "gradient_norms_by_lag/linear_diagonal",
        what=f"{what}: norms",
        hints={f"{key}/linear_diagonal": hint for key, hint in NORMS_HINTS.items()},
        hint="Here dh_T/dh_k = diag(0.5, 2, 1)**(T-k), whose spectral norm is 2**(T-k); "
        "the last column (k = T, lag 0) is 1.",
    )
    for activation, states in (("tanh", SEQUENCE), ("relu", RELU_SEQUENCE)):
        what = f"{activation}, a non-symmetric W_h, N = {N}, T = {T}, H = {H}"
        norms = call(gradient_norms_by_lag, states.copy(), WH.copy(), activation, what=what)
        _close(
            norms,
            f"gradient_norms_by_lag/{activation}",
            what=f"{what}: norms",
            hints={f"{key}/{activation}": hint for key, hint in NORMS_HINTS.items()},
            hint="norms[:, k-1] is the spectral norm of dh_T/dh_k = J_T ... J_{k+1} (the "
            "docstring); none of the common mistakes matches your result.",
        )
    what = "T = 1 (only lag 0), the activation passed by keyword"
    norms = call(
        gradient_norms_by_lag, SEQUENCE[:, :1].copy(), WH.copy(), activation="tanh", what=what
    )
    expect_close(
        norms,
        np.ones((N, 1)),
        what=f"{what}: norms",
        hint="With one step, dh_T/dh_T is the identity: every norm is 1.",
    )
    passed("gradient_norms_by_lag", "linear, tanh and ReLU, and T = 1")


# -- Exercise 3 -----------------------------------------------------------------------------------
SPECTRAL_HINTS = {
    "scale_spectral_radius/sigma_max": "W is scaled by its largest singular value; the spectral "
    "radius is the largest |eigenvalue|.",
    "scale_spectral_radius/real_part": "W is scaled by the largest real part of an eigenvalue; "
    "the spectral radius is the largest absolute value (eigenvalues can be negative or complex).",
    "scale_spectral_radius/frobenius": "W is scaled by its Frobenius norm, not its spectral radius.",
    "scale_spectral_radius/no_rho": "W is divided by its spectral radius but not multiplied by rho.",
    "scale_spectral_radius/no_division": "W is multiplied by rho without dividing by its spectral "
    "radius.",
}


@guarded
def check_scale_spectral_radius(scale_spectral_radius):
    what = "W upper triangular with eigenvalues -2, 1, 0.5 (not symmetric), rho = 0.9"
    result = call(scale_spectral_radius, NON_NORMAL_W.copy(), 0.9, what=what)
    _close(
        result,
        "scale_spectral_radius/non_normal",
        what=what,
        hints={f"{key}/non_normal": hint for key, hint in SPECTRAL_HINTS.items()},
        hint="None of the common mistakes matches; the docstring's W_scaled is W * rho / "
        "max|eig(W)|.",
    )
    what = "W = 2 x a rotation by 90 degrees (eigenvalues +-2i), rho = 1"
    result = call(scale_spectral_radius, ROTATION_W.copy(), 1.0, what=what)
    expect_true(
        np.isrealobj(result),
        what=f"{what}: the result must be a real matrix",
        hint="Your result holds complex numbers: W's eigenvalues are +-2i here, and a complex "
        "eigenvalue, not its absolute value, reached the result.",
    )
    _close(
        result,
        "scale_spectral_radius/rotation",
        what=what,
        hints={f"{key}/rotation": hint for key, hint in SPECTRAL_HINTS.items()},
        hint="|2i| = 2: the spectral radius uses the absolute value of complex eigenvalues.",
    )
    passed("scale_spectral_radius", "a negative and a complex leading eigenvalue")


# -- Exercise 4 -----------------------------------------------------------------------------------
PYTHON_OVERFLOW = (
    "the power is computed on Python numbers (a Python float ** int, or math.pow), which raise "
    "OverflowError past float64's largest value, where NumPy's float64 gives inf"
)


@guarded
def check_gradient_bound(gradient_bound):
    what = "gamma = 1, sigma_max = 0.5, lags 0..3"
    result = call(gradient_bound, 1.0, 0.5, np.arange(4), what=what)
    expect_close(
        result,
        [1.0, 0.5, 0.25, 0.125],
        what=what,
        hint="(gamma * sigma_max) ** lag: lag 0 gives 1.",
    )
    expect_true(
        np.asarray(result).dtype == np.float64,
        what=f"{what}: the result has dtype {np.asarray(result).dtype}; the docstring asks "
        "for float64",
    )
    what = "gamma = 0.5, sigma_max = 3, lags 0, 1, 2"
    result = call(gradient_bound, 0.5, 3.0, np.array([0, 1, 2]), what=what)
    hints = {
        "gradient_bound/gamma_outside": "gamma is outside the power (gamma * sigma_max**lag).",
        "gradient_bound/one_more": "the power is one more than the lag (lag 0 gives "
        "gamma * sigma_max instead of 1).",
    }
    _close(
        result,
        "gradient_bound/mixed",
        what=what,
        hints=hints,
        hint="(gamma * sigma_max) ** lag = 1.5 ** lag.",
    )
    what = "a single lag, 3"
    result = call(gradient_bound, 1.0, 0.5, 3, what=what)
    expect_true(
        np.ndim(result) == 0,
        what=f"{what}: return a single number for a single lag (the docstring: a float for a "
        f"single lag); your result has shape {np.shape(result)}",
    )
    expect_close(_number(result, what=what), 0.125, what=what)
    what = "gamma = 1, sigma_max = 2, a 2 x 2 array of lags [[0, 1], [2, 3]]"
    expect_close(
        call(gradient_bound, 1.0, 2.0, np.array([[0, 1], [2, 3]]), what=what),
        [[1.0, 2.0], [4.0, 8.0]],
        what=what,
        hint="The bound has the shape of lags, whatever that shape is.",
    )
    what = "gamma = 1, sigma_max = 10, lag 400 (10**400 overflows float64)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call(gradient_bound, 1.0, 10.0, np.array([400]), what=what)
        except VisibleCheckFailed as failure:
            if isinstance(failure.__cause__, OverflowError):
                raise VisibleCheckFailed(
                    f"{what}: your function raised OverflowError: {PYTHON_OVERFLOW}."
                ) from None
            raise
    expect_true(
        np.shape(result) == (1,) and np.isinf(np.asarray(result)[0]),
        what=f"{what}: the bound should be inf",
        hint="(10 ** 400 is beyond float64.)",
    )
    expect_true(
        not any(issubclass(w.category, RuntimeWarning) for w in caught),
        what=f"{what}: no overflow warning should be printed",
        hint="NumPy printed an overflow RuntimeWarning; the exercise text says how to compute "
        "the power without one (np.errstate).",
    )
    what = "gamma = 1, sigma_max = 10, a single lag 400 (10**400 overflows float64)"
    with warnings.catch_warnings():  # a warning is named above; here only the value counts
        warnings.simplefilter("ignore", RuntimeWarning)
        result = call(gradient_bound, 1.0, 10.0, 400, what=what)
    expect_true(
        np.ndim(result) == 0 and bool(np.isinf(result)),
        what=f"{what}: the bound should be inf",
        hint="(10 ** 400 is beyond float64.)",
    )
    passed("gradient_bound")


# -- Exercise 5 -----------------------------------------------------------------------------------
@guarded
def check_identity_recurrent_init(identity_recurrent_init):
    what = "H = 3, scale = 0.9"
    Wh = call(
        identity_recurrent_init,
        np.int64(3),
        0.9,
        what=f"{what} (H given as a NumPy integer, np.int64)",
    )
    expect_shape(Wh, (3, 3), what=what)
    _close(
        Wh,
        "identity_recurrent_init/3_0.9",
        what=what,
        hints={
            "identity_recurrent_init/ones": "every entry of your matrix is scale, not only "
            "the diagonal (a matrix of ones, not the identity).",
            "identity_recurrent_init/no_scale": "scale is ignored: your diagonal is 1, not scale.",
        },
        hint="The docstring asks for scale on the diagonal and 0 elsewhere.",
    )
    what = "H = 1, the default scale"
    expect_close(
        call(identity_recurrent_init, 1, what=what),
        [[1.0]],
        what=what,
        hint="The default scale is 1.",
    )
    passed("identity_recurrent_init")


# -- Exercises 6 to 8 -----------------------------------------------------------------------------
@guarded
def check_global_norm(global_norm):
    what = "grads a = [3], b = [[4]] (global norm 5)"
    result = call(global_norm, _copy(SMALL_GRADS), what=what)
    hints = {
        "global_norm/sum_of_norms": "the norms of the arrays are added (a sum of norms); the "
        "global norm takes one square root of all the squares together.",
        "global_norm/mean": "that is the root of the mean of the squares, not of their sum.",
    }
    _close(
        _number(result, what=what),
        "global_norm/small",
        what=what,
        hints=hints,
        hint="sqrt(3**2 + 4**2) = 5.",
    )
    what = "entries of 1e200 (their squares overflow float64)"
    result = call(global_norm, _copy(HUGE_GRADS), what=what)
    _close(
        _number(result, what=what),
        "global_norm/huge",
        what=what,
        rtol=1e-6,
        atol=0.0,
        hint="Squares of entries like 1e200 overflow float64 (1e400 is past 1e308); the exercise "
        "text divides by the largest |entry| first.",
    )
    what = "all-zero gradients"
    result = call(global_norm, {"W": np.zeros((2, 2)), "b": np.zeros(2)}, what=what)
    expect_close(
        _number(result, what=what),
        0.0,
        what=what,
        hint="Every entry is 0, so the norm is 0; dividing by the largest entry, 0, gives nan.",
    )
    passed("global_norm")


@guarded
def check_clip_elementwise(clip_elementwise):
    what = "c = 1, entries 3, -4, 0.5, 0 and -0.2, 12"
    grads = _copy(MIXED_GRADS)
    clipped = call(clip_elementwise, grads, 1.0, what=what)
    _unchanged(MIXED_GRADS, grads, what=what)
    expect_true(
        isinstance(clipped, dict) and set(clipped) == set(MIXED_GRADS),
        what=f"{what}: return a dict with the keys of grads",
    )
    hints = {
        "clip_elementwise/to_zero": "negative entries are clipped to 0; the lower bound is -c, "
        "not 0.",
        "clip_elementwise/upper_only": "only entries above c are clipped; entries below -c are "
        "left as they were.",
        "clip_elementwise/by_norm": "each array is rescaled by its norm (clipping by norm), not "
        "clipped entry by entry.",
    }
    for name in MIXED_GRADS:
        _close(
            clipped[name],
            f"clip_elementwise/{name}",
            what=f"{what}: clipped[{name!r}]",
            hints={f"{key}/{name}": hint for key, hint in hints.items()},
            hint="Each entry becomes min(max(g, -c), c).",
        )
    passed("clip_elementwise")


@guarded
def check_clip_global_norm(clip_global_norm):
    what = "a = [3], b = [[4]] (global norm 5), max_norm = 1"
    grads = _copy(SMALL_GRADS)
    result = call(clip_global_norm, grads, 1.0, what=what)
    _unchanged(SMALL_GRADS, grads, what=what)
    clipped, norm = _clipped_pair(result, SMALL_GRADS, what=what)
    expect_close(
        _number(norm, what=f"{what}: norm"),
        5.0,
        what=f"{what}: norm",
        hint="norm should be the global norm of grads before clipping.",
    )
    if np.allclose(clipped["a"], 1.0) and np.allclose(clipped["b"], 1.0):
        raise VisibleCheckFailed(
            f"{what}: each array was clipped by its own norm, not all of them by one factor "
            f"from the global norm."
        )
    expect_close(
        clipped["a"],
        [0.6],
        what=f"{what}: clipped['a']",
        hint="Expected every array times one factor, max_norm / global norm = 1 / 5.",
    )
    expect_close(
        clipped["b"],
        [[0.8]],
        what=f"{what}: clipped['b']",
        hint="Expected every array times one factor, max_norm / global norm = 1 / 5.",
    )
    what = "the same gradients, max_norm = 2"
    result = call(clip_global_norm, _copy(SMALL_GRADS), 2.0, what=what)
    clipped, _ = _clipped_pair(result, SMALL_GRADS, what=what)
    expect_close(
        clipped["a"],
        [1.2],
        what=f"{what}: clipped['a']",
        hint="Expected the factor max_norm / norm = 2 / 5 (not 1 / norm, not norm / max_norm).",
    )
    what = "the same gradients, max_norm = 10 (nothing to clip)"
    result = call(clip_global_norm, _copy(SMALL_GRADS), 10.0, what=what)
    clipped, _ = _clipped_pair(result, SMALL_GRADS, what=what)
    expect_close(
        clipped["a"],
        [3.0],
        what=f"{what}: clipped['a']",
        hint="The gradients were rescaled although their norm, 5, is below max_norm: only a "
        "norm above max_norm is scaled down.",
    )
    what = "zero gradients, max_norm = 1"
    result = call(clip_global_norm, {"W": np.zeros((2, 2))}, 1.0, what=what)
    clipped, _ = _clipped_pair(result, {"W": None}, what=what)
    expect_close(
        clipped["W"],
        np.zeros((2, 2)),
        what=f"{what}: clipped['W']",
        hint="A zero gradient stays zero (no 0 / 0).",
    )
    passed("clip_global_norm", "the direction is kept and small gradients are left alone")


# -- Exercise 9 -----------------------------------------------------------------------------------
@guarded
def check_rmsprop_step(rmsprop_step):
    what = "param [1, 2], grad [0.5, -1], cache [0, 3], learning rate 0.1, decay_rate 0.9"
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in RMSPROP_ARGS)
    result = call(rmsprop_step, *args, what=what)
    expect_unchanged(
        all(np.array_equal(a, b) for a, b in zip(args, RMSPROP_ARGS)),
        what=f"{what}: your function changed param, grad or cache in place",
        hint="The docstring asks for new arrays; the caller keeps the old ones.",
    )
    expect_true(
        isinstance(result, tuple) and len(result) == 2,
        what=f"{what}: return (new_param, new_cache)",
    )
    hints = {
        "rmsprop_step/swapped": "decay_rate and 1 - decay_rate are swapped: your cache keeps "
        "the old cache with weight 1 - decay_rate.",
        "rmsprop_step/accumulated": "that is Adagrad's sum; RMSprop keeps a decaying average.",
    }
    _close(
        result[1],
        "rmsprop_step/cache",
        what=f"{what}: new_cache",
        hints={f"{key}/cache": hint for key, hint in hints.items()},
        hint="None of the common mistakes matches; compare with the docstring's new_cache.",
    )
    _close(
        result[0],
        "rmsprop_step/param",
        what=f"{what}: new_param",
        hints={
            "rmsprop_step/old_cache/param": "the step divides by the old cache (the one passed "
            "in), not by new_cache."
        },
        hint="None of the common mistakes matches; compare with the docstring's new_param.",
    )
    what = "a tiny gradient 1e-6 and a zero cache (eps outside the square root)"
    result = call(
        rmsprop_step,
        *(a.copy() if isinstance(a, np.ndarray) else a for a in TINY_RMSPROP_ARGS),
        what=what,
    )
    _close(
        result[0],
        "rmsprop_step/tiny_param",
        what=f"{what}: new_param",
        hints={
            "rmsprop_step/eps_inside/tiny_param": "eps is added inside the square root "
            "(notebook 03's Adagrad convention); here it goes outside the square root."
        },
        hint="None of the common mistakes matches; compare with the docstring's new_param.",
    )
    what = "decay_rate = 0.99 and eps = 1e-4 passed by keyword, a tiny gradient 1e-6"
    result = call(
        rmsprop_step,
        *(a.copy() if isinstance(a, np.ndarray) else a for a in TINY_RMSPROP_ARGS),
        decay_rate=0.99,
        eps=1e-4,
        what=what,
    )
    expect_true(
        isinstance(result, tuple) and len(result) == 2,
        what=f"{what}: return (new_param, new_cache)",
    )
    _close(
        result[0],
        "rmsprop_step/keywords_param",
        what=f"{what}: new_param",
        hint="Use the decay_rate and eps you are given (here 0.99 and 1e-4), not the defaults.",
    )
    passed("rmsprop_step")
