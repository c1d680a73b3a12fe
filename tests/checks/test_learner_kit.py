"""The learner kit (coursekit) ships no answers.

- No function anywhere in coursekit passes any hidden check: a learner cannot score by calling
  what the visible checks use.
- The expected values the visible checks read are what the reference computes now (to within
  float64 rounding: BLAS kernels differ in the last bits).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import coursekit
from coursekit.visible.expect import VISIBLE_DATA
from grader.checks import registry
from grader.mistakes import fails_some_case
from grader.visible_expectations import expectations, notebooks, same_expectation

PLUMBING = {"coursekit.hidden", "coursekit.wire", "coursekit.stand_ins"}  # no exercise-like code


def kit_functions() -> dict[str, object]:
    """Every function defined in a coursekit module (private ones too), by qualified name."""
    found = {}
    for info in pkgutil.walk_packages(coursekit.__path__, "coursekit."):
        if info.name in PLUMBING:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and not name.startswith("check_")
            ):
                found[f"{info.name}.{name}"] = value
    return found


def test_no_function_in_the_learner_kit_passes_a_hidden_check():
    passing = []
    functions = kit_functions()
    for name, check in registry().items():
        cases = check.fixed_cases()
        for qualified, function in functions.items():
            if not fails_some_case(check, function, cases):
                passing.append(f"{qualified} passes {name}")
    assert not passing, passing


def test_visible_expectations_are_up_to_date():
    for notebook in notebooks():
        path = VISIBLE_DATA / f"{notebook}.npz"
        assert path.is_file(), f"{path} is missing: run python -m tools.make_visible_expectations"
        fresh = expectations(notebook)
        with np.load(path, allow_pickle=False) as committed:
            assert sorted(committed.files) == sorted(fresh), (
                f"{notebook}: run python -m tools.make_visible_expectations"
            )
            for key, value in fresh.items():
                assert_same_expectation(committed[key], value, f"{notebook}: {key}")


def assert_same_expectation(committed, fresh, what: str) -> None:
    assert same_expectation(committed, fresh), what


def test_the_expectation_comparison_ignores_last_bits_and_nothing_more():
    value = np.array([0.1, -2.5, 1e200, 0.0, np.nan, np.inf])
    last_bit = value.copy()
    last_bit[:3] += np.spacing(value[:3])
    assert_same_expectation(value, last_bit, "last bit")
    for changed in (
        value * [1, 1 + 1e-8, 1, 1, 1, 1],
        value + [0, 0, 0, 1e-9, 0, 0],
        value * [1, 1, 1, 1, 1, -1],
        np.where(np.isnan(value), 0.0, value),
    ):
        with pytest.raises(AssertionError):
            assert_same_expectation(value, changed, "changed")
    with pytest.raises(AssertionError):
        assert_same_expectation(np.array([1, 2]), np.array([1, 3]), "an integer")
