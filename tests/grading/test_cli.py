"""The grading command's arguments: the common options go before or after the command.

`python -m grader --jobs 1 autograde A FOLDER` and `python -m grader autograde A FOLDER --jobs 1`
mean the same, for every command. (Grading itself through the command is tested end to end
elsewhere: harness.grade puts the options after the command, the other calls before it.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.cli import COMMANDS, COMMON_OPTIONS, argument_parser
from grader.layout import DEFAULT_GRADING_FOLDER
from grader.parallel import available_cores

# Each command with its own arguments.
COMMAND_LINES = {
    "release": ["release", "01_feedforward_limits", "--to", "out"],
    "prepare": ["prepare"],
    "autograde": ["autograde", "01_feedforward_limits", "submissions"],
    "feedback": ["feedback", "01_feedforward_limits"],
    "times": ["times", "01_feedforward_limits", "times.csv"],
    "extensions": ["extensions", "extensions.csv", "--times-zone", "UTC"],
    "export": ["export", "--to", "grades.csv"],
    "selfcheck": ["selfcheck", "01_feedforward_limits"],
    "learner-kit": ["learner-kit", "--to", "kit.zip"],
    "report": ["report", "01_feedforward_limits"],
    "similarity": ["similarity", "01_feedforward_limits", "--threshold", "0.5"],
}
# A value for every common option, none of them its default.
OPTIONS = [
    "--grading-folder",
    "elsewhere",
    "--no-sandbox",
    "--trust-submissions",
    "--timeout",
    "7",
    "--notebook-timeout",
    "70",
    "--memory-mb",
    "700",
    "--jobs",
    "3",
    "--db-url",
    "postgresql://grader@/gradebook",
]
GIVEN = {
    "grading_folder": Path("elsewhere"),
    "no_sandbox": True,
    "trust_submissions": True,
    "timeout": 7,
    "notebook_timeout": 70,
    "memory_mb": 700,
    "jobs": 3,
    "db_url": "postgresql://grader@/gradebook",
}


def test_every_command_and_every_common_option_is_covered_here():
    assert set(COMMAND_LINES) == set(COMMANDS)
    assert {flags[0].lstrip("-").replace("-", "_") for flags, _ in COMMON_OPTIONS} == set(GIVEN)


@pytest.mark.parametrize("command", COMMAND_LINES)
def test_common_options_mean_the_same_before_and_after_the_command(command):
    before = vars(argument_parser().parse_args([*OPTIONS, *COMMAND_LINES[command]]))
    after = vars(argument_parser().parse_args([*COMMAND_LINES[command], *OPTIONS]))
    assert before == after
    assert {key: before[key] for key in GIVEN} == GIVEN


@pytest.mark.parametrize("command", COMMAND_LINES)
def test_an_option_before_the_command_is_not_reset_by_the_command(command):
    split = vars(
        argument_parser().parse_args(["--jobs", "1", *COMMAND_LINES[command], "--timeout", "9"])
    )
    assert split["jobs"] == 1 and split["timeout"] == 9
    plain = vars(argument_parser().parse_args(COMMAND_LINES[command]))
    assert plain["jobs"] == available_cores() and plain["timeout"] == 60
    assert plain["grading_folder"] == DEFAULT_GRADING_FOLDER and plain["db_url"] is None
    assert plain["no_sandbox"] is False


def test_the_instructors_command_line_from_the_issue_is_accepted():
    args = argument_parser().parse_args(
        ["autograde", "01_feedforward_limits", "FOLDER", "--jobs", "1"]
    )
    assert (args.command, args.assignment, args.submissions, args.jobs) == (
        "autograde",
        "01_feedforward_limits",
        Path("FOLDER"),
        1,
    )


def test_an_unknown_option_is_still_refused(capsys):
    with pytest.raises(SystemExit) as exited:
        argument_parser().parse_args(["autograde", "01_feedforward_limits", "--jobz", "1"])
    assert exited.value.code == 2 and "unrecognized arguments: --jobz" in capsys.readouterr().err
