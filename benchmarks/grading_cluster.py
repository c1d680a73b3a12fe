"""Grading on a Dask cluster: students per minute with 1 and 2 workers, against local --jobs 2.

Grades the same class (COPIES submissions of one assignment: the solution, the blank release and
the course's wrong submissions, in turn) three ways, each in a fresh grading folder:
`autograde --jobs 2` on this machine, then `autograde --cluster ADDRESS` on a loopback Dask
cluster (grader/loopback_cluster.py, LoopbackCluster: a `dask scheduler` and `dask worker`s of one
thread, each with its own folder) of 1 worker and of 2 workers. Checks every run gives the
grades of the first. Prints seconds, students per minute and the ratio to local --jobs 2, with
the machine's load (os.getloadavg: 1, 5 and 15 minutes) at the start, after each run and at the
end. All on one machine: the workers share its cores with the client and the scheduler, so this
measures the cluster path's overhead, not what more machines give (each worker of a real
cluster brings its own cores).

    .venv/bin/python -m benchmarks.grading_cluster [COPIES] [ASSIGNMENT]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from grader.grading import autograde
from grader.loopback_cluster import LoopbackCluster
from grader.parallel import available_cores
from grader.settings import GradingSettings
from submissions.notebooks import class_of, write_submissions


def load() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def grade_class(
    folder: Path, assignment: str, copies: int, *, jobs: int = 1, cluster: str | None = None
) -> tuple[float, dict]:
    """Seconds to grade the class, and its grades (student -> cells)."""
    submissions = write_submissions(
        folder / "submissions", assignment, class_of(assignment, copies)
    )
    # generous time limits (as the tests'): a loaded machine must not turn a slow cell into a lost
    # check, which would make the runs' grades differ
    settings = GradingSettings(
        folder=folder / "grading", cluster="", timeout=300, notebook_timeout=1200
    )
    started = time.perf_counter()
    run = autograde(settings, assignment, submissions, jobs=jobs, cluster=cluster, progress=False)
    seconds = time.perf_counter() - started
    return seconds, {student: score.cells for student, score in run.scores.items()}


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    assignment = sys.argv[2] if len(sys.argv) > 2 else "01_feedforward_limits"
    print(
        f"{copies} submissions of {assignment}; {available_cores()} cores; load at start {load()}"
    )
    print(
        "how | seconds | students per minute | ratio to local --jobs 2 | load after (1, 5, 15 min)"
    )
    with tempfile.TemporaryDirectory() as folder:
        seconds, reference = grade_class(Path(folder) / "local", assignment, copies, jobs=2)
        local_rate = copies * 60 / seconds
        print(f"local --jobs 2 | {seconds:.1f} | {local_rate:.1f} | 1.00x | {load()}", flush=True)
        for workers in (1, 2):
            with LoopbackCluster(Path(folder) / f"cluster-{workers}") as cluster:
                for number in range(1, workers + 1):
                    cluster.add_worker(f"w{number}")
                cluster.wait_for_workers(workers)
                seconds, grades = grade_class(
                    Path(folder) / f"run-{workers}", assignment, copies, cluster=cluster.address
                )
            assert grades == reference, f"{workers} workers gave other grades than local grading"
            rate = copies * 60 / seconds
            print(
                f"cluster, {workers} worker{'s' if workers > 1 else ''} | {seconds:.1f} | "
                f"{rate:.1f} | {rate / local_rate:.2f}x | {load()}",
                flush=True,
            )
    busy = os.getloadavg()[0] >= available_cores()
    print(
        f"load at end {load()}"
        + (
            f": at or above {available_cores()} cores, the machine was "
            "busy and these figures are lower than a quiet machine's"
            if busy
            else ""
        )
    )


if __name__ == "__main__":
    main()
