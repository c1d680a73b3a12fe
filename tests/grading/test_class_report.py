"""`python -m grader report ASSIGNMENT` on a class of known wrong submissions.

The class: the solution, the blank release, and copies of wrong submissions of
submissions/wrong/rnn_recurrence.py, each making one known mistake. The report's
counts (CSV and page) must equal what was planted: checks lost, named mistakes (the hints'
descriptions, from the grader's verdict records), other mistakes grouped by message, and the
written answers awaiting a grader. The page is opened in chromium and its screenshot checked.
"""

from __future__ import annotations

import csv
from collections import Counter

import nbformat
import pytest

from grader.checks import get_check
from grader.class_report import (
    ClassReport,
    MistakeGroup,
    build_class_report,
    list_extensions,
    render_html,
)
from grader.layout import NOTEBOOKS
from grader.settings import GradingSettings
from grader.verdict_records import read_records
from submissions import wrong as wrong_submissions
from submissions.wrong.rnn_recurrence import WRONG_SUBMISSIONS
from tests.grading.browser import distinct_colours, open_page
from tests.grading.harness import grade, run_grader, solution_notebook

ASSIGNMENT = "02_rnn_recurrence"
WRONG = {submission.name: submission for submission in WRONG_SUBMISSIONS}
# planted: wrong submission -> how many students hand it in
PLANTED = {
    "rnn_step_forward_transposed_Wh": 3,
    "rnn_step_forward_without_bias": 1,
    "rnn_forward_state_not_carried": 2,
    "hand_designed_rnn_without_latch": 2,
}
# the listed mistake each one's hint names (None: no hint names it)
NAMED = {
    "rnn_step_forward_transposed_Wh": ("rnn_step_forward", "Wh is transposed"),
    "rnn_step_forward_without_bias": ("rnn_step_forward", "the bias b is left out"),
    "rnn_forward_state_not_carried": ("rnn_forward", "every step starts from h0"),
    "hand_designed_rnn_without_latch": None,
}
CHECKS = [
    "rnn_step_forward",
    "rnn_forward",
    "rnn_output",
    "masked_rnn_forward",
    "stacked_rnn_forward",
    "sample",
    "hand_designed_rnn",
]


def description(check: str, start: str) -> str:
    [found] = [
        mistake.description
        for mistake in get_check(check).mistakes
        if mistake.description.startswith(start)
    ]
    return found


def planted_students() -> dict[str, str]:
    """student id -> the wrong submission they handed in."""
    return {
        f"{name}_{copy}": name for name, count in PLANTED.items() for copy in range(1, count + 1)
    }


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("class")
    solution = solution_notebook(ASSIGNMENT)
    notebooks = {
        "solution": solution,
        "blank": nbformat.read(NOTEBOOKS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4),
    }
    for student, name in planted_students().items():
        notebooks[student] = wrong_submissions.build(solution, WRONG[name])
    scores, _ = grade(tmp_path, ASSIGNMENT, notebooks)
    folder = tmp_path / "grading"
    completed = run_grader("--grading-folder", str(folder), "report", ASSIGNMENT)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return folder, scores, completed.stdout


def read_csv(folder) -> list[dict[str, str]]:
    with open(folder / "reports" / f"class-{ASSIGNMENT}.csv", newline="") as source:
        return list(csv.DictReader(source))


def test_checks_lost_equal_what_was_planted(graded_class):
    folder, scores, _ = graded_class
    rows = {row["cell"]: row for row in read_csv(folder) if row["section"] == "check lost"}
    expected = Counter()
    for name in planted_students().values():
        expected.update(f"{check}_hidden" for check in WRONG[name].failing_checks)
    for check in CHECKS:  # and the blank release loses every check
        cell = f"{check}_hidden"
        assert int(rows[cell]["students"]) == expected[cell] + 1, cell
        assert "blank" in rows[cell]["student_ids"].split()
        assert "solution" not in rows[cell]["student_ids"].split()
    assert set(rows) == {f"{check}_hidden" for check in CHECKS}


def test_named_mistakes_equal_what_was_planted(graded_class):
    folder, _, _ = graded_class
    found = {
        (row["cell"], row["what"]): row["student_ids"].split()
        for row in read_csv(folder)
        if row["section"] == "named mistake"
    }
    expected = {}
    for student, name in planted_students().items():
        if NAMED[name]:
            check, start = NAMED[name]
            expected.setdefault((f"{check}_hidden", description(check, start)), []).append(student)
    assert {key: sorted(students) for key, students in found.items()} == {
        key: sorted(students) for key, students in expected.items()
    }


def test_mistakes_no_hint_names_are_grouped_by_message(graded_class):
    folder, _, _ = graded_class
    other = [row for row in read_csv(folder) if row["section"] == "other mistake"]
    latch = [
        row
        for row in other
        if row["cell"] == "hand_designed_rnn_hidden" and "blank" not in row["student_ids"].split()
    ]
    # both students who left the latch out are one group: one message, two students
    assert len(latch) == 1 and sorted(latch[0]["student_ids"].split()) == [
        "hand_designed_rnn_without_latch_1",
        "hand_designed_rnn_without_latch_2",
    ]
    # every other unnamed group is the blank release's: one per check, "not implemented"
    blank = [row for row in other if row not in latch]
    assert sorted(row["cell"] for row in blank) == sorted(f"{c}_hidden" for c in CHECKS)
    assert all(row["student_ids"] == "blank" and "not implemented" in row["what"] for row in blank)


def test_written_answers_awaiting_grading(graded_class):
    """Every submission built from the solution answered the written question; the blank
    release left it as released (nbgrader scores that 0 itself, nobody needs to grade it)."""
    folder, scores, _ = graded_class
    rows = [row for row in read_csv(folder) if row["section"] == "written answer awaiting grading"]
    assert [row["cell"] for row in rows] == ["written_state"]
    assert sorted(rows[0]["student_ids"].split()) == sorted(set(scores) - {"blank"})


def test_the_judging_step_keeps_its_records_in_the_grading_folder(graded_class):
    """The named mistakes come from the grader's records (grader/verdict_records.py), one per
    graded notebook, written by the judging step; they agree with the gradebook."""
    folder, scores, _ = graded_class
    records = read_records(folder / "verdicts", ASSIGNMENT)
    assert set(records) == set(scores)
    for student, notebooks in records.items():
        failed = {
            check.cell for notebook in notebooks for check in notebook.checks if not check.passed
        }
        lost = {
            cell
            for cell, (score, maximum) in scores[student].cells.items()
            if score < maximum and cell.endswith("_hidden")
        }
        assert failed == lost, student


def test_report_page_in_a_browser(graded_class, tmp_path):
    folder, scores, stdout = graded_class
    page_path = folder / "reports" / f"class-{ASSIGNMENT}.html"
    assert str(page_path) in stdout
    seen = open_page(page_path, tmp_path / "class-report.png")
    assert seen.title == f"Class report: {ASSIGNMENT}"
    assert f"{len(scores)} graded submissions" in seen.text
    headings = [table[0] for table in seen.tables]
    assert ["check (cell)", "mistake", "students", "who"] in headings
    named = next(
        table for table in seen.tables if table[0] == ["check (cell)", "mistake", "students", "who"]
    )
    wh = description("rnn_step_forward", "Wh is transposed")
    assert ["rnn_step_forward_hidden", wh, "3"] in [row[:3] for row in named]
    assert len(seen.images) == 2 and all(
        width > 200 and height > 100 for width, height in seen.images
    )  # both plots
    assert distinct_colours(seen.screenshot) > 50  # not blank
    assert not seen.console_errors  # nothing was blocked: the page tries to run nothing


def test_page_escapes_learner_text_and_lists_extensions(tmp_path):
    """Student ids and messages are shown as text; the extension hook lists its students."""
    hostile = '<img src=x onerror="document.title=1">'
    report = ClassReport(
        ASSIGNMENT,
        [hostile],
        [],
        [MistakeGroup("cell<b>", f"case '{hostile}' $x^2$", False, [hostile], hostile)],
        [],
        {ASSIGNMENT: (10.0, [3.0])},
        extended=[f"late {hostile}"],
    )
    path = tmp_path / "page.html"
    path.write_text(render_html(report), encoding="utf-8")
    assert "<img src=x" not in path.read_text()
    seen = open_page(path, tmp_path / "page.png")
    assert seen.title == f"Class report: {ASSIGNMENT}"
    assert hostile in seen.text and f"late {hostile}" in seen.text
    assert ["student"] in [table[0] for table in seen.tables]  # the Extensions table
    assert not seen.console_errors  # the learner's markup tried nothing: it is text


def test_extension_hook_reaches_the_report(graded_class):
    folder, _, _ = graded_class
    report = build_class_report(
        GradingSettings(folder=folder),
        ASSIGNMENT,
        extended_students=["solution", "blank", "solution"],
    )
    assert report.extended == ["blank", "solution"]
    assert list_extensions(report, ["zoe"]).extended == ["blank", "solution", "zoe"]
