"""Two learners with the same mistake get the same verdict.

Every mistake of the catalogues (grader/mistakes/, the function a learner who made it would have
written) must fail its check's *fixed* case set, which every student of a course meets. The
*fresh* sets (drawn per student and per submission) must catch them too, at least as often as
measured below (every set catches every mistake); `.venv/bin/python -m tools.catch_rates`
prints the full table for a report.
"""

from __future__ import annotations

import pytest

from grader.checks import get_check, run_check
from grader.mistakes import catch_rates, listed

FRESH_SEEDS = range(10)
# Measured with these seeds (`.venv/bin/python -m tools.catch_rates 10`, 2026-12-06, load about
# 21 on 2 cores): every fresh set caught every one of the 260 catalogued mistakes (100 % each).
# The seeds are fixed, so a lower rate means a case generator lost the structure that catches a
# mistake whatever it draws.
MIN_FRESH_RATE = 1.0


@pytest.mark.parametrize(
    "notebook, name, mistake", listed(), ids=lambda v: v.id if hasattr(v, "id") else v
)
def test_the_fixed_cases_catch_every_listed_mistake(notebook, name, mistake):
    check = get_check(name)
    verdict = run_check(check, mistake.output, check.fixed_cases())
    assert not verdict.passed, f"{name}: the fixed cases miss '{mistake.description}'"


def test_fresh_case_sets_catch_the_listed_mistakes_too():
    by_check: dict[str, list] = {}
    for _, name, mistake in listed():
        by_check.setdefault(name, []).append(mistake)
    rates = {
        (name, mistake.id): rate
        for name, mistakes in by_check.items()
        for mistake, rate in zip(mistakes, catch_rates(get_check(name), mistakes, FRESH_SEEDS))
    }
    rarely = {key: rate for key, rate in rates.items() if rate < MIN_FRESH_RATE}
    assert not rarely, f"fresh sets catch these less often than {MIN_FRESH_RATE:.0%}: {rarely}"
