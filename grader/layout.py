"""Where the course's files are and which assignments it has: a leaf module (standard library
only), so anything that wants a path or the list of assignments imports it without nbgrader or the
sandbox."""

from __future__ import annotations

import os
from fnmatch import fnmatch
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
SOLUTIONS = REPOSITORY / "solutions"
NOTEBOOKS = REPOSITORY / "notebooks"
GRADING_FOLDER_VARIABLE = "RNN_COURSE_GRADING_FOLDER"
DB_URL_VARIABLE = "RNN_COURSE_DB_URL"  # a shared gradebook (e.g. PostgreSQL on a hub)
CLUSTER_VARIABLE = "RNN_COURSE_CLUSTER"  # a Dask scheduler to grade on (grader/cluster.py)
DEFAULT_GRADING_FOLDER = Path(os.environ.get(GRADING_FOLDER_VARIABLE) or REPOSITORY / "grading")
COURSE_ID = "rnn-from-scratch"
ASSIGNMENTS = (
    "01_feedforward_limits",
    "02_rnn_recurrence",
    "03_bptt",
    "04_gradient_pathologies",
    "05_lstm",
    "06_gru_and_deep_rnns",
    "07_char_language_model",
)


# What Jupyter and Python leave beside the notebooks (a learner opening the course makes
# .ipynb_checkpoints/): never part of the course, so never copied, released or compared.
NOT_COURSE_FILES = (".ipynb_checkpoints", "__pycache__", "*.pyc")


def course_files(folder: Path) -> list[Path]:
    """Every file under `folder` that belongs to the course (see NOT_COURSE_FILES)."""
    return sorted(
        path
        for path in Path(folder).rglob("*")
        if path.is_file()
        and not any(
            fnmatch(part, pattern)
            for part in path.relative_to(folder).parts
            for pattern in NOT_COURSE_FILES
        )
    )


def written_assignments() -> list[str]:
    """Assignments of the course map that have a solution notebook so far, in course order."""
    return [name for name in ASSIGNMENTS if (SOLUTIONS / name / f"{name}.ipynb").is_file()]


def notebook_names(assignment: str) -> list[str]:
    return sorted(path.stem for path in (SOLUTIONS / assignment).glob("*.ipynb"))
