"""Visible checks of notebook 03 (backpropagation through time).

Each backward pass is compared, one gradient at a time, with what the course's reference
implementation gives on the constants below (precomputed and shipped as data:
`expected("bptt", key)`), so a message names the gradient that is off; a few precomputed *wrong*
answers name common mistakes. Nothing here computes a forward or backward pass itself.
Notation: docs/NOTATION.md (steps from 1, arrays from 0; J_t = diag(1 - h_t**2) Wh^T).
"""

from __future__ import annotations

import numpy as np

from coursekit.visible.expect import (
    VisibleCheckFailed,
    call,
    expect_close,
    expect_number,
    expect_shape,
    expect_true,
    expect_unchanged,
    expected,
    passed,
)

NOTEBOOK = "bptt"
N, D, H, V = 2, 3, 4, 5
_rng = np.random.default_rng(1234)
X = _rng.normal(size=(N, D))
H_PREV = _rng.normal(size=(N, H))
WX = _rng.normal(scale=0.5, size=(D, H))
WH = _rng.normal(scale=0.5, size=(H, H))
B = _rng.normal(scale=0.5, size=H)
DH_STEP = np.linspace(-1.0, 1.0, N * H).reshape(N, H)
T = 4
X_SEQUENCE = np.random.default_rng(5).normal(size=(N, T, D))
DH_SEQUENCE = np.linspace(-1.0, 1.0, N * T * H).reshape(N, T, H)
JACOBIAN_STEPS = ((2, 2), (1, 0), (4, 1), (4, 0))  # (t, k) pairs for dh_t / dh_k
H2 = 3
STACK_LAYER_2 = {
    "Wx": np.linspace(-0.8, 0.8, H * H2).reshape(H, H2),
    "Wh": np.array([[0.3, -0.5, 0.2], [0.4, 0.1, -0.3], [0.0, 0.6, 0.1]]),
    "b": np.array([0.1, -0.2, 0.05]),
}
STACK_H0_2 = np.linspace(-0.2, 0.2, N * H2).reshape(N, H2)
DH_STACK_TOP = np.linspace(-1.0, 1.0, N * T * H2).reshape(N, T, H2)
T_OUTPUT = 3
H_OUTPUT = np.tanh(np.random.default_rng(6).normal(size=(N, T_OUTPUT, H)))
WY = np.linspace(-1, 1, H * V).reshape(H, V)
DLOGITS = np.linspace(-1, 1, N * T_OUTPUT * V).reshape(N, T_OUTPUT, V)
LOGITS = np.random.default_rng(7).normal(size=(N, T_OUTPUT, V))
TARGETS = np.array([[1, 2, 3], [4, 0, 1]])
MASK = np.array([[True, False, False], [True, True, True]])
STREAM = np.array([[0, 1, 2, 3, 4, 0, 1, 2, 3], [4, 4, 3, 3, 2, 2, 1, 1, 0]])
H0_STREAM = np.linspace(-0.5, 0.5, N * H).reshape(N, H)
_params_rng = np.random.default_rng(8)
CHAR_PARAMS = {
    "Wx": _params_rng.normal(scale=0.5, size=(V, H)),
    "Wh": _params_rng.normal(scale=0.5, size=(H, H)),
    "b": _params_rng.normal(scale=0.5, size=H),
    "Wy": _params_rng.normal(scale=0.5, size=(H, V)),
    "by": _params_rng.normal(scale=0.5, size=V),
}
CHUNK_LENGTH = 3


def _e(key):
    return expected(NOTEBOOK, key)


def _tuple_of(result, names, what):
    if not isinstance(result, tuple) or len(result) != len(names):
        raise VisibleCheckFailed(f"{what}: return the tuple ({', '.join(names)})")
    return result


def _matches(value, key):
    value = np.asarray(value)
    return value.shape == _e(key).shape and np.allclose(value, _e(key))


def _unchanged(pairs, what):
    for array, original in pairs:
        expect_unchanged(
            np.array_equal(array, original),
            what=f"{what}: your function changed one of its arguments in place",
            hint="The arrays you are given (dh, the cache, params) belong to the caller, who "
            "may read them again; `a += b` and `a[...] = b` write into a.",
        )


DERIVATIVE_HINT = (
    "Through h = tanh(a): the gradient on a is the gradient on h times tanh'(a), "
    "and tanh'(a) can be written with h, which the cache holds."
)
STEP_HINTS = {
    "dx": "x reaches a through Wx.",
    "dh_prev": "h_prev reaches a through Wh.",
    "dWx": "Each row of the batch adds its share; which input multiplies Wx?",
    "dWh": "Which state multiplies Wh in this step: the new one or the previous one?",
    "db": "b is added to every row of the batch.",
}


def check_rnn_step_backward(rnn_step_backward):
    cache = (X.copy(), H_PREV.copy(), WX.copy(), WH.copy(), _e("step_h"), "tanh")
    dh = DH_STEP.copy()
    names = ("dx", "dh_prev", "dWx", "dWh", "db")
    what = f"N = {N}, D = {D}, H = {H}"
    grads = _tuple_of(call(rnn_step_backward, dh, cache, what=what), names, what)
    _unchanged([(dh, DH_STEP), (cache[0], X), (cache[1], H_PREV), (cache[4], _e("step_h"))], what)
    if _matches(grads[3], "step_dWh_pre_activation_derivative"):
        raise VisibleCheckFailed(
            f"{what}: your gradients use 1 - a**2 with the pre-activation a, which is not tanh'(a)."
        )
    for name, got in zip(names, grads):
        expect_close(
            got,
            _e(f"step_{name}"),
            what=f"{what}: {name}",
            rtol=1e-6,
            atol=1e-9,
            hint=DERIVATIVE_HINT + " " + STEP_HINTS[name],
        )
    passed("rnn_step_backward", "all five gradients agree with the reference")


def check_rnn_backward(rnn_backward):
    names = ("dx", "dh0", "dWx", "dWh", "db")
    cache = (X_SEQUENCE.copy(), H_PREV.copy(), WX.copy(), WH.copy(), _e("sequence_h"), "tanh")
    dh_last = np.zeros((N, T, H))
    dh_last[:, -1] = 1.0
    what = "loss on the last state h_T only"
    grads = _tuple_of(call(rnn_backward, dh_last.copy(), cache, what=what), names, what)
    expect_shape(grads[0], (N, T, D), what=f"{what}: dx")
    expect_close(
        grads[1],
        _e("backward_last_dh0"),
        what=f"{what}: dh0",
        rtol=1e-6,
        atol=1e-9,
        hint="The gradient must flow back through every step, from h_T to h_0: what "
        "does each step pass to the step before it?",
    )
    what = "a gradient on every state"
    dh = DH_SEQUENCE.copy()
    grads = _tuple_of(call(rnn_backward, dh, cache, what=what), names, what)
    if _matches(grads[3], "backward_dWh_not_accumulated"):
        raise VisibleCheckFailed(
            f"{what}: dWh holds only one step's share. Wh is used at "
            f"every step, so its gradient adds up over the steps."
        )
    if _matches(grads[3], "backward_dWh_first_state_zero"):
        raise VisibleCheckFailed(
            f"{what}: at step 1 you used a zero state; the state before "
            f"step 1 is h0 (the cache's second entry)."
        )
    hints = {
        "dx": DERIVATIVE_HINT,
        "dh0": "What comes back from step 1 is dh0.",
        "dWx": "Every step adds its share.",
        "dWh": "Every step adds its share; step 1's previous state is h0.",
        "db": "Every step adds its share, summed over the batch.",
    }
    for name, got in zip(names, grads):
        expect_close(
            got,
            _e(f"backward_{name}"),
            what=f"{what}: {name}",
            rtol=1e-6,
            atol=1e-9,
            hint=hints[name],
        )
    _unchanged(
        [
            (dh, DH_SEQUENCE),
            (cache[0], X_SEQUENCE),
            (cache[1], H_PREV),
            (cache[2], WX),
            (cache[3], WH),
            (cache[4], _e("sequence_h")),
        ],
        what,
    )
    passed("rnn_backward", "all five gradients agree with the reference")


def check_state_jacobian_product(state_jacobian_product):
    h = _e("sequence_h")[0]  # (T, H): h_1 .. h_T
    for t, k in JACOBIAN_STEPS:
        what = f"dh_t / dh_k for t = {t}, k = {k} (h of shape ({T}, {H}))"
        got = np.asarray(
            call(
                state_jacobian_product,
                h.copy(),
                WH.copy(),
                np.int64(t),  # "an integer": NumPy's integers are integers too
                np.int64(k),
                what=f"{what}, t and k given as NumPy integers (np.int64)",
            )
        )
        expect_shape(got, (H, H), what=what)
        if t == k:
            expect_close(got, np.eye(H), what=what, hint="With k = t there is no factor at all.")
            continue
        if t - k > 1 and _matches(got, f"jacobian_{t}_{k}_reversed"):
            raise VisibleCheckFailed(
                f"{what}: the factors are in the wrong order; the latest "
                f"step's Jacobian J_t is on the left."
            )
        if _matches(got, f"jacobian_{t}_{k}_next_state"):
            raise VisibleCheckFailed(
                f"{what}: J_t used h[t], the state after step t+1; h_t is "
                f"h[t-1] (steps count from 1, arrays from 0)."
            )
        expect_close(
            got,
            _e(f"jacobian_{t}_{k}"),
            what=what,
            hint="A factor differs from the card's J_t = diag(1 - h_t^2) Wh^T: a Wh not "
            "transposed, or a slope taken of another step's state, is off.",
        )
    passed("state_jacobian_product")


def check_stacked_rnn_backward(stacked_rnn_backward):
    layer_1 = {"Wx": WX.copy(), "Wh": WH.copy(), "b": B.copy()}
    hs = [_e("sequence_h"), _e("stack_h2")]
    cache = (X_SEQUENCE.copy(), [H_PREV.copy(), STACK_H0_2.copy()], [layer_1, STACK_LAYER_2], hs)
    what = f"two layers with H = {H} then {H2}"
    result = _tuple_of(
        call(stacked_rnn_backward, DH_STACK_TOP.copy(), cache, what=what),
        ("dx", "dh0s", "dlayer_params"),
        what,
    )
    dx, dh0s, dparams = result
    expect_true(
        isinstance(dh0s, list)
        and len(dh0s) == 2
        and isinstance(dparams, list)
        and len(dparams) == 2,
        what=f"{what}: dh0s and dlayer_params must be lists with "
        f"one entry per layer, layer 1 first",
    )
    expect_true(
        all(isinstance(p, dict) and set(p) == {"Wx", "Wh", "b"} for p in dparams),
        what=f"{what}: each entry of dlayer_params is a dict with keys 'Wx', 'Wh', 'b'",
    )
    expect_close(
        dparams[1]["Wh"],
        _e("stack_dWh_2"),
        what=f"{what}: the top layer's dWh",
        hint="The top layer (layer 2) is off: its gradient is dh_top and its inputs are "
        "layer 1's states.",
    )
    expect_close(dh0s[1], _e("stack_dh0_2"), what=f"{what}: dh0s[1] (layer 2)")
    expect_close(
        dparams[0]["Wh"],
        _e("stack_dWh_1"),
        what=f"{what}: layer 1's dWh",
        hint="Layer 1 is off: the gradient on its states is what layer 2's backward pass "
        "returned for layer 2's inputs.",
    )
    expect_close(dh0s[0], _e("stack_dh0_1"), what=f"{what}: dh0s[0] (layer 1)")
    expect_close(dx, _e("stack_dx"), what=f"{what}: dx")
    passed("stacked_rnn_backward")


def check_rnn_output_backward(rnn_output_backward):
    what = f"N = {N}, T = {T_OUTPUT}, H = {H}, V = {V}"
    dh, dWy, dby = _tuple_of(
        call(rnn_output_backward, DLOGITS.copy(), (H_OUTPUT.copy(), WY.copy()), what=what),
        ("dh", "dWy", "dby"),
        what,
    )
    expect_close(dh, _e("output_dh"), what=f"{what}: dh", hint="h reaches the logits through Wy.")
    expect_close(
        dWy,
        _e("output_dWy"),
        what=f"{what}: dWy",
        hint="dWy is not summed over the batch and the time steps.",
    )
    expect_close(
        dby,
        _e("output_dby"),
        what=f"{what}: dby",
        hint="dby is not summed over the batch and the time steps.",
    )
    passed("rnn_output_backward")


def check_temporal_softmax_loss(temporal_softmax_loss):
    what = "uniform logits, full mask (loss = T log V)"
    result = call(
        temporal_softmax_loss,
        np.zeros((N, T_OUTPUT, V)),
        np.zeros((N, T_OUTPUT), dtype=np.int64),
        np.ones((N, T_OUTPUT), dtype=bool),
        what=what,
    )
    loss, dlogits = _tuple_of(result, ("loss", "dlogits"), what)
    expect_close(
        np.float64(loss),
        T_OUTPUT * np.log(V),
        what=what,
        hint="The card's loss is summed over the steps and averaged over the batch: a mean "
        "over N*T, or a sum over N, is off.",
    )
    expect_shape(dlogits, (N, T_OUTPUT, V), what=f"{what}: dlogits")
    what = "a mask that ends at step 1 for the first sequence"
    logits = LOGITS.copy()
    loss, dlogits = _tuple_of(
        call(temporal_softmax_loss, logits, TARGETS, MASK, what=what), ("loss", "dlogits"), what
    )
    _unchanged([(logits, LOGITS)], what)
    expect_close(
        np.float64(loss),
        _e("loss_value"),
        what=what,
        hint="Masked steps add nothing and the divisor is N: a masked step counted, or "
        "another divisor, is off.",
    )
    expect_true(np.allclose(dlogits[0, 1:], 0), what=f"{what}: dlogits must be 0 on masked steps")
    expect_close(
        dlogits,
        _e("loss_dlogits"),
        what=f"{what}: dlogits",
        rtol=1e-6,
        atol=1e-9,
        hint="dlogits is off on unmasked steps: a wrong sign, a missing one-hot term of the "
        "target, or a divisor other than N.",
    )
    what = "huge logits (|logits| = 1e4)"
    loss, dlogits = call(temporal_softmax_loss, 1e4 * np.sign(LOGITS), TARGETS, MASK, what=what)
    expect_true(
        np.isfinite(loss) and np.all(np.isfinite(dlogits)),
        what=f"{what}: the loss and dlogits must be finite",
        hint="exp(1e4) overflows to inf, and the log of a probability that underflowed to 0 "
        "is -inf.",
    )
    passed("temporal_softmax_loss")


def check_numerical_gradient(numerical_gradient):
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
    before = x.copy()
    what = "f(x) = sum(x**2), whose gradient is 2x"
    grad = call(numerical_gradient, lambda z: float(np.sum(z**2)), x, what=what)
    expect_shape(grad, x.shape, what=what)
    expect_unchanged(
        np.array_equal(x, before),
        what=f"{what}: x was left changed afterwards",
        hint="An entry was not restored after its two evaluations.",
    )
    expect_close(
        grad,
        2 * before,
        what=what,
        rtol=1e-6,
        atol=1e-6,
        hint="Not the exercise's centred difference (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) "
        "for every entry i.",
    )
    what = "f(x) = sum(x**3) with eps = 1e-2 (a centred difference is off by eps**2 only)"
    grad = call(numerical_gradient, lambda z: float(np.sum(z**3)), x, 1e-2, what=what)
    expect_close(
        grad,
        3 * before**2 + 1e-4,
        what=what,
        rtol=1e-6,
        atol=1e-6,
        hint="At eps = 1e-2 a one-sided difference (f(x + eps) - f(x)) / eps is off by about "
        "eps; the centred one by eps**2.",
    )
    what = "f = lambda _: sum(x**2), which ignores its argument and reads x through a closure"
    grad = call(numerical_gradient, lambda _: float(np.sum(x**2)), x, what=what)
    expect_close(
        grad,
        2 * before,
        what=what,
        rtol=1e-6,
        atol=1e-6,
        hint="A function that reads x through a closure sees only changes made to x itself: "
        "a copy such as x + eps e_i is invisible to it.",
    )
    passed("numerical_gradient")


def check_relative_error(relative_error):
    what = "a = [1, 2], b = [1, 3] (error 1/5)"
    expect_close(
        expect_number(
            call(relative_error, np.array([1.0, 2.0]), np.array([1.0, 3.0]), what=what), what=what
        ),
        0.2,
        what=what,
        hint="max over entries of |a - b| / max(1e-8, |a| + |b|).",
    )
    what = "a = b = 0 (must be 0, not NaN)"
    expect_close(
        expect_number(call(relative_error, np.zeros(3), np.zeros(3), what=what), what=what),
        0.0,
        what=what,
        hint="0 / 0 is NaN: the denominator went below 1e-8.",
    )
    what = "a = [-1], b = [1]"
    expect_close(
        expect_number(
            call(relative_error, np.array([-1.0]), np.array([1.0]), what=what), what=what
        ),
        1.0,
        what=what,
        hint="The denominator is off: here |a + b| is 0 while |a| + |b| is 2.",
    )
    passed("relative_error")


def _grads_like_params(grads, params, *, what):
    """grads must be a dict with the keys of params, each an array of its parameter's shape."""
    expect_true(
        isinstance(grads, dict) and set(grads) == set(params),
        what=f"{what}: grads must be a dict with the keys of params",
    )
    for name, value in params.items():
        expect_shape(grads[name], value.shape, what=f"{what}: grads[{name!r}]")


def check_truncated_bptt(truncated_bptt):
    names = ("losses", "grads", "h_final")
    params = {name: value.copy() for name, value in CHAR_PARAMS.items()}
    blind = {**params, "Wy": np.zeros((H, V))}  # logits = by whatever the state
    what = "Wy = 0 (the loss depends only on the targets)"
    losses, grads, h_final = _tuple_of(
        call(truncated_bptt, STREAM, H0_STREAM.copy(), blind, CHUNK_LENGTH, what=what), names, what
    )
    expect_shape(
        np.asarray(losses), (3,), what=f"{what}: 8 steps in chunks of 3 give 3 chunk losses"
    )
    expect_close(
        np.asarray(losses, dtype=float),
        _e("truncated_blind_losses"),
        what=what,
        hint="A chunk's targets are the next characters after its inputs, and its loss is summed "
        "over its steps and divided by N: targets not shifted by one, or another divisor, "
        "are off.",
    )
    what = "chunks of 3 on 9 characters"
    losses, grads, h_final = _tuple_of(
        call(truncated_bptt, STREAM, H0_STREAM.copy(), params, CHUNK_LENGTH, what=what), names, what
    )
    _unchanged([(params[name], CHAR_PARAMS[name]) for name in params], what)
    first = _tuple_of(
        call(truncated_bptt, STREAM[:, :4], H0_STREAM.copy(), params, CHUNK_LENGTH, what=what),
        names,
        what,
    )
    rest = _tuple_of(
        call(
            truncated_bptt,
            STREAM[:, 3:],
            first[2],
            params,
            np.int64(CHUNK_LENGTH),
            what=f"{what}, chunk_length given as a NumPy integer (np.int64)",
        ),
        names,
        what,
    )
    expect_close(
        np.asarray(losses)[1:],
        np.asarray(rest[0]),
        what=f"{what}: chunks 2 and 3",
        hint="Chunks 2 and 3 did not start from the state the previous chunk ended with "
        "(from h0?).",
    )
    expect_close(
        h_final, rest[2], what=f"{what}: h_final", hint="Not the state after the last chunk."
    )
    for part, value in (("", grads), (" (first 4 characters)", first[1]), (" (the rest)", rest[1])):
        _grads_like_params(value, params, what=f"{what}{part}")
    for name in params:
        expect_close(
            grads[name],
            first[1][name] + rest[1][name],
            what=f"{what}: grads[{name!r}]",
            hint="Not the sum of the chunks' gradients.",
        )
    passed("truncated_bptt")


def check_sgd_step(sgd_step):
    what = "param [1, 2], grad [0.5, -1], learning rate 0.1"
    param, grad = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    new = call(sgd_step, param, grad, 0.1, what=what)
    expect_close(
        new,
        [0.95, 2.1],
        what=what,
        hint="The step is off: a wrong sign, or the learning rate not applied.",
    )
    expect_unchanged(
        np.array_equal(param, [1.0, 2.0]),
        what=f"{what}: param was changed in place",
        hint="param belongs to the caller, who keeps it.",
    )
    what = "param [0, 0], grad [100, -300] (large), learning rate 0.01"
    new = call(sgd_step, np.zeros(2), np.array([100.0, -300.0]), 0.01, what=what)
    expect_close(
        new,
        [-1.0, 3.0],
        what=what,
        hint="The step shrank a large gradient: sgd_step takes the gradient as given "
        "(clipping is the training loop's business).",
    )
    passed("sgd_step")


def check_adagrad_step(adagrad_step):
    what = "param [1, 2], grad [0.5, -1], cache [0, 3], learning rate 0.1"
    cache = np.array([0.0, 3.0])
    result = call(adagrad_step, np.array([1.0, 2.0]), np.array([0.5, -1.0]), cache, 0.1, what=what)
    expect_true(
        isinstance(result, tuple) and len(result) == 2,
        what=f"{what}: return (new_param, new_cache)",
    )
    expect_unchanged(
        np.array_equal(cache, [0.0, 3.0]),
        what=f"{what}: cache was changed in place",
        hint="The cache belongs to the caller, who keeps the old one.",
    )
    expect_close(
        result[1],
        [0.25, 4.0],
        what=f"{what}: new_cache",
        hint="new_cache is not the running sum plus this step's squared gradient.",
    )
    expect_close(
        result[0],
        [1 - 0.1 * 0.5 / np.sqrt(0.25 + 1e-8), 2 + 0.1 / np.sqrt(4 + 1e-8)],
        what=f"{what}: new_param",
        hint="new_param is off: a wrong sign, the old cache where the new one belongs, or a "
        "missing root.",
    )
    what = "tiny gradient 1e-6 with zero cache (eps inside the square root)"
    result = call(adagrad_step, np.array([0.0]), np.array([1e-6]), np.array([0.0]), 0.1, what=what)
    expect_close(
        result[0],
        [-0.1 * 1e-6 / np.sqrt(1e-12 + 1e-8)],
        what=f"{what}: new_param",
        hint="eps is not where the exercise puts it, inside the root.",
    )
    passed("adagrad_step")
