"""Run a solution notebook with other seeds: do its printed conclusions and asserts hold, or
were they the luck of SEED = 0?

    .venv/bin/python -m tools.notebook_seeds 04_gradient_pathologies [SEEDS] [--show PATTERN]

Each run executes solutions/<assignment>/<assignment>.ipynb top to bottom with the settings
cell's `SEED = 0` replaced by `SEED = s`, for s = 0 .. SEEDS-1 (default 5), and prints per seed
whether every cell ran (every assert of the solution notebook held) or which cell failed and why,
the run time, and the printed lines that contain PATTERN (default: none).
"""

from __future__ import annotations

import argparse
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from tqdm import tqdm

from grader.layout import SOLUTIONS
from submissions.notebooks import printed

SEED_LINE = re.compile(r"^SEED = \d+", flags=re.MULTILINE)


def run(assignment: str, seed: int) -> tuple[str, float, list[str]]:
    path = SOLUTIONS / assignment / f"{assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    settings = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and SEED_LINE.search(cell.source)
    ]
    if len(settings) != 1:
        raise SystemExit(f"{path}: expected one settings cell with a line `SEED = <number>`")
    settings[0].source = SEED_LINE.sub(f"SEED = {seed}", settings[0].source)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
        verdict = "every cell ran"
    except CellExecutionError as error:
        verdict = "FAILED: " + str(error).strip().splitlines()[-1][:300]
    lines = [
        line
        for cell in notebook.cells
        if cell.cell_type == "code"
        for stream in ("stdout", "stderr")
        for line in printed(cell, stream).splitlines()
    ]
    return verdict, time.perf_counter() - started, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("seeds", type=int, nargs="?", default=5)
    parser.add_argument("--show", default=None, help="print the output lines containing this")
    options = parser.parse_args()
    results = []
    for seed in tqdm(range(options.seeds), desc=options.assignment, unit="seed", file=sys.stderr):
        results.append((seed, *run(options.assignment, seed)))
    for seed, verdict, seconds, lines in results:
        print(f"SEED = {seed}: {verdict} ({seconds:.1f} s)")
        if options.show:
            for line in lines:
                if options.show in line:
                    print(f"    {line}")
    failed = sum(not verdict.startswith("every") for _, verdict, _, _ in results)
    print(f"{options.seeds - failed} of {options.seeds} seeds ran through")


if __name__ == "__main__":
    main()
