"""Hidden checks of notebook 05 (the LSTM).

Gate order i, f, g, o (torch.nn.LSTM). Backward passes get caches built here by the reference
forward pass, in the layouts the notebook states ((x, h_prev, c_prev, Wx, Wh, gates, c) for one
step, (x, h0, c0, Wx, Wh, gates, c, h) for a sequence), so they never depend on the learner's
forward pass. Downstream exercises are judged on their own logic (`Upstream`): lstm_step_forward
gets the reference sigmoid, lstm_forward the reference step (and sigmoid, if it does the step
inline), lstm_backward the reference step backward.

Every case set starts with the same deterministic edge cases (N=1, H=1, T=1, zero input and
state, saturated gates, non-square weights, c0 given and omitted, ...), which catch every listed
mistake whatever the generator; the random draws then vary the numbers.
"""
from __future__ import annotations

import numpy as np

from rnn_numpy.activations import sigmoid
from grader.checks.framework import Case, Mistake, Upstream, function_check
from grader.checks.common import normal as normal_array
from rnn_numpy.lstm import (cell_path_gradient, forget_gate_bias_init, lstm_backward,
                                   lstm_forward, lstm_step_backward, lstm_step_forward)

STEP_CACHE = ("x", "h_prev", "c_prev", "Wx", "Wh", "gates", "c")
SEQUENCE_CACHE = ("x", "h0", "c0", "Wx", "Wh", "gates", "c", "h")


def lstm_weights(rng, D, H, scale=0.5):
    """Wx (D, 4H), Wh (H, 4H), b (4H,): every gate block different, so a block read in the wrong
    place changes the result."""
    return (normal_array(rng, D, 4 * H, scale=scale), normal_array(rng, H, 4 * H, scale=scale),
            normal_array(rng, 4 * H, scale=scale) + np.repeat([0.5, 1.0, -0.5, -1.0], H))


def _blocks(a, order="ifgo"):
    """The four (N, H) blocks of a pre-activation (N, 4H), named by `order`."""
    H = a.shape[-1] // 4
    return {name: a[..., k * H:(k + 1) * H] for k, name in enumerate(order)}


# -- sigmoid ----------------------------------------------------------------------------------
SIGMOID_RANGE = np.array([-1e4, -800.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 800.0, 1e4])


def sigmoid_cases(rng):
    return [
        Case("x from -1e4 to 1e4 (exp(1e4) is inf: no NaN may come out)", (SIGMOID_RANGE.copy(),)),
        Case("zeros (sigmoid(0) = 0.5)", (np.zeros(4),)),
        Case("a (3, 4) matrix", (normal_array(rng, 3, 4, scale=3.0),)),
        Case("a (2, 3, 5) array", (normal_array(rng, 2, 3, 5),)),
        Case("large numbers of both signs, shape (4, 3)", (normal_array(rng, 4, 3, scale=2e3),)),
    ]


SIGMOID_MISTAKES = [
    Mistake("it is written as exp(x) / (1 + exp(x)): for large positive x that is inf / inf = "
            "NaN", lambda x: np.exp(x) / (1 + np.exp(x))),
    Mistake("the sign in the exponent is flipped: 1 / (1 + exp(x)) is sigmoid(-x)",
            lambda x: sigmoid(-x)),
]
# Mistakes whose returned values are right carry no points (issue 15): 1 / (1 + exp(-x)) for
# every x returns 0 where exp(-x) overflows to inf, as it should; only NumPy warns, and a warning
# is the kernel's account of itself (learner code can silence it). The visible check names it.
SIGMOID_UNSCORED = [
    Mistake("it is written as 1 / (1 + exp(-x)) for every x: the values are right, but exp(-x) "
            "overflows (with a warning) for x below about -709", lambda x: 1 / (1 + np.exp(-x))),
]


# -- lstm_step_forward ------------------------------------------------------------------------
def step_forward_cases(rng):
    cases = []
    for label, N, D, H, x_scale in (("N=3, D=4, H=5", 3, 4, 5, 1.0), ("N=1, D=2, H=3", 1, 2, 3, 1.0),
                                    ("H=1", 4, 3, 1, 1.0), ("D=8, H=2 (square Wx)", 2, 8, 2, 1.0),
                                    ("large inputs (|x| ~ 1e3, the gates saturate)", 3, 3, 4, 1e3)):
        Wx, Wh, b = lstm_weights(rng, D, H)
        cases.append(Case(label, (normal_array(rng, N, D, scale=x_scale), normal_array(rng, N, H),
                                  normal_array(rng, N, H), Wx, Wh, b)))
    Wx, Wh, b = lstm_weights(rng, 3, 4)
    cases.append(Case("zero input and zero states (the gates are the activated biases)",
                      (np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), Wx, Wh, b)))
    cases.append(Case("zero previous cell state",
                      (normal_array(rng, 2, 3), normal_array(rng, 2, 4), np.zeros((2, 4)), Wx, Wh, b)))
    cases.append(Case("large previous cell state (|c_prev| ~ 5)",
                      (normal_array(rng, 2, 3), normal_array(rng, 2, 4),
                       normal_array(rng, 2, 4, scale=5.0), Wx, Wh, b)))
    return cases


def _step_variant(*, order="ifgo", candidate=np.tanh, forget_on="c_prev", squash_c=True,
                  new_c_in_h=True, bias=True, cache_pre_activation=False):
    """lstm_step_forward as a learner who made one mistake wrote it."""
    def step(x, h_prev, c_prev, Wx, Wh, b):
        a = x @ Wx + h_prev @ Wh + (b if bias else 0.0)
        blocks = _blocks(a, order)
        i, f, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
        g = candidate(blocks["g"])
        c = f * c_prev + i * g if forget_on == "c_prev" else f * g + i * c_prev
        cell = c if new_c_in_h else c_prev
        h = o * (np.tanh(cell) if squash_c else cell)
        gates = a if cache_pre_activation else np.concatenate(
            [{"i": i, "f": f, "g": g, "o": o}[name] for name in order], axis=1)
        return h, c, (x, h_prev, c_prev, Wx, Wh, gates, c)
    return step


STEP_FORWARD_MISTAKES = [
    Mistake("the gate blocks are read in the order i, f, o, g (another common layout); this "
            "course uses torch's order i, f, g, o", _step_variant(order="ifog")),
    Mistake("sigmoid is used where tanh belongs: the candidate g must be tanh(a_g), in [-1, 1]",
            _step_variant(candidate=sigmoid)),
    Mistake("the forget gate is applied to the new candidate instead of c_prev (c = f * g + "
            "i * c_prev instead of f * c_prev + i * g)", _step_variant(forget_on="g")),
    Mistake("tanh of the cell state is left out of h (h = o * c instead of o * tanh(c))",
            _step_variant(squash_c=False)),
    Mistake("h is made from the previous cell state (o * tanh(c_prev)) instead of the new one",
            _step_variant(new_c_in_h=False)),
    Mistake("the bias b is left out", _step_variant(bias=False)),
    Mistake("the cache holds the pre-activations a instead of the activated gates "
            "[i, f, g, o]", _step_variant(cache_pre_activation=True)),
]


def _sigmoid_calls(up, a):
    """The calls to sigmoid a correct step makes on a pre-activation a (N, 4H): per gate block,
    or on the whole of a, or on the i and f blocks together."""
    H = a.shape[1] // 4
    for block in (a[:, :H], a[:, H:2 * H], a[:, 3 * H:], a, a[:, :2 * H],
                  np.concatenate([a[:, :2 * H], a[:, 3 * H:]], axis=1)):
        up.sigmoid(block)


def step_forward_calls(up, x, h_prev, c_prev, Wx, Wh, b):
    _sigmoid_calls(up, x @ Wx + h_prev @ Wh + b)


# -- lstm_forward -----------------------------------------------------------------------------
def forward_cases(rng):
    cases = []
    for label, N, T, D, H, c0_kind, x_scale in (
            ("N=3, T=5, D=4, H=6, c0 given", 3, 5, 4, 6, "given", 1.0),
            ("N=1, T=1, c0 omitted (zeros)", 1, 1, 3, 4, "omitted", 1.0),
            ("T=1, c0 given", 3, 1, 2, 5, "given", 1.0),
            ("N=1, H=1, c0 omitted", 1, 6, 3, 1, "omitted", 1.0),
            ("D=12, H=3 (square Wx), c0 = None passed by name", 2, 4, 12, 3, "None", 1.0),
            ("long sequence T=30, c0 passed by position", 2, 30, 3, 4, "positional", 1.0),
            ("large inputs (|x| ~ 1e3), c0 omitted", 2, 4, 3, 4, "omitted", 1e3)):
        Wx, Wh, b = lstm_weights(rng, D, H)
        x, h0 = normal_array(rng, N, T, D, scale=x_scale), normal_array(rng, N, H)
        c0 = normal_array(rng, N, H)
        args, kwargs = (x, h0, Wx, Wh, b), {}
        if c0_kind == "given":
            kwargs = {"c0": c0}
        elif c0_kind == "None":
            kwargs = {"c0": None}
        elif c0_kind == "positional":
            args = args + (c0,)
        cases.append(Case(label, args, kwargs))
    Wx, Wh, b = lstm_weights(rng, 3, 4)
    cases.append(Case("zero initial states h0 and c0",
                      (normal_array(rng, 2, 4, 3), np.zeros((2, 4)), Wx, Wh, b), {"c0": np.zeros((2, 4))}))
    return cases


def _forward_variant(*, carry_h=True, carry_c=True, cache_none=False):
    def forward(x, h0, Wx, Wh, b, c0=None):
        N, T, _ = x.shape
        H = h0.shape[1]
        start_c = np.zeros_like(h0) if c0 is None else c0
        h, c, gates = np.zeros((N, T, H)), np.zeros((N, T, H)), np.zeros((N, T, 4 * H))
        h_prev, c_prev = h0, start_c
        for t in range(T):
            h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
            h[:, t], c[:, t], gates[:, t] = h_t, c_t, step_cache[5]
            h_prev = h_t if carry_h else h0
            c_prev = c_t if carry_c else start_c
        return h, (x, h0, c0 if cache_none else start_c, Wx, Wh, gates, c, h)
    return forward


FORWARD_MISTAKES = [
    Mistake("the cell state is not carried: every step starts from c0",
            _forward_variant(carry_c=False)),
    Mistake("the hidden state is not carried: every step starts from h0",
            _forward_variant(carry_h=False)),
    Mistake("the cache holds c0 = None when c0 is omitted, instead of the zeros the forward "
            "pass started from", _forward_variant(cache_none=True)),
]


def forward_calls(up, x, h0, Wx, Wh, b, c0=None):
    """The calls a correct lstm_forward makes: lstm_step_forward once per step, in order; and,
    for a forward pass that does the step inline, the sigmoid calls of each step."""
    h, c = h0, (np.zeros_like(h0) if c0 is None else c0)
    for t in range(x.shape[1]):
        _sigmoid_calls(up, x[:, t] @ Wx + h @ Wh + b)
        h, c, _ = up.lstm_step_forward(x[:, t], h, c, Wx, Wh, b)


# -- lstm_step_backward -----------------------------------------------------------------------
def step_backward_cases(rng):
    cases = []
    for label, N, D, H, x_scale, upstream in (
            ("N=3, D=4, H=5", 3, 4, 5, 1.0, "both"), ("N=1, D=2, H=3", 1, 2, 3, 1.0, "both"),
            ("H=1", 4, 3, 1, 1.0, "both"), ("D=8, H=2 (square Wx)", 2, 8, 2, 1.0, "both"),
            ("dc = 0: the gradient arrives through h only", 3, 3, 4, 1.0, "h only"),
            ("dh = 0: the gradient arrives through the cell path only", 3, 3, 4, 1.0, "c only"),
            ("large inputs (|x| ~ 1e3, the gates saturate)", 2, 3, 4, 1e3, "both")):
        Wx, Wh, b = lstm_weights(rng, D, H)
        _, _, cache = lstm_step_forward(normal_array(rng, N, D, scale=x_scale),
                                        normal_array(rng, N, H), normal_array(rng, N, H), Wx, Wh, b)
        dh, dc = normal_array(rng, N, H), normal_array(rng, N, H)
        if upstream == "h only":
            dc = np.zeros((N, H))
        elif upstream == "c only":
            dh = np.zeros((N, H))
        cases.append(Case(label, (dh, dc, cache)))
    Wx, Wh, b = lstm_weights(rng, 3, 4)
    _, _, cache = lstm_step_forward(normal_array(rng, 2, 3), np.zeros((2, 4)), np.zeros((2, 4)),
                                    Wx, Wh, b)
    cases.append(Case("zero previous states", (normal_array(rng, 2, 4), normal_array(rng, 2, 4), cache)))
    return cases


def _step_backward_variant(*, add_dc_from_h=True, tanh_slope_of_c=False, through_f=True,
                           f_slope_uses_c=False, g_slope="tanh", o_uses_c=False, order="ifgo"):
    """lstm_step_backward as a learner who made one mistake wrote it."""
    def backward(dh, dc, cache):
        x, h_prev, c_prev, Wx, Wh, gates, c = cache
        blocks = _blocks(gates)
        i, f, g, o = blocks["i"], blocks["f"], blocks["g"], blocks["o"]
        tanh_c = np.tanh(c)
        slope = (1 - c ** 2) if tanh_slope_of_c else (1 - tanh_c ** 2)
        dc_total = dc + (dh * o * slope if add_dc_from_h else 0.0)
        da = {"i": dc_total * g * i * (1 - i),
              "f": dc_total * (c if f_slope_uses_c else c_prev) * f * (1 - f),
              "g": dc_total * i * ((1 - g ** 2) if g_slope == "tanh" else g * (1 - g)),
              "o": dh * (c if o_uses_c else tanh_c) * o * (1 - o)}
        da = np.concatenate([da[name] for name in order], axis=1)
        dc_prev = dc_total * f if through_f else dc_total
        return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    return backward


STEP_BACKWARD_MISTAKES = [
    Mistake("the gradient reaching c through h is not added: dc_total must be dc + dh * o * "
            "(1 - tanh(c)**2), not dc alone", _step_backward_variant(add_dc_from_h=False)),
    Mistake("the derivative of tanh(c) is written with c (1 - c**2) instead of 1 - tanh(c)**2",
            _step_backward_variant(tanh_slope_of_c=True)),
    Mistake("the cell gradient is not carried through f: dc_prev must be dc_total * f",
            _step_backward_variant(through_f=False)),
    Mistake("the forget gate's gradient uses the new cell state c instead of c_prev "
            "(c = f * c_prev + i * g)", _step_backward_variant(f_slope_uses_c=True)),
    Mistake("the candidate's derivative is a sigmoid's, g * (1 - g), instead of tanh's, 1 - g**2",
            _step_backward_variant(g_slope="sigmoid")),
    Mistake("the output gate's gradient uses c instead of tanh(c) (h = o * tanh(c))",
            _step_backward_variant(o_uses_c=True)),
    Mistake("the four gate gradients are stacked in the order i, f, o, g instead of i, f, g, o",
            _step_backward_variant(order="ifog")),
]


# -- lstm_backward ----------------------------------------------------------------------------
def backward_cases(rng):
    cases = []
    for label, N, T, D, H, x_scale, kind in (
            ("N=3, T=5, D=4, H=6", 3, 5, 4, 6, 1.0, "all"),
            ("N=1, T=1", 1, 1, 3, 4, 1.0, "all"),
            ("T=1, with return_dc0=True", 3, 1, 2, 5, 1.0, "all"),
            ("N=1, H=1, with return_dc0=True", 1, 6, 3, 1, 1.0, "all"),
            ("long sequence T=30, loss on the last step only, with return_dc0=True",
             2, 30, 3, 4, 1.0, "last"),
            ("loss on the last step only", 2, 5, 3, 4, 1.0, "last"),
            ("large inputs (|x| ~ 1e3)", 2, 4, 3, 4, 1e3, "all")):
        Wx, Wh, b = lstm_weights(rng, D, H)
        _, cache = lstm_forward(normal_array(rng, N, T, D, scale=x_scale), normal_array(rng, N, H),
                                Wx, Wh, b, c0=normal_array(rng, N, H))
        dh = normal_array(rng, N, T, H)
        if kind == "last":
            dh[:, :-1] = 0.0
        kwargs = {"return_dc0": True} if "return_dc0" in label else {}
        cases.append(Case(label, (dh, cache), kwargs))
    Wx, Wh, b = lstm_weights(rng, 3, 4)
    _, cache = lstm_forward(normal_array(rng, 2, 4, 3), np.zeros((2, 4)), Wx, Wh, b)
    cases.append(Case("zero initial states, return_dc0=False passed by name",
                      (normal_array(rng, 2, 4, 4), cache), {"return_dc0": False}))
    return cases


def _backward_variant(*, carry_c=True, carry_h=True, accumulate=True, last_only=False,
                      dc0=True):
    def backward(dh, cache, return_dc0=False):
        x, h0, c0, Wx, Wh, gates, c, h = cache
        N, T, D = x.shape
        dx = np.zeros((N, T, D))
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1])
        dh_next, dc_next = np.zeros_like(h0), np.zeros_like(h0)
        for t in reversed(range(T)):
            h_prev, c_prev = (h0, c0) if t == 0 else (h[:, t - 1], c[:, t - 1])
            upstream = dh[:, t] if (not last_only or t == T - 1) else 0.0 * dh[:, t]
            step = lstm_step_backward(upstream + (dh_next if carry_h else 0.0),
                                      dc_next if carry_c else np.zeros_like(h0),
                                      (x[:, t], h_prev, c_prev, Wx, Wh, gates[:, t], c[:, t]))
            dx[:, t], dh_next, dc_next = step[:3]
            if accumulate:
                dWx, dWh, db = dWx + step[3], dWh + step[4], db + step[5]
            elif t == 0:
                dWx, dWh, db = step[3:]
        if return_dc0 and dc0:
            return dx, dh_next, dWx, dWh, db, dc_next
        return dx, dh_next, dWx, dWh, db
    return backward


BACKWARD_MISTAKES = [
    Mistake("the cell-state gradient is not carried back: every step gets dc = 0 from the step "
            "after it (the gradient along c, through the forget gates, is lost)",
            _backward_variant(carry_c=False)),
    Mistake("the gradient from step t+1 (dh_prev of the later step) is not added to dh[:, t]",
            _backward_variant(carry_h=False)),
    Mistake("the weight gradients are not accumulated over time (each step overwrites dWx, dWh "
            "and db instead of adding to them)", _backward_variant(accumulate=False)),
    Mistake("only the gradient on the last state dh[:, -1] is used",
            _backward_variant(last_only=True)),
    Mistake("with return_dc0=True, dc0 (the gradient on the initial cell state) is not returned",
            _backward_variant(dc0=False)),
]


def backward_calls(up, dh, cache, return_dc0=False):
    """The calls a correct lstm_backward makes to lstm_step_backward: one per step, backwards."""
    x, h0, c0, Wx, Wh, gates, c, h = cache
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev = (h0, c0) if t == 0 else (h[:, t - 1], c[:, t - 1])
        _, dh_next, dc_next, _, _, _ = up.lstm_step_backward(
            dh[:, t] + dh_next, dc_next, (x[:, t], h_prev, c_prev, Wx, Wh, gates[:, t], c[:, t]))


# -- cell_path_gradient -----------------------------------------------------------------------
def cell_path_cases(rng):
    cut = rng.uniform(0.3, 0.99, (2, 6, 3))
    cut[:, 2] = 0.0                                          # a forget gate that closes at step 3
    return [
        Case("(N, T, H) = (2, 6, 3)", (rng.uniform(0.05, 0.99, (2, 6, 3)),)),
        Case("one sequence, shape (T, H) = (5, 4)", (rng.uniform(0.05, 0.99, (5, 4)),)),
        Case("T=1 (only the empty product, 1)", (rng.uniform(0.05, 0.99, (3, 1, 2)),)),
        Case("H=1", (rng.uniform(0.05, 0.99, (2, 7, 1)),)),
        Case("every forget gate 0.5 (halving per step)", (np.full((1, 6, 2), 0.5),)),
        Case("every forget gate 1 (nothing forgotten)", (np.ones((2, 4, 3)),)),
        Case("a forget gate of 0 at step 3 (nothing before it reaches c_T)", (cut,)),
        Case("long sequence T=50, forget gates near 1", (rng.uniform(0.9, 1.0, (2, 50, 3)),)),
    ]


def _reverse_cumprod(f):
    return np.flip(np.cumprod(np.flip(f, axis=-2), axis=-2), axis=-2)


CELL_PATH_MISTAKES = [
    Mistake("the product includes f_k itself: dc_T/dc_k = f_{k+1} ... f_T (f_k acted before "
            "c_k existed), and the entry for k = T is 1", _reverse_cumprod),
    Mistake("the product runs forwards in time (f_1 f_2 ... f_k) instead of backwards from T",
            lambda f: np.cumprod(f, axis=-2)),
    Mistake("the result is left in reversed time order (index 0 holds the lag-0 value)",
            lambda f: np.flip(cell_path_gradient(f), axis=-2)),
    Mistake("time is taken as axis 1, which is H for one sequence of shape (T, H); use axis -2",
            lambda f: np.flip(np.cumprod(np.flip(np.concatenate(
                [f[:, 1:], np.ones_like(f[:, :1])], axis=1), axis=1), axis=1), axis=1)),
]


# -- forget_gate_bias_init --------------------------------------------------------------------
def bias_init_cases(rng):
    return [
        Case("H=4, value=1.0", (4, 1.0)),
        Case("H=1, value=2.0", (1, 2.0)),
        Case("H=3, value=-1.5", (3, -1.5)),
        Case("H=5, value=0.0 (all zeros)", (5, 0.0)),
        Case("H=2, value left at its default (1.0)", (2,)),
        Case("H=3, a drawn value", (3, float(rng.uniform(-3.0, 3.0)))),
    ]


def _bias_in_block(block, *, everywhere=False, only_f=False, default=1.0):
    def init(H, value=default):
        if only_f:
            return np.full(H, float(value))
        b = np.full(4 * H, float(value)) if everywhere else np.zeros(4 * H)
        if not everywhere:
            b[block * H:(block + 1) * H] = value
        return b
    return init


BIAS_INIT_MISTAKES = [
    Mistake("the value is put in the first block, the input gate i; the forget gate f is the "
            "second block (i, f, g, o)", _bias_in_block(0)),
    Mistake("the value is put in the last block, the output gate o", _bias_in_block(3)),
    Mistake("every entry is set to the value, not only the forget gate's block",
            _bias_in_block(1, everywhere=True)),
    Mistake("b has shape (H,), only the forget block; the whole bias has shape (4H,)",
            _bias_in_block(1, only_f=True)),
    Mistake("the default value is 0 instead of 1.0", _bias_in_block(1, default=0.0)),
]


CHECKS = [
    function_check("sigmoid", reference=sigmoid, cases=sigmoid_cases, outputs=("s",),
                   mistakes=SIGMOID_MISTAKES,
                   unscored=SIGMOID_UNSCORED),
    function_check("lstm_step_forward", reference=lstm_step_forward, cases=step_forward_cases,
                   outputs=("h", "c", ("cache", STEP_CACHE)), mistakes=STEP_FORWARD_MISTAKES,
                   upstream=Upstream({"sigmoid": sigmoid}, step_forward_calls)),
    function_check("lstm_forward", reference=lstm_forward, cases=forward_cases,
                   outputs=("h", ("cache", SEQUENCE_CACHE)), mistakes=FORWARD_MISTAKES,
                   upstream=Upstream({"lstm_step_forward": lstm_step_forward, "sigmoid": sigmoid},
                                     forward_calls)),
    function_check("lstm_step_backward", reference=lstm_step_backward, cases=step_backward_cases,
                   outputs=("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"),
                   mistakes=STEP_BACKWARD_MISTAKES),
    function_check("lstm_backward", reference=lstm_backward, cases=backward_cases,
                   outputs=("dx", "dh0", "dWx", "dWh", "db", "dc0"), mistakes=BACKWARD_MISTAKES,
                   upstream=Upstream({"lstm_step_backward": lstm_step_backward}, backward_calls)),
    function_check("cell_path_gradient", reference=cell_path_gradient, cases=cell_path_cases,
                   outputs=("grad",), mistakes=CELL_PATH_MISTAKES),
    function_check("forget_gate_bias_init", reference=forget_gate_bias_init,
                   cases=bias_init_cases, outputs=("b",), mistakes=BIAS_INIT_MISTAKES),
]
