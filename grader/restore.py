"""Rebuild a submission on the released notebook's skeleton before anything runs.

Only a learner's *answers* are taken from the submission: the source of each solution cell,
matched by grade_id, and any cells the learner added. Everything else (markdown, provided code,
visible checks, hidden test cells, all nbgrader metadata, their order) comes from the released
notebook, so deleted, duplicated, retyped, moved or edited test cells are restored, and a learner
cannot turn a cell of theirs into a graded one. nbgrader's OverwriteCells then puts the hidden
tests back from the gradebook.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from .faults import ReportsFaults


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_solution(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


class RestoreNotebookStructure(ReportsFaults, NbGraderPreprocessor):
    release_directory = Unicode("", help="Folder of released assignments (the skeletons)").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        skeleton_path = (
            Path(self.release_directory) / info["assignment"] / f"{info['notebook']}.ipynb"
        )
        if not skeleton_path.is_file():  # refuse: without the skeleton nothing can be restored
            raise FileNotFoundError(
                f"no released notebook at {skeleton_path} to rebuild the submission on: run "
                f"`python -m grader prepare` (or `python -m grader autograde {info['assignment']}`)"
            )
        skeleton = nbformat.read(skeleton_path, as_version=4)
        nb.cells = self.merge(skeleton.cells, nb.cells, resources)
        nb.metadata = copy.deepcopy(skeleton.metadata)
        return nb, resources

    def merge(self, skeleton_cells, submitted_cells, resources) -> list:
        """The skeleton's cells with the learner's answers in, and the learner's own cells kept
        after the course cell they followed. A submitted cell is the course's if it has a known
        grade_id, the id of a course cell, or exactly a course cell's source."""
        by_grade_id = {_grade_id(cell): cell for cell in skeleton_cells if _grade_id(cell)}
        by_cell_id = {cell.get("id"): cell for cell in skeleton_cells if cell.get("id")}
        by_source = {cell.source: cell for cell in skeleton_cells if cell.source.strip()}
        answers: dict[str, str] = {}
        extra_after: dict[str | None, list] = {}
        anchor = None  # id of the last course cell met in the submission
        for cell in submitted_cells:
            grade_id = _grade_id(cell)
            course_cell = (
                by_grade_id.get(grade_id)
                or by_cell_id.get(cell.get("id"))
                or by_source.get(cell.get("source", ""))
            )
            if course_cell is None:
                if cell.get("cell_type") == "code" and cell.get("source", "").strip():
                    extra_after.setdefault(anchor, []).append(self._learner_cell(cell))
                continue
            anchor = course_cell.get("id")
            answer_id = _grade_id(course_cell)
            if not _is_solution(course_cell) or grade_id != answer_id or answer_id in answers:
                continue  # a course cell, or a copy of one: the skeleton's version is used
            if cell.get("cell_type") != course_cell.cell_type:
                self.report(
                    resources,
                    answer_id,
                    "restored cell",
                    f"solution cell changed type to {cell.get('cell_type')}; graded as unanswered",
                )
                continue
            answers[answer_id] = cell.source
        for grade_id, cell in by_grade_id.items():
            if _is_solution(cell) and grade_id not in answers:
                self.report(
                    resources,
                    grade_id,
                    "restored cell",
                    "solution cell missing from the submission; graded as unanswered",
                )
        merged = list(extra_after.get(None, []))
        for cell in skeleton_cells:
            cell = copy.deepcopy(cell)
            if _grade_id(cell) in answers:
                cell.source = answers[_grade_id(cell)]
            merged.append(cell)
            merged.extend(extra_after.get(cell.get("id"), []) if cell.get("id") else [])
        return merged

    @staticmethod
    def _learner_cell(cell):
        """A learner's own code cell, stripped of any metadata that could make it graded."""
        return nbformat.v4.new_code_cell(source=cell.source)
