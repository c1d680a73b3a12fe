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
    curve = np.median(
        np.log10(np.maximum(gradient_norms_by_lag(h, params["Wh"], "relu"), 1e-300)), axis=0
    )[::-1]
    lags = np.arange(len(curve))
    return curve[-1], 10 ** np.polyfit(lags[5:], curve[5:], 1)[0]


def timed(function, **arguments):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(**arguments)
    return dict(result, seconds=time.perf_counter() - wall, cpu=time.process_time() - cpu)


def one_seed(seed):
    relu = dict(activation="relu", hidden=HIDDEN, max_norm=MAX_NORM)
    stage1 = dict(
        lag=SHORT_LAG,
        seed=seed,
        clipping="global",
        init="identity",
        rho=IRNN_SCALE,
        input_scale=INPUT_SCALE,
        iterations=SHORT_ITERATIONS,
        **relu,
    )
    rows = {"stage 1": timed(train, learning_rate=LEARNING_RATE, **stage1)}
    trained = rows["stage 1"]["params"]
    runs = [
        ("none", None, LEARNING_RATE),
        ("element-wise", "elementwise", LEARNING_RATE),
        ("global", "global", LEARNING_RATE),
    ]
    runs += [(f"none eta={rate}", None, rate) for rate in SMALL_RATES]
    for name, clipping, rate in runs:
        rows[name] = timed(
            train,
            lag=LONG_LAG,
            seed=seed + LONG_SEED_OFFSET,
            learning_rate=rate,
            clipping=clipping,
            clip_value=CLIP_VALUE,
            start=trained,
            iterations=LONG_ITERATIONS,
            **relu,
        )
    small_stage1 = {rate: timed(train, learning_rate=rate, **stage1) for rate in SMALL_RATES}
    log_last, jacobian_rate = jacobian_growth(trained, seed)
    # The notebook would run: stage 1, stage 2 without the middle small rate, stage 1 at the smallest.
    in_notebook = [row for name, row in rows.items() if name != f"none eta={SMALL_RATES[1]}"]
    in_notebook.append(small_stage1[SMALL_RATES[-1]])
    everything = list(rows.values()) + list(small_stage1.values())
    return (
        seed,
        rows,
        dict(
            log_last=log_last,
            rate=jacobian_rate,
            rho=rows["stage 1"]["rho"][-1],
            rho0=rows["stage 1"]["rho"][0],
            small_stage1={rate: run["accuracy"] for rate, run in small_stage1.items()},
            wall=sum(r["seconds"] for r in everything),
            cpu=sum(r["cpu"] for r in everything),
            notebook_cpu=sum(r["cpu"] for r in in_notebook),
            notebook_wall=sum(r["seconds"] for r in in_notebook),
        ),
    )


def summary(name, run, ref):
    norms, loss = run["grad_norm"], run["loss"]
    changed = run["angle"][np.isfinite(run["angle"])] > 0.01
    angle = np.median(run["angle"][np.isfinite(run["angle"])][changed]) if changed.any() else 0.0
    stopped = "-" if run["diverged_at"] is None else str(run["diverged_at"])
    return (
        f"  {name:>16}: acc {run['accuracy']:.2f}  max norm {np.nanmax(norms):9.2e} "
        f"(x{np.nanmax(norms) / ref:8.1e})  first {norms[0]:8.2e}  max loss {np.nanmax(loss):8.1e}  "
        f"inf/nan at {stopped:>4}  changed dir {changed.sum():3d} (median {angle:4.1f} deg)  "
        f"clipped {int((norms > MAX_NORM).sum())}/{len(norms)} (norm > MAX_NORM)  {run['seconds']:.1f}s"
    )


def margins(results):
    """Each proposed notebook assert, its threshold and the worst value over the seeds run."""

    def worst(values, lowest=True):
        values = list(values)
        return min(values) if lowest else max(values)

    def every(name):
        return [rows[name] for _, rows, _ in results]

    stage1_max = [np.nanmax(rows["stage 1"]["grad_norm"]) for _, rows, _ in results]
    none, element, glob = every("none"), every("element-wise"), every("global")
    smallest = every(f"none eta={SMALL_RATES[-1]}")
    lines = [
        ("stage 1 accuracy >= 0.9", worst(r["stage 1"]["accuracy"] for _, r, _ in results)),
        ("rho(W_h) after stage 1 > 1.2", worst(j["rho"] for _, _, j in results)),
        (
            "trained ||dh_T/dh_k|| at longest lag > 10",
            worst(10 ** j["log_last"] for _, _, j in results),
        ),
        ("trained rate per step > 1.05", worst(j["rate"] for _, _, j in results)),
        (
            "no clipping: max norm / stage-1 max norm >= 1e6",
            worst(np.nanmax(r["grad_norm"]) / m for r, m in zip(none, stage1_max)),
        ),
        (
            "no clipping: max loss >= 1e3 (inf/nan counts as inf)",
            worst(np.inf if r["diverged_at"] is not None else np.nanmax(r["loss"]) for r in none),
        ),
        ("no clipping: accuracy < 0.9", worst((r["accuracy"] for r in none), lowest=False)),
        ("global: accuracy >= 0.9", worst(r["accuracy"] for r in glob)),
        (
            "global: largest angle < 1e-3 deg",
            worst((np.nanmax(r["angle"]) for r in glob), lowest=False),
        ),
        (
            "global: steps clipped / steps < 0.5",
            worst((np.mean(r["grad_norm"] > MAX_NORM) for r in glob), lowest=False),
        ),
        ("element-wise: largest angle > 10 deg", worst(np.nanmax(r["angle"]) for r in element)),
        ("element-wise: accuracy (no assert)", worst(r["accuracy"] for r in element)),
        (
            f"eta={SMALL_RATES[-1]} no clipping: finite at every step",
            all(r["diverged_at"] is None for r in smallest),
        ),
        (
            f"eta={SMALL_RATES[-1]} no clipping: max loss < 1e3",
            worst((np.nanmax(r["loss"]) for r in smallest), lowest=False),
        ),
        (
            f"eta={SMALL_RATES[-1]} no clipping: accuracy (no assert)",
            worst(r["accuracy"] for r in smallest),
        ),
        (
            f"stage 1 at eta={SMALL_RATES[-1]}: accuracy < 0.9",
            worst((j["small_stage1"][SMALL_RATES[-1]] for _, _, j in results), lowest=False),
        ),
    ]
    print("\nproposed assert: worst value over the seeds")
    for claim, value in lines:
        print(
            f"  {claim:<58} {value:.3g}"
            if not isinstance(value, bool)
            else f"  {claim:<58} {value}"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=1)
    options = parser.parse_args()
    with Pool(options.processes) as pool:
        results = pool.map(one_seed, range(options.first_seed, options.first_seed + options.seeds))
    for seed, rows, jac in results:
        ref = np.nanmax(rows["stage 1"]["grad_norm"])
        print(
            f"SEED {seed}: stage 1 (lag {SHORT_LAG}) acc {rows['stage 1']['accuracy']:.2f}, rho(W_h) "
            f"{jac['rho0']:.2f} -> {jac['rho']:.2f}, max norm {ref:.2f}, median norm of its last 100 steps "
            f"{np.median(rows['stage 1']['grad_norm'][-100:]):.1e}, {rows['stage 1']['seconds']:.1f}s; "
            f"trained net on lag {LONG_LAG}: ||dh_T/dh_k|| at lag {SHORT_LAG + LONG_LAG - 1} = "
            f"10^{jac['log_last']:.1f}, rate {jac['rate']:.2f} per step; stage 1 with smaller eta (global "
            f"clipping): acc "
            + ", ".join(f"{a:.2f} at {r}" for r, a in jac["small_stage1"].items())
            + f"; all runs {jac['wall']:.0f}s wall, {jac['cpu']:.1f}s CPU; the notebook's subset "
            f"{jac['notebook_wall']:.0f}s wall, {jac['notebook_cpu']:.1f}s CPU"
        )
        for name, run in rows.items():
            if name != "stage 1":
                print(summary(name, run, ref))
    margins(results)


if __name__ == "__main__":
    main()
