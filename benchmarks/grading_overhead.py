"""What the grading integrity costs: plain nbgrader versus this course's pipeline.

For each written assignment, grades the same solution notebook COPIES times (a) with nbgrader's
own autograde preprocessors (kernel in the grading process, results taken from the kernel),
(b) with the course's pipeline running every cell (structure restored, cases from the secret
seed, kernel in bubblewrap, verdicts judged outside the kernel), and (c) the pipeline as shipped,
which skips the cells after the last graded one. Prints seconds per submission; (b) - (a) is what
the integrity mechanism costs. Then the grading process's own CPU per submission (all its
threads: nbgrader, the jail's watch, the gradebook; not the kernel's), for (a) and (c): what
runs beside every kernel.

    .venv/bin/python -m benchmarks.grading_overhead [COPIES]
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from grader.layout import SOLUTIONS, written_assignments
from grader.nbgrader_setup import nbgrader_config
from grader.release import generate
from grader.settings import GradingSettings


def seconds_per_submission(
    settings: GradingSettings,
    assignment: str,
    copies: int,
    plain: bool,
    run_every_cell: bool = False,
) -> tuple[float, float]:
    """(wall seconds, the grading process's CPU seconds) per submission."""
    generate(settings, [assignment])
    config = nbgrader_config(settings)
    if plain:  # nbgrader's own preprocessors
        config.Autograde.pop("sanitize_preprocessors")
        config.Autograde.pop("autograde_preprocessors")
    config.SandboxedExecute.skip_after_last_graded = not run_every_cell
    api = NbGraderAPI(config=config)
    students = [f"student{i}" for i in range(copies)]
    for student in students:
        target = settings.folder / "submitted" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(
            SOLUTIONS / assignment / f"{assignment}.ipynb", target / f"{assignment}.ipynb"
        )
    started, cpu = time.perf_counter(), _own_cpu()
    for student in students:
        result = api.autograde(assignment, student, force=True, create=True)
        assert result["success"], result.get("error")
    return (time.perf_counter() - started) / copies, (_own_cpu() - cpu) / copies


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"{copies} copies of each solution notebook; load {os.getloadavg()[0]:.2f} at the start")
    print(
        "assignment | seconds per submission: plain nbgrader | this course, every cell | "
        "extra cost of the mechanism | this course as shipped (skips cells after the last "
        "graded one) | grading process CPU per submission: plain nbgrader | as shipped"
    )
    for assignment in written_assignments():
        timings = []
        for plain, every_cell in ((True, True), (False, True), (False, False)):
            with tempfile.TemporaryDirectory() as folder:
                timings.append(
                    seconds_per_submission(
                        GradingSettings(folder=Path(folder)), assignment, copies, plain, every_cell
                    )
                )
        (plain, plain_cpu), (every_cell, _), (shipped, shipped_cpu) = timings
        print(
            f"{assignment} | {plain:.2f} | {every_cell:.2f} | {every_cell - plain:+.2f} | "
            f"{shipped:.2f} | {plain_cpu:.2f} | {shipped_cpu:.2f}"
        )
    print(f"load {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
