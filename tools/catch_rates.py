"""Print how often each hidden check catches each mistake it lists.

    .venv/bin/python -m tools.catch_rates [SEEDS]

The fixed case set (the same for every student of a course) must catch every listed mistake;
the fresh sets (drawn per student and per submission) are measured over SEEDS seeds (default 200).
The mistakes are the catalogues' (grader/mistakes/).
"""

from __future__ import annotations

import sys

from tqdm import tqdm

from grader.checks import get_check, run_check
from grader.mistakes import catch_rate, listed


def main(seeds: int) -> None:
    print(f"check | mistake | fixed set | fresh sets ({seeds} seeds)")
    print("---|---|---|---")
    for _, name, mistake in tqdm(listed(), desc="mistakes", file=sys.stderr):
        check = get_check(name)
        fixed = not run_check(check, mistake.output, check.fixed_cases()).passed
        rate = catch_rate(check, mistake, range(seeds))
        print(
            f"{name} | {mistake.description[:80]} | {'caught' if fixed else 'MISSED'} | {rate:.1%}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
