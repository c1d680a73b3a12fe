"""Build submissions from a solution notebook and grade them with the instructors' command."""
from __future__ import annotations

import contextlib
import copy
import io
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat

from grader.cli import main as grader_main
from grader.course import REPOSITORY, SOLUTIONS, GradingSettings
from grader.faults import read_faults
from grader.grading import read_scores


def solution_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)


def cells_by_id(notebook) -> dict[str, nbformat.NotebookNode]:
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in notebook.cells
            if "grade_id" in cell.get("metadata", {}).get("nbgrader", {})}


def hidden_points(assignment: str) -> dict[str, float]:
    """Points of each hidden test cell, by the check it calls (grade_id minus '_hidden')."""
    return {grade_id.removesuffix("_hidden"): float(cell.metadata["nbgrader"]["points"])
            for grade_id, cell in cells_by_id(solution_notebook(assignment)).items()
            if cell.metadata["nbgrader"].get("grade") and cell.cell_type == "code"}


def manual_points(assignment: str) -> float:
    """Points of the written answers graded by hand (markdown cells with grade: true)."""
    return sum(float(cell.metadata["nbgrader"]["points"])
               for cell in cells_by_id(solution_notebook(assignment)).values()
               if cell.metadata["nbgrader"].get("grade") and cell.cell_type == "markdown")


def with_sources(notebook, replacements: dict[str, str], *, append: str = "") -> nbformat.NotebookNode:
    """A copy of `notebook` with solution cells replaced (and code appended to the last one)."""
    notebook = copy.deepcopy(notebook)
    cells = cells_by_id(notebook)
    for grade_id, source in replacements.items():
        cells[grade_id].source = source
    if append:
        notebook.cells.append(nbformat.v4.new_code_cell(append))
    return notebook


def write_submissions(folder: Path, assignment: str, notebooks: dict[str, object]) -> Path:
    """`notebooks`: student -> NotebookNode, bytes (raw file) or None (empty folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    for student, notebook in notebooks.items():
        (folder / student).mkdir()
        path = folder / student / f"{assignment}.ipynb"
        if isinstance(notebook, bytes):
            path.write_bytes(notebook)
        elif notebook is not None:
            nbformat.write(notebook, path)
    return folder


def grade(tmp_path: Path, assignment: str, notebooks: dict[str, object], *extra_args: str,
          grading_folder: Path | None = None, submissions: Path | None = None):
    """Autograde through `python -m grader autograde`; (scores by student, faults).

    Give `notebooks` (written to a fresh submissions folder) or an existing `submissions` folder.
    """
    grading_folder = grading_folder or tmp_path / "grading"
    if submissions is None:
        submissions = write_submissions(tmp_path / "submissions", assignment, notebooks)
    completed = run_grader("--grading-folder", str(grading_folder), *extra_args,
                           "autograde", assignment, str(submissions))
    assert completed.returncode == 0, completed.stderr[-3000:]
    settings = GradingSettings(folder=grading_folder)
    return read_scores(settings, assignment), read_faults(settings.fault_log)


def run_grader(*args: str) -> subprocess.CompletedProcess:
    """The grading command's `main(ARGS)`, in this process (the same code path as
    `python -m grader ARGS`, without paying its imports again; see run_grader_process)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings are not ours
        returncode = grader_main(list(args))
    return subprocess.CompletedProcess(["python", "-m", "grader", *args], returncode,
                                       stdout.getvalue(), stderr.getvalue())


def run_grader_process(*args: str) -> subprocess.CompletedProcess:
    """`python -m grader ARGS` from the top of the repository, exactly as an instructor runs it."""
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=REPOSITORY,
                          capture_output=True, text=True, timeout=1800)
