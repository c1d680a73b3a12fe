"""The shared gradebook's lock belongs to that gradebook: a process that was set up for a
PostgreSQL gradebook and then opens another (a grading folder's SQLite file) never waits for, or
connects to, the PostgreSQL server (it may be gone)."""

from __future__ import annotations

from nbgrader.api import Gradebook

from grader.gradebook_schema import locks, share_database_sessions, use_in_process_alembic_head


def test_opening_another_gradebook_takes_no_lock_of_the_shared_one(tmp_path, monkeypatch):
    use_in_process_alembic_head()
    monkeypatch.setitem(locks(), "database", None)
    share_database_sessions("postgresql+psycopg://nobody@/gone?host=/nonexistent-socket-folder")
    lock = locks()["database"]
    taken = []
    monkeypatch.setattr(lock, "acquire", lambda: taken.append("acquire"))
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "course") as gradebook:
        gradebook.add_student("ada")
    assert taken == [] and locks()["database"] is lock
