"""coursekit.gradient_check: the tolerance of a gradient check follows from eps and the sizes
involved. A correct backward pass stays within the bound, entry by entry, at every seed (where a
fixed relative-error threshold fails); a catalogued wrong backward pass is thousands of bounds
off."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gradient_check import (
    FLOAT64_EPSILON,
    SLACK,
    finite_difference_bound,
    largest_gap,
)
from grader.mistakes.bptt import JACOBIAN_MISTAKES
from grader.mistakes.gru_and_deep_rnns import MISTAKES
from rnn_numpy.gradcheck import numerical_gradient, relative_error
from rnn_numpy.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from rnn_numpy.rnn import rnn_forward
from rnn_numpy.state_jacobian import state_jacobian_product

EPS = 1e-5
STEP_ARGUMENTS = ("x", "h_prev", "Wx", "Wh", "bx", "bh")


def gap(analytic, loss, x, scale) -> float:
    """max |analytic - numerical| / bound over x's entries (the notebooks' measure)."""
    return largest_gap(
        analytic, loss, x, scale=scale, eps=EPS, numerical_gradient=numerical_gradient
    )[1]


def gru_step_case(seed):
    """Notebook 06's GRU step check (N=2, D=3, H=4, weights of scale 0.5)."""
    rng = np.random.default_rng(seed)
    N, D, H = 2, 3, 4
    args = {
        "x": rng.normal(size=(N, D)),
        "h_prev": rng.normal(size=(N, H)),
        "Wx": rng.normal(scale=0.5, size=(D, 3 * H)),
        "Wh": rng.normal(scale=0.5, size=(H, 3 * H)),
        "bx": rng.normal(scale=0.5, size=3 * H),
        "bh": rng.normal(scale=0.5, size=3 * H),
    }
    return args, rng.normal(size=(N, H))


def step_gaps(backward, seed):
    args, upstream = gru_step_case(seed)
    h, cache = gru_step_forward(*args.values())
    grads = backward(upstream, cache)
    loss = lambda _: np.sum(gru_step_forward(*args.values())[0] * upstream)  # noqa: E731
    scale = np.sum(np.abs(h * upstream))
    return [gap(g, loss, args[name], scale) for name, g in zip(STEP_ARGUMENTS, grads)]


def test_the_bound_is_its_two_terms_times_the_slack():
    numerical, double = np.array([1.0, -2.0]), np.array([1.0 + 3e-9, -2.0])
    bound = finite_difference_bound(numerical, double, scale=4.0, eps=1e-5)
    rounding = FLOAT64_EPSILON * 4.0 / 1e-5
    np.testing.assert_allclose(bound, SLACK * np.array([1e-9 + rounding, rounding]), rtol=1e-6)


@pytest.mark.parametrize(
    "numerical, double, scale, eps",
    [(np.zeros(2), np.zeros(3), 1.0, 1e-5), (np.zeros(2), np.zeros(2), -1.0, 1e-5)]
    + [(np.zeros(2), np.zeros(2), 1.0, 0.0)],
)
def test_bad_arguments_get_a_clear_error(numerical, double, scale, eps):
    with pytest.raises(ValueError, match="finite_difference_bound"):
        finite_difference_bound(numerical, double, scale=scale, eps=eps)


def test_a_correct_backward_pass_stays_within_the_bound_where_relative_error_does_not():
    """Seeds 0-11 of the GRU step and sequence (notebook 06's sizes): every gap is below 1 (the
    SLACK comment's measurement: about 0.1), while the largest relative error of the same
    correct gradients exceeds 1e-7, below which notebook 03 calls a backward pass correct."""
    gaps, relative = [], []
    for seed in range(12):
        gaps += step_gaps(gru_step_backward, seed)
        args, upstream = gru_step_case(seed)
        rng = np.random.default_rng(seed + 1000)
        x, h0 = rng.normal(size=(2, 3, 3)), args["h_prev"]
        weights = [args[name] for name in ("Wx", "Wh", "bx", "bh")]
        dh = rng.normal(size=(2, 3, 4))
        h, cache = gru_forward(x, h0, *weights)
        loss = lambda _: np.sum(gru_forward(x, h0, *weights)[0] * dh)  # noqa: E731, B023
        scale = np.sum(np.abs(h * dh))
        for analytic, value in zip(gru_backward(dh, cache), (x, h0, *weights)):
            gaps.append(gap(analytic, loss, value, scale))
            relative.append(relative_error(analytic, numerical_gradient(loss, value, EPS)))
    assert max(gaps) < 0.5, max(gaps)
    assert max(relative) > 1e-7, max(relative)


@pytest.mark.parametrize("mistake", MISTAKES["gru_step_backward"], ids=lambda m: m.id)
def test_a_wrong_backward_pass_is_thousands_of_bounds_off(mistake):
    assert max(step_gaps(mistake.output, seed=3)) > 1e3


def test_largest_gap_returns_the_centred_difference_it_compared_with():
    x = np.array([0.3, -1.2])
    numerical, measured = largest_gap(
        np.cos(x),
        lambda z: np.sum(np.sin(z)),
        x,
        scale=2.0,
        eps=EPS,
        numerical_gradient=numerical_gradient,
    )
    np.testing.assert_allclose(numerical, np.cos(x), atol=1e-9)
    assert measured < 1


def jacobian_case(seed):
    """Notebook 03's Jacobian check (T=4, D=5, H=6): h_T of one sequence, J = dh_T/dh_0, and a
    random u; the gradient of u . h_T on h_0 is u @ J."""
    rng = np.random.default_rng(seed)
    T, D, H = 4, 5, 6
    x, h0 = rng.normal(size=(1, T, D)), rng.normal(size=(1, H))
    Wx, Wh, b = (
        rng.normal(scale=0.5, size=(D, H)),
        rng.normal(scale=0.5, size=(H, H)),
        rng.normal(size=H),
    )
    u = rng.normal(size=H)
    states = rnn_forward(x, h0, Wx, Wh, b)[0][0]  # (T, H)
    loss = lambda _: rnn_forward(x, h0, Wx, Wh, b)[0][0, -1] @ u  # noqa: E731
    scale = np.sum(np.abs(states[-1] * u))
    return (states, Wh, T), u, loss, h0, scale


def jacobian_gap(product, seed):
    (states, Wh, T), u, loss, h0, scale = jacobian_case(seed)
    return gap((u @ product(states, Wh, T, 0))[None], loss, h0, scale)


def test_a_correct_jacobian_product_stays_within_the_bound_through_u_dot_h():
    assert max(jacobian_gap(state_jacobian_product, seed) for seed in range(12)) < 0.5


# The catalogue's products that would read a state outside h_1..h_T when k = 0 raise IndexError.
READS_OUTSIDE_THE_STATES = {"state_after_step", "previous_state", "one_too_many"}


@pytest.mark.parametrize("mistake", JACOBIAN_MISTAKES, ids=lambda m: m.id)
def test_a_wrong_jacobian_product_is_thousands_of_bounds_off(mistake):
    """Checked through the projection u . h_T, as notebook 03 does (measured: 1e7 to 1e9)."""
    if mistake.id in READS_OUTSIDE_THE_STATES:
        with pytest.raises(IndexError):
            jacobian_gap(mistake.output, seed=3)
    else:
        assert jacobian_gap(mistake.output, seed=3) > 1e3
