"""Hidden checks of notebook 03 (backpropagation through time).

Backward passes get a cache built here from the case's inputs, in the layout the notebook states
((x, h_prev, Wx, Wh, h, "tanh") for one step, (x, h0, Wx, Wh, h, "tanh") for a sequence,
(x, h0s, layer_params, hs) for a stack, (h, Wy) for the output layer), so they never depend on
the learner's forward pass. Functions that call another graded function of the notebook
(rnn_backward, stacked_rnn_backward, truncated_bptt) are judged with the reference standing in
for it (`Upstream`): one mistake in rnn_step_backward costs only its own points. Every listed
mistake is the whole function a learner who made it would have written, and the cases' structure
(non-square and far-from-symmetric weights, N=1, T=1, |x| ~ 1e3, masks ending at step 1, a
function that reads x through a closure, ...) catches each one whatever the generator draws.
"""
from __future__ import annotations

import numpy as np

from coursekit.wire import NamedFunction, Shared
from grader.checks.common import (asymmetric_weights, layers, mistake, normal,
                                            rnn_stack, rnn_weights)
from grader.checks.framework import Case, Upstream, function_check
from rnn_numpy.encoding import one_hot
from rnn_numpy.gradcheck import numerical_gradient, relative_error
from rnn_numpy.losses import temporal_softmax_loss
from rnn_numpy.optim import adagrad_step, sgd_step
from rnn_numpy.rnn import (rnn_backward, rnn_forward, rnn_output, rnn_output_backward,
                                  rnn_step_backward, rnn_step_forward)
from rnn_numpy.stacked import stacked_rnn_backward, stacked_rnn_forward
from rnn_numpy.state_jacobian import state_jacobian_product
from rnn_numpy.truncated_bptt import PARAM_NAMES, char_rnn_loss, chunk_bounds, truncated_bptt

GRADIENTS = ("dx", "dh_prev", "dWx", "dWh", "db")
SEQUENCE_GRADIENTS = ("dx", "dh0", "dWx", "dWh", "db")




def _pre_activation(x, h_prev, Wx, Wh, b=0.0):
    return x @ Wx + h_prev @ Wh + b


# -- rnn_step_backward ------------------------------------------------------------------------
def step_backward_cases(rng):
    cases = []
    for label, N, D, H, x_scale in (
            ("N=3, D=4, H=5", 3, 4, 5, 1.0), ("N=1, D=2, H=3", 1, 2, 3, 1.0),
            ("H=1", 4, 3, 1, 1.0), ("D=H=4 (square Wx)", 2, 4, 4, 1.0),
            ("large inputs (|x| ~ 1e3, tanh saturates)", 3, 3, 4, 1e3)):
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        h_prev = np.zeros((N, H)) if x_scale > 1 else normal(rng, N, H)
        _, cache = rnn_step_forward(normal(rng, N, D, scale=x_scale), h_prev, Wx, Wh, b)
        cases.append(Case(label, (normal(rng, N, H), cache)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    _, cache = rnn_step_forward(normal(rng, 2, 3), np.zeros((2, 4)), Wx, Wh, b)
    cases.append(Case("zero previous state", (normal(rng, 2, 4), cache)))
    Wx, Wh, b = rnn_weights(rng, 5, 6)
    _, cache = rnn_step_forward(normal(rng, 3, 5), normal(rng, 3, 6), Wx, Wh, b)
    cases.append(Case("N=3, D=5, H=6, random", (normal(rng, 3, 6), cache)))
    return cases


def _step_backward_with(derivative=None, dWh_from_h=False, no_batch_sum=False,
                        dh_prev_with=lambda Wh: Wh.T, in_place=False):
    def backward(dh, cache):
        x, h_prev, Wx, Wh, h, _ = cache
        local = (1 - h * h) if derivative is None else derivative(x, h_prev, Wx, Wh, h)
        if in_place:
            dh *= local                                  # changes the caller's dh
            da = dh
        else:
            da = dh * local
        dWh = (h if dWh_from_h else h_prev).T @ da
        db = da if no_batch_sum else da.sum(axis=0)
        return da @ Wx.T, da @ dh_prev_with(Wh), x.T @ da, dWh, db
    return backward


STEP_BACKWARD_MISTAKES = [
    mistake("the tanh derivative is taken of the pre-activation a (1 - a**2) instead of "
            "written with h (1 - h**2)",
            _step_backward_with(lambda x, hp, Wx, Wh, h: 1 - _pre_activation(x, hp, Wx, Wh) ** 2)),
    mistake("tanh is applied to h again (1 - tanh(h)**2); h is already tanh(a), so the "
            "derivative is 1 - h**2",
            _step_backward_with(lambda x, hp, Wx, Wh, h: 1 - np.tanh(h) ** 2)),
    mistake("the tanh derivative is left out (the gradient on h is used as the gradient on a)",
            _step_backward_with(lambda x, hp, Wx, Wh, h: np.ones_like(h))),
    mistake("dWh uses the new state h instead of h_prev", _step_backward_with(dWh_from_h=True)),
    mistake("Wh is not transposed in dh_prev (da @ Wh instead of da @ Wh.T)",
            _step_backward_with(dh_prev_with=lambda Wh: Wh)),
    mistake("db is not summed over the batch (it has shape (N, H) instead of (H,))",
            _step_backward_with(no_batch_sum=True)),
]


# -- rnn_backward -----------------------------------------------------------------------------
def backward_cases(rng):
    cases = []
    for label, N, T, D, H, x_scale in (
            ("N=3, T=5, D=4, H=6", 3, 5, 4, 6, 1.0), ("N=1, T=1", 1, 1, 3, 4, 1.0),
            ("T=1", 3, 1, 2, 5, 1.0), ("N=1, H=1", 1, 6, 3, 1, 1.0),
            ("long sequence T=20", 2, 20, 3, 4, 1.0),
            ("large inputs (|x| ~ 1e3)", 2, 4, 3, 4, 1e3)):
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        _, cache = rnn_forward(normal(rng, N, T, D, scale=x_scale), normal(rng, N, H),
                               Wx, Wh, b)
        cases.append(Case(label, (normal(rng, N, T, H), cache)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    _, cache = rnn_forward(normal(rng, 2, 5, 3), np.zeros((2, 4)), Wx, Wh, b)
    dh = np.zeros((2, 5, 4))
    dh[:, -1] = normal(rng, 2, 4)
    cases.append(Case("zero initial state; loss only on the last step", (dh, cache)))
    Wx, Wh, b = rnn_weights(rng, 2, 3)
    _, cache = rnn_forward(normal(rng, 2, 4, 2), normal(rng, 2, 3), Wx, Wh, b)
    cases.append(Case("N=2, T=4, D=2, H=3, random", (normal(rng, 2, 4, 3), cache)))
    return cases


def backward_calls(up, dh, cache):
    """The calls a correct rnn_backward makes to rnn_step_backward: steps T, T-1, ..., 1."""
    x, h0, Wx, Wh, h, activation = cache
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev = h0 if t == 0 else h[:, t - 1]
        _, dh_next, *_ = up.rnn_step_backward(dh[:, t] + dh_next,
                                              (x[:, t], h_prev, Wx, Wh, h[:, t], activation))


def _bptt_variant(*, accumulate=True, carry=True, last_only=False, derivative=None,
                  first_state=None, drop_dh0=False):
    def backward(dh, cache):
        x, h0, Wx, Wh, h, _ = cache
        N, T, D = x.shape
        H = h0.shape[1]
        dx = np.zeros((N, T, D))
        dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
        dh_next = np.zeros((N, H))
        for t in reversed(range(T)):
            upstream = dh[:, t] if (not last_only or t == T - 1) else 0.0
            if t == 0:
                h_prev = h0 if first_state is None else first_state(h0, h)
            else:
                h_prev = h[:, t - 1]
            local = 1 - h[:, t] ** 2 if derivative is None else derivative(x[:, t], h_prev, Wx, Wh)
            da = (upstream + (dh_next if carry else 0.0)) * local
            dx[:, t] = da @ Wx.T
            if accumulate:
                dWx, dWh, db = dWx + x[:, t].T @ da, dWh + h_prev.T @ da, db + da.sum(axis=0)
            elif t == 0:
                dWx, dWh, db = x[:, t].T @ da, h_prev.T @ da, da.sum(axis=0)
            dh_next = da @ Wh.T
        return dx, (np.zeros_like(dh_next) if drop_dh0 else dh_next), dWx, dWh, db
    return backward


BACKWARD_MISTAKES = [
    mistake("the weight gradients are not accumulated over time (each step overwrites dWx, dWh "
            "and db instead of adding to them)", _bptt_variant(accumulate=False)),
    mistake("the gradient from step t+1 (dh_prev of the later step) is not added to the "
            "gradient of h_t", _bptt_variant(carry=False)),
    mistake("only the gradient on the last state h_T is used", _bptt_variant(last_only=True)),
    mistake("the tanh derivative is taken of the pre-activation a (1 - a**2) instead of "
            "written with h (1 - h**2)",
            _bptt_variant(derivative=lambda x, hp, Wx, Wh: 1 - _pre_activation(x, hp, Wx, Wh) ** 2)),
    mistake("at step 1 the previous state is taken as h[:, -1] (the last state) instead of h0",
            _bptt_variant(first_state=lambda h0, h: h[:, -1])),
    mistake("at step 1 the previous state is taken as zeros instead of h0",
            _bptt_variant(first_state=lambda h0, h: np.zeros_like(h0))),
    mistake("dh0 is returned as zeros instead of what comes back from step 1",
            _bptt_variant(drop_dh0=True)),
]


# -- state_jacobian_product -------------------------------------------------------------------
def jacobian_cases(rng):
    def states(T, H, D=3, scale=1.0):
        Wx, Wh, b = asymmetric_weights(rng, D, H, scale=0.8)
        h, _ = rnn_forward(normal(rng, 1, T, D, scale=scale), normal(rng, 1, H), Wx, Wh, b)
        return h[0], Wh
    cases = []
    for label, T, H, t, k in (("T=6, H=4: from step 6 back to the initial state "
                               "(t=6, k=0)", 6, 4, 6, 0),
                              ("T=6, H=4: t=5, k=2", 6, 4, 5, 2),
                              ("one step back from the first state (t=1, k=0)",
                               3, 4, 1, 0),
                              ("lag 0 (t = k = 3): the identity", 4, 3, 3, 3),
                              ("H=1, t=4, k=1", 5, 1, 4, 1),
                              ("T=1, H=5 (t=1, k=0)", 1, 5, 1, 0)):
        h, Wh = states(T, H)
        cases.append(Case(label, (h, Wh, t, k)))
    h, Wh = states(4, 3, scale=1e3)
    cases.append(Case("saturated states (|x| ~ 1e3), t=4, k=1", (h, Wh, 4, 1)))
    T, H = 7, 4
    Wx, Wh, b = rnn_weights(rng, 2, H, scale=0.8)
    h, _ = rnn_forward(normal(rng, 1, T, 2), normal(rng, 1, H), Wx, Wh, b)
    t = int(rng.integers(1, T + 1))
    cases.append(Case("T=7, H=4, random steps", (h[0], Wh, t, int(rng.integers(0, t + 1)))))
    return cases


def _jacobian_variant(*, reverse=False, no_transpose=False, state_offset=0, extra=False,
                      start_lag=0):
    """dh_t/dh_k built with one mistake; J_s = diag(1 - h_s**2) Wh^T with h_s = h[s-1]."""
    def product(h, Wh, t, k):
        H = h.shape[1]
        result = np.eye(H)
        first = k + (0 if extra else 1) + start_lag
        for s in range(first, t + 1):
            index = s - 1 + state_offset
            if not 0 <= index < h.shape[0]:
                raise IndexError("no such state")
            J = (1 - h[index] ** 2)[:, None] * (Wh if no_transpose else Wh.T)
            result = result @ J if reverse else J @ result
        return result
    return product


JACOBIAN_MISTAKES = [
    mistake("the factors are multiplied in the wrong order (J_{k+1} ... J_t instead of "
            "J_t ... J_{k+1})", _jacobian_variant(reverse=True)),
    mistake("Wh is not transposed (diag(1 - h_s**2) Wh instead of diag(1 - h_s**2) Wh^T)",
            _jacobian_variant(no_transpose=True)),
    mistake("J_s reads h[s] (the state after step s+1) instead of h[s-1] (h_s): steps count "
            "from 1, arrays from 0", _jacobian_variant(state_offset=1)),
    mistake("J_s reads the previous state h_{s-1} instead of h_s",
            _jacobian_variant(state_offset=-1)),
    mistake("one factor too many: the product starts at J_k instead of J_{k+1}",
            _jacobian_variant(extra=True)),
    mistake("one factor too few: the product starts at J_{k+2} instead of J_{k+1}",
            _jacobian_variant(start_lag=1)),
]


# -- stacked_rnn_backward ---------------------------------------------------------------------
def _stack_cache(rng, N, T, D, sizes):
    """(dh_top, cache) of a stack with layer sizes `sizes`, cache (x, h0s, layer_params, hs)."""
    x, h0s, layer_params = rnn_stack(rng, N, T, D, sizes)
    _, hs = stacked_rnn_forward(x, h0s, layer_params)
    return normal(rng, N, T, sizes[-1]), (x, h0s, layer_params, hs)


def stacked_backward_cases(rng):
    cases = [Case(label, _stack_cache(rng, N, T, D, sizes)) for label, N, T, D, sizes in (
        ("2 layers, H = 4 then 3", 2, 4, 3, (4, 3)),
        ("1 layer", 2, 3, 3, (5,)),
        ("3 layers, all of size 4, D = 4", 3, 5, 4, (4, 4, 4)),
        ("N=1, T=1, 2 layers", 1, 1, 2, (3, 2)))]
    cases.append(Case("2 layers, H = 2 then 4, random", _stack_cache(rng, 2, 3, 3, (2, 4))))
    return cases


def _layer_cache(m, cache, input_of=None):
    x, h0s, layer_params, hs = cache
    below = (x if m == 0 else hs[m - 1]) if input_of is None else input_of(m, x, hs)
    p = layer_params[m]
    return (below, h0s[m], p["Wx"], p["Wh"], hs[m], "tanh")


def stacked_backward_calls(up, dh_top, cache):
    """The calls a correct stacked_rnn_backward makes to rnn_backward: top layer first."""
    dh = dh_top
    for m in reversed(range(len(cache[3]))):
        dh, *_ = up.rnn_backward(dh, _layer_cache(m, cache))


def _stacked_backward_variant(*, order=reversed, pass_down=0, input_of=None, top_first=False,
                              every_layer_top=False):
    def backward(dh_top, cache):
        M = len(cache[3])
        dh, dh0s, dparams = dh_top, [None] * M, [None] * M
        for m in order(range(M)):
            grads = rnn_backward(dh_top if every_layer_top else dh, _layer_cache(m, cache, input_of))
            dh0s[m] = grads[1]
            dparams[m] = {"Wx": grads[2], "Wh": grads[3], "b": grads[4]}
            dh = grads[pass_down]
        if top_first:
            dh0s, dparams = dh0s[::-1], dparams[::-1]
        return dh, dh0s, dparams
    return backward


def _stacked_backward_outputs(case, expected):
    names = layers(len(expected[1]))
    return ("dx", ("dh0s", names), ("dlayer_params", names))


STACKED_BACKWARD_MISTAKES = [
    mistake("the layers are walked bottom first (layer 1 gets the top layer's gradient)",
            _stacked_backward_variant(order=lambda r: r)),
    mistake("the gradient passed down to the layer below is dh0 instead of dx",
            _stacked_backward_variant(pass_down=1)),
    mistake("every layer's cache is rebuilt with x as its input instead of the states of the "
            "layer below", _stacked_backward_variant(input_of=lambda m, x, hs: x)),
    mistake("dh0s and dlayer_params are listed top layer first instead of bottom first",
            _stacked_backward_variant(top_first=True)),
    mistake("every layer gets dh_top instead of the gradient from the layer above",
            _stacked_backward_variant(every_layer_top=True)),
]


# -- rnn_output_backward ----------------------------------------------------------------------
def output_backward_cases(rng):
    cases = []
    for label, shape, V in (("N=2, T=3, H=4, V=5", (2, 3, 4), 5),
                            ("N=1, T=1", (1, 1, 3), 4),
                            ("one step, h of shape (N, H)", (3, 4), 6),
                            ("H=V=4 (square Wy)", (2, 3, 4), 4),
                            ("H=1", (2, 2, 1), 3)):
        H = shape[-1]
        h, Wy = np.tanh(normal(rng, *shape)), normal(rng, H, V) + np.triu(np.ones((H, V)), 1)
        cases.append(Case(label, (normal(rng, *shape[:-1], V), (h, Wy))))
    h, Wy = np.tanh(normal(rng, 3, 2, 5)), normal(rng, 5, 4)
    cases.append(Case("N=3, T=2, H=5, V=4, random", (normal(rng, 3, 2, 4), (h, Wy))))
    return cases


def _output_backward(dh_of=lambda d, Wy: d @ Wy.T, dby_axes=None, last_step_only=False):
    def backward(dlogits, cache):
        h, Wy = cache
        H, V = Wy.shape
        rows_h, rows_d = h.reshape(-1, H), dlogits.reshape(-1, V)
        if last_step_only and h.ndim == 3:
            rows_h, rows_d = h[:, -1], dlogits[:, -1]
        dby = dlogits.sum(axis=dby_axes) if dby_axes is not None else rows_d.sum(axis=0)
        return dh_of(dlogits, Wy), rows_h.T @ rows_d, dby
    return backward


OUTPUT_BACKWARD_MISTAKES = [
    mistake("dby is not summed over the time steps (only over the batch)",
            _output_backward(dby_axes=0)),
    mistake("dWy is taken from the last step only, not summed over all steps",
            _output_backward(last_step_only=True)),
    mistake("Wy is not transposed in dh (dlogits @ Wy instead of dlogits @ Wy.T)",
            _output_backward(dh_of=lambda d, Wy: d @ Wy)),
]


# -- temporal_softmax_loss --------------------------------------------------------------------
def loss_cases(rng):
    cases = []
    for label, N, T, V, mask_kind in (
            ("N=3, T=4, V=5, full mask", 3, 4, 5, "full"),
            ("a mask with holes", 4, 5, 6, "holes"),
            ("masks that end at step 1", 3, 4, 5, "first"),
            ("N=1, T=1", 1, 1, 4, "full"),
            ("one sequence fully masked", 2, 3, 4, "one_empty")):
        logits = normal(rng, N, T, V)
        targets = rng.integers(0, V, size=(N, T))
        mask = {"full": np.ones((N, T), bool),
                "holes": (np.arange(N * T).reshape(N, T) % 3) != 1,
                "first": np.arange(T)[None, :] < np.ones((N, 1)),
                "one_empty": np.array([[True] * T, [False] * T])}[mask_kind]
        cases.append(Case(label, (logits, targets, mask)))
    cases.append(Case("large logits (|logits| ~ 1e4)",
                      (normal(rng, 2, 3, 5, scale=1e4),
                       np.array([[0, 4, 2], [1, 3, 0]]), np.ones((2, 3), bool))))
    N, T, V = 3, 4, 6
    cases.append(Case("random logits and mask", (normal(rng, N, T, V),
                                                 rng.integers(0, V, size=(N, T)),
                                                 rng.random((N, T)) < 0.6)))
    return cases


def _loss_variant(*, mean_over_mask=False, ignore_mask=False, no_n=False, mean_over_steps=False,
                  naive=False, in_place=False):
    def loss(logits, targets, mask):
        N, T, V = logits.shape
        m = np.ones_like(mask, dtype=bool) if ignore_mask else mask.astype(bool)
        if naive:
            probs = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
            picked = np.take_along_axis(probs, targets[..., None], axis=2)[..., 0]
            value = float(-(np.log(picked) * m).sum() / N)
            return value, (probs - np.eye(V)[targets]) * m[..., None] / N
        if in_place:
            logits -= logits.max(axis=2, keepdims=True)   # changes the caller's logits
        result, d = temporal_softmax_loss(logits, targets, m)
        if mean_over_mask:
            count = max(int(m.sum()), 1)
            return result * N / count, d * N / count
        if mean_over_steps:
            return result / T, d / T
        if no_n:
            return result, d * N
        return result, d
    return loss


LOSS_MISTAKES = [
    mistake("the mask is ignored (padding steps add to the loss)", _loss_variant(ignore_mask=True)),
    mistake("the loss is divided by the number of unmasked steps instead of by N",
            _loss_variant(mean_over_mask=True)),
    mistake("the loss is averaged over the T steps too (divided by N*T instead of N)",
            _loss_variant(mean_over_steps=True)),
    mistake("dlogits is not divided by N", _loss_variant(no_n=True)),
    mistake("log was taken of softmax probabilities, which underflow to 0 at |logits| ~ 1e4 "
            "(use log-sum-exp)", _loss_variant(naive=True)),
]


# -- numerical_gradient and relative_error ----------------------------------------------------
def numerical_gradient_cases(rng):
    cases = []
    for label, shape in (("a vector of 5", (5,)), ("a 3 x 4 matrix", (3, 4)),
                         ("one number", (1,))):
        A, B = np.abs(normal(rng, *shape)) + 0.5, normal(rng, *shape)
        cases.append(Case(f"quadratic form, {label}",
                          (NamedFunction("quadratic_form", {"A": A, "B": B}), normal(rng, *shape))))
    W = np.abs(normal(rng, 2, 3)) + 1.0
    cases.append(Case("sin product, eps = 1e-4",
                      (NamedFunction("sin_product", {"W": W}), normal(rng, 2, 3)), {"eps": 1e-4}))
    cases.append(Case("sin product, eps = 1e-3 (large enough to tell centred from one-sided "
                      "differences)", (NamedFunction("sin_product", {"W": W}), normal(rng, 2, 3)),
                      {"eps": 1e-3}))
    z = normal(rng, 2, 3)
    cases.append(Case("f ignores its argument and reads x through a closure (like "
                      "lambda _: loss() in the notebook's experiment)",
                      (NamedFunction("closure_quadratic", {"A": np.abs(normal(rng, 2, 3)) + 0.5,
                                                           "B": normal(rng, 2, 3),
                                                           "z": Shared("x", z)}),
                       Shared("x", z))))
    shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    cases.append(Case("quadratic form, random shape",
                      (NamedFunction("quadratic_form", {"A": rng.uniform(0.5, 2.0, shape),
                                                        "B": normal(rng, *shape)}),
                       normal(rng, *shape))))
    return cases


def _forward_difference(f, x, eps=1e-5):
    grad, base = np.zeros_like(x), f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


def _on_copies(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def _not_restored(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        grad[i] = (plus - f(x)) / (2 * eps)
    return grad


NUMERICAL_GRADIENT_MISTAKES = [
    mistake("the difference is one-sided, (f(x + eps) - f(x)) / eps, not centred",
            _forward_difference),
    mistake("the centred difference is divided by eps instead of 2 * eps",
            lambda f, x, eps=1e-5: 2 * numerical_gradient(f, x, eps)),
    mistake("f is called on new arrays x + eps e_i and x - eps e_i instead of x changed in "
            "place, so a function that reads x through a closure never sees the change",
            _on_copies),
]


def relative_error_cases(rng):
    a = normal(rng, 3, 4)
    return [
        Case("two 3 x 4 arrays", (a, normal(rng, 3, 4))),
        Case("nearly equal arrays", (a, a * (1 + 1e-7 * normal(rng, 3, 4)))),
        Case("equal arrays", (a, a.copy())),
        Case("both zero (must be 0, not NaN)", (np.zeros(3), np.zeros(3))),
        Case("negative entries", (-np.abs(a), np.abs(a) * 0.5)),
        Case("one number", (np.abs(normal(rng, 1)) + 1.0, np.abs(normal(rng, 1)))),
        Case("a vector of 5 and a random scale", (normal(rng, 5), normal(rng, 5, scale=10.0))),
    ]


RELATIVE_ERROR_MISTAKES = [
    mistake("the mean is taken instead of the maximum",
            lambda a, b: float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))),
    mistake("the denominator is |a + b| instead of |a| + |b|",
            lambda a, b: float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))),
    mistake("the denominator has no floor of 1e-8, so two zeros give 0/0 = NaN",
            lambda a, b: float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))),
]


# -- truncated_bptt ---------------------------------------------------------------------------
def _char_params(rng, V, H):
    Wx, Wh, b = asymmetric_weights(rng, V, H)
    return {"Wx": Wx, "Wh": Wh, "b": b, "Wy": normal(rng, H, V, scale=0.5),
            "by": normal(rng, V, scale=0.5)}


def truncated_cases(rng):
    cases = []
    for label, N, S, V, H, K in (
            ("N=2, 12 characters, chunks of 4", 2, 12, 5, 6, 4),
            ("a last chunk shorter than the others (11 characters, K=3)", 2, 11, 4, 5, 3),
            ("chunks of 1 step", 2, 6, 4, 3, 1),
            ("one chunk covering the whole stream (K >= T)", 2, 7, 4, 3, 10),
            ("N=1, H=1", 1, 9, 3, 1, 2),
            ("the shortest stream (2 characters: one step)", 3, 2, 4, 3, 5)):
        stream = rng.integers(0, V, size=(N, S))
        h0 = np.zeros((N, H)) if label.startswith("chunks of 1") else normal(rng, N, H, scale=0.5)
        cases.append(Case(label, (stream, h0, _char_params(rng, V, H), K)))
    stream = rng.integers(0, 4, size=(2, 10))
    cases.append(Case("N=2, 10 characters, K=3, random", (stream, normal(rng, 2, 3, scale=0.5),
                                                          _char_params(rng, 4, 3), 3)))
    return cases


def truncated_calls(up, stream, h0, params, chunk_length):
    """The calls a correct truncated_bptt makes to temporal_softmax_loss, rnn_output_backward
    and rnn_backward (rnn_forward and rnn_output are the notebook's provided code)."""
    V, h = params["Wx"].shape[0], h0
    for start, stop in chunk_bounds(stream.shape[1], chunk_length):
        inputs, targets = stream[:, start:stop], stream[:, start + 1:stop + 1]
        hs, cache = rnn_forward(one_hot(inputs, V), h, params["Wx"], params["Wh"], params["b"])
        logits, output_cache = rnn_output(hs, params["Wy"], params["by"])
        _, dlogits = up.temporal_softmax_loss(logits, targets, np.ones(targets.shape, bool))
        dhs, _, _ = up.rnn_output_backward(dlogits, output_cache)
        up.rnn_backward(dhs, cache)
        h = hs[:, -1]


def _truncated_variant(*, reset_state=False, target_shift=1, last_only=False, keep_h0=False,
                       drop_last_chunk=False, per_step=False):
    def run(stream, h0, params, chunk_length):
        h, losses = h0, []
        total = {name: np.zeros_like(params[name]) for name in PARAM_NAMES}
        bounds = chunk_bounds(stream.shape[1], chunk_length)
        if drop_last_chunk and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < chunk_length:
            bounds = bounds[:-1]
        for start, stop in bounds:
            inputs = stream[:, start:stop]
            targets = stream[:, start + target_shift:stop + target_shift]
            loss, grads, h_last = char_rnn_loss(inputs, targets, h0 if reset_state else h, params)
            losses.append(loss / (stop - start) if per_step else loss)
            total = grads if last_only else {n: total[n] + grads[n] for n in PARAM_NAMES}
            h = h_last
        return np.array(losses), total, (h0 if keep_h0 else h)
    return run


TRUNCATED_MISTAKES = [
    mistake("the hidden state is not carried across chunks (every chunk starts from h0)",
            _truncated_variant(reset_state=True)),
    mistake("the targets are off by one (each step is asked to predict its own input instead "
            "of the next character)", _truncated_variant(target_shift=0)),
    mistake("the gradients of the chunks are not summed (only the last chunk's are returned)",
            _truncated_variant(last_only=True)),
    mistake("h0 is returned instead of the state after the last chunk",
            _truncated_variant(keep_h0=True)),
    mistake("a last chunk shorter than K is dropped", _truncated_variant(drop_last_chunk=True)),
    mistake("each chunk's loss is divided by its number of steps (the loss is summed over "
            "time, averaged over the batch only)", _truncated_variant(per_step=True)),
]


# -- optimisers -------------------------------------------------------------------------------
def sgd_cases(rng):
    return [
        Case("a 3 x 4 matrix, learning rate 0.1", (normal(rng, 3, 4), normal(rng, 3, 4), 0.1)),
        Case("a vector, learning rate 1e-3", (normal(rng, 5), normal(rng, 5), 1e-3)),
        Case("zero gradient", (normal(rng, 2, 2), np.zeros((2, 2)), 0.5)),
        Case("large gradient entries (|grad| ~ 1e3): no clipping here",
             (normal(rng, 4), normal(rng, 4, scale=1e3), 0.01)),
        Case("random matrix", (normal(rng, 2, 3), normal(rng, 2, 3), float(rng.uniform(0.01, 1)))),
    ]


def _sgd_in_place(param, grad, learning_rate):
    param -= learning_rate * grad                        # changes the caller's param
    return param


SGD_MISTAKES = [
    mistake("the step goes up the gradient (+ instead of -)", lambda p, g, lr: p + lr * g),
    mistake("the gradient is clipped inside sgd_step (sgd_step takes the gradient as given)",
            lambda p, g, lr: p - lr * np.clip(g, -5.0, 5.0)),
]


def adagrad_cases(rng):
    return [
        Case("first step (zero cache), learning rate 0.1",
             (normal(rng, 3, 4), normal(rng, 3, 4), np.zeros((3, 4)), 0.1)),
        Case("a later step (cache > 0)",
             (normal(rng, 5), normal(rng, 5), np.abs(normal(rng, 5)) + 0.1, 0.05)),
        Case("tiny gradients (where eps matters)",
             (normal(rng, 4), 1e-6 * normal(rng, 4), np.zeros(4), 0.1)),
        Case("zero gradient and zero cache", (normal(rng, 2, 2), np.zeros((2, 2)),
                                              np.zeros((2, 2)), 0.1)),
        Case("eps = 1e-4", (normal(rng, 3), normal(rng, 3), np.abs(normal(rng, 3)), 0.1),
             {"eps": 1e-4}),
        Case("random later step", (normal(rng, 2, 3), normal(rng, 2, 3),
                                   rng.uniform(0.1, 3.0, (2, 3)), 0.1)),
    ]


def _adagrad_in_place(param, grad, cache, learning_rate, eps=1e-8):
    cache += grad * grad                                 # changes the caller's cache
    return param - learning_rate * grad / np.sqrt(cache + eps), cache


ADAGRAD_MISTAKES = [
    mistake("the step uses the old cache (update the cache with grad**2 first)",
            lambda p, g, c, lr, eps=1e-8: (p - lr * g / np.sqrt(c + eps), c + g * g)),
    mistake("eps is added outside the square root (sqrt(cache) + eps instead of "
            "sqrt(cache + eps), as this notebook defines it)",
            lambda p, g, c, lr, eps=1e-8: (p - lr * g / (np.sqrt(c + g * g) + eps), c + g * g)),
    mistake("the cache is replaced by grad**2 instead of accumulating",
            lambda p, g, c, lr, eps=1e-8: (p - lr * g / np.sqrt(g * g + eps), g * g)),
]


# Mistakes whose returned values are right: an argument changed in place. What a function
# does to its inputs is only the kernel's account of itself (learner code can copy the
# inputs first, or replace the helper that compares them), so it carries no points
# (issue 15): the visible check names these, the hidden check keeps them to show that they
# keep full marks (tests/checks/test_every_check.py).
UNSCORED = {
    "rnn_step_backward": [
        mistake("dh is multiplied by the tanh derivative in place (dh *= ...), which changes the "
            "caller's array", _step_backward_with(in_place=True))],
    "temporal_softmax_loss": [
        mistake("the maximum was subtracted from the logits in place (logits -= ...), which "
            "changes the caller's array", _loss_variant(in_place=True))],
    "numerical_gradient": [
        mistake("x is not restored after each entry, so it is changed when the function returns",
            _not_restored)],
    "sgd_step": [
        mistake("param is updated in place (param -= ...) instead of returning a new array",
            _sgd_in_place)],
    "adagrad_step": [
        mistake("the cache is updated in place (cache += ...) instead of returning a new array",
            _adagrad_in_place)],
}


CHECKS = [
    function_check("rnn_step_backward", unscored=UNSCORED["rnn_step_backward"],
                   reference=rnn_step_backward, cases=step_backward_cases,
                   outputs=GRADIENTS, mistakes=STEP_BACKWARD_MISTAKES),
    function_check("rnn_backward", reference=rnn_backward, cases=backward_cases,
                   outputs=SEQUENCE_GRADIENTS, mistakes=BACKWARD_MISTAKES,
                   upstream=Upstream({"rnn_step_backward": rnn_step_backward}, backward_calls)),
    function_check("state_jacobian_product", reference=state_jacobian_product,
                   cases=jacobian_cases, outputs=("jacobian",), mistakes=JACOBIAN_MISTAKES),
    function_check("stacked_rnn_backward", reference=stacked_rnn_backward,
                   cases=stacked_backward_cases, outputs=_stacked_backward_outputs,
                   mistakes=STACKED_BACKWARD_MISTAKES,
                   upstream=Upstream({"rnn_backward": rnn_backward}, stacked_backward_calls)),
    function_check("rnn_output_backward", reference=rnn_output_backward,
                   cases=output_backward_cases, outputs=("dh", "dWy", "dby"),
                   mistakes=OUTPUT_BACKWARD_MISTAKES),
    function_check("temporal_softmax_loss", unscored=UNSCORED["temporal_softmax_loss"],
                   reference=temporal_softmax_loss, cases=loss_cases,
                   outputs=("loss", "dlogits"), mistakes=LOSS_MISTAKES),
    function_check("numerical_gradient", unscored=UNSCORED["numerical_gradient"],
                   reference=numerical_gradient,
                   cases=numerical_gradient_cases, outputs=("grad",), rtol=1e-6, atol=1e-7,
                   mistakes=NUMERICAL_GRADIENT_MISTAKES),
    function_check("relative_error", reference=relative_error, cases=relative_error_cases,
                   outputs=("error",), mistakes=RELATIVE_ERROR_MISTAKES),
    function_check("truncated_bptt", reference=truncated_bptt, cases=truncated_cases,
                   outputs=("losses", "grads", "h_final"), mistakes=TRUNCATED_MISTAKES,
                   upstream=Upstream({"temporal_softmax_loss": temporal_softmax_loss,
                                      "rnn_output_backward": rnn_output_backward,
                                      "rnn_backward": rnn_backward}, truncated_calls)),
    function_check("sgd_step", unscored=UNSCORED["sgd_step"],
                   reference=sgd_step, cases=sgd_cases, outputs=("new_param",),
                   mistakes=SGD_MISTAKES),
    function_check("adagrad_step", unscored=UNSCORED["adagrad_step"],
                   reference=adagrad_step, cases=adagrad_cases,
                   outputs=("new_param", "new_cache"), mistakes=ADAGRAD_MISTAKES),
]
