"""coursekit.wire.Shared: one array object shared by a function and an argument of a case."""

import numpy as np
import pytest

from coursekit.wire import NamedFunction, Shared, WireError, decode, encode


def closure_case():
    z = np.arange(6.0).reshape(2, 3)
    f = NamedFunction(
        "closure_quadratic", {"A": np.ones((2, 3)), "B": np.zeros((2, 3)), "z": Shared("x", z)}
    )
    return (f, Shared("x", z))


def test_a_shared_array_is_one_object_that_the_function_reads():
    f, x = decode(encode(closure_case()))
    assert isinstance(x, np.ndarray) and f(None) == pytest.approx(55.0)
    x[0, 0] = 10.0  # changed in place: the function sees it
    assert f(None) == pytest.approx(155.0)
    assert f(np.zeros((2, 3))) == pytest.approx(155.0)  # its argument is ignored


def test_each_decode_makes_its_own_arrays_and_the_recorded_form_keeps_the_tag():
    text = encode(closure_case())
    (_, first), (_, second) = decode(text), decode(text)
    assert first is not second
    recorded = decode(text, live=False)
    assert isinstance(recorded[1], Shared) and recorded[1].key == "x"
    f, x = decode(encode(recorded))
    x[1, 2] = 0.0
    assert f(None) == pytest.approx(30.0)


@pytest.mark.parametrize(
    "text",
    ['{"__shared__": "x", "value": 3}', '{"__shared__": 1, "value": [1]}', '{"__shared__": "x"}'],
)
def test_malformed_shared_values_are_refused(text):
    with pytest.raises(WireError):
        decode(text)


def test_only_arrays_can_be_shared():
    with pytest.raises(WireError):
        encode(Shared("x", [1, 2]))
