"""Which cell remembers? The tanh RNN, the GRU and the LSTM on the adding problem at an equal
parameter budget: the experiment of notebook 06 (sections 6-8), written once.

    race = LongLagRace(functions, LongLagSettings(), test=(x_test, y_test))
    H = race.hidden_size_for("gru", depth=1)
    model = race.train("gru", 1, H, np.random.default_rng(0))   # {"trained", "curve"}
    race.solved(model["curve"]), race.sensitivity_by_lag("gru", *model["trained"])

The recurrent layers are not here: `functions` (`LayerFunctions`) are the ones the race trains
with. Notebook 06 passes the learner's own `stacked_forward` and `stacked_backward` (through its
table of cells) and the provided `rnn_output`, `rnn_output_backward` and `adagrad_step`;
`python -m tools.compare_cells_long_lag` passes the course's library, for longer runs. The functions
are bound when the race is made: make it again after changing one.

The task (coursekit.adding_problem): D = 2 inputs per step, the answer y (N, 1) read from the top
layer's last state by y = h_T Wy + by. Each model is `depth` stacked layers of one cell type,
with the hidden size H whose parameter count (coursekit.model_size) is closest to the budget.
Weights start uniform in +-1/sqrt(H) (as in torch.nn), biases at zero except the LSTM's forget
gate and the GRU's update gate (`gate_bias`, so both cells start by keeping their state).
Training: the mean squared error of the answer, Adagrad with elementwise clipping, a fresh batch
per update, until the test MSE is below `solved_fraction` times the predict-the-mean MSE (1/6)
at two measurements in a row, or `updates` updates are done. It is not an exercise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from coursekit.adding_problem import INPUT_SIZE, adding_problem_batch
from coursekit.model_size import BIAS_NAMES, GATE_BLOCKS, parameter_count

BASELINE_MSE = 1 / 6  # always answering the mean, 1: Var(u1 + u2) = 1/12 + 1/12


class LayerFunctions(NamedTuple):
    """The functions a race trains with, with the signatures of notebooks 02-06."""

    stacked_forward: Callable  # (x, initial_states, layer_params, cell) -> (h_top, cache)
    stacked_backward: Callable  # (dh_top, cache) -> (dx, d_initial_states, d_layer_params)
    rnn_output: Callable  # (h, Wy, by) -> (y, cache)
    rnn_output_backward: Callable  # (dy, cache) -> (dh, dWy, dby)
    adagrad_step: Callable  # (param, grad, cache, learning_rate) -> (param, cache)


@dataclass(frozen=True)
class LongLagSettings:
    """The knobs of the race; the defaults are notebook 06's Settings."""

    sequence_length: int = 30  # T: the first marked number lies T/2 to T-1 steps before the end
    batch: int = 32  # N: fresh sequences per update
    updates: int = 1200  # at most this many parameter updates per model
    learning_rate: float = 0.2  # Adagrad's step size
    clip: float = 1.0  # gradients clipped elementwise to [-clip, clip]
    gate_bias: float = 1.0  # initial bias of the LSTM's forget gate and the GRU's update gate
    budget: int = 600  # parameters per model; each gets the hidden size H closest to it
    eval_every: int = 50  # updates between two measurements on the test sequences
    solved_fraction: float = 0.1  # solved: test MSE below this fraction of 1/6, twice in a row


class LongLagRace:
    """Trains and measures models of every cell type on the adding problem, on one test set.

    `test` is (x_test (N, T, 2), y_test (N,)), never trained on; `threshold` is the test MSE
    below which a model counts as solved.
    """

    def __init__(self, functions: LayerFunctions, settings: LongLagSettings, test):
        self.functions = functions
        self.settings = settings
        self.x_test, self.y_test = test
        self.threshold = settings.solved_fraction * BASELINE_MSE

    def hidden_size_for(self, cell, depth):
        """The H whose model's parameter count is closest to the budget (the smaller on a tie),
        which may be just over it: not model_size.largest_hidden_size (at most the budget), the
        rule of notebooks 05 and 07."""

        def count(H):
            return parameter_count(cell, INPUT_SIZE, H, 1, layers=depth)

        budget = self.settings.budget
        H = 1
        while count(H + 1) <= budget:
            H += 1
        return H if budget - count(H) <= count(H + 1) - budget else H + 1

    def init_model(self, cell, depth, H, rng):
        """Layer weights uniform in +-1/sqrt(H), zero biases except the gate that keeps the
        state; the list of layer params and the readout {"Wy", "by"}."""
        layers, fan_in, scale = [], INPUT_SIZE, 1 / np.sqrt(H)
        for _ in range(depth):
            blocks = GATE_BLOCKS[cell] * H
            params = {
                "Wx": rng.uniform(-scale, scale, (fan_in, blocks)),
                "Wh": rng.uniform(-scale, scale, (H, blocks)),
            }
            for name in BIAS_NAMES[cell]:
                params[name] = np.zeros(blocks)
            if cell == "lstm":
                params["b"][H : 2 * H] = self.settings.gate_bias  # forget gate f: keep c
            if cell == "gru":
                params["bx"][H : 2 * H] = self.settings.gate_bias  # update gate z: keep h
            layers.append(params)
            fan_in = H
        readout = {"Wy": rng.uniform(-scale, scale, (H, 1)), "by": np.zeros(1)}
        weights = sum(w.size for p in [*layers, readout] for w in p.values())
        assert weights == parameter_count(cell, INPUT_SIZE, H, 1, layers=depth)
        return layers, readout

    def answer(self, cell, layers, readout, x):
        """The model's answers y (N, 1), read from the top layer's last state, and the caches."""
        f = self.functions
        states = [np.zeros((x.shape[0], params["Wh"].shape[0])) for params in layers]
        h, stack_cache = f.stacked_forward(x, states, layers, cell)
        y, readout_cache = f.rnn_output(h[:, -1], readout["Wy"], readout["by"])
        return y, (h.shape, stack_cache, readout_cache)

    def backward_from_answer(self, dy, caches):
        """Gradients on the inputs and every weight, given the gradient dy (N, 1) on the
        answers: dx (N, T, 2), the layers' gradients and the readout's {"Wy", "by"}."""
        states_shape, stack_cache, readout_cache = caches
        dh_last, dWy, dby = self.functions.rnn_output_backward(dy, readout_cache)
        dh = np.zeros(states_shape)
        dh[:, -1] = dh_last  # only h_T reaches the answer
        dx, _, d_layers = self.functions.stacked_backward(dh, stack_cache)
        return dx, d_layers, {"Wy": dWy, "by": dby}

    def test_mse(self, cell, layers, readout):
        y, _ = self.answer(cell, layers, readout, self.x_test)
        return float(np.mean((y[:, 0] - self.y_test) ** 2))

    def solved(self, curve):
        """The criterion: the last two test measurements are below the threshold."""
        return len(curve) >= 2 and max(curve[-2:]) < self.threshold

    def train(self, cell, depth, H, rng):
        """Train one model (its weights, then its batches, from `rng`) until it is solved or the
        updates are done: {"trained": (layers, readout), "curve": the test MSE every
        eval_every updates}."""
        s, adagrad_step = self.settings, self.functions.adagrad_step
        layers, readout = self.init_model(cell, depth, H, rng)
        params = [*layers, readout]
        sums = [{name: np.zeros_like(w) for name, w in p.items()} for p in params]  # Adagrad's
        curve = []
        for update in range(1, s.updates + 1):
            x, target = adding_problem_batch(s.batch, s.sequence_length, rng)
            y, caches = self.answer(cell, layers, readout, x)
            dy = (2 * (y[:, 0] - target) / s.batch)[:, None]  # d mean((y - target)^2) / dy
            _, d_layers, d_readout = self.backward_from_answer(dy, caches)
            for p, grads, sum_ in zip(params, [*d_layers, d_readout], sums):
                for name in p:
                    p[name], sum_[name] = adagrad_step(
                        p[name], np.clip(grads[name], -s.clip, s.clip), sum_[name], s.learning_rate
                    )
            if update % s.eval_every == 0:
                curve.append(self.test_mse(cell, layers, readout))
                if self.solved(curve):
                    break
        return {"trained": (layers, readout), "curve": np.array(curve)}

    def sensitivity_by_lag(self, cell, layers, readout):
        """Mean over the test sequences of ||dy/dx_k|| for k = T, T-1, ..., 1 (lag 0, 1, ...,
        T-1)."""
        y, caches = self.answer(cell, layers, readout, self.x_test)
        dx, _, _ = self.backward_from_answer(np.ones_like(y), caches)
        return np.linalg.norm(dx, axis=2).mean(axis=0)[::-1]
