"""Written answers, graded by hand, run no code: grading runs a notebook only up to its last
graded *code* cell, so a written answer after the experiments does not make them run."""
import nbformat

from grader.execute import last_graded_code_cell


def _cell(kind, grade=False):
    cell = (nbformat.v4.new_code_cell("pass") if kind == "code"
            else nbformat.v4.new_markdown_cell("text"))
    if grade:
        cell.metadata["nbgrader"] = {"grade": True, "solution": kind == "markdown",
                                     "grade_id": f"g{id(cell)}", "points": 1}
    return cell


def test_a_written_answer_after_the_experiments_does_not_make_them_run():
    cells = [_cell("code"), _cell("code", grade=True), _cell("code"), _cell("code"),
             _cell("markdown", grade=True), _cell("markdown")]
    assert last_graded_code_cell(cells) == 1


def test_without_graded_code_everything_runs():
    cells = [_cell("code"), _cell("markdown", grade=True), _cell("code")]
    assert last_graded_code_cell(cells) == 2

