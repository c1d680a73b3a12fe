"""Submissions with one deliberate, realistic mistake each, and the hidden checks it must fail.

Each assignment has a module here (named like the assignment without its number, e.g.
`feedforward_limits.py`) defining `WRONG_SUBMISSIONS`, a list of `WrongSubmission`. The grading
tests build each one from the solution notebook by replacing the named solution cells, grade it
with the same command instructors use, and assert that it loses exactly the points of
`failing_checks` and keeps every other point.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import nbformat


@dataclass(frozen=True)
class WrongSubmission:
    name: str                       # becomes the student id, e.g. "rnn_step_forward_transposed_Wh"
    replacements: dict[str, str]    # solution cell grade_id -> the whole new source of that cell
    failing_checks: frozenset[str]  # hidden check names (== solution grade_ids) that must fail
    why: str = ""                   # the learner mistake it stands for


def build(solution: nbformat.NotebookNode, submission: WrongSubmission) -> nbformat.NotebookNode:
    """The solution notebook with the named solution cells replaced."""
    notebook = copy.deepcopy(solution)
    missing = set(submission.replacements)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in submission.replacements:
            cell.source = submission.replacements[grade_id]
            missing.discard(grade_id)
    if missing:
        raise KeyError(f"{submission.name}: no solution cells {sorted(missing)}")
    return notebook
