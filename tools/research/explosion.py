"""Notebook 04's Experiment 2 on more seeds: a gradient explosion, and what clipping and a
smaller step do about it.

    .venv/bin/python -m tools.research.explosion [--seeds 8] [--first-seed 0] [--processes 1]

The experiment is the notebook's, written once in `coursekit.marked_bit.explosion_runs` (with the
notebook's Settings as its defaults), here trained with the course's library
(tools/research/library_task.py) instead of the learner's functions, so its numbers agree with
the notebook's in what they show, not to the last digit (a run that explodes is chaotic).
Stage 1: a ReLU RNN from W_h = 0.9 I learns lag 10 (SGD with global-norm clipping); stage 2
continues from its weights on lag 20 with no clipping, element-wise clipping, global-norm
clipping, and smaller steps without clipping; last, stage 1 again at the smallest step.
Prints one block per seed and the worst value over the seeds of each of the notebook's asserts.
"""

from __future__ import annotations

import os
import time

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


import numpy as np  # noqa: E402

from coursekit.marked_bit import EXPLOSION_SEED_OFFSET, explosion_runs, marked_bit_batch  # noqa: E402
from rnn_numpy.pathologies import gradient_norms_by_lag  # noqa: E402
from tools.research.library_task import TASK, results_per_seed, spectral_radius  # noqa: E402

S = TASK.settings
SMALLEST = min(S.explode_small_rates)


def jacobian_growth(params, seed):
    """Median over 64 long-lag sequences of log10 ||dh_T/dh_k|| at the longest lag, and the rate
    per step fitted from lag 10 on (the notebook's FIT_FROM_LAG)."""
    x, _ = marked_bit_batch(np.random.default_rng(seed + 2), 64, S.explode_long_lag, S.task_lead)
    h, _ = TASK.functions.rnn_forward(
        x, np.zeros((64, S.task_hidden)), params["Wx"], params["Wh"], params["b"], "relu"
    )
    norms = gradient_norms_by_lag(h, params["Wh"], "relu")
    curve = np.median(np.log10(np.maximum(norms, 1e-300)), axis=0)[::-1]
    lags = np.arange(len(curve))
    return curve[-1], 10 ** np.polyfit(lags[10:], curve[10:], 1)[0]


def one_seed(seed):
    cpu = time.process_time()
    runs = explosion_runs(TASK, seed)
    stage1 = runs["stage 1"]
    log_last, rate = jacobian_growth(stage1["params"], seed + EXPLOSION_SEED_OFFSET)
    facts = dict(
        rho=spectral_radius(stage1["params"]["Wh"]),
        log_last=log_last,
        rate=rate,
        stage1_norm=float(np.median(stage1["grad_norm"][-100:])),
        cpu=time.process_time() - cpu,
    )
    return seed, runs, facts


def largest(run, key):
    values = run[key][np.isfinite(run[key])]
    return float(values.max()) if values.size else np.nan


def describe(name, run):
    changed = run["angle"][np.isfinite(run["angle"])] > 0.01
    stopped = "-" if run["diverged_at"] is None else str(run["diverged_at"])
    return (
        f"  {name:>22}: acc {run['accuracy']:.2f}  largest norm {largest(run, 'grad_norm'):9.2e}  "
        f"largest loss {largest(run, 'loss'):8.2e}  inf/nan at step {stopped:>4}  "
        f"direction changed {changed.sum():3d} (median "
        f"{np.median(run['angle'][np.isfinite(run['angle'])][changed]) if changed.any() else 0:4.1f} deg)"
        f"  norm > max_norm {int((run['grad_norm'] > S.max_norm).sum())}/{len(run['grad_norm'])}"
    )


def blew_up(run):
    return run["diverged_at"] is not None or largest(run, "loss") > 10


def main():
    results = results_per_seed(__doc__.splitlines()[0], one_seed)
    for seed, runs, facts in results:
        print(
            f"SEED {seed}: stage 1 acc {runs['stage 1']['accuracy']:.2f} (on lag "
            f"{S.explode_long_lag}: {runs['stage 1']['long_lag_accuracy']:.2f}), rho(W_h) "
            f"{S.explode_irnn_scale} -> {facts['rho']:.2f}, median norm of its last 100 steps "
            f"{facts['stage1_norm']:.2e}; trained net on lag {S.explode_long_lag}: rate "
            f"{facts['rate']:.2f} per step, norm at the longest lag 10^{facts['log_last']:.1f}; "
            f"{facts['cpu']:.1f} s CPU"
        )
        for name, run in runs.items():
            print(describe(name, run))
    every = {name: [runs[name] for _, runs, _ in results] for name in results[0][1]}
    none = every["no clipping"]
    ratios = [
        largest(runs["no clipping"], "grad_norm") / facts["stage1_norm"]
        for _, runs, facts in results
    ]
    lines = [
        ("stage 1 accuracy >= 0.9 (lowest)", min(r["accuracy"] for r in every["stage 1"])),
        ("rho(W_h) after stage 1 > 1 (lowest)", min(f["rho"] for _, _, f in results)),
        ("trained net: rate per step > 1 (lowest)", min(f["rate"] for _, _, f in results)),
        ("no clipping: largest norm / stage-1 norm >= 1e4 (lowest)", min(ratios)),
        (
            "no clipping: largest loss > 10 or inf/nan (seeds where not)",
            sum(not blew_up(r) for r in none),
        ),
        ("no clipping: accuracy < 0.9 (highest)", np.nanmax([r["accuracy"] for r in none])),
        ("global: accuracy >= 0.9 (lowest)", min(r["accuracy"] for r in every["global norm"])),
        (
            "global: largest angle < 1e-3 deg (highest)",
            max(largest(r, "angle") for r in every["global norm"]),
        ),
        (
            "global: share of steps clipped < 0.5 (highest)",
            max(np.mean(r["grad_norm"] > S.max_norm) for r in every["global norm"]),
        ),
        (
            "element-wise: largest angle > 10 deg (lowest)",
            min(largest(r, "angle") for r in every["element-wise"]),
        ),
        (
            "element-wise: accuracy (lowest, no assert)",
            min(r["accuracy"] for r in every["element-wise"]),
        ),
        (
            f"eta = {SMALLEST:g}: runs stopped on inf/nan",
            sum(r["diverged_at"] is not None for r in every[f"no clipping, eta = {SMALLEST:g}"]),
        ),
        (
            f"eta = {SMALLEST:g}: largest loss < 1e3 (highest)",
            max(largest(r, "loss") for r in every[f"no clipping, eta = {SMALLEST:g}"]),
        ),
        (
            f"stage 1 at eta = {SMALLEST:g}: accuracy < 0.9 (highest)",
            max(r["accuracy"] for r in every[f"stage 1, eta = {SMALLEST:g}"]),
        ),
    ]
    print("\nthe notebook's asserts: worst value over the seeds")
    for claim, value in lines:
        print(f"  {claim:<62} {value:.3g}")


if __name__ == "__main__":
    main()
