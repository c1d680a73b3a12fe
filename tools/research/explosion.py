"""Design study for notebook 04's Experiment 2: a gradient explosion at every seed, and clipping.

    python -m tools.research.explosion [--seeds 8] [--processes 1]

Stage 1: a ReLU RNN (H = HIDDEN) starting from W_h = IRNN_SCALE * I learns the marked-bit task at
lag SHORT_LAG with SGD (eta = LEARNING_RATE) and global-norm clipping at MAX_NORM (unclipped, the
first steps from this start kill the ReLU units at most seeds and nothing is learned). Training raises rho(W_h) above 1.
Stage 2: the trained weights continue on lag LONG_LAG (longer sequences) with SGD from the same
start on the same batches: no clipping, element-wise clipping (c = CLIP_VALUE), global-norm
clipping (MAX_NORM), and no clipping with smaller steps (SMALL_RATES).
Prints one row per seed and run: test accuracy, largest gradient norm (and its ratio to the
largest norm of stage 1), highest loss, the step at which the run stopped on inf/nan, the
clipping angle, and the Jacobian norms by lag of the stage-1 network on the long sequences.
"""

from __future__ import annotations

import argparse
import time
from multiprocessing import Pool

import numpy as np

from tools.research.long_lag_task import forward, gradient_norms_by_lag, marked_bit_batch, train

HIDDEN = 16
IRNN_SCALE = 0.9
INPUT_SCALE = 0.3
SHORT_LAG, LONG_LAG = 10, 20
LEARNING_RATE = 0.1
SHORT_ITERATIONS, LONG_ITERATIONS = 500, 300
CLIP_VALUE, MAX_NORM = 0.1, 1.0
SMALL_RATES = (0.01, 0.001, 0.0001)
LONG_SEED_OFFSET = 100  # stage 2 draws its batches from seed + 100


def jacobian_growth(params, seed):
    """Median over 64 lag-LONG_LAG sequences of ||dh_T/dh_k|| at the longest lag, and its rate."""
    x, _ = marked_bit_batch(np.random.default_rng(seed + 2), 64, LONG_LAG)
    h = forward(params, x, np.zeros((64, HIDDEN)), "relu")
    curve = np.median(np.log10(np.maximum(gradient_norms_by_lag(h, params["Wh"], "relu"), 1e-300)), axis=0)[::-1]
    lags = np.arange(len(curve))
    return curve[-1], 10 ** np.polyfit(lags[5:], curve[5:], 1)[0]


def one_seed(seed):
    started = time.perf_counter()
    relu = dict(activation="relu", hidden=HIDDEN)
    short = train(SHORT_LAG, seed=seed, learning_rate=LEARNING_RATE, clipping="global",
                  max_norm=MAX_NORM, init="identity", rho=IRNN_SCALE,
                  input_scale=INPUT_SCALE, iterations=SHORT_ITERATIONS, **relu)
    stage1_seconds = time.perf_counter() - started
    trained = short["params"]
    log_last, jacobian_rate = jacobian_growth(trained, seed)
    rows = {"stage 1": dict(short, seconds=stage1_seconds)}
    runs = [("none", None, LEARNING_RATE), ("element-wise", "elementwise", LEARNING_RATE),
            ("global", "global", LEARNING_RATE)]
    runs += [(f"none eta={rate}", None, rate) for rate in SMALL_RATES]
    for name, clipping, rate in runs:
        t0 = time.perf_counter()
        run = train(LONG_LAG, seed=seed + LONG_SEED_OFFSET, learning_rate=rate, clipping=clipping,
                    clip_value=CLIP_VALUE, max_norm=MAX_NORM, start=trained,
                    iterations=LONG_ITERATIONS, **relu)
        rows[name] = dict(run, seconds=time.perf_counter() - t0)
    return seed, rows, dict(log_last=log_last, rate=jacobian_rate, rho=short["rho"][-1], rho0=short["rho"][0],
                       small_stage1={rate: train(SHORT_LAG, seed=seed, learning_rate=rate, clipping="global",
                                                 max_norm=MAX_NORM, init="identity", rho=IRNN_SCALE,
                                                 input_scale=INPUT_SCALE, iterations=SHORT_ITERATIONS,
                                                 **relu)["accuracy"] for rate in SMALL_RATES})


def summary(name, run, ref):
    norms, loss = run["grad_norm"], run["loss"]
    changed = run["angle"][np.isfinite(run["angle"])] > 0.01
    angle = np.median(run["angle"][np.isfinite(run["angle"])][changed]) if changed.any() else 0.0
    stopped = "-" if run["diverged_at"] is None else str(run["diverged_at"])
    return (f"  {name:>16}: acc {run['accuracy']:.2f}  max norm {np.nanmax(norms):9.2e} "
            f"(x{np.nanmax(norms) / ref:8.1e})  first {norms[0]:8.2e}  max loss {np.nanmax(loss):8.1e}  "
            f"inf/nan at {stopped:>4}  changed dir {changed.sum():3d} (median {angle:4.1f} deg)  "
            f"clipped {int((norms > MAX_NORM).sum())}/{len(norms)} (norm > MAX_NORM)  {run['seconds']:.1f}s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--processes", type=int, default=1)
    options = parser.parse_args()
    with Pool(options.processes) as pool:
        results = pool.map(one_seed, range(options.seeds))
    for seed, rows, jac in results:
        ref = np.nanmax(rows["stage 1"]["grad_norm"])
        print(f"SEED {seed}: stage 1 (lag {SHORT_LAG}) acc {rows['stage 1']['accuracy']:.2f}, rho(W_h) "
              f"{jac['rho0']:.2f} -> {jac['rho']:.2f}, max norm {ref:.2f}, {rows['stage 1']['seconds']:.1f}s; "
              f"trained net on lag {LONG_LAG}: ||dh_T/dh_k|| at lag {SHORT_LAG + LONG_LAG - 1} = "
              f"10^{jac['log_last']:.1f}, rate {jac['rate']:.2f} per step; stage 1 with smaller eta (global "
              f"clipping): acc " + ", ".join(f"{a:.2f} at {r}" for r, a in jac["small_stage1"].items()))
        for name, run in rows.items():
            if name != "stage 1":
                print(summary(name, run, ref))


if __name__ == "__main__":
    main()
