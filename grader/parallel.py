"""Grade several submissions at once: one worker process per core, one gradebook.

Each worker runs nbgrader's autograde for one student at a time, exactly as the serial path does
(same configuration, same preprocessors, same sandbox). The expensive part, running the learner's
notebook in its kernel, happens in parallel; every gradebook session is serialised across the
workers by an exclusive lock on a file in the grading folder, held from the moment nbgrader opens
a `Gradebook` until it closes it. SQLite allows one writer at a time and fails a second one after
a short wait; with the lock no session ever meets another (the sessions take milliseconds, the
notebooks seconds). A PostgreSQL gradebook shared by several graders adds a lock in the database
(grader/gradebook_schema.py).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from .gradebook_schema import hold_during_sessions
from .nbgrader_setup import nbgrader_config
from .settings import GradingSettings

LOCK_NAME = ".gradebook.lock"


def available_cores() -> int:
    """Cores this process may run on (the default number of grading workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class GradebookLock:
    """An exclusive, re-entrant (within one process) lock on `path`, shared by processes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.depth = 0
        self.descriptor: int | None = None

    def acquire(self) -> None:
        if self.depth == 0:
            self.descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.descriptor, fcntl.LOCK_EX)
        self.depth += 1

    def release(self) -> None:
        if self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.descriptor, fcntl.LOCK_UN)
            os.close(self.descriptor)
            self.descriptor = None

    def release_all(self) -> None:
        while self.depth:
            self.release()


def serialise_gradebook_sessions(lock: GradebookLock | None) -> None:
    """From now on, in this process, every nbgrader `Gradebook` holds `lock` from opening to
    closing (None: no lock); see grader/gradebook_schema.py for the order of locks."""
    hold_during_sessions("folder", lock)


# -- the worker processes ---------------------------------------------------------------------
_worker: dict = {}


def start_worker(settings: GradingSettings) -> None:
    """Initialiser of a grading worker process."""
    lock = GradebookLock(settings.folder / LOCK_NAME)
    serialise_gradebook_sessions(lock)
    _worker["lock"] = lock
    _worker["api"] = NbGraderAPI(config=nbgrader_config(settings))


def autograde_in_worker(assignment: str, student: str) -> dict:
    """nbgrader's autograde of one student, in a worker; its result dict."""
    try:
        return autograde_student(_worker["api"], assignment, student)
    finally:
        _worker["lock"].release_all()  # never left held by a session nbgrader forgot to close


def autograde_student(api: NbGraderAPI, assignment: str, student: str) -> dict:
    result = api.autograde(assignment, student, force=True, create=True)
    return {
        "success": bool(result["success"]),
        "detail": ""
        if result["success"]
        else (result.get("error") or result.get("log") or "")[-600:],
    }
