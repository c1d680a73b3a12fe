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
@pytest.mark.parametrize(
    "name, mistake, words",
    [
        (
            "gru_step_forward",
            find(MISTAKES["gru_step_forward"], "cho"),
            "r multiplies the hidden bias too",
        ),
        (
            "gru_step_forward",
            find(MISTAKES["gru_step_forward"], "z_swapped"),
            "z keeps the old state",
        ),
        ("gru_step_forward", find(MISTAKES["gru_step_forward"], "rz_swapped"), "order r, z, n"),
        ("gru_step_forward", find(MISTAKES["gru_step_forward"], "no_bias"), "hn includes the bias"),
        (
            "gru_cho_step",
            find(MISTAKES["gru_cho_step"], "reset_after_product"),
            "gru_step_forward's result",
        ),
        (
            "gru_step_backward",
            find(MISTAKES["gru_step_backward"], "no_direct"),
            "depends on h_prev directly",
        ),
        ("gru_step_backward", find(MISTAKES["gru_step_backward"], "no_r_hidden"), "sits behind r"),
        ("gru_forward", find(MISTAKES["gru_forward"], "not_carried"), "Carry the state"),
        ("gru_forward", find(MISTAKES["gru_forward"], "shifted"), "h_0 is not part"),
        ("gru_backward", find(MISTAKES["gru_backward"], "not_accumulated"), "running sums"),
        ("gru_backward", find(MISTAKES["gru_backward"], "not_carried"), "add the dh_prev"),
        (
            "stacked_forward",
            find(MISTAKES["stacked_forward"], "first_layer_returned"),
            "top layer's states",
        ),
        ("stacked_backward", find(MISTAKES["stacked_backward"], "top_first"), "layer 1 first"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_visible_messages_name_the_mistake(name, mistake, words):
    with pytest.raises(VisibleCheckFailed, match=words):
        getattr(visible, f"check_{name}")(mistake.output)


def test_visible_checks_name_a_changed_argument():
    def shifts_x_in_place(x, h_prev, Wx, Wh, bx, bh):
        result = gru_step_forward(x.copy(), h_prev, Wx, Wh, bx, bh)
        x += 1.0
        return result

    with pytest.raises(VisibleCheckFailed, match="changed its argument x in place"):
        visible.check_gru_step_forward(shifts_x_in_place)
