"""Late work, dated only by records the learner cannot write, and late work stays late.

A class of notebook 01, due yesterday, every submission the solution: two learners submitted
late and forged nbgrader's `timestamp.txt` to a date long before the due date (one in a folder,
one in a zip), one submitted on time, and one has no time in the LMS export. They are graded by
`python -m grader autograde --times lms.csv`; then one is regraded by plain `nbgrader autograde`
over a forged `timestamp.txt`; the missing time is recorded afterwards with `python -m grader
times` (no regrading); and a late submission's written answer is graded by hand as Formgrader's
grade handler does, with extra credit, before both `python -m grader export` and `nbgrader
export`. The exchange's collect path (change times in the exchange) is in test_exchange.py.
"""

from __future__ import annotations

import csv
import datetime
import os
import shutil
import time
import zipfile

import nbformat
import pytest

from grader.grading import open_gradebook, read_scores
from grader.lateness import (
    LATE,
    NO_DUE_DATE,
    NO_TRUSTED_TIME,
    ON_TIME,
    BadTimes,
    TrustedTime,
    newest_change,
    read_record,
    read_times_file,
    verdict,
)
from grader.settings import GradingSettings
from tests.grading.harness import (
    hidden_points,
    manual_points,
    nbgrader_in_process,
    run_grader,
    run_nbgrader,
    solution_notebook,
)

ASSIGNMENT = "01_feedforward_limits"
DUE = datetime.datetime(2026, 3, 1, 17, 0)  # naive UTC, as nbgrader stores it
FORGED = "2026-01-01 00:00:00.000000 UTC"  # what the late learners wrote in timestamp.txt
LATE_TIME, ON_TIME_TIME = "2026-03-01T18:30:00Z", "2026-03-01 17:59:00+01:00"  # 16:59 UTC


# --- The times file and the verdict, alone ---------------------------------------------------


def _times(tmp_path, text: str):
    path = tmp_path / "times.csv"
    path.write_text(text)
    return path


def test_a_times_file_takes_the_formats_an_lms_exports(tmp_path):
    path = _times(
        tmp_path,
        "Student ID,Submitted At,Assignment\n"
        "ada,2026-03-01T16:00:00Z,01_feedforward_limits\n"
        "bo,2026-03-01 18:00:00+01:00,01_feedforward_limits\n"
        'cy,"Sunday, 1 March 2026, 5:05 PM",01_feedforward_limits\n'
        "ada,2026-03-01T17:30:00Z,01_feedforward_limits\n"  # resubmitted
        "dee,,01_feedforward_limits\n"  # none
        "ed,2026-03-09T10:00:00Z,02_rnn_recurrence\n",
    )
    times = read_times_file(path, ASSIGNMENT, "Europe/Berlin")
    assert {s: t.time for s, t in times.items()} == {
        "ada": datetime.datetime(2026, 3, 1, 17, 30),  # the later of two
        "bo": datetime.datetime(2026, 3, 1, 17, 0),
        "cy": datetime.datetime(2026, 3, 1, 16, 5),
    }  # 17:05 in Berlin
    assert {t.source for t in times.values()} == {"times file times.csv"}


@pytest.mark.parametrize(
    "text, zone, message",
    [
        (
            "student_id,time\nada,2026-03-01 17:00\n",
            None,
            "row 2: '2026-03-01 17:00' has no time zone",
        ),
        ("student_id,time\nada,yesterday-ish\n", "UTC", "is not a time"),
        ("name,time\nada,2026-03-01T17:00Z\n", None, "no student id column"),
        ("student_id,grade\nada,12\n", None, "no time column"),
        ("student_id,time\nada,2026-03-01T17:00Z\n", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_a_times_file_that_cannot_be_read_is_refused_with_the_reason(tmp_path, text, zone, message):
    with pytest.raises(BadTimes, match=message):
        read_times_file(_times(tmp_path, text), ASSIGNMENT, zone)


def test_grading_every_assignment_needs_an_assignment_column(tmp_path):
    with pytest.raises(BadTimes, match="no `assignment` column"):
        read_times_file(
            _times(tmp_path, "student_id,time\nada,2026-03-01T17:00Z\n"),
            ASSIGNMENT,
            needs_assignment_column=True,
        )


def test_no_trusted_time_is_never_on_time():
    at = lambda text: TrustedTime(datetime.datetime.fromisoformat(text), "test")  # noqa: E731
    assert verdict(None, None).status == NO_DUE_DATE and not verdict(None, None).penalized
    assert verdict(DUE, None).status == NO_TRUSTED_TIME and verdict(DUE, None).penalized
    assert verdict(DUE, at("2026-03-01T17:00:01")).status == LATE
    assert verdict(DUE, at("2026-03-01T17:00:00")).status == ON_TIME


def test_a_learner_cannot_date_a_file_back(tmp_path):
    """The exchange's change times: setting a file's modification time into the past (what a
    learner can do to their own files) moves its change time to now."""
    folder = tmp_path / "inbound" / "mallory+01+2020-01-01 00:00:00 UTC+x"
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(FORGED)
    before = time.time()
    os.utime(folder / "timestamp.txt", (0, 0))
    os.utime(folder, (0, 0))
    assert newest_change(folder) >= before - 1


def test_an_inbound_name_without_a_time_stops_no_one_elses_collect():
    """nbgrader's collect parses every inbound folder's name and stops, for the whole class, at
    one it cannot read; the course's collect takes that folder like any other (its name dates
    nothing)."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory

    from grader.lateness import TimedCollect

    collect = TimedCollect(coursedir=CourseDirectory(), authenticator=Authenticator())
    record = collect._path_to_record(f"/exchange/inbound/mallory+{ASSIGNMENT}+not a time+x")
    assert record["username"] == "mallory"
    assert collect._path_to_record(f"/inbound/ada+{ASSIGNMENT}+{FORGED}+x")["username"] == "ada"


# --- A class graded with an LMS times file ---------------------------------------------------

STUDENTS = ("forged_folder", "forged_zip", "on_time", "untimed")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("lateness")
    folder = root / "grading"
    assert run_grader("--grading-folder", str(folder), "prepare").returncode == 0
    nbgrader_in_process(
        "db", "assignment", "add", ASSIGNMENT, f"--duedate={DUE:%Y-%m-%d %H:%M:%S} UTC", cwd=folder
    )
    submissions = root / "submissions"
    solution = nbformat.writes(solution_notebook(ASSIGNMENT)).encode()
    for student in ("forged_folder", "on_time", "untimed"):
        (submissions / student / ASSIGNMENT).mkdir(parents=True)
        (submissions / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_bytes(solution)
        (submissions / student / ASSIGNMENT / "timestamp.txt").write_text(FORGED)
    with zipfile.ZipFile(submissions / "forged_zip.zip", "w") as archive:
        archive.writestr(f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb", solution)
        archive.writestr(f"{ASSIGNMENT}/timestamp.txt", FORGED)
    lms = root / "lms.csv"
    lms.write_text(
        f"student_id,time\nforged_folder,{LATE_TIME}\nforged_zip,{LATE_TIME}\n"
        f"on_time,{ON_TIME_TIME}\n"
    )
    completed = run_grader(
        "--grading-folder",
        str(folder),
        "--jobs",
        "2",
        "autograde",
        ASSIGNMENT,
        str(submissions),
        "--times",
        str(lms),
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return root, folder, completed


def _copy(graded, name: str):
    root, folder, _ = graded
    shutil.copytree(folder, root / name)
    return root / name


def _export(folder, how: str) -> dict[str, dict]:
    """The exported grades of ASSIGNMENT by `python -m grader export` or `nbgrader export`."""
    destination = folder.parent / f"{folder.name}-{how}.csv"
    if how == "grader":
        completed = run_grader("--grading-folder", str(folder), "export", "--to", str(destination))
    else:
        completed = run_nbgrader("export", f"--to={destination}", cwd=folder)
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-3000:]
    with destination.open() as grades:
        return {
            row["student_id"]: row
            for row in csv.DictReader(grades)
            if row["assignment"] == ASSIGNMENT
        }


FULL = sum(hidden_points(ASSIGNMENT).values())


@pytest.mark.sandbox
def test_forged_timestamps_gain_nothing_and_the_lms_time_decides(graded):
    _, folder, _ = graded
    for how in ("grader", "nbgrader"):
        rows = _export(folder, how)
        assert {s: float(rows[s]["raw_score"]) for s in STUDENTS} == dict.fromkeys(STUDENTS, FULL)
        assert {s: float(rows[s]["score"]) for s in STUDENTS} == {
            "forged_folder": 0.0,
            "forged_zip": 0.0,
            "on_time": FULL,
            "untimed": 0.0,
        }, how
        assert rows["forged_folder"]["timestamp"].startswith("2026-03-01 18:30"), how
        assert rows["on_time"]["timestamp"].startswith("2026-03-01 16:59"), how
        assert rows["untimed"]["timestamp"] == "", how  # the forged date is nowhere


@pytest.mark.sandbox
def test_the_report_names_each_time_source_and_the_untimed(graded):
    _, folder, completed = graded
    report = next((folder / "reports").glob(f"autograde-{ASSIGNMENT}-*.txt")).read_text()
    lines = {line.split(" | ")[0]: line for line in report.splitlines() if " | " in line}
    for student, status in (
        ("forged_folder", "late"),
        ("forged_zip", "late"),
        ("on_time", "on time"),
        ("untimed", "no trusted time"),
    ):
        assert lines[student].endswith(status), lines[student]
    assert "times file lms.csv" in lines["forged_zip"] and "| none |" in lines["untimed"]
    assert "No trusted time (1)" in report and "\nuntimed" in report
    assert "python -m grader times" in report
    assert "no trusted time" in completed.stderr and "untimed" in completed.stderr


@pytest.mark.sandbox
def test_plain_nbgrader_autograde_ignores_a_forged_timestamp(graded):
    folder = _copy(graded, "nbgrader-path")
    (folder / "submitted" / "forged_folder" / ASSIGNMENT / "timestamp.txt").write_text(FORGED)
    completed = run_nbgrader(
        "autograde", ASSIGNMENT, "--force", "--student", "forged_folder", cwd=folder
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    scores = read_scores(GradingSettings(folder=folder), ASSIGNMENT)
    assert scores["forged_folder"].lateness.status == LATE
    for how in ("grader", "nbgrader"):
        row = _export(folder, how)["forged_folder"]
        assert float(row["raw_score"]) == FULL and float(row["score"]) == 0.0, how
        assert row["timestamp"].startswith("2026-03-01 18:30"), how


@pytest.mark.sandbox
def test_times_recorded_after_grading_apply_without_regrading(graded):
    folder = _copy(graded, "times-later")
    late_fix = folder.parent / "late-fix.csv"
    late_fix.write_text("username,submitted\nuntimed,2026-03-01 16:00:00\n")
    completed = run_grader(
        "--grading-folder", str(folder), "times", ASSIGNMENT, str(late_fix), "--times-zone", "UTC"
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "untimed | 2026-03-01 16:00:00 | times file late-fix.csv | on time" in completed.stdout
    assert read_record(folder, ASSIGNMENT)["forged_zip"].source == "times file lms.csv"  # kept
    for how in ("grader", "nbgrader"):
        rows = _export(folder, how)
        assert float(rows["untimed"]["score"]) == FULL and float(rows["forged_zip"]["score"]) == 0


@pytest.mark.sandbox
def test_a_naive_times_file_without_a_zone_stops_before_grading(graded, tmp_path):
    _, folder, _ = graded
    naive = tmp_path / "naive.csv"
    naive.write_text("student_id,time\non_time,2026-03-01 16:00\n")
    completed = run_grader(
        "--grading-folder",
        str(tmp_path / "unused"),
        "autograde",
        ASSIGNMENT,
        str(tmp_path),
        "--times",
        str(naive),
    )
    assert completed.returncode == 2 and "has no time zone" in completed.stderr
    assert not (tmp_path / "unused").exists()


def _grade_by_hand(folder, student: str, manual_score: float, extra_credit: float | None):
    """What Formgrader's grade handler (PUT /formgrader/api/grade/ID) does with the gradebook."""
    with open_gradebook(GradingSettings(folder=folder)) as gradebook:
        notebook = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        written = [g for g in notebook.grades if g.cell.cell_type == "markdown"]
        assert written, "notebook 01 has a written answer graded by hand"
        for grade_id in [g.id for g in written]:
            grade = gradebook.find_grade_by_id(grade_id)
            grade.manual_score = manual_score
            grade.extra_credit = extra_credit
            grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
            gradebook.db.commit()


@pytest.mark.sandbox
def test_late_work_stays_zero_when_written_answers_are_graded_afterwards(graded):
    folder = _copy(graded, "hand-graded")
    manual = manual_points(ASSIGNMENT)
    _grade_by_hand(folder, "forged_folder", manual, None)
    _grade_by_hand(folder, "forged_zip", manual, 1.0)  # extra credit too
    _grade_by_hand(folder, "on_time", manual, None)
    for how in ("grader", "nbgrader"):
        rows = _export(folder, how)
        assert float(rows["forged_folder"]["raw_score"]) == FULL + manual, how
        assert float(rows["forged_zip"]["raw_score"]) == FULL + manual + 1, how
        assert {s: float(rows[s]["score"]) for s in ("forged_folder", "forged_zip", "on_time")} == {
            "forged_folder": 0.0,
            "forged_zip": 0.0,
            "on_time": FULL + manual,
        }, how


@pytest.fixture(scope="module")
def lab(graded):
    """JupyterLab with Formgrader on a copy of the graded class, started as test_formgrader.py
    starts it (as `python3 course.py lab` does)."""
    from grader.layout import REPOSITORY
    from tests.grading.harness import jupyter_lab
    from tests.grading.test_formgrader import Lab, lab_environment

    root = graded[0] / "formgrader-lab"  # the server's root; the grading folder inside it
    folder = root / "grading"
    shutil.copytree(graded[1], folder)
    log = root / "lab.log"
    with jupyter_lab(REPOSITORY, root, lab_environment(root, folder), log) as (url, token):
        yield Lab(url, token, root, folder, log)


@pytest.mark.sandbox
def test_formgrader_autograde_then_a_hand_grade_leave_late_work_at_zero(lab):
    """Formgrader's Autograde button over a forged timestamp.txt, then its grade handler (the
    HTTP API its Manual Grading page calls) gives the written answer full points."""
    student = "forged_folder"
    (lab.folder / "submitted" / student / ASSIGNMENT / "timestamp.txt").write_text(FORGED)
    autograded = lab.call("POST", f"/formgrader/api/submission/{ASSIGNMENT}/{student}/autograde")
    assert autograded["success"], autograded.get("error") or autograded.get("log")
    submission = lab.call("GET", f"/formgrader/api/submission/{ASSIGNMENT}/{student}")
    assert submission["autograded"], "Formgrader shows the late submission as not autograded"
    assert submission["timestamp"].startswith("2026-03-01T18:30"), submission["timestamp"]
    notebooks = lab.call("GET", f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")
    notebook_id = next(n["id"] for n in notebooks if n["student"] == student)
    grades = lab.call("GET", f"/formgrader/api/grades?submission_id={notebook_id}")
    written = [g for g in grades if g["needs_manual_grade"]]
    assert written, "the late learner's written answer waits for grading by hand"
    for grade in written:
        updated = lab.call(
            "PUT", f"/formgrader/api/grade/{grade['id']}", {"manual_score": grade["max_score"]}
        )
        assert updated["manual_score"] == grade["max_score"]
    for how in ("grader", "nbgrader"):
        row = _export(lab.folder, how)[student]
        assert float(row["raw_score"]) == FULL + manual_points(ASSIGNMENT), how
        assert float(row["score"]) == 0.0, how
