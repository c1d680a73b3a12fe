"""Hidden checks judged by the grader, not by the learner's kernel.

Before execution, `PrepareHiddenChecks` reads which check each hidden test cell calls (from the
cell source nbgrader restored from the gradebook), makes that check's cases and writes the inputs
(never the answers) to a file the jailed kernel may read. Each check has two case sets, both
seeded from the course's secret key (see `case_seeds`): a fixed one, the same for every student
of the course, so the same mistake gets the same verdict; and a fresh one for this student and
this version of the submission, so regrading the same submission gives the same result while a
changed submission meets new cases (answers cannot be looked up from earlier feedback).

After execution, `JudgeHiddenChecks` replaces every hidden test cell's outputs with the verdict:
it takes the one record the cell emitted, decodes it strictly, and compares it with the
reference in a worker process of the grader's (grader.judging: bounded in numbers and time).
Whatever else the learner's code printed, raised or patched in its kernel does not count. A check
with no record, more than one, one that does not decode, or one past judging's bounds scores
zero, with the reason in the cell and in the fault report.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Unicode

from coursekit.hidden import RECORD_MIME
from coursekit.wire import encode

from .checks import get_check
from .faults import ReportsFaults, cell_name
from .judging import judging_process
from .verdict_records import CheckVerdict, remove_record, write_record

HIDDEN_CHECK_CALL = re.compile(r"""^\s*hidden_check\(\s*["'](\w+)["']\s*,\s*\w+\s*\)\s*$""", re.M)
HIDDEN_CHECK_FAILED = "HiddenCheckFailed"
NOT_RUN = "NotRun"  # grader.execute.NOT_RUN (not imported: execute imports this module)


def hidden_check_name(cell) -> str | None:
    """The check a hidden test cell calls, or None if it is not a one-line hidden check cell."""
    found = HIDDEN_CHECK_CALL.findall(cell.source)
    return found[0] if len(found) == 1 else None


def is_test_cell(cell) -> bool:
    return (
        cell.cell_type == "code"
        and nbgrader_utils.is_grade(cell)
        and not nbgrader_utils.is_solution(cell)
    )


def load_or_create_secret(path: str | Path) -> bytes:
    """The course's secret key (created on first use, readable only by the grading user)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def _keyed_seed(secret: bytes, *parts: str) -> int:
    message = "\0".join(parts).encode()
    return int.from_bytes(hmac.new(secret, message, hashlib.sha256).digest()[:8], "little")


def case_seeds(
    secret: bytes, student: str, assignment: str, check: str, submission: str
) -> tuple[int, int]:
    """(fresh, fixed): seeds no learner can predict. `fixed` is the course's for this check;
    `fresh` also depends on the student and on the submission's digest."""
    return (
        _keyed_seed(secret, "fresh", student, assignment, check, submission),
        _keyed_seed(secret, "fixed", assignment, check),
    )


def submission_digest(nb) -> str:
    """A digest of every code cell's source: what the learner's code is, whatever its outputs."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode() + b"\0")
    return digest.hexdigest()


VERDICT_FOLDER_HELP = (
    "Folder of the grader's verdict records (grader/verdict_records.py); empty: none are kept"
)


def _record_names(resources) -> tuple[str, str, str]:
    info = resources.get("nbgrader", {})
    return (
        str(info.get("assignment", "")),
        str(info.get("student", "")),
        str(info.get("notebook", "")),
    )


class PrepareHiddenChecks(NbGraderPreprocessor):
    """Make each hidden check's cases and write their inputs for the kernel."""

    secret_file = Unicode("", help="File holding the course's secret key").tag(config=True)
    verdict_folder = Unicode("", help=VERDICT_FOLDER_HELP).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        if self.verdict_folder:  # an earlier grading's verdicts are not this one's
            remove_record(self.verdict_folder, *_record_names(resources))
        secret = load_or_create_secret(self.secret_file)
        submission = submission_digest(nb)
        cases, wire = {}, {}
        for cell in nb.cells:
            name = hidden_check_name(cell) if is_test_cell(cell) else None
            if name is None or name in cases:
                continue
            try:
                check = get_check(name)
            except KeyError:
                continue  # judged as a grader error below
            fresh, fixed = case_seeds(
                secret,
                str(info.get("student", "")),
                str(info.get("assignment", "")),
                name,
                submission,
            )
            cases[name] = check.cases(fresh, fixed)
            wire[name] = encode([case.to_wire() for case in cases[name]])
        descriptor, path = tempfile.mkstemp(prefix="rnn-course-cases-", suffix=".json")
        with os.fdopen(descriptor, "w") as cases_file:
            json.dump(wire, cases_file)
        resources["rnn_course"] = {"cases": cases, "cases_file": path}
        return nb, resources


class JudgeHiddenChecks(ReportsFaults, NbGraderPreprocessor):
    """Replace each hidden test cell's outputs with the grader's own verdict."""

    judge_seconds = Float(
        60.0,
        help="Time one hidden check's record may take to judge (in a "
        "worker process, grader.judging); past it the check scores zero",
    ).tag(config=True)
    verdict_folder = Unicode("", help=VERDICT_FOLDER_HELP).tag(config=True)

    def preprocess(self, nb, resources):
        state = resources.get("rnn_course", {})
        self._judging = judging_process(self.judge_seconds)
        verdicts = []
        try:
            for index, cell in enumerate(nb.cells):
                if is_test_cell(cell):
                    verdicts.append(
                        self._judge_cell(cell, index, state.get("cases", {}), resources)
                    )
        except BaseException:
            self._judging.close()
            raise
        finally:
            if state.get("cases_file"):
                Path(state["cases_file"]).unlink(missing_ok=True)
        if self.verdict_folder:
            write_record(self.verdict_folder, *_record_names(resources), verdicts)
        return nb, resources

    def _judge_cell(self, cell, index, all_cases, resources) -> CheckVerdict:
        """Judge one test cell (its outputs become the verdict); the grader's record of it."""
        where = cell_name(cell, index)
        name = hidden_check_name(cell)

        def failed(kind: str, text: str, mistakes=()) -> CheckVerdict:
            _fail(cell, text)
            return CheckVerdict(
                where, name, False, kind, tuple(mistakes), (text.splitlines() or [""])[0]
            )

        if name is None or name not in all_cases:
            self.report(
                resources,
                where,
                "grader error",
                f"test cell is not a known one-line hidden check: {cell.source[:80]!r}",
            )
            return failed(
                "grader error", "this test cell could not be judged; your instructor has been told"
            )
        records = [
            output
            for output in cell.get("outputs", [])
            if output.get("output_type") == "display_data" and RECORD_MIME in output.get("data", {})
        ]
        if not records:
            problem = _why_no_record(cell, name)
            self.report(resources, where, "no record", problem)
            return failed("no record", problem)
        if len(records) > 1:
            problem = f"the cell reported {len(records)} results for one check, so none is trusted"
            self.report(resources, where, "tampered record", problem)
            return failed("tampered record", problem)
        outcome = self._judging.judge(name, all_cases[name], records[0]["data"][RECORD_MIME])
        if outcome.kind != "verdict":
            self._judging.close()  # the next record, whoever's, meets a fresh worker
            self.report(resources, where, outcome.kind, outcome.detail or outcome.text)
            return failed(outcome.kind, outcome.text)
        if not outcome.passed:
            return failed("verdict", outcome.text, outcome.mistakes)
        cell.outputs = [
            new_output("stream", name="stdout", text=f"✓ hidden check {name}: {outcome.text}\n")
        ]
        return CheckVerdict(where, name, True, "verdict")


def _why_no_record(cell, name: str) -> str:
    """Why a test cell has no record, in words that hold no text of the kernel's: an error's
    message is learner output (it can carry the hidden inputs), and so is the name of any class
    learner code made, even one named like the grader's own `NotRun` (grader.execute marks the
    cells it did not run with that name; learner code can raise a class of the same name, so the
    name alone is all this trusts, and it says the same for both)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename = str(output.get("ename"))
            if ename == NOT_RUN:
                return (
                    "the check was not run: grading stopped before this cell (an earlier cell "
                    "ran out of time, or the kernel died or its time budget ran out; the "
                    "first cell that failed says which)"
                )
            known = (
                ename.isidentifier()
                and isinstance(getattr(builtins, ename, None), type)
                and issubclass(getattr(builtins, ename), BaseException)
            )
            return (
                f"the check could not call your code: it raised "
                f"{ename if known else 'an exception of a class of your own'}"
            )
    return f"the check '{name}' did not report a result (did the cell run?)"


def _fail(cell, explanation: str) -> None:
    lines = explanation.splitlines() or [explanation]
    cell.outputs = [
        new_output(
            "error",
            ename=HIDDEN_CHECK_FAILED,
            evalue=lines[0],
            traceback=[f"{HIDDEN_CHECK_FAILED}:", *lines],
        )
    ]
