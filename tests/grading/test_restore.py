"""Rebuilding a submission on the released skeleton: answers in, course cells from the skeleton."""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from grader.restore import RestoreNotebookStructure


def _graded(source, grade_id, *, solution, cell_id):
    cell = new_code_cell(source, id=cell_id)
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": not solution,
                                 "locked": not solution, "schema_version": 3,
                                 **({} if solution else {"points": 1})}
    return cell


SKELETON = [new_markdown_cell("# Title", id="title"),
            new_code_cell("import numpy as np", id="setup"),
            _graded("def f():\n    raise NotImplementedError()", "f", solution=True, cell_id="f"),
            _graded("# Hidden check", "f_hidden", solution=False, cell_id="f-hidden"),
            new_code_cell("plot(f())", id="experiment")]


def _merge(submitted):
    restorer = RestoreNotebookStructure()
    merged = restorer.merge(nbformat.from_dict(SKELETON), nbformat.from_dict(submitted),
                            {"nbgrader": {"student": "s", "notebook": "n"}})
    return [cell.source for cell in merged]


def test_answers_are_taken_and_course_cells_appear_once():
    submitted = [new_markdown_cell("# Title", id="title"),
                 new_code_cell("import numpy as np", id="setup"),
                 new_code_cell("import numpy as np"),                        # a copy, no id
                 _graded("def f():\n    return 1", "f", solution=True, cell_id="f"),
                 new_code_cell("helper = 2", id="mine"),                      # the learner's own
                 _graded("pass", "f_hidden", solution=False, cell_id="f-hidden"),    # edited test
                 _graded("pass", "f_hidden", solution=False, cell_id="dup"),         # duplicated
                 new_code_cell("plot(f()); print('changed')", id="experiment")]   # edited course cell
    assert _merge(submitted) == ["# Title", "import numpy as np", "def f():\n    return 1",
                                 "helper = 2", "# Hidden check", "plot(f())"]


def test_deleted_and_retyped_cells_are_restored_and_learner_cells_cannot_be_graded():
    retyped = new_markdown_cell("def f():\n    return 1", id="f")
    retyped.metadata["nbgrader"] = {"grade_id": "f", "solution": True}
    bonus = _graded("print('full marks')", "bonus", solution=False, cell_id="bonus")
    merged = RestoreNotebookStructure().merge(
        nbformat.from_dict(SKELETON), nbformat.from_dict([retyped, bonus]),
        {"nbgrader": {"student": "s", "notebook": "n"}})
    sources = [c.source for c in SKELETON]
    assert [cell.source for cell in merged] == sources[:3] + ["print('full marks')"] + sources[3:]
    assert "nbgrader" not in merged[3].metadata
