"""Hidden checks of notebook 02 (the RNN recurrence).

Forward functions are judged whole: the state and the cache entry by entry (notebook 03's
backward pass and its provided code read those caches). Functions that call another graded
function of the notebook (rnn_forward, masked_rnn_forward, stacked_rnn_forward, sample) are
judged with the reference standing in for the upstream function (`Upstream`), so one mistake in
rnn_step_forward costs only rnn_step_forward's points. Each listed mistake is the whole function a
learner who made it would have written; the cases' structure (non-square and far-from-symmetric
weights, N=1, T=1, |x| ~ 1e3, masks ending at step 1, ...) catches every one of them whatever
values the generator draws (tests/checks/test_catch_rates.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coursekit.visible.rnn_recurrence import MAX_HIDDEN_SIZE
from coursekit.wire import RngSeed
from grader.checks.common import (asymmetric_weights, layers, mistake, normal, rnn_stack,
                                            rnn_weights, tanh_by_exp, with_dtype)
from grader.checks.framework import Case, Check, Returned, Upstream, function_check
from rnn_numpy.memory_task import (check_weight_shapes, edge_sequences, memory_sequences,
                                          score_weights)
from rnn_numpy.rnn import masked_rnn_forward, rnn_forward, rnn_output, rnn_step_forward
from rnn_numpy.sampling import sample, temperature_probabilities
from rnn_numpy.stacked import stacked_rnn_forward

STEP_OUTPUTS = ("h", ("cache", ("x", "h_prev", "Wx", "Wh", "h", "activation")))
FORWARD_OUTPUTS = ("h", ("cache", ("x", "h0", "Wx", "Wh", "h", "activation")))
MASKED_OUTPUTS = ("h", ("cache", ("x", "h0", "Wx", "Wh", "h", "lengths", "activation")))
OUTPUT_OUTPUTS = ("logits", ("cache", ("h", "Wy")))




# -- rnn_step_forward -------------------------------------------------------------------------
def step_cases(rng):
    cases = []
    for label, N, D, H in (("N=3, D=4, H=5", 3, 4, 5), ("N=1, D=2, H=3", 1, 2, 3),
                           ("H=1", 4, 3, 1), ("D=H=4 (square Wx)", 2, 4, 4)):
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        cases.append(Case(label, (normal(rng, N, D), normal(rng, N, H), Wx, Wh, b)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    cases += [
        Case("zero input and zero state", (np.zeros((2, 3)), np.zeros((2, 4)), Wx, Wh, b)),
        Case("zero state", (normal(rng, 2, 3), np.zeros((2, 4)), Wx, Wh, b)),
        Case("large inputs (|x| ~ 1e4: tanh saturates, exp would overflow)",
             (normal(rng, 3, 3, scale=1e4), normal(rng, 3, 4), Wx, Wh, b)),
    ]
    Wx, Wh, b = rnn_weights(rng, 5, 6)
    cases.append(Case("N=4, D=5, H=6, random", (normal(rng, 4, 5), normal(rng, 4, 6), Wx, Wh, b)))
    return cases


def step_with(pre_activation, activation=np.tanh, cache=None):
    """An rnn_step_forward computing activation(pre_activation(...)), with the documented cache
    unless `cache(x, h_prev, Wx, Wh, b, h)` says otherwise."""
    def step(x, h_prev, Wx, Wh, b):
        h = activation(pre_activation(x, h_prev, Wx, Wh, b))
        stored = (x, h_prev, Wx, Wh, h, "tanh") if cache is None else cache(x, h_prev, Wx, Wh, b, h)
        return h, stored
    return step


def _a(x, h, Wx, Wh, b):
    return x @ Wx + h @ Wh + b


STEP_MISTAKES = [
    mistake("Wh is transposed (h_prev @ Wh.T instead of h_prev @ Wh)",
            step_with(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh.T + b)),
    mistake("Wx is transposed (x @ Wx.T instead of x @ Wx)",
            step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh + b)),
    mistake("the bias b is left out", step_with(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh)),
    mistake("tanh is not applied", step_with(_a, activation=lambda a: a)),
    mistake("the previous state h_prev is left out", step_with(lambda x, h, Wx, Wh, b: x @ Wx + b)),
    mistake("the cache holds the pre-activation a = x @ Wx + h_prev @ Wh + b where it should "
            "hold h = tanh(a)", step_with(_a, cache=lambda x, hp, Wx, Wh, b, h:
                                          (x, hp, Wx, Wh, _a(x, hp, Wx, Wh, b), "tanh"))),
    mistake("the cache is (x, h_prev, Wx, Wh, h) without the activation's name 'tanh'",
            step_with(_a, cache=lambda x, hp, Wx, Wh, b, h: (x, hp, Wx, Wh, h))),
    mistake("tanh was written with exp, (e^a - e^-a) / (e^a + e^-a), which overflows to "
            "inf / inf = nan for |a| > 709 (use np.tanh)", step_with(_a, activation=tanh_by_exp)),
]


# -- rnn_forward ------------------------------------------------------------------------------
def forward_cases(rng):
    cases = []
    for label, N, T, D, H in (("N=3, T=5, D=4, H=6", 3, 5, 4, 6),
                              ("N=1, T=1", 1, 1, 3, 4), ("T=1", 3, 1, 2, 5),
                              ("N=1, H=1", 1, 6, 3, 1),
                              ("D=H=3 (square Wx)", 2, 4, 3, 3),
                              ("long sequence T=25", 2, 25, 3, 4)):
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        cases.append(Case(label, (normal(rng, N, T, D), normal(rng, N, H), Wx, Wh, b)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    cases += [
        Case("zero initial state", (normal(rng, 2, 4, 3), np.zeros((2, 4)), Wx, Wh, b)),
        Case("large inputs (|x| ~ 1e3)", (normal(rng, 2, 3, 3, scale=1e3), normal(rng, 2, 4),
                                          Wx, Wh, b)),
    ]
    Wx, Wh, b = rnn_weights(rng, 3, 5)
    cases.append(Case("N=2, T=7, D=3, H=5, random",
                      (normal(rng, 2, 7, 3), normal(rng, 2, 5), Wx, Wh, b)))
    return cases


def forward_calls(up, x, h0, Wx, Wh, b):
    """The calls a correct rnn_forward makes to rnn_step_forward: one per step, in order."""
    h = h0
    for t in range(x.shape[1]):
        h, _ = up.rnn_step_forward(x[:, t], h, Wx, Wh, b)


def forward_with(states, cache=None):
    """An rnn_forward returning states(x, h0, Wx, Wh, b) and the documented cache (or
    cache(x, h0, Wx, Wh, b, h))."""
    def forward(x, h0, Wx, Wh, b):
        h = states(x, h0, Wx, Wh, b)
        return h, ((x, h0, Wx, Wh, h, "tanh") if cache is None else cache(x, h0, Wx, Wh, b, h))
    return forward


def _loop(step, store_before=False):
    """States of a loop over time with step(x_t, h, Wx, Wh, b) -> h; with store_before, each
    state is stored before the step that updates it (h[:, 0] is h_0)."""
    def states(x, h0, Wx, Wh, b):
        h, out = h0, []
        for t in range(x.shape[1]):
            new = step(x[:, t], h, Wx, Wh, b)
            out.append(h if store_before else new)
            h = new
        return np.stack(out, axis=1)
    return states


def _reference_states(x, h0, Wx, Wh, b):
    return rnn_forward(x, h0, Wx, Wh, b)[0]


FORWARD_MISTAKES = [
    mistake("every step starts from h0 (the new state is not carried to the next step)",
            forward_with(lambda x, h0, Wx, Wh, b: np.tanh(x @ Wx + (h0 @ Wh)[:, None, :] + b))),
    mistake("each state is stored before its step instead of after (h[:, 0] holds h_0, and "
            "h_T is missing)", forward_with(_loop(lambda x, h, Wx, Wh, b: np.tanh(_a(x, h, Wx, Wh, b)),
                                                  store_before=True))),
    mistake("h is returned with shape (N, H, T) instead of (N, T, H)",
            forward_with(lambda *args: _reference_states(*args).transpose(0, 2, 1))),
    mistake("the cache holds the last state h_T where it should hold h0",
            forward_with(_reference_states,
                         cache=lambda x, h0, Wx, Wh, b, h: (x, h[:, -1], Wx, Wh, h, "tanh"))),
    mistake("Wh is transposed (h_prev @ Wh.T instead of h_prev @ Wh)",
            forward_with(_loop(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b)))),
]


# -- rnn_output -------------------------------------------------------------------------------
def output_cases(rng):
    cases = []
    for label, shape, V in (("N=2, T=3, H=4, V=5", (2, 3, 4), 5),
                            ("N=1, T=1", (1, 1, 3), 6),
                            ("one step, h of shape (N, H)", (3, 4), 7),
                            ("H=V=4 (square Wy)", (2, 2, 4), 4),
                            ("H=1", (2, 3, 1), 3)):
        H = shape[-1]
        cases.append(Case(label, (normal(rng, *shape), normal(rng, H, V) +
                                  np.triu(np.ones((H, V)), 1), normal(rng, V))))
    cases.append(Case("zero hidden states", (np.zeros((2, 3, 4)), normal(rng, 4, 5),
                                             normal(rng, 5))))
    cases.append(Case("N=3, T=2, H=5, V=6, random", (normal(rng, 3, 2, 5), normal(rng, 5, 6),
                                                     normal(rng, 6))))
    return cases


def output_with(logits, cache=None):
    return lambda h, Wy, by: (logits(h, Wy, by), (h, Wy) if cache is None else cache(h, Wy, by))


OUTPUT_MISTAKES = [
    mistake("the output bias by is left out", output_with(lambda h, Wy, by: h @ Wy)),
    mistake("Wy is transposed", output_with(lambda h, Wy, by: h @ Wy.T + by)),
    mistake("softmax was applied (rnn_output returns logits, not probabilities)",
            output_with(lambda h, Wy, by: temperature_probabilities(h @ Wy + by, 1.0))),
    mistake("the cache holds (h, Wy, by) where it should be (h, Wy)",
            output_with(lambda h, Wy, by: h @ Wy + by, cache=lambda h, Wy, by: (h, Wy, by))),
]


# -- masked_rnn_forward -----------------------------------------------------------------------
def masked_cases(rng):
    cases = []
    for label, lengths, D, H in (("lengths [5, 2, 4]", [5, 2, 4], 3, 4),
                                 ("a sequence that ends at step 1", [1, 5, 3], 3, 4),
                                 ("every sequence ends at step 1", [1, 1], 2, 3),
                                 ("N=1, T=1", [1], 3, 2),
                                 ("all full length", [4, 4, 4], 2, 5),
                                 ("H=1", [3, 6], 2, 1)):
        lengths = np.array(lengths, dtype=np.int64)
        N, T = len(lengths), int(lengths.max())
        x = normal(rng, N, T, D)
        x[np.arange(T)[None, :] >= lengths[:, None]] = 7.0      # padding: must never be read
        Wx, Wh, b = asymmetric_weights(rng, D, H)
        cases.append(Case(label, (x, normal(rng, N, H), Wx, Wh, b, lengths)))
    Wx, Wh, b = asymmetric_weights(rng, 3, 4)
    cases.append(Case("large inputs (|x| ~ 1e3)", (normal(rng, 2, 4, 3, scale=1e3),
                                                   np.zeros((2, 4)), Wx, Wh, b, np.array([2, 4]))))
    lengths = rng.integers(1, 6, size=3)
    Wx, Wh, b = rnn_weights(rng, 2, 3)
    cases.append(Case("random lengths, N=3", (normal(rng, 3, int(lengths.max()), 2),
                                              normal(rng, 3, 3), Wx, Wh, b, lengths)))
    return cases


def masked_calls(up, x, h0, Wx, Wh, b, lengths):
    """The calls a correct masked_rnn_forward makes to rnn_step_forward: one per step."""
    h = h0
    for t in range(x.shape[1]):
        new, _ = up.rnn_step_forward(x[:, t], h, Wx, Wh, b)
        h = np.where((t < lengths)[:, None], new, h)


def masked_with(states, cache=None):
    def forward(x, h0, Wx, Wh, b, lengths):
        h = states(x, h0, Wx, Wh, b, lengths)
        stored = ((x, h0, Wx, Wh, h, lengths, "tanh") if cache is None
                  else cache(x, h0, Wx, Wh, b, lengths, h))
        return h, stored
    return forward


def _masked_zero_after_end(x, h0, Wx, Wh, b, lengths):
    h = rnn_forward(x, h0, Wx, Wh, b)[0]
    return np.where((np.arange(x.shape[1]) < lengths[:, None])[..., None], h, 0.0)


def _masked_one_step_late(x, h0, Wx, Wh, b, lengths):
    T = x.shape[1]
    return masked_rnn_forward(x, h0, Wx, Wh, b, np.minimum(lengths + 1, T))[0]


def _masked_one_step_early(x, h0, Wx, Wh, b, lengths):
    h = masked_rnn_forward(x, h0, Wx, Wh, b, np.maximum(lengths - 1, 1))[0]
    return np.where((lengths == 1)[:, None, None], h0[:, None, :], h)


def _masked_states(x, h0, Wx, Wh, b, lengths):
    return masked_rnn_forward(x, h0, Wx, Wh, b, lengths)[0]


MASKED_MISTAKES = [
    mistake("the padding is read as input (no masking: this is rnn_forward)",
            masked_with(lambda x, h0, Wx, Wh, b, lengths: rnn_forward(x, h0, Wx, Wh, b)[0])),
    mistake("the state is set to zero past the end instead of frozen",
            masked_with(_masked_zero_after_end)),
    mistake("each sequence runs one step too long (t <= length instead of t < length)",
            masked_with(_masked_one_step_late)),
    mistake("each sequence stops one step too early", masked_with(_masked_one_step_early)),
    mistake("the cache is (x, h0, Wx, Wh, h, 'tanh') without lengths",
            masked_with(_masked_states,
                        cache=lambda x, h0, Wx, Wh, b, lengths, h: (x, h0, Wx, Wh, h, "tanh"))),
]


# -- stacked_rnn_forward ----------------------------------------------------------------------
def stacked_cases(rng):
    cases = [Case(label, rnn_stack(rng, N, T, D, sizes)) for label, N, T, D, sizes in (
        ("2 layers, H = 4 then 3", 2, 4, 3, (4, 3)),
        ("1 layer", 2, 3, 3, (5,)),
        ("3 layers, all of size 4, D = 4", 3, 5, 4, (4, 4, 4)),
        ("N=1, T=1, 2 layers", 1, 1, 2, (3, 2)))]
    cases.append(Case("2 layers, H = 2 then 4, random",
                      rnn_stack(rng, 2, 3, 3, (2, 4), weights=rnn_weights)))
    return cases


def stacked_calls(up, x, h0s, layer_params):
    """The calls a correct stacked_rnn_forward makes to rnn_forward: one per layer, bottom up."""
    h = x
    for h0, params in zip(h0s, layer_params):
        h, _ = up.rnn_forward(h, h0, params["Wx"], params["Wh"], params["b"])


def stacked_with(layer_states):
    """A stacked_rnn_forward whose list of states is layer_states(x, h0s, layer_params)."""
    def forward(x, h0s, layer_params):
        hs = layer_states(x, h0s, layer_params)
        return hs[-1], hs
    return forward


def _run_layers(x, h0s, layer_params, *, params_of=lambda m, p: p[m], h0_of=lambda m, h: h[m],
                input_of=None):
    hs, below = [], x
    for m in range(len(layer_params)):
        inputs = below if input_of is None else input_of(m, x, hs)
        p = params_of(m, layer_params)
        hs.append(rnn_forward(inputs, h0_of(m, h0s), p["Wx"], p["Wh"], p["b"])[0])
        below = hs[-1]
    return hs


def _stacked_outputs(case, expected):
    return ("h_top", ("hs", layers(len(expected[1]))))


STACKED_MISTAKES = [
    mistake("every layer uses the weights of layer 1",
            stacked_with(lambda x, h0s, p: _run_layers(x, h0s, p, params_of=lambda m, q: q[0]))),
    mistake("every layer starts from h0s[0]",
            stacked_with(lambda x, h0s, p: _run_layers(x, h0s, p, h0_of=lambda m, h: h[0]))),
    mistake("every layer reads x instead of the states of the layer below",
            stacked_with(lambda x, h0s, p: _run_layers(x, h0s, p,
                                                       input_of=lambda m, x0, hs: x0))),
    mistake("the states of the first layer are returned as the top layer's",
            lambda x, h0s, p: (lambda hs: (hs[0], hs))(_run_layers(x, h0s, p))),
    mistake("hs lists the layers top first instead of bottom first",
            lambda x, h0s, p: (lambda hs: (hs[-1], hs[::-1]))(_run_layers(x, h0s, p))),
]


# -- sample -----------------------------------------------------------------------------------
def sample_cases(rng):
    cases = []
    for label, V, H, length, temperature, scale in (
            ("V=5, H=8, 12 characters, temperature 1", 5, 8, 12, 1.0, 1.0),
            ("temperature 0.5", 6, 4, 10, 0.5, 1.0),
            ("temperature 2", 6, 4, 10, 2.0, 1.0),
            ("length 1", 4, 3, 1, 1.0, 1.0), ("H=1", 3, 1, 8, 1.0, 1.0),
            ("large weights and temperature 0.01 (no overflow)", 5, 6, 8, 0.01, 30.0),
            ("nearly uniform logits at temperature 0.001 (probabilities ** 1000 would "
             "underflow)", 6, 4, 6, 0.001, 0.02)):
        Wx, Wh, b = asymmetric_weights(rng, V, H, scale=scale)
        Wy, by = normal(rng, H, V, scale=scale), normal(rng, V, scale=scale)
        cases.append(Case(label, (Wx, Wh, b, Wy, by, normal(rng, H, scale=0.5),
                                  int(rng.integers(V)), length, RngSeed(int(rng.integers(2 ** 31)))),
                          {"temperature": temperature}))
    V, H = 7, 5
    Wx, Wh, b = rnn_weights(rng, V, H, scale=1.0)
    cases.append(Case("V=7, H=5, random", (Wx, Wh, b, normal(rng, H, V), normal(rng, V),
                                           normal(rng, H, scale=0.5), int(rng.integers(V)), 8,
                                           RngSeed(int(rng.integers(2 ** 31)))),
                      {"temperature": float(rng.uniform(0.5, 1.5))}))
    return cases


def sample_calls(up, Wx, Wh, b, Wy, by, h0, first_index, length, rng, temperature=1.0):
    """The calls a correct sample makes to rnn_step_forward and rnn_output, draws included."""
    V = Wx.shape[0]
    h, index = h0[None, :], first_index
    for _ in range(length):
        x = np.zeros((1, V))
        x[0, index] = 1.0
        h, _ = up.rnn_step_forward(x, h, Wx, Wh, b)
        logits, _ = up.rnn_output(h, Wy, by)
        index = int(rng.choice(V, p=temperature_probabilities(logits[0], temperature)))


def _sample_variant(*, multiply=False, reset_state=False, same_input=False, greedy=False,
                    powered=False):
    def draw(Wx, Wh, b, Wy, by, h0, first_index, length, rng, temperature=1.0):
        V = Wx.shape[0]
        h, index, out = h0, first_index, []
        for _ in range(length):
            x = np.eye(V)[first_index if same_input else index]
            h = np.tanh(x @ Wx + (h0 if reset_state else h) @ Wh + b)
            logits = h @ Wy + by
            if powered:
                p = temperature_probabilities(logits, 1.0) ** (1.0 / temperature)
                p = p / p.sum()
            else:
                p = temperature_probabilities(logits * temperature if multiply else logits,
                                              1.0 if multiply else temperature)
            index = int(np.argmax(p)) if greedy else int(rng.choice(V, p=p))
            out.append(index)
        return np.array(out, dtype=np.int64)
    return draw


def _sample_without_max(Wx, Wh, b, Wy, by, h0, first_index, length, rng, temperature=1.0):
    V = Wx.shape[0]
    h, index, out = h0, first_index, []
    for _ in range(length):
        h = np.tanh(np.eye(V)[index] @ Wx + h @ Wh + b)
        exps = np.exp((h @ Wy + by) / temperature)
        index = int(rng.choice(V, p=exps / exps.sum()))
        out.append(index)
    return np.array(out, dtype=np.int64)


SAMPLE_MISTAKES = [
    mistake("the logits are multiplied by the temperature instead of divided",
            _sample_variant(multiply=True)),
    mistake("the state is not carried from one character to the next",
            _sample_variant(reset_state=True)),
    mistake("first_index is fed in at every step instead of the character just drawn",
            _sample_variant(same_input=True)),
    mistake("the most probable character is taken (argmax) instead of drawn with rng.choice",
            _sample_variant(greedy=True)),
    mistake("the temperature is applied to probabilities (p ** (1 / temperature)), which "
            "underflow to 0 at low temperature; divide the logits instead",
            _sample_variant(powered=True)),
    mistake("the maximum is not subtracted before exp, which overflows at low temperature",
            _sample_without_max),
    mistake("the indices are floats, not integers",
            lambda *args, **kwargs: sample(*args, **kwargs).astype(np.float64)),
]


# -- hand_designed_rnn ------------------------------------------------------------------------
@dataclass(frozen=True)
class HandDesignedCase(Case):
    """One call of hand_designed_rnn(); `hidden_seed` (never sent to the kernel: only label,
    args, kwargs and pick are) makes the hidden sequences the weights are judged on."""
    hidden_seed: int = 0


def hand_designed_cases(rng):
    return [HandDesignedCase("your weights on 200 hidden sequences of lengths 1..30 and "
                             "11 edge cases", hidden_seed=int(rng.integers(2 ** 31)))]


def hand_designed_limits(case: HandDesignedCase, weights) -> str | None:
    """The exercise allows 1 <= H <= MAX_HIDDEN_SIZE: every weight array's every dimension is
    within that (D = 3 and K = 2 are too), checked on the shapes before any arithmetic."""
    if not isinstance(weights, dict):
        return None            # judge_hand_designed names the wrong type
    for name, value in weights.items():
        try:
            shape = np.shape(value)
        except ValueError:     # a ragged list: judge_hand_designed names it
            continue
        if any(n > MAX_HIDDEN_SIZE for n in shape):
            return (f"weights[{name!r}] has a dimension larger than {MAX_HIDDEN_SIZE}: the "
                    f"exercise allows a hidden size H from 1 to {MAX_HIDDEN_SIZE}, so it was "
                    f"not run")
    return None


def judge_hand_designed(case: HandDesignedCase, outcome: Returned) -> list[str]:
    weights = outcome.value
    problems = check_weight_shapes(weights)
    if problems:
        return [f"case '{case.label}': {problem}" for problem in problems]
    symbols, labels, lengths = memory_sequences(np.random.default_rng(case.hidden_seed), 200)
    accuracy, wrong = score_weights(weights, symbols, labels, lengths)
    edge_symbols, edge_labels, edge_lengths = edge_sequences()
    _, edge_wrong = score_weights(weights, edge_symbols, edge_labels, edge_lengths)
    problems = []
    if wrong is not None:
        problems.append(f"case '{case.label}': {accuracy:.1%} of the answers on the hidden "
                        f"sequences are right; every answer must be right")
    if edge_wrong is not None:
        text = "".join("abc"[s] for s in edge_symbols[edge_wrong] if s >= 0)
        problems.append(f"case '{case.label}': wrong on the edge case {text!r} (think about "
                        f"sequences with no 'a', an 'a' at the very start or the very end, and "
                        f"long runs after an 'a')")
    return problems


CHECKS = [
    function_check("rnn_step_forward", reference=rnn_step_forward, cases=step_cases,
                   outputs=STEP_OUTPUTS, mistakes=STEP_MISTAKES),
    function_check("rnn_forward", reference=rnn_forward, cases=forward_cases,
                   outputs=FORWARD_OUTPUTS, mistakes=FORWARD_MISTAKES,
                   upstream=Upstream({"rnn_step_forward": rnn_step_forward}, forward_calls)),
    function_check("rnn_output", reference=rnn_output, cases=output_cases,
                   outputs=OUTPUT_OUTPUTS, mistakes=OUTPUT_MISTAKES),
    function_check("masked_rnn_forward", reference=masked_rnn_forward, cases=masked_cases,
                   outputs=MASKED_OUTPUTS, mistakes=MASKED_MISTAKES,
                   upstream=Upstream({"rnn_step_forward": rnn_step_forward}, masked_calls)),
    function_check("stacked_rnn_forward", reference=stacked_rnn_forward, cases=stacked_cases,
                   outputs=_stacked_outputs, mistakes=STACKED_MISTAKES,
                   upstream=Upstream({"rnn_forward": rnn_forward}, stacked_calls)),
    with_dtype(function_check("sample", reference=sample, cases=sample_cases,
                              outputs=("indices",), mistakes=SAMPLE_MISTAKES,
                              upstream=Upstream({"rnn_step_forward": rnn_step_forward,
                                                 "rnn_output": rnn_output}, sample_calls)),
               {None: "iu"}),
    Check("hand_designed_rnn", hand_designed_cases, judge_hand_designed,
          limits=hand_designed_limits),
]
