"""A JupyterHub course without the hub: nbgrader's exchange with a local exchange folder and one
home folder per learner.

The instructor imports a roster with names, releases notebook 01, and sets its due date; three
learners list and fetch it (what the Assignments tab does), work in their own folders and submit
(one after the due date, who then dates the submission back: an early time in its timestamp.txt
and in its inbound folder's name); the instructor collects and grades the collected submissions
with the course's command (`python -m grader autograde all`, no folder: every assignment, as
`nbgrader collect` gathered them), in parallel. The collect records each submission's time from
the exchange's change times (grader/lateness.py), never the learner's. The grades, the late
penalty and the names reach the exported CSV.
Then `python -m grader feedback`, nbgrader's release_feedback, and each learner's fetch_feedback:
what a learner fetches says which points still wait for a person.
"""

from __future__ import annotations

import csv
import datetime
import time

import pytest

from grader.hidden_checks import load_or_create_secret
from grader.lateness import read_record
from grader.layout import COURSE_ID
from submissions import wrong as wrong_submissions
from submissions.wrong.feedforward_limits import WRONG_SUBMISSIONS
from tests.grading.harness import (
    answers,
    hidden_points,
    manual_points,
    nbgrader_in_process,
    run_grader,
    solution_notebook,
    write_answers,
)

pytestmark = pytest.mark.sandbox

ASSIGNMENT = "01_feedforward_limits"
WRONG = next(w for w in WRONG_SUBMISSIONS if w.name == "softmax_without_max_subtraction")
ROSTER = [
    ("alice", "Alice", "Ada", "alice@example.org"),  # answers correctly, on time
    ("bob", "Bob", "Boole", "bob@example.org"),  # a wrong softmax, submitted late
    ("carol", "Carol", "Cray", "carol@example.org"),
]  # submits the blank notebook on time


def _ok(completed):
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-3000:]
    return completed


nbgrader = nbgrader_in_process  # the nbgrader command line itself: test_grading_paths.py
FORGED = "2020-01-01 00:00:00.000000 UTC"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    folder, exchange = root / "grading", root / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    where = f"--Exchange.root={exchange}"

    def cache(student):  # each learner's own record of what they submitted (in their home)
        return f"--Exchange.cache={root / 'home' / student / '.nbgrader-cache'}"

    _ok(run_grader("--grading-folder", str(folder), "prepare"))
    (root / "roster.csv").write_text(
        "id,first_name,last_name,email\n" + "".join(",".join(row) + "\n" for row in ROSTER)
    )
    nbgrader("db", "student", "import", str(root / "roster.csv"), cwd=folder)
    nbgrader("release_assignment", ASSIGNMENT, where, cwd=folder)

    solution = solution_notebook(ASSIGNMENT)
    work = {
        "alice": answers(solution),
        "bob": answers(wrong_submissions.build(solution, WRONG)),
        "carol": {},
    }
    listed = {}
    for student, *_ in ROSTER:
        home = root / "home" / student
        home.mkdir(parents=True)
        learner = ("--course", COURSE_ID, where, cache(student))
        listed[student] = nbgrader("list", *learner, cwd=home)
        nbgrader("fetch_assignment", ASSIGNMENT, *learner, cwd=home)
        write_answers(home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", work[student])
    for student in ("alice", "carol"):
        nbgrader(
            "submit",
            ASSIGNMENT,
            "--course",
            COURSE_ID,
            "--student",
            student,
            where,
            cache(student),
            cwd=root / "home" / student,
        )
    time.sleep(0.1)
    # carol, on time, also submitted links to the grading folder and its secret key
    carol = next((exchange / COURSE_ID / "inbound").glob(f"carol+{ASSIGNMENT}+*"))
    load_or_create_secret(folder / "secret.key")
    (carol / "notes.html").symlink_to(folder / "secret.key")  # the instructor's secret
    (carol / "more").symlink_to(folder, target_is_directory=True)
    time.sleep(0.1)
    due = datetime.datetime.now(datetime.UTC)
    time.sleep(0.1)
    nbgrader(
        "submit",
        ASSIGNMENT,
        "--course",
        COURSE_ID,
        "--student",
        "bob",
        where,
        cache("bob"),
        cwd=root / "home" / "bob",
    )
    inbound = next((exchange / COURSE_ID / "inbound").glob(f"bob+{ASSIGNMENT}+*"))
    (inbound / "timestamp.txt").write_text(FORGED)  # bob dates his late submission back
    inbound.rename(inbound.with_name(f"bob+{ASSIGNMENT}+{FORGED}+{inbound.name.rsplit('+', 1)[1]}"))
    nbgrader(
        "db",
        "assignment",
        "add",
        ASSIGNMENT,
        f"--duedate={due.strftime('%Y-%m-%d %H:%M:%S.%f')} UTC",
        cwd=folder,
    )
    # one Unix user plays every learner here, so the owner check is off, as on a hub whose
    # learners share one uid (test_exchange_accounts.py runs it with real accounts)
    nbgrader("collect", ASSIGNMENT, where, "--ExchangeCollect.check_owner=False", cwd=folder)
    graded = _ok(run_grader("--grading-folder", str(folder), "--jobs", "2", "autograde", "all"))
    _ok(run_grader("--grading-folder", str(folder), "export", "--to", str(root / "grades.csv")))
    _ok(run_grader("--grading-folder", str(folder), "feedback", ASSIGNMENT))
    nbgrader("release_feedback", ASSIGNMENT, where, cwd=folder)
    fetched = {}
    for student, *_ in ROSTER:
        home = root / "home" / student
        nbgrader(
            "fetch_feedback",
            ASSIGNMENT,
            "--course",
            COURSE_ID,
            "--student",
            student,
            where,
            cache(student),
            cwd=home,
        )
        fetched[student] = sorted(home.glob(f"{ASSIGNMENT}/feedback/*/{ASSIGNMENT}.html"))
    with (root / "grades.csv").open() as grades:
        rows = {
            row["student_id"]: row
            for row in csv.DictReader(grades)
            if row["assignment"] == ASSIGNMENT
        }
    return {
        "folder": folder,
        "listed": listed,
        "graded": graded,
        "rows": rows,
        "due": due,
        "fetched": fetched,
    }


def test_collect_never_follows_a_learners_link(course):
    """carol's submission held links to the grading folder's secret key and to the grading
    folder: the collected copy has neither (only plain files and folders are collected), and no
    file of the grading folder but the key itself holds the key."""
    collected = course["folder"] / "submitted" / "carol" / ASSIGNMENT
    assert (collected / f"{ASSIGNMENT}.ipynb").is_file()
    assert not (collected / "notes.html").exists() and not (collected / "more").exists()
    secret = (course["folder"] / "secret.key").read_bytes()
    assert not [
        path
        for path in course["folder"].rglob("*")
        if path.is_file() and path.name != "secret.key" and secret in path.read_bytes()
    ]


def test_learners_see_the_released_assignment(course):
    for student, text in course["listed"].items():
        assert ASSIGNMENT in text, f"{student} does not see {ASSIGNMENT} released"


def test_collect_records_times_from_the_exchange_never_the_learners(course):
    record = read_record(course["folder"], ASSIGNMENT)
    due = course["due"].replace(tzinfo=None)
    assert set(record) == {student for student, *_ in ROSTER}
    assert {trusted.source for trusted in record.values()} == {
        "collect (latest change in the exchange)"
    }
    assert record["alice"].time <= due and record["carol"].time <= due
    assert record["bob"].time > due, "bob's forged date was believed"
    assert course["rows"]["bob"]["timestamp"].startswith(f"{record['bob'].time:%Y-%m-%d %H:%M}")


def test_collected_submissions_get_the_course_grades_and_late_penalty(course):
    points = hidden_points(ASSIGNMENT)
    full = sum(points.values())
    rows = course["rows"]
    assert f"graded 3 submissions of {ASSIGNMENT}" in course["graded"].stdout
    assert "02_rnn_recurrence: nothing collected" in course["graded"].stdout
    assert float(rows["alice"]["raw_score"]) == float(rows["alice"]["score"]) == full
    assert float(rows["carol"]["score"]) == 0
    wrong = full - sum(points[check] for check in WRONG.failing_checks)
    assert float(rows["bob"]["raw_score"]) == wrong
    assert float(rows["bob"]["late_submission_penalty"]) == float(rows["bob"]["max_score"])
    assert float(rows["bob"]["score"]) == 0
    assert float(rows["alice"]["late_submission_penalty"]) == 0


def test_the_roster_names_reach_the_export(course):
    for student, first, last, email in ROSTER:
        row = course["rows"][student]
        assert (row["first_name"], row["last_name"], row["email"]) == (first, last, email)


def test_each_learner_fetches_their_own_feedback_after_the_course_grader(course):
    """`python -m grader autograde` rewrites the collected submissions; nbgrader's
    release_feedback still finds each learner's submission secret, and each learner fetches the
    feedback written for them."""
    for student, *_ in ROSTER:
        own = course["folder"] / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert len(course["fetched"][student]) == 1, (
            f"{student} fetched {course['fetched'][student]}"
        )
        assert course["fetched"][student][0].read_bytes() == own.read_bytes(), student
    pages = {student: paths[0].read_bytes() for student, paths in course["fetched"].items()}
    assert len(set(pages.values())) == len(ROSTER)  # no one got another learner's page


def test_fetched_feedback_says_which_points_await_grading(course):
    """alice's written answer waits for a person: her page says so, and its total counts only
    what has been graded. carol left hers as released, which nbgrader scores 0 at once."""
    automatic, by_hand = sum(hidden_points(ASSIGNMENT).values()), manual_points(ASSIGNMENT)
    alice = course["fetched"]["alice"][0].read_text()
    assert f"Written response</a> (Score: awaiting grading ({by_hand:.1f} points))" in alice
    assert (
        f"(Score so far: {automatic:.1f} / {automatic + by_hand:.1f}; "
        f"{by_hand:.1f} points awaiting grading)" in alice
    )
    carol = course["fetched"]["carol"][0].read_text()
    assert "awaiting grading" not in carol
    assert f"Written response</a> (Score: 0.0 / {by_hand:.1f})" in carol
