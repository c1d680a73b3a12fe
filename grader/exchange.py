"""The course's check on nbgrader's own exchange: `nbgrader release_assignment` (the hub's real
release step) and Formgrader's *Release* button run the same `release_check` as
`python -m grader release` (grader/release.py).

`configure` (grader/nbgrader_setup.py) sets `c.ExchangeFactory.release_assignment` to
`CourseReleaseAssignment`, so both paths refuse to release a notebook that gives away answers of
an assignment that is not closed (neither past its due date in the gradebook nor declared closed
with `--CourseReleaseAssignment.closed=...`), unless the instructor insists with
`--CourseReleaseAssignment.expose_open_answers=True`.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.exchange.default import ExchangeReleaseAssignment
from traitlets import Bool, List, Unicode


class CourseReleaseAssignment(ExchangeReleaseAssignment):
    closed = List(
        Unicode(),
        default_value=[],
        help="Assignments that are closed (their answers may be given away)",
    ).tag(config=True)
    expose_open_answers = Bool(
        False, help="Release even if it gives away answers of an assignment that is not closed"
    ).tag(config=True)

    def init_src(self):
        super().init_src()
        from .release import release_check
        from .settings import GradingSettings

        settings = GradingSettings(folder=Path(self.coursedir.root), db_url=self.coursedir.db_url)
        exposures = release_check(
            settings, [self.coursedir.assignment_id], closed=tuple(self.closed)
        )
        for exposure in exposures:
            self.log.warning(exposure.line())
        if any(not exposure.closed for exposure in exposures) and not self.expose_open_answers:
            self.fail(
                "this release gives away answers of an assignment that is not closed. "
                "Release it after that assignment's due date, or pass "
                "--CourseReleaseAssignment.closed=ASSIGNMENT (it is closed) or "
                "--CourseReleaseAssignment.expose_open_answers=True (give them away anyway)."
            )
