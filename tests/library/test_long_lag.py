"""coursekit.model_size and coursekit.long_lag: one parameter count for every model of the course,
and notebook 06's long-lag race, run here with the course's library."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.adding_problem import INPUT_SIZE, adding_problem_batch
from coursekit.long_lag import LayerFunctions, LongLagRace, LongLagSettings
from coursekit.model_size import GATE_BLOCKS, largest_hidden_size, parameter_count
from rnn_numpy.optim import adagrad_step
from rnn_numpy.rnn import rnn_output, rnn_output_backward
from rnn_numpy.stacked import CELLS, stacked_backward, stacked_forward

LIBRARY = LayerFunctions(
    stacked_forward, stacked_backward, rnn_output, rnn_output_backward, adagrad_step
)


def race(**settings) -> LongLagRace:
    chosen = LongLagSettings(**settings)
    test = adding_problem_batch(40, chosen.sequence_length, np.random.default_rng(1))
    return LongLagRace(LIBRARY, chosen, test)


@pytest.mark.parametrize("cell", sorted(GATE_BLOCKS))
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_parameter_count_is_the_size_of_the_weights_the_race_makes(cell, depth):
    layers, readout = race().init_model(cell, depth, 5, np.random.default_rng(0))
    assert [tuple(params) for params in layers] == [CELLS[cell].params] * depth
    made = sum(w.size for params in [*layers, readout] for w in params.values())
    assert parameter_count(cell, INPUT_SIZE, 5, 1, layers=depth) == made


def test_parameter_count_counts_the_readout_and_the_second_bias():
    # D = 3, H = 2, 5 outputs: Wx (3, G), Wh (2, G), biases (G,), Wy (2, 5), by (5,)
    assert parameter_count("rnn", 3, 2, 5) == 3 * 2 + 2 * 2 + 2 + 2 * 5 + 5
    assert parameter_count("gru", 3, 2, 5) == 3 * 6 + 2 * 6 + 2 * 6 + 2 * 5 + 5
    assert parameter_count("lstm", 3, 2, 5) == 3 * 8 + 2 * 8 + 8 + 2 * 5 + 5


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (("tanh", 2, 4, 1), ValueError, "cell must be one of"),
        (("rnn", 2, 0, 1), ValueError, "hidden_size must be at least 1"),
        (("rnn", 2, 4.0, 1), TypeError, "hidden_size must be a whole number"),
        (("rnn", 2, 4, True), TypeError, "output_size must be a whole number"),
    ],
)
def test_parameter_count_refuses_what_is_not_a_model(arguments, error, message):
    with pytest.raises(error, match=f"parameter_count: {message}"):
        parameter_count(*arguments)


@pytest.mark.parametrize("budget", [20, 600, 601, 5000, 40_000])
@pytest.mark.parametrize("cell", sorted(GATE_BLOCKS))
@pytest.mark.parametrize("layers", [1, 2])
def test_the_largest_hidden_size_within_the_budget(budget, cell, layers):
    """Notebooks 05 and 07, the library and the tools size their races by this one rule."""
    counts = {H: parameter_count(cell, 3, H, 4, layers=layers) for H in range(1, 1000)}
    fits = [H for H, count in counts.items() if count <= budget]
    if not fits:
        with pytest.raises(ValueError, match="largest_hidden_size: even H = 1 needs"):
            largest_hidden_size(cell, 3, 4, budget, layers=layers)
        return
    assert largest_hidden_size(cell, 3, 4, budget, layers=layers) == max(fits)


@pytest.mark.parametrize("budget", [600.0, True, "600"])
def test_the_largest_hidden_size_refuses_a_budget_that_is_not_a_whole_number(budget):
    with pytest.raises(TypeError, match="largest_hidden_size: budget must be a whole number"):
        largest_hidden_size("rnn", 3, 4, budget)


@pytest.mark.parametrize("budget", [1, 40, 600, 601, 5000, 40_000])
@pytest.mark.parametrize("cell", sorted(GATE_BLOCKS))
@pytest.mark.parametrize("depth", [1, 2])
def test_the_hidden_size_is_the_closest_to_the_budget_however_large(budget, cell, depth):
    """No search range to drift: the same H as the smallest H of the closest count."""
    sizes = range(1, 1000)
    counts = [abs(parameter_count(cell, INPUT_SIZE, H, 1, layers=depth) - budget) for H in sizes]
    assert race(budget=budget).hidden_size_for(cell, depth) == sizes[int(np.argmin(counts))]


def test_a_short_race_with_the_library_is_deterministic_and_measures_every_lag():
    short = race(sequence_length=8, updates=60, eval_every=20)
    H = short.hidden_size_for("gru", 1)
    first = short.train("gru", 1, H, np.random.default_rng(3))
    again = short.train("gru", 1, H, np.random.default_rng(3))
    assert len(first["curve"]) == 3 and np.array_equal(first["curve"], again["curve"])
    by_lag = short.sensitivity_by_lag("gru", *first["trained"])
    assert by_lag.shape == (8,) and np.all(by_lag > 0)


def test_solved_means_two_measurements_in_a_row_below_the_threshold():
    judge = race(solved_fraction=0.1)
    assert judge.threshold == pytest.approx(1 / 60)
    assert judge.solved([0.2, 0.01, 0.016])
    assert not judge.solved([0.01])
    assert not judge.solved([0.01, 0.02])
    assert not judge.solved([0.01, 0.02, 0.01])
