"""Print how often each hidden check catches each mistake it lists.

    .venv/bin/python -m tools.catch_rates [SEEDS]

The fixed case set (the same for every student of a course) must catch every listed mistake;
the fresh sets (drawn per student and per submission) are measured over SEEDS seeds (default 200).
"""
from __future__ import annotations

import sys

from tqdm import tqdm

from grader.checks import registry, run_check
from tests.checks.test_catch_rates import catch_rate, listed_mistakes


def main(seeds: int) -> None:
    print(f"check | mistake | fixed set | fresh sets ({seeds} seeds)")
    print("---|---|---|---")
    for name, _, mistake in tqdm(listed_mistakes(), desc="mistakes", file=sys.stderr):
        check = registry()[name]
        fixed = not run_check(check, mistake.output, check.fixed_cases()).passed
        rate = catch_rate(check, mistake, range(seeds))
        print(f"{name} | {mistake.description[:80]} | {'caught' if fixed else 'MISSED'} | "
              f"{rate:.1%}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
