"""Docstring contracts (grader/checks/contracts.py): every entry of the one table is stated by
its docstring, tested first by the visible check, and hit by a fixed hidden case; a function that
breaks only that contract fails the hidden check with a message naming the contract.

For each contract, `breaking(contract, reference)` is the correct function with just that
contract broken: a float32 result where float64 is promised, a float result where integers are,
a list where the docstring says tuple, a function that refuses NumPy integers where it documents
integers, or the overflowing way to write it (the catalogue's mistake).
"""

from __future__ import annotations

import importlib
import json
from unittest import mock

import numpy as np
import pytest

import rnn_numpy.gru
from coursekit.visible.expect import VisibleCheckFailed
from coursekit.wire import decode, encode
from grader.checks import get_check, registry, run_check
from grader.checks.common import tanh_by_exp
from grader.checks.contracts import (
    CONTRACTS,
    NOT_SCORED,
    Float64,
    IntegerArguments,
    IntegerDtype,
    NoOverflow,
    TupleContainer,
)
from grader.layout import SOLUTIONS
from grader.mistakes import catalogue, find
from tests.checks.test_every_check import NOTEBOOK_TESTS, REFERENCES

ENTRIES = [(name, contract) for name, contracts in CONTRACTS.items() for contract in contracts]


def _id(value):
    return value if isinstance(value, str) else type(value).__name__


def _replace_at(value, path, change):
    if not path:
        return change(value)
    if path[0] == -1:
        return type(value)(_replace_at(item, path[1:], change) for item in value)
    items = list(value)
    items[path[0]] = _replace_at(items[path[0]], path[1:], change)
    return type(value)(items)


def _float32(value):
    return np.float32(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float32)


def _python_power(gamma, sigma_max, lags):
    """gradient_bound on Python numbers: (gamma * sigma_max) ** lag raises OverflowError where
    the bound passes float64's largest number."""
    if np.ndim(lags) == 0:
        return float(gamma * sigma_max) ** int(lags)
    return np.power(float(gamma * sigma_max), np.asarray(lags, dtype=float))


def _tanh_by_exp(reference):
    """`reference` with tanh written with exp (NaN where |a| > 709)."""

    def overflowing(*args, **kwargs):
        with mock.patch.object(np, "tanh", tanh_by_exp), np.errstate(all="ignore"):
            return reference(*args, **kwargs)

    return overflowing


def _gru_tanh_by_exp(reference):
    """The library's gru_forward (which writes its candidate's tanh in place, the step inlined)
    with that tanh written with exp."""

    def tanh_in_place_by_exp(a):
        a[...] = tanh_by_exp(a)

    def overflowing(*args, **kwargs):
        with mock.patch.object(rnn_numpy.gru, "tanh_inplace", tanh_in_place_by_exp):
            with np.errstate(all="ignore"):
                return reference(*args, **kwargs)

    return overflowing


OVERFLOWING = {  # where the catalogue lists no such mistake
    "gradient_bound": lambda reference: _python_power,
    "rnn_forward": _tanh_by_exp,
    "masked_rnn_forward": _tanh_by_exp,
    "gru_forward": _gru_tanh_by_exp,
}


def breaking(name: str, contract, reference):
    """`reference` with only `contract` broken."""
    if isinstance(contract, NoOverflow):
        if contract.mistake is None:
            return OVERFLOWING[name](reference)
        notebook = REFERENCES[name][0]
        return find(catalogue(notebook).MISTAKES[name], contract.mistake).output
    if isinstance(contract, IntegerArguments):

        def refuses_numpy_integers(*args, **kwargs):
            for name_, position in zip(contract.names, contract.positions):
                if position < len(args) and not isinstance(args[position], int):
                    raise TypeError(f"{name_} must be an int")
            return reference(*args, **kwargs)

        return refuses_numpy_integers
    change = {
        Float64: _float32,
        IntegerDtype: lambda value: np.asarray(value, dtype=np.float64),
        TupleContainer: list,
    }[type(contract)]
    path = contract.path
    if isinstance(contract, TupleContainer) and path[-1] == -1:
        path, change = path[:-1], lambda entries: type(entries)(list(e) for e in entries)

    def broken(*args, **kwargs):
        return _replace_at(reference(*args, **kwargs), path, change)

    return broken


def _visible(name):
    notebook = REFERENCES[name][0]
    check = getattr(importlib.import_module(f"coursekit.visible.{notebook}"), f"check_{name}")
    extra = getattr(NOTEBOOK_TESTS[notebook], "VISIBLE_ARGUMENTS", {}).get(name, ())
    return lambda function: check(function, *extra)


def test_the_tables_name_registered_checks():
    assert set(CONTRACTS) | set(NOT_SCORED) <= set(registry())


@pytest.mark.parametrize("name, contract", ENTRIES, ids=[f"{n}-{_id(c)}" for n, c in ENTRIES])
def test_a_fixed_case_hits_the_contract(name, contract):
    labels = [case.label for case in get_check(name).fixed_cases()]
    if isinstance(contract, IntegerArguments):
        assert any(label.endswith(contract.label_suffix) for label in labels), labels
        case = next(c for c in get_check(name).fixed_cases() if contract.label_suffix in c.label)
        args = decode(encode(case.args))  # the kernel receives NumPy integers, not Python ints
        assert all(type(args[p]) is np.int64 for p in contract.positions)
    if isinstance(contract, NoOverflow):
        assert any(contract.marker in label for label in labels), labels


@pytest.mark.parametrize("name, contract", ENTRIES, ids=[f"{n}-{_id(c)}" for n, c in ENTRIES])
def test_breaking_only_the_contract_fails_the_visible_check_and_the_fixed_hidden_cases(
    name, contract
):
    broken = breaking(name, contract, REFERENCES[name][1])
    with pytest.raises(VisibleCheckFailed), np.errstate(all="ignore"):
        _visible(name)(broken)
    check = get_check(name)
    verdict = run_check(check, broken, check.fixed_cases())
    assert not verdict.passed
    text = verdict.explain()
    naming = {
        Float64: "the docstring asks for float64",
        IntegerDtype: "the docstring asks for an integer array",
        TupleContainer: "is a list; the docstring says it is a tuple",
    }
    if type(contract) in naming:
        assert naming[type(contract)] in text, text
    elif isinstance(contract, IntegerArguments):
        assert f"{contract.label_suffix}': raised TypeError" in text, text
    else:
        failing = [line for line in verdict.messages if line.startswith("case '")]
        assert any(contract.marker in line for line in failing), text
    assert "astype" not in text and "np.tanh" not in text  # the mistake, never the fix line


def test_list_caches_and_float32_fail_only_on_the_contract():
    """The message is the contract's, and nothing else fails: a list cache with the right
    entries, a float32 one-hot with the right values."""
    for name, contract in (
        ("rnn_step_forward", CONTRACTS["rnn_step_forward"][0]),
        ("one_hot", CONTRACTS["one_hot"][0]),
    ):
        check = get_check(name)
        verdict = run_check(check, breaking(name, contract, REFERENCES[name][1]), check.cases(5))
        assert verdict.messages and all(
            "docstring asks for float64" in line or "the docstring says it is a tuple" in line
            for line in verdict.messages
        ), verdict.explain()


def test_the_inventory_lists_every_contract_a_solution_docstring_states():
    """Every graded function whose docstring promises float64, a tuple cache or no overflow has
    that contract in the table (or in NOT_SCORED, with the reason)."""
    phrases = {
        Float64: ("float64 array",),
        TupleContainer: ("cache: the tuple",),
        NoOverflow: ("no overflow", "without overflow", "where it overflows"),
    }
    missing = []
    for notebook in sorted(SOLUTIONS.glob("0*/0*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            source = "".join(cell["source"])
            if not cell["metadata"].get("nbgrader", {}).get("solution") or '"""' not in source:
                continue
            docstring = source.split('"""')[1]
            if "Returns" in docstring:  # an input's promise binds the caller, not the function
                summary = docstring.split("Inputs:")[0].split("Returns")[0]
                docstring = summary + docstring.split("Returns")[1]
            for kind, words in phrases.items():
                if any(word in docstring for word in words) and not any(
                    isinstance(c, kind) for c in CONTRACTS.get(grade_id, ())
                ):
                    if grade_id not in NOT_SCORED:
                        missing.append((grade_id, kind.__name__))
    assert not missing
