"""Two learners with the same mistake get the same verdict.

Every mistake a check lists (`Check.mistakes`, each the function a learner who made it would
have written) must fail the check's *fixed* case set, which every student of a course meets. How
often the *fresh* sets (drawn per student and per submission) catch it on their own is measured
over many seeds and printed: `tools/catch_rates.py` prints the same table for a report.
"""
from __future__ import annotations

import pytest

from grader.checks import registry, run_check

FRESH_SEEDS = range(40)


def listed_mistakes():
    return [(name, index, mistake) for name, check in registry().items()
            for index, mistake in enumerate(check.mistakes)]


def catch_rate(check, mistake, seeds=FRESH_SEEDS) -> float:
    """Fraction of fresh case sets on which `mistake` fails the check."""
    caught = sum(not run_check(check, mistake.output, check.fresh_cases(seed)).passed
                 for seed in seeds)
    return caught / len(seeds)


@pytest.mark.parametrize("name, index, mistake", listed_mistakes(),
                         ids=lambda v: v if isinstance(v, str) else
                         (str(v) if isinstance(v, int) else v.description[:40]))
def test_the_fixed_cases_catch_every_listed_mistake(name, index, mistake):
    check = registry()[name]
    verdict = run_check(check, mistake.output, check.fixed_cases())
    assert not verdict.passed, f"{name}: the fixed cases miss '{mistake.description}'"


def test_fresh_case_sets_catch_the_listed_mistakes_too(capsys):
    """Printed for the record; asserted only where a fresh set is meant to stand on its own."""
    rows = [(name, mistake.description, catch_rate(registry()[name], mistake, range(10)))
            for name, _, mistake in listed_mistakes()]
    with capsys.disabled():
        print("\ncatch rate of fresh case sets (10 seeds): check | mistake | rate")
        for name, description, rate in rows:
            if rate < 1:
                print(f"  {name} | {description[:70]} | {rate:.0%}")
    assert rows
