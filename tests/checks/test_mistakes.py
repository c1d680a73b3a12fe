"""Every mistake of every notebook's catalogue (grader/mistakes/<notebook>.py) does what the
catalogue says, for the hidden and the visible checks alike:

- the hidden check fails it and its hint names it (`Mistake.hinted=False`: it fails with another
  explanation, a dtype the docstring rules out or an exception);
- the visible check fails it too, unless the catalogue says its quick cases miss it
  (`Mistake.caught_by_visible_check=False`), and then it really misses it;
- each hidden check lists exactly its exercise's catalogue entries, ids unique per exercise;
- each catalogue's variant factories, called with no flags, make functions that pass;
- a mistake of one part of an exercise judged in parts (a check's `part_of`) costs only that
  part: every other part's hidden check passes it (fixed and fresh cases), and so does every
  other part's visible check;
- every mistake a wrong submission's feedback must name (`WrongSubmission.names`) is a hinted
  entry of its catalogue, of a check the submission fails (tests/grading/test_pipeline.py finds
  its hint in the graded feedback).
"""

from __future__ import annotations

import importlib

import pytest

from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import registry, run_locally
from grader.layout import written_assignments
from grader.mistakes import catalogue, listed, notebooks
from submissions.wrong import named_mistakes, wrong_submissions_of

MISTAKES = listed()


def _id(value):
    return value.id if hasattr(value, "id") else str(value)


def assert_explained(mistake, text: str) -> None:
    """A failed verdict tells the learner what is wrong: the mistake's own hint or, for a mistake
    the catalogue marks `hinted=False`, the rule it broke (a dtype the docstring does not allow)
    or the error it raised."""
    if mistake.hinted:
        assert "hint:" in text and mistake.description in text, text
    else:
        assert "the docstring asks for a" in text.replace("for an", "for a") or "raised" in text, (
            text
        )


def visible_check(notebook: str, exercise: str):
    return getattr(importlib.import_module(f"coursekit.visible.{notebook}"), f"check_{exercise}")


@pytest.mark.parametrize("notebook, exercise, mistake", MISTAKES, ids=_id)
def test_the_hidden_check_fails_each_mistake_and_names_it(notebook, exercise, mistake):
    verdict = run_locally(exercise, mistake.output)
    assert not verdict.passed
    assert_explained(mistake, verdict.explain())


@pytest.mark.parametrize("notebook, exercise, mistake", MISTAKES, ids=_id)
def test_the_visible_check_fails_each_mistake_it_is_meant_to_catch(notebook, exercise, mistake):
    check = visible_check(notebook, exercise)
    if mistake.caught_by_visible_check:
        with pytest.raises(VisibleCheckFailed):
            check(mistake.output)
    else:  # the catalogue's claim that the quick cases miss it is true
        check(mistake.output)


@pytest.mark.parametrize("notebook", notebooks())
def test_each_hidden_check_lists_exactly_its_catalogue_entries(notebook):
    found = catalogue(notebook)
    checks = importlib.import_module(f"grader.checks.{notebook}").CHECKS
    for check in checks:
        assert check.mistakes == tuple(found.MISTAKES.get(check.name, ())), check.name
        assert check.unscored == tuple(getattr(found, "UNSCORED", {}).get(check.name, ()))
    exercises = {check.name for check in checks}
    assert (
        set(found.MISTAKES) | set(getattr(found, "UNSCORED", {})) | set(found.VARIANTS) <= exercises
    )
    for kind in ("MISTAKES", "UNSCORED"):
        for exercise, mistakes in getattr(found, kind, {}).items():
            ids = [mistake.id for mistake in mistakes]
            assert len(ids) == len(set(ids)), f"{exercise}: ids repeat: {ids}"


@pytest.mark.parametrize(
    "notebook, exercise",
    [(notebook, exercise) for notebook in notebooks() for exercise in catalogue(notebook).VARIANTS],
)
def test_a_variant_factory_called_with_no_flags_makes_the_correct_function(notebook, exercise):
    verdict = run_locally(exercise, catalogue(notebook).VARIANTS[exercise]())
    assert verdict.passed, verdict.explain()


def _other_parts(exercise_part: str) -> list[str]:
    exercise = registry()[exercise_part].exercise
    return [
        name
        for name, check in registry().items()
        if check.exercise == exercise and name != exercise_part
    ]


PART_MISTAKES = [
    (notebook, exercise, mistake)
    for notebook, exercise, mistake in MISTAKES
    if registry()[exercise].part_of
]


@pytest.mark.parametrize("notebook, exercise, mistake", PART_MISTAKES, ids=_id)
def test_a_mistake_in_one_part_costs_only_that_part(notebook, exercise, mistake):
    """One mistake, one loss: the other parts' cases leave what they judge unchanged."""
    others = _other_parts(exercise)
    assert others
    for other in others:
        verdict = run_locally(other, mistake.output)
        assert verdict.passed, f"{other}: {verdict.explain()}"
        visible_check(notebook, other)(mistake.output)


@pytest.mark.parametrize("assignment", written_assignments())
def test_the_mistakes_wrong_submissions_name_are_hinted_catalogue_entries(assignment):
    """A renamed or removed mistake breaks this at once (named_mistakes raises KeyError), not
    only the slow pipeline test."""
    for submission in wrong_submissions_of(assignment):
        mistakes = named_mistakes(assignment, submission)
        assert all(mistake.hinted for mistake in mistakes), submission.name
        exercises = {exercise for exercise, _ in submission.names}
        assert exercises <= submission.failing_checks, submission.name
        assert len(set(submission.names)) == len(submission.names), submission.name
    assert any(submission.names for submission in wrong_submissions_of(assignment))
