"""Submissions that attack the grader itself, graded in one run by `python -m grader`.

One run (in a process of its own, so its peak memory can be read) grades every submission of
`hostile.py`; then feedback for all. Each test reads that run: memory and time stay bounded, a
submission costs only its own cells, planted code reaches no one, no learner output reaches the
feedback, the report keeps one line per fault, and intake turns every broken submission into a
reported zero.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from grader.faults import read_faults
from grader.grading import read_scores
from grader.settings import GradingSettings
from submissions import hostile
from tests.grading.harness import (
    hidden_points,
    lost_checks,
    printed,
    run_grader,
    run_nbgrader,
    solution_notebook,
)

pytestmark = pytest.mark.sandbox

ASSIGNMENT, TARGET = hostile.ASSIGNMENT, hostile.TARGET
# The grading process's own peak resident memory while it grades every hostile submission:
# about 300 MB of its own, plus at most 512 MB it may grow while one kernel runs before the
# kernel is stopped (SandboxedExecute.grader_growth_mb), plus what arrives between
# two looks (0.05 s). The README's threat model states the same bound.
GRADER_PEAK_BOUND_MB = 1200


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("hostile")
    submissions = hostile.build_submissions(tmp_path / "submissions")
    folder = tmp_path / "grading"
    completed, peak_mb, seconds = hostile.grade_measured(folder, submissions, *hostile.OPTIONS)
    assert completed.returncode == 0, completed.stderr[-3000:]
    settings = GradingSettings(folder=folder)
    scores = read_scores(settings, ASSIGNMENT)
    faults = read_faults(settings.fault_log)
    report = max((folder / "reports").glob(f"autograde-{ASSIGNMENT}-*.txt")).read_text()
    # A student whose feedback cannot be made (its autograded notebook is gone) must cost
    # only that student's feedback.
    (folder / "autograded" / "fork_bomb" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").unlink()
    feedback = run_grader("--grading-folder", str(folder), "feedback", ASSIGNMENT)
    return {
        "scores": scores,
        "faults": faults,
        "report": report,
        "peak_mb": peak_mb,
        "seconds": seconds,
        "folder": folder,
        "feedback": feedback,
        "stderr": completed.stderr,
    }


def _strings(value) -> list[str]:
    """Every string inside nested lists and dicts."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in _strings(item)]


def _lost(run, student) -> set[str]:
    return lost_checks(run["scores"][student])


def _kinds(run, student) -> set[str]:
    return {fault.kind for fault in run["faults"] if fault.student == student}


def _details(run, student) -> str:
    return "\n".join(fault.detail for fault in run["faults"] if fault.student == student)


def _checks_after(grade_id: str) -> set[str]:
    ids = [
        cell.metadata.get("nbgrader", {}).get("grade_id")
        for cell in solution_notebook(ASSIGNMENT).cells
    ]
    return {
        i.removesuffix("_hidden") for i in ids[ids.index(grade_id) :] if i and i.endswith("_hidden")
    }


def _feedback_html(run, student) -> str:
    return (run["folder"] / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def _autograded(run, student):
    return nbformat.read(
        run["folder"] / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
    )


def test_the_grader_stays_within_its_memory_bound(run):
    print(
        f"grader peak RSS {run['peak_mb']:.0f} MB, {run['seconds']:.0f} s for "
        f"{len(run['scores'])} hostile submissions"
    )
    assert run["peak_mb"] < GRADER_PEAK_BOUND_MB, run["stderr"][-2000:]


def test_the_solution_and_an_honest_student_after_every_attack_score_full_marks(run):
    full = sum(hidden_points(ASSIGNMENT).values())
    for student in ("solution", "zz_honest_after_attacks"):
        assert run["scores"][student].score == full, (student, _lost(run, student))
    assert _lost(run, "aa_plants_code_for_later_kernels") == {TARGET}


@pytest.mark.parametrize(
    "student",
    ["fork_bomb", "floods_update_display", "floods_clear_output", "sends_one_huge_message"],
)
def test_an_attack_on_the_grader_costs_nothing_but_its_own_cell(run, student):
    assert run["scores"][student].score == run["scores"]["solution"].score, _lost(run, student)
    assert not _kinds(run, student) & {"timeout", "time budget", "kernel died"}, _details(
        run, student
    )


def test_output_floods_are_cut_per_notebook_over_every_output_path(run):
    for student in ("floods_update_display", "floods_clear_output"):
        assert "output flood" in _kinds(run, student), student
        notebook = _autograded(run, student)
        assert len(nbformat.writes(notebook)) < 12_000_000


def test_a_fork_bomb_is_stopped_and_its_processes_killed(run):
    assert "processes killed" in _kinds(run, "fork_bomb")


def test_a_message_too_big_for_the_grader_stops_that_kernel_only(run):
    """2.4 GB in one message: the watch stops the kernel once the grader has grown 512 MB (on a
    machine too loaded to pass that much in time, the cell's timeout or the notebook's time
    budget does); either way the rest of that notebook, and nothing else, is lost (the memory
    bound is tested above)."""
    assert _lost(run, "sends_many_frames") == _checks_after(TARGET)
    details = _details(run, "sends_many_frames")
    assert any(
        reason in details for reason in ("grader grow", "still running after", "time budget")
    ), details


def test_a_notebook_that_runs_past_its_time_budget_loses_only_what_was_not_reached(run):
    assert _lost(run, "slow_cells") == _checks_after(TARGET)
    assert "time budget" in _kinds(run, "slow_cells")
    assert "time budget" in json.dumps(
        [cell.get("outputs") for cell in _autograded(run, "slow_cells").cells]
    )


def test_only_plain_text_and_png_from_learner_code_reach_anyone(run):
    notebook = _autograded(run, "displays_unsafe_content")
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    kinds = {key for output in outputs for key in output.get("data", {})}
    assert kinds <= {"text/plain", "image/png"}, kinds
    shown = "\n".join(_strings(outputs))
    assert "plain text is kept" in shown
    html = _feedback_html(run, "displays_unsafe_content")
    for unsafe in hostile.UNSAFE_SHOWN:
        assert unsafe not in shown and unsafe not in html, unsafe


@pytest.mark.parametrize(
    "student", ["prints_hidden_inputs", "prints_hidden_inputs_in_visible_check"]
)
def test_feedback_carries_no_output_of_learner_code(run, student):
    html = _feedback_html(run, student)
    assert hostile.LEAK not in html and "__ndarray__" not in html
    assert "HiddenCheckFailed" in html or "✓ hidden check" in html  # the verdicts are there
    assert "_cases" in html and "RNN_COURSE_CASES" in html  # the learner's own source is there


def test_a_forged_record_is_that_students_fault_and_stops_nobody(run):
    assert _lost(run, "forges_record_shape") == _checks_after(TARGET)  # every check it forged
    assert "tampered record" in _kinds(run, "forges_record_shape")
    assert not [f for f in run["faults"] if f.kind in ("grader error", "autograde failed")]


def test_the_report_has_one_line_per_fault_whatever_learners_wrote(run):
    report = run["report"]
    assert not [line for line in report.splitlines() if line.startswith("zz-forged")]
    assert "full marks" not in report or "\\n" in report
    faults_section = report.split("Faults (")[1].split("\n\n")[0].splitlines()
    assert len(faults_section) == 1 + len(run["faults"])


def test_feedback_failing_for_one_student_is_that_students_fault(run):
    feedback = run["feedback"]
    assert feedback.returncode == 0, feedback.stderr[-2000:]
    assert "fork_bomb" in feedback.stdout and "feedback failed" in feedback.stdout
    written = {path.parts[-3] for path in (run["folder"] / "feedback").glob("*/*/*.html")}
    assert written == set(run["scores"]) - {"fork_bomb"}


@pytest.mark.parametrize("student", ["renamed_by_browser", "renamed_by_jupyter", "renamed_case"])
def test_common_renames_are_accepted_and_reported(run, student):
    assert run["scores"][student].score == run["scores"]["solution"].score
    assert "renamed notebook accepted" in _details(run, student)


@pytest.mark.parametrize(
    "student, reason",
    [
        ("clash", "2 submissions under your id (clash/ and clash.zip)"),
        ("zip_bomb_of_copies", "could not be read as a notebook"),
        ("zip_of_too_many_entries", "at most 2000 are read"),
        ("zip_with_forged_names", "no notebook named"),
        ("zip_encrypted", "could not be read as a notebook"),
        ("zip_corrupt_entry", "could not be read as a notebook"),
        ("missing_notebook", "no notebook named 01_feedforward_limits.ipynb"),
    ],
)
def test_a_broken_submission_scores_zero_is_reported_and_its_feedback_says_why(
    run, student, reason
):
    assert run["scores"][student].score == 0
    assert reason in _details(run, student), _details(run, student)
    html = _feedback_html(run, student)
    assert "could not be graded" in html and "NotImplementedError" not in html
    assert len(html) < 3000


@pytest.mark.parametrize("shape", [[2**62, 2**62, 2**62], [10**30], [2**40] * 40, [-1], [True]])
def test_decoding_rejects_absurd_shapes_before_multiplying(shape):
    from coursekit.wire import WireError, decode

    text = json.dumps({"__ndarray__": {"dtype": "float64", "shape": shape, "data": ""}})
    with pytest.raises(WireError):
        decode(text, live=False)


def test_a_fault_is_one_line_whatever_its_text():
    from grader.faults import Fault

    line = Fault("s", "n", "c", "k", "a\nforged | line\r\x1b[2J\u2028\u202e").line()
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\u2028" not in line
    assert line.count(" | ") == 4


KEYRING_PAIR = ("aa_stores_code_in_keyrings", "zz_loads_code_from_keyrings")


def _printed(notebook, marker: str) -> str:
    """The text a cell printed, when it printed `marker` (harness.printed joins a cell's
    stream outputs)."""
    texts = (printed(cell) for cell in notebook.cells if cell.cell_type == "code")
    return "\n".join(text for text in texts if marker in text)


def _assert_keyrings_shared_nothing(scores, stored_in, loaded_in) -> None:
    """The student who stored the correct function in keys keeps what its own code earns; the
    later one, whose function is wrong, scores what that wrong function earns: no key call
    worked (EPERM), and it found nothing."""
    storer, loader = KEYRING_PAIR
    assert scores[storer].score == scores["solution"].score
    assert lost_checks(scores[loader]) == {TARGET}
    stored, loaded = _printed(stored_in, "KEYRING-STORE"), _printed(loaded_in, "KEYRING-LOAD")
    assert '{"session": "EPERM"}' in stored, stored
    assert loaded.endswith("nothing\n") and "EPERM" in loaded and "ENOKEY" not in loaded, loaded


def test_code_stored_in_a_kernel_keyring_reaches_no_later_kernel(run):
    _assert_keyrings_shared_nothing(run["scores"], *[_autograded(run, s) for s in KEYRING_PAIR])


def test_code_stored_in_a_kernel_keyring_reaches_no_later_kernel_through_nbgrader(run, tmp_path):
    """The same pair and an honest student after them, graded again by plain `nbgrader
    autograde` from the grading folder (the course's configuration, so the same sandbox)."""
    folder = tmp_path / "nbgrader"
    shutil.copytree(run["folder"], folder)
    kept = (*KEYRING_PAIR, "zz_honest_after_attacks", "solution")
    for graded in ("submitted", "autograded"):
        for student in (folder / graded).iterdir():
            if student.name not in kept or graded == "autograded":
                shutil.rmtree(student)
    completed = run_nbgrader("autograde", ASSIGNMENT, "--force", cwd=folder)
    assert completed.returncode == 0, completed.stderr[-3000:]
    scores = read_scores(GradingSettings(folder=folder), ASSIGNMENT)
    notebooks = [
        nbformat.read(
            folder / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
        )
        for student in KEYRING_PAIR
    ]
    _assert_keyrings_shared_nothing(scores, *notebooks)
    assert scores["zz_honest_after_attacks"].score == sum(hidden_points(ASSIGNMENT).values())
