"""Forward + backward time of the reference recurrent layers, against the matmul peak and torch.nn.

    .venv/bin/python -m benchmarks.recurrent_layers

T=100 steps, N=64 sequences, D=128 inputs, H=256 hidden units, float64 and float32. Each time is
the median of REPEATS runs after one warm-up run (T=10); a run is one forward pass over the sequence and
one full backward pass (gradients for x, h0 and every weight).

FLOPs counted: matrix products only, 2 per multiply-add. A cell with G gate blocks (RNN 1, GRU 3,
LSTM 4) does forward 2 N T G H (D + H) (input and recurrent projections) and backward twice
that (dx and dWx, dh and dWh): 6 N T G H (D + H) in all. Elementwise work is not counted, so
GFLOP/s understates the work done. Peak = a 2048 x 2048 square product in the same dtype.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from rnn_numpy.gru import gru_backward, gru_forward
from rnn_numpy.lstm import lstm_backward, lstm_forward

try:
    from rnn_numpy.rnn import rnn_backward, rnn_forward
except ImportError:  # notebook 02/03 reference not there yet
    rnn_forward = rnn_backward = None
try:
    import torch
except ImportError:
    torch = None

T, N, D, H = 100, 64, 128, 256
REPEATS = 3


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info

        return ", ".join(f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info())
    except ImportError:
        env = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        return f"{env or os.cpu_count()} (OpenBLAS default: one per core; threadpoolctl absent)"


def median_time(run, warm_up=None) -> float:
    (warm_up or run)()  # warm-up (a short sequence if given)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_peak(dtype) -> float:
    a = np.random.default_rng(0).standard_normal((2048, 2048)).astype(dtype)
    return 2 * 2048**3 / median_time(lambda: a @ a) / 1e9


def numpy_runner(cell: str, dtype, T=T):
    rng = np.random.default_rng(0)
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = np.zeros((N, H), dtype)
    Wx = (rng.standard_normal((D, G * H)) / np.sqrt(D)).astype(dtype)
    Wh = (rng.standard_normal((H, G * H)) / np.sqrt(H)).astype(dtype)
    b = np.zeros(G * H, dtype)
    dh = rng.standard_normal((N, T, H)).astype(dtype)
    if cell == "lstm":
        return lambda: lstm_backward(dh, lstm_forward(x, h0, Wx, Wh, b)[1])
    if cell == "gru":
        return lambda: gru_backward(dh, gru_forward(x, h0, Wx, Wh, b, b)[1])
    return lambda: rnn_backward(dh, rnn_forward(x, h0, Wx, Wh, b)[1])


def torch_runner(cell: str, dtype, T=T):
    module = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](
        D, H, batch_first=True
    ).to({np.float64: torch.float64, np.float32: torch.float32}[dtype])
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((N, T, D)).astype(dtype), requires_grad=True)
    dh = torch.tensor(rng.standard_normal((N, T, H)).astype(dtype))

    def run():
        module.zero_grad()
        x.grad = None
        out, _ = module(x)
        out.backward(dh)

    return run


def main() -> None:
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if torch is not None:
        torch.set_num_threads(threads)
    print(
        f"T={T} N={N} D={D} H={H}; NumPy {np.__version__}, BLAS threads: {blas_threads()}; "
        + (
            f"torch {torch.__version__} with {torch.get_num_threads()} threads"
            if torch
            else "torch not importable"
        )
    )
    cells = ["lstm", "gru"] + (["rnn"] if rnn_forward is not None else [])
    print(
        f"{'cell':5} {'dtype':8} {'numpy s':>8} {'GFLOP/s':>8} {'peak':>6} {'% peak':>7} "
        f"{'torch s':>8} {'numpy/torch':>11}"
    )
    for dtype in (np.float64, np.float32):
        peak = matmul_peak(dtype)
        for cell in cells:
            G = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
            flops = 6 * N * T * G * H * (D + H)
            seconds = median_time(numpy_runner(cell, dtype), numpy_runner(cell, dtype, 10))
            rate = flops / seconds / 1e9
            line = (
                f"{cell:5} {np.dtype(dtype).name:8} {seconds:8.3f} {rate:8.1f} {peak:6.1f} "
                f"{100 * rate / peak:6.0f}%"
            )
            if torch is not None:
                torch_seconds = median_time(
                    torch_runner(cell, dtype), torch_runner(cell, dtype, 10)
                )
                line += f" {torch_seconds:8.3f} {seconds / torch_seconds:11.2f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
