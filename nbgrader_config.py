# nbgrader's configuration for this course. nbgrader reads this file when it runs from this
# folder: `nbgrader autograde ...`, `nbgrader db student import ...`, and Formgrader in the
# JupyterLab that `python3 course.py lab` starts here. It applies grader.nbgrader_setup.configure, the
# same set-up as `python -m grader`: the grading folder grading/ (or $RNN_COURSE_GRADING_FOLDER),
# its gradebook (or $RNN_COURSE_DB_URL), and the course's grading pipeline (sandboxed kernels,
# hidden checks judged outside them). Change the course's settings in grader/nbgrader_setup.py, not here.
# Validation (`nbgrader validate`, the Validate button) runs the visible checks:
# coursekit/validation.py. It imports the course's packages from the environment `python3
# course.py` installs them into (editable), as nbgrader run from that environment does.
from coursekit import validation
from grader.layout import DEFAULT_GRADING_FOLDER
from grader.nbgrader_setup import configure
from grader.settings import GradingSettings

configure(c, GradingSettings(folder=DEFAULT_GRADING_FOLDER))  # noqa: F821
validation.configure(c)  # noqa: F821
