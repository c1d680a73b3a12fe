"""Which worker runs what (pytest-xdist), so that the two workers of `python3 course.py test`
finish together.

- A *unit* of work is a test module (its module-scoped fixtures, such as one graded class, are
  made once, on one worker); or a test class of a module; or, in a module, the tests with the
  same parameter whose id starts with `@` (`pytest.param(a, id=f"@{a}")`). A module whose tests
  share several costly fixtures spreads them over the workers so: test_pipeline grades one
  class per assignment, each with the tests of the parameter `@ASSIGNMENT`.
  (xdist's own `xdist_group` marks are not used: with pytest 9 its `--dist loadgroup` no longer
  sees them and runs every test alone, module fixtures made again on each worker.)
- The costliest units start first (longest processing time first), the costs being the seconds
  each unit took in a whole run, kept in tests/unit_seconds.json; a unit not listed there costs
  DEFAULT_TEST_SECONDS a test, and at least DEFAULT_GRADING_SECONDS in tests/grading/ (most of
  those start kernels or servers). `python -m tests.balance` prints how busy each worker
  was in the last run and, with --write, puts that run's seconds in the file. (Its first
  version holds only estimates: the slowest items of a CI run, rounded up to whole units, and
  40 s for each assignment's notebook runs, each under the 42 s of that run's 15th slowest.)
- A worker is given its next unit only when it starts the last test of its current one (xdist's
  own rule gives it a unit earlier, before it is known which worker is free first).

Every run also records each test's seconds and worker in pytest's cache (RECORD_KEY) and, in a
JUnit XML file if one is written, as the property `worker`; the tool reads either.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

import pytest

UNIT_SECONDS = Path(__file__).with_name("unit_seconds.json")
DEFAULT_TEST_SECONDS = 0.2
DEFAULT_GRADING_SECONDS = 30.0
RECORD_KEY = "rnn-course/test-seconds"


def unit_of(nodeid: str) -> str:
    """The unit of a test id: `path`, `path::Class` or `path@PARAMETER`."""
    path, _, rest = nodeid.partition("::")
    names, _, parameters = rest.partition("[")
    marked = [part for part in parameters.rstrip("]").split("-") if part.startswith("@")]
    if marked:
        return path + marked[0]
    if "::" in names:
        return f"{path}::{names.split('::', 1)[0]}"
    return path


def unit_seconds() -> dict[str, float]:
    return json.loads(UNIT_SECONDS.read_text()) if UNIT_SECONDS.is_file() else {}


def make_scheduler(config, log):
    """The scheduler of `--dist loadscope` runs: units as above, costliest first."""
    from xdist.scheduler import LoadScopeScheduling

    known = unit_seconds()

    def cost(unit: str, tests) -> float:
        if unit in known:
            return known[unit]
        seconds = DEFAULT_TEST_SECONDS * len(tests)
        return (
            max(seconds, DEFAULT_GRADING_SECONDS) if unit.startswith("tests/grading/") else seconds
        )

    class CostliestUnitFirst(LoadScopeScheduling):
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

        def _assign_work_unit(self, node) -> None:
            if not self.ordered:  # the first call: the work queue holds every unit
                units = sorted(self.workqueue.items(), key=lambda unit: -cost(*unit))
                self.workqueue = OrderedDict(units)
                self.ordered = True
            super()._assign_work_unit(node)

        def _reschedule(self, node) -> None:
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            # A worker runs a test once it holds the next one, so it needs its next unit when
            # one test of its current unit is left; not before.
            if self._pending_of(self.assigned_work[node]) > 1:
                return
            self._assign_work_unit(node)

    return CostliestUnitFirst(config, log)


class SecondsRecord:
    """Each test's seconds (setup, call and teardown) and the worker that ran it, kept in
    pytest's cache at the end of a run: [[test id, worker, seconds], ...]."""

    def __init__(self, config):
        self.config = config
        self.seconds: dict[tuple[str, str], float] = {}

    @pytest.hookimpl(tryfirst=True)  # before junitxml's, which writes the test's properties
    def pytest_runtest_logreport(self, report) -> None:
        node = getattr(report, "node", None)  # the worker (xdist's controller sets it)
        worker = node.gateway.id if node is not None else "main"
        key = (report.nodeid, worker)
        self.seconds[key] = self.seconds.get(key, 0.0) + report.duration
        if report.when == "teardown":  # a JUnit XML file (--junitxml) names the worker too
            report.user_properties.append(("worker", worker))

    def pytest_sessionfinish(self) -> None:
        cache = getattr(self.config, "cache", None)  # none with -p no:cacheprovider
        if cache is not None and self.seconds:
            cache.set(
                RECORD_KEY,
                [[nodeid, worker, round(s, 3)] for (nodeid, worker), s in self.seconds.items()],
            )
