"""The whole nbgrader pipeline on sample submissions, read back from the gradebook.

For every written assignment: the solution scores full marks, the blank release scores zero, and
each wrong submission in `submissions/wrong/` loses exactly the points of its failing checks.
Then feedback (teaches, names each wrong submission's catalogued mistake, leaks nothing),
export, selfcheck and determinism.
"""

from __future__ import annotations

import csv
import html
import importlib
import pkgutil
import re

import nbformat
import pytest

from grader.checks.framework import Mistake, hint
from grader.layout import NOTEBOOKS, written_assignments
from submissions import wrong as wrong_submissions
from submissions.wrong import catalogued_mistakes, named_mistakes, wrong_submissions_of
from tests.grading.harness import (
    cells_by_id,
    grade,
    hidden_points,
    manual_points,
    run_grader,
    run_grader_process,
    solution_notebook,
)

pytestmark = pytest.mark.sandbox

ASSIGNMENTS = written_assignments()


# One graded class per assignment, each a unit of work of its own (tests/scheduling.py): the
# classes are graded side by side on the test workers.
@pytest.fixture(
    scope="module",
    params=[pytest.param(a, id=f"@{a}") for a in ASSIGNMENTS],
)
def graded(request, tmp_path_factory):
    assignment = request.param
    tmp_path = tmp_path_factory.mktemp(assignment)
    solution = solution_notebook(assignment)
    notebooks = {
        "solution": solution,
        "blank": nbformat.read(NOTEBOOKS / assignment / f"{assignment}.ipynb", 4),
    }
    for submission in wrong_submissions_of(assignment):
        notebooks[submission.name] = wrong_submissions.build(solution, submission)
    scores, faults = grade(tmp_path, assignment, notebooks)
    return assignment, tmp_path, scores, faults


def test_every_assignment_has_wrong_submissions():
    for assignment in ASSIGNMENTS:
        assert len(wrong_submissions_of(assignment)) >= 3, assignment


def test_solution_full_marks_and_blank_zero(graded):
    assignment, _, scores, _ = graded
    total = sum(hidden_points(assignment).values())
    assert scores["solution"].score == total > 0  # written answers wait for a grader
    assert scores["solution"].max_score == total + manual_points(assignment)
    assert scores["blank"].score == 0


def test_each_wrong_submission_loses_exactly_its_checks(graded):
    assignment, _, scores, _ = graded
    points = hidden_points(assignment)
    for submission in wrong_submissions_of(assignment):
        student = scores[submission.name]
        lost = {
            cell.removesuffix("_hidden")
            for cell, (score, maximum) in student.cells.items()
            if score < maximum and cell.endswith("_hidden")
        }
        assert lost == set(submission.failing_checks), submission.name
        expected = scores["solution"].score - sum(points[check] for check in lost)
        assert student.score == pytest.approx(expected), submission.name


def test_the_report_counts_only_answered_written_answers_as_to_grade_by_hand(graded):
    """A blank notebook's written answers (still as released) wait for nobody: nbgrader scores
    them 0, and the report's column says 0; the solution's all wait for a person."""
    assignment, tmp_path, scores, _ = graded
    written = {
        grade_id
        for grade_id, cell in cells_by_id(solution_notebook(assignment)).items()
        if cell.cell_type == "markdown" and cell.metadata["nbgrader"].get("grade")
    }
    assert written and scores["solution"].to_grade_by_hand == written
    assert scores["blank"].written == written and scores["blank"].to_grade_by_hand == set()
    report = max((tmp_path / "grading" / "reports").glob(f"autograde-{assignment}-*.txt"))
    table = report.read_text().split("\n\n")[1]  # the header, then one line per student
    rows = {line.split(" | ")[0]: line.split(" | ") for line in table.splitlines()}
    column = rows["student"].index("written answers to grade by hand")
    assert rows["blank"][column] == "0" and rows["solution"][column] == str(len(written))


def test_grading_leaves_no_fault_of_the_graders_own(graded):
    _, _, _, faults = graded
    assert not [f for f in faults if f.kind in ("grader error", "autograde failed")], faults


@pytest.fixture(scope="module")
def feedback(graded):
    """`python -m grader feedback` run once on the graded class: {student: their feedback HTML}."""
    assignment, tmp_path, _, _ = graded
    folder = tmp_path / "grading"
    completed = run_grader("--grading-folder", str(folder), "feedback", assignment)
    assert completed.returncode == 0, completed.stderr[-2000:]
    pages = (folder / "feedback").glob(f"*/{assignment}/{assignment}.html")
    return {page.parts[-3]: page.read_text() for page in pages}


def test_feedback_teaches_and_leaks_nothing(graded, feedback):
    assignment = graded[0]
    submission = wrong_submissions_of(assignment)[0]
    page = feedback[submission.name]
    failing = sorted(submission.failing_checks)[0]
    assert "HiddenCheckFailed" in page and "case" in page
    assert "hidden_check(" not in page and "HIDDEN TESTS" not in page
    assert "rnn-course-record" not in page
    for line in _reference_source_lines(failing):
        assert line not in page, f"reference source leaked into feedback: {line!r}"


# A hint line as the feedback page shows it: nbconvert escapes <, > and & in an output's text
# (not quotes), and an escaped description holds no "<" or line break, so one ends there.
HINT_PREFIX = html.escape(str(hint(Mistake("", "", print))).lstrip(), quote=False)
HINT_LINE = re.compile(re.escape(HINT_PREFIX) + r"([^<\n]*)")


def test_each_wrong_submissions_feedback_names_its_mistakes(graded, feedback):
    """The course rule "messages name the mistake", end to end: each catalogued mistake a wrong
    submission stands for (`WrongSubmission.names`) is named in its feedback by its hint, and
    every hint shown is a mistake catalogued for a check the submission fails. (One more such
    hint may come with some cases: a case can match a second mistake too, e.g. a pre-activation
    small enough to pass for its tanh, and which cases a class meets depends on its secret key.)"""
    assignment = graded[0]
    mistakes = catalogued_mistakes(assignment)
    problems = []
    for submission in wrong_submissions_of(assignment):
        page = feedback[submission.name]
        expected = {mistake.description for mistake in named_mistakes(assignment, submission)}
        allowed = {
            mistake.description
            for check in submission.failing_checks
            for mistake in mistakes.get(check, ())
        }
        shown = {html.unescape(found) for found in HINT_LINE.findall(page)}
        if not expected <= shown <= allowed:
            problems.append(
                f"{submission.name}: hints {sorted(shown)}, expected {sorted(expected)} "
                f"(and only hints of {sorted(submission.failing_checks)})"
            )
    assert not problems, "\n".join(problems)


def _reference_source_lines(check_name: str) -> list[str]:
    """Distinctive lines of the reference implementation a check compares against."""
    import inspect

    import rnn_numpy as reference

    lines = []
    for info in pkgutil.iter_modules(reference.__path__):
        if info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{reference.__name__}.{info.name}")
        function = getattr(module, check_name, None)
        if function is not None:
            source = inspect.getsource(function)
            lines += [
                line.strip()
                for line in source.splitlines()
                if len(line.strip()) > 30
                and "=" in line
                and not line.strip().startswith(("#", "-"))
            ]
    return lines


def test_export_writes_every_student(graded):
    assignment, tmp_path, scores, _ = graded
    destination = tmp_path / "grades.csv"
    completed = run_grader(
        "--grading-folder", str(tmp_path / "grading"), "export", "--to", str(destination)
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    with destination.open() as grades:
        rows = list(csv.DictReader(grades))
    assert {row["student_id"] for row in rows} == set(scores)
    solution_row = next(row for row in rows if row["student_id"] == "solution")
    assert float(solution_row["score"]) == scores["solution"].score


def test_grading_twice_gives_the_same_scores(tmp_path):
    assignment = ASSIGNMENTS[0]
    solution = solution_notebook(assignment)
    wrong = wrong_submissions_of(assignment)[0]
    notebooks = {"solution": solution, wrong.name: wrong_submissions.build(solution, wrong)}
    first, _ = grade(tmp_path / "first", assignment, notebooks, grading_folder=tmp_path / "g")
    again, _ = grade(
        tmp_path / "again",
        assignment,
        {wrong.name: notebooks[wrong.name]},
        grading_folder=tmp_path / "g",
    )
    assert again[wrong.name].cells == first[wrong.name].cells
    assert again["solution"].cells == first["solution"].cells  # untouched by the regrade


def test_selfcheck_and_bad_commands(tmp_path):
    """Through `python -m grader` itself, in a process of its own: selfcheck passes, grades in
    a folder of its own (nothing reaches the real gradebook, export or reports), and warns of
    nothing."""
    completed = run_grader_process(
        "--grading-folder", str(tmp_path / "g"), "selfcheck", ASSIGNMENTS[0]
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr[-2000:]
    assert re.search(rf"{ASSIGNMENTS[0]} \| \S+ \| 0 \| \S+ \| yes", completed.stdout)
    assert "Warning" not in completed.stderr, completed.stderr[-2000:]
    assert not (tmp_path / "g").exists(), "selfcheck wrote into the grading folder"
    unknown = run_grader_process(
        "--grading-folder", str(tmp_path / "g"), "autograde", "99_nothing", str(tmp_path)
    )
    assert unknown.returncode == 2 and "unknown assignment" in unknown.stderr
    missing = run_grader_process(
        "--grading-folder",
        str(tmp_path / "g"),
        "autograde",
        ASSIGNMENTS[0],
        str(tmp_path / "no-such-folder"),
    )
    assert missing.returncode == 2 and "no folder of submissions" in missing.stderr


def test_no_kernel_outlives_its_grading(graded):
    """Every jailed kernel this process started for grading is shut down once graded."""
    import psutil

    leftovers = [
        " ".join(child.cmdline())[:120]
        for child in psutil.Process().children(recursive=True)
        if "ipykernel" in " ".join(child.cmdline()) or child.name() == "bwrap"
    ]
    assert not leftovers
