"""Every way an instructor can grade gives the same grades, or refuses: never marks by default.

One small class of notebook 01 (a blank release, a wrong softmax, the solution) is graded by
`python -m grader autograde`, then again by `nbgrader autograde` run from the grading folder and
from the repository root (both read nbgrader_config.py, so both run the course's pipeline), by
`python -m grader autograde --jobs 2` (same grades and faults as one job), and by plain nbgrader
with none of the course's configuration, where every hidden check must score zero and say what
to run instead. On every path the wrong submission's written answer, which carries a script,
is left in the autograded notebook as text (grader/instructor_views.py), so Formgrader shows it
inert. Formgrader's buttons are in test_formgrader.py and test_course_lab.py; the hub's exchange
path (collect, then autograde) in test_exchange.py.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest

from grader.grading import read_scores
from grader.layout import NOTEBOOKS, REPOSITORY
from grader.settings import GradingSettings
from submissions import wrong as wrong_submissions
from submissions.wrong.feedforward_limits import WRONG_SUBMISSIONS
from tests.grading.harness import (
    cells_by_id,
    grade,
    hidden_points,
    run_nbgrader,
    solution_notebook,
    totals,
    with_sources,
    write_submissions,
)

pytestmark = pytest.mark.sandbox

ASSIGNMENT = "01_feedforward_limits"
WRONG = next(w for w in WRONG_SUBMISSIONS if w.name == "softmax_without_max_subtraction")
WRITTEN = "written_windows"
SCRIPTED_ANSWER = (
    'Windows remember. <script>document.title = "pwned"</script><img src=x onerror=alert(1)>'
)


def expected_grades() -> dict[str, float]:
    points = hidden_points(ASSIGNMENT)
    full = sum(points.values())
    return {
        "blank": 0.0,
        "wrong": full - sum(points[c] for c in WRONG.failing_checks),
        "correct": full,
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded by `python -m grader autograde` (one job): (root, scores, faults)."""
    root = tmp_path_factory.mktemp("paths")
    solution = solution_notebook(ASSIGNMENT)
    notebooks = {
        "blank": nbformat.read(NOTEBOOKS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4),
        "wrong": with_sources(wrong_submissions.build(solution, WRONG), {WRITTEN: SCRIPTED_ANSWER}),
        "correct": solution,
    }
    submissions = write_submissions(root / "submissions", ASSIGNMENT, notebooks)
    scores, faults = grade(root, ASSIGNMENT, {}, "--jobs", "1", submissions=submissions)
    return root, scores, faults


def _regraded_copy(graded, name: str):
    """A copy of the graded folder (gradebook, released skeletons, placed submissions)."""
    root, _, _ = graded
    folder = root / name
    shutil.copytree(root / "grading", folder)
    return folder


def assert_written_answer_is_text(folder):
    """The scripted answer is in the autograded notebook with its tags as entities."""
    autograded = nbformat.read(
        folder / "autograded" / "wrong" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4
    )
    source = cells_by_id(autograded)[WRITTEN].source
    assert "Windows remember." in source and "&lt;script>" in source and "<script" not in source
    assert "<img" not in source


def test_the_grading_command_gives_the_expected_grades(graded):
    root, scores, _ = graded
    assert totals(scores) == expected_grades()
    assert_written_answer_is_text(root / "grading")


def test_nbgrader_autograde_from_the_grading_folder_runs_the_course_pipeline(graded):
    folder = _regraded_copy(graded, "from-folder")
    completed = run_nbgrader("autograde", ASSIGNMENT, "--force", cwd=folder)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert totals(read_scores(GradingSettings(folder=folder), ASSIGNMENT)) == expected_grades()
    autograded = (folder / "autograded" / "wrong" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert "HiddenCheckFailed" in autograded  # the grader's verdict, written into the cell
    assert_written_answer_is_text(folder)


def test_nbgrader_autograde_from_the_repository_root_runs_the_course_pipeline(graded):
    folder = _regraded_copy(graded, "from-root")
    completed = run_nbgrader(
        "autograde", ASSIGNMENT, "--force", cwd=REPOSITORY, grading_folder=folder
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert totals(read_scores(GradingSettings(folder=folder), ASSIGNMENT)) == expected_grades()
    assert not (REPOSITORY / "gradebook.db").exists(), "nbgrader left a gradebook in the repository"
    assert_written_answer_is_text(folder)


def test_parallel_grading_gives_the_same_grades_and_faults_as_serial(graded, tmp_path):
    root, scores, faults = graded
    parallel_scores, parallel_faults = grade(
        tmp_path, ASSIGNMENT, {}, "--jobs", "2", submissions=root / "submissions"
    )
    assert {s: v.cells for s, v in parallel_scores.items()} == {
        s: v.cells for s, v in scores.items()
    }
    assert sorted(parallel_faults, key=str) == sorted(faults, key=str)


def test_plain_nbgrader_without_the_course_configuration_fails_closed(graded, tmp_path):
    """nbgrader's own pipeline (no course config found): the kernel would judge itself, so the
    hook refuses; every hidden check scores zero, the solution too, and says what to run."""
    folder = _regraded_copy(graded, "plain")
    (folder / "nbgrader_config.py").unlink()
    # Plain nbgrader runs every cell, experiments included: the wrong submission would take as
    # long as the correct one and show nothing more (it already scores zero from the start).
    shutil.rmtree(folder / "submitted" / "wrong")
    completed = run_nbgrader(
        "autograde",
        ASSIGNMENT,
        "--force",
        f"--CourseDirectory.root={folder}",
        "--CourseDirectory.course_id=rnn-from-scratch",
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    scores = read_scores(GradingSettings(folder=folder), ASSIGNMENT)
    assert {student: scores[student].score for student in ("blank", "correct")} == {
        "blank": 0.0,
        "correct": 0.0,
    }
    autograded = (
        folder / "autograded" / "correct" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    ).read_text()
    assert "CannotJudge" in autograded and "python -m grader autograde" in autograded


def test_the_hook_refuses_to_pass_where_it_cannot_judge(tmp_path, monkeypatch):
    """Outside grading, with no reference checks reachable: an error, never a pass."""
    import coursekit.hidden as hidden

    monkeypatch.delenv(hidden.CASES_VARIABLE, raising=False)
    monkeypatch.setattr(hidden, "_reference_checks", lambda: None)
    with pytest.raises(hidden.CannotJudge, match="cannot be judged here"):
        hidden.hidden_check("softmax", lambda logits, axis=-1: logits)
    monkeypatch.setenv(hidden.NBGRADER_EXECUTION, "autograde")
    with pytest.raises(hidden.CannotJudge, match="without the course's grading pipeline"):
        hidden.hidden_check("softmax", lambda logits, axis=-1: logits)


def test_grading_with_a_missing_skeleton_refuses_and_says_what_to_run(graded):
    folder = _regraded_copy(graded, "no-skeleton")
    shutil.rmtree(folder / "release")
    completed = run_nbgrader("autograde", ASSIGNMENT, "--force", "--student", "correct", cwd=folder)
    assert completed.returncode != 0
    assert "python -m grader prepare" in completed.stdout + completed.stderr


def test_a_failed_regrade_scores_zero_never_the_earlier_grade(graded, monkeypatch):
    """If nbgrader cannot grade a submission (here: every one fails), its autograded cells
    score zero and the report says why; the grade of an earlier run does not survive."""
    from grader import grading

    root, scores, _ = graded
    assert totals(scores)["correct"] > 0
    folder = _regraded_copy(graded, "failed-regrade")
    monkeypatch.setattr(
        grading,
        "autograde_student",
        lambda api, assignment, student: {"success": False, "detail": "crashed"},
    )
    run = grading.autograde(
        GradingSettings(folder=folder), ASSIGNMENT, root / "submissions", progress=False
    )
    assert totals(run.scores) == {"blank": 0.0, "wrong": 0.0, "correct": 0.0}
    assert {f.student for f in run.faults if f.kind == "autograde failed"} == set(scores)
