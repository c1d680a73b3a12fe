"""The wire keeps what a docstring's contract is about (grader/checks/contracts.py): container
types, array dtypes and NumPy scalars' dtypes, both ways (the grader's arguments, the learner's
returned values)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coursekit.hidden import run_cases
from coursekit.wire import TooLarge, WireError, decode, encode
from grader.checks import outcome_from_record
from grader.checks.framework import Case


@pytest.mark.parametrize(
    "value",
    [np.float32(1.5), np.float64(-2.25), np.int64(7), np.int32(-3), np.uint8(200), np.bool_(True)],
    ids=lambda value: type(value).__name__,
)
def test_a_numpy_scalar_keeps_its_dtype(value):
    back = decode(encode(value))
    assert type(back) is type(value) and back == value


def test_containers_keep_their_types_and_python_numbers_stay_python_numbers():
    value = (1, 2.5, [np.zeros(2, np.float32), (np.int64(3),)], {"a": [True, None]})
    back = decode(encode(value))
    assert type(back) is tuple and type(back[2]) is list and type(back[2][1]) is tuple
    assert type(back[0]) is int and type(back[1]) is float and back[3] == {"a": [True, None]}
    assert back[2][0].dtype == np.float32 and type(back[2][1][0]) is np.int64


def test_a_returned_numpy_scalar_reaches_the_judge_with_its_dtype():
    """What a learner's function returns is recorded in the kernel and decoded by the grader."""
    case = Case("a loss", (np.float64(2.0),))
    wire_cases = decode(encode([case.to_wire()]), live=False)
    assert type(decode(encode(wire_cases[0]["args"]))[0]) is np.float64  # the argument too
    record = decode(encode(run_cases(lambda x: np.float32(x) / 3, wire_cases)), live=False)
    outcome = outcome_from_record(record[0])
    assert type(outcome.value) is np.float32


def test_a_stand_in_matches_an_integer_argument_whatever_its_integer_type():
    """The wire now keeps np.int64 apart from int: a correct downstream passing either still
    gets the stood-in answer (coursekit.stand_ins)."""
    from coursekit.stand_ins import same_argument

    assert (
        same_argument(np.int64(3), 3)
        and same_argument(3, np.int64(3))
        and same_argument(np.int32(3), np.int64(3))
    )
    assert (
        not same_argument(4, np.int64(3))
        and not same_argument(True, 1)
        and not same_argument("3", 3)
    )
    assert same_argument(np.float64(0.5), 0.5) and same_argument(0.5, np.float64(0.5))


@pytest.mark.parametrize(
    "raw",
    [
        {"__scalar__": {"dtype": "float64", "shape": [2], "data": "AAAAAAAAAAAAAAAAAAAAAA=="}},
        {"__scalar__": {"dtype": "object", "shape": [], "data": ""}},
        {"__scalar__": {"dtype": "float64", "shape": [], "data": "AA=="}},
        {"__scalar__": {"dtype": "float64", "shape": []}},
    ],
)
def test_malformed_scalars_are_refused(raw):
    with pytest.raises(WireError):
        decode(json.dumps(raw))


def test_a_scalar_counts_as_one_number():
    text = encode([np.float64(1.0)] * 3)
    assert len(decode(text, max_values=3)) == 3
    with pytest.raises(TooLarge):
        decode(text, max_values=2)
