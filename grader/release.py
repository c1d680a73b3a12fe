"""`release`: regenerate the student notebooks in `notebooks/` from `solutions/`.

Two steps, both deterministic:
1. *Provided cells*: a later notebook that needs an earlier notebook's functions (03 needs 02's
   forward pass) has a locked cell with metadata `rnn_course.provided = ["02_rnn_recurrence/
   rnn_step_forward", ...]`. Its source is regenerated from those solution cells, so a learner can
   do notebook 03 without having finished 02, and the copy never drifts from the original.
2. nbgrader's generate_assignment (solutions stripped, hidden tests removed, outputs cleared,
   cells locked), run in the grading folder; the result replaces `notebooks/<assignment>/`.

A provided cell gives the earlier notebook's answers away: `exposures` lists which released
notebook exposes which answers, and `release_check` says which of them belong to an assignment
that is not closed yet (neither declared closed by the instructor nor past its due date in the
gradebook), so a release for learners can warn or refuse.
"""

from __future__ import annotations

import datetime
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI

from .gradebook_schema import database_lock_held
from .layout import COURSE_ID, NOTEBOOKS, SOLUTIONS, written_assignments
from .nbgrader_setup import nbgrader_config, prepare_grading_folder
from .settings import GradingSettings

PROVIDED_HEADER = "# Provided: solutions to notebook {number} (generated at release; do not edit)."
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def provided_source(references: list[str]) -> str:
    """The source of a provided cell: the named solution cells, markers removed."""
    parts, numbers = [], []
    for reference in references:
        assignment, grade_id = reference.split("/")
        notebook = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
        cells = [
            cell
            for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
        ]
        if len(cells) != 1:
            raise ValueError(f"provided cell names {reference}, which is not one solution cell")
        lines = [
            line for line in cells[0].source.splitlines() if line.strip() not in SOLUTION_MARKERS
        ]
        parts.append("\n".join(lines).strip("\n"))
        numbers.append(assignment.split("_")[0])
    header = PROVIDED_HEADER.format(number=" and ".join(sorted(set(numbers))))
    return header + "\n" + "\n\n\n".join(parts)  # as ruff formats a cell: no final newline


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
    config = nbgrader_config(settings)
    api = NbGraderAPI(config=config)
    released = {}
    for assignment in assignments:
        # another grader of a shared gradebook may write the same assignment's rows right now
        with database_lock_held(config.CourseDirectory.db_url):
            result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(
                f"generate_assignment {assignment} failed:\n{result['log']}"
                f"\n{result.get('error', '')}"
            )
        released[assignment] = settings.release_directory / assignment
    return released


def release(
    settings: GradingSettings, assignments: list[str] | None = None, destination: Path = NOTEBOOKS
) -> list[str]:
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


@dataclass(frozen=True)
class Exposure:
    """A released notebook whose provided cells hold answers of an earlier assignment."""

    released: str  # the assignment whose released notebook carries the answers
    answers_of: str  # the assignment those answers score points in
    grade_ids: tuple[str, ...]
    closed: str | None = None  # why `answers_of` counts as closed; None while it is open

    def line(self) -> str:
        state = f"closed ({self.closed})" if self.closed else "NOT closed"
        return (
            f"{self.released} exposes the answers of {self.answers_of} "
            f"({', '.join(self.grade_ids)}); {self.answers_of} is {state}"
        )


def exposures(assignments: list[str] | None = None) -> list[Exposure]:
    """Which of `assignments` (default: all written) expose answers of which earlier ones."""
    found = []
    for assignment in assignments or written_assignments():
        notebook = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
        by_source: dict[str, list[str]] = {}
        for cell in notebook.cells:
            for reference in cell.metadata.get("rnn_course", {}).get("provided", []):
                source, grade_id = reference.split("/")
                by_source.setdefault(source, []).append(grade_id)
        found += [Exposure(assignment, source, tuple(ids)) for source, ids in by_source.items()]
    return found


def release_check(
    settings: GradingSettings,
    assignments: list[str] | None = None,
    closed: tuple[str, ...] = (),
    now: datetime.datetime | None = None,
) -> list[Exposure]:
    """Every exposure of `assignments`, each marked closed or not: an assignment is closed when
    the instructor says so (`closed`) or when its due date in the gradebook has passed. Those
    still open are the ones a release for learners must not make without the instructor's
    say-so. The one function a release path (the command line, a hub) calls."""
    found = exposures(assignments)
    due = _due_dates(settings, sorted({exposure.answers_of for exposure in found}))
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    checked = []
    for exposure in found:
        why = None
        if exposure.answers_of in closed:
            why = "declared closed by the instructor"
        elif due.get(exposure.answers_of) and due[exposure.answers_of] <= now:
            why = f"due {due[exposure.answers_of]:%Y-%m-%d %H:%M} UTC"
        checked.append(Exposure(exposure.released, exposure.answers_of, exposure.grade_ids, why))
    return checked


def _due_dates(settings: GradingSettings, assignments: list[str]) -> dict[str, datetime.datetime]:
    """Due dates (naive UTC, as nbgrader stores them) from the gradebook, if there is one."""
    url = nbgrader_config(settings).CourseDirectory.db_url
    if not assignments or (url.startswith("sqlite:///") and not Path(url[10:]).is_file()):
        return {}
    dates = {}
    with Gradebook(url, COURSE_ID) as gradebook:
        for assignment in assignments:
            try:
                duedate = gradebook.find_assignment(assignment).duedate
            except MissingEntry:
                continue
            if duedate is not None:
                dates[assignment] = duedate
    return dates
