"""Grading stops after the last autograded code cell: experiments after it cannot change a grade,
and a written answer graded by hand (a markdown cell) does not make grading run them."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell

from grader.execute import last_autograded_cell


def _graded(cell, **flags):
    cell.metadata["nbgrader"] = {
        "grade_id": cell.id,
        "schema_version": 3,
        "locked": False,
        "solution": False,
        "grade": False,
        **flags,
    }
    return cell


def test_a_written_answer_at_the_end_does_not_extend_the_run():
    cells = [
        new_code_cell("def f(): ...", id="f"),
        _graded(new_code_cell("hidden_check('f', f)", id="f_hidden"), grade=True, points=1),
        new_code_cell("train_for_a_minute()", id="experiment"),
        _graded(new_markdown_cell("My answer", id="report"), grade=True, solution=True, points=3),
    ]
    assert last_autograded_cell(cells) == 1


def test_without_graded_code_every_cell_runs():
    cells = [new_code_cell("x = 1", id="a"), new_markdown_cell("text", id="b")]
    assert last_autograded_cell(cells) == 1
