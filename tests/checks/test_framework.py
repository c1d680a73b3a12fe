"""The rules every hidden check obeys, shown on small checks built here (framework.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from grader.checks import outcome_from_record, run_check
from grader.checks.framework import (
    Case,
    Mistake,
    Raised,
    Unsendable,
    Upstream,
    first_matching_mistake,
    function_check,
    raised_text,
)
from grader.hidden_checks import case_seeds


def _double(x):
    return 2 * x


def _cases(rng):
    return [Case("fixed: ones", (np.ones(3),)), Case("drawn", (rng.normal(size=4),))]


def test_fixed_cases_are_the_same_for_everyone_and_fresh_ones_follow_the_seed():
    check = function_check("double", reference=_double, make_cases=_cases, outputs=("y",))
    fixed = check.fixed_cases(7)
    assert all(np.array_equal(a.args[0], b.args[0]) for a, b in zip(fixed, check.fixed_cases(7)))
    one, two = check.fresh_cases(1), check.fresh_cases(2)
    assert not np.array_equal(one[1].args[0], two[1].args[0])
    labels = [case.label for case in check.cases(1, 7)]
    assert len(labels) == len(set(labels)) == 4 and labels[2].endswith("(fresh draw)")


def test_seeds_are_fixed_per_course_and_fresh_per_changed_submission():
    secret = b"k" * 32
    fresh, fixed = case_seeds(secret, "alice", "02", "rnn_forward", "digest-1")
    again = case_seeds(secret, "alice", "02", "rnn_forward", "digest-1")
    changed = case_seeds(secret, "alice", "02", "rnn_forward", "digest-2")
    other_student = case_seeds(secret, "bob", "02", "rnn_forward", "digest-1")
    assert again == (fresh, fixed)
    assert changed[0] != fresh and changed[1] == fixed
    assert other_student[0] != fresh and other_student[1] == fixed


def test_a_changed_argument_costs_nothing_when_the_values_are_right():
    """What a function does to its inputs is the kernel's account of itself: no points."""

    def shifts_in_place(x):
        x -= x.max()  # the classic in-place softmax shift
        return 2 * (x + x.max() * 0)

    check = function_check("double", reference=_double, make_cases=_cases, outputs=("y",))
    verdict = run_check(check, lambda x: shifts_in_place(x) + 0 * x, check.fixed_cases())
    assert not verdict.passed and "in place" not in verdict.explain()  # the values are wrong

    def doubles_in_place(x):
        x *= 2
        return x

    verdict = run_check(check, doubles_in_place, check.fixed_cases())
    assert verdict.passed, verdict.explain()


def test_a_numpy_warning_costs_nothing_when_the_values_are_right():
    def loud(x):
        with np.errstate(over="warn"):
            np.exp(np.array([1e4]))
        return 2 * x

    check = function_check("double", reference=_double, make_cases=_cases, outputs=("y",))
    assert run_check(check, loud, check.fixed_cases()).passed


def test_a_cache_is_judged_entry_by_entry():
    def forward(x, W):
        y = x @ W
        return y, (x, W, y)

    def wrong_cache(x, W):
        y = x @ W
        return y, (x, W, x @ W + 1)

    cases = lambda rng: [Case("N=2", (np.ones((2, 3)), np.ones((3, 2))))]
    check = function_check(
        "forward", reference=forward, make_cases=cases, outputs=("y", ("cache", ("x", "W", "y")))
    )
    assert run_check(check, forward, check.fixed_cases()).passed
    text = run_check(check, wrong_cache, check.fixed_cases()).explain()
    assert "cache[2] (y)" in text and "cache[0]" not in text
    text = run_check(check, lambda x, W: (x @ W, (x, W)), check.fixed_cases()).explain()
    assert "cache must be a tuple of 3 entries (x, W, y), got 2" in text


def test_messages_give_only_an_order_of_magnitude():
    def reference(x):
        return np.array([0.123456789])

    cases = lambda rng: [Case("one value", (np.zeros(1),))]
    check = function_check("value", reference=reference, make_cases=cases, outputs=("y",))
    text = run_check(check, lambda x: np.array([0.2]), check.fixed_cases()).explain()
    assert "up to about 1e-2" in text
    assert "0.123" not in text and "7.65" not in text and "0.0765" not in text


# -- upstream stand-ins -----------------------------------------------------------------------
def step(x, h, W):
    """The upstream exercise: one step."""
    return np.tanh(x + h @ W)


def loop(x, h0, W):
    """The downstream exercise, as a learner writes it: calls the global `step`."""
    h, out = h0, []
    for t in range(x.shape[1]):
        h = step(x[:, t], h, W)
        out.append(h)
    return np.stack(out, axis=1)


def _loop_calls(up, x, h0, W):
    h = h0
    for t in range(x.shape[1]):
        h = up.step(x[:, t], h, W)


def _loop_check():
    cases = lambda rng: [
        Case(
            "N=2, T=3",
            (rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4)), rng.normal(size=(4, 4))),
        )
    ]
    return function_check(
        "loop",
        reference=loop,
        make_cases=cases,
        outputs=("h",),
        upstream=Upstream({"step": step}, _loop_calls),
    )


@pytest.fixture
def wrong_step():
    """The learner's `step` is wrong (W transposed) while this test runs."""
    global step
    right = step
    step = lambda x, h, W: np.tanh(x + h @ W.T)
    yield
    step = right


def test_a_correct_downstream_keeps_its_points_when_its_upstream_is_wrong(wrong_step):
    check = _loop_check()
    verdict = run_check(check, loop, check.cases(3))
    assert verdict.passed, verdict.explain()
    assert step is not _loop_check  # the learner's own (wrong) step is back after the check
    assert not np.allclose(
        step(np.ones(4), np.ones(4), np.arange(16.0).reshape(4, 4) / 16),
        np.tanh(1 + np.ones(4) @ (np.arange(16.0).reshape(4, 4) / 16)),
    )


def test_a_wrong_downstream_still_fails_and_is_told_about_unexpected_calls():
    def restarts(x, h0, W):
        return np.stack([step(x[:, t], h0, W) for t in range(x.shape[1])], axis=1)

    restarts.__globals__["step"] = step
    check = _loop_check()
    verdict = run_check(check, restarts, check.fixed_cases())
    assert not verdict.passed
    assert "calls to step had arguments a correct loop never passes" in verdict.explain()
    assert "argument h differs" in verdict.explain()


def test_the_note_on_unexpected_calls_names_the_function_a_part_check_judges():
    """A check of one part of an exercise is named for the part (train_char_model_clipping);
    the note names the learner's function (the exercise), not the part."""

    def restarts(x, h0, W):
        return np.stack([step(x[:, t], h0, W) for t in range(x.shape[1])], axis=1)

    restarts.__globals__["step"] = step
    check = dataclasses.replace(_loop_check(), name="loop_state", part_of="loop")
    text = run_check(check, restarts, check.fixed_cases()).explain()
    assert "calls to step had arguments a correct loop never passes" in text
    assert "loop_state" not in text.split("note", 1)[1]


def test_mistakes_named_in_a_check_are_its_hints():
    check = function_check(
        "double",
        reference=_double,
        make_cases=_cases,
        outputs=("y",),
        mistakes=[Mistake("added", "you added instead of multiplied", lambda x: x + 2)],
    )
    assert (
        "you added instead of multiplied"
        in run_check(check, lambda x: x + 2, check.fixed_cases()).explain()
    )


def test_a_verdict_lists_the_named_mistakes_its_hints_name():
    """The class report counts `Verdict.mistakes` (data), never the hint's text."""
    added = Mistake("added", "you added instead of multiplied", lambda x: x + 2)
    check = function_check(
        "double",
        reference=_double,
        make_cases=_cases,
        outputs=("y",),
        mistakes=[added, Mistake("squared", "you squared", lambda x: x * x)],
    )
    assert run_check(check, lambda x: x + 2, check.fixed_cases()).mistakes == (added.description,)
    assert run_check(check, lambda x: -x, check.fixed_cases()).mistakes == ()
    assert run_check(check, _double, check.fixed_cases()).mistakes == ()


def test_the_first_mistake_that_matches_is_named_and_one_that_cannot_apply_is_passed_over():
    """The one loop every check's hint comes from (function_check and 07's own judges)."""

    def cannot_apply(x):
        raise ValueError("not on this case")

    added = Mistake("added", "you added", lambda x: x + 2)
    mistakes = [
        Mistake("raises", "never", cannot_apply),
        added,
        Mistake("again", "x", lambda x: x + 2),
    ]
    case = Case("ones", (np.ones(3),))
    got = np.full(3, 3.0)
    assert first_matching_mistake(mistakes, case, lambda wrong: np.array_equal(wrong, got)) is added
    assert first_matching_mistake(mistakes, case, lambda wrong: False) is None
    assert first_matching_mistake((), case, lambda wrong: True) is None


def test_outputs_may_depend_on_the_case():
    """A list whose length follows the case (one entry per layer) is judged entry by entry."""

    def layers(n):
        return [np.full(2, float(i)) for i in range(n)]

    def cases(rng):
        return [Case("one layer", (1,)), Case("three layers", (3,))]

    check = function_check(
        "layers",
        reference=layers,
        make_cases=cases,
        outputs=lambda case, expected: (
            ("states", tuple(f"layer {m + 1}" for m in range(case.args[0]))),
        ),
    )
    assert run_check(check, layers, check.fixed_cases()).passed
    verdict = run_check(check, lambda n: layers(n)[::-1], check.fixed_cases())
    assert not verdict.passed and "states[0] (layer 1)" in verdict.explain()


# -- numerical warnings ---------------------------------------------------------------------------
def _logistic(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def _overflowing_logistic(x):
    """Right values everywhere, but exp(-x) overflows for x < -709."""
    return 1 / (1 + np.exp(-x))


def _quiet_check():
    cases = lambda rng: [Case("x = -1e4 .. 1e4", (np.array([-1e4, -1.0, 0.0, 1.0, 1e4]),))]
    return function_check("logistic", reference=_logistic, make_cases=cases, outputs=("s",))


def test_an_overflow_warning_costs_nothing_whatever_the_learner_set_with_seterr():
    """A check cannot ask for quiet code any more: a warning is the kernel's account of itself."""
    for setting in ("ignore", "print"):  # silenced, or NumPy's own printing
        previous = np.seterr(over=setting)
        try:
            verdict = run_check(_quiet_check(), _overflowing_logistic, _quiet_check().fixed_cases())
        finally:
            np.seterr(**previous)
        assert verdict.passed, (setting, verdict.explain())


def test_when_grading_only_a_built_in_class_name_survives_decoding():
    """What the kernel sends about an exception or an unsendable value is learner text: decoding
    a grading record keeps a built-in class's name, never a message or another class's name."""
    secret = "0.123456789"
    for body, name in (
        (["ValueError", secret], "ValueError"),
        ("ValueError", "ValueError"),
        (["NotRun", secret], ""),
        ("HiddenCheckFailed", ""),
        (["CannotJudge", secret], ""),
        ([secret, secret], ""),
    ):
        outcome = outcome_from_record({"raised": body})
        assert outcome == Raised(name, ""), body
        text = raised_text(outcome)
        assert secret not in text and ("NotRun" not in text) and "raised" in text
    assert outcome_from_record({"unsendable": secret}) == Unsendable("")
    assert outcome_from_record({"unsendable": "set"}) == Unsendable("set")
    returned = outcome_from_record({"returned": 1.0, "upstream_misses": [f"call 1: x={secret}"]})
    assert returned.upstream_misses == ("",)
    local = outcome_from_record({"raised": ["NotRun", secret]}, local=True)
    assert local == Raised("NotRun", secret)  # the learner's own machine keeps its messages
    for forged in (
        {"raised": ["a", "b", "c"]},
        {"returned": 1, "changed": ["args[0]"]},
        {"returned": 1, "warned": ["overflow"]},
    ):
        with pytest.raises(ValueError):
            outcome_from_record(forged)


def test_an_optional_last_output_is_judged_only_where_the_call_asks_for_it():
    def split(x, both=False):
        return (x, 2 * x, 3 * x) if both else (x, 2 * x)

    cases = lambda rng: [
        Case("two outputs", (np.ones(2),)),
        Case("three outputs", (np.ones(2),), {"both": True}),
    ]
    check = function_check("split", reference=split, make_cases=cases, outputs=("a", "b", "c"))
    assert run_check(check, split, check.fixed_cases()).passed
    text = run_check(check, lambda x, both=False: (x, 2 * x, 3 * x), check.fixed_cases()).explain()
    assert "case 'two outputs': expected a tuple of 2 entries (a, b), got 3" in text
    text = run_check(check, lambda x, both=False: (x, 2 * x), check.fixed_cases()).explain()
    assert "case 'three outputs': expected a tuple of 3 entries (a, b, c), got 2" in text
