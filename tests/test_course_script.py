"""`python3 course.py`: the README's two commands, as a learner or instructor meets them.

- `lab` serves the course folder (the grading folder is inside the server's root, as Formgrader
  needs: no folder is given as a positional argument, which would override it) and opens on
  notebooks/; it warns when $RNN_COURSE_GRADING_FOLDER points outside that root
  (tests/grading/test_course_lab.py takes the whole lab through Formgrader in a browser);
- `lab` passes --allow-root when run as root (JupyterLab refuses root otherwise), puts the
  environment's bin first on PATH (nbgrader runs `alembic` from it), prepares the grading folder
  for Formgrader, and ends JupyterLab when it is stopped itself (SIGTERM, or Ctrl-C in a terminal);
- opening the course leaves .ipynb_checkpoints/ beside the notebooks: they are not course files
  (release and the notebook tests ignore them).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

import course
from grader.layout import course_files
from tests.grading.harness import free_port, wait_for_jupyter

ROOT = Path(course.__file__).resolve().parent


def test_lab_runs_as_root_with_allow_root_and_the_environment_on_path():
    command = course.lab_command(["--no-browser"])
    assert ("--allow-root" in command) == (os.geteuid() == 0)
    assert command[-1] == "--no-browser" and command[:4] == [
        str(course.PYTHON),
        "-m",
        "jupyter",
        "lab",
    ]
    assert (
        f"--ServerApp.root_dir={ROOT}" in command
        and "--ContentsManager.preferred_dir=notebooks" in command
    )
    assert all(part.startswith("-") for part in command[4:]), (
        "a positional folder overrides root_dir"
    )
    path = course.lab_environment(dict(os.environ))["PATH"].split(os.pathsep)
    assert path[0] == str(course.BIN)
    assert shutil.which("alembic", path=os.pathsep.join(path)), (
        "alembic not found on the lab's PATH"
    )


def test_a_grading_folder_outside_the_labs_root_is_named(tmp_path):
    assert course.grading_folder_outside_root({}) is None
    assert course.grading_folder_outside_root({"RNN_COURSE_GRADING_FOLDER": "grading"}) is None
    assert (
        course.grading_folder_outside_root(
            {"RNN_COURSE_GRADING_FOLDER": str(ROOT / "elsewhere" / "grading")}
        )
        is None
    )
    assert course.grading_folder_outside_root({"RNN_COURSE_GRADING_FOLDER": str(tmp_path)}) == str(
        tmp_path.resolve()
    )


def test_checkpoints_are_not_course_files(tmp_path):
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text("{}")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"")
    (tmp_path / "a.ipynb").write_text("{}")
    assert course_files(tmp_path) == [tmp_path / "a.ipynb"]


@pytest.mark.parametrize("stop", ["SIGTERM to course.py", "Ctrl-C in its terminal"])
def test_stopping_course_py_lab_stops_jupyterlab(stop, tmp_path):
    port, token = free_port(), secrets.token_hex(8)
    env = dict(os.environ, RNN_COURSE_GRADING_FOLDER=str(tmp_path / "grading"))
    log = (tmp_path / "lab.log").open("w")
    launcher = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "course.py"),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
        ],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # its own process group, like a terminal's foreground job
    try:
        wait_for_jupyter(f"http://127.0.0.1:{port}", token, launcher, tmp_path / "lab.log")
        # The lab is course.py's own child; its children (npm, kernels) may still carry its
        # command line for an instant after they fork, so they are not counted.
        labs = [
            child
            for child in psutil.Process(launcher.pid).children(recursive=False)
            if any(part.endswith("jupyter-lab") for part in child.cmdline())
            or child.cmdline()[1:4] == ["-m", "jupyter", "lab"]
        ]
        assert len(labs) == 1, [child.cmdline() for child in labs]
        lab = labs[0]
        assert lab.environ()["PATH"].split(os.pathsep)[0] == str(course.BIN)
        assert ("--allow-root" in lab.cmdline()) == (os.geteuid() == 0)
        assert (tmp_path / "grading" / "nbgrader_config.py").is_file(), (
            "grading folder not prepared"
        )
        if stop.startswith("SIGTERM"):
            launcher.send_signal(signal.SIGTERM)
        else:
            os.killpg(launcher.pid, signal.SIGINT)
        launcher.wait(timeout=course.LAB_STOP_SECONDS + 30)
        gone, alive = psutil.wait_procs([lab], timeout=10)
        assert not alive, "jupyter-lab outlived course.py"
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
        log.close()


@pytest.mark.parametrize("skip", ["", "0", "1"])
def test_the_test_command_checks_system_packages_unless_told_not_to(skip, monkeypatch):
    """RNN_COURSE_SKIP_SYSTEM_PACKAGES=1 (a developer's quick loop) skips the check; unset, empty
    or 0, `test` checks (and as root installs) them before running pytest."""
    calls = []
    monkeypatch.setenv(course.SKIP_SYSTEM_PACKAGES, skip)
    monkeypatch.setattr(course, "install", lambda requirements: calls.append("install"))
    monkeypatch.setattr(course, "ensure_system_packages", lambda: calls.append("system packages"))
    monkeypatch.setattr(
        course.subprocess, "call", lambda command, **_: calls.append(command[1:3]) or 0
    )
    assert course.main(["test", "-k", "nothing"]) == 0
    checked = ["system packages"] if skip in ("", "0") else []
    style = [["-m", "ruff"], ["-m", "ruff"]]  # lint, then format: the style gate comes first
    assert calls == ["install", *style, *checked, ["-m", "pytest"]]


def test_the_test_command_stops_at_the_style_gate(monkeypatch, capsys):
    """A tree ruff finds fault with runs no test: the gate says how to repair it."""
    calls = []
    monkeypatch.setattr(course, "install", lambda requirements: None)
    monkeypatch.setattr(course, "ensure_system_packages", lambda: None)

    def call(command, **_):
        calls.append(command[1:4])
        return 1 if command[1:4] == ["-m", "ruff", "format"] else 0

    monkeypatch.setattr(course.subprocess, "call", call)
    assert course.main(["test"]) == 1
    assert calls == [["-m", "ruff", "check"], ["-m", "ruff", "format"]]
    assert "ruff format" in capsys.readouterr().out


def test_system_tools_are_found_on_a_plain_users_path(monkeypatch):
    """runuser is in /usr/sbin, which a plain user's PATH lacks: found by its absolute path."""
    from grader.system_tools import system_tool

    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    assert shutil.which("runuser") is None, "runuser on a plain PATH: this test shows nothing"
    for tool in ("runuser", "setpriv", "prlimit", "bwrap"):
        found = system_tool(tool)
        assert found and os.path.isabs(found) and os.access(found, os.X_OK), tool
    assert system_tool("no-such-tool-anywhere") is None
