import numpy as np
import pytest

from rnn_numpy.mlp import dense_backward, dense_forward, mlp_backward, mlp_forward
from tests.library.helpers import numeric_grad, rel_error


def test_dense_forward_hand_computed():
    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out, cache = dense_forward(np.ones((1, 2)), W, np.array([0.5, -0.5, 1.0]))
    np.testing.assert_allclose(out, [[5.5, 6.5, 10.0]])
    assert len(cache) == 3 and cache[1] is W


def test_mlp_forward_matches_formula():
    rng = np.random.default_rng(0)
    x, W1, b1, W2, b2 = (rng.normal(size=s) for s in [(3, 4), (4, 5), (5,), (5, 2), (2,)])
    logits, cache = mlp_forward(x, W1, b1, W2, b2)
    np.testing.assert_allclose(logits, np.tanh(x @ W1 + b1) @ W2 + b2)
    np.testing.assert_allclose(cache[3], np.tanh(x @ W1 + b1))
    big, _ = mlp_forward(1e4 * x, W1, b1, W2, b2)
    assert np.all(np.isfinite(big))


def _check(analytic, numeric):
    assert analytic.shape == numeric.shape
    assert rel_error(analytic, numeric, floor=1e-3) <= 1e-7


@pytest.mark.parametrize("N, D, H", [(1, 1, 1), (1, 3, 2), (4, 3, 5)])
def test_dense_backward_finite_differences(N, D, H):
    rng = np.random.default_rng(N + D + H)
    x, W, b = rng.normal(size=(N, D)), rng.normal(size=(D, H)), rng.normal(size=H)
    dout = rng.normal(size=(N, H))
    f = lambda: float(np.sum(dense_forward(x, W, b)[0] * dout))
    dx, dW, db = dense_backward(dout, dense_forward(x, W, b)[1])
    for analytic, wrt in ((dx, x), (dW, W), (db, b)):
        _check(analytic, numeric_grad(lambda _: f(), wrt))


@pytest.mark.parametrize("N, D, H, V", [(1, 1, 1, 1), (1, 2, 3, 2), (5, 4, 3, 6)])
def test_mlp_backward_finite_differences(N, D, H, V):
    rng = np.random.default_rng(N * D + H * V)
    x = rng.normal(size=(N, D))
    params = [rng.normal(size=s) for s in [(D, H), (H,), (H, V), (V,)]]
    dlogits = rng.normal(size=(N, V))
    f = lambda: float(np.sum(mlp_forward(x, *params)[0] * dlogits))
    grads = mlp_backward(dlogits, mlp_forward(x, *params)[1])
    for analytic, wrt in zip(grads, [x, *params]):
        _check(analytic, numeric_grad(lambda _: f(), wrt))


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: dense_forward(np.zeros((2, 3)), np.zeros((4, 5)), np.zeros(5)),
            "W must have shape",
        ),
        (
            lambda: dense_forward(np.zeros((2, 3)), np.zeros((3, 5)), np.zeros(4)),
            "b must have shape",
        ),
        (
            lambda: mlp_forward(
                np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4), np.zeros((5, 2)), np.zeros(2)
            ),
            "W2 must have shape",
        ),
        (
            lambda: dense_forward(np.zeros((2, 3), int), np.zeros((3, 5)), np.zeros(5)),
            "x must be a floating",
        ),
    ],
)
def test_validation_names_the_argument(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
