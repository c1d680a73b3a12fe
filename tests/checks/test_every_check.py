"""What every hidden check of every notebook must do, whatever it checks.

Each notebook's test module (test_<notebook>.py) names its reference functions in REFERENCES and
tests what is particular to its checks; every catalogued mistake is tested in test_mistakes.py;
the rules common to all checks live here, once.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import numpy as np
import pytest

import coursekit.visible as visible_package
import grader.checks as checks_package
from coursekit.visible.expect import COULD_NOT_READ, VisibleCheckFailed, call, guarded
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
        "rnn_backward",
        "temporal_softmax_loss",
        "numerical_gradient",  # 03
        "sgd_step",
        "adagrad_step",
        "clip_elementwise",
        "clip_global_norm",
        "rmsprop_step",  # 04
        "sigmoid",
        "lstm_step_backward",
        "lstm_backward",
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


# -- junk returns (issue 18) --------------------------------------------------------------------
def _paths(value, path=()):
    """Every position inside a returned value: tuple and list entries, dict values, two deep."""
    if len(path) < 2:
        if isinstance(value, (tuple, list)):
            for index, entry in enumerate(value):
                yield (*path, index)
                yield from _paths(entry, (*path, index))
        elif isinstance(value, dict):
            for key, entry in value.items():
                yield (*path, key)
                yield from _paths(entry, (*path, key))


def _replaced(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    entries = list(value)
    entries[head] = _replaced(entries[head], rest, new)
    return type(value)(entries)


def _mapped(value, change):
    """`value` with `change` applied to every leaf (containers keep their types)."""
    if isinstance(value, (tuple, list)):
        return type(value)(_mapped(entry, change) for entry in value)
    if isinstance(value, dict):
        return {key: _mapped(entry, change) for key, entry in value.items()}
    return change(value)


WRONG_SHAPE = np.zeros((1, 7))


def _junk_of(result) -> dict:
    """Junk a learner's function might return instead of `result`, by name: None, a wrong-shaped
    array, a string, the wrong container, a tuple too short or too long, None or a wrong-shaped
    array at each position, an array where a string belongs, lists where arrays belong."""
    junk = {"None": None, "a (1, 7) array": WRONG_SHAPE, "a string": "tanh", "a dict": {}}
    if isinstance(result, tuple):
        junk |= {
            "a list": list(result),
            "one entry short": result[:-1],
            "one too many": result + (0,),
        }
    if isinstance(result, list):
        junk |= {"a tuple": tuple(result), "an empty list": []}
    for path in _paths(result):
        junk[f"None at {path}"] = _replaced(result, path, None)
        junk[f"a (1, 7) array at {path}"] = _replaced(result, path, WRONG_SHAPE)
    strings_to_arrays = _mapped(result, lambda v: np.zeros(3) if isinstance(v, str) else v)
    lists_for_arrays = _mapped(result, lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    junk |= {"arrays where strings belong": strings_to_arrays, "lists for arrays": lists_for_arrays}
    return junk


def _returning_junk(reference, kind):
    """A function returning the junk `kind` made of the reference's result on its arguments."""
    return lambda *args, **kwargs: _junk_of(reference(*args, **kwargs)).get(kind)


def _run_visible(name, function):
    notebook, _ = REFERENCES[name]
    visible = importlib.import_module(f"coursekit.visible.{notebook}")
    extra = getattr(NOTEBOOK_TESTS[notebook], "VISIBLE_ARGUMENTS", {}).get(name, ())
    getattr(visible, f"check_{name}")(function, *extra)


# The notebooks whose visible checks name every junk return themselves (the guard's generic
# message never shows); the others' are held only to answering with a message.
SPECIFIC_ABOUT_JUNK = {"feedforward_limits", "rnn_recurrence", "bptt", "lstm"}


@pytest.mark.parametrize("name", REFERENCES)
def test_a_visible_check_answers_junk_with_a_message_never_a_traceback(name, capsys):
    """Every visible check, given a function that returns the reference's result with junk in
    it, raises VisibleCheckFailed (a message) or passes: never an exception of its own."""
    notebook, reference = REFERENCES[name]
    kinds: set = set()

    def record(*args, **kwargs):
        result = reference(*args, **kwargs)
        kinds.update(_junk_of(result))
        return result

    _run_visible(name, record)
    problems = []
    for kind in sorted(kinds):
        try:
            _run_visible(name, _returning_junk(reference, kind))
        except VisibleCheckFailed as failure:
            if notebook in SPECIFIC_ABOUT_JUNK and COULD_NOT_READ in str(failure):
                problems.append(f"{kind}: only the generic message: {failure}")
        except Exception as error:  # noqa: BLE001 - the point of the test
            problems.append(f"{kind}: {type(error).__name__}: {error}")
    capsys.readouterr()
    assert not problems, "\n".join(problems)


EXAMPLE_CHECK = """
def check_example(function):
    result = call(function, what="the example case")
    if result[1] == "tanh":  # an array here is ambiguous
        pass
"""


def _check_in_coursekit(source: str):
    """A visible check compiled as if it were a module of coursekit/visible (the guard tells a
    check's own code from the learner's by where it lives)."""
    namespace = {"call": call}
    code = compile(source, str(Path(visible_package.__file__).parent / "example.py"), "exec")
    exec(code, namespace)
    return namespace["check_example"]


def test_the_guard_names_the_case_and_what_came_back():
    """The 02 report: an array where the activation's name belongs crashed the visible check of
    rnn_step_forward with NumPy's 'truth value of an array is ambiguous'."""
    with pytest.raises(VisibleCheckFailed) as failure:
        guarded(_check_in_coursekit(EXAMPLE_CHECK))(lambda: (np.zeros(2), np.zeros(3)))
    text = str(failure.value)
    assert text.startswith("the example case: ") and COULD_NOT_READ in text
    assert "tuple(ndarray (2,) of float64, ndarray (3,) of float64)" in text


def test_the_guard_leaves_the_learners_own_exception_as_theirs():
    def learners_helper():
        raise ZeroDivisionError("in the learner's code")

    # the check calls what the learner's function returned, outside `call`
    check = _check_in_coursekit(EXAMPLE_CHECK.replace('result[1] == "tanh"', "result()"))
    with pytest.raises(ZeroDivisionError, match="learner's code"):
        guarded(check)(lambda: learners_helper)


def test_the_guard_lets_not_implemented_through():
    def stub():
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        guarded(_check_in_coursekit(EXAMPLE_CHECK))(stub)
