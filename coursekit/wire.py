"""The wire format between the grader and a learner's kernel.

The grader sends a hidden check's inputs to the kernel, and the kernel sends back what the
learner's function returned, as JSON text. Values may nest lists, tuples and string-keyed dicts
of numbers, strings, None, NumPy arrays and NumPy scalars. Every container and number keeps its
type: a tuple arrives as a tuple and a list as a list, an array keeps its dtype, and a NumPy
scalar (`np.float32(1.5)`, `np.int64(3)`) stays a NumPy scalar of its dtype (not a Python number),
so a judge sees what a docstring's contract is about (the grader's contracts). Three tags stand
for live objects the kernel builds on arrival: `RngSeed(seed)` becomes
`np.random.default_rng(seed)`, `NamedFunction(name, params)` becomes one of the fixed functions in
`FUNCTIONS` (for exercises that take a callable), and `Shared(key, array)` becomes one array
object shared by every place in the same value that names `key` (so a NamedFunction can close over
the very array that is also passed as an argument, as `numerical_gradient(lambda _: loss(), W)`
does in notebook 03).

`decode` is strict: it is also what the grading process runs on text written by a learner's
kernel, so anything but the shapes above is rejected with `WireError`, never evaluated. With
`max_values`, a value holding more numbers than that (array entries, list, tuple and dict items,
counted together and from the array headers, before any data is decoded) is rejected too, so the
cost of what is decoded stays bounded whatever the kernel wrote.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

ALLOWED_DTYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
)
MAX_TEXT_CHARS = 64 * 1024 * 1024
MAX_DEPTH = 32


class WireError(ValueError):
    """Text that is not a well-formed value of the wire format."""


@dataclass(frozen=True)
class RngSeed:
    """Stands for `np.random.default_rng(seed)` in a check's inputs."""

    seed: int


@dataclass(frozen=True)
class Shared:
    """Stands for one array object: every Shared with the same key in a decoded value is the
    same np.ndarray (the first occurrence's value is used)."""

    key: str
    value: Any


@dataclass(frozen=True)
class NamedFunction:
    """Stands for `FUNCTIONS[name](params)`: a fixed callable a check passes to the learner."""

    name: str
    params: Any = None


def _quadratic_form(params):
    """f(x) = sum(A * x**2) + sum(B * x): smooth, with a known gradient 2 A x + B."""
    A, B = np.asarray(params["A"], dtype=float), np.asarray(params["B"], dtype=float)
    return lambda x: float(np.sum(A * x**2) + np.sum(B * x))


def _sin_product(params):
    """f(x) = sum(sin(W * x)): smooth, with a known gradient W cos(W x)."""
    W = np.asarray(params["W"], dtype=float)
    return lambda x: float(np.sum(np.sin(W * x)))


def _closure_quadratic(params):
    """f(_) = sum(A * z**2) + sum(B * z) where z is params["z"] itself (a Shared array): the
    argument is ignored, so f sees a change of z only if z is changed in place."""
    A, B, z = (params[key] for key in ("A", "B", "z"))
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    return lambda _: float(np.sum(A * z**2) + np.sum(B * z))


FUNCTIONS: dict[str, Callable[[Any], Callable]] = {
    "quadratic_form": _quadratic_form,
    "sin_product": _sin_product,
    "closure_quadratic": _closure_quadratic,
}


# -- encoding ---------------------------------------------------------------------------------
def encode(value) -> str:
    """Text for `value` (see the module docstring for what may appear in it)."""
    return json.dumps(_to_json(value, 0), allow_nan=True)


def _to_json(value, depth):
    if depth > MAX_DEPTH:
        raise WireError("value nests too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.name in ALLOWED_DTYPES:
        return {"__scalar__": _array_body(np.asarray(value))}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, RngSeed):
        return {"__rng__": int(value.seed)}
    if isinstance(value, NamedFunction):
        return {"__function__": value.name, "params": _to_json(value.params, depth + 1)}
    if isinstance(value, Shared):
        if not isinstance(value.key, str) or not isinstance(value.value, np.ndarray):
            raise WireError("Shared needs a str key and an array")
        return {"__shared__": value.key, "value": _to_json(value.value, depth + 1)}
    if isinstance(value, np.ndarray):
        if value.dtype.name not in ALLOWED_DTYPES:
            raise WireError(f"arrays of dtype {value.dtype} cannot be sent")
        return {"__ndarray__": _array_body(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(item, depth + 1) for item in value]}
    if isinstance(value, list):
        return [_to_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise WireError("only dicts with string keys can be sent")
        return {"__dict__": {key: _to_json(item, depth + 1) for key, item in value.items()}}
    raise WireError(f"a {type(value).__name__} cannot be sent")


def _array_body(value: np.ndarray) -> dict:
    data = np.ascontiguousarray(value).tobytes()
    return {
        "dtype": value.dtype.name,
        "shape": list(value.shape),
        "data": base64.b64encode(data).decode("ascii"),
    }


# -- decoding ---------------------------------------------------------------------------------
class TooLarge(WireError):
    """A value holding more numbers than the decoder was allowed (`decode(max_values=...)`)."""


def decode(text: str, *, live: bool = True, max_values: int | None = None):
    """The value `text` stands for. With live=False, tags stay as RngSeed / NamedFunction.
    `max_values`: raise `TooLarge` if the value holds more numbers than that."""
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
        raise WireError("wire text must be a string of at most 64 MiB")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise WireError(f"not JSON: {error}") from None
    if max_values is not None and _count(raw, 0) > max_values:  # before anything is built
        raise TooLarge(f"the value holds more than {max_values} numbers")
    return _from_json(raw, live, 0, {})


def _count(raw, depth) -> int:
    """How many numbers `raw` holds: array entries from their (checked) headers, one per other
    leaf."""
    if depth > MAX_DEPTH:
        raise WireError("value nests too deeply")
    if isinstance(raw, list):
        return max(1, sum(_count(item, depth + 1) for item in raw))
    if isinstance(raw, dict):
        body = raw.get("__ndarray__")
        if len(raw) == 1 and isinstance(body, dict):
            return max(1, math.prod(_array_header(body)[1]))
        if len(raw) == 1 and isinstance(raw.get("__scalar__"), dict):
            return 1
        return max(1, sum(_count(item, depth + 1) for item in raw.values()))
    return 1


def _from_json(raw, live, depth, shared):
    if depth > MAX_DEPTH:
        raise WireError("value nests too deeply")
    if raw is None or isinstance(raw, (bool, int, float, str)):
        return raw
    if isinstance(raw, list):
        return [_from_json(item, live, depth + 1, shared) for item in raw]
    if not isinstance(raw, dict) or len(raw) not in (1, 2):
        raise WireError("unexpected JSON object")
    tag = next(iter(raw))
    body = raw[tag]
    if tag == "__tuple__" and len(raw) == 1 and isinstance(body, list):
        return tuple(_from_json(item, live, depth + 1, shared) for item in body)
    if tag == "__dict__" and len(raw) == 1 and isinstance(body, dict):
        return {str(key): _from_json(item, live, depth + 1, shared) for key, item in body.items()}
    if tag == "__ndarray__" and len(raw) == 1 and isinstance(body, dict):
        return _array_from_json(body)
    if tag == "__scalar__" and len(raw) == 1 and isinstance(body, dict):
        value = _array_from_json(body)
        if value.shape != ():
            raise WireError("a scalar must have shape ()")
        return value[()]
    if tag == "__rng__" and len(raw) == 1 and isinstance(body, int):
        return np.random.default_rng(body) if live else RngSeed(body)
    if tag == "__function__" and set(raw) == {"__function__", "params"} and body in FUNCTIONS:
        params = _from_json(raw["params"], live, depth + 1, shared)
        return FUNCTIONS[body](params) if live else NamedFunction(body, params)
    if tag == "__shared__" and set(raw) == {"__shared__", "value"} and isinstance(body, str):
        value = _from_json(raw["value"], live, depth + 1, shared)
        if not isinstance(value, np.ndarray):
            raise WireError("a shared value must be an array")
        if not live:
            return Shared(body, value)
        return shared.setdefault(body, value)
    raise WireError(f"unexpected tag {tag!r}")


def _array_header(body: dict) -> tuple[np.dtype, list[int]]:
    """An array's dtype and shape, checked against its data's length before anything is built."""
    if set(body) != {"dtype", "shape", "data"} or body["dtype"] not in ALLOWED_DTYPES:
        raise WireError("bad array header")
    shape = body["shape"]
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_DEPTH
        or not all(type(n) is int and 0 <= n <= MAX_TEXT_CHARS for n in shape)
    ):
        raise WireError("bad array shape")
    if not isinstance(body["data"], str) or len(body["data"]) > MAX_TEXT_CHARS:
        raise WireError("bad array data")
    dtype = np.dtype(body["dtype"])
    # Python integers (no overflow), checked against the text's length before decoding it.
    if math.prod(shape) * dtype.itemsize > len(body["data"]):
        raise WireError("array shape is larger than its data")
    return dtype, shape


def _array_from_json(body: dict) -> np.ndarray:
    dtype, shape = _array_header(body)
    try:
        data = base64.b64decode(body["data"], validate=True)
    except (ValueError, TypeError):
        raise WireError("bad array data") from None
    if len(data) != math.prod(shape) * dtype.itemsize:
        raise WireError("array data does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
