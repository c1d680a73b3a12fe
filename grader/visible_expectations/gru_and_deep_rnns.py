"""Expected values of notebook 06's visible checks (coursekit/visible/gru_and_deep_rnns.py).

The reference's results on the checks' cases, and what each mistake the checks name (their
`NAMED`, by the ids of the catalogue grader/mistakes/gru_and_deep_rnns.py, whose functions the
hidden checks' hints come from too) returns on each case, stored as the arrays of its whole
result (`arrays_of`) under `<case>_if_<id>_<i>`. A mistake is stored for a case only where it
raises no error and its result differs from the correct one and from every other mistake's, so
a match names one mistake.
"""

from __future__ import annotations

import numpy as np

from coursekit.visible import gru_and_deep_rnns as inputs
from grader.mistakes import find
from grader.mistakes.gru_and_deep_rnns import MISTAKES
from rnn_numpy.gru import (
    gru_backward,
    gru_cho_step,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
)
from rnn_numpy.stacked import stacked_backward, stacked_forward


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and np.allclose(x, y, equal_nan=True) for x, y in zip(a, b)
    )


def _mistakes(values: dict, exercise: str, case: str, correct, *args, **kwargs) -> None:
    """Store, for `case`, the arrays of each named mistake's result that tells it apart."""
    right = inputs.arrays_of(correct)
    results = {}
    for mistake_id in inputs.NAMED[exercise]:
        wrong = find(MISTAKES[exercise], mistake_id).output
        try:
            with np.errstate(all="ignore"):
                arrays = inputs.arrays_of(wrong(*args, **kwargs))
        except (ValueError, IndexError):  # shapes that do not fit this case
            continue
        if not _same(arrays, right):
            results[mistake_id] = arrays
    for mistake_id, arrays in results.items():
        if not any(_same(arrays, other) for i, other in results.items() if i != mistake_id):
            for i, array in enumerate(arrays):
                values[f"{case}_if_{mistake_id}_{i}"] = array


def _steps(values: dict) -> None:
    for case, arguments in inputs.STEP_CASES.items():
        result = gru_step_forward(*arguments)
        h, (_, _, _, _, gates, hn) = result
        values.update({f"step_{case}_h": h, f"step_{case}_gates": gates, f"step_{case}_hn": hn})
        _mistakes(values, "gru_step_forward", f"step_{case}", result, *arguments)
    for case in inputs.CHO_CASES:
        arguments = inputs.STEP_CASES[case]
        values[f"cho_{case}_h"] = gru_cho_step(*arguments)
        _mistakes(values, "gru_cho_step", f"cho_{case}", values[f"cho_{case}_h"], *arguments)
    dh, cache = inputs.step_backward_arguments_from(
        values["step_general_gates"], values["step_general_hn"]
    )
    grads = gru_step_backward(dh, cache)
    for name, grad in zip(inputs.STEP_GRADIENTS, grads):
        values[f"step_backward_{name}"] = grad
    _mistakes(values, "gru_step_backward", "step_backward", grads, dh, cache)


def _sequence(values: dict) -> None:
    result = gru_forward(*inputs.SEQUENCE_ARGUMENTS)
    h, cache = result
    values.update(sequence_h=h, sequence_gates=cache[4], sequence_hn=cache[5])
    _mistakes(values, "gru_forward", "sequence", result, *inputs.SEQUENCE_ARGUMENTS)
    for key, upstream in inputs.SEQUENCE_UPSTREAMS.items():
        grads = gru_backward(upstream, cache)
        for name, grad in zip(inputs.SEQUENCE_GRADIENTS, grads):
            values[f"sequence_backward_{key}_{name}"] = grad
        _mistakes(values, "gru_backward", f"sequence_backward_{key}", grads, upstream, cache)


def _stacks(values: dict) -> None:
    for stack, (states, params) in inputs.STACKS.items():
        for cell in inputs.CELL_TYPES:
            prefix = f"stack_{stack}_{cell}"
            arguments = (inputs.STACK_X, states, params[cell])
            result = stacked_forward(*arguments, cell=cell)
            h_top, cache = result
            values[f"{prefix}_h_top"] = h_top
            for m, layer_cache in enumerate(cache[1], start=1):
                for name, entry in zip(inputs.LAYER_CACHES[cell], layer_cache):
                    if name in ("h", "gates", "hn", "c", "c0"):
                        values[f"{prefix}_layer{m}_{name}"] = entry
            _mistakes(values, "stacked_forward", prefix, result, *arguments, cell=cell)
            upstream = inputs.STACK_UPSTREAMS[stack]
            grads = stacked_backward(upstream, cache)
            dx, d_states, d_params = grads
            values[f"{prefix}_dx"] = dx
            for m, (d_state, layer_grads) in enumerate(zip(d_states, d_params), start=1):
                values[f"{prefix}_layer{m}_dh0"] = d_state
                for name, grad in layer_grads.items():
                    values[f"{prefix}_layer{m}_d{name}"] = grad
            _mistakes(values, "stacked_backward", f"{prefix}_backward", grads, upstream, cache)


def expectations() -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {}
    _steps(values)
    _sequence(values)
    _stacks(values)
    return values
