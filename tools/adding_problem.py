"""The adding problem at full size: an LSTM against a tanh RNN with as many parameters, at lags
longer than notebook 05 has time for.

    .venv/bin/python -m tools.adding_problem                 # lags 100, 200, 400 (some minutes)
    .venv/bin/python -m tools.adding_problem --lags 100 --updates 1000      # notebook 05's run

The same set-up as notebook 05's experiment (the reference implementation instead of the
learner's, so faster): sequences of T steps (the first marked number is held up to T - 1 steps),
the target read from h_T by a linear layer, mean squared error, Adam, N(0, 1/fan-in) weights,
the LSTM's forget-gate bias at 1, the RNN with the largest hidden size whose parameter count does
not exceed the LSTM's. The RNN gets several learning rates (the LSTM one), so that "the RNN does
not solve it" is not one unlucky step size. "Solved": test MSE below 0.1 times the MSE of
predicting the mean (rnn_numpy.adding_problem). Prints one row per run: the first update
at which the test MSE was below the threshold, the training time until then (updates only, not
the test evaluations), the final and the best test MSE.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

# One BLAS thread: these matrices are small, and a second thread only waits for the first (on a
# shared machine a multi-threaded BLAS made an update 30 times slower). Set before NumPy loads.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from coursekit.adding_problem import INPUT_SIZE, adding_problem_batch  # noqa: E402
from coursekit.model_size import (  # noqa: E402
    GATE_BLOCKS,
    largest_hidden_size,
    parameter_count,
)
from rnn_numpy.adding_problem import SOLVED_FRACTION  # noqa: E402
from rnn_numpy.lstm import forget_gate_bias_init, lstm_backward, lstm_forward  # noqa: E402
from rnn_numpy.optim import adam_step  # noqa: E402
from rnn_numpy.rnn import rnn_backward, rnn_forward  # noqa: E402

RECURRENT = {"LSTM": (lstm_forward, lstm_backward), "tanh RNN": (rnn_forward, rnn_backward)}
CELL = {"LSTM": "lstm", "tanh RNN": "rnn"}  # their names in coursekit.model_size


def model_size(model: str, H: int) -> int:
    """Parameters of `model` with H units: its layer and the readout Wy (H, 1), by (1,)."""
    return parameter_count(CELL[model], INPUT_SIZE, H, 1)


def init_params(model: str, H: int, rng, forget_bias: float) -> dict:
    G = GATE_BLOCKS[CELL[model]]
    return {
        "Wx": rng.normal(0, 1 / np.sqrt(INPUT_SIZE), (INPUT_SIZE, G * H)),
        "Wh": rng.normal(0, 1 / np.sqrt(H), (H, G * H)),
        "b": forget_gate_bias_init(H, forget_bias) if model == "LSTM" else np.zeros(H),
        "Wy": rng.normal(0, 1 / np.sqrt(H), (H, 1)),
        "by": np.zeros(1),
    }


def forward(model, params, x):
    """The prediction y_T = h_T Wy + by (N,), every hidden state and the forward cache."""
    h0 = np.zeros((x.shape[0], params["Wh"].shape[0]))
    h, cache = RECURRENT[model][0](x, h0, params["Wx"], params["Wh"], params["b"])
    return (h[:, -1] @ params["Wy"] + params["by"])[:, 0], h, cache


def loss_and_grads(model, params, x, target):
    prediction, h, cache = forward(model, params, x)
    dprediction = 2 * (prediction - target) / len(target)
    dh = np.zeros_like(h)
    dh[:, -1] = dprediction[:, None] * params["Wy"][:, 0]
    _, _, dWx, dWh, db = RECURRENT[model][1](dh, cache)
    return {
        "Wx": dWx,
        "Wh": dWh,
        "b": db,
        "Wy": h[:, -1].T @ dprediction[:, None],
        "by": dprediction.sum(keepdims=True),
    }


@dataclass
class Run:
    model: str
    T: int
    H: int
    learning_rate: float
    seed: int
    solved_at: int | None = None  # first update with test MSE below the threshold
    seconds_to_solve: float | None = None
    final_mse: float = float("nan")
    best_mse: float = float("inf")
    seconds: float = 0.0  # all updates (not the test evaluations)


def train(run: Run, args, baseline: float, test, bar) -> Run:
    x_test, target_test = test
    params = init_params(run.model, run.H, np.random.default_rng([run.seed, 1]), args.forget_bias)
    moments = {name: (np.zeros_like(value), np.zeros_like(value)) for name, value in params.items()}
    batches = np.random.default_rng([run.seed, 2])
    for step in range(1, args.updates + 1):
        x, target = adding_problem_batch(args.batch, run.T, batches)
        started = time.perf_counter()
        grads = loss_and_grads(run.model, params, x, target)
        for name, grad in grads.items():
            m, v = moments[name]
            params[name], m, v = adam_step(params[name], grad, m, v, step, run.learning_rate)
            moments[name] = (m, v)
        run.seconds += time.perf_counter() - started
        if step % args.eval_every == 0:
            mse = float(np.mean((forward(run.model, params, x_test)[0] - target_test) ** 2))
            run.final_mse, run.best_mse = mse, min(run.best_mse, mse)
            if run.solved_at is None and mse < SOLVED_FRACTION * baseline:
                run.solved_at, run.seconds_to_solve = step, run.seconds
            bar.set_postfix_str(f"{run.model} T={run.T} lr={run.learning_rate:g}: MSE {mse:.4f}")
        bar.update(1)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lags",
        type=int,
        nargs="+",
        default=[100, 200, 400],
        help="sequence lengths T (the longest lag is T - 1)",
    )
    parser.add_argument("--updates", type=int, default=4000, help="Adam updates per run")
    parser.add_argument("--hidden", type=int, default=16, help="H of the LSTM")
    parser.add_argument("--batch", type=int, default=32, help="sequences per update")
    parser.add_argument("--learning-rate", type=float, default=0.02, help="the LSTM's Adam step")
    parser.add_argument("--rnn-learning-rates", type=float, nargs="+", default=[0.003, 0.01, 0.02])
    parser.add_argument("--forget-bias", type=float, default=1.0)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()

    rnn_hidden = largest_hidden_size("rnn", INPUT_SIZE, 1, model_size("LSTM", args.hidden))
    plan = [
        Run("LSTM", T, args.hidden, args.learning_rate, seed)
        for T in args.lags
        for seed in args.seeds
    ]
    plan += [
        Run("tanh RNN", T, rnn_hidden, rate, seed)
        for T in args.lags
        for rate in args.rnn_learning_rates
        for seed in args.seeds
    ]
    print(
        f"LSTM H = {args.hidden} ({model_size('LSTM', args.hidden)} parameters), tanh RNN "
        f"H = {rnn_hidden} ({model_size('tanh RNN', rnn_hidden)}); {args.updates} Adam "
        f"updates of {args.batch} sequences per run; solved = test MSE < {SOLVED_FRACTION} x "
        f"the predict-the-mean MSE on {args.test_size} test sequences"
    )
    started = time.perf_counter()
    with tqdm(total=len(plan) * args.updates, unit="update", file=sys.stderr) as bar:
        for run in plan:
            x_test, target_test = adding_problem_batch(
                args.test_size, run.T, np.random.default_rng([run.seed, 3])
            )
            baseline = float(np.mean((target_test - 1.0) ** 2))
            train(run, args, baseline, (x_test, target_test), bar)
    print(
        "\nmodel | T | H | Adam step | seed | solved at update | training time to solve | "
        "final test MSE | best test MSE | training time (all updates)"
    )
    print("---|---|---|---|---|---|---|---|---|---")
    for run in plan:
        solved = f"{run.solved_at}" if run.solved_at else "not solved"
        to_solve = f"{run.seconds_to_solve:.1f} s" if run.seconds_to_solve is not None else "-"
        print(
            f"{run.model} | {run.T} | {run.H} | {run.learning_rate:g} | {run.seed} | {solved} | "
            f"{to_solve} | {run.final_mse:.4f} | {run.best_mse:.4f} | {run.seconds:.1f} s"
        )
    print(f"\nall runs: {time.perf_counter() - started:.0f} s (with test evaluations)")


if __name__ == "__main__":
    main()
