"""How busy each pytest-xdist worker was in a test run, and what each unit of work cost.

    .venv/bin/python -m tests.balance [--junit FILE] [--top N] [--write]

Reads the record every run keeps in pytest's cache (tests/scheduling.py), or a JUnit XML file
(`pytest --junitxml FILE`; each test case carries the property `worker`). Prints each worker's
busy seconds (setup, call and teardown of its tests, in the order they ran): the run's wall time
is about the largest, so the workers should be close. Then the costliest units (test modules,
or groups of tests marked xdist_group), and the busy time the scheduler's order would give two
workers with those costs. `--write` keeps the units' seconds in tests/unit_seconds.json, which
orders the next runs (run it after a whole run on a quiet machine).
"""

from __future__ import annotations

import argparse
import heapq
import json
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

from grader.layout import REPOSITORY
from tests.scheduling import RECORD_KEY, UNIT_SECONDS, unit_of

CACHE_RECORD = REPOSITORY / ".pytest_cache" / "v" / RECORD_KEY


def from_cache(path: Path = CACHE_RECORD) -> list[tuple[str, str, float]]:
    return [(nodeid, worker, seconds) for nodeid, worker, seconds in json.loads(path.read_text())]


def from_junit(path: Path) -> list[tuple[str, str, float]]:
    """(test id, worker, seconds) of each test case; the id as the tests' record has it
    (module path and name; a group mark's `@GROUP` is kept in the name by xdist)."""
    rows = []
    for case in ElementTree.parse(path).iter("testcase"):
        parts = case.get("classname", "").split(".")  # package.module[.Class]
        module = next(
            (
                "/".join(parts[:end])
                for end in range(len(parts), 0, -1)
                if (REPOSITORY / f"{'/'.join(parts[:end])}.py").is_file()
            ),
            "/".join(parts),
        )
        worker = next(
            (p.get("value") for p in case.iter("property") if p.get("name") == "worker"), "?"
        )
        rows.append((f"{module}.py::{case.get('name')}", worker, float(case.get("time", 0))))
    return rows


def unit_costs(rows) -> dict[str, float]:
    costs: dict[str, float] = defaultdict(float)
    for nodeid, _, seconds in rows:
        costs[unit_of(nodeid)] += seconds
    return dict(costs)


def costliest_first(costs: dict[str, float], workers: int = 2) -> list[float]:
    """Each worker's busy seconds when the units go, costliest first, to whichever worker is
    free first (what tests/scheduling.py does)."""
    busy = [(0.0, worker) for worker in range(workers)]
    for cost in sorted(costs.values(), reverse=True):
        seconds, worker = heapq.heappop(busy)
        heapq.heappush(busy, (seconds + cost, worker))
    return sorted(seconds for seconds, _ in busy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--junit", type=Path, help="a JUnit XML file instead of the cache")
    parser.add_argument("--top", type=int, default=15, help="units to list (default 15)")
    parser.add_argument("--write", action="store_true", help=f"write {UNIT_SECONDS.name}")
    options = parser.parse_args()
    rows = from_junit(options.junit) if options.junit else from_cache()

    per_worker: dict[str, float] = defaultdict(float)
    tests: dict[str, int] = defaultdict(int)
    for _, worker, seconds in rows:
        per_worker[worker] += seconds
        tests[worker] += 1
    print("worker | tests | busy seconds")
    for worker in sorted(per_worker):
        print(f"{worker} | {tests[worker]} | {per_worker[worker]:.0f}")
    total = sum(per_worker.values())
    print(f"all | {len(rows)} | {total:.0f} (longest worker {max(per_worker.values()):.0f} s)")

    costs = unit_costs(rows)
    print(f"\nunit | seconds (the {options.top} costliest of {len(costs)})")
    for unit, seconds in sorted(costs.items(), key=lambda item: -item[1])[: options.top]:
        print(f"{unit} | {seconds:.0f}")
    planned = costliest_first(costs)
    print(f"\ncostliest first on 2 workers: {' and '.join(f'{s:.0f}' for s in planned)} s")

    if options.write:
        UNIT_SECONDS.write_text(
            json.dumps(
                {u: round(s, 1) for u, s in sorted(costs.items(), key=lambda i: -i[1])}, indent=1
            )
            + "\n"
        )
        print(f"wrote {UNIT_SECONDS.relative_to(REPOSITORY)}")


if __name__ == "__main__":
    main()
