"""How far a burst of many processes gets past the grader's memory cap, with and without the
kernel's memory cgroup.

The grader's watch polls the kernel's resident memory every 0.05 s; RLIMIT_AS caps each process
only. A kernel starts PROCESSES small processes and releases them at once to fill EACH_MB each.
Measured: the most memory the kernel's processes charged together (its cgroup's peak), as a
ratio of --memory-mb, (a) with the watch alone (the cgroup made with no real limit, so it only
measures), (b) with the cgroup's limit (--memory-mb plus the tmpfs sizes), (c) that limit with
no watch at all (the case of a burst between two polls). Needs root (the cgroup); prints the
load.

    .venv/bin/python -m benchmarks.memory_burst [PROCESSES] [EACH_MB] [MEMORY_MB]
"""

from __future__ import annotations

import os
import sys

from grader.sandbox import Limits
from submissions.hostile import run_memory_burst


class WatchOnly(Limits):
    @property
    def cgroup_mb(self) -> int:
        return 1_000_000  # far above the machine's memory: the cgroup measures, never limits


def main(processes: int = 16, each_mb: int = 192, memory_mb: int = 768) -> None:
    print(
        f"load: {os.getloadavg()}; {processes} processes x {each_mb} MB = "
        f"{processes * each_mb} MB against --memory-mb {memory_mb}"
    )
    for name, limits, watched in (
        ("watch alone", WatchOnly(memory_mb=memory_mb), True),
        ("watch and cgroup", Limits(memory_mb=memory_mb), True),
        ("cgroup alone", Limits(memory_mb=memory_mb), False),
    ):
        seen = run_memory_burst(limits, processes, each_mb, watched)
        peak = seen["peak_mb"]
        print(
            f"{name}: peak {peak:.0f} MB = {peak / memory_mb:.2f} x --memory-mb; "
            f"OOM kills in the cgroup {seen['oom_kills']}; stopped: {seen['stop_reason']}; "
            f"kernel alive after: {seen['alive']}"
        )


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
