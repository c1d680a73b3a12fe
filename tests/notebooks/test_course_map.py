"""docs/COURSE_MAP.md stays in step with the written notebooks: its section of a written
notebook names exactly the notebook's graded exercises (as `name(` or `name`), and the points it
states ("Exercises (15 points)", where it states them) are the notebook's autograded points."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from grader.checks import get_check
from grader.layout import ASSIGNMENTS, SOLUTIONS, written_assignments

COURSE_MAP = Path(__file__).resolve().parents[2] / "docs" / "COURSE_MAP.md"


def section(assignment: str) -> str:
    text = COURSE_MAP.read_text()
    start = text.index(f"## {assignment}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def exercises(assignment: str) -> dict[str, float]:
    """Graded exercises of the solution notebook and their hidden checks' points (an exercise
    judged in parts: the sum of its parts')."""
    notebook = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    meta = [
        cell.metadata.get("nbgrader", {}) for cell in notebook.cells if cell.cell_type == "code"
    ]
    points: dict[str, float] = {}
    for m in meta:
        if m.get("grade"):
            exercise = get_check(m["grade_id"].removesuffix("_hidden")).exercise
            points[exercise] = points.get(exercise, 0) + m["points"]
    return {m["grade_id"]: points[m["grade_id"]] for m in meta if m.get("solution")}


@pytest.mark.parametrize("assignment", written_assignments())
def test_the_course_map_names_every_exercise_and_the_points(assignment):
    text = section(assignment)
    graded = exercises(assignment)
    named = set(re.findall(r"`(\w+)\(", text))
    assert named <= set(graded), f"the course map names non-exercises: {named - set(graded)}"
    missing = [name for name in graded if f"`{name}" not in text]
    assert not missing, f"the course map does not name {missing}"
    stated = re.search(r"Exercises \(([\d.]+) points\)", text)
    assert stated is None or float(stated.group(1)) == sum(graded.values())


def test_the_course_map_has_a_section_per_notebook_in_course_order():
    assert re.findall(r"^## (\d\d_\w+)", COURSE_MAP.read_text(), re.M) == list(ASSIGNMENTS)


def test_the_readme_has_a_row_per_notebook():
    readme = (COURSE_MAP.parents[1] / "README.md").read_text(encoding="utf-8")
    for assignment in ASSIGNMENTS:
        assert re.search(rf"^\| \d\d \| `{assignment}` \|", readme, re.M), assignment
