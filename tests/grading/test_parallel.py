"""The lock that serialises gradebook sessions across grading workers (grader/parallel.py).

Parallel grading itself (same grades and faults as serial) is tested end to end in
test_grading_paths.py, test_exchange.py and test_postgres.py; here, the mechanism: the lock is
exclusive between processes, re-entrant within one, and every nbgrader Gradebook holds it from
opening to closing.
"""
from __future__ import annotations

import multiprocessing
import time

from nbgrader.api import Gradebook

from grader.gradebook_schema import use_in_process_alembic_head
from grader.parallel import GradebookLock, serialise_gradebook_sessions


def _hold(path, seconds, started):
    lock = GradebookLock(path)
    lock.acquire()
    started.set()
    time.sleep(seconds)
    lock.release()


def test_the_lock_is_exclusive_between_processes_and_reentrant_within_one(tmp_path):
    path = tmp_path / ".gradebook.lock"
    context = multiprocessing.get_context("fork")   # nothing but the lock in the child
    started = context.Event()
    holder = context.Process(target=_hold, args=(path, 1.5, started))
    holder.start()
    assert started.wait(60)
    lock = GradebookLock(path)
    waited = time.perf_counter()
    lock.acquire()
    waited = time.perf_counter() - waited
    lock.acquire()          # re-entrant
    lock.release()
    assert lock.depth == 1 and lock.descriptor is not None
    lock.release()
    assert lock.depth == 0 and lock.descriptor is None
    holder.join(60)
    assert waited > 0.5, f"acquired after {waited:.2f} s while another process held the lock"


def test_every_gradebook_session_holds_the_lock(tmp_path):
    use_in_process_alembic_head()
    lock = GradebookLock(tmp_path / ".gradebook.lock")
    serialise_gradebook_sessions(lock)
    try:
        with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
            assert lock.depth == 1
            with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}"):   # nested: same process
                assert lock.depth == 2
            gradebook.update_or_create_student("s1")
        assert lock.depth == 0
    finally:
        serialise_gradebook_sessions(None)   # later tests in this process: no lock
