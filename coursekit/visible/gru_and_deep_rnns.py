"""Visible checks of notebook 06 (GRU and deep RNNs).

The inputs are the constants below; what a correct function returns on them, and what each
common mistake returns, was computed by the course's reference implementation and the mistake
catalogue (grader/visible_expectations/gru_and_deep_rnns.py) and ships as data
(`expected("gru_and_deep_rnns", key)`), so the checks can name a mistake without containing an
implementation of any exercise.

Each check calls the learner's function on all its cases first. If a whole result equals what a
catalogued mistake returns on that case (`NAMED`, keyed by the catalogue's ids), the message
names that mistake; otherwise the cases are judged output by output, the case that isolates one
term first. Whatever the function returns (None, a list, arrays where names belong, wrong
shapes), the check answers with a message, never an error of its own.
"""

from __future__ import annotations

import numpy as np

from coursekit.model_size import BIAS_NAMES, GATE_BLOCKS
from coursekit.visible.expect import (
    VisibleCheckFailed,
    call,
    expect_close,
    expect_saturated_states,
    expect_true,
    expect_unchanged,
    expected,
    guarded,
    passed,
)

NOTEBOOK = "gru_and_deep_rnns"
N, D, H, T = 2, 3, 4, 3
STACK_SIZES = (4, 3)  # H_1, H_2 of the stacks (each differs from D = 3)
EQUAL_SIZES = (D, D, D)  # three layers of D units: the weights of one layer fit another
CELL_TYPES = ("rnn", "lstm", "gru")
STEP_CACHE = ("x", "h_prev", "Wx", "Wh", "gates", "hn")
SEQUENCE_CACHE = ("x", "h0", "Wx", "Wh", "gates", "hn", "h")
STEP_ARGUMENTS = ("x", "h_prev", "Wx", "Wh", "bx", "bh")
STEP_GRADIENTS = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")
SEQUENCE_GRADIENTS = ("dx", "dh0", "dWx", "dWh", "dbx", "dbh")
LAYER_CACHES = {
    "rnn": ("x", "h0", "Wx", "Wh", "h", "activation"),
    "lstm": ("x", "h0", "c0", "Wx", "Wh", "gates", "c", "h"),
    "gru": SEQUENCE_CACHE,
}

_rng = np.random.default_rng(606)
X = _rng.normal(size=(N, D))  # one step
H_PREV = np.tanh(_rng.normal(scale=2.0, size=(N, H)))
WX = _rng.normal(scale=0.6, size=(D, 3 * H))
WH = _rng.normal(scale=0.6, size=(H, 3 * H))
BX = _rng.normal(scale=0.5, size=3 * H)
BH = _rng.normal(scale=0.5, size=3 * H)
DH = np.linspace(-1.0, 1.0, N * H).reshape(N, H)
X_SEQUENCE = _rng.normal(size=(N, T, D))  # a sequence of T steps
H0 = np.tanh(_rng.normal(scale=2.0, size=(N, H)))
DH_SEQUENCE = np.linspace(-1.0, 1.0, N * T * H).reshape(N, T, H)
DH_LAST = np.zeros((N, T, H))
DH_LAST[:, -1] = 1.0  # a loss on the last state only
STACK_X = _rng.normal(size=(N, T, D))  # stacks of two layers of every cell


def _stack(sizes):
    """Initial states and, per cell, one dict of weights per layer (bottom first), from _rng."""
    states = [np.tanh(_rng.normal(scale=2.0, size=(N, size))) for size in sizes]
    params = {}
    for cell in CELL_TYPES:
        layers, fan_in = [], D
        for size in sizes:
            blocks = GATE_BLOCKS[cell] * size
            layer = {
                "Wx": _rng.normal(scale=0.6, size=(fan_in, blocks)),
                "Wh": _rng.normal(scale=0.6, size=(size, blocks)),
            }
            layer.update({name: _rng.normal(scale=0.5, size=blocks) for name in BIAS_NAMES[cell]})
            layers.append(layer)
            fan_in = size
        params[cell] = layers
    return states, params


STACK_STATES, STACK_PARAMS = _stack(STACK_SIZES)
DH_TOP = np.linspace(-1.0, 1.0, N * T * STACK_SIZES[-1]).reshape(N, T, STACK_SIZES[-1])
EQUAL_STATES, EQUAL_PARAMS = _stack(EQUAL_SIZES)
DH_TOP_EQUAL = np.linspace(-1.0, 1.0, N * T * D).reshape(N, T, D)
STACK_SIZE_OF = {"equal": EQUAL_SIZES, "unequal": STACK_SIZES}
LARGE = 1e4  # |x| ~ 1e4: the gates saturate (the hidden checks try such inputs too)
H_IS_BOUNDED = "h = (1 - z) * n + z * h_prev, n = tanh(...) and h0 in [-1, 1]: h lies in [-1, 1]"

# -- the cases: name -> arguments (the expectations are computed on the same) -----------------
STEP_CASES = {
    "zero": (np.zeros((N, D)), np.zeros((N, H)), WX, WH, BX, BH),
    "general": (X, H_PREV, WX, WH, BX, BH),
    "large": (LARGE * X, H_PREV, WX, WH, BX, BH),
}
SEQUENCE_ARGUMENTS = (X_SEQUENCE, H0, WX, WH, BX, BH)
SEQUENCE_UPSTREAMS = {"last": DH_LAST, "every": DH_SEQUENCE}
STACKS = {"equal": (EQUAL_STATES, EQUAL_PARAMS), "unequal": (STACK_STATES, STACK_PARAMS)}
STACK_UPSTREAMS = {"equal": DH_TOP_EQUAL, "unequal": DH_TOP}

# -- the mistakes a check names: the catalogue's ids (grader/mistakes/gru_and_deep_rnns.py) ----
NAMED = {
    "gru_step_forward": {
        "cho": "the reset gate multiplies h_prev before the product with Wh^n, as in the "
        "variant of Cho et al. (Exercise 2)",
        "reset_without_bias": "the reset gate multiplies h_prev @ Wh^n but not its bias bh^n",
        "z_swapped": "z and 1 - z are swapped: z weighs the candidate instead of the old state",
        "rz_swapped": "the r and z column blocks are swapped (the gate order is r, z, n)",
        "no_bh": "the hidden bias bh is left out",
        "no_bh_n": "the candidate leaves out its hidden bias bh^n (r multiplies h_prev @ Wh^n "
        "alone), while r and z have theirs",
        "no_bias": "the cache's hn leaves out the bias bh^n",
        "pre_activations": "the cache's gates hold the pre-activations (before sigmoid and tanh)",
        "tanh_from_exp": "a tanh written with exp overflows to inf / inf = nan at large inputs",
    },
    "gru_cho_step": {
        "reset_after_product": "the reset gate multiplies the product h_prev @ Wh^n + bh^n: that "
        "is gru_step_forward's convention, not the variant of Cho et al.",
        "z_swapped": "z and 1 - z are swapped: z weighs the candidate instead of the old state",
    },
    "gru_step_backward": {
        "no_direct": "dh_prev leaves out the direct path from h_prev to h, the term z * h_prev",
        "no_r_hidden": "the hidden side of the candidate's gradient (in dWh, dbh and dh_prev) "
        "is not multiplied by r, which scales hn",
        "dz_sign": "dz has the wrong sign",
        "no_tanh_slope": "the tanh derivative of the candidate n is left out",
        "no_sigmoid_slope": "the sigmoid derivatives of r and z are left out",
        "dr_from_h_prev": "dr uses h_prev where r multiplies hn, the cache's last entry",
    },
    "gru_forward": {
        "not_carried": "every step starts from h0: the state is not carried to the next step",
        "shifted": "the states are shifted by one step: h[:, 0] holds h_0, which h never holds",
        "last_gates_only": "the cache keeps only the last step's gates and hn",
    },
    "gru_backward": {
        "not_accumulated": "each step's weight gradients replace the earlier steps' instead of "
        "adding to them",
        "not_carried": "the dh_prev that the later step returns is not added to the earlier "
        "step's gradient",
        "last_only": "only the gradient on the last state, dh[:, -1], is used",
        "h_prev_shifted": "each step's cache holds the step's own state as h_prev (h[:, t] at "
        "loop index t, the state after step t + 1) instead of the state before it",
        "h_prev_two_back": "each step's cache holds the state two steps back as h_prev: in a "
        "loop whose index t counts from 0 (step t + 1), h[:, t-2] is h_{t-1}, and at t = 1 "
        "h[:, -1] is the last state h_T",
    },
    "stacked_forward": {
        "weights_of_layer_1": "every layer uses layer 1's weights, layer_params[0]",
        "h0_of_layer_1": "every layer starts from layer 1's initial state, initial_states[0]",
        "every_layer_reads_x": "every layer reads x instead of the states of the layer below",
        "first_layer_returned": "the states of layer 1 are returned instead of the top layer's",
        "caches_top_first": "the layers' caches are listed top layer first",
    },
    "stacked_backward": {
        "dh_top_everywhere": "every layer gets dh_top, not the dx of the layer above it",
        "top_first": "the gradient lists are top layer first",
        "top_dx": "dx is the top layer's dx, not layer 1's",
        "bottom_up": "the layers are walked bottom-up",
    },
}


# -- reading a result, whatever it is ----------------------------------------------------------
def arrays_of(value) -> list | None:
    """The arrays in a result, depth first (tuples and lists in order, dicts by sorted key, names
    skipped), or None if it holds something else. The expectations store mistakes this way."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, str):
        return []
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return None
        value = [value[key] for key in sorted(value)]
    if isinstance(value, (tuple, list)):
        found = []
        for item in value:
            inner = arrays_of(item)
            if inner is None:
                return None
            found += inner
        return found
    return None


def _same_arrays(got: list | None, wanted: list) -> bool:
    return (
        got is not None
        and len(got) == len(wanted)
        and all(
            g.dtype.kind in "biuf" and g.shape == w.shape and np.allclose(g, w, equal_nan=True)
            for g, w in zip(got, wanted)
        )
    )


def _stored_arrays(prefix: str) -> list | None:
    """The arrays stored under prefix_0, prefix_1, ... (None if there are none)."""
    found = []
    while True:
        try:
            found.append(expected(NOTEBOOK, f"{prefix}_{len(found)}"))
        except KeyError:
            return found or None


def _name_the_mistake(exercise: str, case: str, result, what: str) -> None:
    """Fail, naming the mistake, if `result` is what a catalogued mistake returns on `case`."""
    got = arrays_of(result)
    for mistake_id, description in NAMED[exercise].items():
        wanted = _stored_arrays(f"{case}_if_{mistake_id}")
        if wanted is not None and _same_arrays(got, wanted):
            raise VisibleCheckFailed(
                f"{what}: your result matches what you get when {description.rstrip('.')}."
            )


def _reached(error: BaseException, names) -> bool:
    """Whether the error was raised inside a function with one of these names."""
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_name in names:
            return True
        frame = frame.tb_next
    return False


def _call_stack(stacked_forward, arguments, cell: str, what: str):
    """call() for a stack, naming one more mistake: layers of another cell run as RNN layers."""
    try:
        return stacked_forward(*arguments, cell=cell)
    except NotImplementedError:
        raise
    except Exception as error:
        if cell != "rnn" and _reached(error, ("rnn_layer_forward", "rnn_forward")):
            raise VisibleCheckFailed(
                f"{what}: your function ran this stack's {cell.upper()} layers through the RNN's "
                f"functions (it reached rnn_forward): the cell type is ignored"
            ) from error
        raise VisibleCheckFailed(
            f"{what}: your function raised {type(error).__name__}: {error}"
        ) from error


def _value(key):
    return expected(NOTEBOOK, key)


def _tuple_of(result, names, what):
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise VisibleCheckFailed(
            f"{what}: the docstring asks for the tuple ({', '.join(names)}), got {got}"
        )
    return result


def _close(got, wanted, *, what: str, hint: str = "") -> None:
    """expect_close for anything a learner returns: a non-numeric array gets a message too."""
    if isinstance(got, np.ndarray) and got.dtype.kind not in "biuf":
        raise VisibleCheckFailed(f"{what}: expected an array of numbers, got dtype {got.dtype}")
    expect_close(got, wanted, what=what, hint=hint)


def _name_entry(got, name: str, *, what: str) -> None:
    """A cache entry that must be the string `name`."""
    if not (isinstance(got, str) and got == name):
        raise VisibleCheckFailed(f"{what}: expected the name {name!r}, got {_shown(got)}")


def _shown(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, str):
        return repr(value[:40])
    return f"a {type(value).__name__}"


def _unchanged(arguments: dict, copies: dict, what: str):
    for name, array in arguments.items():
        expect_unchanged(
            np.array_equal(array, copies[name]),
            what=f"{what}: your function changed its argument {name} in place",
            hint="It wrote into an array it was given.",
        )


def _copied(arguments):
    return [{k: v.copy() for k, v in a.items()} if isinstance(a, dict) else a for a in arguments]


# -- one step, forward: both conventions -------------------------------------------------------
STEP_WHAT = {
    "zero": "x = 0 and h_prev = 0 (then n = tanh(bx^n + r * bh^n) and h = (1 - z) * n)",
    "general": f"N = {N}, D = {D}, H = {H}",
    "large": f"N = {N}, D = {D}, H = {H}, inputs of size {LARGE:g} (the gates saturate)",
}


@guarded
def check_gru_step_forward(gru_step_forward):
    results = {}
    for case, arguments in STEP_CASES.items():
        what = STEP_WHAT[case]
        copies = [a.copy() for a in arguments]
        result = call(gru_step_forward, *copies, what=what)
        _unchanged(dict(zip(STEP_ARGUMENTS, copies)), dict(zip(STEP_ARGUMENTS, arguments)), what)
        _name_the_mistake("gru_step_forward", f"step_{case}", result, what)
        results[case] = result
    for case, arguments in STEP_CASES.items():
        what = STEP_WHAT[case]
        h, cache = _tuple_of(results[case], ("h", "cache"), what)
        _close(
            h,
            _value(f"step_{case}_h"),
            what=f"{what}: h",
            hint="With x = 0 and h_prev = 0 only the biases reach the gates."
            if case == "zero"
            else "Compare each gate with the equations of section 1 (gate order r, z, n).",
        )
        cache = _tuple_of(cache, STEP_CACHE, f"{what}: the cache")
        for name, entry, argument in zip(STEP_CACHE[:4], cache[:4], arguments[:4]):
            _close(
                entry,
                argument,
                what=f"{what}: cache entry {name}",
                hint="The cache starts with the arguments, as they were passed.",
            )
        _close(
            cache[4],
            _value(f"step_{case}_gates"),
            what=f"{what}: cache entry gates",
            hint="gates holds the activated r, z, n side by side, shape (N, 3H).",
        )
        _close(
            cache[5],
            _value(f"step_{case}_hn"),
            what=f"{what}: cache entry hn",
            hint="hn is the term the reset gate multiplies.",
        )
    passed("gru_step_forward", "h and every cache entry, also at large inputs")


CHO_CASES = ("general", "large")


@guarded
def check_gru_cho_step(gru_cho_step):
    results = {}
    for case in CHO_CASES:
        what = STEP_WHAT[case]
        results[case] = call(gru_cho_step, *(a.copy() for a in STEP_CASES[case]), what=what)
        _name_the_mistake("gru_cho_step", f"cho_{case}", results[case], what)
    for case in CHO_CASES:
        _close(
            results[case],
            _value(f"cho_{case}_h"),
            what=f"{STEP_WHAT[case]}: h",
            hint="Compare the candidate with the equation of section 2; r and z are Exercise 1's.",
        )
    passed("gru_cho_step", "also at large inputs")


# -- one step, backward ------------------------------------------------------------------------
GRADIENT_HINTS = {
    "dx": "dx is reached through Wx by the input-side gradients (section 3).",
    "dh_prev": "h_prev reaches h through Wh and directly (section 3).",
    "dWx": "dWx collects the input-side gradients (section 3).",
    "dWh": "dWh collects the hidden-side gradients (section 3).",
    "dbx": "dbx sums the input-side gradients over the batch.",
    "dbh": "dbh sums the hidden-side gradients over the batch.",
}


def step_backward_arguments_from(gates, hn):
    """(dh, cache) of the step check, the cache with the reference's gates and hn."""
    return DH, (X, H_PREV, WX, WH, gates, hn)


@guarded
def check_gru_step_backward(gru_step_backward):
    what = STEP_WHAT["general"]
    dh, cache = step_backward_arguments_from(
        _value("step_general_gates"), _value("step_general_hn")
    )
    result = call(gru_step_backward, dh.copy(), tuple(a.copy() for a in cache), what=what)
    _name_the_mistake("gru_step_backward", "step_backward", result, what)
    grads = _tuple_of(result, STEP_GRADIENTS, what)
    for name, got in zip(STEP_GRADIENTS, grads):
        _close(
            got, _value(f"step_backward_{name}"), what=f"{what}: {name}", hint=GRADIENT_HINTS[name]
        )
    passed("gru_step_backward", "all six gradients")


# -- a sequence --------------------------------------------------------------------------------
@guarded
def check_gru_forward(gru_forward):
    what = f"N = {N}, T = {T}, D = {D}, H = {H}"
    result = call(gru_forward, *(a.copy() for a in SEQUENCE_ARGUMENTS), what=what)
    _name_the_mistake("gru_forward", "sequence", result, what)
    h, cache = _tuple_of(result, ("h", "cache"), what)
    _close(
        h,
        _value("sequence_h"),
        what=f"{what}: h",
        hint="h[:, t-1] is h_t, the state after step t, made by gru_step_forward.",
    )
    cache = _tuple_of(cache, SEQUENCE_CACHE, f"{what}: the cache")
    for name, entry, value in zip(SEQUENCE_CACHE[:4], cache[:4], SEQUENCE_ARGUMENTS[:4]):
        _close(
            entry,
            value,
            what=f"{what}: cache entry {name}",
            hint="The cache starts with the arguments, as they were passed.",
        )
    for name, entry in zip(SEQUENCE_CACHE[4:], cache[4:]):
        _close(
            entry,
            _value(f"sequence_{name}"),
            what=f"{what}: cache entry {name}",
            hint="It holds every step's entry: step t's at index t-1.",
        )
    what = f"{what}, inputs of size {LARGE:g} (the gates saturate; the docstring: no overflow)"
    large = (LARGE * X_SEQUENCE, *SEQUENCE_ARGUMENTS[1:])
    with np.errstate(all="ignore"):  # an overflow shows in the values; the warning is not graded
        h, _ = _tuple_of(
            call(gru_forward, *(a.copy() for a in large), what=what), ("h", "cache"), what
        )
    expect_saturated_states({"h": h}, what=what, why_h_is_bounded=H_IS_BOUNDED)
    passed("gru_forward", "h and every cache entry, also at large inputs")


def sequence_cache():
    """The cache the reference's gru_forward makes on SEQUENCE_ARGUMENTS."""
    x, h0, Wx, Wh = SEQUENCE_ARGUMENTS[:4]
    gates, hn, h = (_value(f"sequence_{name}") for name in ("gates", "hn", "h"))
    return (x, h0, Wx, Wh, gates, hn, h)


@guarded
def check_gru_backward(gru_backward):
    labels = {"last": "a loss on the last state only", "every": "a gradient on every state"}
    results = {}
    for key, upstream in SEQUENCE_UPSTREAMS.items():
        what = f"N = {N}, T = {T}, H = {H}, {labels[key]}"
        cache = tuple(a.copy() for a in sequence_cache())
        results[key] = call(gru_backward, upstream.copy(), cache, what=what)
        _name_the_mistake("gru_backward", f"sequence_backward_{key}", results[key], what)
    for key in SEQUENCE_UPSTREAMS:
        what = f"N = {N}, T = {T}, H = {H}, {labels[key]}"
        grads = _tuple_of(results[key], SEQUENCE_GRADIENTS, what)
        for name, got in zip(SEQUENCE_GRADIENTS, grads):
            _close(
                got,
                _value(f"sequence_backward_{key}_{name}"),
                what=f"{what}: {name}",
                hint="Compare the loop with Exercise 5's text: the steps from last to first, "
                "each with its own cache, the gradients carried back and added up.",
            )
    passed("gru_backward", "all six gradients, two upstream gradients")


# -- stacks of any cell ------------------------------------------------------------------------
def stack_what(cell: str, stack: str) -> str:
    sizes = STACK_SIZE_OF[stack]
    return f"a {len(sizes)}-layer {cell.upper()} stack, D = {D}, H = " + " then ".join(
        str(size) for size in sizes
    )


def layer_cache(cell: str, stack: str, m: int) -> tuple:
    """Layer m's cache in its documented layout, from the constants and expected values."""
    states, params = STACKS[stack]
    prefix = f"stack_{stack}_{cell}_layer{m}"
    entries = {
        "x": STACK_X if m == 1 else _value(f"stack_{stack}_{cell}_layer{m - 1}_h"),
        "h0": states[m - 1],
        "activation": "tanh",
        "Wx": params[cell][m - 1]["Wx"],
        "Wh": params[cell][m - 1]["Wh"],
    }
    return tuple(
        entries[name] if name in entries else _value(f"{prefix}_{name}")
        for name in LAYER_CACHES[cell]
    )


def _gru_note(cell: str) -> str:
    return (
        " (This stack runs your gru_forward and gru_backward through CELLS['gru']: "
        "check those first if the RNN and LSTM stacks pass.)"
        if cell == "gru"
        else ""
    )


def _list_of(value, length: int, what: str):
    if not isinstance(value, (list, tuple)) or len(value) != length:
        raise VisibleCheckFailed(
            f"{what}: expected a list with one entry per layer ({length}), got {_shown(value)}"
            + (f" of {len(value)}" if isinstance(value, (list, tuple)) else "")
        )
    return value


@guarded
def check_stacked_forward(stacked_forward):
    results = {}
    for stack, (states, params) in STACKS.items():
        for cell in CELL_TYPES:
            what = stack_what(cell, stack)
            arguments = (STACK_X, states, params[cell])
            result = _call_stack(stacked_forward, _copied(arguments), cell, what)
            _name_the_mistake("stacked_forward", f"stack_{stack}_{cell}", result, what)
            results[stack, cell] = result
    for (stack, cell), result in results.items():
        what = stack_what(cell, stack)
        h_top, cache = _tuple_of(result, ("h_top", "cache"), what)
        _close(
            h_top,
            _value(f"stack_{stack}_{cell}_h_top"),
            what=f"{what}: h_top",
            hint="Layer m reads the states of layer m - 1, from its own initial state and "
            "with its own weights." + _gru_note(cell),
        )
        cell_name, layer_caches = _tuple_of(cache, ("cell", "layer_caches"), f"{what}: the cache")
        _name_entry(cell_name, cell, what=f"{what}: the cache's first entry, the cell type")
        M = len(STACK_SIZE_OF[stack])
        expect_true(
            isinstance(layer_caches, tuple) and len(layer_caches) == M,
            what=f"{what}: the cache's layer_caches must be a tuple holding one cache per layer "
            f"({M})",
        )
        for m in range(1, M + 1):
            got = _tuple_of(
                layer_caches[m - 1], LAYER_CACHES[cell], f"{what}: the cache of layer {m}"
            )
            wanted = layer_cache(cell, stack, m)
            for name, entry, value in zip(LAYER_CACHES[cell], got, wanted):
                if isinstance(value, str):
                    _name_entry(entry, value, what=f"{what}: layer {m}'s cache entry {name}")
                else:
                    _close(
                        entry,
                        value,
                        what=f"{what}: layer {m}'s cache entry {name}",
                        hint="layer_caches lists what CELLS[cell].forward returned for each "
                        "layer, bottom layer first." + _gru_note(cell),
                    )
    passed("stacked_forward", "RNN, LSTM and GRU stacks")


@guarded
def check_stacked_backward(stacked_backward):
    results = {}
    for stack, upstream in STACK_UPSTREAMS.items():
        for cell in CELL_TYPES:
            what = stack_what(cell, stack)
            M = len(STACK_SIZE_OF[stack])
            cache = (cell, tuple(layer_cache(cell, stack, m) for m in range(1, M + 1)))
            result = call(stacked_backward, upstream.copy(), cache, what=what)
            _name_the_mistake("stacked_backward", f"stack_{stack}_{cell}_backward", result, what)
            results[stack, cell] = result
    for (stack, cell), result in results.items():
        what = stack_what(cell, stack)
        states, params = STACKS[stack]
        dx, d_states, d_params = _tuple_of(
            result, ("dx", "d_initial_states", "d_layer_params"), what
        )
        _close(
            dx,
            _value(f"stack_{stack}_{cell}_dx"),
            what=f"{what}: dx",
            hint="dx is the gradient on layer 1's inputs." + _gru_note(cell),
        )
        M = len(STACK_SIZE_OF[stack])
        d_states = _list_of(d_states, M, f"{what}: d_initial_states")
        d_params = _list_of(d_params, M, f"{what}: d_layer_params")
        for m in range(1, M + 1):
            _close(
                d_states[m - 1],
                _value(f"stack_{stack}_{cell}_layer{m}_dh0"),
                what=f"{what}: d_initial_states[{m - 1}] (layer {m}; layer 1 first)",
                hint=_gru_note(cell).strip(),
            )
            grads, names = d_params[m - 1], sorted(params[cell][m - 1])
            if not (isinstance(grads, dict) and sorted(grads, key=str) == names):
                raise VisibleCheckFailed(
                    f"{what}: d_layer_params[{m - 1}] must be a dict with the keys {names}, got "
                    + (
                        f"the keys {sorted(map(str, grads))}"
                        if isinstance(grads, dict)
                        else _shown(grads)
                    )
                )
            for key in names:
                _close(
                    grads[key],
                    _value(f"stack_{stack}_{cell}_layer{m}_d{key}"),
                    what=f"{what}: d_layer_params[{m - 1}][{key!r}] (layer {m})",
                    hint="Entry m - 1 of each list belongs to layer m (layer 1 first)."
                    + _gru_note(cell),
                )
    passed("stacked_backward", "RNN, LSTM and GRU stacks")
