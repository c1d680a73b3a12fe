"""`python -m grader similarity ASSIGNMENT`: an honest class, then a planted copy.

The class of 02_rnn_recurrence: the solution and three correct variants written independently
(tests/grading/honest_submissions.py), graded with the instructors' command. No pair of it
reaches the threshold. Then a copy of one variant with every variable renamed is graded into the
same folder: that pair comes first, and is the only one at or above the threshold. The page is
opened in chromium (screenshot checked; the copy's HTML comment shows as text).
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from grader.layout import NOTEBOOKS
from grader.similarity import DEFAULT_THRESHOLD, NOTICE
from tests.grading import honest_submissions
from tests.grading.browser import distinct_colours, open_page
from tests.grading.harness import (
    grade,
    hidden_points,
    run_grader,
    solution_notebook,
    write_submissions,
)

ASSIGNMENT = honest_submissions.ASSIGNMENT


def similarity(folder) -> tuple[list[dict[str, str]], str]:
    completed = run_grader("--grading-folder", str(folder), "similarity", ASSIGNMENT)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "proves nothing" in completed.stdout
    with open(folder / "reports" / f"similarity-{ASSIGNMENT}.csv", newline="") as source:
        rows = list(csv.DictReader(source))
    return rows, (folder / "reports" / f"similarity-{ASSIGNMENT}.html").read_text()


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    """(grading folder, the honest class's ranking and page, then with the copy added)."""
    tmp_path = tmp_path_factory.mktemp("similarity")
    folder = tmp_path / "grading"
    release = nbformat.read(NOTEBOOKS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    honest = {
        name: honest_submissions.build(release, bodies)
        for name, bodies in honest_submissions.HONEST.items()
    }
    honest["solution"] = solution_notebook(ASSIGNMENT)
    scores, _ = grade(tmp_path, ASSIGNMENT, honest, grading_folder=folder)
    full = sum(hidden_points(ASSIGNMENT).values())
    assert {student: score.score for student, score in scores.items()} == {
        student: full for student in honest
    }, "an honest variant is not correct"
    honest_rows, honest_page = similarity(folder)
    copy = {"copy_of_b": honest_submissions.build(release, honest_submissions.COPY_OF_B)}
    grade(
        tmp_path,
        ASSIGNMENT,
        {},
        grading_folder=folder,
        submissions=write_submissions(tmp_path / "later", ASSIGNMENT, copy),
    )
    copied_rows, copied_page = similarity(folder)
    return folder, (honest_rows, honest_page), (copied_rows, copied_page)


def test_an_honest_class_shows_no_pair_above_the_threshold(classes):
    _, (rows, page), _ = classes
    assert len(rows) == 6  # 4 students, every pair
    assert max(float(row["similarity"]) for row in rows) < DEFAULT_THRESHOLD
    assert "pairs at or above it: 0." in page


def test_a_copy_with_renamed_variables_comes_first(classes):
    _, _, (rows, page) = classes
    assert len(rows) == 10
    first, second = rows[0], rows[1]
    assert {first["student_a"], first["student_b"]} == {"copy_of_b", "honest_b"}
    assert float(first["similarity"]) >= DEFAULT_THRESHOLD > float(second["similarity"])
    assert "pairs at or above it: 1." in page


def test_similarity_page_in_a_browser(classes, tmp_path):
    folder, _, _ = classes
    seen = open_page(
        folder / "reports" / f"similarity-{ASSIGNMENT}.html", tmp_path / "similarity.png"
    )
    assert seen.title == f"Similar submissions: {ASSIGNMENT}"  # no script renamed it
    assert NOTICE in seen.text  # it says plainly that it proves nothing
    ranking = next(table for table in seen.tables if table[0][0] == "rank")
    assert ranking[1][:3] == ["1", "copy_of_b", "honest_b"]
    code = next(table for table in seen.tables if table[0] == ["copy_of_b", "honest_b"])
    assert honest_submissions.HOSTILE_COMMENT in code[1][0]  # learner HTML shown as text
    assert "while k < n_steps:" in code[1][0] and "while t < steps:" in code[1][1]
    assert distinct_colours(seen.screenshot) > 50
    assert not seen.console_errors  # the copy's markup tried nothing: it is text


def test_a_bad_threshold_or_an_ungraded_assignment_is_refused_in_words(tmp_path):
    folder = str(tmp_path / "grading")
    completed = run_grader("--grading-folder", folder, "similarity", ASSIGNMENT, "--threshold", "2")
    assert completed.returncode == 2 and "--threshold must be in (0, 1]" in completed.stderr
    completed = run_grader("--grading-folder", folder, "similarity", ASSIGNMENT)
    assert completed.returncode == 2 and "autograde it first" in completed.stderr
