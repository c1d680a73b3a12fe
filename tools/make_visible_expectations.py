"""Write the expected values of every notebook's visible checks, from the reference.

    .venv/bin/python -m tools.make_visible_expectations

For each module in grader/visible_expectations/, writes coursekit/data/visible/<notebook>.npz
(what `coursekit.visible.expect.expected` reads). Run it after changing a visible check's inputs
or the reference; tests/checks/test_learner_kit.py fails while the files are out of date.
A file whose values are unchanged (`same_expectation`, the rule the up-to-date test uses) is
left as it is: a zip archive records the time it was written, and BLAS rounds last bits
differently from machine to machine, so rewriting would change bytes and nothing else.
"""

from __future__ import annotations

import numpy as np

from coursekit.visible.expect import VISIBLE_DATA
from grader.layout import REPOSITORY
from grader.visible_expectations import expectations, notebooks, same_expectation


def unchanged(path, values: dict) -> bool:
    if not path.exists():
        return False
    with np.load(path, allow_pickle=False) as stored:
        return set(stored.files) == set(values) and all(
            same_expectation(stored[name], value) for name, value in values.items()
        )


def main() -> None:
    VISIBLE_DATA.mkdir(parents=True, exist_ok=True)
    for notebook in notebooks():
        values = expectations(notebook)
        path = VISIBLE_DATA / f"{notebook}.npz"
        if unchanged(path, values):
            print(f"{notebook}: {len(values)} expected values, unchanged")
            continue
        np.savez_compressed(path, **values)
        print(f"{notebook}: {len(values)} expected values -> {path.relative_to(REPOSITORY)}")


if __name__ == "__main__":
    main()
