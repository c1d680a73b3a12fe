"""SGD against RMSprop on notebook 04's long-lag task: every rate of one grid at every lag.

    python -m tools.research.rmsprop_grid [--lags 5 10 20 30 40] [--seeds 8] [--processes 1]

The network and training are rmsprop_sweep's (the notebook's: tanh, H = 16, rho = 0.9, 500
steps, global-norm clipping at 1.0). For each seed, optimiser, lag and rate of RATES it prints the
training loss (mean of the last LAST_STEPS steps, and of all steps) and the test accuracy; then,
per optimiser and lag, the accuracy at the rate each loss rule picks (the rule applied at each lag
separately; every batch is fresh, so the training loss is measured on unseen sequences) and the
best accuracy of any rate (what the grid can reach at all).
"""

from __future__ import annotations

import argparse
import time
from multiprocessing import Pool

import numpy as np

from tools.research.rmsprop_sweep import CHUNK_LENGTH, OPTIMIZERS, RATES, TRUNCATED_LAGS, run

LAST_STEPS = 100


def one_seed(args):
    seed, lags, rates, truncated = args
    cpu = time.process_time()
    table = {}
    for optimizer in OPTIMIZERS:
        for lag in lags:
            for rate in rates:
                result = run(lag, seed, optimizer, rate)
                table[optimizer, lag, rate] = (
                    float(np.mean(result["loss"][-LAST_STEPS:])),
                    result["accuracy"],
                    float(np.mean(result["loss"])),
                )
    sweep_cpu = time.process_time() - cpu
    if truncated:  # Experiment 4: RMSprop, truncated BPTT, at the rate the rule picks at each lag
        for lag in TRUNCATED_LAGS:
            cells = {
                rate: table.get(("rmsprop", lag, rate)) or _last_loss(lag, seed, rate, table)
                for rate in rates
            }
            chosen = min(cells, key=lambda rate: cells[rate][0])
            result = run(lag, seed, "rmsprop", chosen, CHUNK_LENGTH)
            table["truncated", lag, chosen] = (
                float(np.mean(result["loss"][-LAST_STEPS:])),
                result["accuracy"],
                float(np.mean(result["loss"])),
            )
    return seed, table, sweep_cpu, time.process_time() - cpu


def _last_loss(lag, seed, rate, table):
    result = run(lag, seed, "rmsprop", rate)
    table["rmsprop", lag, rate] = (
        float(np.mean(result["loss"][-LAST_STEPS:])),
        result["accuracy"],
        float(np.mean(result["loss"])),
    )
    return table["rmsprop", lag, rate]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lags", type=int, nargs="+", default=[5, 10, 20, 30, 40])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--rates", type=float, nargs="+", default=list(RATES))
    parser.add_argument("--truncated", action="store_true", help="also Experiment 4 (K = 8)")
    options = parser.parse_args()
    seeds = range(options.first_seed, options.first_seed + options.seeds)
    with Pool(options.processes) as pool:
        results = pool.map(
            one_seed, [(seed, options.lags, options.rates, options.truncated) for seed in seeds]
        )
    for seed, table, sweep_cpu, cpu in results:
        print(f"SEED {seed} (sweep {sweep_cpu:.1f}s CPU, everything {cpu:.1f}s CPU)")
        for optimizer in OPTIMIZERS:
            for lag in options.lags:
                cells = [table[optimizer, lag, rate] for rate in options.rates]
                by_last = min(zip(cells, options.rates))
                by_mean = min(zip([(mean, acc, last) for last, acc, mean in cells], options.rates))
                print(
                    f"  {optimizer:>7} lag {lag:2d} (loss of last {LAST_STEPS} / mean loss / acc): "
                    + "  ".join(
                        f"{rate:g}: {last:.3f}/{mean:.3f}/{acc:.2f}"
                        for rate, (last, acc, mean) in zip(options.rates, cells)
                    )
                    + f"  | lowest last-{LAST_STEPS} loss: eta {by_last[1]:g} acc {by_last[0][1]:.2f};"
                    f" lowest mean loss: eta {by_mean[1]:g} acc {by_mean[0][1]:.2f};"
                    f" best acc {max(c[1] for c in cells):.2f}"
                )
        for (kind, lag, rate), (_, acc, _) in table.items():
            if kind == "truncated":
                print(
                    f"  truncated K = {CHUNK_LENGTH}, lag {lag}: rmsprop at eta {rate:g}: acc {acc:.2f}"
                )


if __name__ == "__main__":
    main()
