"""RNN against GRU against LSTM on the adding problem at an equal parameter budget: the fuller run
of notebook 06's sections 6-8 (more seeds, longer sequences, more updates).

    .venv/bin/python -m tools.compare_cells_long_lag [--lengths 30 60 100] [--seeds 3]
                                                     [--updates 3000] [--budget 600]

The task, budget rule, initialisation, optimiser, clipping and criterion are the notebook's
(its settings cell); the layers are the reference implementation (rnn_numpy), which is
faster than a learner's. For each sequence length T, cell type and depth (1 and 2) it trains one
model per seed until it is solved (test MSE below SOLVED_FRACTION * 1/6 at two measurements in a
row) or the updates run out, and prints a table: hidden size, parameters, seeds solved, median
updates to solve, mean seconds per run, and, for depth 1, the median over seeds of
||dy/dx_k|| at lag T - 1 over the same at lag 0 for the trained model. Deterministic for given
arguments; the seconds depend on the machine.
"""
from __future__ import annotations

import argparse
import os
import time

# The matrices here are small: one BLAS thread is much faster than several fighting for 2 cores.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from rnn_numpy.adding_problem import adding_problem_batch, mean_baseline_mse  # noqa: E402
from rnn_numpy.optim import adagrad_step  # noqa: E402
from rnn_numpy.stacked import CELLS, stacked_backward, stacked_forward  # noqa: E402

# The notebook's settings (notebooks/06_gru_and_deep_rnns, "Settings").
BATCH, LEARNING_RATE, CLIP, GATE_BIAS = 32, 0.2, 1.0, 1.0
EVAL_EVERY, TEST_SEQUENCES, SOLVED_FRACTION = 50, 500, 0.1
GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}
BIASES = {"rnn": 1, "gru": 6, "lstm": 4}
D = 2                                                  # [number, marker]


def parameter_count(cell: str, depth: int, H: int) -> int:
    fan_ins = [D] + [H] * (depth - 1)
    return sum(GATE_BLOCKS[cell] * (f * H + H * H) + BIASES[cell] * H for f in fan_ins) + H + 1


def hidden_size_for(cell: str, depth: int, budget: int) -> int:
    return min(range(1, 400), key=lambda H: abs(parameter_count(cell, depth, H) - budget))


def init_model(cell: str, depth: int, H: int, rng: np.random.Generator):
    layers, fan_in, scale = [], D, 1 / np.sqrt(H)
    for _ in range(depth):
        blocks = GATE_BLOCKS[cell] * H
        params = {"Wx": rng.uniform(-scale, scale, (fan_in, blocks)),
                  "Wh": rng.uniform(-scale, scale, (H, blocks))}
        for name in CELLS[cell].params[2:]:
            params[name] = np.zeros(blocks)
        if cell == "lstm":
            params["b"][H:2 * H] = GATE_BIAS
        if cell == "gru":
            params["bx"][H:2 * H] = GATE_BIAS
        layers.append(params)
        fan_in = H
    return layers, {"Wy": rng.uniform(-scale, scale, (H, 1)), "by": np.zeros(1)}


def answer(cell, layers, readout, x):
    states = [np.zeros((x.shape[0], params["Wh"].shape[0])) for params in layers]
    h, cache = stacked_forward(x, states, layers, cell)
    return h[:, -1] @ readout["Wy"] + readout["by"], (h, cache)


def backward(dy, readout, caches):
    h, cache = caches
    dh = np.zeros_like(h)
    dh[:, -1] = dy @ readout["Wy"].T
    dx, _, d_layers = stacked_backward(dh, cache)
    return dx, d_layers, {"Wy": h[:, -1].T @ dy, "by": dy.sum(axis=0)}


def train(cell, depth, H, T, updates, seed, test):
    rng = np.random.default_rng(seed)
    layers, readout = init_model(cell, depth, H, rng)
    params = [*layers, readout]
    sums = [{name: np.zeros_like(w) for name, w in p.items()} for p in params]
    threshold = SOLVED_FRACTION * mean_baseline_mse()
    curve = []
    for update in range(1, updates + 1):
        x, target = adding_problem_batch(BATCH, T, rng)
        y, caches = answer(cell, layers, readout, x)
        _, d_layers, d_readout = backward((2 * (y[:, 0] - target) / BATCH)[:, None], readout,
                                          caches)
        for p, grads, s in zip(params, [*d_layers, d_readout], sums):
            for name in p:
                p[name], s[name] = adagrad_step(p[name], np.clip(grads[name], -CLIP, CLIP),
                                                s[name], LEARNING_RATE)
        if update % EVAL_EVERY == 0:
            curve.append(float(np.mean((answer(cell, layers, readout, test[0])[0][:, 0]
                                        - test[1]) ** 2)))
            if len(curve) >= 2 and max(curve[-2:]) < threshold:
                return True, update, layers, readout
    return False, updates, layers, readout


def lag_ratio(cell, layers, readout, test) -> float:
    """||dy/dx_k|| at lag T - 1 over the same at lag 0, means over the test sequences."""
    y, caches = answer(cell, layers, readout, test[0])
    dx, _, _ = backward(np.ones_like(y), readout, caches)
    norms = np.linalg.norm(dx, axis=2).mean(axis=0)        # index k-1: step k
    return float(norms[0] / norms[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[30, 60, 100])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--budget", type=int, default=600)
    args = parser.parse_args()

    runs = [(T, cell, depth, seed) for T in args.lengths for depth in (1, 2)
            for cell in ("rnn", "gru", "lstm") for seed in range(args.seeds)]
    rows: dict[tuple, list] = {}
    started = time.perf_counter()
    for T, cell, depth, seed in tqdm(runs, desc="models", unit="model"):
        test = adding_problem_batch(TEST_SEQUENCES, T, np.random.default_rng(10_000 + T))
        H = hidden_size_for(cell, depth, args.budget)
        run_started = time.perf_counter()
        solved, updates, layers, readout = train(cell, depth, H, T, args.updates, seed, test)
        seconds = time.perf_counter() - run_started
        ratio = lag_ratio(cell, layers, readout, test) if depth == 1 else float("nan")
        rows.setdefault((T, cell, depth, H), []).append((solved, updates, seconds, ratio))

    print(f"\nadding problem, budget {args.budget} parameters, {args.seeds} seeds, at most "
          f"{args.updates} updates; solved = test MSE < {SOLVED_FRACTION} * 1/6 twice in a row")
    print("T | cell | depth | H | parameters | solved | median updates to solve | "
          "seconds per run | ||dy/dx|| lag T-1 / lag 0 (depth 1, median)")
    print("---|---|---|---|---|---|---|---|---")
    for (T, cell, depth, H), results in rows.items():
        solved_updates = [u for s, u, _, _ in results if s]
        median = f"{np.median(solved_updates):.0f}" if solved_updates else "-"
        ratio = np.median([r for *_, r in results])
        print(f"{T} | {cell.upper()} | {depth} | {H} | {parameter_count(cell, depth, H)} | "
              f"{len(solved_updates)}/{len(results)} | {median} | "
              f"{np.mean([sec for _, _, sec, _ in results]):.1f} | "
              f"{'-' if np.isnan(ratio) else f'{ratio:.1e}'}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
