"""Visible checks of notebook 05 (the LSTM).

Inputs are the constants below (gate order i, f, g, o; N = 2 sequences, D = 3 inputs, H = 2
units, so the gate blocks are 4H = 8 columns wide). What each result should be, and what the
common mistakes give instead, was computed once from the course's reference implementation
(grader/visible_expectations/lstm.py) and ships as data: a message names the likely mistake when the
learner's result matches one of those.
"""

from __future__ import annotations

import warnings

import numpy as np

from coursekit.visible.expect import (
    VisibleCheckFailed,
    call,
    expect_close,
    expect_saturated_states,
    expect_shape,
    expect_true,
    expect_unchanged,
    expected,
    passed,
)

NOTEBOOK = "lstm"
N, D, H, T = 2, 3, 2, 4
STEP_CACHE = ("x", "h_prev", "c_prev", "Wx", "Wh", "gates", "c")
SEQUENCE_CACHE = ("x", "h0", "c0", "Wx", "Wh", "gates", "c", "h")
STEP_GRADS = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
SEQUENCE_GRADS = ("dx", "dh0", "dWx", "dWh", "db", "dc0")

# -- inputs (the reference's results on them are in coursekit/data/visible/lstm.npz) -------------
SIGMOID_X = np.array([-1e4, -30.0, -1.0, 0.0, 1.0, 30.0, 1e4])
SIGMOID_GRID = np.linspace(-6.0, 6.0, 12).reshape(3, 4)
X = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.7]])  # (N, D)
H_PREV = np.array([[0.3, -0.6], [-0.2, 0.9]])  # (N, H)
C_PREV = np.array([[1.2, -0.4], [0.5, 2.0]])  # (N, H)
WX = 0.4 * np.sin(np.arange(D * 4 * H).reshape(D, 4 * H) + 1.0)  # (D, 4H)
WH = 0.5 * np.cos(0.7 * np.arange(H * 4 * H).reshape(H, 4 * H))  # (H, 4H)
B = np.array([0.5, -0.3, 1.0, 1.5, -0.5, 0.8, 2.0, -1.0])  # blocks i, f, g, o
GATE_BIASES = np.repeat([0.5, 1.5, -0.8, 2.5], H)  # one value per gate: i, f, g, o
STEP_INPUTS = {  # name -> (x, h_prev, c_prev, Wx, Wh, b)
    "biases only": (
        np.zeros((N, D)),
        np.zeros((N, H)),
        np.zeros((N, H)),
        np.zeros((D, 4 * H)),
        np.zeros((H, 4 * H)),
        GATE_BIASES,
    ),
    "biases only, c_prev = 1": (
        np.zeros((N, D)),
        np.zeros((N, H)),
        np.ones((N, H)),
        np.zeros((D, 4 * H)),
        np.zeros((H, 4 * H)),
        GATE_BIASES,
    ),
    "general": (X, H_PREV, C_PREV, WX, WH, B),
}
X_SEQUENCE = 0.8 * np.sin(0.9 * np.arange(N * T * D).reshape(N, T, D))  # (N, T, D)
DH = np.array([[0.7, -1.1], [0.4, 0.9]])  # (N, H)
DC = np.array([[-0.5, 0.3], [1.2, -0.8]])  # (N, H)
STEP_UPSTREAM = {
    "through h only (dc = 0)": (DH, np.zeros((N, H))),
    "through c only (dh = 0)": (np.zeros((N, H)), DC),
    "through both": (DH, DC),
}
DH_SEQUENCE = np.linspace(-1.0, 1.0, N * T * H).reshape(N, T, H)
DH_LAST = np.zeros((N, T, H))
DH_LAST[:, -1] = [[1.0, -0.5], [0.3, 0.8]]
HALVES = np.full((1, 5, 2), 0.5)  # f_t = 0.5
FORGET_GATES = 0.5 + 0.45 * np.sin(np.arange(2 * 4 * 3).reshape(2, 4, 3))  # in (0.05, 0.95)
FORGET_ONE_SEQUENCE = FORGET_GATES[0]  # (T, H) = (4, 3)


def _matching(results: dict, key: str, hints: dict[str, str]) -> str:
    """The hint of the first mistake whose precomputed results all equal `results`, else ''."""
    for mistake, hint in hints.items():
        try:
            if all(
                np.shape(value) == expected(NOTEBOOK, f"{key}/{mistake}/{name}").shape
                and np.allclose(value, expected(NOTEBOOK, f"{key}/{mistake}/{name}"))
                for name, value in results.items()
            ):
                return hint
        except (TypeError, ValueError, KeyError):
            continue
    return ""


def _compare(
    results: dict,
    key: str,
    *,
    what: str,
    hints: dict[str, str],
    hint: str = "",
    rtol=1e-6,
    atol=1e-8,
) -> None:
    """Each named result against the reference's; on a difference, name the mistake it matches."""
    for name, value in results.items():
        try:
            expect_close(
                value,
                expected(NOTEBOOK, f"{key}/{name}"),
                what=f"{what}: {name}",
                hint=hint,
                rtol=rtol,
                atol=atol,
            )
        except VisibleCheckFailed as failure:
            named = _matching(results, key, hints)
            if named:
                raise VisibleCheckFailed(
                    f"{failure} Your results match what you get when {named}"
                ) from None
            raise


def _tuple_of(result, names, what):
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise VisibleCheckFailed(f"{what}: return the tuple ({', '.join(names)}), got {got}")
    return result


def _copies(arrays):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in arrays)


def _unchanged(before, after, names, *, what):
    for name, old, new in zip(names, before, after):
        if isinstance(old, np.ndarray):
            expect_unchanged(
                np.array_equal(old, new),
                what=f"{what}: your function changed its argument {name} in place",
                hint="The arrays you are given belong to the caller, who may read them "
                "again; `a += b` and `a[...] = b` write into a.",
            )


# -- Exercise 1: sigmoid ----------------------------------------------------------------------
def check_sigmoid(sigmoid):
    what = "sigmoid([-1e4, -30, -1, 0, 1, 30, 1e4])"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                s = call(sigmoid, SIGMOID_X.copy(), what=what)
        except VisibleCheckFailed as failure:
            if isinstance(failure.__cause__, (FloatingPointError, RuntimeWarning)):
                raise VisibleCheckFailed(
                    f"{what}: NumPy reported '{failure.__cause__}': exp of a large positive "
                    f"number overflows (exp(1e4) is inf), and np.where evaluates both of its "
                    f"branches everywhere. (Hidden checks do not grade the warning: they judge "
                    f"only the values returned, where a NaN or inf would cost the points.)"
                ) from None
            raise
    expect_shape(s, SIGMOID_X.shape, what=what)
    expect_close(
        s,
        expected(NOTEBOOK, "sigmoid/range"),
        what=what,
        hint="sigmoid(0) = 0.5, sigmoid(x) -> 1 for large x and -> 0 for very negative x: "
        "one of these is off (inf / inf is NaN).",
    )
    what = "a (3, 4) grid from -6 to 6"
    s = call(sigmoid, SIGMOID_GRID.copy(), what=what)
    expect_shape(s, SIGMOID_GRID.shape, what=what)
    expect_close(
        s,
        expected(NOTEBOOK, "sigmoid/grid"),
        what=what,
        hint="Not elementwise, or not of the shape of x.",
    )
    expect_close(
        s + call(sigmoid, -SIGMOID_GRID, what=what),
        np.ones((3, 4)),
        what=f"{what}: sigmoid(x) + sigmoid(-x) must be 1",
    )
    passed("sigmoid", "no overflow at |x| = 1e4")


# -- Exercise 2: lstm_step_forward ------------------------------------------------------------
STEP_FORWARD_HINTS = {
    "gate_order": "the gate blocks are read in the order i, f, o, g (cs231n's); this course "
    "uses torch's order i, f, g, o.",
    "sigmoid_candidate": "sigmoid is used for the candidate g, whose activation is tanh.",
    "forget_on_candidate": "the forget gate multiplies the new candidate instead of the old "
    "cell state.",
    "no_tanh_of_c": "h is made from the cell state without squashing it (h = o * c).",
    "old_c_in_h": "h is made from the previous cell state c_prev instead of the new one.",
    "no_bias": "the bias b is left out.",
    "pre_activation_cache": "the cache holds the pre-activations a instead of the activated gates.",
}


H_IS_BOUNDED = "h = o * tanh(c) lies in [-1, 1]"


def check_lstm_step_forward(lstm_step_forward):
    for case, arguments in STEP_INPUTS.items():
        what = f"{case}, N = {N}, D = {D}, H = {H}"
        passed_in = _copies(arguments)
        h, c, cache = _tuple_of(
            call(lstm_step_forward, *passed_in, what=what), ("h", "c", "cache"), what
        )
        _unchanged(arguments, passed_in, ("x", "h_prev", "c_prev", "Wx", "Wh", "b"), what=what)
        cache = _tuple_of(cache, STEP_CACHE, f"{what}: cache")
        expect_shape(cache[5], (N, 4 * H), what=f"{what}: cache gates")
        results = {"gates": cache[5], "c": c, "h": h}
        _compare(
            results,
            f"step_forward/{case}",
            what=what,
            hints=STEP_FORWARD_HINTS,
            hint="Compare each line with the equations of section 1: the gate blocks, their "
            "activations, c and h.",
        )
        for index, name in enumerate(STEP_CACHE[:5]):
            expect_close(
                cache[index],
                arguments[index],
                what=f"{what}: cache entry {name}",
                hint="This entry is not what the documented cache (x, h_prev, c_prev, Wx, Wh, "
                "gates, c) holds there.",
            )
        expect_close(
            cache[6],
            c,
            what=f"{what}: cache entry c",
            hint="The cache's last entry is not the new cell state c.",
        )
    what = "large inputs (x scaled to |x| ~ 1e3: the gates saturate; the docstring: no overflow)"
    x, h_prev, c_prev, Wx, Wh, b = _copies(next(iter(STEP_INPUTS.values())))
    with np.errstate(all="ignore"):  # an overflow shows in the values; the warning is not graded
        h, c, _ = _tuple_of(
            call(lstm_step_forward, 1e3 * x, h_prev, c_prev, Wx, Wh, b, what=what),
            ("h", "c", "cache"),
            what,
        )
    expect_saturated_states({"h": h, "c": c}, what=what, why_h_is_bounded=H_IS_BOUNDED)
    passed(
        "lstm_step_forward",
        "gates from the biases alone, the forget term, a general step, large inputs",
    )


# -- Exercise 3: lstm_forward -----------------------------------------------------------------
FORWARD_HINTS = {
    "c_not_carried": "every step starts from c0: the new cell state is not carried.",
    "h_not_carried": "every step starts from h0: the new hidden state is not carried.",
}


def check_lstm_forward(lstm_forward):
    for case, T_case, c0 in (
        ("T = 1, c0 given", 1, C_PREV),
        ("T = 4, c0 omitted", T, None),
        ("T = 4, c0 given", T, C_PREV),
    ):
        what = f"{case}, N = {N}, D = {D}, H = {H}"
        x = X_SEQUENCE[:, :T_case]
        kwargs = {} if c0 is None else {"c0": c0.copy()}
        h, cache = _tuple_of(
            call(
                lstm_forward,
                x.copy(),
                H_PREV.copy(),
                WX.copy(),
                WH.copy(),
                B.copy(),
                what=what,
                **kwargs,
            ),
            ("h", "cache"),
            what,
        )
        expect_shape(h, (N, T_case, H), what=f"{what}: h")
        cache = _tuple_of(cache, SEQUENCE_CACHE, f"{what}: cache")
        expect_true(
            isinstance(cache[2], np.ndarray),
            what=f"{what}: cache entry c0 must be the initial cell state used (an array)",
            hint="With c0 omitted, the cache holds something other than the zeros the forward "
            "pass started from.",
        )
        key = f"forward/{case}"
        _compare(
            {"h": h, "gates": cache[5], "c": cache[6], "c0": cache[2]},
            key,
            what=what,
            hints=FORWARD_HINTS,
            hint="Step t reads x[:, t-1], h_{t-1} and c_{t-1}, and its h_t, c_t and gates belong "
            "at index t-1: a state not carried, or stored at another index, is off.",
        )
        expect_close(
            cache[7],
            h,
            what=f"{what}: cache entry h",
            hint="The cache's last entry is not the states h.",
        )
    what = "large inputs (x scaled to |x| ~ 1e3: the gates saturate; the docstring: no overflow)"
    with np.errstate(all="ignore"):  # an overflow shows in the values; the warning is not graded
        h, _ = _tuple_of(
            call(
                lstm_forward,
                1e3 * X_SEQUENCE,
                H_PREV.copy(),
                WX.copy(),
                WH.copy(),
                B.copy(),
                what=what,
            ),
            ("h", "cache"),
            what,
        )
    expect_saturated_states({"h": h}, what=what, why_h_is_bounded=H_IS_BOUNDED)
    passed(
        "lstm_forward",
        "T = 1 is one step, c0 omitted means zeros, a sequence of 4 steps, large inputs",
    )


# -- Exercise 4: lstm_step_backward -----------------------------------------------------------
STEP_BACKWARD_HINTS = {
    "no_dc_from_h": "the gradient reaching c through h is not added to dc.",
    "slope_of_c": "the slope of tanh(c) is written with c (1 - c**2).",
    "not_through_f": "dc_prev is not multiplied by the forget gate.",
    "f_uses_c": "the forget gate's gradient uses the new cell state c where c = f * c_prev + "
    "i * g puts c_prev.",
    "g_sigmoid_slope": "the candidate's slope is a sigmoid's, g * (1 - g), but g is a tanh.",
    "o_uses_c": "the output gate's gradient uses c where h = o * tanh(c) puts tanh(c).",
    "gate_order": "the gate gradients are stacked as i, f, o, g, not in the order i, f, g, o.",
}


def _step_cache():
    gates = expected(NOTEBOOK, "step_forward/general/gates")
    c = expected(NOTEBOOK, "step_forward/general/c")
    return (X.copy(), H_PREV.copy(), C_PREV.copy(), WX.copy(), WH.copy(), gates, c)


def check_lstm_step_backward(lstm_step_backward):
    for case, (dh, dc) in STEP_UPSTREAM.items():
        what = f"gradient {case}, N = {N}, D = {D}, H = {H}"
        passed_in = (dh.copy(), dc.copy(), _step_cache())
        grads = _tuple_of(call(lstm_step_backward, *passed_in, what=what), STEP_GRADS, what)
        _compare(
            dict(zip(STEP_GRADS, grads)),
            f"step_backward/{case}",
            what=what,
            hints=STEP_BACKWARD_HINTS,
            hint="Compare each line with the equations of section 2: dc_total, the four gate "
            "gradients, and the cell path dc_prev.",
        )
        _unchanged((dh, dc), passed_in[:2], ("dh", "dc"), what=what)
        _unchanged(_step_cache(), passed_in[2], STEP_CACHE, what=what)
    passed("lstm_step_backward", "through h only, through c only, both")


# -- Exercise 5: lstm_backward ----------------------------------------------------------------
BACKWARD_HINTS = {
    "c_not_carried": "the cell-state gradient is not carried back: step t gets no dc from "
    "step t+1.",
    "h_not_carried": "the gradient from step t+1 (its dh_prev) is not added to dh of step t.",
    "not_accumulated": "the weight gradients are overwritten at every step, not added up.",
}


def _sequence_cache():
    return (
        X_SEQUENCE.copy(),
        H_PREV.copy(),
        C_PREV.copy(),
        WX.copy(),
        WH.copy(),
        expected(NOTEBOOK, "forward/T = 4, c0 given/gates"),
        expected(NOTEBOOK, "forward/T = 4, c0 given/c"),
        expected(NOTEBOOK, "forward/T = 4, c0 given/h"),
    )


def check_lstm_backward(lstm_backward):
    for case, dh in (
        ("loss on the last step only", DH_LAST),
        ("a gradient on every state", DH_SEQUENCE),
    ):
        what = f"{case}, N = {N}, T = {T}, H = {H}"
        passed_in = (dh.copy(), _sequence_cache())
        grads = _tuple_of(call(lstm_backward, *passed_in, what=what), SEQUENCE_GRADS[:5], what)
        expect_shape(grads[0], (N, T, D), what=f"{what}: dx")
        _compare(
            dict(zip(SEQUENCE_GRADS, grads)),
            f"backward/{case}",
            what=what,
            hints=BACKWARD_HINTS,
            hint="Compare with Exercise 5's walk from t = T to 1: what each step receives, what "
            "it passes to the step before, and what the weight gradients collect.",
        )
        _unchanged((dh,), passed_in[:1], ("dh",), what=what)
        _unchanged(_sequence_cache(), passed_in[1], SEQUENCE_CACHE, what=what)
    what = "return_dc0=True, loss on the last step only"
    grads = _tuple_of(
        call(lstm_backward, DH_LAST.copy(), _sequence_cache(), return_dc0=True, what=what),
        SEQUENCE_GRADS,
        what,
    )
    _compare(
        {"dc0": grads[5]},
        "backward/loss on the last step only",
        what=what,
        hints={"c_not_carried": BACKWARD_HINTS["c_not_carried"]},
        hint="dc0 is not the dc_prev that the step backward of step 1 returns.",
    )
    passed("lstm_backward", "loss on the last step, on every step, and dc0")


# -- Exercise 6: cell_path_gradient -----------------------------------------------------------
CELL_PATH_HINTS = {
    "includes_f_k": "the product includes f_k itself; dc_T/dc_k starts at f_{k+1}, and the "
    "entry for k = T is the empty product, 1.",
    "forwards": "the product runs forwards in time (f_1 f_2 ... f_k), not from step T back.",
    "reversed": "the result is in reversed time order (index 0 holds the lag-0 value).",
}


def check_cell_path_gradient(cell_path_gradient):
    for case, forget in (
        ("every forget gate 0.5, (N, T, H) = (1, 5, 2)", HALVES),
        ("forget gates in (0.05, 0.95), (N, T, H) = (2, 4, 3)", FORGET_GATES),
        ("one sequence, (T, H) = (4, 3)", FORGET_ONE_SEQUENCE),
    ):
        grad = call(cell_path_gradient, forget.copy(), what=case)
        expect_shape(grad, forget.shape, what=case)
        _compare(
            {"grad": grad},
            f"cell_path/{case}",
            what=case,
            hints=CELL_PATH_HINTS,
            hint="Not the product over the later steps f_{k+1} ... f_T along the time axis -2 "
            "(for (N, T, H) and (T, H) alike).",
        )
    passed("cell_path_gradient", "halving gates, general gates, one sequence")


# -- Exercise 7: forget_gate_bias_init --------------------------------------------------------
BIAS_HINTS = {
    "input_block": "the value is in the first block, the input gate i's.",
    "output_block": "the value is in the last block, the output gate o's.",
    "everywhere": "every entry is set to the value, not only the forget gate's block.",
}


def check_forget_gate_bias_init(forget_gate_bias_init):
    for case, args in (
        ("H = 3, value = 2.0", (3, 2.0)),
        ("H = 1, value = -1.0", (1, -1.0)),
        ("H = 2, value left at its default", (2,)),
    ):
        b = call(
            forget_gate_bias_init,
            np.int64(args[0]),  # "a whole number": NumPy's integers are whole numbers too
            *args[1:],
            what=f"{case} (H given as a NumPy integer, np.int64)",
        )
        expect_shape(b, (4 * args[0],), what=case)
        _compare(
            {"b": b},
            f"bias_init/{case}",
            what=case,
            hints=BIAS_HINTS,
            hint="Not the docstring's blocks [i, f, g, o] = [0, value, 0, 0] of shape (4H,), "
            "or not its default value.",
        )
    passed("forget_gate_bias_init")
