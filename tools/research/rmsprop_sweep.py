"""Design study for notebook 04's Experiment 3(b): SGD against RMSprop on the long-lag task, each
optimiser's learning rate chosen by the same sweep.

    python -m tools.research.rmsprop_sweep [--seeds 8] [--processes 1] [--truncated]

The network and training are the notebook's (tanh, H = 16, rho(W_h) = 0.9 at the start, batches
of 32 fresh sequences, 500 steps, global-norm clipping at 1.0). The sweep: every rate of RATES
(one grid, half a decade apart, the same for both optimisers), one run each at a tuning lag; the
chosen rate is the one with the lowest mean training loss over all steps (the fastest learner;
every batch is fresh, so that loss is measured on unseen sequences). Then both optimisers, at their
chosen rates, on every lag of LAGS. Two rules side by side: tuned at lag 5 and at lag 10. (A first
version tuned at lag 20 on the loss of the last 100 steps: SGD learns nothing there at any rate, so
its choice was noise; see the report.) With --truncated, also the notebook's Experiment 4
(RMSprop at its chosen rate, truncated BPTT, K = 8) with its three asserts.
"""

from __future__ import annotations

import argparse
import time
from multiprocessing import Pool

import numpy as np

from tools.research.long_lag_task import SOLVED_ACCURACY, train

RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
TUNING_LAGS = (5, 10)  # one rule per tuning lag, reported side by side
LAGS = (5, 10, 20, 30, 40)
ITERATIONS = 500
CHUNK_LENGTH, TRUNCATED_LAGS = 8, (5, 7, 10, 20)
OPTIMIZERS = ("sgd", "rmsprop")


def run(lag, seed, optimizer, rate, chunk_length=None):
    return train(
        lag,
        seed=seed,
        learning_rate=rate,
        optimizer=optimizer,
        clipping="global",
        max_norm=1.0,
        iterations=ITERATIONS,
        chunk_length=chunk_length,
    )


def one_seed(args):
    """For each tuning lag and optimiser: the sweep (mean training loss over all steps, test
    accuracy) and the chosen rate (lowest mean loss: the fastest learner; every batch is fresh, so
    the training loss is measured on unseen sequences); then every lag at the chosen rate."""
    seed, truncated = args
    cpu = time.process_time()
    result = {"sweep": {}, "chosen": {}, "accuracy": {}}
    cache = {}

    def accuracy(lag, optimizer, rate):
        if (lag, optimizer, rate) not in cache:
            cache[lag, optimizer, rate] = run(lag, seed, optimizer, rate)
        return cache[lag, optimizer, rate]

    for tuning_lag in TUNING_LAGS:
        for optimizer in OPTIMIZERS:
            runs = {rate: accuracy(tuning_lag, optimizer, rate) for rate in RATES}
            losses = {rate: float(np.mean(r["loss"])) for rate, r in runs.items()}
            chosen = min(losses, key=losses.get)
            key = (tuning_lag, optimizer)
            result["sweep"][key] = {rate: (losses[rate], runs[rate]["accuracy"]) for rate in RATES}
            result["chosen"][key] = chosen
            result["accuracy"][key] = {
                lag: accuracy(lag, optimizer, chosen)["accuracy"] for lag in LAGS
            }
    if truncated:
        rate = result["chosen"][TUNING_LAGS[-1], "rmsprop"]
        result["truncated"] = {
            lag: run(lag, seed, "rmsprop", rate, CHUNK_LENGTH)["accuracy"] for lag in TRUNCATED_LAGS
        }
    result["cpu"] = time.process_time() - cpu
    result["runs"] = len(cache) + (len(TRUNCATED_LAGS) if truncated else 0)
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
        results = pool.map(
            one_seed,
            [
                (seed, options.truncated)
                for seed in range(options.first_seed, options.first_seed + options.seeds)
            ],
        )
    for seed, result in results:
        print(f"SEED {seed} ({result['runs']} runs, {result['cpu']:.1f}s CPU):")
        for (tuning_lag, optimizer), sweep in result["sweep"].items():
            print(
                f"  {optimizer:>7} sweep at lag {tuning_lag} (mean loss / acc): "
                + "  ".join(
                    f"{rate:g}: {loss:.3f}/{acc:.2f}" for rate, (loss, acc) in sweep.items()
                )
            )
        for (tuning_lag, optimizer), accs in result["accuracy"].items():
            print(
                f"  tuned at lag {tuning_lag}: {optimizer:>7} at eta = {result['chosen'][tuning_lag, optimizer]:g}: "
                + "  ".join(f"{lag}: {a:.2f}" for lag, a in accs.items())
                + f"  -> longest learned {longest(accs)}"
            )
        if "truncated" in result:
            print(
                f"  truncated K = {CHUNK_LENGTH} (rmsprop at its lag-{TUNING_LAGS[-1]} rate): "
                + "  ".join(f"lag {lag}: {a:.2f}" for lag, a in result["truncated"].items())
            )
    for tuning_lag in TUNING_LAGS:
        print(
            f"\nrule: tuned at lag {tuning_lag}\nseed  SGD eta  RMSprop eta  longest SGD  longest RMSprop"
        )
        for seed, result in results:
            chosen = {o: result["chosen"][tuning_lag, o] for o in OPTIMIZERS}
            best = {o: longest(result["accuracy"][tuning_lag, o]) for o in OPTIMIZERS}
            print(
                f"{seed:4d}  {chosen['sgd']:7g}  {chosen['rmsprop']:11g}  {best['sgd']!s:>11}  "
                f"{best['rmsprop']!s:>15}"
            )


if __name__ == "__main__":
    main()
