"""Notebook 04's Experiments 3(b) and 4 on more seeds: SGD against RMSprop on the long-lag task,
each optimiser's learning rate chosen at each lag by the same sweep, and truncated BPTT.

    .venv/bin/python -m tools.research.rmsprop_grid [--seeds 8] [--first-seed 0] [--processes 1]

The sweeps are the notebook's, written once in `coursekit.marked_bit` (`optimizer_sweep`,
`truncated_sweep`, the rule `chosen_rate`: the rate with the lowest training loss over the last
LAST_STEPS steps; every batch is fresh, so that is a loss on unseen sequences), with the
notebook's Settings as their defaults, trained here with the course's library
(tools/research/library_task.py). Prints, per seed, the test accuracy at the chosen rate for each
optimiser and lag, the longest lag each learned, and the truncated runs; then the worst value over
the seeds of each of the notebook's asserts.
"""

from __future__ import annotations

import os
import time

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


from coursekit.marked_bit import longest_learned, optimizer_sweep, truncated_sweep  # noqa: E402
from tools.research.library_task import TASK, results_per_seed  # noqa: E402

S = TASK.settings


def one_seed(seed):
    cpu = time.process_time()
    sweep = optimizer_sweep(TASK, seed)
    sweep_cpu = time.process_time() - cpu
    truncated = truncated_sweep(TASK, seed)
    table = {
        optimizer: {
            lag: (runs[chosen]["accuracy"], chosen) for lag, (runs, chosen) in by_lag.items()
        }
        for optimizer, by_lag in sweep.items()
    }
    best = {
        optimizer: {
            lag: max(run["accuracy"] for run in runs.values()) for lag, (runs, _) in by_lag.items()
        }
        for optimizer, by_lag in sweep.items()
    }
    cut = {lag: (runs[chosen]["accuracy"], chosen) for lag, (runs, chosen) in truncated.items()}
    return seed, table, best, cut, sweep_cpu, time.process_time() - cpu - sweep_cpu


def main():
    results = results_per_seed(__doc__.splitlines()[0], one_seed)
    solved = S.solved_accuracy
    print(f"accuracy at the chosen rate (eta); lags {S.lags}, rates {S.sweep_rates}")
    print(
        "| seed | SGD | RMSprop | longest SGD / RMSprop | truncated K = "
        f"{S.chunk_length}: {' / '.join(map(str, S.truncated_lags))} | CPU s (sweep / truncated) |"
    )
    print("|---|---|---|---|---|---|")
    longest = {}
    for seed, table, _, cut, sweep_cpu, cut_cpu in results:
        cells = {
            optimizer: " / ".join(f"{acc:.2f} ({rate:g})" for acc, rate in by_lag.values())
            for optimizer, by_lag in table.items()
        }
        longest[seed] = {
            optimizer: longest_learned({lag: acc for lag, (acc, _) in by_lag.items()}, solved)
            for optimizer, by_lag in table.items()
        }
        print(
            f"| {seed} | {cells['sgd']} | {cells['rmsprop']} | {longest[seed]['sgd']} / "
            f"{longest[seed]['rmsprop']} | "
            + " / ".join(f"{acc:.2f} ({rate:g})" for acc, rate in cut.values())
            + f" | {sweep_cpu:.1f} / {cut_cpu:.1f} |"
        )
    shortest, longest_lag = min(S.lags), max(S.lags)
    below = [lag for lag in S.truncated_lags if lag < S.chunk_length]
    lines = [
        (
            f"both learn lag {shortest} (lowest accuracy)",
            min(t[o][shortest][0] for _, t, *_ in results for o in t),
        ),
        (
            f"neither learns lag {longest_lag} at any rate (highest accuracy)",
            max(b[o][longest_lag] for _, _, b, *_ in results for o in b),
        ),
        (
            "seeds where RMSprop's longest < SGD's",
            sum((best["rmsprop"] or 0) < (best["sgd"] or 0) for best in longest.values()),
        ),
        (
            f"truncated learns lags {below} (lowest accuracy)",
            min(c[lag][0] for _, _, _, c, *_ in results for lag in below),
        ),
        (
            "truncated at lags >= K that full BPTT (RMSprop) learned (highest accuracy)",
            max(
                [
                    c[lag][0]
                    for _, t, _, c, *_ in results
                    for lag in S.truncated_lags
                    if lag >= S.chunk_length
                    and lag in t["rmsprop"]
                    and t["rmsprop"][lag][0] >= solved
                ],
                default=float("nan"),
            ),
        ),
    ]
    print("\nthe notebook's asserts: worst value over the seeds")
    for claim, value in lines:
        print(f"  {claim:<70} {value:.3g}")


if __name__ == "__main__":
    main()
