"""Intake on its own (no grading): what each broken or hostile submission becomes.

The whole pipeline runs these same submissions in test_hostile.py; here each rule is checked in
milliseconds, and the limits that keep the grader's memory bounded are measured directly.
"""

from __future__ import annotations

import resource
import zipfile

import nbformat
import pytest

from grader import intake
from submissions import hostile
from tests.grading.harness import solution_notebook

ASSIGNMENT = hostile.ASSIGNMENT
NAMES = [ASSIGNMENT]


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("intake")
    text = nbformat.writes(solution_notebook(ASSIGNMENT))
    for student, name in (
        ("exact", f"{ASSIGNMENT}.ipynb"),
        ("nested", f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"),
        ("browser", f"{ASSIGNMENT} (2).ipynb"),
        ("jupyter", f"{ASSIGNMENT}-Copy3.ipynb"),
        ("case", f"{ASSIGNMENT.title()}.ipynb"),
        ("other_notebook", "homework.ipynb"),
    ):
        (folder / student / name).parent.mkdir(parents=True)
        (folder / student / name).write_text(text)
    (folder / "two_renames").mkdir()
    for name in (f"{ASSIGNMENT} (1).ipynb", f"{ASSIGNMENT} (2).ipynb"):
        (folder / "two_renames" / name).write_text(text)
    (folder / "dup").mkdir()
    (folder / "dup" / f"{ASSIGNMENT}.ipynb").write_text(text)
    hostile.write_zip(folder / "dup.zip", {f"{ASSIGNMENT}.ipynb": text})
    hostile.write_zip(folder / "encrypted.zip", {f"{ASSIGNMENT}.ipynb": text}, encrypted=True)
    hostile.write_zip(folder / "corrupt.zip", {f"{ASSIGNMENT}.ipynb": text}, corrupt=True)
    hostile.write_zip(folder / "zipped.zip", {f"top/{ASSIGNMENT}/{ASSIGNMENT}.ipynb": text})
    hostile.write_zip(folder / "crowded.zip", {f"f{k}.txt": "" for k in range(2500)})
    hostile.write_zip(
        folder / "bomb.zip", {f"c{k:02}/{ASSIGNMENT}.ipynb": "x" * (19 * 2**20) for k in range(40)}
    )
    (folder / "not_a.zip").write_bytes(b"PK\x03\x04 not really")
    (folder / "bad id!").mkdir()
    (folder / "notes\nforged.txt").write_text("")
    return folder


@pytest.fixture(scope="module")
def taken(submissions):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    found, skipped = intake.collect(submissions, ASSIGNMENT, NAMES)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return {submission.student: submission for submission in found}, skipped, grown_mb


@pytest.mark.parametrize("student", ["exact", "nested", "zipped", "browser", "jupyter", "case"])
def test_a_notebook_in_an_accepted_layout_or_common_rename_is_taken(taken, student):
    submission = taken[0][student]
    assert list(submission.notebooks) == NAMES and not submission.blank
    renamed = [problem for _, problem in submission.problems if "renamed" in problem]
    assert bool(renamed) == (student in ("browser", "jupyter", "case"))


@pytest.mark.parametrize(
    "student, reason",
    [
        ("other_notebook", "no notebook named"),
        ("two_renames", "several files could be"),
        ("dup", "2 submissions under your id (dup/ and dup.zip)"),
        ("encrypted", "could not be read as a notebook (RuntimeError"),
        ("corrupt", "could not be read as a notebook"),
        ("crowded", "at most 2000 are read"),
        ("bomb", "could not be read as a notebook"),
        ("not_a", "your zip file could not be read"),
    ],
)
def test_a_submission_that_cannot_be_taken_is_blank_with_a_plain_reason(taken, student, reason):
    submission = taken[0][student]
    assert not submission.notebooks and reason in submission.blank[ASSIGNMENT]
    assert any(reason in problem for _, problem in submission.problems)


def test_entries_that_are_no_students_are_listed_on_one_line_each(taken):
    skipped = taken[1]
    assert any(entry.startswith("bad id!") for entry in skipped)
    assert any(entry.startswith("notes\\nforged.txt") for entry in skipped)
    assert all("\n" not in entry for entry in skipped)


def test_intake_reads_one_notebook_of_a_zip_not_all_of_them(taken):
    """40 entries of 19 MB (760 MB) in the bomb: intake may hold one of them, not all."""
    assert taken[2] < 200, f"intake grew by {taken[2]:.0f} MB"


def test_the_central_directory_is_measured_before_it_is_parsed(tmp_path):
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for k in range(30_000):
            archive.writestr(f"{k:05}-{'n' * 40}.txt", "")
    submission = intake.take_in(path, "big", ASSIGNMENT, NAMES)
    assert "list of files takes" in submission.blank[ASSIGNMENT]


def test_the_intake_record_tells_feedback_why_a_notebook_is_blank(taken, tmp_path):
    blank_folder = tmp_path / "release"
    blank_folder.mkdir()
    nbformat.write(solution_notebook(ASSIGNMENT), blank_folder / f"{ASSIGNMENT}.ipynb")
    for student in ("other_notebook", "exact"):
        intake.place(taken[0][student], ASSIGNMENT, NAMES, tmp_path / "submitted", blank_folder)
    assert (
        "no notebook named"
        in intake.intake_record(tmp_path / "submitted", "other_notebook", ASSIGNMENT)[ASSIGNMENT]
    )
    assert intake.intake_record(tmp_path / "submitted", "exact", ASSIGNMENT) == {}


def test_an_intake_record_is_the_graders_never_the_learners(taken, tmp_path):
    """The record lives beside `submitted/`, not in a submission (`nbgrader collect` copies
    whatever a learner put there): one planted in the submission folder says nothing, and a
    record whose notebook was replaced since (a later collect) is stale and says nothing."""
    blank_folder = tmp_path / "release"
    blank_folder.mkdir()
    nbformat.write(solution_notebook(ASSIGNMENT), blank_folder / f"{ASSIGNMENT}.ipynb")
    submitted = tmp_path / "submitted"
    intake.place(taken[0]["exact"], ASSIGNMENT, NAMES, submitted, blank_folder)
    planted = submitted / "exact" / ASSIGNMENT / ".rnn-course-intake.json"
    planted.write_text(
        f'{{"blank": {{"{ASSIGNMENT}": "<script>the learner wrote this</script>"}}}}'
    )
    assert intake.intake_record(submitted, "exact", ASSIGNMENT) == {}

    intake.place(taken[0]["other_notebook"], ASSIGNMENT, NAMES, submitted, blank_folder)
    assert intake.intake_record(submitted, "other_notebook", ASSIGNMENT)
    (submitted / "other_notebook" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_bytes(
        taken[0]["exact"].notebooks[ASSIGNMENT]
    )  # collected again, now a readable notebook
    assert intake.intake_record(submitted, "other_notebook", ASSIGNMENT) == {}
