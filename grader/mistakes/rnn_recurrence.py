"""The common mistakes of notebook 02 (the RNN recurrence), exercise by exercise.

Each `Mistake` is the whole function a learner who made it would have written, with the hint
that names it. The hidden checks (grader/checks/rnn_recurrence.py) take `MISTAKES[exercise]`;
the visible checks' data (grader/visible_expectations/rnn_recurrence.py) names mistakes by id;
tests/checks/test_mistakes.py holds every entry to its flags. The package docstring
(grader/mistakes/__init__.py) describes `MISTAKES`, `UNSCORED` and `VARIANTS`.
"""

from __future__ import annotations

import numpy as np

from grader.checks.common import (
    quiet_mistake,
    tanh_by_exp,
)
from rnn_numpy.rnn import masked_rnn_forward, rnn_forward
from rnn_numpy.sampling import sample, temperature_probabilities

# -- rnn_step_forward -------------------------------------------------------------------------


def step_with(pre_activation, activation=np.tanh, cache=None):
    """An rnn_step_forward computing activation(pre_activation(...)), with the documented cache
    unless `cache(x, h_prev, Wx, Wh, b, h)` says otherwise."""

    def step(x, h_prev, Wx, Wh, b):
        h = activation(pre_activation(x, h_prev, Wx, Wh, b))
        stored = (x, h_prev, Wx, Wh, h, "tanh") if cache is None else cache(x, h_prev, Wx, Wh, b, h)
        return h, stored

    return step


def pre_activation_of(x, h, Wx, Wh, b):
    return x @ Wx + h @ Wh + b


STEP_MISTAKES = [
    quiet_mistake(
        "Wh_transposed",
        "Wh is transposed (h_prev @ Wh.T instead of h_prev @ Wh)",
        step_with(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh.T + b),
    ),
    quiet_mistake(
        "Wx_transposed",
        "Wx is transposed (x @ Wx.T instead of x @ Wx)",
        step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh + b),
    ),
    quiet_mistake(
        "no_bias", "the bias b is left out", step_with(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh)
    ),
    quiet_mistake(
        "no_tanh", "tanh is not applied", step_with(pre_activation_of, activation=lambda a: a)
    ),
    quiet_mistake(
        "no_h_prev",
        "the previous state h_prev is left out",
        step_with(lambda x, h, Wx, Wh, b: x @ Wx + b),
    ),
    quiet_mistake(
        "cache_pre_activation",
        "the cache holds the pre-activation a = x @ Wx + h_prev @ Wh + b where it should "
        "hold h = tanh(a)",
        step_with(
            pre_activation_of,
            cache=lambda x, hp, Wx, Wh, b, h: (
                x,
                hp,
                Wx,
                Wh,
                pre_activation_of(x, hp, Wx, Wh, b),
                "tanh",
            ),
        ),
    ),
    quiet_mistake(
        "cache_without_activation",
        "the cache is (x, h_prev, Wx, Wh, h) without the activation's name 'tanh'",
        step_with(pre_activation_of, cache=lambda x, hp, Wx, Wh, b, h: (x, hp, Wx, Wh, h)),
    ),
    quiet_mistake(
        "tanh_by_exp",
        "tanh was written with exp, (e^a - e^-a) / (e^a + e^-a), which overflows to "
        "inf / inf = nan for |a| > 709",
        step_with(pre_activation_of, activation=tanh_by_exp),
    ),
]


# -- rnn_forward ------------------------------------------------------------------------------


def forward_with(states, cache=None):
    """An rnn_forward returning states(x, h0, Wx, Wh, b) and the documented cache (or
    cache(x, h0, Wx, Wh, b, h))."""

    def forward(x, h0, Wx, Wh, b):
        h = states(x, h0, Wx, Wh, b)
        return h, ((x, h0, Wx, Wh, h, "tanh") if cache is None else cache(x, h0, Wx, Wh, b, h))

    return forward


def loop(step, store_before=False):
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


def reference_states(x, h0, Wx, Wh, b):
    return rnn_forward(x, h0, Wx, Wh, b)[0]


FORWARD_MISTAKES = [
    quiet_mistake(
        "state_not_carried",
        "every step starts from h0 (the new state is not carried to the next step)",
        forward_with(lambda x, h0, Wx, Wh, b: np.tanh(x @ Wx + (h0 @ Wh)[:, None, :] + b)),
    ),
    quiet_mistake(
        "stored_before_step",
        "each state is stored before its step instead of after (h[:, 0] holds h_0, and "
        "h_T is missing)",
        forward_with(
            loop(
                lambda x, h, Wx, Wh, b: np.tanh(pre_activation_of(x, h, Wx, Wh, b)),
                store_before=True,
            )
        ),
    ),
    quiet_mistake(
        "shape_NHT",
        "h is returned with shape (N, H, T) instead of (N, T, H)",
        forward_with(lambda *args: reference_states(*args).transpose(0, 2, 1)),
    ),
    quiet_mistake(
        "cache_h_last",
        "the cache holds the last state h_T where it should hold h0",
        forward_with(
            reference_states, cache=lambda x, h0, Wx, Wh, b, h: (x, h[:, -1], Wx, Wh, h, "tanh")
        ),
    ),
    quiet_mistake(
        "Wh_transposed",
        "Wh is transposed (h_prev @ Wh.T instead of h_prev @ Wh)",
        forward_with(loop(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b))),
    ),
]


# -- rnn_output -------------------------------------------------------------------------------


def output_with(logits, cache=None):
    return lambda h, Wy, by: (logits(h, Wy, by), (h, Wy) if cache is None else cache(h, Wy, by))


OUTPUT_MISTAKES = [
    quiet_mistake(
        "no_bias", "the output bias by is left out", output_with(lambda h, Wy, by: h @ Wy)
    ),
    quiet_mistake(
        "Wy_transposed", "Wy is transposed", output_with(lambda h, Wy, by: h @ Wy.T + by)
    ),
    quiet_mistake(
        "softmax_applied",
        "softmax was applied (rnn_output returns logits, not probabilities)",
        output_with(lambda h, Wy, by: temperature_probabilities(h @ Wy + by, 1.0)),
    ),
    quiet_mistake(
        "cache_with_by",
        "the cache holds (h, Wy, by) where it should be (h, Wy)",
        output_with(lambda h, Wy, by: h @ Wy + by, cache=lambda h, Wy, by: (h, Wy, by)),
    ),
]


# -- masked_rnn_forward -----------------------------------------------------------------------


def masked_with(states, cache=None):
    def forward(x, h0, Wx, Wh, b, lengths):
        h = states(x, h0, Wx, Wh, b, lengths)
        stored = (
            (x, h0, Wx, Wh, h, lengths, "tanh")
            if cache is None
            else cache(x, h0, Wx, Wh, b, lengths, h)
        )
        return h, stored

    return forward


def masked_zero_after_end(x, h0, Wx, Wh, b, lengths):
    h = rnn_forward(x, h0, Wx, Wh, b)[0]
    return np.where((np.arange(x.shape[1]) < lengths[:, None])[..., None], h, 0.0)


def masked_one_step_late(x, h0, Wx, Wh, b, lengths):
    T = x.shape[1]
    return masked_rnn_forward(x, h0, Wx, Wh, b, np.minimum(lengths + 1, T))[0]


def masked_one_step_early(x, h0, Wx, Wh, b, lengths):
    h = masked_rnn_forward(x, h0, Wx, Wh, b, np.maximum(lengths - 1, 1))[0]
    return np.where((lengths == 1)[:, None, None], h0[:, None, :], h)


def masked_states(x, h0, Wx, Wh, b, lengths):
    return masked_rnn_forward(x, h0, Wx, Wh, b, lengths)[0]


MASKED_MISTAKES = [
    quiet_mistake(
        "no_mask",
        "the padding is read as input (no masking: this is rnn_forward)",
        masked_with(lambda x, h0, Wx, Wh, b, lengths: rnn_forward(x, h0, Wx, Wh, b)[0]),
    ),
    quiet_mistake(
        "zero_after_end",
        "the state is set to zero past the end instead of frozen",
        masked_with(masked_zero_after_end),
    ),
    quiet_mistake(
        "one_step_late",
        "each sequence runs one step too long (t <= length instead of t < length)",
        masked_with(masked_one_step_late),
    ),
    quiet_mistake(
        "one_step_early",
        "each sequence stops one step too early",
        masked_with(masked_one_step_early),
    ),
    quiet_mistake(
        "cache_without_lengths",
        "the cache is (x, h0, Wx, Wh, h, 'tanh') without lengths",
        masked_with(
            masked_states, cache=lambda x, h0, Wx, Wh, b, lengths, h: (x, h0, Wx, Wh, h, "tanh")
        ),
    ),
]


# -- stacked_rnn_forward ----------------------------------------------------------------------


def stacked_with(layer_states):
    """A stacked_rnn_forward whose list of states is layer_states(x, h0s, layer_params)."""

    def forward(x, h0s, layer_params):
        hs = layer_states(x, h0s, layer_params)
        return hs[-1], hs

    return forward


def run_layers(
    x, h0s, layer_params, *, params_of=lambda m, p: p[m], h0_of=lambda m, h: h[m], input_of=None
):
    hs, below = [], x
    for m in range(len(layer_params)):
        inputs = below if input_of is None else input_of(m, x, hs)
        p = params_of(m, layer_params)
        hs.append(rnn_forward(inputs, h0_of(m, h0s), p["Wx"], p["Wh"], p["b"])[0])
        below = hs[-1]
    return hs


STACKED_MISTAKES = [
    quiet_mistake(
        "weights_of_layer_1",
        "every layer uses the weights of layer 1",
        stacked_with(lambda x, h0s, p: run_layers(x, h0s, p, params_of=lambda m, q: q[0])),
    ),
    quiet_mistake(
        "h0_of_layer_1",
        "every layer starts from h0s[0]",
        stacked_with(lambda x, h0s, p: run_layers(x, h0s, p, h0_of=lambda m, h: h[0])),
    ),
    quiet_mistake(
        "every_layer_reads_x",
        "every layer reads x instead of the states of the layer below",
        stacked_with(lambda x, h0s, p: run_layers(x, h0s, p, input_of=lambda m, x0, hs: x0)),
    ),
    quiet_mistake(
        "first_layer_returned",
        "the states of the first layer are returned as the top layer's",
        lambda x, h0s, p: (lambda hs: (hs[0], hs))(run_layers(x, h0s, p)),
    ),
    quiet_mistake(
        "top_first",
        "hs lists the layers top first instead of bottom first",
        lambda x, h0s, p: (lambda hs: (hs[-1], hs[::-1]))(run_layers(x, h0s, p)),
    ),
]


# -- sample -----------------------------------------------------------------------------------


def sample_variant(
    *, multiply=False, reset_state=False, same_input=False, greedy=False, powered=False
):
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
                p = temperature_probabilities(
                    logits * temperature if multiply else logits, 1.0 if multiply else temperature
                )
            index = int(np.argmax(p)) if greedy else int(rng.choice(V, p=p))
            out.append(index)
        return np.array(out, dtype=np.int64)

    return draw


def sample_without_max(Wx, Wh, b, Wy, by, h0, first_index, length, rng, temperature=1.0):
    V = Wx.shape[0]
    h, index, out = h0, first_index, []
    for _ in range(length):
        h = np.tanh(np.eye(V)[index] @ Wx + h @ Wh + b)
        exps = np.exp((h @ Wy + by) / temperature)
        index = int(rng.choice(V, p=exps / exps.sum()))
        out.append(index)
    return np.array(out, dtype=np.int64)


SAMPLE_MISTAKES = [
    quiet_mistake(
        "temperature_multiplied",
        "the logits are multiplied by the temperature instead of divided",
        sample_variant(multiply=True),
    ),
    quiet_mistake(
        "state_not_carried",
        "the state is not carried from one character to the next",
        sample_variant(reset_state=True),
    ),
    quiet_mistake(
        "first_index_every_step",
        "first_index is fed in at every step instead of the character just drawn",
        sample_variant(same_input=True),
    ),
    quiet_mistake(
        "argmax",
        "the most probable character is taken (argmax) instead of drawn with rng.choice",
        sample_variant(greedy=True),
    ),
    quiet_mistake(
        "powered_probabilities",
        "the temperature is applied to probabilities (p ** (1 / temperature)), which "
        "underflow to 0 at low temperature; divide the logits instead",
        sample_variant(powered=True),
        hinted=False,
    ),
    quiet_mistake(
        "no_max_subtracted",
        "the maximum is not subtracted before exp, which overflows at low temperature",
        sample_without_max,
        hinted=False,
    ),
    quiet_mistake(
        "float_indices",
        "the indices are floats, not integers",
        lambda *args, **kwargs: sample(*args, **kwargs).astype(np.float64),
        hinted=False,
    ),
]


MISTAKES = {
    "rnn_step_forward": STEP_MISTAKES,
    "rnn_forward": FORWARD_MISTAKES,
    "rnn_output": OUTPUT_MISTAKES,
    "masked_rnn_forward": MASKED_MISTAKES,
    "stacked_rnn_forward": STACKED_MISTAKES,
    "sample": SAMPLE_MISTAKES,
}
# The factory of each exercise's variants: called with no flags, it makes the correct function.
VARIANTS = {
    "sample": sample_variant,
}
