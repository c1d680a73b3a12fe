"""What the class got wrong: `python -m grader report ASSIGNMENT`, after autograde.

It writes `reports/class-ASSIGNMENT.html` and `reports/class-ASSIGNMENT.csv` in the grading
folder, from the instructor's records only:

- **checks lost**: for every autograded test cell, how many students scored less than its points
  (the gradebook, nbgrader's own API);
- **named mistakes**: for every listed mistake a hidden check's hint names ("Wh is transposed
  ..."), how many students' failing results matched it (the grader's verdict records,
  grader/verdict_records.py, written by the judging step; never anything learner code wrote);
- **other mistakes**: failing checks no hint names, grouped by the verdict's message with its
  numbers masked (so the same mistake on differently sized cases is one group); a lost check
  with no verdict record (grading failed; see the autograde report) is its own group;
- **written answers awaiting grading**: answered manually graded cells with no manual score;
- plots: mistakes by frequency, and the score distribution of each notebook;
- **extensions**: the students given one (`list_extensions`, or `build_class_report(...,
  extended_students)`).

Student ids, messages and everything else are escaped on the page (grader/html_pages.py).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry

from .grading import check_assignment, open_gradebook
from .html_pages import escape, page, png_image, spreadsheet_cell, table
from .settings import GradingSettings
from .verdict_records import read_records

NO_RECORD = (
    "no verdict recorded: grading of this submission failed or stopped before its "
    "checks were judged (see the autograde report's faults)"
)
NUMBER = re.compile(r"\d+(?:\.\d+)?")
MOST_BARS = 25  # bars on the mistakes plot


@dataclass
class CheckLosses:
    notebook: str
    cell: str
    points: float
    students: list[str] = field(default_factory=list)  # those who lost points on it


@dataclass
class MistakeGroup:
    """Students who made one mistake on one check: `named` (a hint's description) or not (then
    `what` is the verdict's message with its numbers masked, `example` one message as written)."""

    cell: str
    what: str
    named: bool
    students: list[str] = field(default_factory=list)
    example: str = ""


@dataclass
class AwaitingAnswer:
    notebook: str
    cell: str
    students: list[str] = field(default_factory=list)


@dataclass
class ClassReport:
    assignment: str
    students: list[str]
    checks: list[CheckLosses]
    mistakes: list[MistakeGroup]
    awaiting: list[AwaitingAnswer]
    notebook_scores: dict[str, tuple[float, list[float]]]  # notebook -> (max score, scores)
    extended: list[str] = field(default_factory=list)

    @property
    def named(self) -> list[MistakeGroup]:
        return [group for group in self.mistakes if group.named]

    @property
    def unnamed(self) -> list[MistakeGroup]:
        return [group for group in self.mistakes if not group.named]


def message_pattern(message: str) -> str:
    """A verdict's message with its numbers masked: the same mistake on other sizes."""
    return NUMBER.sub("#", message)


def build_class_report(
    settings: GradingSettings, assignment: str, extended_students: Iterable[str] = ()
) -> ClassReport:
    """The report of `assignment` from the gradebook and the verdict records.

    `extended_students`: the students who had an extension of this assignment (listed on the
    page; the hook for per-learner extensions)."""
    check_assignment(assignment)
    records = read_records(settings.verdict_folder, assignment)
    checks: dict[tuple[str, str], CheckLosses] = {}
    awaiting: dict[tuple[str, str], AwaitingAnswer] = {}
    groups: dict[tuple[str, str, bool], MistakeGroup] = {}
    scores: dict[str, tuple[float, list[float]]] = {}
    students = []
    with open_gradebook(settings) as gradebook:
        try:
            submissions = list(gradebook.find_assignment(assignment).submissions)
        except MissingEntry:
            submissions = []
        for submission in sorted(submissions, key=lambda found: found.student.id):
            student = submission.student.id
            students.append(student)
            verdicts = {
                (notebook.notebook, check.cell): check
                for notebook in records.get(student, [])
                for check in notebook.checks
            }
            for notebook in submission.notebooks:
                scores.setdefault(notebook.name, (notebook.max_score, []))[1].append(notebook.score)
                for grade in notebook.grades:
                    key = (notebook.name, grade.name)
                    if grade.cell.cell_type == "markdown":
                        entry = awaiting.setdefault(key, AwaitingAnswer(*key))
                        if grade.auto_score is None and grade.manual_score is None:
                            entry.students.append(student)
                        continue
                    entry = checks.setdefault(key, CheckLosses(*key, grade.max_score))
                    if grade.score < grade.max_score:
                        entry.students.append(student)
                        _count_mistakes(groups, grade.name, student, verdicts.get(key))
    mistakes = sorted(
        groups.values(), key=lambda group: (-len(group.students), group.cell, group.what)
    )
    report = ClassReport(
        assignment,
        students,
        sorted(checks.values(), key=_cell_order),
        mistakes,
        sorted(awaiting.values(), key=_cell_order),
        scores,
    )
    return list_extensions(report, extended_students)


def list_extensions(report: ClassReport, extended_students: Iterable[str]) -> ClassReport:
    """The hook for per-learner extensions: `extended_students` (ids of the students given an
    extension of this assignment) are listed on the page and in the CSV."""
    report.extended = sorted(set(report.extended) | set(extended_students))
    return report


def _cell_order(entry) -> tuple[str, str]:
    return entry.notebook, entry.cell


def _count_mistakes(groups, cell: str, student: str, verdict) -> None:
    """Count `student`'s lost check `cell` under each named mistake its verdict matched, or
    under its message when no hint names it."""
    if verdict is None or verdict.passed:
        found = [(NO_RECORD, False, NO_RECORD)]
    elif verdict.mistakes:
        found = [(mistake, True, "") for mistake in verdict.mistakes]
    else:
        found = [(message_pattern(verdict.message), False, verdict.message)]
    for what, named, example in found:
        group = groups.setdefault(
            (cell, what, named), MistakeGroup(cell, what, named, example=example)
        )
        group.students.append(student)


# -- the CSV ----------------------------------------------------------------------------------
CSV_HEADER = ["section", "notebook", "cell", "what", "students", "student_ids"]


def csv_rows(report: ClassReport) -> list[list[str]]:
    rows = [
        [
            "check lost",
            check.notebook,
            check.cell,
            f"{check.points:g} points",
            len(check.students),
            " ".join(check.students),
        ]
        for check in report.checks
    ]
    rows += [
        [
            "named mistake" if group.named else "other mistake",
            "",
            group.cell,
            group.what,
            len(group.students),
            " ".join(group.students),
        ]
        for group in report.mistakes
    ]
    rows += [
        [
            "written answer awaiting grading",
            answer.notebook,
            answer.cell,
            "",
            len(answer.students),
            " ".join(answer.students),
        ]
        for answer in report.awaiting
    ]
    rows += [["extension", "", "", "", 1, student] for student in report.extended]
    return [[spreadsheet_cell(value) for value in row] for row in rows]


def write_csv(report: ClassReport, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as output:
        writer = csv.writer(output)
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_rows(report))
    return path


# -- the page ---------------------------------------------------------------------------------
def _students_cell(students: list[str], shown: int = 30) -> str:
    more = f" … and {len(students) - shown} more" if len(students) > shown else ""
    return ", ".join(students[:shown]) + more


def render_html(report: ClassReport) -> str:
    graded = len(report.students)
    parts = [
        f"<p>{graded} graded submissions of <code>{escape(report.assignment)}</code>. "
        "Counts come from the gradebook and the grader's own verdict records; the CSV "
        "beside this page lists every student id.</p>"
    ]
    parts.append("<h2>Checks lost</h2>")
    parts.append(
        table(
            ["notebook", "check (cell)", "points", "students who lost it", "share"],
            [
                [
                    check.notebook,
                    check.cell,
                    f"{check.points:g}",
                    len(check.students),
                    f"{len(check.students) / max(graded, 1):.0%}",
                ]
                for check in report.checks
            ],
            numeric={2, 3, 4},
        )
    )
    parts.append(
        "<h2>Named mistakes</h2><p>Failing results that matched a mistake a hint names.</p>"
    )
    parts.append(
        table(
            ["check (cell)", "mistake", "students", "who"],
            [
                [group.cell, group.what, len(group.students), _students_cell(group.students)]
                for group in report.named
            ],
            numeric={2},
        )
    )
    parts.append(
        "<h2>Other mistakes</h2><p>Failing checks no hint names, grouped by message "
        "(numbers shown as #).</p>"
    )
    parts.append(
        table(
            ["check (cell)", "message", "students", "example", "who"],
            [
                [
                    group.cell,
                    group.what,
                    len(group.students),
                    group.example,
                    _students_cell(group.students),
                ]
                for group in report.unnamed
            ],
            numeric={2},
        )
    )
    parts.append("<h2>Written answers awaiting grading</h2>")
    parts.append(
        table(
            ["notebook", "answer (cell)", "awaiting a grade", "who"],
            [
                [
                    answer.notebook,
                    answer.cell,
                    len(answer.students),
                    _students_cell(answer.students),
                ]
                for answer in report.awaiting
            ],
            numeric={2},
        )
    )
    if report.extended:
        parts.append("<h2>Extensions</h2>")
        parts.append(table(["student"], [[student] for student in report.extended]))
    parts.append("<h2>Plots</h2>")
    parts.append(_plots(report))
    return page(f"Class report: {report.assignment}", "\n".join(parts))


def _plots(report: ClassReport) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = []
    # learner-derived labels are text, never mathtext ($...$) or TeX
    with plt.rc_context({"text.parse_math": False, "text.usetex": False}):
        if report.mistakes:
            shown = report.mistakes[:MOST_BARS]
            figure, axes = plt.subplots(figsize=(10, 0.35 * len(shown) + 1.2))
            labels = [_short(f"{group.cell}: {group.what}", 90) for group in shown]
            axes.barh(
                range(len(shown)),
                [len(group.students) for group in shown],
                color=["#3a7" if group.named else "#c63" for group in shown],
            )
            axes.set_yticks(range(len(shown)), labels, fontsize=8)
            axes.invert_yaxis()
            axes.set_xlabel("students (green: named mistakes, orange: others)")
            axes.set_title("Mistakes by frequency")
            images.append(png_image(figure, "mistakes by frequency"))
            plt.close(figure)
        for notebook, (maximum, values) in sorted(report.notebook_scores.items()):
            figure, axes = plt.subplots(figsize=(7, 3))
            axes.hist(
                values,
                bins=min(20, max(int(maximum), 1)),
                range=(0, max(maximum, 1)),
                color="#47a",
                edgecolor="white",
            )
            axes.set_xlabel(f"score (of {maximum:g}, written answers still count 0 until graded)")
            axes.set_ylabel("students")
            axes.set_title(f"Score distribution: {notebook}")
            images.append(png_image(figure, f"score distribution of {notebook}"))
            plt.close(figure)
    return "\n".join(f"<p>{image}</p>" for image in images) or "<p>Nothing graded yet.</p>"


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def write_class_report(settings: GradingSettings, report: ClassReport) -> tuple[Path, Path]:
    """The page and the CSV, in the grading folder's reports/ (replacing earlier ones)."""
    folder = settings.folder / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"class-{report.assignment}.html"
    html_path.write_text(render_html(report), encoding="utf-8")
    return html_path, write_csv(report, folder / f"class-{report.assignment}.csv")
