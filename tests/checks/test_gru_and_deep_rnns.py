"""Hidden and visible checks of notebook 06 (its catalogued mistakes: test_mistakes.py): the
solution passes, visible messages name mistakes, and one mistake in an upstream exercise costs
only that exercise (the solution notebook's own functions, run in a namespace like the
notebook's, with one upstream function made wrong)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import nbformat
import numpy as np
import pytest

from coursekit.visible import gru_and_deep_rnns as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import get_check, run_check, run_locally
from grader.checks import gru_and_deep_rnns as module
from grader.layout import SOLUTIONS
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

ASSIGNMENT = "06_gru_and_deep_rnns"
REFERENCES = {
    "gru_step_forward": gru_step_forward,
    "gru_cho_step": gru_cho_step,
    "gru_step_backward": gru_step_backward,
    "gru_forward": gru_forward,
    "gru_backward": gru_backward,
    "stacked_forward": stacked_forward,
    "stacked_backward": stacked_backward,
}


def test_backward_checks_build_their_caches_in_the_documented_layouts():
    for case in get_check("gru_step_backward").cases(3):
        assert isinstance(case.args[1], tuple) and len(case.args[1]) == 6
    for case in get_check("gru_backward").cases(3):
        assert isinstance(case.args[1], tuple) and len(case.args[1]) == 7
    for case in get_check("stacked_backward").cases(3):
        cell, layer_caches = case.args[1]
        assert all(len(c) == len(module.LAYER_CACHES[cell]) for c in layer_caches)


def test_stack_cases_cover_every_cell_type_and_depth():
    cases = get_check("stacked_forward").fixed_cases()
    assert {case.kwargs["cell"] for case in cases} == {"rnn", "lstm", "gru"}
    assert {len(case.args[2]) for case in cases} == {1, 2, 3}


def test_a_wrong_layer_count_in_the_cache_is_named_by_layer():
    def forgets_the_top_layer(x, initial_states, layer_params, cell="rnn"):
        h_top, (name, caches) = stacked_forward(x, initial_states, layer_params, cell)
        return h_top, (name, caches[:-1])

    verdict = run_locally("stacked_forward", forgets_the_top_layer)
    assert not verdict.passed
    assert (
        "(layer_caches) must be a tuple of 2 entries (layer 1, layer 2), got 1" in verdict.explain()
    )


# -- the notebook's own functions: one mistake, one loss of points ---------------------------------
NOTEBOOK_CELLS = {"provided_from_02_03", "provided_from_05", "cell_table"}


@pytest.fixture(scope="module")
def notebook():
    """The solution notebook's provided cells, cell table and solutions, run in one namespace
    (what a learner's kernel holds when the hidden checks run)."""
    source = nbformat.read(SOLUTIONS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    namespace = {"np": np, "Callable": Callable, "NamedTuple": NamedTuple, "__name__": "notebook"}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (
            meta.get("solution") or meta.get("grade_id") in NOTEBOOK_CELLS
        ):
            exec(compile(cell.source, meta["grade_id"], "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", REFERENCES)
def test_the_solution_passes(notebook, name):
    verdict = run_locally(name, notebook[name])
    assert verdict.passed, verdict.explain()


@pytest.mark.parametrize(
    "upstream, wrong, downstream",
    [
        ("gru_step_forward", find(MISTAKES["gru_step_forward"], "cho"), "gru_forward"),
        ("gru_step_backward", find(MISTAKES["gru_step_backward"], "no_direct"), "gru_backward"),
        ("gru_forward", find(MISTAKES["gru_forward"], "not_carried"), "stacked_forward"),
        ("gru_backward", find(MISTAKES["gru_backward"], "not_accumulated"), "stacked_backward"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_wrong_upstream_costs_only_its_own_points(notebook, upstream, wrong, downstream):
    right = notebook[upstream]
    notebook[upstream] = wrong.output
    try:
        assert not run_locally(upstream, notebook[upstream]).passed
        verdict = run_locally(downstream, notebook[downstream])
        assert verdict.passed, verdict.explain()
    finally:
        notebook[upstream] = right


def test_a_downstream_that_bypasses_its_upstream_still_fails(notebook):
    """A stack that feeds every layer x makes GRU calls no correct stack makes: they go to the
    learner's own gru_forward, the case fails, and the message says so."""
    exec(
        "def all_read_x(x, initial_states, layer_params, cell='rnn'):\n"
        "    caches = []\n"
        "    for state, params in zip(initial_states, layer_params):\n"
        "        h, layer_cache = CELLS[cell].forward(x, state, params)\n"
        "        caches.append(layer_cache)\n"
        "    return h, (cell, tuple(caches))\n",
        notebook,
    )
    check = get_check("stacked_forward")
    verdict = run_check(check, notebook.pop("all_read_x"), check.fixed_cases())
    assert not verdict.passed
    assert "calls to gru_forward had arguments a correct stacked_forward never passes" in (
        verdict.explain()
    )


# -- visible checks --------------------------------------------------------------------------------
VISIBLE_CASES = [
    (exercise, mistake)
    for exercise, mistakes in MISTAKES.items()
    for mistake in mistakes
    if mistake.id != "cell_ignored"  # it raises; named from its error (test below)
]


def test_every_catalogued_mistake_has_a_visible_name():
    for exercise, mistake in VISIBLE_CASES:
        assert mistake.id in visible.NAMED[exercise], (exercise, mistake.id)
    for exercise, named in visible.NAMED.items():
        assert set(named) <= {mistake.id for mistake in MISTAKES[exercise]}, exercise


@pytest.mark.parametrize(
    "exercise, mistake", VISIBLE_CASES, ids=lambda v: v if isinstance(v, str) else v.id
)
def test_visible_messages_name_the_mistake(exercise, mistake):
    with pytest.raises(VisibleCheckFailed) as failed:
        getattr(visible, f"check_{exercise}")(mistake.output)
    message = str(failed.value)
    assert visible.NAMED[exercise][mistake.id].rstrip(".") in message, message
    assert "raised" not in message, message


def test_the_notebooks_functions_pass_the_visible_checks(notebook, capsys):
    for name in REFERENCES:
        getattr(visible, f"check_{name}")(notebook[name])
    assert capsys.readouterr().out.count("visible checks pass") == len(REFERENCES)


def _notebook_variant(notebook, name: str, solution_line: str, wrong_line: str):
    """The solution notebook's function `name` with one line changed, defined in its namespace."""
    source = nbformat.read(SOLUTIONS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    cell = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") == name)
    assert solution_line in cell.source
    namespace = dict(notebook)
    exec(cell.source.replace(solution_line, wrong_line), namespace)
    return namespace[name]


def test_layers_sharing_one_layers_weights_are_named_not_a_matmul_error(notebook):
    """In the notebook, a stack whose layers all use layer 1's weights used to stop the visible
    check with numpy's raw matmul ValueError; a stack of layers of equal size names it."""
    shared = _notebook_variant(
        notebook,
        "stacked_forward",
        "CELLS[cell].forward(h, state, params)",
        "CELLS[cell].forward(h, state, layer_params[0])",
    )
    with pytest.raises(VisibleCheckFailed, match="every layer uses layer 1's weights"):
        visible.check_stacked_forward(shared)


def test_a_stack_that_ignores_the_cell_type_is_named(notebook):
    as_rnn = _notebook_variant(
        notebook,
        "stacked_forward",
        "CELLS[cell].forward(h, state, params)",
        "CELLS['rnn'].forward(h, state, params)",
    )
    with pytest.raises(VisibleCheckFailed, match="the cell type is ignored"):
        visible.check_stacked_forward(as_rnn)


def test_exercise_5s_off_by_one_is_named(notebook):
    """Exercise 5's text once gave h[:, t-2] (steps counted from 1) beside a loop that counts
    from 0; copied into that loop it reads the state two steps back."""
    two_back = _notebook_variant(
        notebook,
        "gru_backward",
        "h_prev = h0 if t == 0 else h[:, t - 1]",
        "h_prev = h0 if t == 0 else h[:, t - 2]",
    )
    with pytest.raises(VisibleCheckFailed, match="two steps back"):
        visible.check_gru_backward(two_back)


def test_a_sequence_that_overflows_at_large_inputs_is_named_before_the_hidden_check(notebook):
    """gru_forward's docstring promises no overflow at |x| ~ 1e4 and its hidden check tries such
    inputs: the visible check tries them too, and names NaN or inf without the fix line. (A
    gru_forward that runs its own step, a tanh written with exp, is right at small inputs.)"""
    own_step = find(MISTAKES["gru_step_forward"], "tanh_from_exp").output
    overflowing = _notebook_variant(
        dict(notebook, own_step=own_step),
        "gru_forward",
        "gru_step_forward(x[:, t], h_prev, Wx, Wh, bx, bh)",
        "own_step(x[:, t], h_prev, Wx, Wh, bx, bh)",
    )
    verdict = run_locally("gru_forward", overflowing)
    assert not verdict.passed and "large inputs (|x| ~ 1e4)" in verdict.explain()
    with pytest.raises(VisibleCheckFailed, match="inputs of size 10000") as failure:
        visible.check_gru_forward(overflowing)
    message = str(failure.value)
    assert "h holds NaN or inf" in message and "written with exp" in message
    assert "np.tanh" not in message


def _reshaped(value, change):
    """`value` with every array, name or dict changed by `change` (a result's layout kept)."""
    if isinstance(value, tuple):
        return tuple(_reshaped(v, change) for v in value)
    if isinstance(value, list):
        return [_reshaped(v, change) for v in value]
    if isinstance(value, dict):
        return change({k: _reshaped(v, change) for k, v in value.items()})
    return change(value)


MALFORMED = {
    "None": lambda result: None,
    "a list for the tuple": lambda result: list(result) if isinstance(result, tuple) else [result],
    "a number": lambda result: 3,
    "an object array": lambda result: np.array([None, 1], dtype=object),
    "strings for the arrays": lambda result: _reshaped(
        result, lambda v: np.full(v.shape, "x") if isinstance(v, np.ndarray) else v
    ),
    "arrays for the names": lambda result: _reshaped(
        result, lambda v: np.array(["tanh"]) if isinstance(v, str) else v
    ),
    "transposed arrays": lambda result: _reshaped(
        result, lambda v: v.T if isinstance(v, np.ndarray) else v
    ),
    "dicts with number keys": lambda result: _reshaped(
        result, lambda v: dict(enumerate(v.values())) if isinstance(v, dict) else v
    ),
    "None for every entry": lambda result: (
        tuple(None for _ in result) if isinstance(result, tuple) else None
    ),
}


def _identical(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_identical(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.parametrize("name", REFERENCES)
def test_every_visible_check_answers_a_malformed_result_with_a_message(name):
    check = getattr(visible, f"check_{name}")
    for label, malform in MALFORMED.items():
        changed = []

        def learner(*args, **kwargs):
            result = REFERENCES[name](*args, **kwargs)
            malformed = malform(result)  # noqa: B023
            changed.append(not _identical(result, malformed))  # noqa: B023
            return malformed

        try:
            check(learner)
        except VisibleCheckFailed as failed:
            assert "could not read" not in str(failed), (label, str(failed))
        else:  # only where the change left the result as it was (no names, no dicts, ...)
            assert not any(changed), label


def test_visible_checks_name_a_changed_argument():
    def shifts_x_in_place(x, h_prev, Wx, Wh, bx, bh):
        result = gru_step_forward(x.copy(), h_prev, Wx, Wh, bx, bh)
        x += 1.0
        return result

    with pytest.raises(VisibleCheckFailed, match="changed its argument x in place"):
        visible.check_gru_step_forward(shifts_x_in_place)
