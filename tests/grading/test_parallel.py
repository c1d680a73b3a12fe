"""The lock that serialises gradebook sessions across grading workers (grader/parallel.py).

Parallel grading itself (same grades and faults as serial) is tested end to end in
test_grading_paths.py, test_exchange.py and test_postgres.py; here, the mechanism: the lock is
exclusive between processes, re-entrant within one, and every nbgrader Gradebook holds it from
opening to closing.
"""

from __future__ import annotations

import multiprocessing
import threading

from nbgrader.api import Gradebook

from grader.gradebook_schema import use_in_process_alembic_head
from grader.parallel import GradebookLock, serialise_gradebook_sessions


def _hold(path, started, release):
    lock = GradebookLock(path)
    lock.acquire()
    started.set()
    release.wait(120)
    lock.release()


def test_the_lock_is_exclusive_between_processes_and_reentrant_within_one(tmp_path):
    """The holder keeps the lock until told to let go, so what is checked does not depend on
    how fast a loaded machine runs either process."""
    path = tmp_path / ".gradebook.lock"
    context = multiprocessing.get_context("fork")  # nothing but the lock in the child
    started, release = context.Event(), context.Event()
    holder = context.Process(target=_hold, args=(path, started, release))
    holder.start()
    assert started.wait(60)
    lock = GradebookLock(path)
    acquired = threading.Event()
    waiter = threading.Thread(target=lambda: (lock.acquire(), acquired.set()))
    waiter.start()
    held_off = not acquired.wait(1.0)
    release.set()
    assert acquired.wait(60) and waiter.join(60) is None
    assert held_off, "acquired while another process held the lock"
    lock.acquire()  # re-entrant
    lock.release()
    assert lock.depth == 1 and lock.descriptor is not None
    lock.release()
    assert lock.depth == 0 and lock.descriptor is None
    holder.join(60)


def test_every_gradebook_session_holds_the_lock(tmp_path):
    use_in_process_alembic_head()
    lock = GradebookLock(tmp_path / ".gradebook.lock")
    serialise_gradebook_sessions(lock)
    try:
        with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
            assert lock.depth == 1
            with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}"):  # nested: same process
                assert lock.depth == 2
            gradebook.update_or_create_student("s1")
        assert lock.depth == 0
    finally:
        serialise_gradebook_sessions(None)  # later tests in this process: no lock
