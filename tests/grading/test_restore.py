"""Rebuilding a submission on the released skeleton: answers in, course cells from the skeleton."""

from __future__ import annotations

import copy

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from grader.layout import NOTEBOOKS
from grader.restore import RestoreNotebookStructure


def _graded(source, grade_id, *, solution, cell_id):
    cell = new_code_cell(source, id=cell_id)
    cell.metadata["nbgrader"] = {
        "grade_id": grade_id,
        "solution": solution,
        "grade": not solution,
        "locked": not solution,
        "schema_version": 3,
        **({} if solution else {"points": 1}),
    }
    return cell


SKELETON = [
    new_markdown_cell("# Title", id="title"),
    new_code_cell("import numpy as np", id="setup"),
    _graded("def f():\n    raise NotImplementedError()", "f", solution=True, cell_id="f"),
    _graded("# Hidden check", "f_hidden", solution=False, cell_id="f-hidden"),
    new_code_cell("plot(f())", id="experiment"),
]


def _merge(submitted):
    restorer = RestoreNotebookStructure()
    merged = restorer.merge(
        nbformat.from_dict(SKELETON),
        nbformat.from_dict(submitted),
        {"nbgrader": {"student": "s", "notebook": "n"}},
    )
    return [cell.source for cell in merged]


def test_answers_are_taken_and_course_cells_appear_once():
    submitted = [
        new_markdown_cell("# Title", id="title"),
        new_code_cell("import numpy as np", id="setup"),
        new_code_cell("import numpy as np"),  # a copy, no id
        _graded("def f():\n    return 1", "f", solution=True, cell_id="f"),
        new_code_cell("helper = 2", id="mine"),  # the learner's own
        _graded("pass", "f_hidden", solution=False, cell_id="f-hidden"),  # edited test
        _graded("pass", "f_hidden", solution=False, cell_id="dup"),  # duplicated
        new_code_cell("plot(f()); print('changed')", id="experiment"),
    ]  # edited course cell
    assert _merge(submitted) == [
        "# Title",
        "import numpy as np",
        "def f():\n    return 1",
        "helper = 2",
        "# Hidden check",
        "plot(f())",
    ]


def test_deleted_and_retyped_cells_are_restored_and_learner_cells_cannot_be_graded():
    retyped = new_markdown_cell("def f():\n    return 1", id="f")
    retyped.metadata["nbgrader"] = {"grade_id": "f", "solution": True}
    bonus = _graded("print('full marks')", "bonus", solution=False, cell_id="bonus")
    merged = RestoreNotebookStructure().merge(
        nbformat.from_dict(SKELETON),
        nbformat.from_dict([retyped, bonus]),
        {"nbgrader": {"student": "s", "notebook": "n"}},
    )
    sources = [c.source for c in SKELETON]
    assert [cell.source for cell in merged] == sources[:3] + ["print('full marks')"] + sources[3:]
    assert "nbgrader" not in merged[3].metadata


def test_a_submission_on_the_earlier_layout_is_rebuilt_with_the_provided_cells_moved():
    """06 and 07 moved their provided cells after Settings and collapsed them: a notebook fetched
    before, with the provided cells first and shown, keeps its answers and gets the new layout."""
    for assignment in ("06_gru_and_deep_rnns", "07_char_language_model"):
        skeleton = nbformat.read(NOTEBOOKS / assignment / f"{assignment}.ipynb", as_version=4)
        cells = copy.deepcopy(skeleton.cells)
        provided = [cell for cell in cells if cell.metadata.get("rnn_course", {}).get("provided")]
        first = cells.index(provided[0]) - 1  # their "### Provided" heading
        moved = cells[first : cells.index(provided[-1]) + 1]
        earlier = cells[:2] + moved + [cell for cell in cells[2:] if cell not in moved]
        for cell in provided:
            del cell.metadata["jupyter"]
        answer = next(
            cell
            for cell in earlier
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
        )
        answer.source = "def answered():\n    return 1"
        merged = RestoreNotebookStructure().merge(
            skeleton.cells,
            nbformat.from_dict(earlier),
            {"nbgrader": {"student": "s", "notebook": assignment}},
        )
        assert [cell.get("id") for cell in merged] == [cell.get("id") for cell in skeleton.cells]
        assert [cell.metadata for cell in merged] == [cell.metadata for cell in skeleton.cells]
        changed = [
            cell.source
            for cell, course in zip(merged, skeleton.cells)
            if cell.source != course.source
        ]
        assert changed == ["def answered():\n    return 1"]
