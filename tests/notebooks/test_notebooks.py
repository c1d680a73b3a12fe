"""The notebooks: in sync, well-formed, and they run.

- `notebooks/` is exactly what `python -m grader release` makes from `solutions/`;
- provided cells are exactly the earlier notebooks' solutions (in 03 to 07 collapsed, after
  Settings);
- every graded cell is a one-line hidden check of a known check, every exercise has one (or
  one per part, for an exercise judged in parts);
- nothing of the solutions or hidden tests is in `notebooks/`, and no notebook has outputs;
- every solution notebook runs top to bottom with its hidden checks passing (in-process);
- every released notebook runs top to bottom failing only with NotImplementedError.
"""

from __future__ import annotations

import dataclasses
import json
import time

import nbformat
import pytest
from nbclient import NotebookClient

from coursekit.full_size import CAPSTONE
from coursekit.long_lag import LongLagSettings
from coursekit.marked_bit import MarkedBitSettings
from grader.checks import registry
from grader.hidden_checks import hidden_check_name
from grader.layout import NOTEBOOKS, SOLUTIONS, course_files, written_assignments
from grader.release import provided_source
from submissions import wrong as wrong_submissions
from submissions.wrong import wrong_submissions_of
from tests.grading.harness import printed, run_grader, solution_notebook

ASSIGNMENTS = written_assignments()
# Generous ceilings, not speed figures: a notebook that hangs or loops fails here, whatever the
# machine's load. How long each solution notebook takes, against the course's target (seconds
# on a quiet machine), is `python -m benchmarks.solution_notebooks`'s to print.
CEILING_SECONDS = 900


def _cells(notebook, cell_type="code", **flags):
    """Cells of `cell_type` whose nbgrader metadata has the given flags."""
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == cell_type
        and all(cell.metadata.get("nbgrader", {}).get(k) == v for k, v in flags.items())
    ]


def _read(folder, assignment):
    return nbformat.read(folder / assignment / f"{assignment}.ipynb", as_version=4)


def test_released_notebooks_are_what_release_makes(tmp_path):
    completed = run_grader(
        "--grading-folder", str(tmp_path / "grading"), "release", "--to", str(tmp_path / "released")
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    for assignment in ASSIGNMENTS:
        fresh = {
            p.relative_to(tmp_path / "released"): p
            for p in course_files(tmp_path / "released" / assignment)
        }
        committed = {p.relative_to(NOTEBOOKS): p for p in course_files(NOTEBOOKS / assignment)}
        assert set(fresh) == set(committed), "run `python -m grader release` and commit notebooks/"
        for name, path in fresh.items():
            if path.suffix == ".ipynb":
                assert json.loads(path.read_text()) == json.loads(committed[name].read_text()), (
                    f"{name} is out of date: run `python -m grader release`"
                )
            else:
                assert path.read_bytes() == committed[name].read_bytes(), name


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_provided_cells_are_the_earlier_solutions(assignment):
    for cell in _read(SOLUTIONS, assignment).cells:
        references = cell.metadata.get("rnn_course", {}).get("provided")
        if references:
            assert cell.source == provided_source(references), (
                "provided cell out of date: run `python -m grader release`"
            )
            assert cell.metadata["nbgrader"]["locked"]


@pytest.mark.parametrize(
    "assignment",
    [
        "03_bptt",
        "04_gradient_pathologies",
        "05_lstm",
        "06_gru_and_deep_rnns",
        "07_char_language_model",
    ],
)
@pytest.mark.parametrize("folder", [SOLUTIONS, NOTEBOOKS], ids=["solutions", "notebooks"])
def test_provided_cells_come_collapsed_after_the_settings(assignment, folder):
    """The notebook opens on its own subject: its title, imports and Settings come first, the
    provided copies of earlier answers after them, their source hidden."""
    cells = _read(folder, assignment).cells
    settings = [
        index
        for index, cell in enumerate(cells)
        if cell.cell_type == "markdown" and cell.source.startswith("## Settings")
    ]
    provided = [
        index
        for index, cell in enumerate(cells)
        if cell.metadata.get("rnn_course", {}).get("provided")
    ]
    assert len(settings) == 1 and provided
    assert cells[settings[0] + 1].cell_type == "code" and min(provided) > settings[0] + 1
    for index in provided:
        assert cells[index].metadata.get("jupyter", {}).get("source_hidden") is True


def test_the_long_lag_race_defaults_are_notebook_06s_settings():
    """tools/compare_cells_long_lag.py runs coursekit.long_lag with its defaults: they are the
    values of notebook 06's Settings cell, so the tool and the notebook run the same race."""
    cells = _read(SOLUTIONS, "06_gru_and_deep_rnns").cells
    heading = next(
        index for index, cell in enumerate(cells) if cell.source.startswith("## Settings")
    )
    settings: dict = {}
    exec(cells[heading + 1].source, settings)
    for field in dataclasses.fields(LongLagSettings):
        assert settings[field.name.upper()] == field.default, field.name


def test_notebook_07_reads_the_capstone_settings_and_gives_every_cell_a_rate():
    """The race reads its text as the capstone does (one definition: coursekit.full_size's
    CAPSTONE, which the learners' full-size run and the benchmark use), and every cell of the
    race has its own learning rate."""
    cells = _read(SOLUTIONS, "07_char_language_model").cells
    heading = next(
        index for index, cell in enumerate(cells) if cell.source.startswith("## Settings")
    )
    settings: dict = {"CAPSTONE": CAPSTONE}
    exec(cells[heading + 1].source, settings)
    assert settings["STREAMS"] == CAPSTONE["streams"] == 16
    assert settings["CHUNK_LENGTH"] == CAPSTONE["chunk"] == 16
    assert settings["MAX_NORM"] == CAPSTONE["max_norm"]
    assert set(settings["LEARNING_RATES"]) == set(settings["CELL_TYPES"])
    assert settings["FULL_SIZE"] is False  # CI and a first run of the notebook stay small


def test_the_marked_bit_task_defaults_are_notebook_04s_settings():
    """tools/research/explosion.py and rmsprop_grid.py run coursekit.marked_bit with its
    defaults: they are the values of notebook 04's Settings cell (the field names in capitals),
    so the tools and the notebook run the same experiments."""
    cells = _read(SOLUTIONS, "04_gradient_pathologies").cells
    heading = next(
        index for index, cell in enumerate(cells) if cell.source.startswith("## Settings")
    )
    settings: dict = {}
    exec(cells[heading + 1].source, settings)
    for field in dataclasses.fields(MarkedBitSettings):
        assert settings[field.name.upper()] == field.default, field.name


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_exercise_has_one_hidden_check_and_every_graded_cell_is_one(assignment):
    """One hidden test cell per check; an exercise judged in parts (a check's `part_of`) has a
    cell for each of its parts, and every part is graded."""
    notebook = _read(SOLUTIONS, assignment)
    checks = registry()
    exercises = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in _cells(notebook, solution=True)
        if cell.cell_type == "code"
    }
    graded = [cell for cell in _cells(notebook, grade=True) if cell.cell_type == "code"]
    called = set()
    for cell in graded:
        name = hidden_check_name(cell)
        assert name in checks, f"{cell.metadata['nbgrader']['grade_id']}: not a known check"
        assert cell.metadata["nbgrader"]["grade_id"] == f"{name}_hidden"
        assert cell.metadata["nbgrader"]["points"] > 0 and cell.metadata["nbgrader"]["locked"]
        called.add(name)
    judged = {checks[name].exercise for name in called}
    assert exercises == judged, f"exercises without a check: {exercises - judged}"
    parts = {name for name, check in checks.items() if check.exercise in exercises}
    assert parts == called, f"parts without a hidden test cell: {parts - called}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_wrong_submission_finds_its_text_in_the_solution(assignment):
    """A solution edited since a wrong submission was written breaks it here, in a second, not
    minutes into grading (tests/grading/test_pipeline.py grades them)."""
    solution = solution_notebook(assignment)
    for submission in wrong_submissions_of(assignment):
        wrong_submissions.build(solution, submission)  # raises if an edit's text is not there


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_written_answers_are_graded_by_hand_with_a_rubric(assignment):
    """At least one markdown answer graded by hand (notebook standard), its rubric inside the
    solution markers (so the release drops it), worth points the autograder never gives."""
    written = _cells(_read(SOLUTIONS, assignment), "markdown", solution=True, grade=True)
    assert written, "every notebook has at least one written answer graded by hand"
    released = {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in _cells(_read(NOTEBOOKS, assignment), "markdown", grade=True)
    }
    for cell in written:
        meta = cell.metadata["nbgrader"]
        assert meta["points"] > 0 and meta["locked"] is False and meta["schema_version"] == 3
        assert cell.source.startswith("### BEGIN SOLUTION") and "Rubric" in cell.source
        assert cell.source.rstrip().endswith("### END SOLUTION")
        assert "Rubric" not in released[meta["grade_id"]].source


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nothing_hidden_reaches_the_released_notebook(assignment):
    text = (NOTEBOOKS / assignment / f"{assignment}.ipynb").read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "hidden_check(", "rnn_numpy"):
        assert secret not in text, secret
    for folder in (SOLUTIONS, NOTEBOOKS):
        for path in (folder / assignment).glob("*.ipynb"):
            notebook = nbformat.read(path, as_version=4)
            assert not any(
                c.get("outputs") or c.get("execution_count")
                for c in notebook.cells
                if c.cell_type == "code"
            ), f"{path} has outputs"
    for cell in _cells(_read(SOLUTIONS, assignment), solution=True):
        assert "grader." not in cell.source and "import grader" not in cell.source, (
            "a solution must be plain NumPy, not the reference"
        )


def _execute(path, *, allow_errors: bool):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CEILING_SECONDS,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - started


# Each assignment's two runs are a unit of work of its own (tests/scheduling.py), so the
# notebook runs spread over the test workers.
EACH_A_UNIT = [pytest.param(a, id=f"@{a}") for a in ASSIGNMENTS]


@pytest.mark.parametrize("assignment", EACH_A_UNIT)
def test_solution_notebook_runs_top_to_bottom_with_its_hidden_checks_passing(assignment):
    notebook, seconds = _execute(SOLUTIONS / assignment / f"{assignment}.ipynb", allow_errors=False)
    hidden = [cell for cell in _cells(notebook, grade=True) if cell.cell_type == "code"]
    passed = [cell for cell in hidden if "hidden check" in printed(cell)]
    assert len(passed) == len(hidden)
    print(f"{assignment}: solution notebook ran in {seconds:.1f} s")
    assert seconds < CEILING_SECONDS


@pytest.mark.parametrize("assignment", EACH_A_UNIT)
def test_released_notebook_fails_only_with_not_implemented(assignment):
    notebook, _ = _execute(NOTEBOOKS / assignment / f"{assignment}.ipynb", allow_errors=True)
    errors = [
        (index, output.ename, output.evalue)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors, "a blank notebook should stop at the exercises"
    assert {ename for _, ename, _ in errors} == {"NotImplementedError"}, errors
