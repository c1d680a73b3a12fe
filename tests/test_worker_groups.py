"""Which tests share a worker under `python3 course.py test` (tests/conftest.py's groups).

Collected here in-process, and read the way pytest-xdist's loadgroup scheduler reads them: the
tests of one assignment's grading run in test_pipeline.py form one group, each assignment's
another, and a test that shares nothing is scheduled on its own.
"""
from __future__ import annotations

import pytest
from xdist.scheduler.loadgroup import LoadGroupScheduling

from grader.course import written_assignments


class Collected:
    def __init__(self):
        self.items = []

    def pytest_collection_finish(self, session):
        self.items = list(session.items)


def _scopes(*paths: str) -> dict[str, str]:
    """Test id -> the scope xdist's loadgroup scheduler gives it (its group, or its own id)."""
    collected = Collected()
    assert pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *paths],
                       plugins=[collected]) == 0
    scopes = {}
    for item in collected.items:
        groups = [mark.args[0] for mark in item.iter_markers("xdist_group")]
        nodeid = f"{item.nodeid}@{groups[0]}" if groups else item.nodeid
        scopes[item.nodeid] = LoadGroupScheduling._split_scope(None, nodeid)
    return scopes


def test_each_grading_run_is_one_group_and_other_tests_go_alone():
    scopes = _scopes("tests/grading/test_pipeline.py", "tests/reference/test_encoding.py")
    module = "tests/grading/test_pipeline.py::"
    by_assignment = {assignment: {scope for nodeid, scope in scopes.items()
                                  if nodeid.startswith(module) and f"[{assignment}]" in nodeid}
                     for assignment in written_assignments()}
    assert all(len(groups) == 1 for groups in by_assignment.values()), by_assignment
    assert len({next(iter(groups)) for groups in by_assignment.values()}) == len(by_assignment)
    alone = [nodeid for nodeid in scopes if nodeid.startswith("tests/reference/")]
    assert alone and all(scopes[nodeid] == nodeid for nodeid in alone)
