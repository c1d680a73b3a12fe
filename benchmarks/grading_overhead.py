"""What the grading integrity costs: plain nbgrader versus this course's pipeline.

For each written assignment, grades the same solution notebook COPIES times (a) with nbgrader's
own autograde preprocessors (kernel in the grading process, results taken from the kernel) and
(b) with the course's pipeline (structure restored, cases from the secret seed, kernel in
bubblewrap, verdicts judged outside the kernel, trailing experiment cells skipped), and prints the
seconds per submission of each and the difference.

    .venv/bin/python benchmarks/grading_overhead.py [COPIES]
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.converters import Autograde

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.course import SOLUTIONS, GradingSettings, nbgrader_config, written_assignments  # noqa: E402
from grader.release import generate  # noqa: E402


def seconds_per_submission(settings: GradingSettings, assignment: str, copies: int,
                           plain: bool) -> float:
    generate(settings, [assignment])
    config = nbgrader_config(settings)
    if plain:
        config.Autograde.sanitize_preprocessors = Autograde.sanitize_preprocessors.default_value
        config.Autograde.autograde_preprocessors = Autograde.autograde_preprocessors.default_value
    api = NbGraderAPI(config=config)
    students = [f"student{i}" for i in range(copies)]
    for student in students:
        target = settings.folder / "submitted" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOLUTIONS / assignment / f"{assignment}.ipynb",
                        target / f"{assignment}.ipynb")
    started = time.perf_counter()
    for student in students:
        result = api.autograde(assignment, student, force=True, create=True)
        assert result["success"], result.get("error")
    return (time.perf_counter() - started) / copies


def main() -> None:
    # Plain nbgrader runs the hidden checks inside the kernel: let the kernel import them.
    os.environ["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"{copies} copies of each solution notebook; seconds per submission")
    print("assignment | plain nbgrader | this course | extra")
    for assignment in written_assignments():
        with tempfile.TemporaryDirectory() as plain_folder, tempfile.TemporaryDirectory() as ours:
            plain = seconds_per_submission(GradingSettings(folder=Path(plain_folder)), assignment,
                                           copies, plain=True)
            course = seconds_per_submission(GradingSettings(folder=Path(ours)), assignment,
                                            copies, plain=False)
        print(f"{assignment} | {plain:.2f} | {course:.2f} | {course - plain:+.2f}")
    print("(plain nbgrader runs every cell; this course skips cells after the last graded one)")


if __name__ == "__main__":
    main()
