"""When a submission was made, from records the learner cannot write, and what follows from it.

Nothing inside a submission dates it: nbgrader's `timestamp.txt` and the exchange's inbound
folder name are written by the learner's own `nbgrader submit` (or by the learner by hand), so
they are never read. A submission's *trusted time* comes from one of two instructor records,
kept per assignment in the grading folder (`submission-times/ASSIGNMENT.json`, the grading
user's only):

- `collect`: the course's exchange collect (`TimedCollect`, used by `nbgrader collect` and
  Formgrader's Collect button) copies a learner's inbound folder, then reads the file system's
  change times (ctime) of everything it copied. Writing, renaming, linking or re-dating a file
  sets its ctime (and its folder's) to the exchange's clock, and no user can set it back, so the
  latest ctime is an upper bound on when the collected content was last changed.
- `times file`: a list exported from the instructor's LMS (`--times FILE`; see
  `read_times_file` for the format).

A *verdict* compares the trusted time with the submission's due date (nbgrader's
`SubmittedAssignment.duedate`: the assignment's due date plus the student's extension, which
every path sets from the grading folder's extensions record first; grader/extensions.py).
With a due date and no trusted time the submission is graded as late and flagged: no time is
never taken as "on time".

A late notebook's penalty is all its points (`late_penalty`), not the score it had when it was
autograded, so a grade given later (Formgrader's manual grading) cannot lift it; the export
(`LateIsZeroCsvExport`) raises it again to the score, for extra credit given after grading.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import pwd
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, SubmittedAssignment, SubmittedNotebook
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.plugins import CsvExportPlugin
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import ignore_patterns
from traitlets import Unicode

from .extensions import Extensions, extension_of, recorded_extensions
from .learner_files import TooLarge, copy_learner_folder
from .written_times import BadTimes, column_name, parse_time, time_zone

RECORD_FOLDER = "submission-times"
# Column names accepted in a times file (compared case-insensitively, spaces and dashes as _).
STUDENT_COLUMNS = ("student_id", "student", "username", "login", "user", "id")
TIME_COLUMNS = (
    "time",
    "timestamp",
    "submitted",
    "submitted_at",
    "submission_time",
    "last_modified_submission",
)
ASSIGNMENT_COLUMN = "assignment"
MAX_CTIME_ENTRIES = 5000  # entries of an inbound folder whose change times are read

# What a verdict can say.
NO_DUE_DATE, ON_TIME, LATE, NO_TRUSTED_TIME = "no due date", "on time", "late", "no trusted time"


@dataclass(frozen=True)
class TrustedTime:
    time: datetime.datetime  # naive UTC, as nbgrader stores times
    source: str  # "collect: ..." or "times file NAME"

    def to_json(self) -> dict:
        return {"time": self.time.isoformat(), "source": self.source}

    @classmethod
    def from_json(cls, entry: dict) -> TrustedTime:
        return cls(datetime.datetime.fromisoformat(entry["time"]), str(entry["source"]))


def record_path(grading_folder: Path, assignment: str) -> Path:
    return Path(grading_folder) / RECORD_FOLDER / f"{assignment}.json"


def read_record(grading_folder: Path, assignment: str) -> dict[str, TrustedTime]:
    """Student -> trusted time, from the grading folder's record (empty if there is none)."""
    path = record_path(grading_folder, assignment)
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {student: TrustedTime.from_json(entry) for student, entry in entries.items()}


def write_record(
    grading_folder: Path, assignment: str, times: dict[str, TrustedTime | None]
) -> None:
    """Set (a TrustedTime) or forget (None) the trusted time of each student in `times`."""
    record = read_record(grading_folder, assignment)
    for student, trusted in times.items():
        if trusted is None:
            record.pop(student, None)
        else:
            record[student] = trusted
    path = record_path(grading_folder, assignment)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(
        json.dumps({s: t.to_json() for s, t in sorted(record.items())}, indent=1), encoding="utf-8"
    )
    temporary.replace(path)


def read_times_file(
    path: Path, assignment: str, zone: str | None = None, *, needs_assignment_column: bool = False
) -> dict[str, TrustedTime]:
    """The submission times of `assignment` in an LMS export: a CSV file with a header row, one
    column for the student id and one for the time (names in STUDENT_COLUMNS, TIME_COLUMNS), and
    optionally an `assignment` column (rows of other assignments are skipped; without it every
    row is `assignment`'s). Times are what the LMS writes: ISO 8601 (`2026-03-01T17:05:00Z`,
    `2026-03-01 17:05:00+01:00`) or a written date (`Sunday, 1 March 2026, 5:05 PM`). A time
    without a zone is read in `zone` (an IANA name, e.g. Europe/Berlin), and refused if no zone
    is given. An empty time means no submission. A student listed twice gets the later time.
    `needs_assignment_column`: refuse a file without one (it is read for several assignments)."""
    path = Path(path)
    source = f"times file {path.name}"
    tz = time_zone(zone)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BadTimes(f"{path}: cannot be read ({type(error).__name__}: {error})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise BadTimes(f"{path}: empty; expected a header row such as `student_id,time`")
    header = [column_name(name) for name in rows[0]]
    student_at = _find_column(header, STUDENT_COLUMNS, path, "student id")
    time_at = _find_column(header, TIME_COLUMNS, path, "time")
    assignment_at = header.index(ASSIGNMENT_COLUMN) if ASSIGNMENT_COLUMN in header else None
    if assignment_at is None and needs_assignment_column:
        raise BadTimes(
            f"{path}: no `assignment` column, so it cannot say which assignment each "
            f"time belongs to; grade one assignment at a time, or add the column"
        )
    times: dict[str, TrustedTime] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(student_at, time_at, assignment_at or 0):
            raise BadTimes(
                f"{path}, row {number}: {len(row)} columns, the header has {len(header)}"
            )
        if assignment_at is not None and row[assignment_at].strip() != assignment:
            continue
        student, written = row[student_at].strip(), row[time_at].strip()
        if not written:
            continue
        when = parse_time(written, tz, f"{path}, row {number}")
        if student not in times or when > times[student].time:
            times[student] = TrustedTime(when, source)
    return times


def _find_column(header: list[str], names: tuple[str, ...], path: Path, what: str) -> int:
    for name in names:
        if name in header:
            return header.index(name)
    raise BadTimes(
        f"{path}: no {what} column; the header must name one of: {', '.join(names)} "
        f"(it has: {', '.join(header)})"
    )


@dataclass(frozen=True)
class Verdict:
    status: str  # NO_DUE_DATE, ON_TIME, LATE or NO_TRUSTED_TIME
    trusted: TrustedTime | None
    due: datetime.datetime | None

    @property
    def penalized(self) -> bool:
        return self.status in (LATE, NO_TRUSTED_TIME)

    @property
    def source(self) -> str:
        return self.trusted.source if self.trusted else "none"


def verdict(due: datetime.datetime | None, trusted: TrustedTime | None) -> Verdict:
    """Late or not, for a submission due at `due` (naive UTC, extension included) whose trusted
    time is `trusted`."""
    if due is None:
        return Verdict(NO_DUE_DATE, trusted, due)
    if trusted is None:
        return Verdict(NO_TRUSTED_TIME, trusted, due)
    return Verdict(LATE if trusted.time > due else ON_TIME, trusted, due)


def late_penalty(notebook: SubmittedNotebook) -> float:
    """All the notebook's points (or its score, if extra credit took it higher)."""
    return max(float(notebook.max_score or 0.0), float(notebook.score or 0.0))


def timestamp_text(when: datetime.datetime) -> str:
    """A naive UTC time as nbgrader writes and reads timestamp.txt."""
    return f"{when:%Y-%m-%d %H:%M:%S.%f} UTC\n"


def write_timestamp_files(
    grading_folder: Path, assignment: str, student: str, trusted: TrustedTime | None
) -> None:
    """Make the grading folder's copies of the submission (`submitted/`, `autograded/`) carry
    the trusted time in their timestamp.txt, or none: nbgrader and Formgrader read those files
    (Formgrader shows a submission whose file and gradebook times differ as not autograded, with
    the file's time)."""
    for stage in ("submitted", "autograded"):
        folder = Path(grading_folder) / stage / student / assignment
        if folder.is_dir() and not folder.is_symlink():
            path = folder / "timestamp.txt"
            path.unlink(missing_ok=True)
            if trusted is not None:
                path.write_text(timestamp_text(trusted.time), encoding="utf-8")


def apply_verdict(
    gradebook: Gradebook,
    assignment: str,
    student: str,
    trusted: TrustedTime | None,
    penalty_method: str,
    notebooks: list[str] | None = None,
    own_due: datetime.datetime | None = None,
) -> Verdict:
    """Write the trusted time (or none) and the student's extension (`own_due`, their own due
    date from the extensions record, or None) into the gradebook's submission and set the late
    penalty of its notebooks (`notebooks`, default all): all their points if it is late or has
    no trusted time (penalty_method "zero"), none otherwise."""
    submission = gradebook.find_submission(assignment, student)
    submission.timestamp = trusted.time if trusted else None
    submission.extension = extension_of(submission.assignment.duedate, own_due)
    found = verdict(submission.duedate, trusted)
    for notebook in submission.notebooks:
        if notebooks is None or notebook.name in notebooks:
            notebook.late_submission_penalty = (
                late_penalty(notebook) if found.penalized and penalty_method == "zero" else None
            )
    gradebook.db.commit()
    return found


class AssignTrustedLatePenalties(NbGraderPreprocessor):
    """nbgrader's AssignLatePenalties, with the submission's time taken from the grading folder's
    record (never from its timestamp.txt) and a late notebook's penalty all its points."""

    grading_folder = Unicode("", help="the grading folder holding submission-times/").tag(
        config=True
    )
    penalty_method = Unicode("zero", help="'zero': late work scores zero; 'none'").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        trusted = read_record(Path(self.grading_folder), info["assignment"]).get(info["student"])
        own = recorded_extensions(Path(self.grading_folder)).get(
            (info["assignment"], info["student"])
        )
        with Gradebook(info["db_url"]) as gradebook:
            found = apply_verdict(
                gradebook,
                info["assignment"],
                info["student"],
                trusted,
                self.penalty_method,
                notebooks=[info["notebook"]],
                own_due=own.due if own else None,
            )
        write_timestamp_files(
            Path(self.grading_folder), info["assignment"], info["student"], trusted
        )
        if found.status == NO_TRUSTED_TIME:
            self.log.warning(
                "%s/%s has a due date and no trusted submission time: graded as "
                "late. Pass --times FILE or collect with the course's exchange "
                "(docs/INSTRUCTORS.md, Late work).",
                info["student"],
                info["assignment"],
            )
        elif found.status == LATE:
            self.log.warning(
                "%s/%s is late (%s, %s; due %s)",
                info["student"],
                info["assignment"],
                found.trusted.time,
                found.source,
                found.due,
            )
        return nb, resources


class StaleExtensions(ValueError):
    """The gradebook's extensions differ from the grading folder's record."""


class LateIsZeroCsvExport(CsvExportPlugin):
    """nbgrader's CSV export, after raising each late notebook's penalty to its current score
    (extra credit given after grading), so that late work exports as zero. It refuses to export
    while the gradebook's extensions differ from the grading folder's record (edited after
    lateness was applied): the penalties would not be the record's."""

    grading_folder = Unicode("", help="the grading folder holding extensions.csv").tag(config=True)

    def export(self, gradebook: Gradebook) -> None:
        if self.grading_folder:
            stale = stale_extensions(gradebook, recorded_extensions(Path(self.grading_folder)))
            if stale:
                raise StaleExtensions(
                    f"not exported: the extensions of {', '.join(stale[:20])} in the gradebook "
                    f"are not those of {Path(self.grading_folder) / 'extensions.csv'} (changed "
                    f"since lateness was applied); run `python -m grader extensions` to apply "
                    f"it (no regrading), then export again"
                )
        for notebook in gradebook.db.query(SubmittedNotebook).filter(
            SubmittedNotebook.late_submission_penalty > 0
        ):
            notebook.late_submission_penalty = late_penalty(notebook)
        gradebook.db.commit()
        super().export(gradebook)


def stale_extensions(gradebook: Gradebook, extensions: Extensions) -> list[str]:
    """`student/assignment` of each graded submission whose extension in the gradebook is not
    the one the extensions record gives."""
    stale = []
    for submission in gradebook.db.query(SubmittedAssignment):
        own = extensions.get((submission.assignment.name, submission.student.id))
        if submission.extension != extension_of(
            submission.assignment.duedate, own.due if own else None
        ):
            stale.append(f"{submission.student.id}/{submission.assignment.name}")
    return sorted(stale)


def newest_change(folder: Path) -> float | None:
    """The latest change time (ctime, seconds) of `folder` and everything under it, links not
    followed; None if it holds more than MAX_CTIME_ENTRIES entries."""
    newest, seen = os.lstat(folder).st_ctime, 0
    for parent, folders, files in os.walk(folder):
        for name in (*folders, *files):
            seen += 1
            if seen > MAX_CTIME_ENTRIES:
                return None
            newest = max(newest, os.lstat(os.path.join(parent, name)).st_ctime)
    return newest


class TimedCollect(ExchangeCollect):
    """nbgrader's collect, which also records each collected submission's trusted time: the
    latest change time of its inbound folder, read after the copy (see the module's text). The
    learner's timestamp.txt in the collected copy is replaced by that time, so nbgrader's own
    steps (collect --update, autograde) see the trusted time too; an inbound folder whose name
    holds no readable time is still collected (its name chooses nothing but which of that
    learner's own submissions is newest). It copies regular files and folders only, never
    through a learner's link (a link to the grading folder's secret.key would otherwise be copied
    with the instructor's rights and could reach that learner's feedback)."""

    def _path_to_record(self, path):
        try:
            return super()._path_to_record(path)
        except (ValueError, OverflowError):
            self.log.warning(
                "No readable time in the name of %s (written by the learner; "
                "not used for lateness)",
                path,
            )
            return {
                "username": os.path.split(path)[1].rsplit("+", 3)[0],
                "filename": os.path.split(path)[1],
                "timestamp": datetime.datetime.min,
            }

    def _owner(self, filename: str) -> str | None:
        """The account that owns an inbound folder (None where unknown)."""
        try:
            return pwd.getpwuid(os.lstat(os.path.join(self.inbound_path, filename)).st_uid).pw_name
        except (KeyError, OSError):
            return None

    def _claims_another(self, record) -> bool:
        """Whether this inbound folder is named for a learner who does not own it (any learner
        may make a folder named `alice+ASSIGNMENT+...` in the inbound). nbgrader's own
        `check_owner` (on by default) turns the check on; a hub whose learners all share one
        uid must turn it off (docs/JUPYTERHUB.md)."""
        return bool(self.check_owner) and self._owner(record["filename"]) != record["username"]

    def _sort_by_timestamp(self, records):
        """Newest first, but a learner's own folders before any named for them by someone
        else: a forged, later-dated folder never hides the learner's own submission."""
        return sorted(
            records,
            key=lambda record: (not self._claims_another(record), record["timestamp"]),
            reverse=True,
        )

    def do_copy(self, src, dest, log=None):
        """nbgrader's copy (its ignore, include and size options), but never through a link of
        the learner's (grader/learner_files.py), and never a folder named for a learner who
        does not own it."""
        student, assignment = Path(dest).parent.name, Path(dest).name
        if self._claims_another({"filename": os.path.basename(src), "username": student}):
            self.log.error(
                "Not collected: %s is named for %s but owned by %s",
                src,
                student,
                self._owner(os.path.basename(src)),
            )
            return
        ignore = ignore_patterns(
            exclude=self.coursedir.ignore,
            include=self.coursedir.include,
            max_file_size=self.coursedir.max_file_size,
            log=self.log,
        )
        try:
            copy_learner_folder(src, dest, ignore, 1000 * self.coursedir.max_dir_size, self.log)
        except (OSError, TooLarge) as error:  # that learner's submission only, not the class's
            self.log.error("Not collected: %s (%s)", src, error)
            shutil.rmtree(dest, ignore_errors=True)
            return
        changed = newest_change(Path(src))
        if changed is None:  # too many entries to read: the time of this copy, a later bound
            changed, how = time.time(), "time of collecting"
        else:
            how = "latest change in the exchange"
        when = datetime.datetime.fromtimestamp(changed, datetime.UTC).replace(tzinfo=None)
        write_record(
            Path(self.coursedir.root), assignment, {student: TrustedTime(when, f"collect ({how})")}
        )
        (Path(dest) / "timestamp.txt").write_text(timestamp_text(when), encoding="utf-8")
