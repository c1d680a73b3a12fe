"""How nbgrader's autograde reads a submitted notebook for this course: failing closed.

`SubmissionExporter` is the exporter of nbgrader's Autograde converter (`configure` sets
`Autograde.exporter_class`), so `nbgrader autograde`, Formgrader's Autograde button and
`python -m grader autograde` all read submissions through it. Each time it reads a notebook it
first sets that notebook's autograded grades in the gradebook to zero, so a grading run that fails
anywhere afterwards (an unreadable file, a preprocessor, the kernel, the gradebook) leaves zeros,
never the grade of an earlier run; a run that succeeds writes its own grades last (nbgrader's
SaveAutoGrades). Grades given by hand stay.

It then reads the file by the rule of the course's intake (grader/intake.py, `read_notebook`):
a file that is not UTF-8 JSON, not a notebook, or not valid under nbformat's schema (a malformed
output message, say) is graded as the blank released notebook, so it scores zero; the reason goes
to the fault report and to the intake record the feedback reads. Learner outputs are never
evidence, so nothing is lost by not repairing them. A failure while grading is reported as a
fault of that student's too (and nbgrader reports it as an error).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.api import Gradebook, MissingEntry
from traitlets import Unicode

from .faults import ReportsFaults
from .intake import MAX_NOTEBOOK_BYTES, Unreadable, describe, read_notebook, record_blank

GRADING_FAILED = "autograde failed"


def zero_autograded(
    gradebook: Gradebook, assignment: str, student: str, notebook: str | None = None
) -> None:
    """Set every autograded (code cell) grade of `student`'s submission of `assignment` (one
    `notebook` of it, or all) to zero; grades given by hand stay. Nothing to do if there is no
    such submission yet."""
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return
    for submitted in submission.notebooks:
        if notebook is None or submitted.name == notebook:
            for grade in submitted.grades:
                if grade.cell.cell_type == "code":
                    grade.auto_score = 0.0
    gradebook.db.commit()


class SubmissionExporter(ReportsFaults, NotebookExporter):
    release_directory = Unicode(
        "", help="Folder of released assignments (the blank notebooks)"
    ).tag(config=True)

    def from_file(self, file_stream, resources=None, **kw):
        info = resources["nbgrader"]  # set by nbgrader's converter for every notebook
        with Gradebook(info["db_url"], self.parent.coursedir.course_id) as gradebook:
            zero_autograded(gradebook, info["assignment"], info["student"], info["notebook"])
        try:
            notebook = self._read_or_blank(file_stream, resources)
            return self.from_notebook_node(notebook, resources=resources, **kw)
        except Exception as error:
            self.report(
                resources,
                "-",
                GRADING_FAILED,
                f"{type(error).__name__}: {str(error)[:300]}; its checks score 0",
            )
            raise

    def _submitted_folder(self, info) -> Path:
        """Where nbgrader takes this student's submission from."""
        coursedir = self.parent.coursedir
        return Path(
            coursedir.format_path(
                coursedir.submitted_directory, info["student"], info["assignment"]
            )
        ).resolve()

    def _read_or_blank(self, file_stream, resources) -> nbformat.NotebookNode:
        """The submitted notebook, or (if it cannot be read by the intake's rule) the blank
        released one, reported."""
        info = resources["nbgrader"]
        try:
            # nbconvert opened the file as UTF-8 text: read its bytes, so the rule is the intake's
            content = getattr(file_stream, "buffer", file_stream).read(MAX_NOTEBOOK_BYTES + 1)
            if isinstance(content, str):
                content = content.encode("utf-8")
            if len(content) > MAX_NOTEBOOK_BYTES:
                raise Unreadable(f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
            return read_notebook(content)
        except Exception as error:  # noqa: BLE001 - any unreadable file is graded blank
            why = f"{info['notebook']}.ipynb could not be read as a notebook ({describe(error)})"
            self.report(resources, "-", "submission", f"{why}; graded as blank")
            submitted = Path(getattr(file_stream, "name", "")).resolve().parent
            if submitted == self._submitted_folder(info):
                record_blank(submitted, info["notebook"], why)
            blank = Path(self.release_directory) / info["assignment"] / f"{info['notebook']}.ipynb"
            return nbformat.read(blank, as_version=4)
