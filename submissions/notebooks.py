"""Solution notebooks, submissions made from them, and writing submissions into a folder."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from grader.layout import NOTEBOOKS, SOLUTIONS


def solution_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)


def cells_by_id(notebook) -> dict[str, nbformat.NotebookNode]:
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in notebook.cells
        if "grade_id" in cell.get("metadata", {}).get("nbgrader", {})
    }


def printed(cell, stream: str = "stdout") -> str:
    """What a code cell printed on `stream`: the texts of its stream outputs of that name, joined.
    A kernel may split one print into several stream outputs (one per flush), so a printed line
    is looked for in this text, never in one output."""
    return "".join(
        output.get("text", "")
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == stream
    )


def answers(notebook) -> dict[str, str]:
    """The source of every solution cell (what a learner writes), by grade_id."""
    return {
        grade_id: cell.source
        for grade_id, cell in cells_by_id(notebook).items()
        if cell.metadata["nbgrader"].get("solution")
    }


def hidden_points(assignment: str, notebook=None) -> dict[str, float]:
    """Points of each hidden test cell, by the check it calls (grade_id minus '_hidden');
    written answers (markdown cells graded by hand) are not hidden checks."""
    notebook = notebook or solution_notebook(assignment)
    return {
        grade_id.removesuffix("_hidden"): float(cell.metadata["nbgrader"]["points"])
        for grade_id, cell in cells_by_id(notebook).items()
        if cell.metadata["nbgrader"].get("grade") and cell.cell_type == "code"
    }


def with_sources(
    notebook, replacements: dict[str, str], *, append: str = ""
) -> nbformat.NotebookNode:
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


def class_of(assignment: str, copies: int) -> dict[str, object]:
    """`copies` submissions of `assignment` (student000, ...): the solution, the blank release
    and each of the course's wrong submissions (submissions/wrong), in turn."""
    from submissions import wrong

    solution = solution_notebook(assignment)
    kinds = [solution, nbformat.read(NOTEBOOKS / assignment / f"{assignment}.ipynb", 4)]
    kinds += [wrong.build(solution, mistake) for mistake in wrong.wrong_submissions_of(assignment)]
    return {f"student{index:03d}": kinds[index % len(kinds)] for index in range(copies)}
