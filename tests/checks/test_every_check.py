"""What every hidden check of every notebook must do, whatever it checks.

Each notebook's test module (test_<notebook>.py) names its reference functions in REFERENCES and
tests what is particular to its checks; every catalogued mistake is tested in test_mistakes.py;
the rules common to all checks live here, once.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import grader.checks as checks_package
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import get_check, registry, run_check, run_locally


def _notebook_tests() -> dict:
    """Each check module's test module (tests/checks/test_<module>.py), by check module name."""
    found = {}
    for info in pkgutil.iter_modules(checks_package.__path__):
        if hasattr(importlib.import_module(f"{checks_package.__name__}.{info.name}"), "CHECKS"):
            found[info.name] = importlib.import_module(f"tests.checks.test_{info.name}")
    return found


NOTEBOOK_TESTS = _notebook_tests()
REFERENCES = {
    name: (notebook, function)
    for notebook, tests in NOTEBOOK_TESTS.items()
    for name, function in tests.REFERENCES.items()
}


@pytest.mark.parametrize("notebook", NOTEBOOK_TESTS)
def test_each_check_module_defines_exactly_its_notebooks_checks(notebook):
    module = importlib.import_module(f"grader.checks.{notebook}")
    assert [check.name for check in module.CHECKS] == list(NOTEBOOK_TESTS[notebook].REFERENCES)


def test_every_registered_check_has_a_reference_here():
    assert set(registry()) == set(REFERENCES)


@pytest.mark.parametrize("name", REFERENCES)
def test_the_reference_passes(name):
    verdict = run_locally(name, REFERENCES[name][1])
    assert verdict.passed, verdict.explain()


@pytest.mark.parametrize("name", REFERENCES)
def test_case_labels_are_deterministic_and_distinct(name):
    labels = [case.label for case in get_check(name).cases(1)]
    assert labels == [case.label for case in get_check(name).cases(1)]
    assert len(labels) == len(set(labels)), "case labels must be distinct"


@pytest.mark.parametrize("name", REFERENCES)
def test_a_stub_fails_as_not_implemented(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    verdict = run_locally(name, stub)
    assert not verdict.passed and "not implemented" in verdict.explain()


@pytest.mark.parametrize("name", REFERENCES)
def test_the_visible_check_passes_on_the_reference(name, capsys):
    notebook, reference = REFERENCES[name]
    visible = importlib.import_module(f"coursekit.visible.{notebook}")
    extra = getattr(NOTEBOOK_TESTS[notebook], "VISIBLE_ARGUMENTS", {}).get(name, ())
    getattr(visible, f"check_{name}")(reference, *extra)
    assert "visible checks pass" in capsys.readouterr().out


# -- what carries no points (issue 15) ---------------------------------------------------------
UNSCORED = [(name, mistake) for name, check in registry().items() for mistake in check.unscored]


def test_the_unscored_mistakes_are_the_in_place_and_warning_ones():
    """Every property the kernel could only report about itself used to cost points; now none
    does. This list is what the README's threat model names."""
    assert {name for name, _ in UNSCORED} == {
        "softmax",
        "cross_entropy",
        "softmax_cross_entropy_backward",  # 01
        "rnn_step_backward",
        "temporal_softmax_loss",
        "numerical_gradient",  # 03
        "sgd_step",
        "adagrad_step",
        "clip_elementwise",
        "clip_global_norm",
        "rmsprop_step",  # 04
        "sigmoid",
    }  # 05


@pytest.mark.parametrize(
    "name, mistake", UNSCORED, ids=lambda v: v if isinstance(v, str) else v.description[:40]
)
def test_an_unscored_mistake_keeps_full_marks_and_the_visible_check_names_it(name, mistake):
    check = get_check(name)
    verdict = run_check(check, mistake.output, check.cases(7))
    assert verdict.passed, verdict.explain()
    notebook, _ = REFERENCES[name]
    visible = importlib.import_module(f"coursekit.visible.{notebook}")
    extra = getattr(NOTEBOOK_TESTS[notebook], "VISIBLE_ARGUMENTS", {}).get(name, ())
    with pytest.raises(VisibleCheckFailed) as failure:
        getattr(visible, f"check_{name}")(mistake.output, *extra)
    text = str(failure.value)
    assert (
        "in place" in text or "changed" in text or "unchanged" in text or "NumPy reported" in text
    ), text
