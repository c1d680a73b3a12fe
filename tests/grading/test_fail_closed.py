"""A regrade that cannot use a submission scores zero and says why, on every grading path.

A class of notebook 01 is graded once by `python -m grader autograde`: every student hands in the
solution and scores full marks. Then each student but one ("steady") replaces it with a
malformed file: the solution with one malformed output message (no output_type, an unknown one,
an output that is not an object, mime data that is not text, outputs that are not a list), or a
file that is not JSON. Regraded by `python -m grader autograde`, by nbgrader's own command from
the grading folder and from the repository, and by Formgrader's Autograde button (its HTTP API,
in JupyterLab started from the repository as `python3 course.py lab` starts it), each malformed
submission scores zero, never the earlier full marks, with a fault that names the reason;
"steady" keeps its grade. A regrade that fails outright (no released notebook to rebuild on)
leaves zero and a fault too, not the earlier grade.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from grader.faults import read_faults
from grader.grading import read_scores
from grader.intake import intake_record
from grader.layout import REPOSITORY, SOLUTIONS
from grader.settings import GradingSettings
from tests.grading.harness import (
    grade,
    hidden_points,
    jupyter_lab,
    post_json,
    run_grader,
    run_nbgrader,
    totals,
)

pytestmark = pytest.mark.sandbox

ASSIGNMENT = "01_feedforward_limits"
SOLUTION_CELL = "softmax"  # the solution cell that carries the malformed output
MALFORMED_OUTPUTS = {
    "no_output_type": [{"name": "stdout", "text": "x"}],
    "unknown_output_type": [{"output_type": "bogus"}],
    "output_not_an_object": ["hello"],
    "mime_data_not_text": [
        {"output_type": "display_data", "data": {"text/plain": 5}, "metadata": {}}
    ],
    "outputs_not_a_list": {"output_type": "stream", "name": "stdout", "text": "x"},
}
MALFORMED = [*MALFORMED_OUTPUTS, "not_json"]
STEADY = "steady"


def malformed_file(kind: str) -> bytes:
    """The solution notebook's file with one malformed output message (or not JSON at all)."""
    if kind == "not_json":
        return b'{"cells": [ {"cell_type": "code", '
    notebook = json.loads((SOLUTIONS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    cell = next(
        cell
        for cell in notebook["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == SOLUTION_CELL
    )
    cell["outputs"] = MALFORMED_OUTPUTS[kind]
    return json.dumps(notebook).encode()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every student graded full marks once: (root, submissions folder)."""
    root = tmp_path_factory.mktemp("fail-closed")
    solution = (SOLUTIONS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    scores, faults = grade(
        root, ASSIGNMENT, {student: solution for student in [STEADY, *MALFORMED]}, "--jobs", "2"
    )
    full = sum(hidden_points(ASSIGNMENT).values())
    assert totals(scores) == {student: full for student in [STEADY, *MALFORMED]}, faults
    return root, full


def _malformed_copy(graded, name: str):
    """A copy of the graded folder whose collected submissions are now the malformed files."""
    root, _ = graded
    folder = root / name
    shutil.copytree(root / "grading", folder)
    for kind in MALFORMED:
        placed = folder / "submitted" / kind / ASSIGNMENT
        (placed / f"{ASSIGNMENT}.ipynb").write_bytes(malformed_file(kind))
    return folder


def _assert_zero_with_a_fault(folder, full: float) -> None:
    settings = GradingSettings(folder=folder)
    scores = totals(read_scores(settings, ASSIGNMENT))
    assert scores == {STEADY: full, **{kind: 0.0 for kind in MALFORMED}}
    faults = {
        fault.student: fault
        for fault in read_faults(settings.fault_log)
        if fault.kind == "submission"
    }
    assert set(faults) == set(MALFORMED)
    for kind, fault in faults.items():
        assert (
            "could not be read as a notebook" in fault.detail and "graded as blank" in fault.detail
        )
        # what the learner's feedback will say (grader/feedback.py reads the intake record)
        assert (
            "could not be read as a notebook"
            in intake_record(folder / "submitted", kind, ASSIGNMENT)[ASSIGNMENT]
        )
    assert "NotJSONError" in faults["not_json"].detail


def test_the_grading_command_scores_a_malformed_regrade_zero(graded, tmp_path):
    root, full = graded
    folder = root / "command"
    shutil.copytree(root / "grading", folder)
    submissions = tmp_path / "resubmitted"
    for kind in MALFORMED:
        (submissions / kind).mkdir(parents=True)
        (submissions / kind / f"{ASSIGNMENT}.ipynb").write_bytes(malformed_file(kind))
    completed = run_grader(
        "--grading-folder", str(folder), "--jobs", "1", "autograde", ASSIGNMENT, str(submissions)
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    _assert_zero_with_a_fault(folder, full)


@pytest.mark.parametrize("where", ["grading folder", "repository"])
def test_nbgrader_autograde_scores_a_malformed_regrade_zero(graded, where):
    _, full = graded
    folder = _malformed_copy(graded, where.replace(" ", "-"))
    completed = run_nbgrader(
        "autograde",
        ASSIGNMENT,
        "--force",
        f"--CourseDirectory.student_id_exclude={STEADY}",
        cwd=folder if where == "grading folder" else REPOSITORY,
        grading_folder=folder,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "could not be read as a notebook" in completed.stderr
    _assert_zero_with_a_fault(folder, full)


def test_a_regrade_that_fails_leaves_zero_and_a_fault_never_the_earlier_grade(graded):
    """nbgrader's own command, a failure no submission causes (the released notebook to rebuild
    on is gone): the student's earlier full marks do not survive; the others' grades stay."""
    root, full = graded
    folder = root / "failing"
    shutil.copytree(root / "grading", folder)
    shutil.rmtree(folder / "release")
    completed = run_nbgrader("autograde", ASSIGNMENT, "--force", "--student", STEADY, cwd=folder)
    assert completed.returncode != 0
    settings = GradingSettings(folder=folder)
    scores = totals(read_scores(settings, ASSIGNMENT))
    assert scores == {STEADY: 0.0, **{kind: full for kind in MALFORMED}}
    failed = [
        fault for fault in read_faults(settings.fault_log) if fault.kind == "autograde failed"
    ]
    assert [fault.student for fault in failed] == [STEADY]
    assert "python -m grader prepare" in failed[0].detail


def test_formgraders_autograde_button_scores_a_malformed_regrade_zero(graded):
    """Formgrader in JupyterLab started from the repository (as `python3 course.py lab` does),
    its Autograde button through the HTTP call the button makes; what the call returns is what
    Formgrader's dialog shows (its log)."""
    root, full = graded
    folder = _malformed_copy(graded, "formgrader")
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        RNN_COURSE_GRADING_FOLDER=str(folder),
    )
    with jupyter_lab(REPOSITORY, root, env, root / "formgrader-lab.log") as (url, token):
        for kind in MALFORMED:
            result = post_json(
                f"{url}/formgrader/api/submission/{ASSIGNMENT}/{kind}/autograde", token
            )
            assert result["success"], result
            assert "could not be read as a notebook" in result["log"]
    _assert_zero_with_a_fault(folder, full)
