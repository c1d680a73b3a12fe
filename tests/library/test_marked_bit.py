"""coursekit.marked_bit: notebook 04's long-lag task and training loop (with the library's
functions, as tools/research/ runs it)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from coursekit.marked_bit import (
    MarkedBitSettings,
    angle_degrees,
    chosen_rate,
    last_steps_loss,
    longest_learned,
    marked_bit_batch,
)
from tools.research.library_task import TASK

SMALL = dataclasses.replace(TASK.settings, task_batch=4, test_sequences=20)


def test_a_batch_marks_one_step_and_asks_for_its_bit():
    x, answer = marked_bit_batch(np.random.default_rng(0), 6, lag=5, lead=3)
    assert x.shape == (6, 8, 3) and answer.shape == (6,)
    assert np.array_equal(x[:, :, :2].sum(axis=2), np.ones((6, 8)))  # one bit per step, one-hot
    assert np.array_equal(x[:, :, 2], np.eye(8)[[2] * 6])  # the mark at step k = lead
    assert np.array_equal(answer, x[:, 2, 1].astype(int))


def test_the_sweep_rule_picks_the_lowest_loss_of_the_last_steps_and_never_a_run_that_blew_up():
    runs = {
        0.1: {"loss": np.array([0.1, 0.1, 0.9, 0.7]), "diverged_at": None},
        0.3: {"loss": np.array([5.0, 5.0, 0.6, 0.6]), "diverged_at": None},
        1.0: {"loss": np.array([0.0, 0.0, 0.0]), "diverged_at": 2},
    }
    assert last_steps_loss(runs[1.0], 2) == np.inf
    assert chosen_rate(runs, last_steps=2) == 0.3
    assert chosen_rate(runs, last_steps=4) == 0.1


def test_longest_learned():
    assert longest_learned({5: 1.0, 10: 0.95, 20: 0.5}, 0.9) == 10
    assert longest_learned({5: 0.5}, 0.9) is None


def test_angle_degrees():
    g = {"a": np.array([1.0, 0.0]), "b": np.array([2.0])}
    assert angle_degrees(g, {k: 3 * v for k, v in g.items()}) == pytest.approx(0.0, abs=1e-6)
    assert angle_degrees(g, {"a": np.array([0.0, 1.0]), "b": np.array([0.0])}) == pytest.approx(90)


def test_a_training_run_records_every_step_and_clipping_keeps_or_turns_the_direction():
    task = type(TASK)(TASK.functions, SMALL)
    kept = task.train(
        5, seed=0, optimizer="sgd", learning_rate=0.1, clipping="global", iterations=4
    )
    assert [len(kept[key]) for key in ("loss", "grad_norm", "angle")] == [4, 4, 4]
    assert kept["diverged_at"] is None and 0 <= kept["accuracy"] <= 1
    assert np.max(kept["angle"]) < 1e-6
    turned = task.train(
        5, seed=0, optimizer="rmsprop", learning_rate=0.01, clipping="elementwise", iterations=4
    )
    assert np.max(turned["angle"]) > 1  # the first gradient has entries above c = 0.1


def test_a_run_that_explodes_stops_at_the_first_inf_or_nan_silently():
    task = type(TASK)(TASK.functions, SMALL)
    run = task.train(
        30,
        seed=0,
        optimizer="sgd",
        learning_rate=1e6,
        activation="relu",
        init="identity",
        rho=3.0,
        input_scale=3.0,
        iterations=50,
    )
    assert run["diverged_at"] is not None
    assert len(run["loss"]) == run["diverged_at"] + 1
    assert np.isnan(run["grad_norm"][-1]) and np.isfinite(run["grad_norm"][:-1]).all()


def test_the_settings_name_every_knob_once():
    names = [field.name for field in dataclasses.fields(MarkedBitSettings)]
    assert len(names) == len(set(names))
