"""RNN against GRU against LSTM on the adding problem at an equal parameter budget: the fuller run
of notebook 06's sections 6-8 (more seeds, longer sequences, more updates).

    .venv/bin/python -m tools.compare_cells_long_lag [--lengths 30 60 100] [--seeds 3]
                                                     [--updates 3000] [--budget 600]

The experiment is the notebook's, written once in `coursekit.long_lag` (task, budget rule,
initialisation, optimiser, clipping, criterion, with the notebook's settings as its defaults);
here it runs with the course's library (rnn_numpy) as its layers, which are faster than a
learner's. For each sequence length T, cell type and depth (1 and 2) it trains one
model per seed until it is solved (test MSE below SOLVED_FRACTION * 1/6 at two measurements in a
row) or the updates run out, and prints a table: hidden size, parameters, seeds solved, median
updates to solve, mean seconds per run, and, for depth 1, the median over seeds of
||dy/dx_k|| at lag T - 1 over the same at lag 0 for the trained model. Deterministic for given
arguments; the seconds depend on the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

# The matrices here are small: one BLAS thread is much faster than several fighting for 2 cores.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from coursekit.adding_problem import INPUT_SIZE, adding_problem_batch  # noqa: E402
from coursekit.long_lag import LayerFunctions, LongLagRace, LongLagSettings  # noqa: E402
from coursekit.model_size import parameter_count  # noqa: E402
from rnn_numpy.optim import adagrad_step  # noqa: E402
from rnn_numpy.rnn import rnn_output, rnn_output_backward  # noqa: E402
from rnn_numpy.stacked import stacked_backward, stacked_forward  # noqa: E402

LIBRARY = LayerFunctions(
    stacked_forward, stacked_backward, rnn_output, rnn_output_backward, adagrad_step
)
TEST_SEQUENCES = 500  # the notebook's test set size (its seed differs: 10_000 + T here)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[30, 60, 100])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--budget", type=int, default=600)
    args = parser.parse_args()

    runs = [
        (T, cell, depth, seed)
        for T in args.lengths
        for depth in (1, 2)
        for cell in ("rnn", "gru", "lstm")
        for seed in range(args.seeds)
    ]
    rows: dict[tuple, list] = {}
    started = time.perf_counter()
    for T, cell, depth, seed in tqdm(runs, desc="models", unit="model"):
        settings = dataclasses.replace(
            LongLagSettings(), sequence_length=T, updates=args.updates, budget=args.budget
        )
        test = adding_problem_batch(TEST_SEQUENCES, T, np.random.default_rng(10_000 + T))
        race = LongLagRace(LIBRARY, settings, test)
        H = race.hidden_size_for(cell, depth)
        run_started = time.perf_counter()
        model = race.train(cell, depth, H, np.random.default_rng(seed))
        seconds = time.perf_counter() - run_started
        solved, updates = race.solved(model["curve"]), len(model["curve"]) * settings.eval_every
        ratio = float("nan")
        if depth == 1:
            by_lag = race.sensitivity_by_lag(cell, *model["trained"])
            ratio = float(by_lag[-1] / by_lag[0])
        rows.setdefault((T, cell, depth, H), []).append((solved, updates, seconds, ratio))

    print(
        f"\nadding problem, budget {args.budget} parameters, {args.seeds} seeds, at most "
        f"{args.updates} updates; solved = test MSE < {LongLagSettings.solved_fraction} * 1/6 "
        f"twice in a row"
    )
    print(
        "T | cell | depth | H | parameters | solved | median updates to solve | "
        "seconds per run | ||dy/dx|| lag T-1 / lag 0 (depth 1, median)"
    )
    print("---|---|---|---|---|---|---|---|---")
    for (T, cell, depth, H), results in rows.items():
        solved_updates = [u for s, u, _, _ in results if s]
        median = f"{np.median(solved_updates):.0f}" if solved_updates else "-"
        ratio = np.median([r for *_, r in results])
        parameters = parameter_count(cell, INPUT_SIZE, H, 1, layers=depth)
        print(
            f"{T} | {cell.upper()} | {depth} | {H} | {parameters} | "
            f"{len(solved_updates)}/{len(results)} | {median} | "
            f"{np.mean([sec for _, _, sec, _ in results]):.1f} | "
            f"{'-' if np.isnan(ratio) else f'{ratio:.1e}'}"
        )
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
