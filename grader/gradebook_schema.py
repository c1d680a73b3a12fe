"""nbgrader's gradebook: its schema version found in-process, and sessions that never meet.

nbgrader stamps a new gradebook with its alembic head by running the `alembic` executable, a
second Python process that takes about five seconds to start here. The head is a fixed property
of the installed nbgrader, so we read it once with alembic's Python API and give nbgrader that.

Locks that keep gradebook sessions from meeting:
- the *folder* lock (grader/parallel.py): the grading workers of one grading folder; each
  `Gradebook` session holds it from opening to closing.
- the *database* lock, for a PostgreSQL gradebook shared by several graders on any machines: a
  PostgreSQL advisory lock, taken on a connection of its own. nbgrader opens a gradebook by "look,
  then create" (the schema, the course's row) and writes an assignment's rows the same way, which
  two graders started together on an empty database both did: the second failed with
  IntegrityError on CREATE TYPE grade_cell_type. Every `Gradebook` holds the lock while it opens
  (`configure` in grader/nbgrader_setup.py installs it for a PostgreSQL URL, so `python -m grader`,
  `nbgrader ...` and Formgrader take it), and `generate` (grader/release.py) holds it while it
  writes an assignment's rows. Not for a whole session: Formgrader keeps one gradebook open for
  as long as it runs. Graders of different students write different rows.
The folder lock is always taken before the database lock.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import nbgrader
import nbgrader.api
from alembic.config import Config
from alembic.script import ScriptDirectory
from nbgrader.api import Gradebook
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

# The advisory lock's key: any fixed 64-bit number, the same for every grader ("rnncours").
ADVISORY_LOCK_KEY = int.from_bytes(b"rnncours", "big") & (2**63 - 1)


@cache
def alembic_head() -> str:
    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


def use_in_process_alembic_head() -> None:
    nbgrader.api.get_alembic_version = alembic_head


class DatabaseLock:
    """A PostgreSQL advisory lock on the gradebook at `url`, shared by every grader of it;
    re-entrant within one process (nested sessions, threads of one server)."""

    def __init__(self, url: str):
        self.url = url
        self.depth = 0
        self._thread_lock = threading.RLock()
        self._engine = None
        self._connection = None

    def acquire(self) -> None:
        self._thread_lock.acquire()
        try:
            if self.depth == 0:
                if self._engine is None:
                    self._engine = create_engine(self.url, poolclass=NullPool)
                connection = self._engine.connect()
                try:
                    connection.execute(
                        text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                    )
                    connection.commit()  # a session-level lock: it outlives the transaction
                except BaseException:
                    connection.close()
                    raise
                self._connection = connection
            self.depth += 1
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        if self.depth == 0:
            return
        self.depth -= 1
        try:
            if self.depth == 0:
                connection, self._connection = self._connection, None
                connection.close()  # the server drops the connection's advisory lock with it
        finally:
            self._thread_lock.release()


def is_shared_database(url: str) -> bool:
    return url.startswith(("postgresql:", "postgresql+", "postgres:"))


def hold_during_sessions(slot: str, lock) -> None:
    """From now on, in this process, every nbgrader `Gradebook` holds `lock` (an object with
    acquire() and release(); None: none): the "folder" lock from opening to closing, the
    "database" lock while it opens."""
    locks()[slot] = lock
    _patch_gradebook()


def share_database_sessions(url: str) -> None:
    """For a shared (PostgreSQL) gradebook at `url`: every gradebook this process opens takes
    the database lock. Nothing for SQLite (one grading folder, the folder lock)."""
    current = locks().get("database")
    if is_shared_database(url) and (current is None or current.url != url):
        hold_during_sessions("database", DatabaseLock(url))


@contextmanager
def database_lock_held(url: str):
    """Hold the database lock of the shared gradebook at `url` (nothing for SQLite)."""
    share_database_sessions(url)
    lock = locks().get("database") if is_shared_database(url) else None
    if lock is None:
        yield
        return
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def locks() -> dict:
    if "_rnn_course_locks" not in Gradebook.__dict__:
        Gradebook._rnn_course_locks = {}
    return Gradebook._rnn_course_locks


def _patch_gradebook() -> None:
    if Gradebook.__dict__.get("_rnn_course_patched"):
        return
    original_init, original_close = Gradebook.__init__, Gradebook.close

    def locked_init(self, *args, **kwargs):
        self._rnn_course_held = None
        try:
            folder = locks().get("folder")
            if folder is not None:
                folder.acquire()
                self._rnn_course_held = folder
            database = locks().get("database")
            opened = args[0] if args else kwargs.get("db_url")
            if database is not None and database.url != opened:
                database = None  # another gradebook (SQLite, say): the shared one's lock is not its
            if database is not None:
                database.acquire()
            try:
                original_init(self, *args, **kwargs)
            finally:
                if database is not None:
                    database.release()
        except BaseException:
            locked_close(self)
            raise

    def locked_close(self):
        try:
            if hasattr(self, "db"):
                original_close(self)
        finally:
            held, self._rnn_course_held = getattr(self, "_rnn_course_held", None), None
            if held is not None:
                held.release()

    Gradebook.__init__ = locked_init
    Gradebook.close = locked_close
    Gradebook._rnn_course_patched = True
