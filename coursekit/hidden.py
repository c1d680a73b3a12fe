"""The hook a hidden test cell calls: `hidden_check("rnn_step_forward", rnn_step_forward)`.

While a notebook is being graded (the grader sets RNN_COURSE_CASES to a file of inputs), this
only *records* what the learner's function returns on the grader's inputs, as a display output
of MIME type RECORD_MIME; the grader judges the record outside the kernel.

Anywhere else it runs the check right here, with the local judge registered in this environment
(the repository's pyproject.toml registers the course's hidden checks, for instructors and
self-learners who cloned it), raising AssertionError with the check's diagnostic messages if it
fails. `coursekit` never imports the grader by name.

It fails closed: where it cannot judge (no reference checks on this machine), or where nbgrader
is grading without the course's pipeline (nbgrader sets NBGRADER_EXECUTION=autograde and a
learner's code would run in the same kernel as the judge), it raises `CannotJudge`, so the test
cell scores zero instead of passing.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

from coursekit.stand_ins import standing_in
from coursekit.wire import WireError, decode, encode

CASES_VARIABLE = "RNN_COURSE_CASES"
RECORD_MIME = "text/x-rnn-course-record"
NBGRADER_EXECUTION = "NBGRADER_EXECUTION"  # set by nbgrader while it autogrades


class CannotJudge(RuntimeError):
    """A hidden check ran where it cannot be judged fairly: it must score zero, never pass."""


def hidden_check(name: str, candidate) -> None:
    cases_file = os.environ.get(CASES_VARIABLE)
    if cases_file:
        _record(name, candidate, Path(cases_file))
    else:
        _check_locally(name, candidate)


def run_cases(candidate, wire_cases: list, *, details: bool = False) -> list[dict]:
    """Call `candidate` on each case; what it returned, or the class of what it raised, ready to
    encode.

    This runs in the learner's kernel, so nothing here is evidence beyond the returned values:
    the grader judges only those (learner code can replace this very function). A result may
    also say how many calls to stood-in upstream functions found no answer ("upstream_misses"),
    which the grader shows as advice only. With `details` (a local run on the learner's own
    machine, never grading) a raised exception keeps its message and a miss its description;
    when grading, an exception's message could carry the hidden inputs into feedback, so the
    kernel does not send it (and the grader would discard it: grader.checks)."""
    results = []
    for case in wire_cases:
        args, kwargs = decode(encode(case["args"])), decode(encode(case["kwargs"]))
        misses: list[str] = []
        upstream = decode(encode(case["upstream"])) if case.get("upstream") else None
        try:
            # NumPy's warnings are not results (they carry no points) and are not shown: the
            # same call gives the same record under any warning filter (pytest's -W error too)
            with warnings.catch_warnings(), standing_in(candidate, upstream, misses):
                warnings.simplefilter("ignore", RuntimeWarning)
                value = candidate(*args, **kwargs)
            if case["pick"] is not None and isinstance(value, (tuple, list)):
                value = value[case["pick"]]
        except Exception as error:  # the learner's error is a result to report
            results.append(
                {"raised": [type(error).__name__, str(error)] if details else type(error).__name__}
            )
            continue
        try:
            encode(value)
        except (WireError, TypeError, ValueError, OverflowError):
            results.append({"unsendable": type(value).__name__})
            continue
        result = {"returned": value}
        if misses:
            result["upstream_misses"] = misses if details else len(misses)
        results.append(result)
    return results


def _record(name: str, candidate, cases_file: Path) -> None:
    from IPython.display import display

    all_cases = json.loads(cases_file.read_text())
    wire_cases = decode(all_cases[name], live=False)
    record = encode({"check": name, "results": run_cases(candidate, wire_cases)})
    display({RECORD_MIME: record}, raw=True)


def _check_locally(name: str, candidate) -> None:
    if os.environ.get(NBGRADER_EXECUTION) == "autograde":
        raise CannotJudge(
            f"hidden check '{name}' was run by nbgrader without the course's grading pipeline, "
            f"which judges it outside the learner's kernel; grade with `python -m grader "
            f"autograde` or run nbgrader from the repository or grading folder, where "
            f"nbgrader_config.py sets that pipeline up"
        )
    checks = _reference_checks()
    if checks is None:
        raise CannotJudge(
            f"hidden check '{name}' cannot be judged here: the course's reference "
            f"checks are not on this machine (they run when the notebook is graded)"
        )
    verdict = checks.run_locally(name, candidate)
    if not verdict.passed:
        raise AssertionError(f"hidden check '{name}' failed:\n{verdict.explain()}")
    print(f"hidden check '{name}': {verdict.explain()}")


LOCAL_JUDGE_GROUP = "rnn_course.local_judge"


def _reference_checks():
    """The local judge registered under LOCAL_JUDGE_GROUP (the repository's pyproject.toml
    registers `grader.checks`), if this machine has it: an instructor's or a self-learner's clone.
    A learner kit, or a grading sandbox, has none, or one that cannot be imported: None."""
    from importlib.metadata import entry_points

    for entry in entry_points(group=LOCAL_JUDGE_GROUP):
        try:
            return entry.load()
        except ImportError:
            continue
    return None
