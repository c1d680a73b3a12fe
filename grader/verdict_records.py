"""The grader's own record of every hidden check's verdict, per graded notebook.

The class report (grader/class_report.py) counts which named mistake each student made from
these records, never from anything learner code wrote: JudgeHiddenChecks writes them in the
grading process, after judging, into the grading folder (the instructor's, mode 0700; the
learner's kernel runs in the sandbox and cannot reach it). PrepareHiddenChecks removes a
notebook's record before its kernel runs, so a record never outlives the grading that wrote it
(a submission whose grading then fails has none, and the report says so).

One JSON file per notebook, `verdicts/ASSIGNMENT/STUDENT/NOTEBOOK.json` in the grading folder:

    {"checks": [{"cell": "rnn_forward_hidden",      # the test cell's grade_id
                 "check": "rnn_forward",            # the hidden check it calls (or null)
                 "passed": false,
                 "kind": "verdict",                 # or the fault's kind: "no record", ...
                 "mistakes": ["every step starts from h0 ..."],  # listed Mistakes matched
                 "message": "case 'N=1, T=1': h ..."}]}          # the verdict's first line
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

FOLDER = "verdicts"


@dataclass(frozen=True)
class CheckVerdict:
    cell: str
    check: str | None
    passed: bool
    kind: str
    mistakes: tuple[str, ...] = ()
    message: str = ""


@dataclass
class NotebookVerdicts:
    student: str
    notebook: str
    checks: list[CheckVerdict] = field(default_factory=list)


def _component(name: str) -> str | None:
    """`name` if it can be one path component (nbgrader's ids are folder names already)."""
    name = str(name)
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        return None
    return name


def record_path(folder: str | Path, assignment: str, student: str, notebook: str) -> Path | None:
    parts = [_component(part) for part in (assignment, student, notebook)]
    if None in parts:
        return None
    return Path(folder) / parts[0] / parts[1] / f"{parts[2]}.json"


def remove_record(folder: str | Path, assignment: str, student: str, notebook: str) -> None:
    path = record_path(folder, assignment, student, notebook)
    if path is not None:
        path.unlink(missing_ok=True)


def write_record(
    folder: str | Path, assignment: str, student: str, notebook: str, checks: list[CheckVerdict]
) -> None:
    """Replace the notebook's record with `checks` (atomically: a reader never sees half)."""
    path = record_path(folder, assignment, student, notebook)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".json")
    with os.fdopen(descriptor, "w", encoding="utf-8") as output:
        json.dump({"checks": [asdict(check) for check in checks]}, output)
    os.replace(temporary, path)


def read_records(folder: str | Path, assignment: str) -> dict[str, list[NotebookVerdicts]]:
    """Student -> the records of their graded notebooks of `assignment`."""
    records: dict[str, list[NotebookVerdicts]] = {}
    root = Path(folder) / assignment
    for path in sorted(root.glob("*/*.json")) if root.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            checks = [
                CheckVerdict(**dict(entry, mistakes=tuple(entry.get("mistakes", ()))))
                for entry in data["checks"]
            ]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            continue  # unreadable: its lost checks count as having no record (the report says)
        records.setdefault(path.parent.name, []).append(
            NotebookVerdicts(path.parent.name, path.stem, checks)
        )
    return records
