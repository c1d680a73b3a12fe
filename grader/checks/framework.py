"""How a hidden check is written: cases chosen by the grader, judged against the reference.

A check never runs inside the learner's kernel. The grading process makes the cases, the kernel
only *records* what the learner's function returns on them (`coursekit.hidden`), and `judge`
compares the record with the reference here, in the grader. So a learner's code can change
anything in its own kernel without changing a verdict.

A check module (one per notebook, e.g. `feedforward_limits.py`) defines `CHECKS`, a list of
`Check` objects, usually made with `function_check`:

    CHECKS = [
        function_check(
            "softmax", reference=softmax, make_cases=softmax_cases, outputs=("probabilities",),
            mistakes=MISTAKES["softmax"],   # from the notebook's catalogue, grader/mistakes/
        ),
    ]

The rules every check obeys (tests/checks/ holds each of them to it):

- **Two case sets.** `make_cases(rng)` is called twice: with a *fixed* generator, the same for every
  student of a course (so two students with the same mistake get the same verdict), and with a
  generator *fresh* for each student and each changed submission (so answers cannot be looked up
  from earlier feedback). The case generator's deterministic edge cases must catch every listed
  `Mistake` for any generator: tests/checks/test_catch_rates.py asserts that the fixed set alone
  fails every listed mistake, and that fresh sets catch each at least as often as measured.
- **Whole results.** `outputs` names each returned element; an element may itself be a tuple,
  named by a nested spec `("cache", ("x", "h_prev", ...))`, so caches are judged entry by entry.
  A case with `pick=None` judges everything the function returns.
- **Only returned values count.** A verdict rests on what the learner's function returned (or
  which built-in exception it raised) on the grader's inputs, judged here. Whatever the kernel
  could say about itself (that an argument was changed in place, that NumPy warned, an exception's
  message, the name of an exception class learner code made) carries no points: learner code can
  always copy its inputs first, silence a warning or replace the helpers that would report it.
  Those properties are the visible checks' diagnoses (coursekit/visible/*), where the learner
  sees them on their own machine.
- **One mistake, one loss of points.** A check of a function that calls another graded function
  of the learner's (rnn_forward calls rnn_step_forward) declares `upstream=Upstream(...)`: while
  the check runs, the learner's global of that name answers the calls a correct downstream makes
  with the reference's results (`Upstream.trace` replays those calls), so the downstream function
  is judged on its own logic. Any other call goes to the learner's own function.
  An exercise whose judgement has independent pieces (07's training loop: the state carried, the
  clipping, the optimiser's state, early stopping) is graded by several checks, each a hidden test
  cell with its own points, declared `part_of=` the exercise. Each part's cases are chosen so that
  the other parts' mistakes leave what it judges unchanged (tests/checks/test_mistakes.py holds
  every catalogued mistake of a part to passing the other parts).
- **Bounded judging.** A check may declare `limits(case, value)`: the sizes the exercise text
  documents, checked on the returned value's shapes before any arithmetic (`grader.judging` also
  caps the elements of a whole record and the time judging one record may take).
- **Docstring contracts.** What a docstring promises besides values (float64, a tuple cache,
  integer arguments that may be NumPy integers, no overflow) is listed once in `contracts.CONTRACTS`
  and judged on the returned value for every check (`registry()` applies it), with fixed cases
  that hit it; each is stated in the exercise and tested by its visible check first.
- **Messages teach without telling.** They name the case, the output (or entry, term, gate) and
  the shapes, and say how far off a result is only as an order of magnitude: never the reference
  values.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coursekit.wire import decode, encode

FRESH_LABEL = " (fresh draw)"
FIXED_SEED_SALT = 0x5EED


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: `fn(*args, **kwargs)`, recording `result[pick]`
    (the whole result when `pick` is None).

    Arguments are wire values (arrays, numbers, strings, RngSeed, NamedFunction, containers).
    `upstream` is filled in by `Check.cases` for checks with an `Upstream`: the stand-in answers
    the kernel gives the learner's downstream function (see `Upstream`).
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    pick: int | None = None
    upstream: dict | None = None

    def live_arguments(self) -> tuple[tuple, dict]:
        """Fresh copies of the arguments, with RNGs and functions built (a new RNG each call)."""
        return decode(encode(self.args)), decode(encode(self.kwargs))

    def to_wire(self) -> dict:
        wire = {"label": self.label, "args": self.args, "kwargs": self.kwargs, "pick": self.pick}
        if self.upstream:
            wire["upstream"] = self.upstream
        return wire


@dataclass(frozen=True)
class Returned:
    """The learner's function returned `value` (already decoded from the kernel's record).

    `upstream_misses`: the kernel's account of calls to a stood-in upstream function that a
    correct downstream never makes (they went to the learner's own function). It is advice for a
    case that already failed on its values, never evidence: when grading it is only a count (the
    kernel's text is not shown); a local run on the learner's own machine keeps its details."""

    value: Any
    upstream_misses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Raised:
    """The learner's function raised an exception of class `type_name`.

    When grading, `type_name` is a built-in exception's name or "" (a class of the learner's own,
    whatever it is called) and `message` is always "": both come from the kernel, and a message
    can carry the hidden inputs out (see `outcome_from_record`). A local run (the learner's or
    instructor's own machine, `run_locally`) keeps the class name and the message."""

    type_name: str
    message: str = ""


@dataclass(frozen=True)
class Unsendable:
    """The learner's function returned something that is not an array, number or container
    (`type_name`: a built-in type's name, or "" for any other class)."""

    type_name: str


Outcome = Returned | Raised | Unsendable


@dataclass(frozen=True)
class Verdict:
    """`over_limit`: a returned value was past the sizes the exercise documents (`Check.limits`),
    so judging stopped there: the check fails, and the grader reports it as a judging limit.
    `mistakes`: the descriptions of the listed `Mistake`s the failing results matched (the hints
    of `messages`, as data: the class report counts them, grader/class_report.py)."""

    passed: bool
    messages: tuple[str, ...]
    over_limit: bool = False
    mistakes: tuple[str, ...] = ()

    def explain(self) -> str:
        return "\n".join(self.messages)


@dataclass(frozen=True)
class Mistake:
    """A common mistake in one exercise, as its notebook's catalogue lists it
    (grader/mistakes/<notebook>.py).

    `id` names it, uniquely within the exercise (the visible checks' expected values of a mistake
    are stored under it). `description` says what the learner did: it is the hidden check's hint.
    `output` is the function a learner who made it would have written (same signature and same
    return structure as the reference). tests/checks/test_mistakes.py holds every entry to this:
    the hidden check fails it and names `description` (with `hinted=False`, it fails with another
    explanation: a dtype the docstring rules out, or an exception), and the visible check fails
    it too (unless `caught_by_visible_check=False`: its quick cases are not that precise)."""

    id: str
    description: str
    output: Callable[..., Any]
    hinted: bool = True
    caught_by_visible_check: bool = True


class Hint(str):
    """A problem line that names a listed `Mistake` (`hint(mistake)`); `judge` collects the
    descriptions of these lines into `Verdict.mistakes`."""

    mistake: str


def hint(mistake: Mistake) -> Hint:
    """The line telling a learner that their result matches `mistake`."""
    line = Hint(f"  hint: your result matches what you get when {mistake.description}")
    line.mistake = mistake.description
    return line


# -- upstream stand-ins ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Upstream:
    """Graded functions a downstream function calls, answered with the reference's results.

    `functions` maps the learner's global name (e.g. "rnn_step_forward") to the reference
    implementation. `trace(up, *args, **kwargs)` is called with a case's arguments and makes the
    calls a correct downstream makes, through `up.<name>(...)`, which returns the reference's
    result: e.g. for rnn_forward

        def trace(up, x, h0, Wx, Wh, b):
            h = h0
            for t in range(x.shape[1]):
                h, _ = up.rnn_step_forward(x[:, t], h, Wx, Wh, b)

    Each case then carries, per name, the calls (arguments bound to the reference's parameter
    names) and their results; the kernel answers a learner's call with matching arguments from
    this table and sends any other call to the learner's own function (coursekit.stand_ins).
    """

    functions: dict[str, Callable]
    trace: Callable[..., Any]

    def table(self, case: Case) -> dict:
        recorder = _Recorder(self.functions)
        args, kwargs = case.live_arguments()
        self.trace(recorder, *args, **kwargs)
        return recorder.table


class _Recorder:
    """`recorder.<name>(...)`: the reference's result, with the call written into `table`."""

    def __init__(self, functions: dict[str, Callable]):
        self._functions = functions
        self.table: dict[str, dict] = {}
        for name, function in functions.items():
            parameters = inspect.signature(function).parameters.values()
            if any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in parameters):
                raise TypeError(f"upstream {name}: only plain positional-or-keyword parameters")
            self.table[name] = {
                "params": [p.name for p in parameters],
                "defaults": {p.name: p.default for p in parameters if p.default is not p.empty},
                "calls": [],
            }

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self._functions:
            raise AttributeError(name)
        function, entry = self._functions[name], self.table[name]
        signature = inspect.signature(function)

        def call(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            values = decode(encode([bound.arguments[p] for p in entry["params"]]))
            result = function(*decode(encode(values)))
            entry["calls"].append([values, decode(encode(result))])
            return decode(encode(result))

        return call


# -- checks ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """A hidden check: `make_cases(rng)` and `judge_case(case, outcome) -> problems`.

    `random_draws` is the number of fresh case sets added to the fixed one when grading (0: the
    fixed set only). `limits(case, value) -> problem or None`, if set, checks a returned value
    against the sizes the exercise documents before `judge_case` does any arithmetic on it (a
    value past them fails the case with that problem). `unscored`: mistakes that leave the
    returned values right (an argument changed in place, a NumPy warning); they carry no points,
    the visible check names them, and tests assert that they pass this check.
    `part_of`: the exercise (solution cell) this check judges one part of; "" when the check
    judges the whole exercise `name`.
    """

    name: str
    make_cases: Callable[[np.random.Generator], list[Case]]
    judge_case: Callable[[Case, Outcome], list[str]]
    mistakes: tuple[Mistake, ...] = ()
    upstream: Upstream | None = None
    random_draws: int = 1
    limits: Callable[[Case, Any], str | None] | None = None
    unscored: tuple[Mistake, ...] = ()
    part_of: str = ""

    @property
    def exercise(self) -> str:
        """The exercise (solution cell's grade_id) this check judges, whole or in part."""
        return self.part_of or self.name

    def fixed_cases(self, seed: int | None = None) -> list[Case]:
        """The cases every student of a course meets (`seed`: the course's; default public)."""
        if seed is None:
            seed = zlib.crc32(self.name.encode()) ^ FIXED_SEED_SALT
        return self._with_upstream(self.make_cases(np.random.default_rng(seed)))

    def fresh_cases(self, seed: int) -> list[Case]:
        """`random_draws` sets of cases drawn from `seed`, labelled as fresh draws."""
        rng, cases = np.random.default_rng(seed), []
        for draw in range(self.random_draws):
            suffix = FRESH_LABEL if draw == 0 else f"{FRESH_LABEL[:-1]} {draw + 1})"
            cases += [
                dataclasses.replace(case, label=case.label + suffix)
                for case in self.make_cases(rng)
            ]
        return self._with_upstream(cases)

    def cases(self, random_seed: int, fixed_seed: int | None = None) -> list[Case]:
        return self.fixed_cases(fixed_seed) + self.fresh_cases(random_seed)

    def _with_upstream(self, cases: list[Case]) -> list[Case]:
        if self.upstream is None:
            return cases
        return [dataclasses.replace(case, upstream=self.upstream.table(case)) for case in cases]


def judge(check: Check, cases: Sequence[Case], outcomes: Sequence[Outcome]) -> Verdict:
    """Compare recorded outcomes with the reference, case by case."""
    if len(outcomes) != len(cases):
        return Verdict(
            False,
            (
                f"{check.name}: the record holds {len(outcomes)} results for "
                f"{len(cases)} cases, so it cannot be trusted",
            ),
        )
    problems: list[str] = []
    for case, outcome in zip(cases, outcomes):
        if isinstance(outcome, Raised):
            if outcome.type_name == "NotImplementedError":
                return Verdict(
                    False, (f"{check.name} is not implemented yet (it raised NotImplementedError)",)
                )
            problems.append(f"case '{case.label}': {raised_text(outcome)}")
        elif isinstance(outcome, Unsendable):
            what = f"a {outcome.type_name}" if outcome.type_name else "an object of its own class"
            problems.append(
                f"case '{case.label}': returned {what}, not an array, number or tuple of them"
            )
        else:
            problem = _past_limits(check, case, outcome)
            if problem:
                return Verdict(False, (problem,), over_limit=True)
            problems.extend(_judge_returned(check, case, outcome))
    mistakes = tuple(dict.fromkeys(line.mistake for line in problems if isinstance(line, Hint)))
    return Verdict(
        not problems, tuple(problems) or (f"all {len(cases)} cases pass",), mistakes=mistakes
    )


def _past_limits(check: Check, case: Case, outcome: Returned) -> str | None:
    problem = check.limits(case, outcome.value) if check.limits is not None else None
    return f"case '{case.label}': {problem}" if problem else None


def raised_text(outcome: Raised) -> str:
    """ "raised ValueError" (plus the message only where a local run kept one)."""
    name = outcome.type_name or "an exception of a class of your own"
    return f"raised {name}" + (f": {outcome.message[:300]}" if outcome.message else "")


def _judge_returned(check: Check, case: Case, outcome: Returned) -> list[str]:
    problems = list(check.judge_case(case, outcome))
    if problems and outcome.upstream_misses:
        names = ", ".join(sorted(case.upstream or {}))
        detail = "; ".join(note for note in outcome.upstream_misses[:2] if note)
        problems.append(
            f"  note (advice, no points): some calls to {names} had arguments a "
            f"correct {check.exercise} never passes"
            + (f" ({detail})" if detail else "")
            + "; those calls went to your own function"
        )
    return problems


# -- the usual kind of check: compare with a reference function ------------------------------
OutputSpec = str | tuple  # a name, or (name, (spec, spec, ...)) for a tuple-valued output


def function_check(
    name: str,
    *,
    reference: Callable,
    make_cases: Callable[[np.random.Generator], list[Case]],
    outputs: Sequence[OutputSpec] | Callable[[Case, Any], Sequence[OutputSpec]],
    rtol: float = 1e-6,
    atol: float = 1e-8,
    mistakes: Sequence[Mistake] = (),
    upstream: Upstream | None = None,
    random_draws: int = 1,
    limits: Callable[[Case, Any], str | None] | None = None,
    unscored: Sequence[Mistake] = (),
) -> Check:
    """A check that compares the learner's result with `reference(*args, **kwargs)`.

    `outputs` names what the function returns (one spec for a single value, one per element of
    a returned tuple, after `Case.pick`), so messages can say which output is wrong; a nested
    spec `("cache", ("x", "h_prev", ...))` judges a tuple-valued output entry by entry.
    Where the structure depends on the case (a list with one entry per layer), `outputs` may be
    a function `outputs(case, expected) -> specs` of the case and the reference's result. Outputs
    only some calls return (lstm_backward's dc0 with return_dc0=True) are named last: a result
    with fewer entries is judged on the first names.
    `limits`, `unscored`: see `Check`.
    """

    def judge_case(case: Case, outcome: Returned) -> list[str]:
        expected = _call(reference, case)
        specs = outputs(case, expected) if callable(outputs) else outputs
        problems = compare(case.label, outcome.value, expected, specs, rtol=rtol, atol=atol)
        if problems:
            mistake = first_matching_mistake(
                mistakes,
                case,
                lambda wrong: (
                    not compare(case.label, outcome.value, wrong, specs, rtol=rtol, atol=atol)
                ),
            )
            if mistake is not None:
                problems.append(hint(mistake))
        return problems

    return Check(
        name,
        make_cases,
        judge_case,
        mistakes=tuple(mistakes),
        upstream=upstream,
        random_draws=random_draws,
        limits=limits,
        unscored=tuple(unscored),
    )


def first_matching_mistake(
    mistakes: Sequence[Mistake], case: Case, matches: Callable[[Any], bool]
) -> Mistake | None:
    """The first of `mistakes` whose output on `case` `matches` the learner's result, or None.

    `matches(wrong)` is given what the mistake returns on the case (after `Case.pick`, computed
    with NumPy's warnings off) and says whether the learner's result agrees with it. A mistake
    that cannot be made on this case (its output raises) is passed over. A check that has found
    problems gives the returned mistake's `hint`."""
    for mistake in mistakes:
        try:
            with np.errstate(all="ignore"):
                wrong = _call(mistake.output, case)
        except Exception:  # a mistake that cannot be made on this case
            continue
        if matches(wrong):
            return mistake
    return None


def _call(function: Callable, case: Case):
    args, kwargs = case.live_arguments()
    result = function(*args, **kwargs)
    return result[case.pick] if case.pick is not None else result


def _spec_name(spec: OutputSpec) -> str:
    return spec if isinstance(spec, str) else spec[0]


def compare(
    label: str, got, expected, names: Sequence[OutputSpec], *, rtol: float, atol: float
) -> list[str]:
    """Problems with `got` against `expected`, naming the case and the output; [] if they agree."""
    names = tuple(names)
    if len(names) == 1 and not isinstance(names[0], str):
        name, parts = names[0]
        return _compare_tuple(label, got, expected, tuple(parts), name, rtol=rtol, atol=atol)
    if isinstance(expected, (tuple, list)) and 1 < len(names) and len(expected) <= len(names):
        # `names` may go on past what this call returns: an output only some calls ask for
        return _compare_tuple(
            label, got, expected, names[: len(expected)], None, rtol=rtol, atol=atol
        )
    name = names[0] if names else "result"
    if expected is None:
        return [] if got is None else [f"case '{label}': {name} should be None"]
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return [f"case '{label}': {name} must be a dict with keys {sorted(expected)}"]
        return [
            problem
            for key in expected
            for problem in compare(
                label, got[key], expected[key], (f"{name}[{key!r}]",), rtol=rtol, atol=atol
            )
        ]
    if isinstance(expected, str):
        if isinstance(got, str) and got == expected:
            return []
        return [f"case '{label}': {name} is not the expected text"]
    return _compare_arrays(label, name, got, expected, rtol=rtol, atol=atol)


def _compare_tuple(label, got, expected, specs, prefix, *, rtol, atol) -> list[str]:
    names = ", ".join(_spec_name(spec) for spec in specs)
    what = f"{prefix} must be a tuple" if prefix else "expected a tuple"
    if not isinstance(got, (tuple, list)):
        return [
            f"case '{label}': {what} of {len(expected)} entries ({names}), got a "
            f"{type(got).__name__}"
        ]
    if len(got) != len(expected):
        return [f"case '{label}': {what} of {len(expected)} entries ({names}), got {len(got)}"]
    problems = []
    for index, (spec, got_item, expected_item) in enumerate(zip(specs, got, expected)):
        name = _spec_name(spec)
        qualified = f"{prefix}[{index}] ({name})" if prefix else name
        inner = qualified if isinstance(spec, str) else (qualified, spec[1])
        problems.extend(compare(label, got_item, expected_item, (inner,), rtol=rtol, atol=atol))
    return problems


def _order_of_magnitude(value: float) -> str:
    if not np.isfinite(value) or value <= 0:
        return str(value)
    return f"1e{math.floor(math.log10(value)):+d}"


def _compare_arrays(label, name, got, expected, *, rtol, atol) -> list[str]:
    expected = np.asarray(expected)
    if isinstance(got, (bool, int, float, np.generic)) or isinstance(got, (list, tuple)):
        try:
            got = np.asarray(got, dtype=float if expected.dtype.kind == "f" else None)
        except (ValueError, TypeError):
            return [f"case '{label}': {name} could not be read as an array"]
    if not isinstance(got, np.ndarray):
        return [
            f"case '{label}': {name} should be an array of shape {expected.shape}, "
            f"got a {type(got).__name__}"
        ]
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
        return [
            f"case '{label}': {name} contains {got64[index]} at index {index} "
            f"(overflow or division by zero?)"
        ]
    if expected.size == 0:
        return []
    close = np.isclose(got64, expected64, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return []
    with np.errstate(invalid="ignore"):
        error = np.abs(got64 - expected64)[~close]
    error = error[np.isfinite(error)]
    size = (
        f"the errors are up to about {_order_of_magnitude(float(error.max()))}"
        if error.size
        else "where the reference is NaN or infinite"
    )
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    wrong = int((~close).sum())
    return [
        f"case '{label}': {name} (shape {expected.shape}) differs from the reference in "
        f"{wrong} of {expected.size} entries, the first at index {first}; {size}"
    ]
