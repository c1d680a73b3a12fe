"""The learner kit (coursekit) ships no answers.

- No function anywhere in coursekit passes any hidden check: a learner cannot score by calling
  what the visible checks use.
- The expected values the visible checks read are exactly what the reference computes now.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np

import coursekit
from coursekit.visible.expect import VISIBLE_DATA
from grader.reference.checks import registry, run_check
from grader.reference.visible import expectations, notebooks

PLUMBING = {"coursekit.hidden", "coursekit.wire", "coursekit.stand_ins"}  # no exercise-like code


def kit_functions() -> dict[str, object]:
    """Every function defined in a coursekit module (private ones too), by qualified name."""
    found = {}
    for info in pkgutil.walk_packages(coursekit.__path__, "coursekit."):
        if info.name in PLUMBING:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__ \
                    and not name.startswith("check_"):
                found[f"{info.name}.{name}"] = value
    return found


def test_no_function_in_the_learner_kit_passes_a_hidden_check():
    passing = []
    for name, check in registry().items():
        cases = check.fixed_cases()
        for qualified, function in kit_functions().items():
            if run_check(check, function, cases).passed:
                passing.append(f"{qualified} passes {name}")
    assert not passing, passing


def test_visible_expectations_are_up_to_date():
    for notebook in notebooks():
        path = VISIBLE_DATA / f"{notebook}.npz"
        assert path.is_file(), f"{path} is missing: run tools/make_visible_expectations.py"
        fresh = expectations(notebook)
        with np.load(path, allow_pickle=False) as committed:
            assert sorted(committed.files) == sorted(fresh), (
                f"{notebook}: run tools/make_visible_expectations.py")
            for key, value in fresh.items():
                np.testing.assert_array_equal(committed[key], value, err_msg=f"{notebook}: {key}")
