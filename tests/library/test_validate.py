"""Shapes: a wrong argument is named with its expected shape, on the fast path too."""

import numpy as np
import pytest

from rnn_numpy.shapes import Shapes


def test_a_letter_used_twice_in_one_argument_must_match_itself():
    with pytest.raises(ValueError, match="Wh = 4 does not match H = 3"):
        Shapes("f").floats("Wh", np.zeros((3, 4)), ("H", "H"))


def test_letters_bound_by_earlier_arguments_are_enforced():
    shapes = Shapes("f")
    shapes.floats("x", np.zeros((2, 3)), ("N", "D"))
    with pytest.raises(ValueError, match=r"y must have shape \(N, D\) = \(2, 3\), got \(2, 4\)"):
        shapes.floats("y", np.zeros((2, 4)), ("N", "D"))
    with pytest.raises(ValueError, match="2 dimension"):
        shapes.floats("z", np.zeros(3), ("N", "D"))
    assert shapes.floats("w", np.zeros((2, 3)), ("N", 3)).shape == (2, 3)
