"""How long grading one student's whole course takes, through the real command.

One student's submission holds every written notebook (the solution notebooks, so every cell
runs to the end of its exercises). Two ways an instructor grades it, each in a process of its
own, exactly as typed (release into the grading folder, sandboxed kernel, hidden checks judged
by the grader), each checked to give full marks:

    python -m grader --grading-folder <folder> autograde all <submissions>          # one command
    python -m grader --grading-folder <folder> autograde <assignment> <submissions> # per notebook

Prints the seconds of the one command for the whole course, and per notebook the seconds of its
own command and how many of them are grading (the rest is starting Python and importing
nbgrader), each the median of REPEATS runs in fresh grading folders, against the course's
target: a whole course graded in under 45 s on 2 cores. It covers the notebooks that exist when
it runs.

    .venv/bin/python -m benchmarks.grade_full_course [REPEATS]
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.grading import read_scores
from grader.layout import REPOSITORY, SOLUTIONS, written_assignments
from grader.settings import GradingSettings
from submissions.notebooks import hidden_points

TARGET_SECONDS = 45
STUDENT = "student"


def run_command(folder: Path, target: str, submissions: Path) -> float:
    """Seconds of `python -m grader autograde <target> <submissions>` (target: one or `all`)."""
    started = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "--grading-folder",
            str(folder),
            "autograde",
            target,
            str(submissions),
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{target}: the grading command failed:\n{completed.stderr[-2000:]}")
    return seconds


def check_full_marks(folder: Path, assignment: str) -> None:
    score = read_scores(GradingSettings(folder=folder), assignment)[STUDENT].score
    full = sum(hidden_points(assignment).values())
    if score != full:
        raise SystemExit(
            f"{assignment}: the solution scored {score} of {full}; see {folder / 'reports'}"
        )


def grade_once(folder: Path, assignment: str, submissions: Path) -> tuple[float, float]:
    """Seconds the real command takes to grade the one student's `assignment`, and the seconds
    of that spent grading (the rest is starting Python and importing nbgrader and the grader)."""
    seconds = run_command(folder, assignment, submissions)
    check_full_marks(folder, assignment)
    report = max(
        (folder / "reports").glob(f"autograde-{assignment}-*.txt"),
        key=lambda path: path.stat().st_mtime,
    )
    inside = float(re.search(r"submissions? in ([\d.]+) s", report.read_text()).group(1))
    return seconds, inside


def main(repeats: int) -> None:
    assignments = written_assignments()
    with tempfile.TemporaryDirectory(prefix="full-course-") as scratch:
        submissions = Path(scratch) / "submissions"
        (submissions / STUDENT).mkdir(parents=True)
        for assignment in assignments:
            shutil.copyfile(
                SOLUTIONS / assignment / f"{assignment}.ipynb",
                submissions / STUDENT / f"{assignment}.ipynb",
            )
        timings: dict[str, list[float]] = {assignment: [] for assignment in assignments}
        grading: dict[str, list[float]] = {assignment: [] for assignment in assignments}
        whole: list[float] = []
        for repeat in range(repeats):
            folder = Path(scratch) / f"all-{repeat}"
            whole.append(run_command(folder, "all", submissions))
            for assignment in assignments:
                check_full_marks(folder, assignment)
        for repeat in range(repeats):
            folder = Path(scratch) / f"grading-{repeat}"
            for assignment in assignments:
                seconds, inside = grade_once(folder, assignment, submissions)
                timings[assignment].append(seconds)
                grading[assignment].append(inside)
    print(
        f"one student, {len(assignments)} notebooks, median of {repeats} runs "
        f"(seconds per notebook, through `python -m grader autograde`)"
    )
    print("assignment | median s | of which grading (release, sandboxed kernel, checks) | runs")
    for assignment, seconds in timings.items():
        print(
            f"{assignment} | {statistics.median(seconds):.1f} | "
            f"{statistics.median(grading[assignment]):.1f} | "
            f"{', '.join(f'{s:.1f}' for s in seconds)}"
        )
    total = sum(statistics.median(seconds) for seconds in timings.values())
    inside = sum(statistics.median(seconds) for seconds in grading.values())
    print(f"one command per notebook | {total:.1f} | {inside:.1f} |")
    one = statistics.median(whole)
    print(f"`autograde all`, one command | {one:.1f} | | {', '.join(f'{s:.1f}' for s in whole)}")
    print(
        f"the whole course for one student: {one:.1f} s with `autograde all` "
        f"(target < {TARGET_SECONDS} s on 2 cores: {'met' if one < TARGET_SECONDS else 'NOT met'})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
