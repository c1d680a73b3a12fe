"""GRU reference (torch.nn.GRU convention): finite differences, hand cases, cache, errors."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_numpy.gru import (
    gru_backward,
    gru_cho_step,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
)
from tests.library.helpers import line_events, numeric_grad, rel_error

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 4, 2, 1), (1, 5, 3, 2)]  # (N, T, D, H)
NAMES = ("x", "h0", "Wx", "Wh", "bx", "bh")


def _params(N, T, D, H, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((N, T, D)),
        "h0": rng.standard_normal((N, H)),
        "Wx": 0.6 * rng.standard_normal((D, 3 * H)),
        "Wh": 0.6 * rng.standard_normal((H, 3 * H)),
        "bx": 0.3 * rng.standard_normal(3 * H),
        "bh": 0.3 * rng.standard_normal(3 * H),
    }


def _naive_gru(x, h0, Wx, Wh, bx, bh):
    H = h0.shape[1]
    s = lambda v: 1 / (1 + np.exp(-v))
    h, hs = h0, []
    for t in range(x.shape[1]):
        ax, ah = x[:, t] @ Wx + bx, h @ Wh + bh
        r, z = s(ax[:, :H] + ah[:, :H]), s(ax[:, H : 2 * H] + ah[:, H : 2 * H])
        n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
        h = (1 - z) * n + z * h
        hs.append(h)
    return np.stack(hs, axis=1)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_forward_matches_naive_loop(N, T, D, H):
    p = _params(N, T, D, H)
    h, _ = gru_forward(**p)
    np.testing.assert_allclose(h, _naive_gru(**p), rtol=0, atol=1e-14)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_matches_finite_differences(N, T, D, H):
    p = _params(N, T, D, H, seed=N * T + D + H)
    dh = np.random.default_rng(9).standard_normal((N, T, H))
    _, cache = gru_forward(**p)
    grads = gru_backward(dh, cache)

    def loss(_):
        return np.sum(gru_forward(**p)[0] * dh)

    for name, analytic in zip(NAMES, grads):
        assert rel_error(analytic, numeric_grad(loss, p[name]), floor=1e-3) <= 1e-7, name


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 4, 2)])
def test_step_backward_matches_finite_differences(N, D, H):
    p = {
        k.replace("h0", "h_prev"): (v[:, 0] if k == "x" else v)
        for k, v in _params(N, 1, D, H, seed=4).items()
    }
    dh = np.random.default_rng(2).standard_normal((N, H))
    _, cache = gru_step_forward(**p)
    grads = gru_step_backward(dh, cache)

    def loss(_):
        return np.sum(gru_step_forward(**p)[0] * dh)

    for name, analytic in zip(["x", "h_prev", "Wx", "Wh", "bx", "bh"], grads):
        assert rel_error(analytic, numeric_grad(loss, p[name]), floor=1e-3) <= 1e-7, name


def test_step_by_hand():
    # Zero weights: r = z = sigmoid(0) = 1/2 from zero biases, n = tanh(bx_n + r * bh_n).
    z3 = np.zeros((1, 3))
    bx, bh = np.array([0.0, 0.0, 0.5]), np.array([0.0, 0.0, 1.0])
    h, cache = gru_step_forward(np.ones((1, 1)), np.full((1, 1), 2.0), z3, z3, bx, bh)
    n = np.tanh(0.5 + 0.5 * 1.0)  # the reset gate multiplies bh_n too (torch convention)
    assert h[0, 0] == pytest.approx(0.5 * n + 0.5 * 2.0, abs=1e-15)
    np.testing.assert_allclose(cache[4], [[0.5, 0.5, n]], atol=1e-15)
    np.testing.assert_allclose(cache[5], [[1.0]])  # hn = h_prev Wh_n + bh_n


def test_backward_accepts_a_cache_built_by_hand():
    """The documented layout (x, h0, Wx, Wh, gates, hn, h) is all the backward pass needs."""
    p = _params(2, 3, 2, 3, seed=5)
    H, s = 3, (lambda v: 1 / (1 + np.exp(-v)))
    gates, hns, hs, h = [], [], [], p["h0"]
    for t in range(3):
        ax, ah = p["x"][:, t] @ p["Wx"] + p["bx"], h @ p["Wh"] + p["bh"]
        rz = s(ax[:, : 2 * H] + ah[:, : 2 * H])
        n = np.tanh(ax[:, 2 * H :] + rz[:, :H] * ah[:, 2 * H :])
        gates.append(np.concatenate([rz, n], axis=1)), hns.append(ah[:, 2 * H :])
        h = (1 - rz[:, H:]) * n + rz[:, H:] * h
        hs.append(h)
    cache = (
        p["x"],
        p["h0"],
        p["Wx"],
        p["Wh"],
        np.stack(gates, 1),
        np.stack(hns, 1),
        np.stack(hs, 1),
    )
    dh = np.random.default_rng(1).standard_normal((2, 3, 3))
    for mine, ref in zip(gru_backward(dh, cache), gru_backward(dh, gru_forward(**p)[1])):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-14)


def test_large_inputs_are_finite_and_silent():
    x = np.array([[[1e4], [-1e4], [1e4]]])
    h, cache = gru_forward(
        x, np.zeros((1, 1)), np.array([[1.0, -1.0, 1.0]]), np.ones((1, 3)), np.zeros(3), np.zeros(3)
    )
    assert np.isfinite(h).all() and np.abs(h).max() <= 1
    assert all(np.isfinite(g).all() for g in gru_backward(np.ones_like(h), cache))


def test_float32_stays_float32():
    p = {k: v.astype(np.float32) for k, v in _params(2, 3, 4, 5).items()}
    h, cache = gru_forward(**p)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru_backward(np.ones_like(h), cache))


def test_no_python_loop_over_the_batch():
    def run(N):
        _, cache = gru_forward(**_params(N, 3, 2, 2))
        return gru_backward(np.ones((N, 3, 2)), cache)

    assert line_events(run, 1) == line_events(run, 7)


@pytest.mark.parametrize(
    "name,bad",
    [
        ("Wx", np.zeros((2, 12))),
        ("Wh", np.zeros((3, 3))),
        ("bx", np.zeros(12)),
        ("bh", np.zeros((9, 1))),
        ("h0", np.zeros((2, 3), dtype=int)),
    ],
)
def test_wrong_arguments_name_the_argument(name, bad):
    p = _params(2, 3, 2, 3)
    p[name] = bad
    with pytest.raises((ValueError, TypeError), match=name):
        gru_forward(**p)


def test_wrong_cache_and_upstream_gradient():
    _, cache = gru_forward(**_params(2, 3, 2, 3))
    with pytest.raises(ValueError, match="dh"):
        gru_backward(np.zeros((2, 4, 3)), cache)
    with pytest.raises(TypeError, match="cache"):
        gru_backward(np.zeros((2, 3, 3)), list(cache))


# -- the other variant (Cho et al. 2014): r applied before the product ----------------------------
def _step_params(N, D, H, seed):
    p = _params(N, 1, D, H, seed)
    return {
        "x": p["x"][:, 0],
        "h_prev": p["h0"],
        "Wx": p["Wx"],
        "Wh": p["Wh"],
        "bx": p["bx"],
        "bh": p["bh"],
    }


def test_cho_step_matches_its_formula():
    p = _step_params(3, 4, 5, seed=3)
    H, s = 5, (lambda v: 1 / (1 + np.exp(-v)))
    ax, Wh, bh = p["x"] @ p["Wx"] + p["bx"], p["Wh"], p["bh"]
    r = s(ax[:, :H] + p["h_prev"] @ Wh[:, :H] + bh[:H])
    z = s(ax[:, H : 2 * H] + p["h_prev"] @ Wh[:, H : 2 * H] + bh[H : 2 * H])
    n = np.tanh(ax[:, 2 * H :] + (r * p["h_prev"]) @ Wh[:, 2 * H :] + bh[2 * H :])
    np.testing.assert_allclose(gru_cho_step(**p), (1 - z) * n + z * p["h_prev"], rtol=0, atol=1e-14)


def test_cho_and_torch_conventions_differ_on_the_same_weights():
    p = _step_params(3, 4, 5, seed=3)
    assert np.abs(gru_cho_step(**p) - gru_step_forward(**p)[0]).max() > 1e-2


def test_cho_and_torch_conventions_agree_where_they_must():
    H = 5
    p = _step_params(3, 4, H, seed=6)
    # Wh^n diagonal (no mixing of units) and bh^n = 0: r * (h Wh^n) == (r * h) Wh^n.
    unmixed = dict(p, Wh=p["Wh"].copy(), bh=p["bh"].copy())
    unmixed["Wh"][:, 2 * H :] = np.diag(np.arange(1.0, H + 1) / H)
    unmixed["bh"][2 * H :] = 0
    np.testing.assert_allclose(
        gru_cho_step(**unmixed), gru_step_forward(**unmixed)[0], rtol=0, atol=1e-15
    )
    # The reset gate fully open (r = 1): both are tanh(x Wx^n + bx^n + h Wh^n + bh^n).
    open_gate = dict(p, bx=p["bx"].copy())
    open_gate["bx"][:H] = 100.0
    np.testing.assert_allclose(
        gru_cho_step(**open_gate), gru_step_forward(**open_gate)[0], rtol=0, atol=1e-15
    )


def test_cho_step_large_inputs_and_wrong_arguments():
    p = _step_params(2, 3, 2, seed=1)
    assert np.isfinite(gru_cho_step(**dict(p, x=1e4 * p["x"]))).all()
    with pytest.raises(ValueError, match="bh"):
        gru_cho_step(**dict(p, bh=np.zeros(4)))
    with pytest.raises(ValueError, match="Wx"):
        gru_cho_step(**dict(p, Wx=np.zeros((2, 6))))
