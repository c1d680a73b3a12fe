"""Grade submissions with the instructors' command and read the results back (the submissions
themselves, shared with the benchmarks, are the package submissions/)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import nbformat

from grader.cli import main as grader_main
from grader.faults import read_faults
from grader.grading import read_scores
from grader.layout import REPOSITORY
from grader.settings import GradingSettings

# Shared with the benchmarks (submissions/); the tests import them from here too.
from submissions.notebooks import (  # noqa: F401
    answers,
    cells_by_id,
    class_of,
    hidden_points,
    printed,
    solution_notebook,
    with_sources,
    write_submissions,
)


def write_answers(path: Path, sources: dict[str, str]) -> None:
    """Put `sources` (by grade_id) into the notebook at `path`, as a learner edits a fetched one."""
    notebook = nbformat.read(path, as_version=4)
    for grade_id, cell in cells_by_id(notebook).items():
        if grade_id in sources:
            cell.source = sources[grade_id]
    nbformat.write(notebook, path)


def lost_checks(student) -> set[str]:
    """The hidden checks on which a graded student (`StudentScore`) lost points; written answers,
    which wait for a person, are not counted."""
    return {
        cell.removesuffix("_hidden")
        for cell, (score, maximum) in student.cells.items()
        if cell.endswith("_hidden") and score < maximum
    }


def manual_points(assignment: str) -> float:
    """Points of the written answers graded by hand (markdown cells with grade: true)."""
    return sum(
        float(cell.metadata["nbgrader"]["points"])
        for cell in cells_by_id(solution_notebook(assignment)).values()
        if cell.metadata["nbgrader"].get("grade") and cell.cell_type == "markdown"
    )


WRITTEN_ANSWER_ID = "memoryless_floor_in_words"
WRITTEN_ANSWER_POINTS = 2
WRITTEN_ANSWER_PROMPT = (
    "### In your own words (2 points)\nWhy can no memoryless model, however "
    "large, get below this floor?"
)
WRITTEN_ANSWER_RUBRIC = (
    "Model answer: a memoryless model sees only the current character, so its best prediction "
    "is the conditional distribution of the next character given the current one; its expected "
    "loss is that distribution's entropy, whatever its size.\n\n"
    "Rubric (2 points): 1 for 'it sees only the current character'; 1 for naming the "
    "conditional entropy (or 'the best it can do is the conditional frequencies') as the floor."
)


def with_written_answer(notebook, after_grade_id: str = "memoryless_loss_floor_hidden"):
    """A copy of `notebook` with a written answer graded by hand (an nbgrader manually graded
    markdown cell holding the model answer and rubric) after the cell `after_grade_id`."""
    notebook = copy.deepcopy(notebook)
    index = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == after_grade_id
    )
    answer = nbformat.v4.new_markdown_cell(WRITTEN_ANSWER_RUBRIC)
    answer.metadata["nbgrader"] = {
        "grade": True,
        "solution": True,
        "locked": False,
        "points": WRITTEN_ANSWER_POINTS,
        "schema_version": 3,
        "grade_id": WRITTEN_ANSWER_ID,
    }
    notebook.cells[index + 1 : index + 1] = [
        nbformat.v4.new_markdown_cell(WRITTEN_ANSWER_PROMPT),
        answer,
    ]
    return notebook


# The grader's time limits in tests, unless a test sets its own (to see one hit): generous
# ceilings, several times what the slowest notebook needs on a quiet machine, so that a loaded
# test machine does not turn a slow cell into a lost check. The instructors' defaults are
# grader/settings.py's GradingSettings.
GRADING_CEILINGS = {"--timeout": "300", "--notebook-timeout": "1200"}


def grade(
    tmp_path: Path,
    assignment: str,
    notebooks: dict[str, object],
    *extra_args: str,
    grading_folder: Path | None = None,
    submissions: Path | None = None,
    db_url: str = "",
):
    """Autograde through `python -m grader autograde`; (scores by student, faults).

    Give `notebooks` (written to a fresh submissions folder) or an existing `submissions` folder;
    `db_url`: a gradebook other than the grading folder's SQLite file. One job unless
    `extra_args` say `--jobs`; GRADING_CEILINGS unless they set those options.
    """
    grading_folder = grading_folder or tmp_path / "grading"
    if submissions is None:
        submissions = write_submissions(tmp_path / "submissions", assignment, notebooks)
    if db_url:
        extra_args = ("--db-url", db_url, *extra_args)
    if "--jobs" not in extra_args:  # the test runner already grades modules side by side
        extra_args = ("--jobs", "1", *extra_args)
    for option, ceiling in GRADING_CEILINGS.items():
        if option not in extra_args:
            extra_args = (option, ceiling, *extra_args)
    # The options after the command, as instructors write them (the other calls of the grading
    # command in the tests put them before it: both orders are accepted).
    completed = run_grader(
        "autograde",
        assignment,
        str(submissions),
        "--grading-folder",
        str(grading_folder),
        *extra_args,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    settings = GradingSettings(folder=grading_folder, db_url=db_url)
    return read_scores(settings, assignment), read_faults(settings.fault_log)


def run_grader(*args: str) -> subprocess.CompletedProcess:
    """The grading command's `main(ARGS)`, in this process (the same code path as
    `python -m grader ARGS`, without paying its imports again; see run_grader_process)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings are not ours
        returncode = grader_main(list(args))
    return subprocess.CompletedProcess(
        ["python", "-m", "grader", *args], returncode, stdout.getvalue(), stderr.getvalue()
    )


def run_grader_process(*args: str) -> subprocess.CompletedProcess:
    """`python -m grader ARGS` from the top of the repository, exactly as an instructor runs it."""
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def run_nbgrader(
    *args: str, cwd: Path, grading_folder: Path | None = None, timeout: int = 900
) -> subprocess.CompletedProcess:
    """`nbgrader ARGS` as an instructor types it, in `cwd` (the course's environment: its bin
    first on PATH). `grading_folder` is passed as $RNN_COURSE_GRADING_FOLDER (read by the
    repository's nbgrader_config.py)."""

    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    if grading_folder is not None:
        env["RNN_COURSE_GRADING_FOLDER"] = str(grading_folder)
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def totals(scores: dict) -> dict[str, float]:
    """Student -> score, from `read_scores`."""
    return {student: score.score for student, score in scores.items()}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_jupyter(
    url: str, token: str, process: subprocess.Popen, log: Path, timeout: float = 300
) -> None:
    """Wait until the Jupyter server at `url` answers; fail with its log if `process` exits or
    `timeout` seconds pass first."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        f"{url}/api/status", headers={"Authorization": f"token {token}"}
    )
    while True:
        try:
            urllib.request.urlopen(request, timeout=10).read()
            return
        except (urllib.error.URLError, ConnectionError):
            assert process.poll() is None, f"the server exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, (
                f"no server after {timeout} s:\n{log.read_text()[-3000:]}"
            )
            time.sleep(0.5)


@contextlib.contextmanager
def jupyter_lab(cwd: Path, root: Path, env: dict[str, str], log: Path):
    """JupyterLab of this environment started in `cwd`, serving `root`, on a free port of
    127.0.0.1 with a token, with `env`; yields (url, token) once it answers, stops it after."""
    import secrets

    port, token = free_port(), secrets.token_hex(16)
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
            ],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_jupyter(url, token, process, log)
        yield url, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post_json(url: str, token: str, body=None, timeout: float = 600):
    """POST `body` (JSON, or nothing) to a Jupyter server's `url` with its token; the JSON answer."""
    import urllib.request

    request = urllib.request.Request(
        url,
        method="POST",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def nbgrader_in_process(*args: str, cwd: Path) -> str:
    """`nbgrader ARGS` from `cwd`, run in this process by nbgrader's own test helper (the same
    application as the command line, without starting Python each time); its log. Raises
    AssertionError if the command fails."""

    from nbgrader.tests import run_nbgrader

    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's own warnings are not ours
            return run_nbgrader(list(args))
    finally:
        os.chdir(previous)
