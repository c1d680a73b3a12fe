"""What learners get: the learner kit (`python -m grader learner-kit`) and the Binder set-up.

Neither may carry instructor tooling or anything that gives answers away: no solutions, no
grader or reference package, no hidden tests, no nbgrader (so no Formgrader or Create Assignment
in the learner's JupyterLab), no nbgrader configuration; and the kit's own course.py must install
only the learner's requirements.
"""

from __future__ import annotations

import importlib.metadata
import runpy
import tomllib
import zipfile

import nbformat
from nbclient import NotebookClient

from grader.layout import NOTEBOOKS, REPOSITORY, course_files, written_assignments
from grader.learner_kit import KIT_ROOT, kit_pyproject
from grader.release import exposures
from tests.grading.harness import run_grader
from tests.test_environment_files import pip_pins

FORBIDDEN_TEXT = (
    "BEGIN SOLUTION",
    "BEGIN HIDDEN TESTS",
    "hidden_check(",
    "rnn_numpy",
    "MARK SCHEME",
)


def test_the_learner_kit_holds_the_course_and_nothing_of_the_instructors(tmp_path):
    destination = tmp_path / "kit.zip"
    completed = run_grader(
        "--grading-folder",
        str(tmp_path / "grading"),
        "learner-kit",
        "--to",
        str(destination),
        "--expose-open-answers",
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    with zipfile.ZipFile(destination) as archive:
        names = {name.removeprefix(f"{KIT_ROOT}/") for name in archive.namelist()}
        archive.extractall(tmp_path / "kit")
    kit = tmp_path / "kit" / KIT_ROOT
    for assignment in written_assignments():
        assert f"notebooks/{assignment}/{assignment}.ipynb" in names
    assert {
        "README.md",
        "course.py",
        "pyproject.toml",
        "requirements/learner.txt",
        "coursekit/hidden.py",
        "binder/requirements.txt",
        "binder/postBuild",
        "binder/runtime.txt",
    } <= names
    assert {n for n in names if n.startswith("notebooks/")} == {
        f"notebooks/{p.relative_to(NOTEBOOKS).as_posix()}" for p in course_files(NOTEBOOKS)
    }
    for name in names:
        top = name.split("/")[0]
        assert top not in (
            "solutions",
            "grader",
            "submissions",
            "tests",
            "tools",
            "benchmarks",
            "grading",
        ), name
        assert ".ipynb_checkpoints" not in name and "__pycache__" not in name, name
        assert not name.endswith(("nbgrader_config.py", "gradebook.db", "secret.key")), name
    for path in kit.rglob("*"):
        if path.is_file() and path.suffix in (".ipynb", ".py", ".md", ".txt", ".toml"):
            text = path.read_text(encoding="utf-8")
            if path.relative_to(kit).as_posix() == "coursekit/hidden.py":
                continue  # the hook itself is named in its own docstring
            for secret in FORBIDDEN_TEXT:
                assert secret not in text, f"{secret!r} in {path.relative_to(kit)}"
    assert "nbgrader" not in pip_pins("learner.txt")
    assert not any(
        "nbgrader" in line
        for line in (kit / "requirements" / "learner.txt").read_text().splitlines()
        if not line.startswith("#")
    )
    kit_course = runpy.run_path(str(kit / "course.py"))  # as `python3 course.py` there sees it
    assert kit_course["INSTRUCTOR"] is False
    assert kit_course["REQUIREMENTS"]["lab"] == kit / "requirements" / "learner.txt"
    assert kit_course["main"](["test"]) == 2  # no test suite in a kit


def test_binder_installs_the_learner_environment_and_hides_the_instructors_files():
    requirements = (REPOSITORY / "binder" / "requirements.txt").read_text().splitlines()
    assert [line for line in requirements if line and not line.startswith("#")] == [
        "-r ../requirements/learner.txt"
    ]
    post_build = (REPOSITORY / "binder" / "postBuild").read_text()
    assert "pip install --no-deps ." in post_build
    for folder in ("solutions", "grader", "tests", "nbgrader_config.py"):
        assert folder in post_build.split("for instructors in", 1)[1].split(";")[0], folder


def test_the_learner_kit_is_refused_while_it_gives_away_open_answers(tmp_path):
    """The kit holds every notebook, so the provided cells of later notebooks (03 provides 02's
    answers): refused unless those assignments are closed or the instructor insists."""
    exposed = sorted({exposure.answers_of for exposure in exposures()})
    common = ("--grading-folder", str(tmp_path / "grading"), "learner-kit")
    refused = run_grader(*common, "--to", str(tmp_path / "refused.zip"))
    assert refused.returncode == 2 and "not closed" in refused.stderr
    assert not (tmp_path / "refused.zip").exists()
    closed = [argument for name in exposed for argument in ("--closed", name)]
    allowed = run_grader(*common, "--to", str(tmp_path / "closed.zip"), *closed)
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert (tmp_path / "closed.zip").is_file()


def test_binder_asks_for_a_python_the_pins_install_on():
    assert (REPOSITORY / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_binder_is_built_from_a_repository_that_never_held_the_solutions(tmp_path):
    import subprocess

    repository = tmp_path / "learners"
    common = (
        "--grading-folder",
        str(tmp_path / "grading"),
        "learner-kit",
        "--repository",
        "--to",
        str(repository),
        "--expose-open-answers",
    )
    for _ in range(2):  # built, then rebuilt for the next release: a second commit
        completed = run_grader(*common)
        assert completed.returncode == 0, completed.stderr[-2000:]
    git = ["git", "-C", str(repository)]
    commits = subprocess.run(
        [*git, "rev-list", "--all"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(commits) == 2
    for commit in commits:
        names = subprocess.run(
            [*git, "ls-tree", "-r", "--name-only", commit],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        assert "binder/runtime.txt" in names and "binder/postBuild" in names
        for name in names:
            assert name.split("/")[0] not in ("solutions", "grader", "tests", "tools"), name
            assert not name.endswith(("nbgrader_config.py", "secret.key")), name
        for name in names:
            if name.endswith((".ipynb", ".py", ".md", ".txt")) and name != "coursekit/hidden.py":
                text = subprocess.run(
                    [*git, "show", f"{commit}:{name}"], capture_output=True, text=True, check=True
                ).stdout
                for secret in FORBIDDEN_TEXT:
                    assert secret not in text, f"{secret!r} in {name} at {commit}"
    # the instructors' repository refuses to be Binder's (its .git holds the solutions)
    refused = subprocess.run(
        ["bash", str(REPOSITORY / "binder" / "postBuild")],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "learners' repository" in refused.stderr


# In a Jupyter kernel: which bar tqdm.auto draws, and what it warned on the way.
TQDM_IN_A_KERNEL = """\
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from tqdm.auto import tqdm
    bar = tqdm(total=3, desc="updates")
    bar.update(3)
    bar.close()
import tqdm.notebook
print("widget bar:", isinstance(bar, tqdm.notebook.tqdm_notebook))
print("warnings:", [str(warning.message) for warning in caught])
"""


def test_tqdm_bars_render_as_widgets_in_the_learners_jupyterlab():
    """The learner's environment (requirements/learner.txt, which Binder installs, and the kit's
    pyproject.toml) has ipywidgets, so in a kernel tqdm.auto draws the widget bar and does not
    warn "IProgress not found". The kernel here runs this environment, whose ipywidgets is the
    pinned one."""
    pinned = pip_pins("learner.txt")["ipywidgets"]
    assert importlib.metadata.version("ipywidgets") == pinned
    kit_dependencies = tomllib.loads(kit_pyproject().decode())["project"]["dependencies"]
    assert "ipywidgets" in kit_dependencies
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TQDM_IN_A_KERNEL)])
    NotebookClient(notebook, kernel_name="python3", timeout=300).execute()
    outputs = notebook.cells[0].outputs
    printed = "".join(
        output.get("text", "") for output in outputs if output.get("name") == "stdout"
    )
    shown = {mimetype for output in outputs for mimetype in output.get("data", {})}
    assert "widget bar: True" in printed and "warnings: []" in printed, printed
    assert "application/vnd.jupyter.widget-view+json" in shown, outputs
    assert "IProgress" not in str(outputs)


# The learner's run of notebook 07's full-size tool, as a kit has it: the kit's coursekit, no
# editable install (so neither rnn_numpy nor the grader), the learner's own functions.
FULL_SIZE_RUN = """
import importlib.util, json, sys
sys.meta_path[:] = [f for f in sys.meta_path
                    if not getattr(f, '__module__', '').startswith('__editable__')]
sys.path[:] = [KIT] + [p for p in sys.path if '__editable__' not in p]
for package in ('rnn_numpy', 'grader', 'submissions'):
    assert importlib.util.find_spec(package) is None, package
import functools
import coursekit, coursekit.full_size
assert coursekit.__file__.startswith(KIT), coursekit.__file__
namespace = {}
for source in CELLS:
    exec(source, namespace)
called = []
learners_loop = namespace['train_char_model']

def train_char_model(*args, **kwargs):  # the learner's own loop, its calls counted
    called.append(args[0])
    return learners_loop(*args, **kwargs)

namespace['train_char_model'] = train_char_model
namespace['train_full_size'] = functools.partial(coursekit.full_size.train_full_size, **SMALL)
namespace['FULL_SIZE'] = True
exec(FULL_SIZE_CELL, namespace)
first = namespace['full_size']
exec(FULL_SIZE_CELL, namespace)  # again: read back, not trained again
again = namespace['full_size']
rnn = first['rnn']
import numpy as np
from coursekit.text import CharVocab, load_text
text = load_text(SMALL['corpus'], SMALL['chars'])  # the same run, made by hand
vocab = CharVocab(text)
ids = vocab.encode(text)
split = int(len(ids) * 0.9)
batchify = namespace['batchify']
initial = namespace['init_char_model']('rnn', vocab.size, rnn['H'], np.random.default_rng(0))
direct_best, direct = learners_loop(
    'rnn', initial, batchify(ids[:split], SMALL['streams']), batchify(ids[split:], SMALL['streams']),
    SMALL['chunk_length'], SMALL['epochs'], SMALL['learning_rate'],
    coursekit.full_size.CAPSTONE['max_norm'], SMALL['patience'], False)
print(json.dumps({
    'called': called,
    'val_loss': [float(v) for v in rnn['history']['val_loss']],
    'direct_val_loss': [float(v) for v in direct['val_loss']],
    'again_val_loss': [float(v) for v in again['rnn']['history']['val_loss']],
    'same_best': all((direct_best[k] == again['rnn']['params'][k]).all() for k in direct_best),
}))
"""


def test_the_full_size_tool_reaches_learners_and_trains_their_own_functions(tmp_path):
    """Notebook 07's full-size cell, run as a learner runs it: from the learner kit's coursekit
    (rnn_numpy and the grader out of reach), with the functions of the learner's notebook (here
    the solution's answers in the released notebook). It calls the learner's train_char_model,
    returns what that returned, saves it, and reads it back instead of training again."""
    import json
    import subprocess
    import sys

    import nbformat

    from submissions.notebooks import answers, cells_by_id, solution_notebook

    destination = tmp_path / "kit.zip"
    completed = run_grader(
        "--grading-folder",
        str(tmp_path / "grading"),
        "learner-kit",
        "--to",
        str(destination),
        "--expose-open-answers",
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    with zipfile.ZipFile(destination) as archive:
        archive.extractall(tmp_path / "kit")
    kit = tmp_path / "kit" / KIT_ROOT
    assert (kit / "coursekit" / "full_size.py").is_file()
    assignment = "07_char_language_model"
    released = nbformat.read(kit / "notebooks" / assignment / f"{assignment}.ipynb", as_version=4)
    filled = answers(solution_notebook(assignment))  # a learner who solved every exercise
    cells = []
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type != "code":
            continue
        if "from coursekit" in cell.source and not cells:  # the imports
            cells.append(cell.source)
        elif grade_id in filled:
            cells.append(filled[grade_id])
        elif grade_id.startswith("provided_") or grade_id == "char_model_code":
            cells.append(cell.source)
    full_size_cell = next(c.source for c in released.cells if "train_full_size(" in c.source)
    assert "train_char_model=train_char_model" in full_size_cell
    assert set(cells_by_id(released)) >= {"train_char_model", "char_model_code"}
    small = {
        "corpus": "layer_words",
        "chars": 3000,
        "cells": ("rnn",),
        "budget": 3000,
        "streams": 4,
        "chunk_length": 8,
        "learning_rate": 0.1,
        "epochs": 3,
        "patience": 1,
        "folder": str(tmp_path / "runs"),
        "progress": False,
    }
    script = (
        f"KIT = {str(kit)!r}\nCELLS = {cells!r}\nFULL_SIZE_CELL = {full_size_cell!r}\n"
        f"SMALL = {small!r}\n" + FULL_SIZE_RUN
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["called"] == ["rnn"]  # trained once, by the learner's loop; then read back
    assert report["val_loss"] == report["direct_val_loss"] == report["again_val_loss"]
    assert report["same_best"]
    assert "trained before with these settings" in run.stdout
    assert (tmp_path / "runs" / "rnn.npz").is_file()
