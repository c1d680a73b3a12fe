"""Write the expected values of every notebook's visible checks, from the reference.

    .venv/bin/python -m tools.make_visible_expectations

For each module in grader/visible_expectations/, writes coursekit/data/visible/<notebook>.npz
(what `coursekit.visible.expect.expected` reads). Run it after changing a visible check's inputs
or the reference; tests/checks/test_learner_kit.py fails while the files are out of date.
"""

from __future__ import annotations

import numpy as np

from coursekit.visible.expect import VISIBLE_DATA
from grader.layout import REPOSITORY
from grader.visible_expectations import expectations, notebooks


def main() -> None:
    VISIBLE_DATA.mkdir(parents=True, exist_ok=True)
    for notebook in notebooks():
        values = expectations(notebook)
        np.savez_compressed(VISIBLE_DATA / f"{notebook}.npz", **values)
        print(
            f"{notebook}: {len(values)} expected values -> "
            f"{(VISIBLE_DATA / f'{notebook}.npz').relative_to(REPOSITORY)}"
        )


if __name__ == "__main__":
    main()
