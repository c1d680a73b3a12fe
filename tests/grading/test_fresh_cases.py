"""Feedback is no oracle: the cases a submission meets are the same on a regrade, new when it
changes, and a failure message never states the expected value.

The probe is a learner function that returns an array whose shape encodes a digest of its
inputs: the verdict names a wrongly shaped result's shape, the one channel of learner-chosen
digits left in feedback (exception messages never reach it: test_kernel_judgements.py). A lookup
table built from one round of feedback must meet new inputs next round.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.grading.harness import grade, run_grader, solution_notebook, with_sources

pytestmark = pytest.mark.sandbox

ASSIGNMENT = "01_feedforward_limits"
PROBE = '''def dense_forward(x, W, b):
    """Reports a digest of its inputs, as the shape of its result, instead of an answer."""
    import hashlib
    import numpy as np
    digest = int(hashlib.sha256(x.tobytes() + W.tobytes()).hexdigest()[:6], 16)
    return np.zeros((0, 1 + digest % 4093, 1 + digest // 4093 % 4093)), (x, W, b)
'''


def _digests_by_case(grading_folder, student) -> dict[str, str]:
    """case label -> digest, read from the student's feedback (as the learner would)."""
    completed = run_grader("--grading-folder", str(grading_folder), "feedback", ASSIGNMENT)
    assert completed.returncode == 0, completed.stderr[-2000:]
    page = (grading_folder / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    found = dict(
        re.findall(r"case '([^']+)': \S+ has shape \(0, (\d+, \d+)\)", html.unescape(page))
    )
    assert found, "the probe's shapes did not reach the feedback"
    return found


def test_regrading_repeats_the_cases_and_a_changed_submission_meets_fresh_ones(tmp_path):
    folder = tmp_path / "grading"
    probe = with_sources(solution_notebook(ASSIGNMENT), {"dense_forward": PROBE})
    grade(tmp_path / "1", ASSIGNMENT, {"mallory": probe}, grading_folder=folder)
    first = _digests_by_case(folder, "mallory")
    grade(tmp_path / "2", ASSIGNMENT, {"mallory": probe}, grading_folder=folder)
    assert _digests_by_case(folder, "mallory") == first  # same submission, same cases
    changed = with_sources(probe, {"dense_forward": PROBE + "# looked up my feedback\n"})
    grade(tmp_path / "3", ASSIGNMENT, {"mallory": changed}, grading_folder=folder)
    again = _digests_by_case(folder, "mallory")
    fixed = {label for label in first if "(fresh draw)" not in label}
    fresh = set(first) - fixed
    assert fixed and fresh
    assert {label: again[label] for label in fixed} == {label: first[label] for label in fixed}
    assert all(again[label] != first[label] for label in fresh)


def test_a_failure_message_gives_only_the_order_of_the_error(tmp_path):
    wrong = with_sources(
        solution_notebook(ASSIGNMENT),
        {
            "dense_forward": '''def dense_forward(x, W, b):
    """Off by a small constant (the cache as documented)."""
    return x @ W + b + 0.0123, (x, W, b)
'''
        },
    )
    grade(tmp_path, ASSIGNMENT, {"eve": wrong}, grading_folder=tmp_path / "g")
    completed = run_grader("--grading-folder", str(tmp_path / "g"), "feedback", ASSIGNMENT)
    assert completed.returncode == 0
    page = html.unescape(
        (tmp_path / "g" / "feedback" / "eve" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    )
    assert "the errors are up to about 1e-2" in page
    assert not re.search(r"1\.2\d*e-0?2", page)  # the size of the error, to useful precision
