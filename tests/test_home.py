"""A learner's HOME that is missing or not writable breaks nothing (course.tool_environment)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from course import TOOL_FOLDERS, home_is_usable, tool_environment

ROOT = Path(__file__).resolve().parents[1]
RUN_A_NOTEBOOK = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {root!r})
    if {apply_fix}:
        from course import tool_environment
        os.environ.update(tool_environment())
    import nbformat
    from nbclient import NotebookClient
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\\nfrom coursekit.text import load_corpus"),
        nbformat.v4.new_code_cell("print(len(load_corpus('layer_words')) > 0)")])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    print("ran:", notebook.cells[1].outputs[0]["text"].strip())
""")


def without_home(tmp_path, home):
    """The test environment with HOME set to `home` (None: unset) and no tool folders set."""
    environ = {
        key: value for key, value in os.environ.items() if key not in TOOL_FOLDERS and key != "HOME"
    }
    return environ if home is None else {**environ, "HOME": home}


def run_a_notebook(environ, tmp_path, *, apply_fix):
    script = RUN_A_NOTEBOOK.format(root=str(ROOT), apply_fix=apply_fix)
    return subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", script],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )


def test_nothing_changes_with_a_usable_home(tmp_path):
    assert home_is_usable({"HOME": str(tmp_path)})
    assert tool_environment({"HOME": str(tmp_path)}) == {}


def test_an_unusable_home_gets_writable_tool_folders(tmp_path):
    environ = without_home(tmp_path, str(tmp_path / "no" / "such" / "home"))
    assert not home_is_usable(environ)
    folders = tool_environment(environ)
    assert set(folders) == set(TOOL_FOLDERS)
    assert all(Path(folder).is_dir() and os.access(folder, os.W_OK) for folder in folders.values())
    assert "IPYTHONDIR" not in tool_environment({**environ, "IPYTHONDIR": str(tmp_path)})


def test_a_notebook_runs_with_warnings_as_errors_when_home_is_missing(tmp_path):
    """The fix is what makes it pass: without it, IPython's warning is an error."""
    environ = without_home(tmp_path, str(tmp_path / "no" / "such" / "home"))
    fixed = run_a_notebook(environ, tmp_path, apply_fix=True)
    assert fixed.returncode == 0 and "ran: True" in fixed.stdout, fixed.stderr[-2000:]
    broken = run_a_notebook(environ, tmp_path, apply_fix=False)
    assert broken.returncode != 0 and "not a writable location" in broken.stderr


def test_a_notebook_runs_with_home_unset(tmp_path):
    fixed = run_a_notebook(without_home(tmp_path, None), tmp_path, apply_fix=True)
    assert fixed.returncode == 0 and "ran: True" in fixed.stdout, fixed.stderr[-2000:]
