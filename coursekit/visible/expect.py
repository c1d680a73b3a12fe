"""Small assertions for the visible checks learners run, with messages that point at the fix.

A visible check is a function `check_<exercise>(learner_function)` in the notebook's module of
this package. It tries simple, hand-made cases that isolate one term at a time (zero input and
zero state must give tanh(b), ...) and stops at the first failure with a message that says
which case, which output and what to look at. When every case passes it prints one line.

Visible checks carry no working implementation of any exercise (this package ships to
learners). What they compare with is precomputed from the course's reference implementation on
the check's own fixed inputs and shipped as data: `expected("<notebook>", "<key>")` reads
`coursekit/data/visible/<notebook>.npz`, written by `python -m tools.make_visible_expectations`.

A visible check answers with a message, never a traceback of its own: every `check_*` function of
every module of this package is wrapped by `guarded` when the package is imported
(`coursekit/visible/__init__.py`), so an exception the check's own code raises (a learner's
return it did not foresee: None, a list, an array where a name belongs) becomes a
`VisibleCheckFailed` naming the case and describing what the learner's function returned. An
exception raised in the learner's own code still shows as theirs (`call` names it, and one that
escapes `call` passes through unchanged). tests/checks/test_every_check.py holds every check
of every notebook to it.
"""

from __future__ import annotations

import functools
import sysconfig
from functools import cache
from pathlib import Path

import numpy as np

from coursekit.text import DATA_DIR

VISIBLE_DATA = DATA_DIR / "visible"


class VisibleCheckFailed(AssertionError):
    """A visible check found a problem; the message says what to look at."""


# The case a running check last put to the learner's function ("what") and what came back
# ("result"): `guarded` names them when the check's own code fails.
_last_call: dict = {}
_running = [0]  # how many guarded checks are running (a check may run another)
COULD_NOT_READ = "the visible check could not read your result"


def call(function, *args, what: str, **kwargs):
    """Call the learner's function, turning a crash into a message that names the case."""
    _last_call.clear()
    _last_call["what"] = what
    try:
        result = function(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:
        raise VisibleCheckFailed(
            f"{what}: your function raised {type(error).__name__}: {error}"
        ) from error
    _last_call["result"] = result
    return result


def describe(value, depth: int = 0) -> str:
    """What a returned value is, as types and shapes (never values): `tuple(ndarray (2, 4),
    str)`. Containers are described two levels deep, and at most 8 entries each."""
    if isinstance(value, np.ndarray):
        return f"ndarray {value.shape} of {value.dtype}"
    if isinstance(value, (tuple, list)):
        if depth >= 2:
            return f"{type(value).__name__} of length {len(value)}"
        inner = ", ".join(describe(entry, depth + 1) for entry in value[:8])
        return f"{type(value).__name__}({inner}{', ...' if len(value) > 8 else ''})"
    if isinstance(value, dict):
        keys = ", ".join(repr(key) for key in list(value)[:8])
        return f"dict with keys {keys}{', ...' if len(value) > 8 else ''}"
    return type(value).__name__


_LIBRARY_FOLDERS = tuple(
    str(Path(folder).resolve())
    for folder in {
        Path(__file__).resolve().parents[1],  # coursekit
        Path(np.__file__).resolve().parent,
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
    }
)


def _raised_in_learner_code(error: BaseException) -> bool:
    """True if the traceback passes through code outside coursekit, NumPy and Python's own
    library: a function of the learner's (or anything else it called) raised it. Code without a
    file ("<string>", "<frozen ...>": made by a library) is not the learner's, except IPython's
    "<ipython-input-...>" cells."""
    frame = error.__traceback__
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if filename.startswith("<ipython-input"):
            return True
        if not filename.startswith("<") and not str(Path(filename).resolve()).startswith(
            _LIBRARY_FOLDERS
        ):
            return True
        frame = frame.tb_next
    return False


def guarded(check):
    """`check` (a visible check), answering with a `VisibleCheckFailed` where its own code would
    raise: the message names the case it last tried and describes what the learner's function
    returned. NotImplementedError, `VisibleCheckFailed` and exceptions of the learner's code pass
    through unchanged."""
    if getattr(check, "__guarded__", False):
        return check

    @functools.wraps(check)
    def run(*args, **kwargs):
        outer = _running[0] == 0
        if outer:
            _last_call.clear()
        _running[0] += 1
        try:
            return check(*args, **kwargs)
        except (VisibleCheckFailed, NotImplementedError):
            raise
        except Exception as error:
            if not outer or _raised_in_learner_code(error):
                raise
            what = _last_call.get("what", f"{check.__name__.removeprefix('check_')}")
            returned = (
                f"your function returned {describe(_last_call['result'])}"
                if "result" in _last_call
                else "the check stopped before your function returned"
            )
            raise VisibleCheckFailed(
                f"{what}: {COULD_NOT_READ}: {returned}. "
                f"Compare each returned value's type and shape with the docstring's "
                f"'Returns' (the check stopped on {type(error).__name__}: {error})."
            ) from None
        finally:
            _running[0] -= 1
            if outer:
                _last_call.clear()

    run.__guarded__ = True
    return run


def guard_module(module) -> None:
    """Wrap every `check_*` function of a visible-check module with `guarded`, in place."""
    for name, value in list(vars(module).items()):
        if name.startswith("check_") and callable(value):
            setattr(module, name, guarded(value))


def expect_shape(value, shape: tuple, *, what: str) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise VisibleCheckFailed(
            f"{what}: expected a NumPy array of shape {tuple(shape)}, got {describe(value)}"
        )
    if value.shape != tuple(shape):
        raise VisibleCheckFailed(f"{what}: expected shape {tuple(shape)}, got {value.shape}")
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def expect_number(value, *, what: str) -> float:
    """A single real number (a Python or NumPy number, or an array of shape ()), as a float."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        return float(value)
    if not _is_number(value):
        raise VisibleCheckFailed(f"{what}: expected a single number, got {describe(value)}")
    return float(value)


def expect_entries(value, layout: tuple, *, what: str) -> tuple:
    """`value` must be a tuple laid out as `layout`: one `(name, spec)` per entry, where `spec` is
    an array's shape, a string the entry must equal (an activation's name), or None (anything).
    The message names the entry, its position and what was found there."""
    names = ", ".join(name if not isinstance(spec, str) else repr(spec) for name, spec in layout)
    if not isinstance(value, tuple) or len(value) != len(layout):
        raise VisibleCheckFailed(
            f"{what}: expected the tuple ({names}) of {len(layout)} entries, got {describe(value)}"
        )
    for index, (entry, (name, spec)) in enumerate(zip(value, layout)):
        where = f"{what}: entry {index} of ({names})"
        if isinstance(spec, str):
            if not isinstance(entry, str) or entry != spec:
                raise VisibleCheckFailed(
                    f"{where} must be the name {spec!r}, got {describe(entry)}"
                    + (f" {entry!r}" if isinstance(entry, str) else "")
                )
        elif spec is not None:
            expect_shape(entry, spec, what=f"{where}, {name}")
    return value


def expect_close(
    value, expected, *, what: str, hint: str = "", rtol: float = 1e-6, atol: float = 1e-8
) -> None:
    expected = np.asarray(expected)
    value = expect_shape(
        np.asarray(value) if _is_number(value) else value, expected.shape, what=what
    )
    if value.dtype.kind not in "biuf":
        raise VisibleCheckFailed(f"{what}: expected numbers, got an array of dtype {value.dtype}")
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


def expect_saturated_states(states: dict, *, what: str, why_h_is_bounded: str) -> None:
    """At large inputs (|x| ~ 1e3 and beyond) the gates saturate: nothing in `states` (name ->
    array) is NaN or inf, and every |h| is at most 1, for the reason `why_h_is_bounded` gives
    (a gated tanh: "h = o * tanh(c) lies in [-1, 1]")."""
    for name, value in states.items():
        value = np.asarray(value, dtype=float)
        expect_true(
            bool(np.all(np.isfinite(value))),
            what=f"{what}: {name} holds NaN or inf",
            hint="exp of a pre-activation beyond about 709 overflows to inf, and inf / inf is "
            "NaN: a tanh or sigmoid written with exp breaks here, where the gates saturate.",
        )
    expect_true(
        bool(np.all(np.abs(np.asarray(states["h"], dtype=float)) <= 1.0)),
        what=f"{what}: some |h| exceeds 1 ({why_h_is_bounded})",
    )


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
