"""A released notebook that provides an earlier notebook's answers: said, checked, refused.

`release_check` is the one function a release path calls; the command line warns on the
developers' regeneration of notebooks/ (no names) and refuses to release named assignments that
give away answers of an assignment not closed, unless the instructor says it is closed or
insists.
"""

from __future__ import annotations

import datetime
import re

import nbformat
from nbgrader.api import Gradebook

from grader.layout import COURSE_ID, REPOSITORY, SOLUTIONS
from grader.nbgrader_setup import nbgrader_config
from grader.release import Exposure, exposures, release_check
from grader.settings import GradingSettings
from tests.grading.harness import run_grader


def _provided_in(assignment: str) -> list[str]:
    notebook = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    return [
        reference
        for cell in notebook.cells
        for reference in cell.metadata.get("rnn_course", {}).get("provided", [])
    ]


def test_exposures_are_read_from_the_provided_cells():
    found = exposures()
    assert found, "some released notebook provides earlier answers (03 provides 02's)"
    for exposure in found:
        assert [f"{exposure.answers_of}/{grade_id}" for grade_id in exposure.grade_ids] == [
            reference
            for reference in _provided_in(exposure.released)
            if reference.startswith(exposure.answers_of + "/")
        ]


def test_the_readme_lists_every_exposure():
    readme = (REPOSITORY / "README.md").read_text()
    rows = set(re.findall(r"^\| `(\d\d_\w+)` \| `(\d\d_\w+)` \| ([^|]+) \|", readme, re.M))
    expected = {
        (e.released, e.answers_of, ", ".join(f"`{g}`" for g in e.grade_ids)) for e in exposures()
    }
    assert {(a, b, c.strip()) for a, b, c in rows} == expected


def test_an_assignment_is_closed_by_the_instructor_or_by_its_due_date(tmp_path):
    settings = GradingSettings(folder=tmp_path / "grading")
    exposure = exposures()[0]
    assert not release_check(settings, [exposure.released])[0].closed  # no gradebook yet
    declared = release_check(settings, [exposure.released], closed=(exposure.answers_of,))[0]
    assert declared.closed == "declared closed by the instructor"
    settings.folder.mkdir()
    due = datetime.datetime(2030, 1, 15, 12, 0)
    with Gradebook(nbgrader_config(settings).CourseDirectory.db_url, COURSE_ID) as gradebook:
        gradebook.update_or_create_assignment(exposure.answers_of, duedate=due)
    before = release_check(settings, [exposure.released], now=due - datetime.timedelta(hours=1))
    after = release_check(settings, [exposure.released], now=due + datetime.timedelta(hours=1))
    assert before[0].closed is None and "due 2030-01-15 12:00 UTC" in after[0].closed
    assert isinstance(after[0], Exposure) and "NOT closed" in before[0].line()


def test_releasing_named_assignments_that_expose_open_answers_needs_the_instructors_say(tmp_path):
    exposure = exposures()[0]
    common = ("--grading-folder", str(tmp_path / "grading"), "release")
    refused = run_grader(*common, exposure.released, "--to", str(tmp_path / "out"))
    assert refused.returncode == 2 and "not closed" in refused.stderr
    assert exposure.answers_of in refused.stderr and not (tmp_path / "out").exists()
    allowed = run_grader(
        *common, exposure.released, "--to", str(tmp_path / "out"), "--closed", exposure.answers_of
    )
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert (tmp_path / "out" / exposure.released / f"{exposure.released}.ipynb").is_file()
    insisted = run_grader(
        *common, exposure.released, "--to", str(tmp_path / "again"), "--expose-open-answers"
    )
    assert insisted.returncode == 0 and "warning" in insisted.stderr


def test_the_developers_regeneration_of_all_notebooks_only_warns(tmp_path):
    completed = run_grader(
        "--grading-folder",
        str(tmp_path / "grading"),
        "release",
        "--to",
        str(tmp_path / "notebooks"),
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "warning" in completed.stderr and "exposes the answers of" in completed.stderr


def _nbgrader(*args: str, cwd, retcode: int = 0) -> str:
    """nbgrader's own command line, in this process, from `cwd`; its log (asserts `retcode`)."""
    import os

    from nbgrader.tests import run_nbgrader

    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return run_nbgrader(list(args), retcode=retcode)
    finally:
        os.chdir(previous)


def test_nbgraders_release_assignment_runs_the_same_check(tmp_path):
    """The hub's real release step (and so Formgrader's Release button, the same exchange
    class): refused while the exposed assignment is open, allowed once its due date passed."""
    exposure = exposures()[0]
    folder, exchange = tmp_path / "grading", tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    where = f"--Exchange.root={exchange}"
    completed = run_grader("--grading-folder", str(folder), "prepare")
    assert completed.returncode == 0, completed.stderr[-2000:]
    released = exchange / COURSE_ID / "outbound" / exposure.released
    refused = _nbgrader("release_assignment", exposure.released, where, cwd=folder, retcode=1)
    assert "not closed" in refused and exposure.answers_of in refused
    assert not released.exists()
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    _nbgrader(
        "db",
        "assignment",
        "add",
        exposure.answers_of,
        f"--duedate={past.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        cwd=folder,
    )
    _nbgrader("release_assignment", exposure.released, where, cwd=folder)
    assert (released / f"{exposure.released}.ipynb").is_file()
