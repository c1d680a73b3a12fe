"""The per-run fault report: every problem met while grading, one JSON line each.

A fault names the student, the notebook, the cell (grade_id, or the cell's position) and what
happened. The grading command turns the lines into the report an instructor reads.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from traitlets import Unicode
from traitlets.config import LoggingConfigurable


@dataclass(frozen=True)
class Fault:
    student: str
    notebook: str
    cell: str
    kind: str  # e.g. "timeout", "kernel died", "record missing", "corrupt notebook"
    detail: str

    def line(self) -> str:
        """One line of the report, whatever the fields hold (see `one_line`)."""
        return " | ".join(
            one_line(part)
            for part in (self.student, self.notebook, self.cell, self.kind, self.detail)
        )


def one_line(text: str) -> str:
    """`text` on one line: every character that is not printable (newlines, carriage returns,
    terminal escapes, Unicode line separators and direction overrides) written as its escape, so
    no text a learner controls can forge lines or columns of a report."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in str(text)
    ).replace(" | ", " \\| ")


def append_fault(path: str | Path, fault: Fault) -> None:
    with open(path, "a", encoding="utf-8") as report:
        report.write(json.dumps(asdict(fault)) + "\n")


def read_faults(path: str | Path) -> list[Fault]:
    path = Path(path)
    if not path.exists():
        return []
    return [
        Fault(**json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


class ReportsFaults(LoggingConfigurable):
    """Mixin for preprocessors: `self.report(resources, cell, kind, detail)`."""

    fault_log = Unicode("", help="JSON-lines file the run's faults are appended to").tag(
        config=True
    )

    def report(self, resources, cell: str, kind: str, detail: str) -> None:
        info = resources.get("nbgrader", {})
        fault = Fault(
            str(info.get("student", "?")), str(info.get("notebook", "?")), cell, kind, detail
        )
        self.log.warning("%s", fault.line())
        if self.fault_log:
            append_fault(self.fault_log, fault)


def cell_name(cell, index: int) -> str:
    """A cell's grade_id, or its position when it has none."""
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return grade_id or f"cell {index + 1}"
