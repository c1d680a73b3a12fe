"""Small assertions for the visible checks learners run, with messages that point at the fix.

A visible check is a function `check_<exercise>(learner_function)` in the notebook's module of
this package. It tries simple, hand-made cases that isolate one term at a time (zero input and
zero state must give tanh(b), ...) and stops at the first failure with a message that says
which case, which output and what to look at. When every case passes it prints one line.

Visible checks carry no working implementation of any exercise (this package ships to
learners). What they compare with is precomputed from the course's reference implementation on
the check's own fixed inputs and shipped as data: `expected("<notebook>", "<key>")` reads
`coursekit/data/visible/<notebook>.npz`, written by `tools/make_visible_expectations.py`.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from coursekit.text import DATA_DIR

VISIBLE_DATA = DATA_DIR / "visible"


class VisibleCheckFailed(AssertionError):
    """A visible check found a problem; the message says what to look at."""


def call(function, *args, what: str, **kwargs):
    """Call the learner's function, turning a crash into a message that names the case."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:
        raise VisibleCheckFailed(
            f"{what}: your function raised {type(error).__name__}: {error}"
        ) from error


def expect_shape(value, shape: tuple, *, what: str) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise VisibleCheckFailed(
            f"{what}: expected a NumPy array of shape {shape}, got a {type(value).__name__}"
        )
    if value.shape != tuple(shape):
        raise VisibleCheckFailed(f"{what}: expected shape {tuple(shape)}, got {value.shape}")
    return value


def expect_close(
    value, expected, *, what: str, hint: str = "", rtol: float = 1e-6, atol: float = 1e-8
) -> None:
    expected = np.asarray(expected)
    value = expect_shape(
        np.asarray(value) if np.isscalar(value) else value, expected.shape, what=what
    )
    if not np.all(np.isfinite(value)):
        raise VisibleCheckFailed(f"{what}: the result contains NaN or inf. " + hint)
    if not np.allclose(value, expected, rtol=rtol, atol=atol):
        error = float(np.max(np.abs(value - expected)))
        size = f"1e{int(np.floor(np.log10(error))):+d}" if error > 0 else "tiny"
        raise VisibleCheckFailed(
            f"{what}: values are off (the largest error is about {size}). " + hint
        )


def expect_true(condition: bool, *, what: str, hint: str = "") -> None:
    if not condition:
        raise VisibleCheckFailed(f"{what}. {hint}".strip())


NOT_GRADED = (
    "(Hidden checks do not grade this: they judge only the values your function "
    "returns. It is still a bug for any caller that uses its arrays afterwards.)"
)


def expect_unchanged(condition: bool, *, what: str, hint: str = "") -> None:
    """`expect_true` for a rule about the caller's arrays (no change in place): a diagnosis the
    grader cannot check from outside the kernel, so it carries no points, and says so."""
    if not condition:
        raise VisibleCheckFailed(f"{what}. {hint} {NOT_GRADED}".replace("  ", " ").strip())


def passed(name: str, detail: str = "") -> None:
    print(
        f"✓ {name}: visible checks pass{' — ' + detail if detail else ''}. "
        f"(Hidden checks try more cases when the notebook is graded.)"
    )


@cache
def _expectations(notebook: str) -> dict[str, np.ndarray]:
    path = VISIBLE_DATA / f"{notebook}.npz"
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def expected(notebook: str, key: str) -> np.ndarray:
    """The precomputed expected value `key` of notebook `notebook`'s visible checks (a copy)."""
    values = _expectations(notebook)
    if key not in values:
        raise KeyError(
            f"no expected value {key!r} for {notebook}: run tools/make_visible_expectations.py"
        )
    return values[key].copy()
