"""The repository's course map (docs/COURSE_MAP.md) is kept in step with the notebooks.

Every written notebook has its section, and every exercise it grades (a solution code cell's
grade_id: the function the learner writes) is named there in backticks. The README's notebook
table has a row for every notebook of the course map.
"""
from __future__ import annotations

import re

import nbformat
import pytest

from grader.course import ASSIGNMENTS, REPOSITORY, SOLUTIONS, written_assignments

COURSE_MAP = REPOSITORY / "docs" / "COURSE_MAP.md"


def sections() -> dict[str, str]:
    text = COURSE_MAP.read_text(encoding="utf-8")
    parts = re.split(r"^## (\d\d_\w+)[^\n]*\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_the_course_map_has_a_section_per_notebook_in_course_order():
    assert list(sections()) == list(ASSIGNMENTS)


@pytest.mark.parametrize("assignment", written_assignments())
def test_every_graded_exercise_is_in_the_course_map(assignment):
    notebook = nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    exercises = {cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
                 if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")}
    named = set(re.findall(r"`(\w+)", sections()[assignment]))
    assert exercises <= named, f"not in docs/COURSE_MAP.md: {sorted(exercises - named)}"


def test_the_readme_has_a_row_per_notebook():
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    for assignment in ASSIGNMENTS:
        assert re.search(rf"^\| \d\d \| `{assignment}` \|", readme, re.M), assignment
