"""The long-lag task of notebook 04 (sections 5 to 7) and its training loop, written once.

    task = MarkedBitTask(functions, MarkedBitSettings())
    run = task.train(10, seed=0, optimizer="sgd", learning_rate=0.1, clipping="global")
    run["loss"], run["grad_norm"], run["angle"], run["accuracy"], run["params"]

The task: each sequence has T = lead + lag steps; every step shows a random bit (one-hot, two
channels) and a third channel marks step k = lead. At the last step T the network must say which
bit was marked, from y_T = h_T Wy + by (two classes): the answer sits lag = T - k steps back.
The loss is the cross-entropy of y_T alone, so every gradient that teaches the network to keep
the marked bit travels back `lag` steps. Chance is 0.5.

Shapes (notation as docs/NOTATION.md): x (N, T, 3), h (N, T, H), Wx (3, H), Wh (H, H), b (H,),
Wy (H, 2), by (2,); the weights are a dict with those five names.

Nothing here is an exercise: the recurrence, the loss, the clipping and the optimisers are the
`functions` (`TaskFunctions`) the task trains with. Notebook 04 passes the learner's own
`global_norm`, clippings, `rmsprop_step`, `scale_spectral_radius` and `identity_recurrent_init`
and the provided passes of notebooks 02 and 03 (with the activation as an argument);
`tools/research/explosion.py` and `rmsprop_grid.py` pass the course's library, to run the same
experiments on more seeds. The functions are bound when the task is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

INPUT_SIZE = 3  # D: bit 0, bit 1, the mark
OPTIMIZERS = ("sgd", "rmsprop")
CLIPPINGS = (None, "elementwise", "global")


class TaskFunctions(NamedTuple):
    """The functions the task trains with, with the signatures of notebooks 02 to 04."""

    rnn_forward: Callable  # (x, h0, Wx, Wh, b, activation) -> (h, cache)
    rnn_backward: Callable  # (dh, cache) -> (dx, dh0, dWx, dWh, db)
    rnn_output: Callable  # (h, Wy, by) -> (logits, cache)
    rnn_output_backward: Callable  # (dlogits, cache) -> (dh, dWy, dby)
    temporal_softmax_loss: Callable  # (logits, targets, mask) -> (loss, dlogits)
    scale_spectral_radius: Callable  # (W, rho) -> W_scaled
    identity_recurrent_init: Callable  # (H, scale) -> Wh
    global_norm: Callable  # (grads) -> norm
    clip_elementwise: Callable  # (grads, c) -> clipped
    clip_global_norm: Callable  # (grads, max_norm) -> (clipped, norm)
    sgd_step: Callable  # (param, grad, learning_rate) -> new_param
    rmsprop_step: Callable  # (param, grad, cache, learning_rate, decay_rate) -> (param, cache)


@dataclass(frozen=True)
class MarkedBitSettings:
    """The knobs of the task; the defaults are notebook 04's Settings (the same names in capitals,
    `TASK_` before the first four)."""

    task_lead: int = 10  # the marked bit is at step k = task_lead; T = task_lead + lag
    task_hidden: int = 16  # H
    task_batch: int = 32  # sequences per training step (fresh ones every step)
    task_iterations: int = 500  # training steps per run, unless a run says otherwise
    task_rho: float = 0.9  # rho(W_h) of a random start
    test_sequences: int = 1000  # fresh sequences on which the test accuracy is measured
    solved_accuracy: float = 0.9  # "learned": test accuracy at least this (chance is 0.5)
    decay_rate: float = 0.9  # beta of RMSprop
    clip_value: float = 0.1  # c of element-wise clipping
    max_norm: float = 1.0  # max_norm of global-norm clipping
    last_steps: int = 100  # a sweep picks the rate whose loss over the last steps is lowest
    # Experiment 3(b): SGD against RMSprop, each at the rate the same sweep picks at each lag
    lags: tuple = (5, 10, 20, 40)  # lags of the task
    sweep_rates: tuple = (0.003, 0.01, 0.03, 0.1, 0.3)  # the learning rates every sweep tries
    # Experiment 4: truncated BPTT (RMSprop, global-norm clipping), its rate by the same sweep
    chunk_length: int = 8  # K: the backward pass goes through the last K steps only
    truncated_lags: tuple = (5, 7, 10, 20)  # lags below K and from K on
    # Experiment 2: a trained ReLU network meets longer sequences
    explode_short_lag: int = 10  # stage 1 learns this lag (ReLU units, W_h = scale * I)
    explode_long_lag: int = 20  # stage 2 continues from stage 1's weights on this lag
    explode_irnn_scale: float = 0.9  # stage 1 starts from W_h = explode_irnn_scale * I
    explode_input_scale: float = 0.3  # stage 1's W_x ~ N(0, explode_input_scale^2)
    explode_learning_rate: float = 0.1  # eta of SGD in both stages
    explode_short_iterations: int = 500  # training steps of stage 1
    explode_long_iterations: int = 300  # training steps of stage 2
    explode_small_rates: tuple = (0.01, 0.0001)  # smaller steps, without clipping


def marked_bit_batch(rng, num_sequences, lag, lead):
    """Inputs x (num_sequences, lead + lag, 3) and the marked bits (num_sequences,) (0 or 1)."""
    T = lead + lag
    bits = rng.integers(0, 2, size=(num_sequences, T))
    x = np.zeros((num_sequences, T, INPUT_SIZE))
    x[:, :, :2] = np.eye(2)[bits]
    x[:, lead - 1, 2] = 1.0  # the mark, at step k = lead
    return x, bits[:, lead - 1]


def angle_degrees(grads, used):
    """The angle between the gradient and the step direction actually used, in degrees."""
    g = np.concatenate([np.ravel(grads[name]) for name in grads])
    u = np.concatenate([np.ravel(used[name]) for name in grads])
    cosine = g @ u / max(float(np.linalg.norm(g) * np.linalg.norm(u)), 1e-300)
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def last_steps_loss(run, last_steps):
    """Mean training loss over a run's last `last_steps` steps; inf if the run stopped on inf/nan
    (every batch is fresh, so it is a loss on sequences the network had not seen)."""
    if run["diverged_at"] is not None:
        return np.inf
    return float(np.mean(run["loss"][-last_steps:]))


def chosen_rate(runs_by_rate, last_steps):
    """The sweep's rule: the learning rate whose run has the lowest `last_steps_loss`."""
    return min(runs_by_rate, key=lambda rate: last_steps_loss(runs_by_rate[rate], last_steps))


def longest_learned(accuracy_by_lag, solved_accuracy):
    """The longest lag whose test accuracy is at least solved_accuracy, or None."""
    learned = [lag for lag, accuracy in accuracy_by_lag.items() if accuracy >= solved_accuracy]
    return max(learned, default=None)


class MarkedBitTask:
    """Trains a small RNN on the task with the given functions and measures it."""

    def __init__(self, functions: TaskFunctions, settings: MarkedBitSettings):
        self.functions = functions
        self.settings = settings

    def initial_weights(self, rng, *, init="random", rho=None, input_scale=1.0):
        """Wx ~ N(0, input_scale^2), Wh a random N(0, 1) matrix rescaled to spectral radius
        `rho` (init "random") or rho * I (init "identity", the IRNN), b = 0, Wy ~ N(0, 0.01),
        by = 0. The random matrix is drawn in both cases, so both starts see the same batches."""
        f, H = self.functions, self.settings.task_hidden
        rho = self.settings.task_rho if rho is None else rho
        Wx = rng.normal(0.0, input_scale, (INPUT_SIZE, H))
        W = rng.normal(size=(H, H))
        if init == "identity":
            Wh = f.identity_recurrent_init(H, rho)
        elif init == "random":
            Wh = f.scale_spectral_radius(W, rho)
        else:
            raise ValueError(f"init must be 'random' or 'identity', got {init!r}")
        Wy = rng.normal(0.0, 0.1, (H, 2))
        return {"Wx": Wx, "Wh": Wh, "b": np.zeros(H), "Wy": Wy, "by": np.zeros(2)}

    def loss_and_grads(self, params, x, answer, activation="tanh", chunk_length=None):
        """Cross-entropy of y_T and its gradients by BPTT; with chunk_length = K, through the
        last K steps only (the forward pass runs over every step, the state before the last K
        steps is a constant)."""
        f = self.functions
        N, T, _ = x.shape
        h_start = np.zeros((N, params["Wh"].shape[0]))
        weights = (params["Wx"], params["Wh"], params["b"])
        if chunk_length is not None and chunk_length < T:  # run the early steps, keep no graph
            h_early, _ = f.rnn_forward(x[:, : T - chunk_length], h_start, *weights, activation)
            h_start, x = h_early[:, -1], x[:, T - chunk_length :]
        h, cache = f.rnn_forward(x, h_start, *weights, activation)
        logits, output_cache = f.rnn_output(h[:, -1:], params["Wy"], params["by"])  # y_T
        loss, dlogits = f.temporal_softmax_loss(logits, answer[:, None], np.ones((N, 1), bool))
        dh_last, dWy, dby = f.rnn_output_backward(dlogits, output_cache)
        dh = np.zeros_like(h)
        dh[:, -1:] = dh_last  # the loss sits on the last state only
        _, _, dWx, dWh, db = f.rnn_backward(dh, cache)
        return loss, {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}

    def accuracy(self, params, lag, seed, activation="tanh"):
        """Test accuracy on `test_sequences` fresh sequences drawn from seed + 1; nan if the
        network's outputs are not finite."""
        s = self.settings
        x, answer = marked_bit_batch(
            np.random.default_rng(seed + 1), s.test_sequences, lag, s.task_lead
        )
        h0 = np.zeros((s.test_sequences, params["Wh"].shape[0]))
        with np.errstate(over="ignore", invalid="ignore"):
            h, _ = self.functions.rnn_forward(
                x, h0, params["Wx"], params["Wh"], params["b"], activation
            )
            logits, _ = self.functions.rnn_output(h[:, -1], params["Wy"], params["by"])
        if not np.isfinite(logits).all():
            return float("nan")
        return float(np.mean(np.argmax(logits, axis=1) == answer))

    def train(
        self,
        lag,
        *,
        seed,
        optimizer,
        learning_rate,
        clipping=None,
        activation="tanh",
        init="random",
        rho=None,
        input_scale=1.0,
        iterations=None,
        chunk_length=None,
        start=None,
    ):
        """Train on the task from fresh weights (or from a copy of `start`), with batches from
        np.random.default_rng(seed) (drawn after the weights). Records, per step, the loss, the
        global norm of the true gradient and the angle between it and the step taken; stops at
        the first step whose loss or gradient is inf or nan.

        Returns a dict: "loss", "grad_norm", "angle" (arrays, one entry per step taken; at the
        step that stopped the run, the loss, nan and nan), "diverged_at" (that step, or None),
        "accuracy" (test accuracy of the final weights; nan if their outputs are not finite),
        "params" (the final weights).
        """
        s, f = self.settings, self.functions
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
        if clipping not in CLIPPINGS:
            raise ValueError(f"clipping must be one of {CLIPPINGS}, got {clipping!r}")
        rng = np.random.default_rng(seed)
        params = self.initial_weights(rng, init=init, rho=rho, input_scale=input_scale)
        if start is not None:  # continue from given weights (the batches still come from seed)
            params = {name: np.array(start[name], dtype=float) for name in params}
        caches = {name: np.zeros_like(value) for name, value in params.items()}
        record = {"loss": [], "grad_norm": [], "angle": []}
        diverged_at = None
        iterations = s.task_iterations if iterations is None else iterations
        # An exploding run overflows on purpose: it is stopped at the first inf or nan, silently.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for step in range(iterations):
                x, answer = marked_bit_batch(rng, s.task_batch, lag, s.task_lead)
                loss, grads = self.loss_and_grads(params, x, answer, activation, chunk_length)
                record["loss"].append(loss)
                if not (np.isfinite(loss) and all(np.isfinite(g).all() for g in grads.values())):
                    record["grad_norm"].append(np.nan)
                    record["angle"].append(np.nan)
                    diverged_at = step
                    break
                record["grad_norm"].append(f.global_norm(grads))
                if clipping == "elementwise":
                    used = f.clip_elementwise(grads, s.clip_value)
                elif clipping == "global":
                    used, _ = f.clip_global_norm(grads, s.max_norm)
                else:
                    used = grads
                record["angle"].append(angle_degrees(grads, used))
                for name in params:
                    if optimizer == "sgd":
                        params[name] = f.sgd_step(params[name], used[name], learning_rate)
                    else:
                        params[name], caches[name] = f.rmsprop_step(
                            params[name], used[name], caches[name], learning_rate, s.decay_rate
                        )
        run = {key: np.array(values, dtype=float) for key, values in record.items()}
        run.update(
            diverged_at=diverged_at,
            accuracy=self.accuracy(params, lag, seed, activation),
            params=params,
        )
        return run

    def sweep(self, lag, rates, *, optimizer, **training):
        """One run per learning rate (the same start and batches for each); the runs by rate and
        the rate the rule picks (`chosen_rate`)."""
        runs = {
            rate: self.train(lag, optimizer=optimizer, learning_rate=rate, **training)
            for rate in rates
        }
        return runs, chosen_rate(runs, self.settings.last_steps)


EXPLOSION_SEED_OFFSET = 100  # stage 2 draws its batches (and test sequences) from seed + 100


def explosion_runs(task, seed):
    """Experiment 2, from one seed: the runs by name.

    "stage 1": ReLU units, W_h = explode_irnn_scale * I, lag explode_short_lag, SGD at
    explode_learning_rate with global-norm clipping. From its weights, on lag explode_long_lag
    with the batches of seed + EXPLOSION_SEED_OFFSET: "no clipping", "element-wise" and
    "global norm" at explode_learning_rate, and "no clipping, eta = r" for every smaller rate r.
    Last, "stage 1, eta = r" for the smallest r (stage 1 again at that rate). Each run is
    MarkedBitTask.train's dict; "stage 1" also holds "long_lag_accuracy", the accuracy of its
    weights on the long lag before stage 2.
    """
    s = task.settings
    relu = dict(activation="relu", optimizer="sgd")
    stage1 = dict(
        seed=seed,
        clipping="global",
        init="identity",
        rho=s.explode_irnn_scale,
        input_scale=s.explode_input_scale,
        iterations=s.explode_short_iterations,
        **relu,
    )
    runs = {
        "stage 1": task.train(s.explode_short_lag, learning_rate=s.explode_learning_rate, **stage1)
    }
    trained = runs["stage 1"]["params"]
    long_seed = seed + EXPLOSION_SEED_OFFSET
    runs["stage 1"]["long_lag_accuracy"] = task.accuracy(
        trained, s.explode_long_lag, long_seed, "relu"
    )
    stage2 = dict(seed=long_seed, start=trained, iterations=s.explode_long_iterations, **relu)
    for name, clipping in (
        ("no clipping", None),
        ("element-wise", "elementwise"),
        ("global norm", "global"),
    ):
        runs[name] = task.train(
            s.explode_long_lag, learning_rate=s.explode_learning_rate, clipping=clipping, **stage2
        )
    for rate in s.explode_small_rates:
        runs[f"no clipping, eta = {rate:g}"] = task.train(
            s.explode_long_lag, learning_rate=rate, **stage2
        )
    smallest = min(s.explode_small_rates)
    runs[f"stage 1, eta = {smallest:g}"] = task.train(
        s.explode_short_lag, learning_rate=smallest, **stage1
    )
    return runs


def optimizer_sweep(task, seed, optimizers=OPTIMIZERS):
    """Experiment 3(b), from one seed: for each optimiser and each lag of `lags`, one run per
    rate of `sweep_rates` (full BPTT, global-norm clipping) and the rate the rule picks.
    Returns {optimizer: {lag: (runs by rate, chosen rate)}}."""
    s = task.settings
    return {
        optimizer: {
            lag: task.sweep(lag, s.sweep_rates, optimizer=optimizer, seed=seed, clipping="global")
            for lag in s.lags
        }
        for optimizer in optimizers
    }


def truncated_sweep(task, seed):
    """Experiment 4, from one seed: RMSprop with global-norm clipping and truncated BPTT
    (K = chunk_length) at each lag of `truncated_lags`, one run per rate of `sweep_rates`.
    Returns {lag: (runs by rate, chosen rate)}."""
    s = task.settings
    return {
        lag: task.sweep(
            lag,
            s.sweep_rates,
            optimizer="rmsprop",
            seed=seed,
            clipping="global",
            chunk_length=s.chunk_length,
        )
        for lag in s.truncated_lags
    }
