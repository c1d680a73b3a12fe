"""What a learner's feedback may show, and feedback for a class that no one submission can stop.

A learner's feedback carries the course's text, the learner's own source and the grader's
verdicts on the test cells, nothing else: no output of any cell that ran learner code (solution
cells, the learner's own cells, visible checks and every other course cell: learner code can
patch what they print), since such output could carry the hidden inputs out. Written answers
(Markdown solution cells) are shown as text, so no HTML or script of the learner's runs in the
page. A notebook that was missing or unreadable at intake gets a short page that says so.

A cell that waits for a person (a written answer no one has graded yet) shows "awaiting
grading", not a score of 0, and the page's total counts what has been graded so far
(`GetGradesAwaitingGrading`, and the course's feedback template `templates/feedback/`, which
extends nbgrader's through `FeedbackExporter`).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path

import nbgrader as nbgrader_package
from jinja2 import FileSystemLoader, PrefixLoader
from nbconvert.exporters import HTMLExporter
from nbgrader import utils as nbgrader_utils
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from tqdm import tqdm
from traitlets import default

from .faults import Fault
from .hidden_checks import is_test_cell
from .intake import intake_record

NBGRADER_TEMPLATES = (
    Path(nbgrader_package.__file__).parent / "server_extensions" / "formgrader" / "templates"
)


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback exporter (`GenerateFeedback.exporter_class`), which also finds
    nbgrader's templates under the prefix `nbgrader/`: the course's template `feedback` (found
    before nbgrader's, which has the same name) extends `nbgrader/feedback/index.html.j2`."""

    @default("extra_loaders")
    def _nbgrader_templates(self):
        return [PrefixLoader({"nbgrader": FileSystemLoader(str(NBGRADER_TEMPLATES))})]


class GetGradesAwaitingGrading(GetGrades):
    """nbgrader's GetGrades, and which graded cells wait for a person: no automatic score and
    no manual one (nbgrader counts such a cell 0). Each cell's metadata gets
    `awaiting_grading`; the resources get `awaiting_points`, their points in all."""

    def preprocess(self, nb, resources):
        resources["nbgrader"]["awaiting_points"] = 0.0
        return super().preprocess(nb, resources)

    def _get_score(self, cell, resources):
        grade = self.gradebook.find_grade(
            cell.metadata["nbgrader"]["grade_id"],
            self.notebook_id,
            self.assignment_id,
            self.student_id,
        )
        awaiting = grade.auto_score is None and grade.manual_score is None
        cell.metadata.nbgrader["score"] = grade.score
        cell.metadata.nbgrader["points"] = grade.max_score
        cell.metadata.nbgrader["awaiting_grading"] = awaiting
        if awaiting:
            resources["nbgrader"]["awaiting_points"] += grade.max_score


class KeepOnlyVerdicts(NbGraderPreprocessor):
    """Clear every output but the verdicts JudgeHiddenChecks wrote into the test cells."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "code" and not is_test_cell(cell):
                cell.outputs, cell.execution_count = [], None
            elif cell.cell_type == "markdown" and nbgrader_utils.is_solution(cell):
                cell.source = as_verbatim_text(cell.source)
                cell.attachments = {}
        return nb, resources


def as_verbatim_text(source: str) -> str:
    """Markdown that shows `source` verbatim: an indented code block, which no renderer reads
    as HTML, links or maths."""
    return "\n".join("    " + line for line in (source.splitlines() or [""]))


BLANK_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{notebook}: not graded</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto; line-height: 1.5">
<h1>{notebook}</h1>
<p><strong>Your notebook could not be graded, so every check in it scores 0.</strong></p>
<p>What happened: {reason}.</p>
<p>Submit one notebook named <code>{notebook}.ipynb</code> (the file you downloaded, saved from
Jupyter), or ask your instructor to grade the file you meant.</p>
</body></html>
"""


def blank_page(notebook: str, reason: str) -> str:
    """The feedback for a notebook that was graded blank at intake, in plain words."""
    return BLANK_PAGE.format(notebook=html.escape(notebook), reason=html.escape(reason))


@dataclass
class FeedbackRun:
    assignment: str
    written: list[Path]
    faults: list[Fault]
    report: Path


def generate_feedback(
    config, folder: Path, assignment: str, students: list[str], *, progress: bool = True
) -> FeedbackRun:
    """HTML feedback for each of `students`; a student whose feedback fails is a fault of that
    student's in the run's report, and the others still get theirs."""
    api = NbGraderAPI(config=config)
    written, faults = [], []
    for student in tqdm(
        students, desc=f"feedback {assignment}", unit="student", disable=not progress
    ):
        target = folder / "feedback" / student / assignment
        try:
            result = api.generate_feedback(assignment, student, force=True)
            if not result["success"]:
                raise RuntimeError((result.get("error") or result.get("log") or "")[-600:])
            for notebook, reason in intake_record(
                folder / "submitted", student, assignment
            ).items():
                (target / f"{notebook}.html").write_text(
                    blank_page(notebook, reason), encoding="utf-8"
                )
        except Exception as error:  # noqa: BLE001 - one student's failure stops nobody else
            faults.append(
                Fault(student, "-", "-", "feedback failed", f"{type(error).__name__}: {error}")
            )
            continue
        written += sorted(target.glob("*.html"))
    report = folder / "reports" / f"feedback-{assignment}-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"Feedback for {assignment}: {len(written)} files",
        "",
        f"Faults ({len(faults)}): student | notebook | cell | what | detail",
    ]
    lines += [fault.line() for fault in faults] or ["none"]
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return FeedbackRun(assignment, written, faults, report)
