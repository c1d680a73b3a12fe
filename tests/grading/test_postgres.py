"""A shared gradebook on PostgreSQL (what a hub with several graders uses), with a real server.

The test starts its own PostgreSQL server (initdb and pg_ctl as the unprivileged `postgres` user,
in a temporary folder, listening only on a Unix socket), grades notebook 01 into it with
`python -m grader --db-url postgresql+psycopg://...` using two workers, and reads the grades back
from PostgreSQL. Skipped, saying so, only where PostgreSQL is not installed (`python3 course.py
test` installs it when run as root).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest

from grader.course import NOTEBOOKS, GradingSettings
from grader.grading import read_scores
from grader.system_tools import require_system_tool
from tests.grading.harness import free_port, grade, hidden_points, solution_notebook, totals

ASSIGNMENT = "01_feedforward_limits"
SERVER_USER = "postgres"


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="module")
def postgres_url():
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; `python3 course.py "
                    "test` does it when run as root)")
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        pytest.skip(f"PostgreSQL is installed but its user {SERVER_USER!r} is missing")
    # runuser is in /usr/sbin, which a plain user's PATH lacks: by its absolute path.
    as_user = ([require_system_tool("runuser", "util-linux"), "-u", SERVER_USER, "--"]
               if os.geteuid() == 0 else [])
    home = Path(tempfile.mkdtemp(prefix="rnn-course-postgres-"))
    os.chown(home, user.pw_uid, user.pw_gid)
    data, sockets, port = home / "data", home / "sockets", free_port()
    sockets.mkdir()
    os.chown(sockets, user.pw_uid, user.pw_gid)
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", SERVER_USER,
                    "--auth=trust"], **run)
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(home / "log"),
                    "-w", "-o", f"-k {sockets} -p {port} -c listen_addresses=''", "start"], **run)
    try:
        subprocess.run([*as_user, str(bin_dir / "createdb"), "-h", str(sockets), "-p", str(port),
                        "-U", SERVER_USER, "gradebook"], **run)
        yield f"postgresql+psycopg://{SERVER_USER}@/gradebook?host={sockets}&port={port}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                        "stop"], capture_output=True, timeout=120)
        shutil.rmtree(home, ignore_errors=True)


def test_grading_into_a_postgresql_gradebook(postgres_url, tmp_path):
    notebooks = {"blank": nbformat.read(NOTEBOOKS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4),
                 "correct": solution_notebook(ASSIGNMENT)}
    scores, faults = grade(tmp_path, ASSIGNMENT, notebooks, "--jobs", "2", db_url=postgres_url)
    full = sum(hidden_points(ASSIGNMENT).values())
    assert totals(scores) == {"blank": 0.0, "correct": full}, faults
    assert not (tmp_path / "grading" / "gradebook.db").exists(), "graded into SQLite instead"
    again = read_scores(GradingSettings(folder=tmp_path / "elsewhere", db_url=postgres_url),
                        ASSIGNMENT)
    assert totals(again) == totals(scores)  # another grader reading the shared gradebook
