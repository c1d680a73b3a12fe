"""Parallel grading: submissions per second with 1, 2 and N jobs (N: the number of cores).

Grades the same class (COPIES submissions of one assignment, a mix of the solution, the blank
release and the course's wrong submissions) with `python -m grader autograde --jobs J` for each
J, each in a fresh grading folder, and checks every run gives the same grades as the first.
Prints seconds, submissions per second and the speed-up over one job, with the machine's load
(os.getloadavg: 1, 5 and 15 minutes) at the start, after each run and at the end. The speed-up
needs free cores: with the load at or above the number of cores, expect little from more jobs
(docs/INSTRUCTORS.md gives figures quiet and busy).

    .venv/bin/python -m benchmarks.grading_parallel [COPIES] [ASSIGNMENT]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from grader.grading import autograde
from grader.parallel import available_cores
from grader.settings import GradingSettings
from submissions.notebooks import class_of, write_submissions


def load() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    assignment = sys.argv[2] if len(sys.argv) > 2 else "01_feedforward_limits"
    cores = available_cores()
    print(f"{copies} submissions of {assignment}; {cores} cores; load at start {load()}")
    print(
        "jobs | seconds | submissions per second | speed-up over 1 job | load after (1, 5, 15 min)"
    )
    first_scores, first_rate = None, None
    for jobs in sorted({1, 2, cores}):
        with tempfile.TemporaryDirectory() as folder:
            submissions = write_submissions(
                Path(folder) / "submissions", assignment, class_of(assignment, copies)
            )
            settings = GradingSettings(folder=Path(folder) / "grading")
            started = time.perf_counter()
            run = autograde(settings, assignment, submissions, jobs=jobs, progress=False)
            seconds = time.perf_counter() - started
        scores = {student: (score.score, score.cells) for student, score in run.scores.items()}
        first_scores = first_scores or scores
        assert scores == first_scores, f"{jobs} jobs gave other grades than 1 job"
        rate = copies / seconds
        first_rate = first_rate or rate
        print(
            f"{jobs} | {seconds:.1f} | {rate:.2f} | {rate / first_rate:.2f}x | {load()}", flush=True
        )
    busy = os.getloadavg()[0] >= cores
    print(
        f"load at end {load()}"
        + (
            f": at or above {cores} cores, the machine was busy and "
            "these speed-ups are lower than a quiet machine's"
            if busy
            else ""
        )
    )


if __name__ == "__main__":
    main()
