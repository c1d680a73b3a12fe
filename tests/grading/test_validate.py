"""Validation tells a learner the truth: `nbgrader validate` and the Validate button.

Run as a learner runs them: `nbgrader validate NOTEBOOK` in the notebook's folder (the
repository's notebooks/, or a copy of it), with a fresh HOME and a plain PATH, in the environment
`python3 course.py` sets up (its `.venv/etc/jupyter/nbgrader_config.py`, written by course.py,
applies coursekit/validation.py); and the Validate button of JupyterLab, through the HTTP call it
makes (`POST /assignments/validate`), in a server started in a learner's folder. Notebook 01:
- the released notebook (nothing implemented) fails validation, each visible check listed;
- a softmax without the max subtraction fails on the softmax check, within the time limit;
- the solution's answers in the released notebook pass.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursekit.validation import VALIDATE_CELL_TIMEOUT
from grader.layout import NOTEBOOKS, REPOSITORY
from submissions import wrong as wrong_submissions
from submissions.wrong.feedforward_limits import WRONG_SUBMISSIONS
from tests.grading.harness import answers, cells_by_id, jupyter_lab, post_json, solution_notebook

ASSIGNMENT = "01_feedforward_limits"
WRONG = next(w for w in WRONG_SUBMISSIONS if w.name == "softmax_without_max_subtraction")
VISIBLE = re.compile(r"^visible\.check_(\w+)\(", re.M)
SUCCESS = "Success! Your notebook passes all the tests."
TIMED_OUT = "Timeout waiting for execute reply"


def visible_checks(notebook) -> dict[str, str]:
    """The source of each visible check cell, by the function it checks."""
    return {
        VISIBLE.match(cell.source)[1]: cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and VISIBLE.match(cell.source)
    }


def learner_environment(home: Path) -> dict[str, str]:
    """A plain learner's environment: a fresh HOME, the course's bin first on a plain PATH,
    nothing Jupyter- or grader-specific from the test runner."""
    keep = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("JUPYTER", "IPYTHON", "RNN_COURSE", "NBGRADER", "PYTHON"))
        and name not in ("HOME", "PATH", "MPLCONFIGDIR")
    }
    home.mkdir(parents=True, exist_ok=True)
    return dict(
        keep, HOME=str(home), PATH=f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"
    )


@pytest.fixture(scope="module")
def environment_config():
    """The environment's validation config, as `python3 course.py` writes it."""
    import runpy

    course = runpy.run_path(str(REPOSITORY / "course.py"))
    path = course["write_validation_config"]()
    assert Path(sys.prefix).resolve() == course["VENV"].resolve(), "not course.py's environment"
    return path


@pytest.fixture(scope="module")
def learner_folder(tmp_path_factory):
    """A learner's copy of notebook 01's folder with two more notebooks in it: the released
    notebook with the solution's answers, and with the wrong softmax's."""
    folder = tmp_path_factory.mktemp("learner") / ASSIGNMENT
    shutil.copytree(NOTEBOOKS / ASSIGNMENT, folder)
    release = nbformat.read(folder / f"{ASSIGNMENT}.ipynb", as_version=4)
    solution = solution_notebook(ASSIGNMENT)
    for name, sources in (
        ("solution", answers(solution)),
        ("wrong", answers(wrong_submissions.build(solution, WRONG))),
    ):
        notebook = nbformat.from_dict(json.loads(json.dumps(release)))
        for grade_id, cell in cells_by_id(notebook).items():
            if grade_id in sources:
                cell.source = sources[grade_id]
        nbformat.write(notebook, folder / f"{name}.ipynb")
    return folder


def nbgrader_validate(notebook: Path, home: Path) -> str:
    """`nbgrader validate NOTEBOOK` typed in the notebook's folder; its output."""
    completed = subprocess.run(
        ["nbgrader", "validate", notebook.name],
        cwd=notebook.parent,
        env=learner_environment(home),
        capture_output=True,
        text=True,
        timeout=20 * VALIDATE_CELL_TIMEOUT,
    )
    return completed.stdout + completed.stderr


def failed_cells(output: str) -> set[str]:
    """The visible checks (by function) that validation lists as failed."""
    return set(re.findall(r"The following cell failed:\s+visible\.check_(\w+)\(", output))


def test_the_released_notebook_fails_validation_with_every_visible_check_listed(
    environment_config, tmp_path
):
    released = NOTEBOOKS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"  # in the repository's notebooks/
    output = nbgrader_validate(released, tmp_path / "home")
    assert "VALIDATION FAILED" in output and SUCCESS not in output, output[-3000:]
    checks = visible_checks(nbformat.read(released, as_version=4))
    assert failed_cells(output) == set(checks)
    assert "NotImplementedError" in output


def test_a_wrong_softmax_fails_on_the_softmax_check_without_a_timeout(
    environment_config, learner_folder, tmp_path
):
    output = nbgrader_validate(learner_folder / "wrong.ipynb", tmp_path / "home")
    assert "VALIDATION FAILED" in output and TIMED_OUT not in output, output[-3000:]
    # the backward check calls the learner's softmax too, so it fails with it
    assert failed_cells(output) == {"softmax", "softmax_cross_entropy_backward"}
    assert "VisibleCheckFailed" in output


def test_the_solution_passes_validation(environment_config, learner_folder, tmp_path):
    output = nbgrader_validate(learner_folder / "solution.ipynb", tmp_path / "home")
    assert SUCCESS in output and TIMED_OUT not in output, output[-3000:]


def test_the_validate_button_runs_the_visible_checks(environment_config, learner_folder, tmp_path):
    """JupyterLab started in the learner's folder (as a hub starts a learner's server: no course
    configuration there), the HTTP call the Validate button makes."""
    root = learner_folder.parent
    with jupyter_lab(root, root, learner_environment(tmp_path / "home"), tmp_path / "lab.log") as (
        url,
        token,
    ):
        results = {
            name: post_json(
                f"{url}/assignments/validate",
                token,
                {"path": f"{ASSIGNMENT}/{name}.ipynb"},
                timeout=20 * VALIDATE_CELL_TIMEOUT,
            )
            for name in (ASSIGNMENT, "wrong", "solution")
        }
    for result in results.values():
        assert result["success"], result  # the call worked; what it found is result["value"]
    failed = {
        name: {
            VISIBLE.match(cell["source"])[1]
            for cell in result["value"].get("failed", [])
            if VISIBLE.match(cell["source"])
        }
        for name, result in results.items()
    }
    released = visible_checks(nbformat.read(learner_folder / f"{ASSIGNMENT}.ipynb", as_version=4))
    assert failed[ASSIGNMENT] == set(released)
    assert failed["wrong"] == {"softmax", "softmax_cross_entropy_backward"}
    assert results["solution"]["value"] == {}  # nothing failed: the button says "Success!"
