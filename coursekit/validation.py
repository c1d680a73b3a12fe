"""What nbgrader's validation checks in this course: the learner's Validate button and
`nbgrader validate`.

By default nbgrader judges only a notebook's graded cells. In a released notebook of this course
those are the hidden checks, whose tests are removed on release, so they always "pass": an
unimplemented notebook was told "Success! Your notebook passes all the tests". `configure` makes
validation run every cell and list each one that raised an error, the visible checks first of
all, with a time per cell long enough for the experiments. What a cell writes to stderr (NumPy's
warnings, progress bars) is not a failure. The hidden checks run only when the notebook is graded;
validation cannot run them.

nbgrader reads its configuration from the folder it runs in and from Jupyter's configuration
folders (`jupyter --paths`). The course applies `configure` in the repository's
nbgrader_config.py and in the environment that `python3 course.py` sets up
(`.venv/etc/jupyter/nbgrader_config.py`); on a hub, the learners' image applies it in its global
nbgrader_config.py (docs/JUPYTERHUB.md).
"""

from __future__ import annotations

VALIDATE_CELL_TIMEOUT = 300  # seconds one cell may run (grading allows 60 on the grader)
FAILED_WARNING = (
    "VALIDATION FAILED ON {num_failed} CELL(S): each cell listed below raised an error (a visible "
    "check that failed, or code that stopped). The hidden checks run only when your notebook is "
    "graded.\n"
)


def drop_stderr(notebook, **_) -> None:
    """nbclient hook (after the last cell): what cells wrote to stderr is not a failure."""
    for cell in notebook.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = [
                output
                for output in cell.get("outputs", [])
                if not (output.get("output_type") == "stream" and output.get("name") == "stderr")
            ]


def configure(c) -> None:
    """Set nbgrader's configuration `c` (a config file's `c`) up for this course's validation."""
    c.Validator.validate_all = True  # every cell that raised counts, not only graded cells
    c.Validator.failed_warning = FAILED_WARNING
    # Only the kernel that validation runs (nested config): grading keeps its own limits.
    c.Validator.Execute.timeout = VALIDATE_CELL_TIMEOUT
    c.Validator.Execute.on_notebook_complete = drop_stderr
