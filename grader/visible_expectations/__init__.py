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


# The reference computes the expectations with BLAS, whose kernels (and thread counts) round the
# last bits differently from machine to machine; the visible checks compare a learner's values
# with them at rtol 1e-6, so a stored value is current when it agrees to within float64
# rounding, far inside that (measured: about 1e-15 relative between two machines).
EXPECTATION_RTOL, EXPECTATION_ATOL = 1e-10, 1e-13


def same_expectation(stored, fresh) -> bool:
    """Floats to within float64 rounding (NaN and inf where the other has them); anything else
    (integers, labels) exactly; shapes and dtypes equal."""
    stored, fresh = np.asarray(stored), np.asarray(fresh)
    if stored.shape != fresh.shape or stored.dtype != fresh.dtype:
        return False
    if fresh.dtype.kind in "fc":
        return bool(
            np.allclose(stored, fresh, rtol=EXPECTATION_RTOL, atol=EXPECTATION_ATOL, equal_nan=True)
        )
    return bool(np.array_equal(stored, fresh))
