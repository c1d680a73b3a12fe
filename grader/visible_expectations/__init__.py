"""Expected values of the visible checks, computed with the reference implementation.

One module per notebook (named like its `coursekit/visible/<notebook>.py`) defines
`expectations() -> dict[str, np.ndarray]`: the reference's results on the fixed inputs that
`coursekit/visible/<notebook>.py` defines as module constants. `tools/make_visible_expectations.py`
writes them to `coursekit/data/visible/<notebook>.npz`, which the visible checks read with
`coursekit.visible.expect.expected`; a test keeps the files equal to what this computes.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np


def notebooks() -> list[str]:
    """The notebooks (module names) that have visible expectations."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__))


def expectations(notebook: str) -> dict[str, np.ndarray]:
    module = importlib.import_module(f"{__name__}.{notebook}")
    values = module.expectations()
    for key, value in values.items():
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{notebook}: expected value {key!r} is not numeric")
    return {key: np.asarray(value) for key, value in values.items()}
