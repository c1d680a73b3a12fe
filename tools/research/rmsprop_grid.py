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

from tools.research.rmsprop_sweep import OPTIMIZERS, RATES, run

LAST_STEPS = 100


def one_seed(args):
    seed, lags = args
    cpu = time.process_time()
    table = {}
    for optimizer in OPTIMIZERS:
        for lag in lags:
            for rate in RATES:
                result = run(lag, seed, optimizer, rate)
                table[optimizer, lag, rate] = (float(np.mean(result["loss"][-LAST_STEPS:])),
                                               result["accuracy"], float(np.mean(result["loss"])))
    return seed, table, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lags", type=int, nargs="+", default=[5, 10, 20, 30, 40])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=1)
    options = parser.parse_args()
    seeds = range(options.first_seed, options.first_seed + options.seeds)
    with Pool(options.processes) as pool:
        results = pool.map(one_seed, [(seed, options.lags) for seed in seeds])
    for seed, table, cpu in results:
        print(f"SEED {seed} ({cpu:.1f}s CPU)")
        for optimizer in OPTIMIZERS:
            for lag in options.lags:
                cells = [table[optimizer, lag, rate] for rate in RATES]
                by_last = min(zip(cells, RATES))
                by_mean = min(zip([(m, a, l) for l, a, m in cells], RATES))
                print(f"  {optimizer:>7} lag {lag:2d} (loss of last {LAST_STEPS} / mean loss / acc): "
                      + "  ".join(f"{rate:g}: {last:.3f}/{mean:.3f}/{acc:.2f}"
                                  for rate, (last, acc, mean) in zip(RATES, cells))
                      + f"  | lowest last-{LAST_STEPS} loss: eta {by_last[1]:g} acc {by_last[0][1]:.2f};"
                      f" lowest mean loss: eta {by_mean[1]:g} acc {by_mean[0][1]:.2f};"
                      f" best acc {max(c[1] for c in cells):.2f}")


if __name__ == "__main__":
    main()
