"""Pieces the check modules and mistake catalogues share (no checks of its own: no CHECKS here).

- Discriminating cases whose *structure* catches the mistakes whatever the generator draws
  (non-square and far-from-symmetric weights from `asymmetric_weights`, N=1, T=1, zero inputs,
  |x| ~ 1e3, ...), with values drawn from the generator the framework passes: the same for every
  student in the fixed set, new in every fresh set.
- `with_dtype`: a check that also requires the documented kind of dtype for some outputs (one-hot
  vectors are floats, drawn indices are integers), and nothing more about dtypes.
- `quiet_mistake`: a Mistake whose function runs with NumPy's warnings silenced (`quiet`).
- `layers(M)`: names of the entries of a per-layer list (for an `outputs` spec that depends on
  the case: `function_check(..., outputs=lambda case, expected: ...)`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from grader.checks.framework import Case, Check, Mistake, Outcome

KIND_NAMES = {"f": "a floating-point", "iu": "an integer"}


def normal(rng: np.random.Generator, *shape, scale: float = 1.0) -> np.ndarray:
    return rng.normal(0.0, scale, shape)


def rnn_weights(rng, D, H, scale=0.5):
    """Wx (D, H), Wh (H, H), b (H,) drawn from rng."""
    return (
        normal(rng, D, H, scale=scale),
        normal(rng, H, H, scale=scale),
        normal(rng, H, scale=scale),
    )


def asymmetric_weights(rng, D, H, scale=0.5):
    """Wx (D, H), Wh (H, H), b (H,) drawn from rng, with Wh far from symmetric (so Wh and Wh.T
    give different results whatever the draw)."""
    Wx, Wh, b = rnn_weights(rng, D, H, scale)
    return Wx, Wh + scale * np.triu(np.ones((H, H)), 1), b


def rnn_stack(rng, N, T, D, sizes, *, scale=1.0, weights=asymmetric_weights):
    """Inputs of a stacked tanh RNN with layer sizes `sizes`: (x (N, T, D), h0s, layer_params),
    each layer's weights made by `weights(rng, fan_in, H)`."""
    layer_params, h0s, fan_in = [], [], D
    for H in sizes:
        Wx, Wh, b = weights(rng, fan_in, H)
        layer_params.append({"Wx": Wx, "Wh": Wh, "b": b})
        h0s.append(normal(rng, N, H))
        fan_in = H
    return normal(rng, N, T, D, scale=scale), h0s, layer_params


def with_dtype(check: Check, kinds: dict[int | None, str]) -> Check:
    """`check`, also failing a result whose output `pick` (an index into the returned tuple, or
    None for a single value) does not have the dtype kind `kinds[pick]` ("f" or "iu")."""

    def judge_case(case: Case, outcome: Outcome) -> list[str]:
        problems = list(check.judge_case(case, outcome))
        value = outcome.value
        for index, kind in kinds.items():
            item = (
                value
                if index is None
                else (
                    value[index]
                    if isinstance(value, (tuple, list)) and len(value) > index
                    else None
                )
            )
            if isinstance(item, np.ndarray) and item.dtype.kind not in kind:
                problems.append(
                    f"case '{case.label}': the result has dtype {item.dtype}; the "
                    f"docstring asks for {KIND_NAMES[kind]} array"
                )
        return problems

    return dataclasses.replace(check, judge_case=judge_case)


def layers(count: int) -> tuple[str, ...]:
    """Names of the entries of a per-layer list, layer 1 first (the notation card's m)."""
    return tuple(f"layer {m}" for m in range(1, count + 1))


def quiet(function):
    """A mistake's function with NumPy's floating-point warnings silenced (a mistake that
    overflows returns inf or nan, as it would in the learner's kernel)."""

    def run(*args, **kwargs):
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)

    return run


def quiet_mistake(id: str, description: str, function: Callable, **flags) -> Mistake:
    """Mistake(id, description, function, **flags), with `function` run quietly."""
    return Mistake(id, description, quiet(function), **flags)


def tanh_by_exp(a):
    """tanh written with exponentials, as a learner might: overflows (inf/inf) at |a| > 709."""
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))
