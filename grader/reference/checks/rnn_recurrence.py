"""Hidden checks of notebook 02 (the RNN recurrence)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coursekit.wire import RngSeed
from grader.reference.checks.framework import (Case, Check, Mistake, Returned, Upstream,
                                              function_check)
from grader.reference.memory_task import (check_weight_shapes, edge_sequences, memory_sequences,
                                          score_weights)
from grader.reference.rnn import masked_rnn_forward, rnn_forward, rnn_output, rnn_step_forward
from grader.reference.sampling import sample, temperature_probabilities
from grader.reference.stacked import stacked_rnn_forward


def guarded(mistake: Mistake, *, pair: bool = True) -> Mistake:
    """The mistake as a check uses it. Mistake functions here return only the picked output, so
    with pair=True the result is wrapped as (output, None) for the case's pick=0. Where the
    mistake cannot be computed (e.g. a transposed non-square matrix) it matches nothing."""
    def output(*args, **kwargs):
        try:
            value = mistake.output(*args, **kwargs)
        except (ValueError, TypeError, IndexError):
            value = {"this mistake gives no result here": None}   # compares unequal to anything
        return (value, None) if pair else value
    return Mistake(mistake.description, output)


def normal_array(rng, *shape, scale=1.0):
    return rng.normal(0.0, scale, shape)


def rnn_weights(rng, D, H, scale=0.5):
    return normal_array(rng, D, H, scale=scale), normal_array(rng, H, H, scale=scale), normal_array(rng, H, scale=scale)


# -- rnn_step_forward -------------------------------------------------------------------------
def step_cases(rng):
    cases = []
    for label, N, D, H in (("N=3, D=4, H=5", 3, 4, 5), ("N=1, D=2, H=3", 1, 2, 3),
                           ("H=1", 4, 3, 1), ("D=H=4 (square Wx)", 2, 4, 4)):
        Wx, Wh, b = rnn_weights(rng, D, H)
        cases.append(Case(label, (normal_array(rng, N, D), normal_array(rng, N, H), Wx, Wh, b), pick=0))
    Wx, Wh, b = rnn_weights(rng, 3, 4)
    cases.append(Case("zero input and zero state", (np.zeros((2, 3)), np.zeros((2, 4)), Wx, Wh, b),
                      pick=0))
    cases.append(Case("zero state", (normal_array(rng, 2, 3), np.zeros((2, 4)), Wx, Wh, b), pick=0))
    cases.append(Case("large inputs (|x| ~ 1e3, tanh saturates)",
                      (normal_array(rng, 3, 3, scale=1e3), normal_array(rng, 3, 4), Wx, Wh, b), pick=0))
    return cases


STEP_MISTAKES = [
    Mistake("Wh is transposed (h_prev @ Wh.T instead of h_prev @ Wh)",
            lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b)),
    Mistake("Wx is transposed (x @ Wx.T instead of x @ Wx)",
            lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh + b)),
    Mistake("the bias b is left out", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh)),
    Mistake("tanh is not applied", lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b),
    Mistake("the previous state h_prev is left out", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b)),
]


# -- rnn_forward ------------------------------------------------------------------------------
def forward_cases(rng):
    cases = []
    for label, N, T, D, H in (("N=3, T=5, D=4, H=6", 3, 5, 4, 6), ("N=1, T=1", 1, 1, 3, 4),
                              ("T=1", 3, 1, 2, 5), ("N=1, H=1", 1, 6, 3, 1),
                              ("D=H=3 (square Wx)", 2, 4, 3, 3), ("long sequence T=40", 2, 40, 3, 4)):
        Wx, Wh, b = rnn_weights(rng, D, H)
        cases.append(Case(label, (normal_array(rng, N, T, D), normal_array(rng, N, H), Wx, Wh, b), pick=0))
    Wx, Wh, b = rnn_weights(rng, 3, 4)
    cases.append(Case("zero initial state", (normal_array(rng, 2, 4, 3), np.zeros((2, 4)), Wx, Wh, b),
                      pick=0))
    cases.append(Case("large inputs (|x| ~ 1e3)",
                      (normal_array(rng, 2, 3, 3, scale=1e3), normal_array(rng, 2, 4), Wx, Wh, b), pick=0))
    return cases


def _loop(step):
    def forward(x, h0, Wx, Wh, b):
        h, states = h0, []
        for t in range(x.shape[1]):
            h = step(x[:, t], h, Wx, Wh, b)
            states.append(h)
        return np.stack(states, axis=1)
    return forward


def forward_calls(up, x, h0, Wx, Wh, b):
    """The calls a correct rnn_forward makes to rnn_step_forward: one per step, in order."""
    h = h0
    for t in range(x.shape[1]):
        h, _ = up.rnn_step_forward(x[:, t], h, Wx, Wh, b)


FORWARD_MISTAKES = [
    Mistake("every step starts from h0 (the new state is not carried to the next step)",
            lambda x, h0, Wx, Wh, b: np.tanh(x @ Wx + (h0 @ Wh)[:, None, :] + b)),
    *[Mistake(m.description, _loop(m.output)) for m in STEP_MISTAKES],
    Mistake("h is returned with shape (N, H, T) instead of (N, T, H)",
            lambda x, h0, Wx, Wh, b: rnn_forward(x, h0, Wx, Wh, b)[0].transpose(0, 2, 1)),
]


# -- rnn_output -------------------------------------------------------------------------------
def output_cases(rng):
    cases = []
    for label, shape, V in (("N=2, T=3, H=4, V=5", (2, 3, 4), 5), ("N=1, T=1", (1, 1, 3), 6),
                            ("one step, h of shape (N, H)", (3, 4), 7), ("H=V=4 (square Wy)", (2, 2, 4), 4),
                            ("H=1", (2, 3, 1), 3)):
        H = shape[-1]
        cases.append(Case(label, (normal_array(rng, *shape), normal_array(rng, H, V), normal_array(rng, V)), pick=0))
    cases.append(Case("zero hidden states", (np.zeros((2, 3, 4)), normal_array(rng, 4, 5),
                                             normal_array(rng, 5)), pick=0))
    return cases


OUTPUT_MISTAKES = [
    Mistake("the output bias by is left out", lambda h, Wy, by: h @ Wy),
    Mistake("Wy is transposed", lambda h, Wy, by: h @ Wy.T + by),
    Mistake("softmax was applied (rnn_output returns logits, not probabilities)",
            lambda h, Wy, by: temperature_probabilities(h @ Wy + by, 1.0)),
]


# -- masked_rnn_forward -----------------------------------------------------------------------
def masked_cases(rng):
    cases = []
    for label, lengths, D, H in (("lengths [5, 2, 4]", [5, 2, 4], 3, 4),
                                 ("a sequence that ends at step 1", [1, 5, 3], 3, 4),
                                 ("every sequence ends at step 1", [1, 1], 2, 3),
                                 ("N=1, T=1", [1], 3, 2), ("all full length", [4, 4, 4], 2, 5),
                                 ("H=1", [3, 6], 2, 1)):
        lengths = np.array(lengths, dtype=np.int64)
        N, T = len(lengths), int(lengths.max())
        x = normal_array(rng, N, T, D)
        x[np.arange(T)[None, :] >= lengths[:, None]] = 7.0      # padding: must never be read
        Wx, Wh, b = rnn_weights(rng, D, H)
        cases.append(Case(label, (x, normal_array(rng, N, H), Wx, Wh, b, lengths), pick=0))
    lengths = np.array([2, 4])
    x = normal_array(rng, 2, 4, 3, scale=1e3)
    Wx, Wh, b = rnn_weights(rng, 3, 4)
    cases.append(Case("large inputs (|x| ~ 1e3)", (x, np.zeros((2, 4)), Wx, Wh, b, lengths), pick=0))
    return cases


def _masked_zero_after_end(x, h0, Wx, Wh, b, lengths):
    h = rnn_forward(x, h0, Wx, Wh, b)[0]
    return np.where((np.arange(x.shape[1]) < lengths[:, None])[..., None], h, 0.0)


def _masked_one_step_late(x, h0, Wx, Wh, b, lengths):
    T = x.shape[1]
    return masked_rnn_forward(x, h0, Wx, Wh, b, np.minimum(lengths + 1, T))[0]


def _masked_one_step_early(x, h0, Wx, Wh, b, lengths):
    h = masked_rnn_forward(x, h0, Wx, Wh, b, np.maximum(lengths - 1, 1))[0]
    return np.where((lengths == 1)[:, None, None], h0[:, None, :], h)


MASKED_MISTAKES = [
    Mistake("the padding is read as input (no masking: this is rnn_forward)",
            lambda x, h0, Wx, Wh, b, lengths: rnn_forward(x, h0, Wx, Wh, b)[0]),
    Mistake("the state is set to zero past the end instead of frozen", _masked_zero_after_end),
    Mistake("each sequence runs one step too long (t <= length instead of t < length)",
            _masked_one_step_late),
    Mistake("each sequence stops one step too early", _masked_one_step_early),
]


# -- stacked_rnn_forward ----------------------------------------------------------------------
def stacked_cases(rng):
    cases = []
    for label, N, T, D, sizes in (("2 layers, H = 4 then 3", 2, 4, 3, (4, 3)),
                                  ("1 layer", 2, 3, 3, (5,)),
                                  ("3 layers, all of size 4, D = 4", 3, 5, 4, (4, 4, 4)),
                                  ("N=1, T=1, 2 layers", 1, 1, 2, (3, 2))):
        layers, fan_in = [], D
        for H in sizes:
            Wx, Wh, b = rnn_weights(rng, fan_in, H)
            layers.append({"Wx": Wx, "Wh": Wh, "b": b})
            fan_in = H
        h0s = [normal_array(rng, N, H) for H in sizes]
        cases.append(Case(label, (normal_array(rng, N, T, D), h0s, layers), pick=0))
    return cases


def _stacked_first_weights(x, h0s, layer_params):
    h = x
    for h0 in h0s:
        h = rnn_forward(h, h0, **layer_params[0])[0]
    return h


def _stacked_first_state(x, h0s, layer_params):
    h = x
    for params in layer_params:
        h = rnn_forward(h, h0s[0], **params)[0]
    return h


def _stacked_all_read_x(x, h0s, layer_params):
    return rnn_forward(x, h0s[-1], **layer_params[-1])[0]


STACKED_MISTAKES = [
    Mistake("every layer uses the weights of layer 0", _stacked_first_weights),
    Mistake("every layer starts from h0s[0]", _stacked_first_state),
    Mistake("the last layer reads x instead of the states of the layer below", _stacked_all_read_x),
    Mistake("the states of the first layer are returned instead of the top layer's",
            lambda x, h0s, layer_params: rnn_forward(x, h0s[0], **layer_params[0])[0]),
]


# -- sample -----------------------------------------------------------------------------------
def sample_cases(rng):
    cases = []
    for label, V, H, length, temperature, scale in (
            ("V=5, H=8, 20 characters, temperature 1", 5, 8, 20, 1.0, 1.0),
            ("temperature 0.5", 6, 4, 15, 0.5, 1.0), ("temperature 2", 6, 4, 15, 2.0, 1.0),
            ("length 1", 4, 3, 1, 1.0, 1.0), ("H=1", 3, 1, 10, 1.0, 1.0),
            ("large weights and temperature 0.01 (no overflow)", 5, 6, 12, 0.01, 30.0)):
        Wx, Wh, b = rnn_weights(rng, V, H, scale=scale)
        Wy, by = normal_array(rng, H, V, scale=scale), normal_array(rng, V, scale=scale)
        first = int(rng.integers(V))
        cases.append(Case(label, (Wx, Wh, b, Wy, by, normal_array(rng, H, scale=0.5), first, length,
                                  RngSeed(int(rng.integers(2 ** 31)))),
                          {"temperature": temperature}))
    return cases


def _sample_variant(*, multiply=False, reset_state=False, same_input=False, greedy=False):
    def draw(Wx, Wh, b, Wy, by, h0, first_index, length, rng, temperature=1.0):
        V = Wx.shape[0]
        h, index, out = h0, first_index, []
        for _ in range(length):
            x = np.eye(V)[first_index if same_input else index]
            h = np.tanh(x @ Wx + (h0 if reset_state else h) @ Wh + b)
            logits = h @ Wy + by
            p = temperature_probabilities(logits * temperature if multiply else logits,
                                          1.0 if multiply else temperature)
            index = int(np.argmax(p)) if greedy else int(rng.choice(V, p=p))
            out.append(index)
        return np.array(out, dtype=np.int64)
    return draw


SAMPLE_MISTAKES = [
    Mistake("the logits are multiplied by the temperature instead of divided",
            _sample_variant(multiply=True)),
    Mistake("the state is not carried from one character to the next",
            _sample_variant(reset_state=True)),
    Mistake("first_index is fed in at every step instead of the character just drawn",
            _sample_variant(same_input=True)),
    Mistake("the most probable character is taken (argmax) instead of drawn with rng.choice",
            _sample_variant(greedy=True)),
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
                   outputs=("h",), mistakes=[guarded(m) for m in STEP_MISTAKES]),
    function_check("rnn_forward", reference=rnn_forward, cases=forward_cases, outputs=("h",),
                   mistakes=[guarded(m) for m in FORWARD_MISTAKES],
                   upstream=Upstream({"rnn_step_forward": rnn_step_forward}, forward_calls)),
    function_check("rnn_output", reference=rnn_output, cases=output_cases, outputs=("logits",),
                   mistakes=[guarded(m) for m in OUTPUT_MISTAKES]),
    function_check("masked_rnn_forward", reference=masked_rnn_forward, cases=masked_cases,
                   outputs=("h",), mistakes=[guarded(m) for m in MASKED_MISTAKES]),
    function_check("stacked_rnn_forward", reference=stacked_rnn_forward, cases=stacked_cases,
                   outputs=("h_top",), mistakes=[guarded(m) for m in STACKED_MISTAKES]),
    function_check("sample", reference=sample, cases=sample_cases, outputs=("indices",),
                   mistakes=[guarded(m, pair=False) for m in SAMPLE_MISTAKES]),
    Check("hand_designed_rnn", hand_designed_cases, judge_hand_designed),
]
