"""Hidden checks of notebook 03 (backpropagation through time).

Backward passes get a cache built here from the case's inputs, in the layout the notebook states
((x, h_prev, Wx, Wh, h, "tanh") for one step, (x, h0, Wx, Wh, h, "tanh") for a sequence,
(h, Wy) for the output layer), so they never depend on the learner's forward pass.
"""
from __future__ import annotations

import numpy as np

from coursekit.wire import NamedFunction
from grader.reference.activations import softmax
from grader.reference.checks.framework import Case, Mistake, function_check
from grader.reference.checks.rnn_recurrence import guarded, normal_array, rnn_weights
from grader.reference.gradcheck import numerical_gradient, relative_error
from grader.reference.losses import temporal_softmax_loss
from grader.reference.optim import adagrad_step, sgd_step
from grader.reference.rnn import (rnn_backward, rnn_forward, rnn_output_backward,
                                  rnn_step_backward, rnn_step_forward)
from grader.reference.truncated_bptt import PARAM_NAMES, char_rnn_loss, chunk_bounds, truncated_bptt


# -- rnn_step_backward ------------------------------------------------------------------------
def step_backward_cases(rng):
    cases = []
    for label, N, D, H, x_scale in (("N=3, D=4, H=5", 3, 4, 5, 1.0), ("N=1, D=2, H=3", 1, 2, 3, 1.0),
                                    ("H=1", 4, 3, 1, 1.0), ("D=H=4 (square Wx)", 2, 4, 4, 1.0),
                                    ("large inputs (|x| ~ 1e3, tanh saturates)", 3, 3, 4, 1e3)):
        x, h_prev = normal_array(rng, N, D, scale=x_scale), normal_array(rng, N, H)
        Wx, Wh, b = rnn_weights(rng, D, H)
        if label.startswith("large"):
            h_prev = np.zeros((N, H))
        h, cache = rnn_step_forward(x, h_prev, Wx, Wh, b)
        cases.append(Case(label, (normal_array(rng, N, H), cache)))
    Wx, Wh, b = rnn_weights(rng, 3, 4)
    _, cache = rnn_step_forward(normal_array(rng, 2, 3), np.zeros((2, 4)), Wx, Wh, b)
    cases.append(Case("zero previous state", (normal_array(rng, 2, 4), cache)))
    return cases


def _pre_activation(x, h_prev, Wx, Wh):
    return x @ Wx + h_prev @ Wh


def _step_backward_with(derivative=None, dWh_from_h=False, no_batch_sum=False):
    def backward(dh, cache):
        x, h_prev, Wx, Wh, h, _ = cache
        local = (1 - h * h) if derivative is None else derivative(x, h_prev, Wx, Wh, h)
        da = dh * local
        dWh = (h if dWh_from_h else h_prev).T @ da
        db = da if no_batch_sum else da.sum(axis=0)
        return da @ Wx.T, da @ Wh.T, x.T @ da, dWh, db
    return backward


STEP_BACKWARD_MISTAKES = [
    Mistake("the tanh derivative is taken of the pre-activation a (1 - a**2) instead of "
            "written with h (1 - h**2)",
            _step_backward_with(lambda x, hp, Wx, Wh, h: 1 - _pre_activation(x, hp, Wx, Wh) ** 2)),
    Mistake("tanh is applied to h again (1 - tanh(h)**2); h is already tanh(a), so the "
            "derivative is 1 - h**2",
            _step_backward_with(lambda x, hp, Wx, Wh, h: 1 - np.tanh(h) ** 2)),
    Mistake("the tanh derivative is left out (the gradient on h is used as the gradient on a)",
            _step_backward_with(lambda x, hp, Wx, Wh, h: np.ones_like(h))),
    Mistake("dWh uses the new state h instead of h_prev", _step_backward_with(dWh_from_h=True)),
    Mistake("Wh is not transposed in dh_prev (da @ Wh instead of da @ Wh.T)",
            lambda dh, c: (lambda r: (r[0], (dh * (1 - c[4] ** 2)) @ c[3], *r[2:]))(
                rnn_step_backward(dh, c))),
]


# -- rnn_backward -----------------------------------------------------------------------------
def backward_cases(rng):
    cases = []
    for label, N, T, D, H, x_scale in (("N=3, T=5, D=4, H=6", 3, 5, 4, 6, 1.0),
                                       ("N=1, T=1", 1, 1, 3, 4, 1.0), ("T=1", 3, 1, 2, 5, 1.0),
                                       ("N=1, H=1", 1, 6, 3, 1, 1.0),
                                       ("long sequence T=30", 2, 30, 3, 4, 1.0),
                                       ("large inputs (|x| ~ 1e3)", 2, 4, 3, 4, 1e3)):
        x, h0 = normal_array(rng, N, T, D, scale=x_scale), normal_array(rng, N, H)
        Wx, Wh, b = rnn_weights(rng, D, H)
        _, cache = rnn_forward(x, h0, Wx, Wh, b)
        cases.append(Case(label, (normal_array(rng, N, T, H), cache)))
    x = normal_array(rng, 2, 5, 3)
    Wx, Wh, b = rnn_weights(rng, 3, 4)
    _, cache = rnn_forward(x, np.zeros((2, 4)), Wx, Wh, b)
    dh = np.zeros((2, 5, 4))
    dh[:, -1] = normal_array(rng, 2, 4)
    cases.append(Case("zero initial state; loss only on the last step", (dh, cache)))
    return cases


def _bptt_variant(*, accumulate=True, carry=True, last_only=False, derivative=None):
    def backward(dh, cache):
        x, h0, Wx, Wh, h, _ = cache
        N, T, D = x.shape
        H = h0.shape[1]
        dx = np.zeros((N, T, D))
        dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
        dh_next = np.zeros((N, H))
        for t in reversed(range(T)):
            upstream = dh[:, t] if (not last_only or t == T - 1) else 0.0
            h_prev = h0 if t == 0 else h[:, t - 1]
            local = 1 - h[:, t] ** 2 if derivative is None else derivative(x[:, t], h_prev, Wx, Wh)
            da = (upstream + (dh_next if carry else 0.0)) * local
            dx[:, t] = da @ Wx.T
            if accumulate:
                dWx, dWh, db = dWx + x[:, t].T @ da, dWh + h_prev.T @ da, db + da.sum(axis=0)
            elif t == 0:
                dWx, dWh, db = x[:, t].T @ da, h_prev.T @ da, da.sum(axis=0)
            dh_next = da @ Wh.T
        return dx, dh_next, dWx, dWh, db
    return backward


BACKWARD_MISTAKES = [
    Mistake("the weight gradients are not accumulated over time (each step overwrites dWx, dWh "
            "and db instead of adding to them)", _bptt_variant(accumulate=False)),
    Mistake("the gradient from step t+1 (dh_prev of the later step) is not added to dh[:, t]",
            _bptt_variant(carry=False)),
    Mistake("only the gradient on the last state dh[:, -1] is used", _bptt_variant(last_only=True)),
    Mistake("the tanh derivative is taken of the pre-activation a (1 - a**2) instead of "
            "written with h (1 - h**2)",
            _bptt_variant(derivative=lambda x, hp, Wx, Wh: 1 - _pre_activation(x, hp, Wx, Wh) ** 2)),
]


# -- rnn_output_backward ----------------------------------------------------------------------
def output_backward_cases(rng):
    cases = []
    for label, shape, V in (("N=2, T=3, H=4, V=5", (2, 3, 4), 5), ("N=1, T=1", (1, 1, 3), 4),
                            ("one step, h of shape (N, H)", (3, 4), 6), ("H=1", (2, 2, 1), 3)):
        h, Wy = np.tanh(normal_array(rng, *shape)), normal_array(rng, shape[-1], V)
        cases.append(Case(label, (normal_array(rng, *shape[:-1], V), (h, Wy))))
    return cases


OUTPUT_BACKWARD_MISTAKES = [
    Mistake("dby is not summed over the time steps (only over the batch)",
            lambda d, c: (d @ c[1].T, c[0].reshape(-1, c[1].shape[0]).T @ d.reshape(-1, d.shape[-1]),
                          d.sum(axis=0))),
]


# -- temporal_softmax_loss --------------------------------------------------------------------
def loss_cases(rng):
    cases = []
    for label, N, T, V, mask_kind in (("N=3, T=4, V=5, full mask", 3, 4, 5, "full"),
                                      ("random mask", 4, 5, 6, "random"),
                                      ("masks that end at step 1", 3, 4, 5, "first"),
                                      ("N=1, T=1", 1, 1, 4, "full"),
                                      ("one sequence fully masked", 2, 3, 4, "one_empty")):
        logits, targets = normal_array(rng, N, T, V), rng.integers(0, V, size=(N, T))
        mask = {"full": np.ones((N, T), bool), "random": rng.random((N, T)) < 0.6,
                "first": np.arange(T)[None, :] < np.ones((N, 1)),
                "one_empty": np.array([[True] * T, [False] * T])}[mask_kind]
        cases.append(Case(label, (logits, targets, mask)))
    cases.append(Case("large logits (|logits| ~ 1e4)",
                      (normal_array(rng, 2, 3, 5, scale=1e4), rng.integers(0, 5, size=(2, 3)),
                       np.ones((2, 3), bool))))
    return cases


def _loss_variant(*, mean_over_mask=False, ignore_mask=False, no_n=False):
    def loss(logits, targets, mask):
        N = logits.shape[0]
        m = np.ones_like(mask, dtype=bool) if ignore_mask else mask.astype(bool)
        result, d = temporal_softmax_loss(logits, targets, m)
        if mean_over_mask:
            count = max(int(m.sum()), 1)
            return result * N / count, d * N / count
        if no_n:
            return result, d * N
        return result, d
    return loss


LOSS_MISTAKES = [
    Mistake("the mask is ignored (padding steps add to the loss)", _loss_variant(ignore_mask=True)),
    Mistake("the loss is divided by the number of unmasked steps instead of by N",
            _loss_variant(mean_over_mask=True)),
    Mistake("dlogits is not divided by N", _loss_variant(no_n=True)),
]


# -- numerical_gradient and relative_error ----------------------------------------------------
def numerical_gradient_cases(rng):
    cases = []
    for label, shape in (("a vector of 5", (5,)), ("a 3 x 4 matrix", (3, 4)), ("one number", (1,))):
        A, B = rng.uniform(0.5, 2.0, shape), normal_array(rng, *shape)
        cases.append(Case(f"quadratic form, {label}",
                          (NamedFunction("quadratic_form", {"A": A, "B": B}), normal_array(rng, *shape))))
    W = rng.uniform(1.0, 3.0, (2, 3))
    cases.append(Case("sin product, eps = 1e-4",
                      (NamedFunction("sin_product", {"W": W}), normal_array(rng, 2, 3)), {"eps": 1e-4}))
    cases.append(Case("sin product, eps = 1e-3 (large enough to tell centred from one-sided "
                      "differences)", (NamedFunction("sin_product", {"W": W}), normal_array(rng, 2, 3)),
                      {"eps": 1e-3}))
    return cases


def _forward_difference(f, x, eps=1e-5):
    grad, base = np.zeros_like(x), f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


NUMERICAL_GRADIENT_MISTAKES = [
    Mistake("the difference is one-sided, (f(x + eps) - f(x)) / eps, not centred",
            _forward_difference),
    Mistake("the centred difference is divided by eps instead of 2 * eps",
            lambda f, x, eps=1e-5: 2 * numerical_gradient(f, x, eps)),
]


def relative_error_cases(rng):
    a = normal_array(rng, 3, 4)
    return [
        Case("two random 3 x 4 arrays", (a, normal_array(rng, 3, 4))),
        Case("nearly equal arrays", (a, a * (1 + 1e-7 * normal_array(rng, 3, 4)))),
        Case("equal arrays", (a, a.copy())),
        Case("both zero (must be 0, not NaN)", (np.zeros(3), np.zeros(3))),
        Case("negative entries", (-np.abs(a), np.abs(a) * 0.5)),
        Case("one number", (np.array([2.0]), np.array([1.0]))),
    ]


RELATIVE_ERROR_MISTAKES = [
    Mistake("the mean is taken instead of the maximum",
            lambda a, b: float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))),
    Mistake("the denominator is |a + b| instead of |a| + |b|",
            lambda a, b: float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))),
]


# -- truncated_bptt ---------------------------------------------------------------------------
def _char_params(rng, V, H):
    Wx, Wh, b = rnn_weights(rng, V, H)
    return {"Wx": Wx, "Wh": Wh, "b": b, "Wy": normal_array(rng, H, V, scale=0.5),
            "by": normal_array(rng, V, scale=0.5)}


def truncated_cases(rng):
    cases = []
    for label, N, L, V, H, k in (("N=2, 12 characters, chunks of 4", 2, 12, 5, 6, 4),
                                 ("a last chunk shorter than the others (L=11, k=3)", 2, 11, 4, 5, 3),
                                 ("chunks of 1 step", 2, 6, 4, 3, 1),
                                 ("one chunk covering the whole stream (k >= L-1)", 2, 7, 4, 3, 10),
                                 ("N=1, H=1", 1, 9, 3, 1, 2),
                                 ("the shortest stream (L=2)", 3, 2, 4, 3, 5)):
        stream = rng.integers(0, V, size=(N, L))
        h0 = np.zeros((N, H)) if label.startswith("chunks of 1") else normal_array(rng, N, H, scale=0.5)
        cases.append(Case(label, (stream, h0, _char_params(rng, V, H), k)))
    return cases


def _truncated_variant(*, reset_state=False, target_shift=1, last_only=False, keep_h0=False):
    def run(stream, h0, params, chunk_length):
        h, losses = h0, []
        total = {name: np.zeros_like(params[name]) for name in PARAM_NAMES}
        L = stream.shape[1]
        for start, stop in chunk_bounds(L, chunk_length):
            inputs = stream[:, start:stop]
            targets = stream[:, start + target_shift:stop + target_shift]
            loss, grads, h_last = char_rnn_loss(inputs, targets, h0 if reset_state else h, params)
            losses.append(loss)
            total = grads if last_only else {n: total[n] + grads[n] for n in PARAM_NAMES}
            h = h_last
        return np.array(losses), total, (h0 if keep_h0 else h)
    return run


TRUNCATED_MISTAKES = [
    Mistake("the hidden state is not carried across chunks (every chunk starts from h0)",
            _truncated_variant(reset_state=True)),
    Mistake("the targets are off by one (each step is asked to predict its own input instead "
            "of the next character)", _truncated_variant(target_shift=0)),
    Mistake("the gradients of the chunks are not summed (only the last chunk's are returned)",
            _truncated_variant(last_only=True)),
    Mistake("h0 is returned instead of the state after the last chunk",
            _truncated_variant(keep_h0=True)),
]


# -- optimisers -------------------------------------------------------------------------------
def sgd_cases(rng):
    return [
        Case("a 3 x 4 matrix, learning rate 0.1", (normal_array(rng, 3, 4), normal_array(rng, 3, 4), 0.1)),
        Case("a vector, learning rate 1e-3", (normal_array(rng, 5), normal_array(rng, 5), 1e-3)),
        Case("zero gradient", (normal_array(rng, 2, 2), np.zeros((2, 2)), 0.5)),
    ]


def adagrad_cases(rng):
    return [
        Case("first step (zero cache), learning rate 0.1",
             (normal_array(rng, 3, 4), normal_array(rng, 3, 4), np.zeros((3, 4)), 0.1)),
        Case("a later step (cache > 0)",
             (normal_array(rng, 5), normal_array(rng, 5), rng.uniform(0.1, 3.0, 5), 0.05)),
        Case("tiny gradients (where eps matters)",
             (normal_array(rng, 4), 1e-6 * normal_array(rng, 4), np.zeros(4), 0.1)),
        Case("zero gradient and zero cache", (normal_array(rng, 2, 2), np.zeros((2, 2)),
                                              np.zeros((2, 2)), 0.1)),
        Case("eps = 1e-4", (normal_array(rng, 3), normal_array(rng, 3), rng.uniform(0, 1, 3), 0.1),
             {"eps": 1e-4}),
    ]


ADAGRAD_MISTAKES = [
    Mistake("the step uses the old cache (update the cache with grad**2 first)",
            lambda p, g, c, lr, eps=1e-8: (p - lr * g / np.sqrt(c + eps), c + g * g)),
    Mistake("eps is added outside the square root (sqrt(cache) + eps instead of "
            "sqrt(cache + eps), as this notebook defines it)",
            lambda p, g, c, lr, eps=1e-8: (p - lr * g / (np.sqrt(c + g * g) + eps), c + g * g)),
    Mistake("the cache is replaced by grad**2 instead of accumulating",
            lambda p, g, c, lr, eps=1e-8: (p - lr * g / np.sqrt(g * g + eps), g * g)),
]


CHECKS = [
    function_check("rnn_step_backward", reference=rnn_step_backward, cases=step_backward_cases,
                   outputs=("dx", "dh_prev", "dWx", "dWh", "db"),
                   mistakes=[guarded(m, pair=False) for m in STEP_BACKWARD_MISTAKES]),
    function_check("rnn_backward", reference=rnn_backward, cases=backward_cases,
                   outputs=("dx", "dh0", "dWx", "dWh", "db"),
                   mistakes=[guarded(m, pair=False) for m in BACKWARD_MISTAKES]),
    function_check("rnn_output_backward", reference=rnn_output_backward,
                   cases=output_backward_cases, outputs=("dh", "dWy", "dby"),
                   mistakes=[guarded(m, pair=False) for m in OUTPUT_BACKWARD_MISTAKES]),
    function_check("temporal_softmax_loss", reference=temporal_softmax_loss, cases=loss_cases,
                   outputs=("loss", "dlogits"),
                   mistakes=[guarded(m, pair=False) for m in LOSS_MISTAKES]),
    function_check("numerical_gradient", reference=numerical_gradient,
                   cases=numerical_gradient_cases, outputs=("grad",), rtol=1e-6, atol=1e-7,
                   mistakes=[guarded(m, pair=False) for m in NUMERICAL_GRADIENT_MISTAKES]),
    function_check("relative_error", reference=relative_error, cases=relative_error_cases,
                   outputs=("error",),
                   mistakes=[guarded(m, pair=False) for m in RELATIVE_ERROR_MISTAKES]),
    function_check("truncated_bptt", reference=truncated_bptt, cases=truncated_cases,
                   outputs=("losses", "grads", "h_final"),
                   mistakes=[guarded(m, pair=False) for m in TRUNCATED_MISTAKES]),
    function_check("sgd_step", reference=sgd_step, cases=sgd_cases, outputs=("new_param",),
                   mistakes=[guarded(Mistake("the step goes up the gradient (+ instead of -)",
                                             lambda p, g, lr: p + lr * g), pair=False)]),
    function_check("adagrad_step", reference=adagrad_step, cases=adagrad_cases,
                   outputs=("new_param", "new_cache"),
                   mistakes=[guarded(m, pair=False) for m in ADAGRAD_MISTAKES]),
]
