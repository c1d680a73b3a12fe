"""Submissions with one deliberate, realistic mistake each, and the hidden checks it must fail.

Each assignment has a module here (named like the assignment without its number, e.g.
`feedforward_limits.py`) defining `WRONG_SUBMISSIONS`, a list of `WrongSubmission`. The grading
tests build each one from the solution notebook by editing the named solution cells, grade it
with the same command instructors use, and assert that it loses exactly the points of
`failing_checks` and keeps every other point, and that its feedback names each mistake of
`names` (the catalogue's hint, grader/mistakes/) and no mistake of a check it passes.
"""

from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass

import nbformat

from grader.checks.framework import Mistake
from grader.mistakes import catalogue, find

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@dataclass(frozen=True)
class WrongSubmission:
    name: str  # becomes the student id
    edits: dict[str, tuple[str, str]]  # solution grade_id -> (text in the solution,
    #                       what the learner wrote)
    failing_checks: frozenset[str]  # hidden checks that fail (a check's test cell is
    #                       <name>_hidden; an exercise judged in parts has one per part)
    why: str = ""  # the learner mistake it stands for
    names: tuple[tuple[str, str], ...] = ()  # the catalogued mistakes its hidden checks name,
    #                       as (exercise, mistake id) of grader/mistakes/<notebook>.py: the
    #                       feedback holds their hints, whatever the secret key ("messages
    #                       name the mistake"); some cases may name one more of the same check


def build(solution: nbformat.NotebookNode, submission: WrongSubmission) -> nbformat.NotebookNode:
    """The solution notebook with each named solution cell edited as a learner would have it
    (solution markers gone, the mistake in)."""
    notebook = copy.deepcopy(solution)
    missing = set(submission.edits)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in submission.edits:
            source = "\n".join(
                line for line in cell.source.split("\n") if line.strip() not in SOLUTION_MARKERS
            )
            old, new = submission.edits[grade_id]
            if source.count(old) != 1:
                raise ValueError(
                    f"{submission.name}: {grade_id} does not contain exactly one {old!r}"
                )
            cell.source = source.replace(old, new)
            missing.discard(grade_id)
    if missing:
        raise KeyError(f"{submission.name}: no solution cells {sorted(missing)}")
    return notebook


def _notebook(assignment: str) -> str:
    """An assignment's name without its number: its module here and in grader/mistakes/."""
    return assignment.split("_", 1)[1]


def wrong_submissions_of(assignment: str) -> list[WrongSubmission]:
    """The wrong submissions of `assignment` (its module here: the name without the number)."""
    return importlib.import_module(f"{__name__}.{_notebook(assignment)}").WRONG_SUBMISSIONS


def catalogued_mistakes(assignment: str) -> dict:
    """`assignment`'s catalogue of mistakes (grader/mistakes/): check -> its mistakes."""
    return catalogue(_notebook(assignment)).MISTAKES


def named_mistakes(assignment: str, submission: WrongSubmission) -> list[Mistake]:
    """The catalogue entries `submission.names` stands for, in order (a KeyError names an
    exercise or id that `assignment`'s catalogue, grader/mistakes/, does not hold)."""
    found = catalogued_mistakes(assignment)
    return [find(found.get(exercise, ()), mistake_id) for exercise, mistake_id in submission.names]
