"""Formgrader, as an instructor uses it in the course's JupyterLab, through its HTTP API.

The test starts JupyterLab on a free port with a token, from the repository root (so nbgrader
reads the course's nbgrader_config.py) on a grading folder prepared by `python -m grader prepare`,
exactly as `python3 course.py lab` does. Its source for notebook 01 is a copy with a written
answer graded by hand (a manually graded markdown cell with a model answer and rubric). Then:
- Formgrader lists every written assignment without any option set by hand;
- its Generate button makes the release (the written answer becomes "YOUR ANSWER HERE");
- its Autograde button grades a blank, a wrong and a correct submission with the course's
  pipeline (same grades as `python -m grader`), keeps each learner's written answer, and flags
  it for grading by hand;
- a hand grade given through Formgrader reaches `python -m grader export`;
- its Generate Feedback button shows a written answer no one has graded as awaiting grading,
  and a graded one with its score;
- nothing leaves a gradebook.db outside the grading folder;
- with an exchange configured as on a hub (a global nbgrader_config.py), Formgrader's Release
  button, the learner's Assignments tab (fetch, submit), Formgrader's Collect and Autograde
  buttons work end to end, with the submission's timestamp.
A browser check (Debian's chromium driven by Playwright) looks at the same pages, the
Assignments tab included.
"""

from __future__ import annotations

import csv
import getpass
import json
import os
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from grader.layout import REPOSITORY, written_assignments
from submissions import wrong as wrong_submissions
from submissions.wrong.feedforward_limits import WRONG_SUBMISSIONS
from tests.grading.harness import (
    WRITTEN_ANSWER_ID,
    WRITTEN_ANSWER_POINTS,
    answers,
    cells_by_id,
    hidden_points,
    jupyter_lab,
    manual_points,
    run_grader,
    solution_notebook,
    with_written_answer,
)

pytestmark = pytest.mark.sandbox

ASSIGNMENT = "01_feedforward_limits"
WRONG = next(w for w in WRONG_SUBMISSIONS if w.name == "softmax_without_max_subtraction")
CHROMIUM = Path("/usr/bin/chromium")
CORRECT_WRITTEN = "It only sees the current character, so the conditional entropy is its floor."


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    folder: Path
    log: Path

    def call(self, method: str, path: str, body=None):
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip().startswith(("{", "[")) else text


def lab_environment(root: Path, folder: Path) -> dict[str, str]:
    """As `course.py lab` runs JupyterLab, plus an exchange set up as a hub's global
    nbgrader_config.py would (learners and instructor share Exchange.root); learners fetch into
    the server's root folder (nbgrader's default is the server's working folder, which here is
    the repository)."""
    exchange, config = root / "exchange", root / "jupyter-config"
    exchange.mkdir()
    exchange.chmod(0o777)
    config.mkdir()
    (config / "nbgrader_config.py").write_text(
        f"c.Exchange.root = {str(exchange)!r}\nc.Exchange.cache = {str(root / 'cache')!r}\n"
        f"c.Exchange.assignment_dir = {str(root)!r}\n"
    )
    bin_dir = str(Path(sys.executable).parent)
    return dict(
        os.environ,
        PATH=f"{bin_dir}:{os.environ.get('PATH', '')}",
        RNN_COURSE_GRADING_FOLDER=str(folder),
        JUPYTER_CONFIG_PATH=str(config),
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("formgrader")
    folder = root / "grading"
    completed = run_grader("--grading-folder", str(folder), "prepare")
    assert completed.returncode == 0, completed.stderr[-2000:]
    source = folder / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nbformat.write(with_written_answer(nbformat.read(source, as_version=4)), source)
    log = root / "lab.log"
    with jupyter_lab(REPOSITORY, root, lab_environment(root, folder), log) as (url, token):
        yield Lab(url, token, root, folder, log)


@pytest.fixture(scope="module")
def graded(lab):
    """Generate, then the three submissions as `nbgrader collect` leaves them, autograded by
    Formgrader's button; Formgrader's submission list afterwards."""
    generated = lab.call("POST", f"/formgrader/api/assignment/{ASSIGNMENT}/assign")
    assert generated["success"], generated.get("error") or generated.get("log")
    release = nbformat.read(lab.folder / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    solution = solution_notebook(ASSIGNMENT)
    work = {
        "blank": {},
        "wrong": answers(wrong_submissions.build(solution, WRONG)),
        "correct": answers(solution),
    }
    work["wrong"][WRITTEN_ANSWER_ID] = "Because it is small."
    work["correct"][WRITTEN_ANSWER_ID] = CORRECT_WRITTEN
    results = {}
    for student, sources in work.items():
        notebook = nbformat.from_dict(json.loads(json.dumps(release)))
        for grade_id, cell in cells_by_id(notebook).items():
            if grade_id in sources:
                cell.source = sources[grade_id]
        target = lab.folder / "submitted" / student / ASSIGNMENT
        target.mkdir(parents=True)
        nbformat.write(notebook, target / f"{ASSIGNMENT}.ipynb")
        results[student] = lab.call(
            "POST", f"/formgrader/api/submission/{ASSIGNMENT}/{student}/autograde"
        )
    submissions = {
        s["student"]: s for s in lab.call("GET", f"/formgrader/api/submissions/{ASSIGNMENT}")
    }
    return release, results, submissions


def test_formgrader_lists_the_course_assignments_without_hand_set_options(lab):
    names = {assignment["name"] for assignment in lab.call("GET", "/formgrader/api/assignments")}
    assert set(written_assignments()) <= names
    assert "Manage Assignments" in lab.call("GET", "/formgrader/manage_assignments")


def test_generate_hides_the_model_answer_and_rubric(graded):
    release, _, _ = graded
    text = json.dumps(release)
    assert "YOUR ANSWER HERE" in text and "Rubric" not in text and "Model answer" not in text


def test_formgrader_autograde_gives_the_course_grades(graded):
    _, results, submissions = graded
    for student, result in results.items():
        assert result["success"], (student, result.get("error"), result.get("log"))
    points = hidden_points(ASSIGNMENT)
    full = sum(points.values())
    expected = {
        "blank": 0.0,
        "wrong": full - sum(points[c] for c in WRONG.failing_checks),
        "correct": full,
    }
    assert {s: submissions[s]["score"] for s in expected} == expected
    assert {s["max_score"] for s in submissions.values()} == {
        full + manual_points(ASSIGNMENT) + WRITTEN_ANSWER_POINTS
    }  # the notebook's and this test's
    assert (
        submissions["correct"]["needs_manual_grade"] and submissions["wrong"]["needs_manual_grade"]
    )
    assert not submissions["blank"]["needs_manual_grade"]  # an unanswered question scores zero


def test_the_learners_written_answer_survives_restore(lab, graded):
    autograded = nbformat.read(
        lab.folder / "autograded" / "correct" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4
    )
    assert cells_by_id(autograded)[WRITTEN_ANSWER_ID].source == CORRECT_WRITTEN


def test_a_hand_grade_in_formgrader_reaches_the_export(lab, graded):
    _, _, submissions = graded
    notebooks = lab.call("GET", f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")
    notebook_id = next(n["id"] for n in notebooks if n["student"] == "correct")
    grades = lab.call("GET", f"/formgrader/api/grades?submission_id={notebook_id}")
    written = next(g for g in grades if g["name"] == WRITTEN_ANSWER_ID)
    assert written["needs_manual_grade"] and written["max_score"] == WRITTEN_ANSWER_POINTS
    updated = lab.call(
        "PUT", f"/formgrader/api/grade/{written['id']}", {"manual_score": WRITTEN_ANSWER_POINTS}
    )
    assert updated["manual_score"] == WRITTEN_ANSWER_POINTS and not updated["needs_manual_grade"]
    destination = lab.root / "grades.csv"
    completed = run_grader("--grading-folder", str(lab.folder), "export", "--to", str(destination))
    assert completed.returncode == 0, completed.stderr[-2000:]
    with destination.open() as grades_file:
        rows = {
            row["student_id"]: row
            for row in csv.DictReader(grades_file)
            if row["assignment"] == ASSIGNMENT
        }
    assert (
        float(rows["correct"]["score"]) == submissions["correct"]["score"] + WRITTEN_ANSWER_POINTS
    )


def test_formgraders_feedback_shows_what_awaits_grading_and_what_was_graded(lab, graded):
    """A learner with two written answers, one scored on the Manual Grading page (its API):
    Formgrader's Generate Feedback shows that one's score, the other as awaiting grading, and a
    total of the points graded so far."""
    _, _, submissions = graded
    notebooks = lab.call("GET", f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")
    notebook_id = next(n["id"] for n in notebooks if n["student"] == "wrong")
    grades = lab.call("GET", f"/formgrader/api/grades?submission_id={notebook_id}")
    written = next(g for g in grades if g["name"] == WRITTEN_ANSWER_ID)
    lab.call("PUT", f"/formgrader/api/grade/{written['id']}", {"manual_score": 0.5})
    made = lab.call("POST", f"/formgrader/api/assignment/{ASSIGNMENT}/wrong/generate_feedback")
    assert made["success"], made.get("error") or made.get("log")
    html = (lab.folder / "feedback" / "wrong" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    waiting = manual_points(ASSIGNMENT)  # the notebook's own written answer, not yet graded
    maximum = sum(hidden_points(ASSIGNMENT).values()) + waiting + WRITTEN_ANSWER_POINTS
    assert f"Written response</a> (Score: 0.5 / {WRITTEN_ANSWER_POINTS:.1f})" in html
    assert f"Written response</a> (Score: awaiting grading ({waiting:.1f} points))" in html
    assert (
        f"(Score so far: {submissions['wrong']['score'] + 0.5:.1f} / {maximum:.1f}; "
        f"{waiting:.1f} points awaiting grading)" in html
    )


def test_no_gradebook_outside_the_grading_folder(lab, graded):
    stray = [
        path
        for path in (*REPOSITORY.rglob("gradebook.db"), *lab.root.rglob("gradebook.db"))
        if lab.folder not in path.parents
        and ".venv" not in path.parts
        and "grading"
        not in path.relative_to(REPOSITORY if REPOSITORY in path.parents else lab.root).parts[:1]
    ]
    assert not stray, stray


LEARNER = {"course_id": "rnn-from-scratch", "assignment_id": ASSIGNMENT}


@pytest.fixture(scope="module")
def exchanged(lab, graded):
    """Release (Formgrader), then list, fetch and submit as the learner's Assignments tab does
    (its HTTP API), then Collect and Autograde (Formgrader); the learner is this OS user."""
    query = urllib.parse.urlencode(LEARNER)
    released = lab.call("POST", f"/formgrader/api/assignment/{ASSIGNMENT}/release")
    listed = lab.call("GET", f"/assignments?course_id={LEARNER['course_id']}")
    fetched = lab.call("POST", f"/assignments/fetch?{query}")
    submitted = lab.call("POST", f"/assignments/submit?{query}")
    collected = lab.call("POST", f"/formgrader/api/assignment/{ASSIGNMENT}/collect")
    learner = getpass.getuser()
    autograded = lab.call("POST", f"/formgrader/api/submission/{ASSIGNMENT}/{learner}/autograde")
    submission = lab.call("GET", f"/formgrader/api/submission/{ASSIGNMENT}/{learner}")
    return locals()


def test_release_fetch_submit_collect_and_autograde_through_the_lab(lab, exchanged):
    for step in ("released", "fetched", "submitted", "collected", "autograded"):
        assert exchanged[step]["success"], (step, exchanged[step])
    statuses = {(a["assignment_id"], a["status"]) for a in exchanged["listed"]["value"]}
    assert (ASSIGNMENT, "released") in statuses
    assert (lab.root / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file(), (
        "fetch put nothing in the learner's folder"
    )
    submission = exchanged["submission"]
    assert submission["score"] == 0 and submission["autograded"]  # the untouched release: blank
    assert submission["timestamp"], "the collected submission lost its timestamp"


@pytest.mark.browser
def test_formgrader_in_a_browser(lab, graded, exchanged):
    """Debian's chromium (never a downloaded browser), headless, via Playwright."""
    if not CHROMIUM.exists():
        pytest.skip(
            "chromium is not installed (apt-get install chromium; `python3 course.py "
            "test` does it when run as root)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{lab.url}/formgrader?token={lab.token}")
            page.wait_for_selector(f"text={ASSIGNMENT}", timeout=60_000)
            for name in written_assignments():
                assert page.locator(f"text={name}").count() >= 1, name
            page.screenshot(path=str(lab.root / "formgrader-assignments.png"))
            page.goto(f"{lab.url}/formgrader/manage_submissions/{ASSIGNMENT}")
            page.wait_for_selector("text=correct", timeout=60_000)
            page.screenshot(path=str(lab.root / "formgrader-submissions.png"))
            body = page.inner_text("body")
            assert "correct" in body and "wrong" in body and "blank" in body
            # The learner's side: JupyterLab's Nbgrader menu, Assignment List.
            page.goto(f"{lab.url}/lab")
            page.get_by_text("Nbgrader", exact=True).click()
            page.get_by_text("Assignment List", exact=True).click()
            page.wait_for_selector("text=Submitted assignments", timeout=60_000)
            page.wait_for_selector(f".list_item >> text={ASSIGNMENT}", timeout=60_000)
            page.screenshot(path=str(lab.root / "lab-assignments-tab.png"))
            tab = page.inner_text("body")
            assert "Downloaded assignments" in tab and ASSIGNMENT in tab
            assert "could not be created" not in tab, "the Assignments tab sees no exchange"
        finally:
            browser.close()


def test_formgraders_release_button_refuses_a_notebook_that_gives_away_open_answers(lab):
    """03 provides 02's answers and 02 has no past due date here: Formgrader's Release button
    (nbgrader's release through the course's CourseReleaseAssignment) refuses, and nothing of
    03 reaches the exchange."""
    later = "03_bptt"
    generated = lab.call("POST", f"/formgrader/api/assignment/{later}/assign")  # Generate
    assert generated["success"], generated
    released = lab.call("POST", f"/formgrader/api/assignment/{later}/release")
    assert not released["success"]
    assert "not closed" in json.dumps(released)
    assert not list((lab.root / "exchange").glob(f"*/outbound/{later}"))
