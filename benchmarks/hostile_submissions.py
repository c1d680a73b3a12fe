"""The grader's own peak memory and time on each hostile submission, graded alone.

    .venv/bin/python -m benchmarks.hostile_submissions [STUDENT ...]

Each submission of submissions/hostile.py (default: all of them; folder layouts, zips) is
graded by `python -m grader autograde` in a process of its own; the table gives that process's
peak resident memory (its kernels not counted) and its wall time, and the same for the solution
alone as the baseline. The grading process's startup (imports, generate_assignment) is in every
row. On a shared machine the times vary; the memory does not much.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from submissions import hostile


def main(students: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="rnn-course-hostile-") as temporary:
        every = hostile.build_submissions(Path(temporary) / "all")
        names = students or sorted(path.name for path in every.iterdir())
        print(f"{'submission':42} {'peak MB':>8} {'seconds':>8}")
        for name in names:
            alone = Path(temporary) / name
            alone.mkdir()
            source = every / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, alone / name)
            completed, peak, seconds = hostile.grade_measured(
                Path(temporary) / f"g-{name}", alone, *hostile.OPTIONS
            )
            flag = "" if completed.returncode == 0 else "  (grader exited with an error)"
            print(f"{name:42} {peak:8.0f} {seconds:8.1f}{flag}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
