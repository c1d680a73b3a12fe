"""Visible checks of notebook 03 (backpropagation through time).

Backward passes are compared with centred finite differences of the forward formula
h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b), computed here in float64, one gradient at a time, so a
message names the gradient that is off."""
from __future__ import annotations

import numpy as np

from coursekit.visible.expect import (VisibleCheckFailed, call, expect_close, expect_shape,
                                      expect_true, passed)

N, D, H, V = 2, 3, 4, 5
_rng = np.random.default_rng(1234)
X = _rng.normal(size=(N, D))
H_PREV = _rng.normal(size=(N, H))
WX = _rng.normal(scale=0.5, size=(D, H))
WH = _rng.normal(scale=0.5, size=(H, H))
B = _rng.normal(scale=0.5, size=H)


def _numeric(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f()
        x[i] = old - eps
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def _sequence(x, h0, Wx, Wh, b):
    states, h = [], h0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        states.append(h)
    return np.stack(states, axis=1)


def _tuple_of(result, names, what):
    if not isinstance(result, tuple) or len(result) != len(names):
        raise VisibleCheckFailed(f"{what}: return the tuple ({', '.join(names)})")
    return result


DERIVATIVE_HINT = ("The step is h = tanh(a) with a = x @ Wx + h_prev @ Wh + b, so "
                   "da = dh * (1 - h**2): use h from the cache, not the pre-activation.")


def check_rnn_step_backward(rnn_step_backward):
    h = np.tanh(X @ WX + H_PREV @ WH + B)
    cache = (X.copy(), H_PREV.copy(), WX.copy(), WH.copy(), h, "tanh")
    dh = np.linspace(-1.0, 1.0, N * H).reshape(N, H)
    names = ("dx", "dh_prev", "dWx", "dWh", "db")
    what = f"N = {N}, D = {D}, H = {H}"
    grads = _tuple_of(call(rnn_step_backward, dh, cache, what=what), names, what)
    x, h_prev, Wx, Wh, b = X.copy(), H_PREV.copy(), WX.copy(), WH.copy(), B.copy()
    loss = lambda: float(np.sum(np.tanh(x @ Wx + h_prev @ Wh + b) * dh))
    hints = {"dx": "dx = da @ Wx.T.", "dh_prev": "dh_prev = da @ Wh.T.",
             "dWx": "dWx = x.T @ da.", "dWh": "dWh = h_prev.T @ da (the *previous* state).",
             "db": "db sums da over the batch (axis 0)."}
    for name, array, got in zip(names, (x, h_prev, Wx, Wh, b), grads):
        expect_close(got, _numeric(loss, array), what=f"{what}: {name}", rtol=1e-5, atol=1e-7,
                     hint=DERIVATIVE_HINT + " " + hints[name])
    passed("rnn_step_backward", "all five gradients agree with finite differences")


def check_rnn_backward(rnn_backward):
    T = 4
    x = np.random.default_rng(5).normal(size=(N, T, D))
    h0, Wx, Wh, b = H_PREV.copy(), WX.copy(), WH.copy(), B.copy()
    h = _sequence(x, h0, Wx, Wh, b)
    names = ("dx", "dh0", "dWx", "dWh", "db")
    dh_last = np.zeros((N, T, H))
    dh_last[:, -1] = 1.0
    what = "loss on the last state only"
    grads = _tuple_of(call(rnn_backward, dh_last, (x, h0, Wx, Wh, h, "tanh"), what=what),
                      names, what)
    expect_shape(grads[0], (N, T, D), what=f"{what}: dx")
    loss = lambda: float(np.sum(_sequence(x, h0, Wx, Wh, b) * dh_last))
    expect_close(grads[1], _numeric(loss, h0), what=f"{what}: dh0", rtol=1e-5, atol=1e-7,
                 hint="The gradient must flow back through every step: at step t add the "
                      "dh_prev that step t+1 returned to dh[:, t].")
    dh = np.linspace(-1.0, 1.0, N * T * H).reshape(N, T, H)
    what = "a gradient on every state"
    grads = _tuple_of(call(rnn_backward, dh, (x, h0, Wx, Wh, h, "tanh"), what=what), names, what)
    loss = lambda: float(np.sum(_sequence(x, h0, Wx, Wh, b) * dh))
    hints = {"dx": "", "dh0": "", "dWx": "Add every step's contribution: dWx += x_t.T @ da_t.",
             "dWh": "Add every step's contribution: dWh += h_{t-1}.T @ da_t, with h_{-1} = h0.",
             "db": "Add every step's contribution, summed over the batch."}
    for name, array, got in zip(names, (x, h0, Wx, Wh, b), grads):
        expect_close(got, _numeric(loss, array), what=f"{what}: {name}", rtol=1e-5, atol=1e-7,
                     hint=hints[name] or DERIVATIVE_HINT)
    passed("rnn_backward", "all five gradients agree with finite differences")


def check_rnn_output_backward(rnn_output_backward):
    T = 3
    h = np.tanh(np.random.default_rng(6).normal(size=(N, T, H)))
    Wy = np.linspace(-1, 1, H * V).reshape(H, V)
    dlogits = np.linspace(-1, 1, N * T * V).reshape(N, T, V)
    what = f"N = {N}, T = {T}, H = {H}, V = {V}"
    dh, dWy, dby = _tuple_of(call(rnn_output_backward, dlogits, (h, Wy), what=what),
                             ("dh", "dWy", "dby"), what)
    expect_close(dh, dlogits @ Wy.T, what=f"{what}: dh", hint="dh = dlogits @ Wy.T")
    expect_close(dWy, np.einsum("nth,ntv->hv", h, dlogits), what=f"{what}: dWy",
                 hint="Sum over the batch *and* the time steps: reshape to (N*T, H) and (N*T, V).")
    expect_close(dby, dlogits.sum(axis=(0, 1)), what=f"{what}: dby",
                 hint="Sum over the batch and the time steps.")
    passed("rnn_output_backward")


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def check_temporal_softmax_loss(temporal_softmax_loss):
    T = 3
    what = "uniform logits, full mask (loss = T log V)"
    result = call(temporal_softmax_loss, np.zeros((N, T, V)), np.zeros((N, T), dtype=np.int64),
                  np.ones((N, T), dtype=bool), what=what)
    loss, dlogits = _tuple_of(result, ("loss", "dlogits"), what)
    expect_close(np.float64(loss), T * np.log(V), what=what,
                 hint="Sum -log p(target) over the steps and divide by N (not by N*T).")
    expect_shape(dlogits, (N, T, V), what=f"{what}: dlogits")
    logits = np.random.default_rng(7).normal(size=(N, T, V))
    targets = np.array([[1, 2, 3], [4, 0, 1]])
    mask = np.array([[True, False, False], [True, True, True]])
    what = "a mask that ends at step 1 for the first sequence"
    loss, dlogits = _tuple_of(call(temporal_softmax_loss, logits, targets, mask, what=what),
                              ("loss", "dlogits"), what)
    picked = -_log_softmax(logits)[np.arange(N)[:, None], np.arange(T)[None, :], targets]
    expect_close(np.float64(loss), (picked * mask).sum() / N, what=what,
                 hint="Masked steps add nothing; divide by N, the batch size.")
    expect_true(np.allclose(dlogits[0, 1:], 0), what=f"{what}: dlogits must be 0 on masked steps")
    work = logits.copy()
    numeric = _numeric(lambda: float((-_log_softmax(work)[np.arange(N)[:, None],
                                       np.arange(T)[None, :], targets] * mask).sum() / N), work)
    expect_close(dlogits, numeric, what=f"{what}: dlogits", rtol=1e-5, atol=1e-7,
                 hint="dlogits = (softmax(logits) - one_hot(targets)) * mask / N.")
    what = "huge logits (|logits| = 1e4)"
    loss, dlogits = call(temporal_softmax_loss, 1e4 * np.sign(logits), targets, mask, what=what)
    expect_true(np.isfinite(loss) and np.all(np.isfinite(dlogits)),
                what=f"{what}: the loss and dlogits must be finite",
                hint="Subtract the maximum before exp (log-sum-exp).")
    passed("temporal_softmax_loss")


def check_numerical_gradient(numerical_gradient):
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
    before = x.copy()
    what = "f(x) = sum(x**2), whose gradient is 2x"
    grad = call(numerical_gradient, lambda z: float(np.sum(z ** 2)), x, what=what)
    expect_shape(grad, x.shape, what=what)
    expect_true(np.array_equal(x, before), what=f"{what}: x must be unchanged afterwards",
                hint="Restore x[i] after the two evaluations.")
    expect_close(grad, 2 * before, what=what, rtol=1e-6, atol=1e-6,
                 hint="(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i.")
    what = "f(x) = sum(x**3) with eps = 1e-2 (a centred difference is off by eps**2 only)"
    grad = call(numerical_gradient, lambda z: float(np.sum(z ** 3)), x, 1e-2, what=what)
    expect_close(grad, 3 * before ** 2 + 1e-4, what=what, rtol=1e-6, atol=1e-6,
                 hint="Use the centred difference, not (f(x + eps) - f(x)) / eps.")
    passed("numerical_gradient")


def check_relative_error(relative_error):
    what = "a = [1, 2], b = [1, 3] (error 1/5)"
    expect_close(np.float64(call(relative_error, np.array([1.0, 2.0]), np.array([1.0, 3.0]),
                                 what=what)), 0.2, what=what,
                 hint="max over entries of |a - b| / max(1e-8, |a| + |b|).")
    what = "a = b = 0 (must be 0, not NaN)"
    expect_close(np.float64(call(relative_error, np.zeros(3), np.zeros(3), what=what)), 0.0,
                 what=what, hint="Keep the denominator at least 1e-8.")
    what = "a = [-1], b = [1]"
    expect_close(np.float64(call(relative_error, np.array([-1.0]), np.array([1.0]), what=what)),
                 1.0, what=what, hint="The denominator is |a| + |b|, not |a + b|.")
    passed("relative_error")


def _char_params():
    rng = np.random.default_rng(8)
    return {"Wx": rng.normal(scale=0.5, size=(V, H)), "Wh": rng.normal(scale=0.5, size=(H, H)),
            "b": rng.normal(scale=0.5, size=H), "Wy": rng.normal(scale=0.5, size=(H, V)),
            "by": rng.normal(scale=0.5, size=V)}


def check_truncated_bptt(truncated_bptt):
    names = ("losses", "grads", "h_final")
    stream = np.array([[0, 1, 2, 3, 4, 0, 1, 2, 3], [4, 4, 3, 3, 2, 2, 1, 1, 0]])
    h0 = np.linspace(-0.5, 0.5, N * H).reshape(N, H)
    params = _char_params()
    blind = {**params, "Wy": np.zeros((H, V))}          # logits = by whatever the state
    what = "Wy = 0 (the loss depends only on the targets)"
    losses, grads, h_final = _tuple_of(call(truncated_bptt, stream, h0, blind, 3, what=what),
                                       names, what)
    expect_shape(np.asarray(losses), (3,), what=f"{what}: 8 predictions in chunks of 3 give "
                 f"3 chunk losses")
    nll = -_log_softmax(blind["by"])
    expected = [nll[stream[:, s + 1:min(s + 3, 8) + 1]].sum() / N for s in (0, 3, 6)]
    expect_close(np.asarray(losses, dtype=float), expected, what=what,
                 hint="Chunk inputs are stream[:, s:e], its targets the *next* characters "
                      "stream[:, s+1:e+1].")
    what = "chunks of 3 on 9 characters"
    losses, grads, h_final = _tuple_of(call(truncated_bptt, stream, h0, params, 3, what=what),
                                       names, what)
    first = _tuple_of(call(truncated_bptt, stream[:, :4], h0, params, 3, what=what), names, what)
    rest = _tuple_of(call(truncated_bptt, stream[:, 3:], first[2], params, 3, what=what),
                     names, what)
    expect_close(np.asarray(losses)[1:], np.asarray(rest[0]), what=f"{what}: chunks 2 and 3",
                 hint="Carry the state: each chunk starts from the state the previous one "
                      "ended with (not from h0).")
    expect_close(h_final, rest[2], what=f"{what}: h_final",
                 hint="Return the state after the last chunk.")
    expect_true(isinstance(grads, dict) and set(grads) == set(params),
                what=f"{what}: grads must be a dict with the keys of params")
    for name in params:
        expect_close(grads[name], first[1][name] + rest[1][name], what=f"{what}: grads[{name!r}]",
                     hint="Sum the gradients of the chunks.")
    passed("truncated_bptt")


def check_sgd_step(sgd_step):
    what = "param [1, 2], grad [0.5, -1], learning rate 0.1"
    expect_close(call(sgd_step, np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.1, what=what),
                 [0.95, 2.1], what=what, hint="new = param - learning_rate * grad")
    passed("sgd_step")


def check_adagrad_step(adagrad_step):
    what = "param [1, 2], grad [0.5, -1], cache [0, 3], learning rate 0.1"
    result = call(adagrad_step, np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.array([0.0, 3.0]),
                  0.1, what=what)
    expect_true(isinstance(result, tuple) and len(result) == 2,
                what=f"{what}: return (new_param, new_cache)")
    expect_close(result[1], [0.25, 4.0], what=f"{what}: new_cache",
                 hint="new_cache = cache + grad**2")
    expect_close(result[0], [1 - 0.1 * 0.5 / np.sqrt(0.25 + 1e-8), 2 + 0.1 / np.sqrt(4 + 1e-8)],
                 what=f"{what}: new_param",
                 hint="new_param = param - learning_rate * grad / sqrt(new_cache + eps)")
    what = "tiny gradient 1e-6 with zero cache (eps inside the square root)"
    result = call(adagrad_step, np.array([0.0]), np.array([1e-6]), np.array([0.0]), 0.1, what=what)
    expect_close(result[0], [-0.1 * 1e-6 / np.sqrt(1e-12 + 1e-8)], what=f"{what}: new_param",
                 hint="The notebook puts eps inside the root: sqrt(new_cache + eps).")
    passed("adagrad_step")
