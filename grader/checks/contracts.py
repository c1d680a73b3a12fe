"""Docstring contracts (issue 18): what an exercise's docstring promises besides the values.

A docstring promises more than numbers: "float64 array", "cache: the tuple (x, W, b)", "t: an
integer", "computed ... without overflow". `CONTRACTS` lists, once, every such promise of every
graded function (the inventory of notebooks 01-07), and `with_contracts` makes a check hold a
learner's function to them, by the rules of every check (framework.py):

- only returned values count: a contract is judged on the returned value's dtype or container
  type (the wire keeps both: coursekit/wire.py), never on what the kernel says;
- the cases that hit a contract are deterministic edge cases, so every student meets them,
  whatever the fresh seed: a case calling with the documented integer arguments as NumPy
  integers (`IntegerArguments`), and the large-|x| case where exp overflows that the check's own
  case set holds (`NoOverflow` names it; tests assert it is in the fixed set);
- a contract carries points only where the exercise text states it and the visible check tests
  it first: tests/checks/test_contracts.py holds every entry of the table to both (a function
  that breaks just that contract fails the visible check, and fails the hidden check on its fixed
  cases with a message naming the contract).

`registry()` (grader/checks/__init__.py) applies the table to every check, so a check module
needs no line of its own. A contract that a docstring states but that carries no points is listed
in `NOT_SCORED`, with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grader.checks.framework import Case, Check, Outcome, Returned

Path = tuple[int, ...]  # indices into the returned value, e.g. (1,) is the cache of (out, cache)


@dataclass(frozen=True)
class Float64:
    """The output at `path` is float64 (an array, or a NumPy number; a Python float is one)."""

    path: Path
    name: str

    def problems(self, label: str, value) -> list[str]:
        item = _at(value, self.path)
        dtype = getattr(item, "dtype", None)
        if isinstance(item, (np.ndarray, np.generic)) and dtype != np.float64:
            return [
                f"case '{label}': {self.name} has dtype {dtype}; the docstring asks for float64"
            ]
        return []


@dataclass(frozen=True)
class IntegerDtype:
    """The output at `path` is an array of integers (any integer dtype)."""

    path: Path
    name: str

    def problems(self, label: str, value) -> list[str]:
        item = _at(value, self.path)
        if isinstance(item, np.ndarray) and item.dtype.kind not in "iu":
            return [
                f"case '{label}': {self.name} has dtype {item.dtype}; the docstring asks for an "
                f"integer array"
            ]
        return []


@dataclass(frozen=True)
class TupleContainer:
    """The output at `path` is a tuple (the docstring's "the tuple (...)"), not a list.

    `path` may end in -1: every entry of the container before it (each layer's cache)."""

    path: Path
    name: str

    def problems(self, label: str, value) -> list[str]:
        if self.path and self.path[-1] == -1:
            outer = _at(value, self.path[:-1])
            items = list(enumerate(outer)) if isinstance(outer, (tuple, list)) else []
            found = [(f"{self.name} {index + 1}", item) for index, item in items]
        else:
            found = [(self.name, _at(value, self.path))]
        return [
            f"case '{label}': {name} is a list; the docstring says it is a tuple"
            for name, item in found
            if isinstance(item, list)
        ]


@dataclass(frozen=True)
class IntegerArguments:
    """The arguments `names` (at positions `positions`) are documented as integers: the function
    is also called with them as NumPy integers (np.int64, what indexing an integer array or
    `rng.integers` gives), on a copy of the first case whose arguments there are whole numbers."""

    names: tuple[str, ...]
    positions: tuple[int, ...]

    @property
    def label_suffix(self) -> str:
        return f", with {' and '.join(self.names)} given as NumPy integers (np.int64)"

    def case(self, cases: Sequence[Case]) -> Case | None:
        for case in cases:
            if case.pick is None and all(_whole(_argument(case, p)) for p in self.positions):
                args = list(case.args)
                for position in self.positions:
                    args[position] = np.int64(args[position])
                return dataclasses.replace(
                    case, label=case.label + self.label_suffix, args=tuple(args)
                )
        return None

    def problems(self, label: str, value) -> list[str]:
        return []


@dataclass(frozen=True)
class NoOverflow:
    """The docstring says the function does not overflow where exp (or a power) would: the
    check's fixed cases hold one whose label contains `marker` (`case`, if given, is added to
    every case set for it), and the overflowing way to write the function fails there (the
    catalogue's mistake `mistake`, where it lists one)."""

    marker: str
    mistake: str | None = None
    case: Case | None = None

    def problems(self, label: str, value) -> list[str]:
        return []


Contract = Float64 | IntegerDtype | TupleContainer | IntegerArguments | NoOverflow


def _argument(case: Case, position: int):
    return case.args[position] if position < len(case.args) else None


def _whole(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _at(value, path: Path):
    for index in path:
        if not isinstance(value, (tuple, list)) or not -len(value) <= index < len(value):
            return None
        value = value[index]
    return value


SINGLE_LAG_OVERFLOW = "a single lag whose bound overflows (gamma * sigma_max = 2, lag 5000)"
CACHE = (1,)  # the cache of a function returning (out, cache)

CONTRACTS: dict[str, tuple[Contract, ...]] = {
    # 01 feedforward_limits
    "one_hot": (Float64((), "vectors"), IntegerArguments(("vocab_size",), (1,))),
    "softmax": (NoOverflow("|logits| = 1e4", "no_max_subtracted"),),
    "dense_forward": (TupleContainer(CACHE, "cache"),),
    "mlp_forward": (
        TupleContainer(CACHE, "cache"),
        NoOverflow("exp would overflow", "tanh_by_exp"),
    ),
    "window_inputs": (
        Float64((), "windows"),
        IntegerArguments(("window", "vocab_size"), (1, 2)),
    ),
    # 02 rnn_recurrence
    "rnn_step_forward": (
        TupleContainer(CACHE, "cache"),
        NoOverflow("exp would overflow", "tanh_by_exp"),
    ),
    "rnn_forward": (TupleContainer(CACHE, "cache"), NoOverflow("large inputs")),
    "rnn_output": (TupleContainer(CACHE, "cache"),),
    "masked_rnn_forward": (TupleContainer(CACHE, "cache"), NoOverflow("large inputs")),
    "sample": (
        IntegerDtype((), "indices"),
        IntegerArguments(("first_index", "length"), (6, 7)),
    ),
    # 03 bptt
    "state_jacobian_product": (IntegerArguments(("t", "k"), (2, 3)),),
    "truncated_bptt": (IntegerArguments(("chunk_length",), (3,)),),
    # 04 gradient_pathologies
    "gradient_bound": (
        Float64((), "bound"),
        NoOverflow(SINGLE_LAG_OVERFLOW, case=Case(SINGLE_LAG_OVERFLOW, (0.5, 4.0, 5000))),
    ),
    "identity_recurrent_init": (IntegerArguments(("H",), (0,)),),
    "global_norm": (NoOverflow("their squares overflow", "overflow"),),
    # 05 lstm
    "sigmoid": (NoOverflow("exp(1e4) is inf", "overflow"),),
    "lstm_step_forward": (TupleContainer((2,), "cache"),),
    "lstm_forward": (TupleContainer(CACHE, "cache"),),
    "forget_gate_bias_init": (IntegerArguments(("H",), (0,)),),
    # 06 gru_and_deep_rnns
    "gru_step_forward": (
        TupleContainer(CACHE, "cache"),
        NoOverflow("large inputs", "tanh_from_exp"),
    ),
    "gru_forward": (TupleContainer(CACHE, "cache"), NoOverflow("large inputs")),
    "stacked_forward": (
        TupleContainer(CACHE, "cache"),
        TupleContainer((1, 1), "cache's layer_caches"),
        TupleContainer((1, 1, -1), "the cache of layer"),
    ),
    # 07 char_language_model
    "batchify": (IntegerDtype((), "streams"), IntegerArguments(("batch_size",), (1,))),
    "iterate_chunks": (IntegerArguments(("chunk_length",), (1,)),),
}

_A_FLOAT = (
    '"a float": judged as a value (rtol 1e-6), which a float32 number fails anyway; a Python '
    "float and a NumPy float64 are both right, so no type is required"
)
NOT_SCORED: dict[str, str] = {  # stated promises that carry no points of their own, and why
    "cross_entropy": _A_FLOAT,
    "memoryless_loss_floor": _A_FLOAT,
    "relative_error": _A_FLOAT,
    "temporal_softmax_loss": _A_FLOAT,
    "clip_global_norm": _A_FLOAT,
    "global_norm": _A_FLOAT,
    "evaluate_loss": _A_FLOAT,
    "stacked_rnn_forward": '"list of M ...": a tuple holds the same entries; judged entry by entry',
    "stacked_rnn_backward": '"list of M ...": a tuple holds the same entries; judged entry by entry',
    "stacked_backward": '"list of M ...": a tuple holds the same entries; judged entry by entry',
    "iterate_chunks": '"pairs (inputs, targets)": the visible check asks for tuples, the hidden '
    "check judges each pair's entries (a list pair loses nothing)",
}


def with_contracts(check: Check) -> Check:
    """`check`, also holding the learner's function to the contracts `CONTRACTS` lists for it:
    its cases gain the contracts' cases, its judgement the contracts' problems."""
    contracts = CONTRACTS.get(check.name, ())
    if not contracts:
        return check
    make_cases, judge_case = check.make_cases, check.judge_case

    def contract_cases(rng: np.random.Generator) -> list[Case]:
        cases = make_cases(rng)
        extra = [
            c.case(cases) if isinstance(c, IntegerArguments) else c.case
            for c in contracts
            if isinstance(c, (IntegerArguments, NoOverflow))
        ]
        return cases + [case for case in extra if case is not None]

    def judge_with_contracts(case: Case, outcome: Outcome) -> list[str]:
        problems = list(judge_case(case, outcome))
        if isinstance(outcome, Returned) and case.pick is None:
            told = " ".join(problems)  # a dtype already named (common.with_dtype) is not repeated
            for contract in contracts:
                problems.extend(
                    line
                    for line in contract.problems(case.label, outcome.value)
                    if not ("has dtype" in line and "has dtype" in told)
                )
        return problems

    return dataclasses.replace(check, make_cases=contract_cases, judge_case=judge_with_contracts)
