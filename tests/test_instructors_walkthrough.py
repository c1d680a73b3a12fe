"""Every command in docs/INSTRUCTORS.md's walkthrough "From release to grades for 300 students"
exists as written: each `python -m grader ...` and `nbgrader ...` line's command answers
`--help` and lists every option the line uses, and each `python -m grader X` or `nbgrader X`
named in the text is a command. The walkthrough covers each step an instructor takes, the
cluster's included.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
import sys

import pytest

from grader.cli import COMMANDS, main
from grader.layout import REPOSITORY

TITLE = "## From release to grades for 300 students"


def walkthrough() -> str:
    text = (REPOSITORY / "docs" / "INSTRUCTORS.md").read_text(encoding="utf-8")
    assert TITLE in text, f"docs/INSTRUCTORS.md has no section {TITLE!r}"
    section = text.split(TITLE, 1)[1]
    return section.split("\n## ", 1)[0]


def command_lines() -> list[list[str]]:
    """The lines of the walkthrough's ```bash blocks, as words (comments dropped)."""
    blocks = re.findall(r"```bash\n(.*?)```", walkthrough(), flags=re.S)
    lines = [line.split(" #")[0].strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line]


def inline_commands() -> list[list[str]]:
    """`python -m grader X` and `nbgrader X` named in the walkthrough's text."""
    spans = re.findall(r"`((?:python -m grader|nbgrader) [^`]+)`", walkthrough())
    return [shlex.split(span) for span in spans]


def nbgrader_help(words: list[str]) -> str:
    """`nbgrader SUBCOMMAND... --help` for the subcommands of `words`, found in nbgrader's own
    table of subcommands (nbgrader itself answers an unknown one with its general help)."""
    from nbgrader.apps.nbgraderapp import NbGraderApp
    from traitlets.utils.importstring import import_item

    application, subcommands = NbGraderApp, []
    for word in words[1:]:
        known = getattr(application, "subcommands", None)
        if not isinstance(known, dict) or not known:  # a command of its own: no subcommands
            break
        assert word in known, f"{' '.join(['nbgrader', *subcommands])} has no command {word!r}"
        target = known[word][0]
        application = import_item(target) if isinstance(target, str) else target
        subcommands.append(word)
    assert subcommands, f"not an nbgrader command: {' '.join(words)}"
    completed = subprocess.run(
        [sys.executable, "-m", "nbgrader", *subcommands, "--help"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPOSITORY,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def grader_help(words: list[str]) -> str:
    """`python -m grader COMMAND --help` (in this process) for the command of `words`."""
    assert words[3] in COMMANDS, f"no grading command {words[3]!r} ({' '.join(words)})"
    output = io.StringIO()
    with contextlib.redirect_stdout(output), pytest.raises(SystemExit) as exited:
        main([words[3], "--help"])
    assert exited.value.code == 0
    return output.getvalue()


def test_the_walkthrough_takes_every_step():
    commands = [" ".join(words) for words in command_lines()]
    for step in (
        "nbgrader release_assignment",
        "nbgrader collect",
        "--times ",
        "python -m grader extensions",
        "--jobs",
        "--cluster",
        "python -m grader feedback",
        "nbgrader release_feedback",
        "python -m grader export",
    ):
        assert any(step in command for command in commands), f"no step with {step!r}"


@pytest.mark.parametrize("words", command_lines(), ids=" ".join)
def test_every_command_line_of_the_walkthrough_exists_as_written(words):
    if words[:3] == ["python", "-m", "grader"]:
        help_text = grader_help(words)
    elif words[0] == "nbgrader":
        help_text = nbgrader_help(words)
    else:
        pytest.fail(f"a command the walkthrough test does not know how to check: {words}")
    for option in (word.split("=")[0] for word in words if word.startswith("--")):
        assert option in help_text, f"the help names no {option} ({' '.join(words)})"


@pytest.mark.parametrize("words", inline_commands(), ids=" ".join)
def test_every_command_named_in_the_walkthrough_text_exists(words):
    if words[0] == "nbgrader":
        nbgrader_help(words)
    else:
        grader_help(words)
