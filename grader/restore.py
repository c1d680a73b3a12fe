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

    release_directory = Unicode("", help="Folder of released assignments (the skeletons)"
                                ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        skeleton_path = Path(self.release_directory) / info["assignment"] / f"{info['notebook']}.ipynb"
        skeleton = nbformat.read(skeleton_path, as_version=4)
        nb.cells = self.merge(skeleton.cells, nb.cells, resources)
        nb.metadata = copy.deepcopy(skeleton.metadata)
        return nb, resources

    def merge(self, skeleton_cells, submitted_cells, resources) -> list:
        known = {_grade_id(cell): cell for cell in skeleton_cells if _grade_id(cell)}
        answers: dict[str, str] = {}
        extra_after: dict[str | None, list] = {}
        anchor = None
        for cell in submitted_cells:
            grade_id = _grade_id(cell)
            if grade_id in known and grade_id not in answers and _is_solution(known[grade_id]) \
                    and cell.get("cell_type") == known[grade_id].cell_type:
                answers[grade_id] = cell.source
                anchor = grade_id
            elif grade_id in known:
                if grade_id in answers or not _is_solution(known[grade_id]):
                    anchor = grade_id  # a copy of a course cell: the skeleton's version is used
                    continue
                self.report(resources, grade_id, "restored cell",
                            f"solution cell changed type to {cell.get('cell_type')}; "
                            f"graded as unanswered")
            elif cell.get("cell_type") == "code" and cell.get("source", "").strip():
                extra_after.setdefault(anchor, []).append(self._learner_cell(cell))
        for grade_id, cell in known.items():
            if _is_solution(cell) and grade_id not in answers:
                self.report(resources, grade_id, "restored cell",
                            "solution cell missing from the submission; graded as unanswered")
        merged = list(extra_after.get(None, []))
        for cell in skeleton_cells:
            cell = copy.deepcopy(cell)
            grade_id = _grade_id(cell)
            if grade_id in answers:
                cell.source = answers[grade_id]
            merged.append(cell)
            merged.extend(extra_after.get(grade_id, []) if grade_id else [])
        return merged

    @staticmethod
    def _learner_cell(cell):
        """A learner's own code cell, stripped of any metadata that could make it graded."""
        return nbformat.v4.new_code_cell(source=cell.source)
