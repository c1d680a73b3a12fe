"""Nothing the kernel says about itself is evidence (issue 15, items 1, 5 and 6), on both paths.

Each class is graded by `python -m grader autograde` and again by plain `nbgrader autograde`
(from a copy of the grading folder, whose nbgrader_config.py runs the course's pipeline), and
feedback is made by `python -m grader feedback` and by `nbgrader generate_feedback`.

- Item 1: a softmax that shifts its logits in place (01) and a sigmoid whose exp overflows (05)
  return the right values, so they keep full marks; with an extra cell that replaces the
  kernel's helpers and silences NumPy, they score exactly the same (the attack gains nothing).
- Item 5: hand_designed_rnn (02) returning int8 weights of hidden size 4500 (past the record's
  cap on numbers) and of 200 (past the exercise's H <= 64) scores zero on that check only, with
  the reason in the cell and the fault report, and judging stays cheap.
- Item 6: learner functions whose exceptions (ValueError, and classes named NotRun and
  HiddenCheckFailed) or returned class names hold their arguments, and a hook that raises a
  NotRun holding the hidden inputs, put none of it into feedback.

Feedback (issue 18) on both paths: a written answer no one has graded shows "awaiting grading"
and the total counts the points graded so far; once an instructor gives it a score, regenerated
feedback shows that score.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

import grader
from coursekit.hidden import RECORD_MIME, run_cases
from coursekit.wire import decode, encode
from grader.checks import get_check
from grader.faults import read_faults
from grader.grading import open_gradebook, read_scores
from grader.hidden_checks import HIDDEN_CHECK_FAILED, JudgeHiddenChecks
from grader.judging import MAX_RECORD_VALUES, JudgingProcess, judging_process
from grader.settings import GradingSettings
from submissions import wrong as wrong_submissions
from submissions.hostile import LEAK, LEAK_SOURCE, READS_HIDDEN_INPUTS
from submissions.wrong import feedforward_limits, lstm
from tests.grading.harness import (
    cells_by_id,
    grade,
    hidden_points,
    lost_checks,
    manual_points,
    run_grader,
    run_nbgrader,
    solution_notebook,
)

pytestmark = pytest.mark.sandbox

# An extra learner cell against the helpers that used to report in-place writes and warnings.
REPLACES_KERNEL_HELPERS = """\
import warnings
import numpy as np
import coursekit.hidden as _hook
warnings.simplefilter("ignore")
np.seterr(all="ignore")
_hook._changed = lambda before, after: []
_hook._snapshot = lambda value, path="": {}
_real_run_cases = _hook.run_cases
def _quiet_run_cases(candidate, cases, **options):
    results = _real_run_cases(candidate, cases, **options)
    for result in results:
        for key in ("changed", "warned"):
            result.pop(key, None)
    return results
_hook.run_cases = _quiet_run_cases
"""
MESSAGE_LEAKS = {  # grade_id -> a learner function whose failure carries its arguments
    "softmax": f"""\
def softmax(logits, axis=-1):
    raise ValueError({LEAK_SOURCE} + repr(logits))
""",
    "cross_entropy": f"""\
class NotRun(Exception):
    pass
def cross_entropy(logits, targets):
    raise NotRun({LEAK_SOURCE} + repr(logits) + repr(targets))
""",
    "softmax_cross_entropy_backward": f"""\
class HiddenCheckFailed(Exception):
    pass
def softmax_cross_entropy_backward(logits, targets):
    raise HiddenCheckFailed({LEAK_SOURCE} + repr(logits))
""",
    "one_hot": f"""\
def one_hot(indices, vocab_size):
    return type({LEAK_SOURCE} + repr(indices), (), {{}})()
""",
}
HOOK_RAISES_NOT_RUN = (
    READS_HIDDEN_INPUTS
    + f"""\
import coursekit.hidden as _hook
class NotRun(Exception):
    pass
def _leak(name, candidate):
    raise NotRun({LEAK_SOURCE} + _cases)
_hook.hidden_check = _leak
hidden_check = _leak
"""
)


def _before(notebook, grade_id: str, code: str):
    """A copy of `notebook` with a code cell `code` inserted before the cell `grade_id`."""
    notebook = nbformat.from_dict(notebook)
    index = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    notebook.cells[index:index] = [nbformat.v4.new_code_cell(code)]
    return notebook


def _built(module, name: str):
    submission = next(w for w in module.WRONG_SUBMISSIONS if w.name == name)
    return wrong_submissions.build(solution_notebook(_assignment(module)), submission)


def _assignment(module) -> str:
    return {"feedforward_limits": "01_feedforward_limits", "lstm": "05_lstm"}[
        module.__name__.rsplit(".", 1)[1]
    ]


def _hand_designed(hidden: int) -> str:
    return f"""\
import numpy as np
def hand_designed_rnn():
    H = {hidden}
    return {{"Wx": np.ones((3, H), np.int8), "Wh": np.eye(H, dtype=np.int8),
            "b": np.zeros(H, np.int8), "Wy": np.ones((H, 2), np.int8),
            "by": np.zeros(2, np.int8)}}
"""


def _classes():
    ff, rnn = "01_feedforward_limits", "02_rnn_recurrence"
    in_place = _built(feedforward_limits, "softmax_shifts_logits_in_place")
    overflows = _built(lstm, "sigmoid_overflows")
    leaks = nbformat.from_dict(solution_notebook(ff))
    for grade_id, source in MESSAGE_LEAKS.items():
        cells_by_id(leaks)[grade_id].source = source
    return {
        ff: {
            "solution": solution_notebook(ff),
            "in_place": in_place,
            "in_place_attacked": _before(in_place, "softmax", REPLACES_KERNEL_HELPERS),
            "leaks_in_messages": leaks,
            "leaks_through_not_run": _before(solution_notebook(ff), "one_hot", HOOK_RAISES_NOT_RUN),
        },
        "05_lstm": {
            "solution": solution_notebook("05_lstm"),
            "overflows": overflows,
            "overflows_attacked": _before(overflows, "sigmoid", REPLACES_KERNEL_HELPERS),
        },
        rnn: {
            "solution": solution_notebook(rnn),
            "hidden_4500": _with_source(rnn, "hand_designed_rnn", _hand_designed(4500)),
            "hidden_200": _with_source(rnn, "hand_designed_rnn", _hand_designed(200)),
        },
    }


def _with_source(assignment: str, grade_id: str, source: str):
    notebook = nbformat.from_dict(solution_notebook(assignment))
    cells_by_id(notebook)[grade_id].source = source
    return notebook


def _graded_both_ways(tmp_path_factory, assignment: str) -> dict:
    """One class graded both ways: {path: (scores, faults, feedback folder)}."""
    tmp_path = tmp_path_factory.mktemp(assignment)
    scores, faults = grade(tmp_path, assignment, _classes()[assignment])
    folder = tmp_path / "grading"
    made = run_grader("--grading-folder", str(folder), "feedback", assignment)
    assert made.returncode == 0, made.stderr[-2000:]
    copy = tmp_path / "by-nbgrader"
    shutil.copytree(folder, copy)
    shutil.rmtree(copy / "feedback")
    settings = GradingSettings(folder=copy)
    settings.fault_log.unlink(missing_ok=True)
    completed = run_nbgrader("autograde", assignment, "--force", cwd=copy)
    assert completed.returncode == 0, completed.stderr[-3000:]
    completed = run_nbgrader("generate_feedback", assignment, "--force", cwd=copy)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return {
        "python -m grader": (scores, faults, folder / "feedback"),
        "nbgrader": (
            read_scores(settings, assignment),
            read_faults(settings.fault_log),
            copy / "feedback",
        ),
    }


@pytest.fixture(scope="module")
def class_01(tmp_path_factory):
    return _graded_both_ways(tmp_path_factory, "01_feedforward_limits")


@pytest.fixture(scope="module")
def class_02(tmp_path_factory):
    return _graded_both_ways(tmp_path_factory, "02_rnn_recurrence")


@pytest.fixture(scope="module")
def class_05(tmp_path_factory):
    return _graded_both_ways(tmp_path_factory, "05_lstm")


def _feedback(folder, student, assignment) -> str:
    return (folder / student / assignment / f"{assignment}.html").read_text()


class TestNotebook01:
    """The tests of notebook 01's class: a unit of work of its own (tests/scheduling.py), so the
    three classes are graded side by side on the test workers."""

    def test_in_place_writes_carry_no_points_and_replacing_the_helpers_gains_nothing(
        self, class_01
    ):
        for path, (scores, _, _) in class_01.items():
            full = sum(hidden_points("01_feedforward_limits").values())
            assert scores["solution"].score == full, path
            assert scores["in_place"].score == full, (path, lost_checks(scores["in_place"]))
            assert scores["in_place_attacked"].score <= scores["in_place"].score, path

    def test_exception_messages_and_class_names_never_reach_feedback(self, class_01):
        for path, (scores, _, feedback) in class_01.items():
            assert lost_checks(scores["leaks_in_messages"]) == set(MESSAGE_LEAKS), path
            html = _feedback(feedback, "leaks_in_messages", "01_feedforward_limits")
            assert LEAK not in html, path
            assert "raised ValueError" in html, path  # a built-in class is named
            assert "an exception of a class of your own" in html, path  # NotRun, HiddenCheckFailed
            assert "an object of its own class" in html, path
            html = _feedback(feedback, "leaks_through_not_run", "01_feedforward_limits")
            assert LEAK not in html and "the check was not run" in html, path


class TestNotebook05:
    """The tests of notebook 05's class: a unit of work of its own (tests/scheduling.py), so the
    three classes are graded side by side on the test workers."""

    def test_overflow_warnings_carry_no_points_and_silencing_them_gains_nothing(self, class_05):
        for path, (scores, _, _) in class_05.items():
            full = sum(hidden_points("05_lstm").values())
            assert scores["solution"].score == full, path
            assert scores["overflows"].score == full, (path, lost_checks(scores["overflows"]))
            assert scores["overflows_attacked"].score <= scores["overflows"].score, path


class TestNotebook02:
    """The tests of notebook 02's class: a unit of work of its own (tests/scheduling.py), so the
    three classes are graded side by side on the test workers."""

    def test_past_the_limits_of_judging_that_check_scores_zero_with_a_reason(self, class_02):
        for path, (scores, faults, feedback) in class_02.items():
            full = sum(hidden_points("02_rnn_recurrence").values())
            assert scores["solution"].score == full, path
            for student, reason in (
                ("hidden_4500", f"more than {MAX_RECORD_VALUES} numbers"),
                ("hidden_200", "hidden size H from 1 to 64"),
            ):
                assert lost_checks(scores[student]) == {"hand_designed_rnn"}, (path, student)
                kinds = {f.kind: f.detail for f in faults if f.student == student}
                assert reason in kinds.get("judging limit", ""), (path, student, kinds)
                assert reason in _feedback(feedback, student, "02_rnn_recurrence"), (path, student)


WRITTEN_01 = "written_windows"  # notebook 01's written answer, graded by hand


def test_feedback_shows_a_written_answer_no_one_has_graded_as_awaiting_grading(class_01):
    assignment = "01_feedforward_limits"
    automatic, by_hand = sum(hidden_points(assignment).values()), manual_points(assignment)
    for path, (scores, _, feedback) in class_01.items():
        html = _feedback(feedback, "solution", assignment)
        assert scores["solution"].cells[WRITTEN_01] == (0, by_hand), path  # nbgrader's zero
        assert f"Written response</a> (Score: awaiting grading ({by_hand:.1f} points))" in html
        assert f"Score: awaiting grading ({by_hand:.1f} points)" in _heading(html, WRITTEN_01)
        assert (
            f"(Score so far: {automatic:.1f} / {automatic + by_hand:.1f}; "
            f"{by_hand:.1f} points awaiting grading)" in html
        ), path
        assert f"0.0 / {by_hand:.1f}" not in html, path


def test_once_graded_by_hand_feedback_shows_the_score(class_01, tmp_path):
    """The instructor scores the written answer (what Formgrader's Manual Grading page saves)
    and runs `nbgrader generate_feedback` again: the score shows, nothing waits."""
    assignment = "01_feedforward_limits"
    automatic, by_hand = sum(hidden_points(assignment).values()), manual_points(assignment)
    folder = tmp_path / "graded"
    shutil.copytree(class_01["nbgrader"][2].parent, folder)
    settings = GradingSettings(folder=folder)
    with open_gradebook(settings) as gradebook:
        grade = gradebook.find_grade(WRITTEN_01, assignment, assignment, "solution")
        grade.manual_score = 1.5
        grade.needs_manual_grade = False
        gradebook.db.commit()
    completed = run_nbgrader(
        "generate_feedback", assignment, "--student", "solution", "--force", cwd=folder
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    html = _feedback(folder / "feedback", "solution", assignment)
    assert "awaiting" not in html
    assert f"Written response</a> (Score: 1.5 / {by_hand:.1f})" in html
    assert f"Score: 1.5 / {by_hand:.1f}" in _heading(html, WRITTEN_01)
    assert f"(Score: {automatic + 1.5:.1f} / {automatic + by_hand:.1f})" in html


def _heading(html: str, grade_id: str) -> str:
    """The panel heading of the cell `grade_id` in a feedback page."""
    return html.split(f'<a name="{grade_id}"></a>', 1)[1].split("</div>", 1)[0]


# -- judging's cost, measured on the record a kernel writes ------------------------------------
def _record(name: str, candidate, cases) -> str:
    wire_cases = decode(encode([case.to_wire() for case in cases]), live=False)
    return encode({"check": name, "results": run_cases(candidate, wire_cases)})


def _seconds(judging, name, cases, text):
    started = time.monotonic()
    outcome = judging.judge(name, cases, text)
    return outcome, time.monotonic() - started


def test_judging_a_huge_hand_designed_rnn_costs_about_what_a_wrong_answer_costs():
    """The issue's record (int8, H = 4500) took 126 s to judge; an ordinary wrong answer ~1 s.
    Generous ceiling: the machine may be loaded."""
    check = get_check("hand_designed_rnn")
    cases = check.cases(1, 2)
    huge = _record(
        "hand_designed_rnn",
        lambda: {
            "Wx": np.ones((3, 4500), np.int8),
            "Wh": np.eye(4500, dtype=np.int8),
            "b": np.zeros(4500, np.int8),
            "Wy": np.ones((4500, 2), np.int8),
            "by": np.zeros(2, np.int8),
        },
        cases,
    )
    wrong = _record(
        "hand_designed_rnn",
        lambda: {
            "Wx": np.ones((3, 4)),
            "Wh": np.eye(4),
            "b": np.zeros(4),
            "Wy": np.ones((4, 2)),
            "by": np.zeros(2),
        },
        cases,
    )
    judging = JudgingProcess(60)
    try:
        judging.judge("hand_designed_rnn", cases, wrong)  # the worker is started
        outcome, ordinary = _seconds(judging, "hand_designed_rnn", cases, wrong)
        assert outcome.kind == "verdict" and not outcome.passed
        outcome, hostile = _seconds(judging, "hand_designed_rnn", cases, huge)
    finally:
        judging.close()
    print(f"judging: ordinary wrong answer {ordinary:.2f} s, H = 4500 int8 {hostile:.2f} s")
    assert outcome.kind == "judging limit" and not outcome.passed
    assert hostile < 30


def test_a_record_judged_past_its_time_scores_zero_and_the_next_is_judged_again():
    check = get_check("softmax")
    cases = check.cases(1, 2)
    from rnn_numpy.activations import softmax

    text = _record("softmax", softmax, cases)
    slow = JudgingProcess(0.001)
    try:
        slow._worker()  # started: only judging counts against the limit
        outcome = slow.judge("softmax", cases, text)
        assert outcome.kind == "judging limit" and "longer than 0.001 s" in outcome.text
        slow.seconds = 120  # a killed worker is started again for the next
        outcome = slow.judge("softmax", cases, text)
        assert outcome.kind == "verdict" and outcome.passed, outcome
    finally:
        slow.close()


def _hidden_cell(record: str):
    """A hidden test cell of softmax as a kernel leaves it: the one-line call, its record."""
    cell = nbformat.v4.new_code_cell('hidden_check("softmax", softmax)')
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "softmax_hidden"}
    cell.outputs = [nbformat.v4.new_output("display_data", data={RECORD_MIME: record})]
    return cell


def test_a_grading_thread_keeps_its_judging_worker_and_a_bad_record_gets_a_fresh_one():
    """Starting a judging worker costs about 0.3 s of CPU, a tenth of a notebook's grading: a
    thread keeps its own from notebook to notebook. A record that does not judge as a plain
    verdict has the worker closed (grader/hidden_checks.py), so the next record, whoever's,
    meets a fresh one."""
    from rnn_numpy.activations import softmax

    cases = get_check("softmax").cases(1, 2)
    good = _record("softmax", softmax, cases)

    def grade(record: str) -> str:
        notebook = nbformat.v4.new_notebook(cells=[_hidden_cell(record)])
        resources = {"rnn_course": {"cases": {"softmax": cases}}, "nbgrader": {}}
        JudgeHiddenChecks().preprocess(notebook, resources)
        return notebook.cells[0].outputs[0].get("ename", "passed")

    judging = judging_process(JudgeHiddenChecks().judge_seconds)
    assert grade(good) == "passed"
    first = judging.pid
    assert first is not None and grade(good) == "passed" and judging.pid == first
    assert grade("{not a record") == HIDDEN_CHECK_FAILED and judging.pid is None
    assert grade(good) == "passed" and judging.pid not in (None, first)
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(judging_process(judging.seconds)))
    thread.start()
    thread.join()
    assert elsewhere[0] is not judging


def test_decoding_counts_every_number_before_building_anything():
    from coursekit.wire import TooLarge

    text = encode({"a": np.zeros(600, np.int8), "b": [0.0] * 500})
    assert decode(text, max_values=1100)["a"].shape == (600,)
    with pytest.raises(TooLarge):
        decode(text, max_values=1000)


def test_an_unreadable_record_is_not_quoted_in_the_cell():
    from grader.judging import judge_record

    outcome = judge_record("softmax", [], '{"__' + LEAK + '0.123456": 1}')
    assert outcome.kind == "tampered record"
    assert LEAK not in outcome.text and LEAK in outcome.detail  # the instructor's report only


def test_the_judging_worker_runs_the_code_of_the_checkout_that_started_it(tmp_path):
    """Under PYTHONSAFEPATH (no working folder on sys.path) the worker still imports the grader
    of the checkout that started it (its PYTHONPATH), not the installed (editable) one: here a
    copy of the checkout whose judge answers where its code lives."""
    root = Path(grader.__file__).resolve().parents[1]
    ignore = shutil.ignore_patterns("__pycache__")
    for package in ("grader", "coursekit", "rnn_numpy"):
        shutil.copytree(root / package, tmp_path / package, ignore=ignore)
    judging = tmp_path / "grader" / "judging.py"
    signature = "def judge_record(name: str, cases: list, text: str) -> Outcome:\n"
    assert signature in judging.read_text()
    judging.write_text(
        judging.read_text().replace(
            signature,
            signature + '    if name == "where?":\n        return Outcome("verdict", __file__)\n',
        )
    )
    parent = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "from grader.judging import JudgingProcess\n"
        "worker = JudgingProcess(120)\n"
        "print(worker.judge('where?', [], '').text)\n"
        "worker.close()\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    answer = subprocess.run(
        [sys.executable, "-c", parent],
        env=dict(environment, PYTHONSAFEPATH="1"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert answer.stdout.strip() == str(judging), answer.stderr[-2000:]
