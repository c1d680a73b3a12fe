"""Autograde, feedback, export and selfcheck over nbgrader's Python API.

Each function takes `GradingSettings` (the grading folder and the sandbox's limits) and returns
what it did, so the command line (`cli.py`) and the tests share one path.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.plugins import CsvExportPlugin
from tqdm import tqdm

from .course import (COURSE_ID, SOLUTIONS, GradingSettings, nbgrader_config, notebook_names,
                     written_assignments)
from .faults import Fault, append_fault, read_faults
from .intake import collect, place
from .release import generate


class UnknownAssignment(ValueError):
    pass


@dataclass
class StudentScore:
    student: str
    score: float
    max_score: float
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)  # grade_id -> (score, max)


@dataclass
class AutogradeRun:
    assignment: str
    scores: dict[str, StudentScore]
    faults: list[Fault]
    skipped: list[str]
    seconds: float
    report: Path


def check_assignment(assignment: str) -> None:
    if assignment not in written_assignments():
        known = ", ".join(written_assignments())
        raise UnknownAssignment(f"unknown assignment {assignment!r}; the course has: {known}")


def autograde(settings: GradingSettings, assignment: str, submissions_folder: Path,
              *, progress: bool = True) -> AutogradeRun:
    """Grade every submission in `submissions_folder` (one folder or zip per student)."""
    check_assignment(assignment)
    submissions_folder = Path(submissions_folder)
    if not submissions_folder.is_dir():
        raise FileNotFoundError(f"no folder of submissions at {submissions_folder}")
    started = time.perf_counter()
    generate(settings, [assignment])
    names = notebook_names(assignment)
    submissions, skipped = collect(submissions_folder, assignment, names)
    settings.fault_log.unlink(missing_ok=True)
    api = NbGraderAPI(config=nbgrader_config(settings))
    for submission in tqdm(submissions, desc=f"autograde {assignment}", unit="student",
                           disable=not progress):
        for notebook, problem in submission.problems:
            append_fault(settings.fault_log,
                         Fault(submission.student, notebook, "-", "submission", problem))
        place(submission, assignment, names, settings.folder / "submitted",
              settings.release_directory / assignment)
        result = api.autograde(assignment, submission.student, force=True, create=True)
        if not result["success"]:
            detail = (result.get("error") or result.get("log") or "")[-600:]
            append_fault(settings.fault_log,
                         Fault(submission.student, "-", "-", "autograde failed", detail))
    faults = read_faults(settings.fault_log)
    scores = read_scores(settings, assignment)
    run = AutogradeRun(assignment, scores, faults, skipped, time.perf_counter() - started,
                       settings.folder / "reports" / f"autograde-{assignment}-{time.strftime('%Y%m%d-%H%M%S')}.txt")
    run.report.write_text(format_report(run), encoding="utf-8")
    return run


def read_scores(settings: GradingSettings, assignment: str) -> dict[str, StudentScore]:
    scores = {}
    with Gradebook(nbgrader_config(settings).CourseDirectory.db_url, COURSE_ID) as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            return {}
        for submission in found.submissions:
            student = StudentScore(submission.student.id, submission.score, submission.max_score)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    student.cells[grade.name] = (grade.score, grade.max_score)
            scores[student.student] = student
    return scores


def format_report(run: AutogradeRun) -> str:
    lines = [f"Autograde of {run.assignment}: {len(run.scores)} submissions in {run.seconds:.1f} s",
             "", "student | score | max"]
    lines += [f"{s.student} | {s.score:g} | {s.max_score:g}" for s in run.scores.values()]
    lines += ["", f"Faults ({len(run.faults)}): student | notebook | cell | what | detail"]
    lines += [fault.line() for fault in run.faults] or ["none"]
    if run.skipped:
        lines += ["", "Not taken in:"] + run.skipped
    return "\n".join(lines) + "\n"


def feedback(settings: GradingSettings, assignment: str, *, progress: bool = True) -> list[Path]:
    """HTML feedback for every autograded student; the files written."""
    check_assignment(assignment)
    api = NbGraderAPI(config=nbgrader_config(settings))
    written = []
    for student in tqdm(sorted(read_scores(settings, assignment)), desc=f"feedback {assignment}",
                        unit="student", disable=not progress):
        result = api.generate_feedback(assignment, student, force=True)
        if not result["success"]:
            raise RuntimeError(f"feedback for {student} failed:\n{result.get('error', '')}")
        written += sorted((settings.folder / "feedback" / student / assignment).glob("*.html"))
    return written


def export(settings: GradingSettings, destination: Path) -> Path:
    """Every grade in the gradebook as CSV (nbgrader's exporter)."""
    plugin = CsvExportPlugin()
    plugin.to = str(destination)
    with Gradebook(nbgrader_config(settings).CourseDirectory.db_url, COURSE_ID) as gradebook:
        plugin.export(gradebook)
    return destination


@dataclass
class SelfcheckRow:
    assignment: str
    solution: float
    blank: float
    max_score: float

    @property
    def ok(self) -> bool:
        return self.max_score > 0 and self.solution == self.max_score and self.blank == 0


def selfcheck(settings: GradingSettings, assignments: list[str] | None = None,
              *, progress: bool = True) -> tuple[list[SelfcheckRow], list[Fault]]:
    """Grade each solution notebook (must score full marks) and each blank release (zero)."""
    rows, faults = [], []
    for assignment in assignments or written_assignments():
        generate(settings, [assignment])
        with tempfile.TemporaryDirectory(prefix="rnn-course-selfcheck-") as temporary:
            submissions = Path(temporary)
            for student, source in (("solution", SOLUTIONS / assignment),
                                    ("blank", settings.release_directory / assignment)):
                (submissions / student).mkdir()
                for notebook in source.glob("*.ipynb"):
                    shutil.copyfile(notebook, submissions / student / notebook.name)
            run = autograde(settings, assignment, submissions, progress=progress)
        faults += run.faults
        solution = run.scores["solution"]
        autograded = sum(maximum for cell, (_, maximum) in solution.cells.items()
                         if cell.endswith("_hidden"))     # written answers are graded by hand
        rows.append(SelfcheckRow(assignment, solution.score, run.scores["blank"].score, autograded))
    return rows, faults
