"""Rewrite the README's table of which released notebooks expose which earlier answers.

    .venv/bin/python -m tools.exposure_table

The table is made from the provided cells of the solution notebooks (`grader.release.exposures`);
tests/grading/test_release_exposure.py fails while the README's copy is out of date.
"""

from __future__ import annotations

import re

from grader.layout import REPOSITORY
from grader.release import exposures

HEADER = "| released notebook | exposes answers of | exercises |\n|---|---|---|\n"


def table() -> str:
    return HEADER + "".join(
        f"| `{e.released}` | `{e.answers_of}` | {', '.join(f'`{g}`' for g in e.grade_ids)} |\n"
        for e in exposures()
    )


def main() -> None:
    readme = REPOSITORY / "README.md"
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(HEADER) + r"(?:\|[^\n]*\|\n)*")
    if not pattern.search(text):
        raise SystemExit("README.md has no exposure table to rewrite")
    readme.write_text(pattern.sub(table(), text, count=1), encoding="utf-8")
    print(f"README.md: {len(exposures())} exposures")


if __name__ == "__main__":
    main()
