"""Argument checking shared by every reference function.

A wrong argument must fail loudly and say which argument, which shape and why, never produce a
silently wrong answer. Each public function starts with one `Shapes` object that binds the
dimension letters (N batch, T steps, D input, H hidden, V vocabulary, ...) as arguments arrive:

    shapes = Shapes("rnn_step_forward")
    x = shapes.floats("x", x, ("N", "D"))
    h_prev = shapes.floats("h_prev", h_prev, ("N", "H"))
    Wx = shapes.floats("Wx", Wx, ("D", "H"))   # D and H are now fixed by x and h_prev

and a mismatch raises, for example,
    ValueError: rnn_step_forward: Wx must have shape (D, H) = (3, 5), got (5, 3)
                (D = 3 was set by x, H = 5 by h_prev)
"""

from __future__ import annotations

import numbers

import numpy as np

Dim = "str | int"  # a letter bound on first use, or a fixed size


class Shapes:
    """Checks the arrays passed to one function against named dimensions."""

    def __init__(self, function_name: str, **known_sizes: int):
        self.function_name = function_name
        self.sizes: dict[str, int] = dict(known_sizes)
        self.bound_by: dict[str, str] = {letter: "the call" for letter in known_sizes}

    # -- arrays ------------------------------------------------------------------------------
    def floats(self, name: str, value, dims: tuple) -> np.ndarray:
        """A real floating-point array (float16/32/64) of the given dimensions."""
        array = self._as_array(name, value)
        if array.dtype.kind != "f":
            raise TypeError(
                f"{self.function_name}: {name} must be a floating-point array "
                f"(float32 or float64), got dtype {array.dtype}"
            )
        self._check_dims(name, array, dims)
        return array

    def integers(
        self, name: str, value, dims: tuple, *, low: int | None = None, high: int | None = None
    ) -> np.ndarray:
        """An integer array of the given dimensions with every entry in [low, high)."""
        array = self._as_array(name, value)
        if array.dtype.kind not in "iu":
            raise TypeError(
                f"{self.function_name}: {name} must be an integer array, got dtype {array.dtype}"
            )
        self._check_dims(name, array, dims)
        if array.size and low is not None and array.min() < low:
            raise ValueError(
                f"{self.function_name}: {name} has entry {array.min()} "
                f"below the smallest allowed value {low}"
            )
        if array.size and high is not None and array.max() >= high:
            raise ValueError(
                f"{self.function_name}: {name} has entry {array.max()}, "
                f"but entries must be below {high}"
            )
        return array

    def booleans(self, name: str, value, dims: tuple) -> np.ndarray:
        """A boolean (or 0/1 integer) mask of the given dimensions, returned as bool."""
        array = self._as_array(name, value)
        if array.dtype.kind in "iu" and array.size and not np.isin(array, (0, 1)).all():
            raise ValueError(f"{self.function_name}: {name} must hold only 0/1 or True/False")
        if array.dtype.kind not in "biu":
            raise TypeError(
                f"{self.function_name}: {name} must be a boolean mask, got dtype {array.dtype}"
            )
        self._check_dims(name, array, dims)
        return array.astype(bool)

    def size(self, letter: str) -> int:
        """The size bound to a dimension letter so far."""
        return self.sizes[letter]

    # -- scalars -----------------------------------------------------------------------------
    def positive_int(self, name: str, value, *, letter: str | None = None) -> int:
        """A whole number >= 1 (optionally binding a dimension letter to it)."""
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(
                f"{self.function_name}: {name} must be a whole number, got {type(value).__name__}"
            )
        if value < 1:
            raise ValueError(f"{self.function_name}: {name} must be at least 1, got {value}")
        if letter is not None:
            self._bind(letter, int(value), name)
        return int(value)

    def positive_float(self, name: str, value, *, allow_zero: bool = False) -> float:
        """A finite real number > 0 (or >= 0 with allow_zero)."""
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{self.function_name}: {name} must be a real number, got {type(value).__name__}"
            )
        value = float(value)
        if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            bound = ">= 0" if allow_zero else "> 0"
            raise ValueError(
                f"{self.function_name}: {name} must be finite and {bound}, got {value}"
            )
        return value

    # -- internals ---------------------------------------------------------------------------
    def _as_array(self, name: str, value) -> np.ndarray:
        if isinstance(value, np.ndarray):
            return value
        if isinstance(value, (list, tuple, numbers.Number)):
            array = np.asarray(value)
            if array.dtype == object:
                raise TypeError(
                    f"{self.function_name}: {name} is ragged or mixed and cannot "
                    f"be read as an array"
                )
            return array
        raise TypeError(
            f"{self.function_name}: {name} must be a NumPy array, got {type(value).__name__}"
        )

    def _check_dims(self, name: str, array: np.ndarray, dims: tuple) -> None:
        if self._fits(dims, array.shape):  # the common case, checked fast
            for dim, size in zip(dims, array.shape):
                if isinstance(dim, str) and dim not in self.sizes:
                    self._bind(dim, size, name)
            return
        wanted = "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"
        if array.ndim != len(dims):
            raise ValueError(
                f"{self.function_name}: {name} must have {len(dims)} dimension(s) "
                f"{wanted}, got shape {array.shape}"
            )
        for axis, (dim, size) in enumerate(zip(dims, array.shape)):
            if isinstance(dim, int):
                if size != dim:
                    raise ValueError(
                        f"{self.function_name}: {name} must have shape {wanted} "
                        f"with size {dim} on axis {axis}, got shape {array.shape}"
                    )
            elif dim in self.sizes and self.sizes[dim] != size:
                expected = tuple(self.sizes.get(d, "?") if isinstance(d, str) else d for d in dims)
                sources = ", ".join(
                    f"{d} = {self.sizes[d]} was set by {self.bound_by[d]}"
                    for d in dims
                    if isinstance(d, str) and d in self.sizes
                )
                raise ValueError(
                    f"{self.function_name}: {name} must have shape {wanted} = "
                    f"{expected}, got {array.shape} ({sources})"
                )
        for dim, size in zip(dims, array.shape):
            if isinstance(dim, str):
                self._bind(dim, size, name)

    def _fits(self, dims: tuple, shape: tuple) -> bool:
        """Whether `shape` matches `dims` and the sizes bound so far (no message built)."""
        if len(shape) != len(dims):
            return False
        seen: dict[str, int] = {}
        for dim, size in zip(dims, shape):
            if isinstance(dim, int):
                if size != dim:
                    return False
            elif self.sizes.get(dim, seen.setdefault(dim, size)) != size:
                return False
        return True

    def _bind(self, letter: str, size: int, name: str) -> None:
        if letter in self.sizes and self.sizes[letter] != size:
            raise ValueError(
                f"{self.function_name}: {name} = {size} does not match {letter} = "
                f"{self.sizes[letter]} set by {self.bound_by[letter]}"
            )
        if letter not in self.sizes:
            self.sizes[letter] = size
            self.bound_by[letter] = name
