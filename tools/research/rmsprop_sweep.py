"""Design study for notebook 04's Experiment 3(b): SGD against RMSprop on the long-lag task, each
optimiser's learning rate chosen by the same sweep.

    python -m tools.research.rmsprop_sweep [--seeds 8] [--processes 1] [--truncated]

The network and training are the notebook's (tanh, H = 16, rho(W_h) = 0.9 at the start, batches
of 32 fresh sequences, 500 steps, global-norm clipping at 1.0). The sweep: every rate of RATES
(one grid, half a decade apart, the same for both optimisers), one run each at TUNING_LAG; the
chosen rate is the one with the lowest mean training loss over the last LAST_STEPS steps (every
batch is fresh, so that is a held-out loss). Then both optimisers, at their chosen rates, on every
lag of LAGS (the run at TUNING_LAG is reused). With --truncated, also the notebook's Experiment 4
(RMSprop at its chosen rate, truncated BPTT, K = 8) with its three asserts.
"""

from __future__ import annotations

import argparse
import time
from multiprocessing import Pool

import numpy as np

from tools.research.long_lag_task import SOLVED_ACCURACY, train

RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
TUNING_LAG = 20
LAST_STEPS = 100
LAGS = (5, 10, 20, 30, 40)
ITERATIONS = 500
CHUNK_LENGTH, TRUNCATED_LAGS = 8, (5, 7, 10, 20)
OPTIMIZERS = ("sgd", "rmsprop")


def run(lag, seed, optimizer, rate, chunk_length=None):
    return train(lag, seed=seed, learning_rate=rate, optimizer=optimizer, clipping="global",
                 max_norm=1.0, iterations=ITERATIONS, chunk_length=chunk_length)


def one_seed(args):
    seed, truncated = args
    started = time.perf_counter()
    result = {"sweep": {}, "chosen": {}, "accuracy": {}}
    for optimizer in OPTIMIZERS:
        runs = {rate: run(TUNING_LAG, seed, optimizer, rate) for rate in RATES}
        losses = {rate: float(np.mean(r["loss"][-LAST_STEPS:])) for rate, r in runs.items()}
        chosen = min(losses, key=losses.get)
        result["sweep"][optimizer] = {rate: (losses[rate], runs[rate]["accuracy"]) for rate in RATES}
        result["chosen"][optimizer] = chosen
        result["accuracy"][optimizer] = {
            lag: runs[chosen]["accuracy"] if lag == TUNING_LAG else run(lag, seed, optimizer, chosen)["accuracy"]
            for lag in LAGS}
    if truncated:
        rate = result["chosen"]["rmsprop"]
        result["truncated"] = {lag: run(lag, seed, "rmsprop", rate, CHUNK_LENGTH)["accuracy"]
                               for lag in TRUNCATED_LAGS}
    result["seconds"] = time.perf_counter() - started
    return seed, result


def longest(accuracies):
    return max((lag for lag, a in accuracies.items() if a >= SOLVED_ACCURACY), default=None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--truncated", action="store_true")
    options = parser.parse_args()
    with Pool(options.processes) as pool:
        results = pool.map(one_seed, [(seed, options.truncated) for seed in range(options.first_seed, options.first_seed + options.seeds)])
    for seed, result in results:
        print(f"SEED {seed} ({result['seconds']:.0f}s):")
        for optimizer in OPTIMIZERS:
            sweep = "  ".join(f"{rate:g}: {loss:.3f}/{acc:.2f}"
                              for rate, (loss, acc) in result["sweep"][optimizer].items())
            print(f"  {optimizer:>7} sweep at lag {TUNING_LAG} (loss of last {LAST_STEPS} / acc): {sweep}")
        for optimizer in OPTIMIZERS:
            accs = result["accuracy"][optimizer]
            print(f"  {optimizer:>7} at eta = {result['chosen'][optimizer]:g}: "
                  + "  ".join(f"lag {lag}: {a:.2f}" for lag, a in accs.items())
                  + f"  -> longest learned {longest(accs)}")
        if "truncated" in result:
            print("  truncated K = 8 (rmsprop): "
                  + "  ".join(f"lag {lag}: {a:.2f}" for lag, a in result["truncated"].items()))
    print("\nseed  SGD eta  RMSprop eta  longest SGD  longest RMSprop")
    for seed, result in results:
        print(f"{seed:4d}  {result['chosen']['sgd']:7g}  {result['chosen']['rmsprop']:11g}  "
              f"{longest(result['accuracy']['sgd'])!s:>11}  {longest(result['accuracy']['rmsprop'])!s:>15}")


if __name__ == "__main__":
    main()
