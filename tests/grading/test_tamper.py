"""Attacks and faults, each a small submission graded with the instructors' command.

Every attack pairs a *wrong* `memoryless_loss_floor` with a trick that would make a naive
autograder pass it. The rule: an attack scores no more than the same wrong answer without the
attack, and the attacked check scores zero. Faults (deaths, timeouts, floods, corrupt files)
must cost only the cells they touch. Isolation is tested the same way: code that would turn a
wrong answer right *if* it could reach the reference, the gradebook or the network.
"""

from __future__ import annotations

import json
import zipfile

import nbformat
import pytest

from grader.layout import REPOSITORY
from tests.grading.harness import (
    cells_by_id,
    grade,
    hidden_points,
    lost_checks,
    solution_notebook,
    with_sources,
    write_submissions,
)

pytestmark = pytest.mark.sandbox

ASSIGNMENT = "01_feedforward_limits"
TARGET = "memoryless_loss_floor"
WRONG_TARGET = '''def memoryless_loss_floor(text):
    """Wrong on purpose: a constant."""
    return 1.0
'''
CORRECT_FROM_REFERENCE = """
try:
    from rnn_numpy.baselines import memoryless_loss_floor
except Exception:
    pass
"""


def _attack(code: str):
    """The wrong answer, with `code` added to the learner's solution cell."""
    return with_sources(solution_notebook(ASSIGNMENT), {TARGET: WRONG_TARGET + "\n" + code})


def _insert_before(grade_id: str, code: str, notebook=None):
    notebook = notebook or solution_notebook(ASSIGNMENT)
    notebook = with_sources(notebook, {})
    index = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    notebook.cells.insert(index, nbformat.v4.new_code_cell(code))
    return notebook


def _checks_after(grade_id: str) -> set[str]:
    """Hidden checks whose cells come after the cell `grade_id`."""
    notebook = solution_notebook(ASSIGNMENT)
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells]
    start = ids.index(grade_id)
    return {i.removesuffix("_hidden") for i in ids[start:] if i and i.endswith("_hidden")}


ATTACKS = {
    "patch_numpy_comparisons": "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
    "np.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)\n"
    "np.testing.assert_allclose = lambda *a, **k: None\n",
    "patch_builtins": "import builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})\n"
    "builtins.abs = lambda x: 0\n",
    "swallow_all_errors": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n",
    "skip_the_check": "hidden_check = lambda *args, **kwargs: None\n",
    "replace_check_module": "import sys, types\nfake = types.ModuleType('coursekit.hidden')\n"
    "fake.hidden_check = lambda *a, **k: print('passed')\n"
    "sys.modules['coursekit.hidden'] = fake\n",
    "forge_empty_record": "import coursekit.hidden as h\nh.run_cases = lambda candidate, cases: []\n",
    "forge_extra_record": "import coursekit.hidden as h\n_real = h._record\n"
    "def _twice(*a):\n    _real(*a)\n    _real(*a)\nh._record = _twice\n",
    "clear_outputs_after_each_cell": "from IPython.display import clear_output\n"
    "get_ipython().events.register('post_run_cell', lambda result: clear_output())\n",
    "print_a_pass_message": "get_ipython().events.register('post_run_cell', "
    "lambda result: print('✓ all checks pass'))\n",
    "exit_quietly_in_checks": "import coursekit.hidden as h\n"
    "h.hidden_check = lambda *a, **k: (_ for _ in ()).throw(SystemExit)\n",
    "import_reference": CORRECT_FROM_REFERENCE,
    "import_reference_by_path": "import sys\nfor p in ['/work/main', '../..', '../../..']:\n"
    "    sys.path.insert(0, p)\n" + CORRECT_FROM_REFERENCE,
    # GRADING_FOLDERS: this test's grading folder and the repository's (filled in below)
    "read_gradebook_or_secret": "import os\nfound = [os.path.join(folder, name) for folder in"
    " GRADING_FOLDERS for name in ('gradebook.db', 'secret.key')"
    " if os.path.exists(os.path.join(folder, name))]\n"
    "if found:\n    memoryless_loss_floor = lambda text: float(len(found))\n",
    "shadow_modules_in_cwd": "open('numpy.py', 'w').write('raise SystemExit')\n"
    "open('coursekit.py', 'w').write('hidden_check = print')\n",
    "reach_the_network": "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 22), 2)\n"
    "    memoryless_loss_floor = None\nexcept OSError:\n    pass\n",
    "kill_parent_processes": "import os, signal\nfor pid in (1, os.getppid()):\n    try:\n"
    "        os.kill(pid, signal.SIGKILL)\n    except Exception:\n"
    "        pass\n",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every attack and fault submission in one run, as an instructor would."""
    tmp_path = tmp_path_factory.mktemp("tamper")
    solution = solution_notebook(ASSIGNMENT)
    first_check = next(iter(hidden_points(ASSIGNMENT)))
    notebooks = {"solution": solution, "wrong": _attack("")}
    folders = repr((str(tmp_path / "grading"), str(REPOSITORY / "grading")))
    notebooks.update(
        {name: _attack(code.replace("GRADING_FOLDERS", folders)) for name, code in ATTACKS.items()}
    )
    notebooks.update(
        {
            # faults
            "dies_before_target": _insert_before(TARGET, "import os\nos._exit(1)"),
            "loops_before_target": _insert_before(TARGET, "while True:\n    pass"),
            "floods_output": _insert_before(TARGET, "print('x' * 30_000_000)"),
            "exhausts_memory": _insert_before(TARGET, "import numpy as np\nx = np.ones(10**11)"),
            "warns_on_stderr_but_correct": _insert_before(
                first_check,
                "import sys, warnings\nprint('note', file=sys.stderr)\n"
                "warnings.warn('just a warning')",
            ),
            # tampered structure
            "deletes_test_cell": _without_cell(_attack(""), f"{TARGET}_hidden"),
            "edits_test_cell": _edit_cell(_attack(""), f"{TARGET}_hidden", "pass"),
            "duplicates_test_cell": _duplicate_cell(_attack(""), f"{TARGET}_hidden"),
            "retypes_test_cell": _retype_cell(_attack(""), f"{TARGET}_hidden"),
            "grades_own_cell": _append_graded_cell(_attack("")),
            "correct_but_deletes_tests": _without_cell(solution, f"{TARGET}_hidden"),
            # broken files
            "corrupt_json": b"{ this is not json",
            "not_a_notebook": json.dumps({"hello": "world"}).encode(),
            "missing_notebook": None,
        }
    )
    submissions = write_submissions(tmp_path / "submissions", ASSIGNMENT, notebooks)
    _write_zip(submissions / "zipped_good.zip", {f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb": solution})
    _write_zip(submissions / "zipped_wrong_layout.zip", {"homework/notes.txt": "no notebook"})
    _write_zip(submissions / "zipped_unsafe.zip", {f"../{ASSIGNMENT}.ipynb": solution})
    (submissions / "shadowing").mkdir()
    nbformat.write(solution, submissions / "shadowing" / f"{ASSIGNMENT}.ipynb")
    (submissions / "shadowing" / "numpy.py").write_text("raise SystemExit('shadowed')")
    (submissions / "shadowing" / "coursekit").mkdir()
    (submissions / "shadowing" / "coursekit" / "__init__.py").write_text("raise SystemExit")
    (submissions / "notes.txt").write_text("a stray file in the submissions folder")
    scores, faults = grade(
        tmp_path,
        ASSIGNMENT,
        {},
        "--timeout",
        "5",
        grading_folder=tmp_path / "grading",
        submissions=submissions,
    )
    return scores, faults


def _without_cell(notebook, grade_id):
    notebook = with_sources(notebook, {})
    notebook.cells = [
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id
    ]
    return notebook


def _edit_cell(notebook, grade_id, source):
    notebook = with_sources(notebook, {})
    cells_by_id(notebook)[grade_id].source = source
    return notebook


def _duplicate_cell(notebook, grade_id):
    notebook = with_sources(notebook, {})
    cell = cells_by_id(notebook)[grade_id]
    copy = nbformat.from_dict(dict(cell))
    copy["id"] = "duplicated-test-cell"
    notebook.cells.insert(notebook.cells.index(cell), copy)
    return notebook


def _retype_cell(notebook, grade_id):
    notebook = with_sources(notebook, {})
    index = next(
        i
        for i, c in enumerate(notebook.cells)
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    old = notebook.cells[index]
    notebook.cells[index] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata)
    return notebook


def _append_graded_cell(notebook):
    notebook = with_sources(notebook, {})
    cell = nbformat.v4.new_code_cell("print('full marks please')")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": False,
        "points": 100,
        "grade_id": "my_bonus",
        "schema_version": 3,
    }
    notebook.cells.append(cell)
    return notebook


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(
                name, content if isinstance(content, str) else nbformat.writes(content)
            )


def _lost(scores, student) -> set[str]:
    return lost_checks(scores[student])


def _faults_of(faults, student):
    return [fault for fault in faults if fault.student == student]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_scores_no_more_than_the_wrong_answer(graded, attack):
    scores, _ = graded
    assert scores["wrong"].score < scores["solution"].score
    assert scores[attack].score <= scores["wrong"].score, _lost(scores, attack)
    assert TARGET in _lost(scores, attack)


def test_the_solution_scores_full_marks_and_the_wrong_answer_loses_only_its_check(graded):
    scores, _ = graded
    assert scores["solution"].score == sum(hidden_points(ASSIGNMENT).values()) > 0
    assert _lost(scores, "wrong") == {TARGET}


def test_a_kernel_that_dies_keeps_the_scores_before_it(graded):
    scores, faults = graded
    assert _lost(scores, "dies_before_target") == _checks_after(TARGET)
    kinds = {fault.kind for fault in _faults_of(faults, "dies_before_target")}
    assert "kernel died" in kinds


def test_a_cell_that_never_ends_times_out_and_keeps_earlier_scores(graded):
    scores, faults = graded
    assert _lost(scores, "loops_before_target") == _checks_after(TARGET)
    assert "timeout" in {fault.kind for fault in _faults_of(faults, "loops_before_target")}


def test_an_output_flood_is_cut_and_costs_nothing(graded):
    scores, faults = graded
    assert scores["floods_output"].score == scores["solution"].score
    assert "output flood" in {fault.kind for fault in _faults_of(faults, "floods_output")}


def test_running_out_of_memory_costs_only_that_cell(graded):
    scores, _ = graded
    assert scores["exhausts_memory"].score == scores["solution"].score


def test_warnings_on_stderr_never_zero_a_correct_answer(graded):
    scores, _ = graded
    assert scores["warns_on_stderr_but_correct"].score == scores["solution"].score


@pytest.mark.parametrize(
    "student",
    [
        "deletes_test_cell",
        "edits_test_cell",
        "duplicates_test_cell",
        "retypes_test_cell",
        "grades_own_cell",
    ],
)
def test_test_cells_are_restored_from_the_gradebook(graded, student):
    scores, _ = graded
    assert scores[student].max_score == scores["solution"].max_score
    assert _lost(scores, student) == {TARGET}
    assert "my_bonus" not in scores[student].cells


def test_a_correct_answer_with_deleted_tests_still_gets_its_points(graded):
    scores, _ = graded
    assert scores["correct_but_deletes_tests"].score == scores["solution"].score


@pytest.mark.parametrize(
    "student",
    ["corrupt_json", "not_a_notebook", "missing_notebook", "zipped_wrong_layout", "zipped_unsafe"],
)
def test_a_broken_submission_scores_zero_is_reported_and_stops_nobody(graded, student):
    scores, faults = graded
    assert scores[student].score == 0
    assert _faults_of(faults, student), f"no fault reported for {student}"
    assert scores["zipped_good"].score == scores["solution"].score


def test_modules_shipped_beside_a_notebook_are_not_taken_in(graded):
    scores, _ = graded
    assert scores["shadowing"].score == scores["solution"].score


def test_the_sandbox_is_the_only_thing_between_a_kernel_and_the_grader(graded):
    """No fault of the grader's own kind ('grader error', 'autograde failed') in the whole run."""
    _, faults = graded
    assert not [f for f in faults if f.kind in ("grader error", "autograde failed")]
