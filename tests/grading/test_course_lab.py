"""Formgrader in the lab that `python3 course.py lab` opens, taken the way a new instructor takes it.

The test copies the course as a fresh clone has it (the files git knows, this worktree's .venv
linked in, no grading folder), gives a new user's environment (an empty HOME holding only the
exchange's nbgrader_config.py, a plain PATH without .venv/bin or /usr/sbin), and starts
`python3 course.py lab` itself on a free port with a token passed through its extra arguments,
as the user running the tests (root in CI: course.py adds --allow-root). It is not run as a
second account: the clone shares this worktree's .venv, which another account may not be able to
use (a venv made with root's own Python under /root runs, for anyone else, another Python).
Then headless Chromium (Debian's, via Playwright) does what the instructor does, by Formgrader's
buttons: list the assignments, Generate, Release, Autograde two submissions placed as `nbgrader
collect` leaves them (an honest learner, and one whose written answer carries scripts), Manual
Grading with a hand grade, Generate Feedback. It checks that:
- the lab's root is the course folder, the lab opens on notebooks/, and nbgrader has no complaint;
- no Formgrader page says "the formgrader encountered an error";
- the grades are the course's (full autograded points for the honest learner, plus the hand grade;
  zero for the other);
- MathJax, served by the lab itself, typesets the formulas of Manual Grading (no CDN, no
  "MathJax is not defined", no raw `$...$` left);
- the planted scripts never run, in Manual Grading or in the submission view reached from Manage
  Students: no request reaches a listener on 127.0.0.1, the title and a global stay unchanged;
  and the answer's text, tags included, is readable on the page;
- Generate Feedback's pages are the course's: the ungraded written answer shows "awaiting
  grading", the hand-graded one its score.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import nbformat
import pytest

import course
from grader.layout import REPOSITORY
from tests.grading.harness import (
    answers,
    cells_by_id,
    free_port,
    hidden_points,
    solution_notebook,
    wait_for_jupyter,
)

ASSIGNMENT = "01_feedforward_limits"
WRITTEN = "written_windows"  # the notebook's own written answer, graded by hand
WRITTEN_POINTS = 2
CHROMIUM = Path("/usr/bin/chromium")
PLAIN_PATH = "/usr/local/bin:/usr/bin:/bin"
ERROR_PAGE = "formgrader encountered an error"
HONEST_ANSWER = (
    "Longer windows see more of the past: the loss fell below the memoryless floor "
    "$H(X_t)$ for every $w \\ge 2$, but each extra character adds $V \\cdot H$ weights."
)
HONEST_FORMULA = "$w \\ge 2$"
HOSTILE_TEXT = "Windows help because they remember."


def hostile_answer(listener: str) -> str:
    """A written answer whose HTML, if it ever ran, would leave three marks."""
    return "\n".join(
        [
            HOSTILE_TEXT + " $x^2$",
            f'<script>document.title = "pwned"; window.pwned = 1; fetch("{listener}/script");</script>',
            f'<img src="x" onerror="window.pwned = 2; fetch(\'{listener}/img\')">',
            f"<svg onload=\"window.pwned = 3; fetch('{listener}/svg')\"></svg>",
            '<iframe src="javascript:parent.pwned = 4"></iframe>',
        ]
    )  # Markdown images (shown verbatim, never loaded): test_instructor_views.py


class Listener(http.server.ThreadingHTTPServer):
    """Records every path requested from it (the planted scripts' mark)."""

    def __init__(self):
        self.paths: list[str] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                listener.paths.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def fresh_clone(target: Path) -> Path:
    """The course as a clone has it: the files git knows (committed or not), the venv linked."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPOSITORY / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(REPOSITORY / ".venv", target_is_directory=True)
    return target


def new_instructor_environment(home: Path, exchange: Path) -> dict[str, str]:
    """An empty HOME but for the exchange (Release needs one: JUPYTERHUB.md), a plain PATH."""
    (home / ".jupyter").mkdir(parents=True)
    (home / ".jupyter" / "nbgrader_config.py").write_text(f"c.Exchange.root = {str(exchange)!r}\n")
    exchange.mkdir()
    exchange.chmod(0o777)
    return {"HOME": str(home), "PATH": PLAIN_PATH, "LANG": "C.UTF-8"}


class CourseLab:
    def __init__(self, url: str, token: str, clone: Path, log: Path):
        self.url, self.token, self.clone, self.log = url, token, clone, log
        self.folder = clone / "grading"
        self.exchange = clone.parent / "exchange"

    def get(self, path: str):
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip().startswith(("{", "[")) else text


@pytest.fixture(scope="module")
def course_lab(tmp_path_factory):
    # The clone shares this .venv: it must find it installed, or it would reinstall the course
    # kit from the clone (`pip install -e`), which is deleted after the test.
    assert course.is_installed(course.REQUIREMENTS["lab"]), (
        "run the tests with `python3 course.py test`"
    )
    base = tmp_path_factory.mktemp("course-lab")
    clone = fresh_clone(base / "rnn-course")
    env = new_instructor_environment(base / "home", base / "exchange")
    python3 = shutil.which("python3", path=PLAIN_PATH)
    port, token, log = free_port(), secrets.token_hex(16), base / "lab.log"
    with log.open("w") as output:
        launcher = subprocess.Popen(
            [
                python3,
                "course.py",
                "lab",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
            ],
            cwd=clone,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    lab = CourseLab(f"http://127.0.0.1:{port}", token, clone, log)
    try:
        wait_for_jupyter(lab.url, token, launcher, log, timeout=600)
        yield lab
    finally:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGTERM)
            try:
                launcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()


def test_the_lab_serves_the_course_folder_and_opens_on_the_notebooks(course_lab):
    names = {item["name"] for item in course_lab.get("/api/contents/")["content"]}
    assert {"notebooks", "grading", "solutions"} <= names, names
    page = course_lab.get("/lab")
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S)[1])
    assert config["preferredPath"].strip("/") == "notebooks", config["preferredPath"]
    assert "not a subdirectory of the notebook server root" not in course_lab.log.read_text()


def place_submission(lab: CourseLab, student: str, written: str, code: dict[str, str]) -> None:
    """A submission where `nbgrader collect` leaves it: grading/submitted/<student>/<assignment>/."""
    release = nbformat.read(lab.folder / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    cells = cells_by_id(release)
    cells[WRITTEN].source = written
    for grade_id, source in code.items():
        cells[grade_id].source = source
    target = lab.folder / "submitted" / student / ASSIGNMENT
    target.mkdir(parents=True)
    nbformat.write(release, target / f"{ASSIGNMENT}.ipynb")


def click_and_expect_success(page, row_text: str, column: str, what: str) -> None:
    page.locator(f"tr:has-text('{row_text}') td.{column} a").first.click()
    modal = page.locator("#success-modal, #error-modal")
    modal.wait_for(timeout=900_000)
    text = modal.inner_text()
    assert page.locator("#success-modal").count() == 1, f"{what} failed:\n{text[-3000:]}"
    modal.locator("button.close").last.click()
    modal.wait_for(state="detached", timeout=30_000)


def open_manual_grading(page, lab: CourseLab, student: str) -> None:
    """Manual Grading → the assignment → the notebook → the student's submission (the list shows
    "Submission #n"; the link is found by the submission's id from Formgrader's API)."""
    ids = {
        n["student"]: n["id"]
        for n in lab.get(f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")
    }
    page.goto(f"{lab.url}/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
    link = page.locator(f"a.name-hidden[href$='/formgrader/submissions/{ids[student]}']")
    link.wait_for(timeout=60_000)
    assert ERROR_PAGE not in page.inner_text("body")
    link.click()
    page.wait_for_load_state()
    assert ERROR_PAGE not in page.content(), lab.log.read_text()[-3000:]
    page.wait_for_selector(f"input#{WRITTEN}", timeout=60_000)


def wait_for_mathjax(page) -> None:
    page.wait_for_function("window.MathJax && MathJax.loaded === true", timeout=120_000)


@pytest.mark.browser
@pytest.mark.sandbox
def test_formgrader_from_course_py_lab_in_a_browser(course_lab):
    if not CHROMIUM.exists():
        pytest.fail(
            "chromium is not installed (apt-get install chromium; `python3 course.py "
            "test` does it when run as root)"
        )
    from playwright.sync_api import sync_playwright

    lab = course_lab
    listener = Listener()
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    solution = solution_notebook(ASSIGNMENT)
    code_answers = {
        grade_id: source
        for grade_id, source in answers(solution).items()
        if cells_by_id(solution)[grade_id].cell_type == "code"
    }
    console, requests = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.on(
                    "console", lambda message: console.append(f"{message.type}: {message.text}")
                )
                page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
                page.on("request", lambda request: requests.append(request.url))
                page.set_default_timeout(120_000)

                # List: every written assignment, no error page.
                page.goto(f"{lab.url}/formgrader?token={lab.token}")
                assert ERROR_PAGE not in page.content()
                page.wait_for_selector(f"tr:has-text('{ASSIGNMENT}') td.assign a", timeout=120_000)
                assert ERROR_PAGE not in page.inner_text("body")
                # Generate, then Release (to the exchange of the instructor's nbgrader_config.py).
                click_and_expect_success(page, ASSIGNMENT, "assign", "Generate")
                assert (lab.folder / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
                page.wait_for_selector(f"tr:has-text('{ASSIGNMENT}') td.release a")
                click_and_expect_success(page, ASSIGNMENT, "release", "Release")
                assert list(lab.exchange.rglob(f"{ASSIGNMENT}.ipynb")), "nothing in the exchange"

                # Two submissions where collect leaves them; Autograde by the button.
                place_submission(lab, "ada", HONEST_ANSWER, code_answers)
                place_submission(lab, "mallory", hostile_answer(listener.url), {})
                page.goto(f"{lab.url}/formgrader/manage_submissions/{ASSIGNMENT}")
                for student in ("ada", "mallory"):
                    page.wait_for_selector(f"tr:has-text('{student}') td.autograde a")
                    click_and_expect_success(page, student, "autograde", f"Autograde {student}")
                assert ERROR_PAGE not in page.inner_text("body")

                # Manual Grading of the honest answer: MathJax typesets, the hand grade is saved.
                open_manual_grading(page, lab, "ada")
                wait_for_mathjax(page)
                _photograph_answer(page, lab, "ada")
                body = page.inner_text("body")
                assert ERROR_PAGE not in body
                assert page.locator(".MathJax, .MathJax_Display, .MathJax_CHTML").count() > 0
                assert HONEST_FORMULA not in body and "$H(X_t)$" not in body, (
                    "raw LaTeX on the page"
                )
                assert "Longer windows see more of the past" in body
                score = page.locator(f"input#{WRITTEN}")
                score.fill(str(WRITTEN_POINTS))
                score.press("Enter")
                page.wait_for_function(
                    f"document.querySelector('input#{WRITTEN}').value === '{WRITTEN_POINTS}'"
                )

                # Manual Grading of the hostile answer: text on the page, nothing ran.
                open_manual_grading(page, lab, "mallory")
                wait_for_mathjax(page)
                page.wait_for_timeout(2000)  # time for an onerror or a fetch to land
                _photograph_answer(page, lab, "mallory")
                _assert_shown_as_text(page, listener)

                # The submission view reached from Manage Students.
                page.goto(f"{lab.url}/formgrader/manage_students/mallory/{ASSIGNMENT}")
                page.locator("a[href*='/formgrader/submissions/']").first.click()
                page.wait_for_selector(f"#{WRITTEN}")
                wait_for_mathjax(page)
                page.wait_for_timeout(2000)
                _assert_shown_as_text(page, listener)

                # Generate Feedback by the button.
                page.goto(f"{lab.url}/formgrader/manage_assignments")
                page.wait_for_selector(f"tr:has-text('{ASSIGNMENT}') td.generate-feedback a")
                click_and_expect_success(page, ASSIGNMENT, "generate-feedback", "Generate Feedback")
            finally:
                browser.close()
    finally:
        listener.shutdown()
        listener.server_close()

    # The grades are the course's: the honest learner full autograded marks plus the hand grade.
    submissions = {s["student"]: s for s in lab.get(f"/formgrader/api/submissions/{ASSIGNMENT}")}
    full = sum(hidden_points(ASSIGNMENT).values())
    assert submissions["ada"]["score"] == full + WRITTEN_POINTS, submissions["ada"]
    assert submissions["mallory"]["score"] == 0, submissions["mallory"]
    for student in ("ada", "mallory"):
        assert (lab.folder / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file()
    # The learner's feedback shows the answer as typed, as text.
    feedback = (lab.folder / "feedback" / "mallory" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "&lt;script&gt;document.title" in feedback and "<script>document.title" not in feedback
    assert "&amp;lt;" not in feedback, "the feedback shows entities, not what the learner typed"
    # The button's feedback is the course's: an answer no one has graded says so (not a 0), and
    # one graded by hand shows its score.
    assert "(Score: awaiting grading (" in feedback
    graded = (lab.folder / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "(Score: awaiting grading (" not in graded
    # MathJax came from the lab, nothing from outside; it never failed to load.
    outside = [url for url in requests if not url.startswith((lab.url, "data:", "about:"))]
    assert not outside, outside
    assert not [
        line for line in console if "MathJax is not defined" in line or "ReferenceError" in line
    ], console
    assert ERROR_PAGE not in lab.log.read_text()


def _photograph_answer(page, lab: CourseLab, student: str) -> None:
    answer = page.locator(f".nbgrader_cell:has(input#{WRITTEN})")
    answer.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    answer.screenshot(path=str(lab.clone.parent / f"manual-grading-{student}-answer.png"))


def _assert_shown_as_text(page, listener: Listener) -> None:
    body = page.inner_text("body")
    assert ERROR_PAGE not in body
    assert not listener.paths, f"the planted answer reached the listener: {listener.paths}"
    assert page.title() != "pwned"
    assert page.evaluate("typeof window.pwned") == "undefined"
    for frame in page.frames:
        assert frame.evaluate("typeof window.pwned") == "undefined"
    assert HOSTILE_TEXT in body, "the written answer is not readable"
    assert "$x^2$" not in body, "the answer's formula was not typeset"
    assert "<script>" in body and "onerror" in body, "the answer's tags are not shown as text"
    assert page.locator("#notebook script:not([type^='math/'])").count() == 0
    assert (
        page.locator("#notebook img[src='x'], #notebook svg[onload], #notebook iframe").count() == 0
    )
