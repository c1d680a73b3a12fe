"""Visible checks of notebook 06 (GRU and deep RNNs).

The inputs are the constants below; what a correct function returns on them, and what a few
common mistakes return, was computed by the course's reference implementation and ships as
data (`expected("gru_and_deep_rnns", key)`), so the checks can name a mistake without containing
an implementation of any exercise. Each check tries the case that isolates one term first.
"""

from __future__ import annotations

import numpy as np

from coursekit.model_size import GATE_BLOCKS
from coursekit.visible.expect import (
    VisibleCheckFailed,
    call,
    expect_close,
    expect_shape,
    expect_true,
    expect_unchanged,
    expected,
    passed,
)

NOTEBOOK = "gru_and_deep_rnns"
N, D, H, T = 2, 3, 4, 3
STACK_SIZES = (4, 3)  # H_1, H_2 of the stacks
CELL_TYPES = ("rnn", "lstm", "gru")
BIASES = {"rnn": ("b",), "lstm": ("b",), "gru": ("bx", "bh")}
LAYER_CACHES = {
    "rnn": ("x", "h0", "Wx", "Wh", "h", "activation"),
    "lstm": ("x", "h0", "c0", "Wx", "Wh", "gates", "c", "h"),
    "gru": ("x", "h0", "Wx", "Wh", "gates", "hn", "h"),
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
STACK_STATES = [np.tanh(_rng.normal(scale=2.0, size=(N, size))) for size in STACK_SIZES]
STACK_PARAMS = {}
for _cell in CELL_TYPES:
    _layers, _fan_in = [], D
    for _size in STACK_SIZES:
        _blocks = GATE_BLOCKS[_cell] * _size
        _layer = {
            "Wx": _rng.normal(scale=0.6, size=(_fan_in, _blocks)),
            "Wh": _rng.normal(scale=0.6, size=(_size, _blocks)),
        }
        _layer.update({name: _rng.normal(scale=0.5, size=_blocks) for name in BIASES[_cell]})
        _layers.append(_layer)
        _fan_in = _size
    STACK_PARAMS[_cell] = _layers
del _cell, _layers, _fan_in, _size, _blocks, _layer
DH_TOP = np.linspace(-1.0, 1.0, N * T * STACK_SIZES[-1]).reshape(N, T, STACK_SIZES[-1])


def _value(key):
    return expected(NOTEBOOK, key)


def _matching_hint(got, hints: dict[str, str]) -> str:
    """The hint of the first precomputed wrong answer `got` equals, else ''."""
    for key, hint in hints.items():
        wrong = _value(key)
        if isinstance(got, np.ndarray) and got.shape == wrong.shape and np.allclose(got, wrong):
            return hint
    return ""


def _expect(got, key: str, *, what: str, hints: dict[str, str], hint: str) -> None:
    """`got` must equal the expected value `key`; if it equals one of the precomputed wrong
    answers in `hints` instead (whatever its shape), say which mistake that is."""
    wrong = _matching_hint(got, hints)
    if wrong and not (
        isinstance(got, np.ndarray)
        and got.shape == _value(key).shape
        and np.allclose(got, _value(key))
    ):
        raise VisibleCheckFailed(f"{what}: this is the result of a common mistake. {wrong}")
    expect_close(got, _value(key), what=what, hint=hint)


def _tuple_of(result, names, what):
    if not isinstance(result, tuple) or len(result) != len(names):
        raise VisibleCheckFailed(f"{what}: return the tuple ({', '.join(names)})")
    return result


def _unchanged(arrays: dict, copies: dict, what: str):
    for name, array in arrays.items():
        expect_unchanged(
            np.array_equal(array, copies[name]),
            what=f"{what}: your function changed its argument {name} in place",
            hint="Build new arrays instead of writing into the ones you were given.",
        )


STEP_H_HINTS = {
    "step_h_if_cho": "The reset gate multiplies h_prev @ Wh^n + bh^n (after the product); "
    "(r * h_prev) @ Wh^n is the other variant, Exercise 2.",
    "step_h_if_reset_without_bias": "r multiplies the whole hidden part of the candidate, "
    "bias included: r * (h_prev @ Wh^n + bh^n).",
    "step_h_if_z_swapped": "h = (1 - z) * n + z * h_prev: z keeps the old state.",
    "step_h_if_rz_swapped": "The column blocks are in the order r, z, n: r is [:H], z is [H:2H].",
    "step_h_if_no_bh": "Both biases count: x @ Wx + bx and h_prev @ Wh + bh.",
}


def check_gru_step_forward(gru_step_forward):
    what = "x = 0 and h_prev = 0 (then n = tanh(bx^n + r * bh^n) and h = (1 - z) * n)"
    result = call(
        gru_step_forward,
        np.zeros((N, D)),
        np.zeros((N, H)),
        WX.copy(),
        WH.copy(),
        BX.copy(),
        BH.copy(),
        what=what,
    )
    h, _ = _tuple_of(result, ("h", "cache"), what)
    _expect(
        h,
        "zero_step_h",
        what=f"{what}: h",
        hints={
            "zero_step_h_if_reset_without_bias": "With h_prev = 0 only the biases reach the hidden "
            "side, and r multiplies the hidden bias too: n = tanh(bx^n + r * bh^n).",
            **{
                f"zero_{key}": text
                for key, text in STEP_H_HINTS.items()
                if key not in ("step_h_if_cho", "step_h_if_reset_without_bias")
            },
        },
        hint="r = sigmoid(bx^r + bh^r), z = sigmoid(bx^z + bh^z), n = tanh(bx^n + r * bh^n), "
        "h = (1 - z) * n.",
    )

    what = f"N = {N}, D = {D}, H = {H}"
    arguments = {
        "x": X.copy(),
        "h_prev": H_PREV.copy(),
        "Wx": WX.copy(),
        "Wh": WH.copy(),
        "bx": BX.copy(),
        "bh": BH.copy(),
    }
    copies = {name: array.copy() for name, array in arguments.items()}
    h, cache = _tuple_of(
        call(gru_step_forward, *arguments.values(), what=what), ("h", "cache"), what
    )
    _unchanged(arguments, copies, what)
    _expect(
        h,
        "step_h",
        what=f"{what}: h",
        hints=STEP_H_HINTS,
        hint="r = sigmoid(x Wx^r + bx^r + h_prev Wh^r + bh^r), z likewise; "
        "n = tanh(x Wx^n + bx^n + r * (h_prev Wh^n + bh^n)).",
    )
    names = ("x", "h_prev", "Wx", "Wh", "gates", "hn")
    cache = _tuple_of(cache, names, f"{what}: the cache")
    for name, entry in zip(names[:4], cache[:4]):
        expect_close(
            entry,
            copies[name],
            what=f"{what}: cache entry {name}",
            hint=f"The cache starts with the arguments: {name} as it was passed.",
        )
    _expect(
        cache[4],
        "step_gates",
        what=f"{what}: cache entry gates",
        hints={
            "step_gates_if_pre_activations": "Cache the activated gates [r, z, n] (after "
            "sigmoid and tanh)."
        },
        hint="gates is [r, z, n] side by side, shape (N, 3H).",
    )
    _expect(
        cache[5],
        "step_hn",
        what=f"{what}: cache entry hn",
        hints={"step_hn_if_no_bias": "hn includes the bias: h_prev @ Wh^n + bh^n."},
        hint="hn = h_prev @ Wh^n + bh^n, what r multiplies.",
    )
    passed("gru_step_forward", "h and every cache entry")


def check_gru_cho_step(gru_cho_step):
    what = f"N = {N}, D = {D}, H = {H}"
    h = call(
        gru_cho_step, X.copy(), H_PREV.copy(), WX.copy(), WH.copy(), BX.copy(), BH.copy(), what=what
    )
    _expect(
        h,
        "cho_h",
        what=f"{what}: h",
        hints={
            "step_h": "That is gru_step_forward's result (r after the product); here r multiplies "
            "h_prev before it: (r * h_prev) @ Wh^n + bh^n.",
            "cho_h_if_z_swapped": STEP_H_HINTS["step_h_if_z_swapped"],
        },
        hint="n = tanh(x Wx^n + bx^n + (r * h_prev) Wh^n + bh^n); r and z as in Exercise 1.",
    )
    passed("gru_cho_step")


STEP_BACKWARD_HINTS = {
    "no_direct": "h = (1 - z) * n + z * h_prev depends on h_prev directly as well: "
    "dh_prev = (hidden-side gradients) @ Wh.T + dh * z.",
    "no_r_hidden": "The hidden side of the n block sits behind r: its gradient is da_n * r "
    "(in dWh, dbh and dh_prev), the input side's is da_n.",
    "dz_sign": "dz = dh * (h_prev - n), from h = n + z * (h_prev - n).",
    "no_tanh_slope": "da_n = dn * (1 - n**2): n is a tanh.",
    "no_sigmoid_slope": "da_r = dr * r * (1 - r) and da_z = dz * z * (1 - z): r and z are "
    "sigmoids.",
    "dr_from_h_prev": "r multiplies hn = h_prev @ Wh^n + bh^n (the cache's hn), so dr = da_n * hn.",
}
GRADIENT_HINTS = {
    "dx": "dx = (input-side gradients) @ Wx.T.",
    "dh_prev": STEP_BACKWARD_HINTS["no_direct"],
    "dWx": "dWx = x.T @ (input-side gradients [da_r, da_z, da_n]).",
    "dWh": "dWh = h_prev.T @ (hidden-side gradients [da_r, da_z, da_n * r]).",
    "dbx": "dbx sums the input-side gradients over the batch.",
    "dbh": "dbh sums the hidden-side gradients over the batch (n block: da_n * r).",
}


def _known_mistake(got: tuple, prefix: str, names, hints: dict[str, str]) -> str:
    for mistake, hint in hints.items():
        wrong = [_value(f"{prefix}_if_{mistake}_{name}") for name in names]
        if all(
            isinstance(g, np.ndarray) and g.shape == w.shape and np.allclose(g, w)
            for g, w in zip(got, wrong)
        ):
            return hint
    return ""


def check_gru_step_backward(gru_step_backward):
    names = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")
    cache = (X.copy(), H_PREV.copy(), WX.copy(), WH.copy(), _value("step_gates"), _value("step_hn"))
    what = f"N = {N}, D = {D}, H = {H}"
    grads = _tuple_of(call(gru_step_backward, DH.copy(), cache, what=what), names, what)
    mistake = _known_mistake(grads, "step_backward", names, STEP_BACKWARD_HINTS)
    for name, got in zip(names, grads):
        expect_close(
            got,
            _value(f"step_backward_{name}"),
            what=f"{what}: {name}",
            hint=mistake or GRADIENT_HINTS[name],
        )
    passed("gru_step_backward", "all six gradients")


def check_gru_forward(gru_forward):
    what = f"N = {N}, T = {T}, D = {D}, H = {H}"
    arguments = (X_SEQUENCE.copy(), H0.copy(), WX.copy(), WH.copy(), BX.copy(), BH.copy())
    h, cache = _tuple_of(call(gru_forward, *arguments, what=what), ("h", "cache"), what)
    _expect(
        h,
        "sequence_h",
        what=f"{what}: h",
        hints={
            "sequence_h_if_not_carried": "Carry the state: step t starts from h_{t-1}, the state "
            "the previous step returned (h0 only for the first step).",
            "sequence_h_if_shifted": "h[:, t-1] is h_t, the state *after* step t; h_0 is not part "
            "of h.",
        },
        hint="Call gru_step_forward once per step.",
    )
    names = ("x", "h0", "Wx", "Wh", "gates", "hn", "h")
    cache = _tuple_of(cache, names, f"{what}: the cache")
    for name, entry, value in zip(names[:4], cache[:4], arguments[:4]):
        expect_close(
            entry,
            value,
            what=f"{what}: cache entry {name}",
            hint=f"The cache starts with the arguments: {name} as it was passed.",
        )
    for name, entry in zip(names[4:], cache[4:]):
        expect_close(
            entry,
            _value(f"sequence_{name}"),
            what=f"{what}: cache entry {name}",
            hint="Keep every step's entry: step t's gates and hn (from its step "
            "cache) at index t-1, and the states h.",
        )
    passed("gru_forward", "h and every cache entry")


SEQUENCE_BACKWARD_HINTS = {
    "not_accumulated": "The same weights act at every step: add each step's dWx, dWh, dbx, dbh "
    "to running sums.",
    "not_carried": "At step t add the dh_prev that step t+1 returned to dh[:, t-1].",
    "last_only": "Every step's dh[:, t-1] counts, not only the last one.",
    "h_prev_shifted": "Step t's cache holds h_prev = h_{t-1}: h[:, t-2], and h0 for step 1.",
}


def check_gru_backward(gru_backward):
    names = ("dx", "dh0", "dWx", "dWh", "dbx", "dbh")
    cache = (
        X_SEQUENCE.copy(),
        H0.copy(),
        WX.copy(),
        WH.copy(),
        _value("sequence_gates"),
        _value("sequence_hn"),
        _value("sequence_h"),
    )
    for label, upstream, key in (
        ("a loss on the last state only", DH_LAST, "last"),
        ("a gradient on every state", DH_SEQUENCE, "every"),
    ):
        what = f"N = {N}, T = {T}, H = {H}, {label}"
        grads = _tuple_of(call(gru_backward, upstream.copy(), cache, what=what), names, what)
        mistake = _known_mistake(grads, f"sequence_backward_{key}", names, SEQUENCE_BACKWARD_HINTS)
        for name, got in zip(names, grads):
            expect_close(
                got,
                _value(f"sequence_backward_{key}_{name}"),
                what=f"{what}: {name}",
                hint=mistake
                or "Walk t = T..1 calling gru_step_backward; carry dh_prev "
                "back, add up the weight gradients.",
            )
    passed("gru_backward", "all six gradients, two upstream gradients")


def _layer_cache(cell: str, m: int, layer_input) -> tuple:
    """Layer m's cache in its documented layout, from the constants and expected values."""
    params, prefix = STACK_PARAMS[cell][m - 1], f"stack_{cell}_layer{m}"
    entries = {
        "x": layer_input,
        "h0": STACK_STATES[m - 1],
        "activation": "tanh",
        "Wx": params["Wx"],
        "Wh": params["Wh"],
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


def check_stacked_forward(stacked_forward):
    for cell in CELL_TYPES:
        what = f"a two-layer {cell.upper()} stack, H = {STACK_SIZES[0]} then {STACK_SIZES[1]}"
        result = call(
            stacked_forward,
            STACK_X.copy(),
            [s.copy() for s in STACK_STATES],
            [{k: v.copy() for k, v in layer.items()} for layer in STACK_PARAMS[cell]],
            cell=cell,
            what=what,
        )
        h_top, cache = _tuple_of(result, ("h_top", "cache"), what)
        _expect(
            h_top,
            f"stack_{cell}_h_top",
            what=f"{what}: h_top",
            hints={f"stack_{cell}_layer1_h": "Return the top layer's states, not layer 1's."},
            hint="Layer m reads the states of layer m - 1, from its own initial state and "
            "with its own weights." + _gru_note(cell),
        )
        cell_name, layer_caches = _tuple_of(cache, ("cell", "layer_caches"), f"{what}: the cache")
        expect_true(
            cell_name == cell, what=f"{what}: the cache must start with the cell type {cell!r}"
        )
        expect_true(
            isinstance(layer_caches, tuple) and len(layer_caches) == 2,
            what=f"{what}: the cache's layer_caches must be a tuple holding one cache per layer "
            "(2)",
        )
        below = STACK_X
        for m in (1, 2):
            wanted = _layer_cache(cell, m, below)
            got = _tuple_of(
                layer_caches[m - 1], LAYER_CACHES[cell], f"{what}: the cache of layer {m}"
            )
            for name, entry, value in zip(LAYER_CACHES[cell], got, wanted):
                if isinstance(value, str):
                    expect_true(entry == value, what=f"{what}: layer {m}'s cache entry {name}")
                else:
                    expect_close(
                        entry,
                        value,
                        what=f"{what}: layer {m}'s cache entry {name}",
                        hint="layer_caches lists what CELLS[cell].forward returned "
                        "for each layer, bottom layer first." + _gru_note(cell),
                    )
            below = _value(f"stack_{cell}_layer1_h")
    passed("stacked_forward", "RNN, LSTM and GRU stacks")


def check_stacked_backward(stacked_backward):
    for cell in CELL_TYPES:
        what = f"a two-layer {cell.upper()} stack, H = {STACK_SIZES[0]} then {STACK_SIZES[1]}"
        cache = (
            cell,
            (
                _layer_cache(cell, 1, STACK_X),
                _layer_cache(cell, 2, _value(f"stack_{cell}_layer1_h")),
            ),
        )
        result = call(stacked_backward, DH_TOP.copy(), cache, what=what)
        dx, d_states, d_params = _tuple_of(
            result, ("dx", "d_initial_states", "d_layer_params"), what
        )
        expect_close(
            dx,
            _value(f"stack_{cell}_dx"),
            what=f"{what}: dx",
            hint="dx is what layer 1's backward returns; each layer's dx is the dh of "
            "the layer below, and the top layer gets dh_top." + _gru_note(cell),
        )
        for name, values in (("d_initial_states", d_states), ("d_layer_params", d_params)):
            expect_true(
                isinstance(values, (list, tuple)) and len(values) == 2,
                what=f"{what}: {name} must be a list with one entry per layer (2)",
            )
        for m in (1, 2):
            expect_shape(
                d_states[m - 1],
                (N, STACK_SIZES[m - 1]),
                what=f"{what}: d_initial_states[{m - 1}] (layer {m}; layer 1 first)",
            )
            expect_close(
                d_states[m - 1],
                _value(f"stack_{cell}_layer{m}_dh0"),
                what=f"{what}: d_initial_states[{m - 1}] (layer {m})",
                hint=_gru_note(cell).strip(),
            )
            grads = d_params[m - 1]
            expect_true(
                isinstance(grads, dict) and set(grads) == set(STACK_PARAMS[cell][m - 1]),
                what=f"{what}: d_layer_params[{m - 1}] must be a dict with the keys "
                f"{sorted(STACK_PARAMS[cell][m - 1])}",
            )
            for key in grads:
                expect_close(
                    grads[key],
                    _value(f"stack_{cell}_layer{m}_d{key}"),
                    what=f"{what}: d_layer_params[{m - 1}][{key!r}] (layer {m})",
                    hint="Entry m - 1 of each list belongs to layer m (layer 1 first)."
                    + _gru_note(cell),
                )
    passed("stacked_backward", "RNN, LSTM and GRU stacks")
