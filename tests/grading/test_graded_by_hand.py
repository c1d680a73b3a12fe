"""Written answers, graded by hand: grading runs a notebook only up to its last graded *code*
cell, and a solution's full marks are the autograded points."""
import nbformat

from grader.course import written_answer_points
from grader.execute import last_graded_code_cell
from grader.grading import SelfcheckRow


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


def test_selfcheck_expects_full_marks_on_the_autograded_points_only():
    assert SelfcheckRow("06", solution=14, blank=0, max_score=18, by_hand=4).ok
    assert not SelfcheckRow("06", solution=14, blank=0, max_score=18).ok
    assert not SelfcheckRow("06", solution=13, blank=0, max_score=18, by_hand=4).ok
    assert not SelfcheckRow("06", solution=0, blank=0, max_score=4, by_hand=4).ok


def test_the_written_answer_points_are_read_from_the_solution_notebook():
    assert written_answer_points("06_gru_and_deep_rnns") == 4
