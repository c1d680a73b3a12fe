"""Per-learner due dates (extensions): an instructor record kept in the grading folder.

The record is `extensions.csv` in the grading folder (0700, the grading user's only), written by
`python -m grader extensions FILE` from the instructor's own file and read by every grading path
(grader/lateness.py) and by the export. Its shape, and the shape of the file the instructor
gives, is a CSV file with a header row:

    student_id,assignment,due
    ada,03_bptt,2026-03-08 17:00

`due` is read as the LMS times are (grader/written_times.py): a time without a zone is read in
the zone given with `--times-zone`, and refused without one; the record keeps it in UTC.

Why a CSV file and not nbgrader's gradebook: the gradebook has a field for it
(`SubmittedAssignment.extension`, set by `Gradebook.grant_extension`), but none of nbgrader's
tools shows or sets it (no `nbgrader db` command, no Formgrader page; `nbgrader export` writes
the assignment's due date), and its row exists only once a submission has been autograded, so
no extension could be granted before the work comes in. A CSV file is what the instructor keeps
anyway, and any spreadsheet shows it. Grading copies each learner's extension into that field,
so nbgrader's own `SubmittedAssignment.duedate` is the learner's due date too.

An extension only moves a due date later: a learner's due date is the later of the
assignment's and their own (`extension_of`).
"""

from __future__ import annotations

import csv
import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from .written_times import BadTimes, column_name, parse_time, time_zone

RECORD = "extensions.csv"
COLUMNS = ("student_id", "assignment", "due")


class BadExtensions(BadTimes):
    """A file of extensions that cannot be taken as one; the message names the line."""


@dataclass(frozen=True)
class Extension:
    student: str
    assignment: str
    due: datetime.datetime  # naive UTC, as nbgrader stores times
    line: int  # of the file it was read from


# (assignment, student) -> Extension
Extensions = dict[tuple[str, str], Extension]


def extensions_path(grading_folder: Path) -> Path:
    return Path(grading_folder) / RECORD


def read_extensions(
    path: Path, assignments: list[str] | None, zone: str | None = None
) -> Extensions:
    """The extensions in the CSV file `path` (see the module's text), of the course's
    `assignments` (None: any name). Refused, naming the line: a missing column, an unknown
    assignment, an empty student id, a due date that is not a time (or has no zone and `zone`
    is None), and a second row for the same student and assignment."""
    path = Path(path)
    try:
        tz = time_zone(zone)
    except BadTimes as error:
        raise BadExtensions(str(error)) from None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BadExtensions(f"{path}: cannot be read ({type(error).__name__}: {error})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise BadExtensions(f"{path}: empty; expected the header row `{','.join(COLUMNS)}`")
    header = [column_name(name) for name in rows[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise BadExtensions(
            f"{path}, line 1: no {', '.join(missing)} column; the header must be "
            f"`{','.join(COLUMNS)}` (it has: {', '.join(header)})"
        )
    at = {name: header.index(name) for name in COLUMNS}
    extensions: Extensions = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}, line {line}"
        if len(row) <= max(at.values()):
            raise BadExtensions(f"{where}: {len(row)} columns, the header has {len(header)}")
        student, assignment = row[at["student_id"]].strip(), row[at["assignment"]].strip()
        if not student:
            raise BadExtensions(f"{where}: no student id")
        if not assignment or (assignments is not None and assignment not in assignments):
            raise BadExtensions(
                f"{where}: unknown assignment {assignment!r}; the course has: "
                f"{', '.join(assignments or [])}"
            )
        try:
            due = parse_time(row[at["due"]].strip(), tz, where)
        except BadTimes as error:
            raise BadExtensions(str(error)) from None
        earlier = extensions.get((assignment, student))
        if earlier is not None:
            raise BadExtensions(
                f"{where}: a second due date for {student} in {assignment} (the first is on "
                f"line {earlier.line}); keep one row"
            )
        extensions[(assignment, student)] = Extension(student, assignment, due, line)
    return extensions


def check_extensions(
    extensions: Extensions,
    known_students: set[str],
    due_dates: dict[str, datetime.datetime | None],
    path: Path,
) -> None:
    """Refuse, naming the line, an extension of a student the course does not know
    (`known_students`: the gradebook's roster and the submissions) and one that extends nothing
    (`due_dates`: each assignment's due date, None for none)."""
    for extension in sorted(extensions.values(), key=lambda e: e.line):
        where = f"{path}, line {extension.line}"
        if extension.student not in known_students:
            raise BadExtensions(
                f"{where}: unknown student {extension.student!r}: not in the gradebook's "
                f"students nor among the submissions (add the roster first: `nbgrader db "
                f"student import roster.csv`)"
            )
        assignment_due = due_dates.get(extension.assignment)
        if assignment_due is None:
            raise BadExtensions(
                f"{where}: {extension.assignment} has no due date, so an extension extends "
                f"nothing; set it first (Formgrader, or `nbgrader db assignment add "
                f"{extension.assignment} --duedate=...`)"
            )
        if extension.due <= assignment_due:
            raise BadExtensions(
                f"{where}: {extension.due:%Y-%m-%d %H:%M} UTC is not after "
                f"{extension.assignment}'s due date ({assignment_due:%Y-%m-%d %H:%M} UTC), so "
                f"it extends nothing (a wrong year or time zone?)"
            )


def recorded_extensions(grading_folder: Path) -> Extensions:
    """The grading folder's extensions (none if it has no record). Its times are UTC."""
    path = extensions_path(grading_folder)
    return read_extensions(path, None, "UTC") if path.is_file() else {}


def write_extensions(grading_folder: Path, extensions: Extensions) -> Path:
    """Replace the grading folder's record with `extensions` (times in UTC)."""
    path = extensions_path(grading_folder)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    with open(
        os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        "w",
        encoding="utf-8",
        newline="",
    ) as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for extension in sorted(extensions.values(), key=lambda e: (e.assignment, e.student)):
            writer.writerow(
                [extension.student, extension.assignment, f"{extension.due:%Y-%m-%dT%H:%M:%S}Z"]
            )
    temporary.replace(path)
    return path


def extension_of(
    assignment_due: datetime.datetime | None, own_due: datetime.datetime | None
) -> datetime.timedelta | None:
    """What nbgrader's `SubmittedAssignment.extension` holds for a learner whose own due date is
    `own_due` (None: none): how much later it is than the assignment's, or None when it is not
    later or the assignment has no due date."""
    if assignment_due is None or own_due is None or own_due <= assignment_due:
        return None
    return own_due - assignment_due


def extended_students(assignment: str, settings) -> dict[str, datetime.datetime]:
    """Who has an extension of `assignment`, in the grading folder of `settings` (a
    GradingSettings): student -> their own due date (naive UTC), sorted by student. Raises
    BadExtensions (naming the line) if the record cannot be read."""
    extensions = recorded_extensions(settings.folder)
    return {e.student: e.due for (a, _), e in sorted(extensions.items()) if a == assignment}
