"""`release`: regenerate the student notebooks in `notebooks/` from `solutions/`.

Two steps, both deterministic:
1. *Provided cells*: a later notebook that needs an earlier notebook's functions (03 needs 02's
   forward pass) has a locked cell with metadata `rnn_course.provided = ["02_rnn_recurrence/
   rnn_step_forward", ...]`. Its source is regenerated from those solution cells, so a learner can
   do notebook 03 without having finished 02, and the copy never drifts from the original.
2. nbgrader's generate_assignment (solutions stripped, hidden tests removed, outputs cleared,
   cells locked), run in the grading folder; the result replaces `notebooks/<assignment>/`.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbgrader.apps import NbGraderAPI

from .course import (NOTEBOOKS, SOLUTIONS, GradingSettings, nbgrader_config,
                     prepare_grading_folder, written_assignments)

PROVIDED_HEADER = "# Provided: solutions to notebook {number} (generated at release; do not edit)."
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def provided_source(references: list[str]) -> str:
    """The source of a provided cell: the named solution cells, markers removed."""
    parts, numbers = [], []
    for reference in references:
        assignment, grade_id = reference.split("/")
        notebook = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
        cells = [cell for cell in notebook.cells
                 if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
        if len(cells) != 1:
            raise ValueError(f"provided cell names {reference}, which is not one solution cell")
        lines = [line for line in cells[0].source.splitlines()
                 if line.strip() not in SOLUTION_MARKERS]
        parts.append("\n".join(lines).strip("\n"))
        numbers.append(assignment.split("_")[0])
    header = PROVIDED_HEADER.format(number=" and ".join(sorted(set(numbers))))
    return header + "\n" + "\n\n\n".join(parts) + "\n"


def sync_provided_cells(assignment: str) -> bool:
    """Regenerate the provided cells of one solution notebook; True if anything changed."""
    path = SOLUTIONS / assignment / f"{assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    changed = False
    for cell in notebook.cells:
        references = cell.metadata.get("rnn_course", {}).get("provided")
        if references:
            source = provided_source(references)
            if cell.source != source:
                cell.source, changed = source, True
    if changed:
        nbformat.write(notebook, path)
    return changed


def generate(settings: GradingSettings, assignments: list[str]) -> dict[str, Path]:
    """Run generate_assignment for each assignment in the grading folder (also fills the
    gradebook with the assignment's cells); where each released assignment now is."""
    prepare_grading_folder(settings)
    api = NbGraderAPI(config=nbgrader_config(settings))
    released = {}
    for assignment in assignments:
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"generate_assignment {assignment} failed:\n{result['log']}"
                               f"\n{result.get('error', '')}")
        released[assignment] = settings.release_directory / assignment
    return released


def release(settings: GradingSettings, assignments: list[str] | None = None,
            destination: Path = NOTEBOOKS) -> list[str]:
    """Regenerate the released notebooks into `destination`; the assignments released."""
    assignments = assignments or written_assignments()
    for assignment in assignments:
        sync_provided_cells(assignment)
    for assignment, folder in generate(settings, assignments).items():
        target = destination / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(folder, target)
    return assignments
