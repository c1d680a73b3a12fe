"""Visible checks of notebook 02 (the RNN recurrence): one term at a time, so a message points at
the mistake. Conventions of the notebook (docs/NOTATION.md): row vectors,
h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b), steps from 1, arrays from 0 (h[:, t-1] is h_t).

The inputs are the constants below; what a correct function returns on them was computed with
the course's reference implementation and ships as data (`expected("rnn_recurrence", key)`),
together with a few *wrong* answers (a transposed Wh, a state that is not carried, ...) so that a
message can name the mistake.
"""

from __future__ import annotations

import numpy as np

from coursekit.visible.expect import (
    VisibleCheckFailed,
    call,
    expect_close,
    expect_entries,
    expect_shape,
    expect_true,
    expect_unchanged,
    expected,
    passed,
)

NOTEBOOK = "rnn_recurrence"

# Small deterministic example (cs231n style): N=2, D=3, H=4, V=5, all sizes different so a
# transposed matrix shows up as a shape error, and Wh not symmetric so Wh and Wh.T differ.
N, D, H, V = 2, 3, 4, 5
X = np.linspace(-0.4, 0.5, N * D).reshape(N, D)
X_LARGE = 1e4 * np.array([[1.0, -0.5, 0.25], [-1.0, 0.75, -0.1]])  # |x| ~ 1e4: tanh saturates
H_PREV = np.linspace(-0.3, 0.6, N * H).reshape(N, H)
WX = np.linspace(-0.5, 0.7, D * H).reshape(D, H)
WH = np.linspace(-0.6, 0.2, H * H).reshape(H, H)
B = np.linspace(-0.2, 0.4, H)
WY = np.linspace(-0.7, 0.6, H * V).reshape(H, V)
BY = np.linspace(-0.1, 0.3, V)
T_SEQUENCE = 3
X_SEQUENCE = np.linspace(-0.5, 0.5, N * T_SEQUENCE * D).reshape(N, T_SEQUENCE, D)
H_OUTPUT = np.linspace(-0.9, 0.9, N * 2 * H).reshape(N, 2, H)
T_MASKED = 4
X_MASKED = np.linspace(-0.5, 0.5, N * T_MASKED * D).reshape(N, T_MASKED, D)
LENGTHS = np.array([1, 3])
H2 = 2
LAYER_2 = {
    "Wx": np.linspace(-0.8, 0.8, H * H2).reshape(H, H2),
    "Wh": np.array([[0.3, -0.5], [0.4, 0.1]]),
    "b": np.array([0.1, -0.2]),
}
H0_LAYER_2 = np.linspace(-0.2, 0.2, N * H2).reshape(N, H2)
WX_SAMPLE = np.linspace(-0.5, 0.7, V * H).reshape(V, H)  # one-hot inputs: D = V
FIRST_INDEX = 2
TEMPERATURES = (1.0, 2.0)
MEMORY_TEXTS = ("bcbcb", "abcbc", "bbbba", "cccbbbcccbbbacccbbbccc", "a", "c", "bacab")


def _e(key):
    return expected(NOTEBOOK, key)


def _h_of(result, what, pair="(h, cache)"):
    """The learner's step/sequence function returns a pair such as (h, cache); its first part."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise VisibleCheckFailed(
            f"{what}: return the pair {pair}, got "
            f"{type(result).__name__}"
            + (f" of length {len(result)}" if isinstance(result, tuple) else "")
        )
    return result[0]


def _same(value, key):
    return (
        isinstance(value, np.ndarray)
        and value.shape == _e(key).shape
        and np.allclose(value, _e(key))
    )


def _unchanged(*arrays_and_originals, what):
    for array, original in arrays_and_originals:
        expect_unchanged(
            np.array_equal(array, original),
            what=f"{what}: your function changed an argument in place",
            hint="The arrays you are given belong to the caller, who may read them again.",
        )


def _same_entries(cache, values, names, *, what):
    """Each entry of the cache must be the value the check passed in (or returned)."""
    for index, (entry, value, name) in enumerate(zip(cache, values, names)):
        expect_true(
            np.allclose(entry, value),
            what=f"{what}: entry {index} must be {name}, but it holds other values",
            hint="Notebook 03's backward pass reads the cache in the documented order.",
        )


def _expect_saturated(result, what):
    """At |x| ~ 1e4 every state is tanh of a large number: +-1, never NaN or inf."""
    h = _h_of(result, what)
    expect_true(
        bool(np.all(np.isfinite(h)) and np.all(np.abs(h) <= 1)),
        what=f"{what}: h holds NaN, inf or values beyond +-1",
        hint="tanh of a large number is +-1; here something overflowed on the way.",
    )


def check_rnn_step_forward(rnn_step_forward):
    zeros_x, zeros_h = np.zeros((N, D)), np.zeros((N, H))
    what = "zero input and zero state (h must be tanh(b) in every row)"
    h = _h_of(call(rnn_step_forward, zeros_x, zeros_h, WX, WH, B, what=what), what)
    expect_shape(h, (N, H), what=what)
    expect_close(
        h,
        _e("step_bias_only"),
        what=what,
        hint="With x = 0 and h_prev = 0 only the bias is left: a missing b or a missing tanh "
        "is off.",
    )
    what = "input only (h_prev = 0, b = 0)"
    h = _h_of(call(rnn_step_forward, X, zeros_h, WX, WH, np.zeros(H), what=what), what)
    expect_close(
        h,
        _e("step_input_only"),
        what=what,
        hint="Only the input term is left here, x (N, D) times Wx (D, H): it is off.",
    )
    what = "state only (x = 0, b = 0)"
    h = _h_of(call(rnn_step_forward, zeros_x, H_PREV, WX, WH, np.zeros(H), what=what), what)
    if _same(h, "step_state_only_Wh_transposed"):
        raise VisibleCheckFailed(
            f"{what}: your result matches h_prev times Wh transposed (the column-vector "
            f"texts' W_hh); this course writes row vectors, h_prev Wh."
        )
    expect_close(
        h,
        _e("step_state_only"),
        what=what,
        hint="Only the state term is left here, h_prev (N, H) times Wh (H, H): it is off.",
    )
    what = "large inputs (|x| ~ 1e4: every unit saturates at -1 or +1)"
    with np.errstate(all="ignore"):  # an overflow shows in the values; the warning is not graded
        h = _h_of(call(rnn_step_forward, X_LARGE, H_PREV, WX, WH, B, what=what), what)
    expect_shape(h, (N, H), what=what)
    expect_true(
        bool(np.all(np.isfinite(h))),
        what=f"{what}: h holds NaN or inf",
        hint="exp of a pre-activation beyond about 709 overflows to inf, and inf / inf is NaN: "
        "a tanh written with exp breaks here, where the true tanh is -1 or +1.",
    )
    expect_close(h, _e("step_large_inputs"), what=what)
    what = "all three terms"
    arguments = (X.copy(), H_PREV.copy(), WX.copy(), WH.copy(), B.copy())
    result = call(rnn_step_forward, *arguments, what=what)
    _unchanged(*zip(arguments, (X, H_PREV, WX, WH, B)), what=what)
    h = _h_of(result, what)
    if _same(h, "step_pre_activation"):
        raise VisibleCheckFailed(f"{what}: the result is the pre-activation: tanh is missing.")
    expect_close(h, _e("step_full"), what=what)
    what = f"{what}: the cache"
    cache = expect_entries(
        result[1],
        (
            ("x", (N, D)),
            ("h_prev", (N, H)),
            ("Wx", (D, H)),
            ("Wh", (H, H)),
            ("h", (N, H)),
            ("", "tanh"),
        ),
        what=what,
    )
    if _same(cache[4], "step_pre_activation"):
        raise VisibleCheckFailed(
            f"{what} holds the pre-activation where it should hold h = "
            f"tanh(a): notebook 03's backward pass computes 1 - h**2 from it"
        )
    _same_entries(cache, (X, H_PREV, WX, WH, h), ("x", "h_prev", "Wx", "Wh", "h"), what=what)
    passed("rnn_step_forward")


def check_rnn_forward(rnn_forward):
    x = X_SEQUENCE
    what = "T = 1 (must equal one step)"
    h = _h_of(call(rnn_forward, x[:, :1], H_PREV, WX, WH, B, what=what), what)
    expect_shape(h, (N, 1, H), what=what + ": h holds h_1 only (h_0 is its own argument)")
    if np.allclose(h[:, 0], H_PREV):
        raise VisibleCheckFailed(
            f"{what}: h[:, 0] holds h_0: each state is stored before its step, but "
            f"h[:, t-1] is h_t, the state after reading x[:, t-1]."
        )
    expect_close(h, _e("forward")[:, :1], what=what)
    what = f"N = {N}, T = {T_SEQUENCE}"
    result = call(rnn_forward, x, H_PREV, WX, WH, B, what=what)
    h = _h_of(result, what)
    expect_shape(h, (N, T_SEQUENCE, H), what=what)
    if _same(h, "forward_stored_before"):
        raise VisibleCheckFailed(
            f"{what}: h[:, 0] holds h_0: each state is stored before its step, but "
            f"h[:, t-1] is h_t, the state after reading x[:, t-1]."
        )
    expect_close(h[:, 0], _e("forward")[:, 0], what=f"{what}: h_1 = h[:, 0], from h_0 and x_1")
    if _same(h, "forward_restarted"):
        raise VisibleCheckFailed(
            f"{what}: every step started from h0: the new state is not carried into the next step."
        )
    expect_close(h, _e("forward"), what=f"{what}: step t reads the state of step t-1")
    what = f"{what}: the cache"
    layout = (("x", x.shape), ("h0", (N, H)), ("Wx", (D, H)), ("Wh", (H, H)), ("h", h.shape))
    cache = expect_entries(result[1], (*layout, ("", "tanh")), what=what)
    _same_entries(cache, (x, H_PREV, WX, WH, h), [name for name, _ in layout], what=what)
    what = "large inputs (x scaled to |x| ~ 1e4; the docstring: no overflow)"
    _expect_saturated(call(rnn_forward, 1e4 * x, H_PREV, WX, WH, B, what=what), what)
    passed("rnn_forward")


def check_rnn_output(rnn_output):
    what = "zero hidden states (logits must equal by)"
    result = call(rnn_output, np.zeros(H_OUTPUT.shape), WY, BY, what=what)
    logits = _h_of(result, what, "(logits, cache)")
    expect_shape(logits, H_OUTPUT.shape[:2] + (V,), what=what)
    expect_close(
        logits,
        np.broadcast_to(BY, H_OUTPUT.shape[:2] + (V,)),
        what=what,
        hint="With h = 0 only the output bias by is left.",
    )
    what = f"N = {N}, T = 2, H = {H}, V = {V}"
    result = call(rnn_output, H_OUTPUT, WY, BY, what=what)
    logits = _h_of(result, what, "(logits, cache)")
    expect_close(
        logits,
        _e("output"),
        what=what,
        hint="The logits are h (..., H) times Wy (H, V) plus by: a transposed Wy, a missing "
        "by or a softmax is off.",
    )
    what = "one step (h of shape (N, H))"
    step_result = call(rnn_output, H_OUTPUT[:, 0], WY, BY, what=what)
    expect_close(
        _h_of(step_result, what, "(logits, cache)"),
        _e("output")[:, 0],
        what=what,
        hint="It works for h of shape (N, T, H) but not for one step, h of shape (N, H).",
    )
    what = f"N = {N}, T = 2, H = {H}, V = {V}: the cache"
    cache = expect_entries(result[1], (("h", H_OUTPUT.shape), ("Wy", (H, V))), what=what)
    _same_entries(cache, (H_OUTPUT, WY), ("h", "Wy"), what=what)
    passed("rnn_output")


def check_masked_rnn_forward(masked_rnn_forward):
    x, full = X_MASKED, _e("masked_full")
    what = "every sequence full length (must equal rnn_forward)"
    h = _h_of(
        call(masked_rnn_forward, x, H_PREV, WX, WH, B, np.array([T_MASKED] * N), what=what), what
    )
    expect_shape(h, (N, T_MASKED, H), what=what)
    expect_close(h, full, what=what)
    what = f"lengths = {LENGTHS.tolist()}: sequence 0 ends after its first step"
    result = call(masked_rnn_forward, x, H_PREV, WX, WH, B, LENGTHS.copy(), what=what)
    h = _h_of(result, what)
    expect_close(h[0, 0], full[0, 0], what=f"{what}; its step 1")
    if np.allclose(h[0, 1:], 0):
        raise VisibleCheckFailed(
            f"{what}: past its end the state is set to zero; it must stay frozen at its last "
            f"value h[0, 0]."
        )
    expect_close(
        h,
        _e("masked"),
        what=what,
        hint="Past the end of a sequence its state is frozen (h_t = h_{t-1}), and freezing one "
        "sequence leaves the others as they are: a sequence that runs one step too long or "
        "too short, or reads its padding, is off.",
    )
    what = f"{what}: the cache"
    layout = (
        ("x", x.shape),
        ("h0", (N, H)),
        ("Wx", (D, H)),
        ("Wh", (H, H)),
        ("h", h.shape),
        ("lengths", LENGTHS.shape),
    )
    cache = expect_entries(result[1], (*layout, ("", "tanh")), what=what)
    _same_entries(cache, (x, H_PREV, WX, WH, h, LENGTHS), [n for n, _ in layout], what=what)
    what = "large inputs (x scaled to |x| ~ 1e4; the docstring: no overflow)"
    _expect_saturated(
        call(masked_rnn_forward, 1e4 * x, H_PREV, WX, WH, B, LENGTHS.copy(), what=what), what
    )
    passed("masked_rnn_forward")


def check_stacked_rnn_forward(stacked_rnn_forward):
    x = X_SEQUENCE
    layer_1 = {"Wx": WX, "Wh": WH, "b": B}
    what = "one layer (must equal rnn_forward)"
    result = call(stacked_rnn_forward, x, [np.zeros((N, H))], [layer_1], what=what)
    h = _h_of(result, what, "(h_top, hs)")
    expect_shape(h, (N, T_SEQUENCE, H), what=what)
    expect_close(h, _e("stacked_layer_1"), what=what)
    expect_true(
        isinstance(result[1], list) and len(result[1]) == 1,
        what=f"{what}: hs must be a list with one array of states per layer",
    )
    what = f"two layers with H = {H} then {H2}"
    result = call(
        stacked_rnn_forward, x, [np.zeros((N, H)), H0_LAYER_2], [layer_1, LAYER_2], what=what
    )
    h = _h_of(result, what, "(h_top, hs)")
    expect_shape(h, (N, T_SEQUENCE, H2), what=f"{what} (the output is the top layer's states)")
    if _same(h, "stacked_top_from_zeros"):
        raise VisibleCheckFailed(
            f"{what}: layer 2 started from zeros, not from its own initial state h0s[1]."
        )
    expect_close(
        h,
        _e("stacked_top"),
        what=what,
        hint="Layer m reads the states of layer m-1 at every step, with its own weights: "
        "every layer reading x, or using layer 1's weights, is off.",
    )
    expect_true(
        isinstance(result[1], list) and len(result[1]) == 2,
        what=f"{what}: hs must be a list of every layer's states",
    )
    expect_close(
        result[1][0],
        _e("stacked_layer_1"),
        what=f"{what}: hs[0], layer 1's states",
        hint="hs[0] is not layer 1's states: hs lists the layers bottom first.",
    )
    passed("stacked_rnn_forward")


def _draws(sample, seed, length, temperature, what, first_index=FIRST_INDEX):
    indices = call(
        sample,
        WX_SAMPLE,
        WH,
        B,
        WY,
        BY,
        np.zeros(H),
        first_index,
        length,
        np.random.default_rng(seed),
        temperature=temperature,
        what=what,
    )
    return np.asarray(indices)


def check_sample(sample):
    what = "length 6 from np.random.default_rng(0)"
    indices = _draws(sample, 0, 6, 1.0, what)
    expect_shape(indices, (6,), what=what)
    expect_true(
        indices.dtype.kind in "iu",
        what=f"{what}: return integer indices",
        hint="The docstring asks for an integer array; these are not integers.",
    )
    expect_true(bool(np.all((indices >= 0) & (indices < V))), what=f"{what}: indices in 0..V-1")
    expect_true(
        np.array_equal(indices, _draws(sample, 0, 6, 1.0, what)),
        what=f"{what}: the same RNG seed must give the same characters",
        hint="Two runs from the same seed drew different characters: randomness came from "
        "somewhere other than the rng argument (np.random?).",
    )
    what = (
        "temperature 1e-3 (must pick the most probable character every time), first_index "
        "and length given as NumPy integers (np.int64)"
    )
    cold = _draws(sample, 1, np.int64(6), 1e-3, what, first_index=np.int64(FIRST_INDEX))
    expect_true(
        np.array_equal(cold, _e("sample_cold")),
        what=what,
        hint="At this temperature every draw is the most probable character: the temperature "
        "was not applied to the logits as the exercise says, an exp overflowed, or the drawn "
        "character or the state was not fed back.",
    )
    for temperature in TEMPERATURES:
        what = f"20 characters at temperature {temperature} from np.random.default_rng(3)"
        drawn = _draws(sample, 3, 20, temperature, what)
        if np.array_equal(drawn, _e(f"sample_{temperature:g}_multiplied")) and temperature != 1:
            raise VisibleCheckFailed(
                f"{what}: your draws match logits multiplied by the temperature; "
                f"p = softmax(y / tau) divides them."
            )
        expect_true(
            np.array_equal(drawn, _e(f"sample_{temperature:g}")),
            what=f"{what}: not the expected characters",
            hint="The draws differ from one rng.choice(V, p=p) per character: an argmax, "
            "np.random, extra draws, a character not fed back as the next input, or a state "
            "not carried all change them.",
        )
    passed("sample")


MAX_HIDDEN_SIZE = 64  # the exercise's limit: 1 <= H <= 64 (the hidden check refuses more)


def check_hand_designed_rnn(hand_designed_rnn, rnn_forward, rnn_output):
    """Runs your weights through your own rnn_forward and rnn_output (exercises 2 and 3)."""
    weights = call(hand_designed_rnn, what="hand_designed_rnn()")
    expect_true(
        isinstance(weights, dict) and set(weights) >= {"Wx", "Wh", "b", "Wy", "by"},
        what="return a dict with the keys 'Wx', 'Wh', 'b', 'Wy', 'by'",
    )
    Wx, Wh, b, Wy, by = (np.asarray(weights[k], dtype=float) for k in ("Wx", "Wh", "b", "Wy", "by"))
    hidden = Wh.shape[0] if Wh.ndim == 2 else -1
    expect_true(
        1 <= hidden <= MAX_HIDDEN_SIZE,
        what=f"weights['Wh'] has shape {Wh.shape}: the exercise allows a hidden size H "
        f"from 1 to {MAX_HIDDEN_SIZE}",
    )
    for name, value, shape in (
        ("Wx", Wx, (3, hidden)),
        ("Wh", Wh, (hidden, hidden)),
        ("b", b, (hidden,)),
        ("Wy", Wy, (hidden, 2)),
        ("by", by, (2,)),
    ):
        expect_shape(value, shape, what=f"weights[{name!r}] (H = {hidden} from Wh)")
    for text in MEMORY_TEXTS:
        x = np.eye(3)[["abc".index(char) for char in text]][None]  # (1, T, 3)
        h, _ = call(rnn_forward, x, np.zeros((1, hidden)), Wx, Wh, b, what="your rnn_forward")
        logits, _ = call(rnn_output, h, Wy, by, what="your rnn_output")
        said = np.asarray(logits)[0, :, 1] > np.asarray(logits)[0, :, 0]
        for t in range(len(text)):
            truth = "a" in text[: t + 1]
            if bool(said[t]) != truth:
                raise VisibleCheckFailed(
                    f"on {text!r}, after reading {text[: t + 1]!r} your network answers "
                    f"{'yes' if said[t] else 'no'}, but the answer is {'yes' if truth else 'no'}"
                )
    passed(
        "hand_designed_rnn",
        f"{len(MEMORY_TEXTS)} example sequences answered correctly at "
        f"every step, run by your rnn_forward and rnn_output",
    )
