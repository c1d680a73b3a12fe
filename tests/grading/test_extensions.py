"""Per-learner due dates (extensions) on every grading path, and in the export.

A class of notebook 01, due 2026-03-01 17:00 UTC; every learner submitted the solution at
18:30 UTC (the LMS times file says so), so every one is late by the assignment's due date.
`ada_extended` has an extension to 2026-03-03 (given in Berlin time with --times-zone);
`bo_no_extension` has none; `cy_other_assignment` has one for notebook 02 only; `dee_too_short`
has one that ends before 18:30. Only `ada_extended` may score as on time, on every path:
`python -m grader autograde --extensions`, `nbgrader autograde` from the grading folder and from
the repository, Formgrader's Autograde buttons clicked in Chromium, and both exports. The
regraded copies first lose every extension and penalty in their gradebook, so what they show is
what that path itself applied.
"""

from __future__ import annotations

import csv
import datetime
import shutil

import pytest

from grader.extensions import (
    BadExtensions,
    Extension,
    check_extensions,
    extended_students,
    extensions_path,
    read_extensions,
)
from grader.grading import open_gradebook, read_scores
from grader.lateness import LATE, ON_TIME
from grader.layout import REPOSITORY
from grader.settings import GradingSettings
from tests.grading.harness import (
    hidden_points,
    jupyter_lab,
    nbgrader_in_process,
    run_grader,
    run_nbgrader,
    solution_notebook,
    write_submissions,
)

ASSIGNMENT, OTHER = "01_feedforward_limits", "02_rnn_recurrence"
DUE = datetime.datetime(2026, 3, 1, 17, 0)  # naive UTC, as nbgrader stores it
SUBMITTED = "2026-03-01T18:30:00Z"
STUDENTS = ("ada_extended", "bo_no_extension", "cy_other_assignment", "dee_too_short")
EXTENSIONS = (
    "Student ID,Assignment,Due\n"
    f"ada_extended,{ASSIGNMENT},2026-03-03 18:00\n"  # Berlin: 17:00 UTC
    f"cy_other_assignment,{OTHER},2026-03-10 18:00\n"
    f"dee_too_short,{ASSIGNMENT},2026-03-01T18:00:00Z\n"
)
EXPECTED = {
    "ada_extended": ON_TIME,
    "bo_no_extension": LATE,
    "cy_other_assignment": LATE,
    "dee_too_short": LATE,
}
FULL = sum(hidden_points(ASSIGNMENT).values())


# --- The file alone ------------------------------------------------------------------------


def _file(tmp_path, text: str):
    path = tmp_path / "extensions.csv"
    path.write_text(text)
    return path


def test_an_extensions_file_is_read_in_the_zone_given(tmp_path):
    extensions = read_extensions(_file(tmp_path, EXTENSIONS), [ASSIGNMENT, OTHER], "Europe/Berlin")
    assert {key: e.due for key, e in extensions.items()} == {
        (ASSIGNMENT, "ada_extended"): datetime.datetime(2026, 3, 3, 17, 0),
        (OTHER, "cy_other_assignment"): datetime.datetime(2026, 3, 10, 17, 0),
        (ASSIGNMENT, "dee_too_short"): datetime.datetime(2026, 3, 1, 18, 0),
    }
    assert extensions[(ASSIGNMENT, "ada_extended")].line == 2


HEADER = "student_id,assignment,due\n"
A_ROW = f"ada,{ASSIGNMENT},2026-03-03T09:00Z\n"


@pytest.mark.parametrize(
    "text, zone, message",
    [
        (
            f"{HEADER}ada,{ASSIGNMENT},2026-03-03 17:00\n",
            None,
            r"line 2: '2026-03-03 17:00' has no time zone",
        ),
        (
            f"{HEADER}{A_ROW}ada,{ASSIGNMENT},next tuesday-ish\n",
            "UTC",
            r"line 3: 'next tuesday-ish' is not a time",
        ),
        (
            f"{HEADER}{A_ROW}bo,{ASSIGNMENT},2026-03-04T09:00Z\nada,{ASSIGNMENT},2026-03-05T09:00Z\n",
            "UTC",
            r"line 4: a second due date for ada in 01_feedforward_limits \(the first is on line 2",
        ),
        (
            f"{HEADER}ada,01_feedforwad_limits,2026-03-03T09:00Z\n",
            "UTC",
            r"line 2: unknown assignment '01_feedforwad_limits'",
        ),
        ("student_id,due\nada,2026-03-03T09:00Z\n", "UTC", r"line 1: no assignment column"),
        (f"{HEADER}ada,{ASSIGNMENT}\n", "UTC", r"line 2: 2 columns"),
        (f"{HEADER},{ASSIGNMENT},2026-03-03T09:00Z\n", "UTC", r"line 2: no student id"),
    ],
)
def test_a_bad_extensions_file_is_refused_naming_the_line(tmp_path, text, zone, message):
    with pytest.raises(BadExtensions, match=message):
        read_extensions(_file(tmp_path, text), [ASSIGNMENT, OTHER], zone)


def test_an_unknown_student_or_an_extension_that_extends_nothing_is_refused(tmp_path):
    path = tmp_path / "given.csv"
    at = lambda student, due, line: {  # noqa: E731
        (ASSIGNMENT, student): Extension(student, ASSIGNMENT, due, line)
    }
    later = datetime.datetime(2026, 3, 3, 17)
    with pytest.raises(BadExtensions, match=r"given.csv, line 5: unknown student 'mallory'"):
        check_extensions(at("mallory", later, 5), {"ada"}, {ASSIGNMENT: DUE}, path)
    with pytest.raises(BadExtensions, match=r"line 3: .* is not after 01_feedforward_limits's due"):
        check_extensions(at("ada", DUE, 3), {"ada"}, {ASSIGNMENT: DUE}, path)
    with pytest.raises(BadExtensions, match=r"line 2: 01_feedforward_limits has no due date"):
        check_extensions(at("ada", later, 2), {"ada"}, {ASSIGNMENT: None}, path)
    check_extensions(at("ada", later, 2), {"ada"}, {ASSIGNMENT: DUE}, path)  # a good one passes


# --- A class graded with extensions --------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded by `python -m grader autograde --times ... --extensions ...`."""
    root = tmp_path_factory.mktemp("extensions")
    folder = root / "grading"
    assert run_grader("--grading-folder", str(folder), "prepare").returncode == 0
    for assignment in (ASSIGNMENT, OTHER):
        nbgrader_in_process(
            "db",
            "assignment",
            "add",
            assignment,
            f"--duedate={DUE:%Y-%m-%d %H:%M:%S} UTC",
            cwd=folder,
        )
    solution = solution_notebook(ASSIGNMENT)
    submissions = write_submissions(
        root / "submissions", ASSIGNMENT, dict.fromkeys(STUDENTS, solution)
    )
    lms = root / "lms.csv"
    lms.write_text("student_id,time\n" + "".join(f"{s},{SUBMITTED}\n" for s in STUDENTS))
    given = root / "given-extensions.csv"
    given.write_text(EXTENSIONS)
    completed = run_grader(
        "--grading-folder",
        str(folder),
        "--jobs",
        "2",
        "--timeout",
        "300",
        "--notebook-timeout",
        "1200",
        "autograde",
        ASSIGNMENT,
        str(submissions),
        "--times",
        str(lms),
        "--extensions",
        str(given),
        "--times-zone",
        "Europe/Berlin",
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return root, folder, completed


def _export(folder, how: str) -> dict[str, dict]:
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


def assert_only_the_extended_learner_is_on_time(folder):
    scores = read_scores(GradingSettings(folder=folder), ASSIGNMENT)
    assert {s: scores[s].lateness.status for s in STUDENTS} == EXPECTED
    for how in ("grader", "nbgrader"):
        rows = _export(folder, how)
        assert {s: float(rows[s]["raw_score"]) for s in STUDENTS} == dict.fromkeys(STUDENTS, FULL)
        assert {s: float(rows[s]["score"]) for s in STUDENTS} == {
            "ada_extended": FULL,
            "bo_no_extension": 0.0,
            "cy_other_assignment": 0.0,
            "dee_too_short": 0.0,
        }, how


def _copy_without_lateness(graded, name: str):
    """A copy of the graded folder whose gradebook holds no extension and no late penalty."""
    root, folder, _ = graded
    shutil.copytree(folder, root / name)
    with open_gradebook(GradingSettings(folder=root / name)) as gradebook:
        for submission in gradebook.find_assignment(ASSIGNMENT).submissions:
            submission.extension = None
            for notebook in submission.notebooks:
                notebook.late_submission_penalty = None
        gradebook.db.commit()
    return root / name


def test_the_grading_command_honours_extensions(graded):
    _, folder, completed = graded
    assert_only_the_extended_learner_is_on_time(folder)
    record = extensions_path(folder)
    assert record.stat().st_mode & 0o077 == 0
    assert record.read_text().splitlines()[1:] == [
        "ada_extended,01_feedforward_limits,2026-03-03T17:00:00Z",
        "dee_too_short,01_feedforward_limits,2026-03-01T18:00:00Z",
        "cy_other_assignment,02_rnn_recurrence,2026-03-10T17:00:00Z",
    ]
    report = next((folder / "reports").glob(f"autograde-{ASSIGNMENT}-*.txt")).read_text()
    lines = {line.split(" | ")[0]: line for line in report.splitlines() if " | " in line}
    assert lines["ada_extended"].endswith("on time (extension: due 2026-03-03 17:00:00)")
    assert lines["bo_no_extension"].endswith("| late")


def test_the_public_list_of_extended_students(graded):
    _, folder, _ = graded
    settings = GradingSettings(folder=folder)
    assert extended_students(ASSIGNMENT, settings) == {
        "ada_extended": datetime.datetime(2026, 3, 3, 17),
        "dee_too_short": DUE.replace(hour=18),
    }
    assert extended_students(OTHER, settings) == {
        "cy_other_assignment": datetime.datetime(2026, 3, 10, 17)
    }


def test_the_class_report_lists_who_had_an_extension(graded):
    root, folder, _ = graded
    folder = shutil.copytree(folder, root / "report")
    completed = run_grader("--grading-folder", str(folder), "report", ASSIGNMENT)
    assert completed.returncode == 0, completed.stderr[-3000:]
    with open(folder / "reports" / f"class-{ASSIGNMENT}.csv", newline="") as table:
        rows = [row for row in csv.reader(table) if row and row[0] == "extension"]
    assert sorted(row[-1] for row in rows) == ["ada_extended", "dee_too_short"]


def test_nbgrader_autograde_from_the_grading_folder_honours_extensions(graded):
    folder = _copy_without_lateness(graded, "from-folder")
    completed = run_nbgrader("autograde", ASSIGNMENT, "--force", cwd=folder)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert_only_the_extended_learner_is_on_time(folder)


def test_nbgrader_autograde_from_the_repository_honours_extensions(graded):
    folder = _copy_without_lateness(graded, "from-repository")
    completed = run_nbgrader(
        "autograde", ASSIGNMENT, "--force", cwd=REPOSITORY, grading_folder=folder
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert_only_the_extended_learner_is_on_time(folder)


def test_an_extension_granted_after_grading_applies_without_regrading(graded):
    root, folder, _ = graded
    folder = shutil.copytree(folder, root / "granted-later")
    later = root / "later.csv"  # the whole list again: bo_no_extension now, ada_extended no more
    later.write_text(f"{HEADER}bo_no_extension,{ASSIGNMENT},2026-03-02T09:00:00Z\n")
    completed = run_grader("--grading-folder", str(folder), "extensions", str(later))
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert f"{ASSIGNMENT} | bo_no_extension | 2026-03-02 09:00:00 | on time" in completed.stdout
    rows = _export(folder, "nbgrader")
    assert float(rows["bo_no_extension"]["score"]) == FULL
    assert float(rows["ada_extended"]["score"]) == 0.0


def test_a_record_edited_after_grading_stops_the_export_until_applied(graded):
    root, folder, _ = graded
    folder = shutil.copytree(folder, root / "edited")
    record = extensions_path(folder)
    record.write_text(record.read_text() + f"bo_no_extension,{ASSIGNMENT},2026-03-02T09:00:00Z\n")
    refused = run_grader("--grading-folder", str(folder), "export", "--to", str(root / "no.csv"))
    assert refused.returncode == 2 and "bo_no_extension/01_feedforward_limits" in refused.stderr
    assert "python -m grader extensions" in refused.stderr and not (root / "no.csv").exists()
    refused = run_nbgrader("export", f"--to={root / 'no.csv'}", cwd=folder)
    assert refused.returncode != 0 and "bo_no_extension/01_feedforward_limits" in refused.stderr
    applied = run_grader("--grading-folder", str(folder), "extensions")
    assert applied.returncode == 0, applied.stderr[-3000:]
    rows = _export(folder, "grader")
    assert float(rows["bo_no_extension"]["score"]) == FULL
    assert float(rows["ada_extended"]["score"]) == FULL


def test_a_bad_file_changes_nothing_and_names_the_line(graded, tmp_path):
    _, folder, _ = graded
    before = extensions_path(folder).read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"student_id,assignment,due\nada_extended,{ASSIGNMENT},2026-03-05T00:00:00Z\n"
        f"nobody,{ASSIGNMENT},2026-03-05T00:00:00Z\n"
    )
    completed = run_grader("--grading-folder", str(folder), "extensions", str(bad))
    assert completed.returncode == 2
    assert "bad.csv, line 3: unknown student 'nobody'" in completed.stderr
    assert extensions_path(folder).read_text() == before


@pytest.fixture(scope="module")
def lab(graded):
    """JupyterLab with Formgrader on a copy of the class without lateness, started as
    test_formgrader.py starts it (as `python3 course.py lab` does)."""
    from tests.grading.test_formgrader import Lab, lab_environment

    folder = _copy_without_lateness(graded, "formgrader-lab/grading")
    root = folder.parent
    log = root / "lab.log"
    with jupyter_lab(REPOSITORY, root, lab_environment(root, folder), log) as (url, token):
        yield Lab(url, token, root, folder, log)


def test_formgraders_autograde_button_honours_extensions(lab):
    """Manage Submissions → each learner's Autograde button, in Chromium (headless)."""
    from playwright.sync_api import sync_playwright

    from tests.grading.test_course_lab import CHROMIUM, click_and_expect_success

    assert CHROMIUM.exists(), "chromium is not installed (`python3 course.py test` as root does it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{lab.url}/formgrader?token={lab.token}")
            page.goto(f"{lab.url}/formgrader/manage_submissions/{ASSIGNMENT}")
            for student in STUDENTS:  # no id is part of another: each row is found by its id
                page.wait_for_selector(f"tr:has-text('{student}') td.autograde a")
                click_and_expect_success(page, student, "autograde", f"Autograde {student}")
        finally:
            browser.close()
    assert_only_the_extended_learner_is_on_time(lab.folder)
