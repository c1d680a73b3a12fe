"""A shared gradebook on PostgreSQL (what a hub with several graders uses), with a real server.

The test starts its own PostgreSQL server (initdb and pg_ctl as the unprivileged `postgres` user,
in a temporary folder, listening only on a Unix socket), grades notebook 01 into it with
`python -m grader --db-url postgresql+psycopg://...` using two workers, and reads the grades back
from PostgreSQL. Two graders started together on a fresh database both finish, and each one's
report counts its own students only. Skipped, saying so, only where PostgreSQL is not installed (`python3 course.py
test` installs it when run as root).
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from traitlets.config import Config

from grader.grading import read_scores
from grader.layout import COURSE_ID, NOTEBOOKS, REPOSITORY
from grader.nbgrader_setup import configure
from grader.settings import GradingSettings
from grader.system_tools import require_system_tool
from tests.grading.harness import (
    free_port,
    grade,
    hidden_points,
    solution_notebook,
    totals,
    write_submissions,
)

pytestmark = pytest.mark.postgres

ASSIGNMENT = "01_feedforward_limits"
SERVER_USER = "postgres"


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Server:
    """A PostgreSQL server of the test's own; `database(name)` creates a fresh database and gives
    its URL."""

    def __init__(self, bin_dir: Path, as_user: list[str], sockets: Path, port: int):
        self.bin_dir, self.as_user, self.sockets, self.port = bin_dir, as_user, sockets, port

    def database(self, name: str) -> str:
        subprocess.run(
            [
                *self.as_user,
                str(self.bin_dir / "createdb"),
                "-h",
                str(self.sockets),
                "-p",
                str(self.port),
                "-U",
                SERVER_USER,
                name,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return f"postgresql+psycopg://{SERVER_USER}@/{name}?host={self.sockets}&port={self.port}"


@pytest.fixture(scope="module")
def postgres():
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (apt-get install postgresql; `python3 course.py "
            "test` does it when run as root)"
        )
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        pytest.skip(f"PostgreSQL is installed but its user {SERVER_USER!r} is missing")
    # runuser is in /usr/sbin, which a plain user's PATH lacks: by its absolute path.
    as_user = (
        [require_system_tool("runuser", "util-linux"), "-u", SERVER_USER, "--"]
        if os.geteuid() == 0
        else []
    )
    home = Path(tempfile.mkdtemp(prefix="rnn-course-postgres-"))
    os.chown(home, user.pw_uid, user.pw_gid)
    data, sockets, port = home / "data", home / "sockets", free_port()
    sockets.mkdir()
    os.chown(sockets, user.pw_uid, user.pw_gid)
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", SERVER_USER, "--auth=trust"],
        **run,
    )
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(home / "log"),
            "-w",
            "-o",
            f"-k {sockets} -p {port} -c listen_addresses=''",
            "start",
        ],
        **run,
    )
    try:
        yield Server(bin_dir, as_user, sockets, port)
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_url(postgres):
    return postgres.database("gradebook")


@pytest.mark.sandbox
def test_grading_into_a_postgresql_gradebook(postgres_url, tmp_path):
    notebooks = {
        "blank": nbformat.read(NOTEBOOKS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4),
        "correct": solution_notebook(ASSIGNMENT),
    }
    scores, faults = grade(tmp_path, ASSIGNMENT, notebooks, "--jobs", "2", db_url=postgres_url)
    full = sum(hidden_points(ASSIGNMENT).values())
    assert totals(scores) == {"blank": 0.0, "correct": full}, faults
    assert not (tmp_path / "grading" / "gradebook.db").exists(), "graded into SQLite instead"
    again = read_scores(
        GradingSettings(folder=tmp_path / "elsewhere", db_url=postgres_url), ASSIGNMENT
    )
    assert totals(again) == totals(scores)  # another grader reading the shared gradebook


def test_two_graders_started_together_on_a_fresh_database(postgres, tmp_path):
    """Two grading servers, each with its own grading folder and its own students, started at
    the same moment on an empty gradebook: both finish, each report counts its own students, and
    the gradebook holds all of them with their grades."""
    url = postgres.database("together")
    correct = solution_notebook(ASSIGNMENT)
    blank = nbformat.read(NOTEBOOKS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    students = {"first": {"ann": correct, "abe": blank}, "second": {"ben": correct, "bea": blank}}
    commands = []
    for grader, notebooks in students.items():
        submissions = write_submissions(tmp_path / grader / "submissions", ASSIGNMENT, notebooks)
        commands.append(
            [
                sys.executable,
                "-m",
                "grader",
                "--grading-folder",
                str(tmp_path / grader / "grading"),
                "--db-url",
                url,
                "--jobs",
                "1",
                "autograde",
                ASSIGNMENT,
                str(submissions),
            ]
        )
    graders = [
        subprocess.Popen(
            command, cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for command in commands
    ]
    outputs = [grader.communicate(timeout=1800) for grader in graders]
    for grader, (stdout, stderr) in zip(graders, outputs):
        assert grader.returncode == 0, stderr[-3000:]
        assert f"graded 2 submissions of {ASSIGNMENT}" in stdout, stdout
    for (_grader, notebooks), (stdout, _) in zip(students.items(), outputs):
        report = Path(stdout.split("report: ")[1].split()[0]).read_text()
        rows = {
            line.split(" | ")[0]
            for line in report.splitlines()[3:]
            if " | " in line and not line.startswith(("Faults", "student"))
        }
        assert rows == set(notebooks), report  # this grader's students, no one else's
    full = sum(hidden_points(ASSIGNMENT).values())
    scores = read_scores(GradingSettings(folder=tmp_path / "reader", db_url=url), ASSIGNMENT)
    assert totals(scores) == {"ann": full, "abe": 0.0, "ben": full, "bea": 0.0}


def _open_at_once(url: str, barrier, errors) -> None:
    try:
        configure(Config(), GradingSettings(folder=Path(tempfile.mkdtemp()), db_url=url))
        barrier.wait(60)
        with Gradebook(url, COURSE_ID) as gradebook:
            gradebook.update_or_create_assignment(ASSIGNMENT)
    except BaseException as error:  # noqa: BLE001 - reported to the parent
        errors.put(f"{type(error).__name__}: {str(error)[:300]}")
        raise


def test_gradebooks_opened_at_the_same_instant_on_an_empty_database(postgres):
    """What two graders' first sessions do: create the schema, the course's row and the
    assignment's row. Four processes released together by a barrier."""
    url = postgres.database("same_instant")
    context = multiprocessing.get_context("fork")
    barrier, errors = context.Barrier(4), context.Queue()
    openers = [context.Process(target=_open_at_once, args=(url, barrier, errors)) for _ in range(4)]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join(300)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert not found and all(opener.exitcode == 0 for opener in openers), found
    with Gradebook(url, COURSE_ID) as gradebook:
        assert [assignment.name for assignment in gradebook.assignments] == [ASSIGNMENT]
