"""How long each solution notebook takes top to bottom, against the course's target.

The notebook standard (CONTRIBUTING.md) asks that a solution notebook run top to bottom in
seconds: TARGET_SECONDS on a quiet 2-core machine with one BLAS thread (the capstone, which
trains three models on real text, gets more). The test suite only holds notebooks to a generous
ceiling (tests/notebooks/test_notebooks.py), so that a loaded machine does not fail it; this
prints the figures, with the machine's load (os.getloadavg: 1, 5 and 15 minutes) before and
after each notebook, and says which notebooks are over their target. Figures measured under
load are not quiet figures.

    .venv/bin/python -m benchmarks.solution_notebooks [ASSIGNMENT ...]
"""

from __future__ import annotations

import os
import sys
import time

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")  # as in the tests, and inherited by the kernels

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from grader.layout import SOLUTIONS, written_assignments  # noqa: E402

TARGET_SECONDS = {"07_char_language_model": 90}
DEFAULT_TARGET_SECONDS = 60


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run(assignment: str) -> float:
    path = SOLUTIONS / assignment / f"{assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=3600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


def main() -> None:
    assignments = sys.argv[1:] or written_assignments()
    print(f"{os.cpu_count()} cores; load at start {load()}")
    print("notebook | seconds | target | load after (1, 5, 15 min)")
    over = []
    for assignment in assignments:
        seconds = run(assignment)
        target = TARGET_SECONDS.get(assignment, DEFAULT_TARGET_SECONDS)
        if seconds > target:
            over.append(assignment)
        print(f"{assignment} | {seconds:.1f} | {target} | {load()}", flush=True)
    busy = os.getloadavg()[0] >= (os.cpu_count() or 1)
    print(f"load at end {load()}" + (" (busy: these are not quiet figures)" if busy else ""))
    print(f"over target: {', '.join(over)}" if over else "every notebook within its target")


if __name__ == "__main__":
    main()
