"""The hub path with two learner Unix accounts on a real filesystem exchange, as root.

The instructor (root) prepares the grading folder and releases notebook 01 into an exchange
folder; two learners, each a Unix user of their own with their own HOME and a plain PATH, fetch
it, answer it (one correctly, one not) and submit with nbgrader's own commands. The instructor
collects, grades with `python -m grader autograde`, writes feedback with `python -m grader
feedback` and releases it with `nbgrader release_feedback`; each learner's `nbgrader
fetch_feedback` then gets their own feedback page and not the other's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import nbformat
import pytest

from grader.layout import COURSE_ID
from grader.system_tools import require_system_tool
from submissions import wrong as wrong_submissions
from submissions.wrong.feedforward_limits import WRONG_SUBMISSIONS
from tests.grading.harness import (
    answers,
    run_grader_process,
    run_nbgrader,
    solution_notebook,
    write_answers,
)

pytestmark = pytest.mark.sandbox

ASSIGNMENT = "01_feedforward_limits"
WRONG = next(w for w in WRONG_SUBMISSIONS if w.name == "softmax_without_max_subtraction")


def _ok(completed: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-3000:]
    return completed


@pytest.fixture
def learners():
    if os.geteuid() != 0:
        pytest.skip("creating learner accounts needs root (CI runs the tests as root)")
    names = [f"rnnl{uuid.uuid4().hex[:8]}" for _ in range(2)]
    root = Path(tempfile.mkdtemp(prefix="rnn-course-hub-"))
    root.chmod(0o755)
    try:
        for name in names:
            _ok(
                subprocess.run(
                    [
                        require_system_tool("useradd", "passwd"),
                        "--no-create-home",
                        "--home-dir",
                        str(root / "home" / name),
                        name,
                    ],
                    capture_output=True,
                    text=True,
                )
            )
        yield root, names
    finally:
        for name in names:
            subprocess.run([require_system_tool("userdel", "passwd"), name], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _as_learner(name: str, home: Path, *args: str) -> subprocess.CompletedProcess:
    environment = [
        "env",
        "-i",
        f"HOME={home}",
        f"USER={name}",
        f"PATH={Path(sys.executable).parent}:/usr/bin:/bin",
    ]
    return subprocess.run(
        [
            require_system_tool("runuser", "util-linux"),
            "-u",
            name,
            "--",
            *environment,
            sys.executable,
            "-m",
            "nbgrader",
            *args,
        ],
        cwd=home,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_two_learner_accounts_each_fetch_their_own_feedback(learners):
    root, names = learners
    folder, exchange = root / "grading", root / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    where = f"--Exchange.root={exchange}"
    _ok(run_grader_process("--grading-folder", str(folder), "prepare"))
    _ok(run_nbgrader("release_assignment", ASSIGNMENT, where, cwd=folder))
    solution = solution_notebook(ASSIGNMENT)
    work = {
        names[0]: answers(solution),
        names[1]: answers(wrong_submissions.build(solution, WRONG)),
    }
    for name in names:
        home = root / "home" / name
        home.mkdir(parents=True)
        shutil.chown(home, name, name)
        learner = (ASSIGNMENT, "--course", COURSE_ID, where)
        _ok(_as_learner(name, home, "fetch_assignment", *learner))
        write_answers(home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", work[name])
        _ok(_as_learner(name, home, "submit", *learner))
    # the second learner also submits under the first one's name, dated later
    own = next((exchange / COURSE_ID / "inbound").glob(f"{names[1]}+{ASSIGNMENT}+*"))
    forged = own.with_name(f"{names[0]}+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC+forged")
    _ok(
        subprocess.run(
            [
                require_system_tool("runuser", "util-linux"),
                "-u",
                names[1],
                "--",
                "/bin/cp",
                "-r",
                str(own),
                str(forged),
            ],
            capture_output=True,
            text=True,
        )
    )
    _ok(run_nbgrader("collect", ASSIGNMENT, where, cwd=folder))
    collected = folder / "submitted" / names[0] / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert answers(nbformat.read(collected, as_version=4)) == work[names[0]], (
        "a learner's forged folder replaced another learner's submission"
    )
    graded = _ok(
        run_grader_process("--grading-folder", str(folder), "--jobs", "1", "autograde", ASSIGNMENT)
    )
    assert f"graded 2 submissions of {ASSIGNMENT}" in graded.stdout
    _ok(run_grader_process("--grading-folder", str(folder), "feedback", ASSIGNMENT))
    _ok(run_nbgrader("release_feedback", ASSIGNMENT, where, cwd=folder))
    pages = {}
    for name in names:
        home = root / "home" / name
        _ok(_as_learner(name, home, "fetch_feedback", ASSIGNMENT, "--course", COURSE_ID, where))
        fetched = sorted(home.glob(f"{ASSIGNMENT}/feedback/*/{ASSIGNMENT}.html"))
        assert len(fetched) == 1, f"{name} fetched {fetched}"
        own = folder / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert fetched[0].read_bytes() == own.read_bytes(), f"{name} did not get their own page"
        pages[name] = fetched[0].read_bytes()
    assert pages[names[0]] != pages[names[1]]
