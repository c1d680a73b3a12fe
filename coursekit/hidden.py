"""The hook a hidden test cell calls: `hidden_check("rnn_step_forward", rnn_step_forward)`.

While a notebook is being graded (the grader sets RNN_COURSE_CASES to a file of inputs), this
only *records* what the learner's function returns on the grader's inputs, as a display output
of MIME type RECORD_MIME; the grader judges the record outside the kernel.

Anywhere else it looks for the course's reference checks (present for instructors and for
self-learners who cloned the repository) and runs the check right here, raising AssertionError
with the check's diagnostic messages if it fails.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from coursekit.stand_ins import standing_in
from coursekit.wire import WireError, decode, encode

CASES_VARIABLE = "RNN_COURSE_CASES"
RECORD_MIME = "text/x-rnn-course-record"


def hidden_check(name: str, candidate) -> None:
    cases_file = os.environ.get(CASES_VARIABLE)
    if cases_file:
        _record(name, candidate, Path(cases_file))
    else:
        _check_locally(name, candidate)


def run_cases(candidate, wire_cases: list) -> list[dict]:
    """Call `candidate` on each case; what it returned or raised, ready to encode.

    A returned result also says which arguments the call changed in place ("changed") and which
    calls to stood-in upstream functions found no answer ("upstream_misses")."""
    results = []
    for case in wire_cases:
        args, kwargs = decode(encode(case["args"])), decode(encode(case["kwargs"]))
        before = _snapshot({"args": args, "kwargs": kwargs})
        misses: list[str] = []
        upstream = decode(encode(case["upstream"])) if case.get("upstream") else None
        try:
            with standing_in(candidate, upstream, misses):
                value = candidate(*args, **kwargs)
            if case["pick"] is not None and isinstance(value, (tuple, list)):
                value = value[case["pick"]]
        except Exception as error:  # the learner's error is a result to report
            results.append({"raised": (type(error).__name__, str(error))})
            continue
        try:
            encode(value)
        except (WireError, TypeError, ValueError, OverflowError):
            results.append({"unsendable": type(value).__name__})
            continue
        result = {"returned": value}
        changed = _changed(before, _snapshot({"args": args, "kwargs": kwargs}))
        if changed:
            result["changed"] = changed
        if misses:
            result["upstream_misses"] = misses
        results.append(result)
    return results


def _snapshot(value, path: str = "") -> dict:
    """Copies of every array (and the layout of every container) inside `value`, by path."""
    found = {}
    if isinstance(value, np.ndarray):
        found[path] = value.copy()
    elif isinstance(value, (list, tuple)):
        found[path] = ("sequence", len(value))
        for index, item in enumerate(value):
            found.update(_snapshot(item, f"{path}[{index}]"))
    elif isinstance(value, dict):
        found[path] = ("keys", tuple(sorted(map(str, value))))
        for key, item in value.items():
            label = f"['{key}']" if path else key
            found.update(_snapshot(item, f"{path}{label}"))
    return found


def _changed(before: dict, after: dict) -> list[str]:
    """Paths (e.g. "args[2]['Wx']") whose array or container differs between two snapshots."""
    changed = []
    for path, old in before.items():
        new = after.get(path)
        if isinstance(old, np.ndarray):
            same = (isinstance(new, np.ndarray) and new.shape == old.shape
                    and new.dtype == old.dtype
                    and np.array_equal(new, old, equal_nan=old.dtype.kind in "fc"))
        else:
            same = new == old
        if not same and path:
            changed.append(path)
    return [path for path in changed
            if not any(path != other and path.startswith(other) for other in changed)]


def _record(name: str, candidate, cases_file: Path) -> None:
    from IPython.display import display

    all_cases = json.loads(cases_file.read_text())
    wire_cases = decode(all_cases[name], live=False)
    record = encode({"check": name, "results": run_cases(candidate, wire_cases)})
    display({RECORD_MIME: record}, raw=True)


def _check_locally(name: str, candidate) -> None:
    checks = _reference_checks()
    if checks is None:
        print(f"The hidden check '{name}' runs when your instructor grades this notebook.")
        return
    verdict = checks.run_locally(name, candidate)
    if not verdict.passed:
        raise AssertionError(f"hidden check '{name}' failed:\n{verdict.explain()}")
    print(f"hidden check '{name}': {verdict.explain()}")


def _reference_checks():
    """The course's `grader.reference.checks`, if this machine has it (never in a sandbox)."""
    try:
        import grader.reference.checks as checks
        return checks
    except ImportError:
        pass
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "grader" / "reference" / "checks" / "__init__.py").is_file():
            sys.path.insert(0, str(folder))
            import grader.reference.checks as checks
            return checks
    return None
