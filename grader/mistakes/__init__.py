"""The catalogues of common learner mistakes, one module per notebook (named like its check module
in grader/checks/ and its visible checks in coursekit/visible/).

A catalogue module defines, for each exercise (keyed by its hidden check's name):

- `MISTAKES[exercise]`: the `Mistake`s a learner makes (`grader.checks.framework.Mistake`: id,
  what the learner did, which is the hint, and the function that does it). The hidden check's
  hints (grader/checks/<notebook>.py), the visible checks' expected values of named mistakes
  (grader/visible_expectations/<notebook>.py, by id) and tests/checks/test_mistakes.py all read
  them from here.
- `UNSCORED[exercise]` (if any): mistakes whose returned values are right (an argument changed
  in place, a NumPy warning). They carry no points; the visible check names them.
- `VARIANTS[exercise]` (if any): the factory whose functions the mistakes are, made by flags
  (`step_variant(order="ifog")`); called with no flags it makes the correct function, and a
  test holds it to passing the hidden check.

The functions a catalogue defines are public: the visible expectations and tests use them too.
`catch_rate` measures how often fresh case sets catch a mistake (tools/catch_rates.py,
tests/checks/test_catch_rates.py).
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
from types import ModuleType

from grader.checks import run_check
from grader.checks.framework import Check, Mistake


def notebooks() -> list[str]:
    """The notebooks (module names) that have a catalogue."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__))


def catalogue(notebook: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{notebook}")


def listed(kind: str = "MISTAKES") -> list[tuple[str, str, Mistake]]:
    """Every (notebook, exercise, mistake) of every catalogue's `kind` ("MISTAKES" or
    "UNSCORED"), in catalogue order."""
    return [
        (notebook, exercise, mistake)
        for notebook in notebooks()
        for exercise, mistakes in getattr(catalogue(notebook), kind, {}).items()
        for mistake in mistakes
    ]


def find(mistakes, mistake_id: str) -> Mistake:
    """The entry of `mistakes` (one exercise's) with id `mistake_id`."""
    for mistake in mistakes:
        if mistake.id == mistake_id:
            return mistake
    raise KeyError(f"no mistake {mistake_id!r} in {[m.id for m in mistakes]}")


def outputs(mistakes, mistake_ids) -> dict:
    """{id: the mistake's function} for `mistake_ids`, in that order (a visible check's data)."""
    return {mistake_id: find(mistakes, mistake_id).output for mistake_id in mistake_ids}


def catch_rate(check: Check, mistake: Mistake, seeds) -> float:
    """Fraction of the fresh case sets drawn from `seeds` on which `mistake` fails `check`."""
    return catch_rates(check, [mistake], seeds)[0]


def catch_rates(check: Check, mistakes, seeds) -> list[float]:
    """`catch_rate` of each of `mistakes` (of one check), in order. Each seed's case set is drawn
    once (drawing is a third of the cost) and each mistake is run on a copy of it."""
    seeds = list(seeds)
    caught = [0] * len(mistakes)
    for seed in seeds:
        cases = check.fresh_cases(seed)
        for index, mistake in enumerate(mistakes):
            caught[index] += fails_some_case(check, mistake.output, copy.deepcopy(cases))
    return [count / len(seeds) for count in caught]


def fails_some_case(check: Check, candidate, cases) -> bool:
    """Whether `candidate` fails `check` on `cases`. The cases are run one at a time, in order,
    and the first that fails settles it (a verdict fails exactly when one of its cases does)."""
    return any(not run_check(check, candidate, [case]).passed for case in cases)
