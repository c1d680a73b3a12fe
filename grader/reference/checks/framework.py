"""How a hidden check is written: cases chosen by the grader, judged against the reference.

A check never runs inside the learner's kernel. The grading process makes the cases (seeded,
secret per student), the kernel only *records* what the learner's function returns on them
(`coursekit.hidden`), and `judge` compares the record with the reference here, in the grader.
So a learner's code can change anything in its own kernel without changing a verdict.

A check module (one per notebook, e.g. `feedforward_limits.py`) defines `CHECKS`, a list of
`Check` objects, usually made with `function_check`:

    CHECKS = [
        function_check(
            "softmax", reference=softmax, cases=softmax_cases, outputs=("probabilities",),
            mistakes=[Mistake("you did not subtract the maximum before exp", naive_softmax)],
        ),
    ]

Messages name the case, the output (or term, or gate) and the shapes, and never print the
reference answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from coursekit.wire import decode, encode


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: `fn(*args, **kwargs)`, recording `result[pick]`.

    Arguments are wire values (arrays, numbers, strings, RngSeed, NamedFunction, containers).
    """
    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    pick: int | None = None

    def live_arguments(self) -> tuple[tuple, dict]:
        """Fresh copies of the arguments, with RNGs and functions built (a new RNG each call)."""
        return decode(encode(self.args)), decode(encode(self.kwargs))

    def to_wire(self) -> dict:
        return {"label": self.label, "args": self.args, "kwargs": self.kwargs, "pick": self.pick}


@dataclass(frozen=True)
class Returned:
    """The learner's function returned `value` (already decoded from the kernel's record)."""
    value: Any


@dataclass(frozen=True)
class Raised:
    """The learner's function raised `type_name: message`."""
    type_name: str
    message: str


@dataclass(frozen=True)
class Unsendable:
    """The learner's function returned something that is not an array, number or container."""
    type_name: str


Outcome = Returned | Raised | Unsendable


@dataclass(frozen=True)
class Verdict:
    passed: bool
    messages: tuple[str, ...]

    def explain(self) -> str:
        return "\n".join(self.messages)


@dataclass(frozen=True)
class Mistake:
    """A common mistake: what the output would be if the learner made it."""
    description: str
    output: Callable[..., Any]   # called like the reference: output(*args, **kwargs)


@dataclass(frozen=True)
class Check:
    """A hidden check: `make_cases(rng)` and `judge_case(case, outcome) -> problems`."""
    name: str
    make_cases: Callable[[np.random.Generator], list[Case]]
    judge_case: Callable[[Case, Outcome], list[str]]

    def cases(self, seed: int) -> list[Case]:
        return self.make_cases(np.random.default_rng(seed))


def judge(check: Check, cases: Sequence[Case], outcomes: Sequence[Outcome]) -> Verdict:
    """Compare recorded outcomes with the reference, case by case."""
    if len(outcomes) != len(cases):
        return Verdict(False, (f"{check.name}: the record holds {len(outcomes)} results for "
                               f"{len(cases)} cases, so it cannot be trusted",))
    problems: list[str] = []
    for case, outcome in zip(cases, outcomes):
        if isinstance(outcome, Raised):
            if outcome.type_name == "NotImplementedError":
                return Verdict(False, (f"{check.name} is not implemented yet "
                                       f"(it raised NotImplementedError)",))
            problems.append(f"case '{case.label}': raised {outcome.type_name}: "
                            f"{outcome.message[:300]}")
        elif isinstance(outcome, Unsendable):
            problems.append(f"case '{case.label}': returned a {outcome.type_name}, "
                            f"not an array, number or tuple of them")
        else:
            problems.extend(check.judge_case(case, outcome))
    return Verdict(not problems, tuple(problems) or (f"all {len(cases)} cases pass",))


# -- the usual kind of check: compare with a reference function ------------------------------
def function_check(name: str, *, reference: Callable, cases: Callable[[np.random.Generator], list[Case]],
                   outputs: Sequence[str], rtol: float = 1e-6, atol: float = 1e-8,
                   mistakes: Sequence[Mistake] = ()) -> Check:
    """A check that compares the learner's result with `reference(*args, **kwargs)`.

    `outputs` names what the function returns (one name for a single value, one per element of
    a returned tuple, after `Case.pick`), so messages can say which output is wrong.
    """
    def judge_case(case: Case, outcome: Returned) -> list[str]:
        expected = _call(reference, case)
        problems = compare(case.label, outcome.value, expected, outputs, rtol=rtol, atol=atol)
        if problems:
            for mistake in mistakes:
                if _matches_mistake(mistake, case, outcome.value, outputs, rtol, atol):
                    problems.append(f"  hint: your result matches what you get when "
                                    f"{mistake.description}")
                    break
        return problems

    return Check(name, cases, judge_case)


def _matches_mistake(mistake: Mistake, case: Case, got, outputs, rtol, atol) -> bool:
    """Whether `got` is what `mistake` produces on this case (False if it cannot apply here)."""
    try:
        with np.errstate(all="ignore"):
            wrong = _call(mistake.output, case)
    except Exception:  # a mistake that cannot be made on this case
        return False
    return not compare(case.label, got, wrong, outputs, rtol=rtol, atol=atol)


def _call(function: Callable, case: Case):
    args, kwargs = case.live_arguments()
    result = function(*args, **kwargs)
    return result[case.pick] if case.pick is not None else result


def compare(label: str, got, expected, names: Sequence[str], *, rtol: float, atol: float) -> list[str]:
    """Problems with `got` against `expected`, naming the case and the output; [] if they agree."""
    if isinstance(expected, (tuple, list)) and len(names) == len(expected) and len(names) > 1:
        if not isinstance(got, (tuple, list)):
            return [f"case '{label}': expected a tuple of {len(expected)} results "
                    f"({', '.join(names)}), got a {type(got).__name__}"]
        if len(got) != len(expected):
            return [f"case '{label}': expected {len(expected)} results ({', '.join(names)}), "
                    f"got {len(got)}"]
        problems = []
        for name, got_item, expected_item in zip(names, got, expected):
            problems.extend(compare(label, got_item, expected_item, (name,), rtol=rtol, atol=atol))
        return problems
    name = names[0] if names else "result"
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return [f"case '{label}': {name} must be a dict with keys {sorted(expected)}"]
        return [problem for key in expected
                for problem in compare(label, got[key], expected[key], (f"{name}[{key!r}]",),
                                       rtol=rtol, atol=atol)]
    if isinstance(expected, str):
        if isinstance(got, str) and got == expected:
            return []
        return [f"case '{label}': {name} is not the expected text"]
    return _compare_arrays(label, name, got, expected, rtol=rtol, atol=atol)


def _compare_arrays(label, name, got, expected, *, rtol, atol) -> list[str]:
    expected = np.asarray(expected)
    if isinstance(got, (bool, int, float, np.generic)) or isinstance(got, (list, tuple)):
        try:
            got = np.asarray(got, dtype=float if expected.dtype.kind == "f" else None)
        except (ValueError, TypeError):
            return [f"case '{label}': {name} could not be read as an array"]
    if not isinstance(got, np.ndarray):
        return [f"case '{label}': {name} should be an array of shape {expected.shape}, "
                f"got a {type(got).__name__}"]
    if got.shape != expected.shape:
        return [f"case '{label}': {name} has shape {got.shape}, expected {expected.shape}"]
    if got.dtype.kind not in "biuf":
        return [f"case '{label}': {name} has dtype {got.dtype}, expected a numeric array"]
    if expected.dtype.kind in "biu" and got.dtype.kind == "f":
        if not np.all(np.isfinite(got)) or not np.all(got == np.round(got)):
            return [f"case '{label}': {name} should hold whole numbers"]
    got64, expected64 = got.astype(np.float64), expected.astype(np.float64)
    bad_finite = ~np.isfinite(got64) & np.isfinite(expected64)
    if bad_finite.any():
        index = tuple(int(i) for i in np.argwhere(bad_finite)[0])
        return [f"case '{label}': {name} contains {got64[index]} at index {index} "
                f"(overflow or division by zero?)"]
    if expected.size == 0:
        return []
    close = np.isclose(got64, expected64, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return []
    error = np.where(close, 0.0, np.abs(got64 - expected64))
    index = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape))
    wrong = int((~close).sum())
    return [f"case '{label}': {name} (shape {expected.shape}) differs from the reference in "
            f"{wrong} of {expected.size} entries; the largest error is {error[index]:.2e} "
            f"at index {index}"]
