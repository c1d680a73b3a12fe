"""torch.nn as an independent oracle: same weights, same outputs, same gradients (autograd).

torch stores weight_ih as (gates*H, D) with rows in gate order (LSTM i, f, g, o; GRU r, z, n)
and uses column vectors, so our Wx is weight_ih.T and Wh is weight_hh.T. torch has two biases
per layer; the LSTM reference has one, b = bias_ih + bias_hh.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnn_numpy.gru import gru_backward, gru_forward  # noqa: E402
from rnn_numpy.lstm import lstm_backward, lstm_forward  # noqa: E402

SHAPES = [(1, 1, 1, 1), (3, 5, 4, 6), (2, 7, 3, 2)]  # (N, T, D, H)
TOL = dict(rtol=1e-10, atol=1e-12)


def _t(array, grad=False):
    return torch.tensor(array, dtype=torch.float64, requires_grad=grad)


def _run_torch(module, x, states, dh):
    """Output and gradients of sum(out * dh) for a batch_first torch module."""
    xt = _t(x, True)
    st = tuple(_t(s[None], True) for s in states)
    out, _ = module(xt, st if len(st) > 1 else st[0])
    out.backward(_t(dh))
    grads = {name: p.grad.numpy() for name, p in module.named_parameters()}
    return out.detach().numpy(), xt.grad.numpy(), [s.grad.numpy()[0] for s in st], grads


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_lstm_matches_torch(N, T, D, H):
    rng = np.random.default_rng(N * T)
    x, h0, c0 = (
        rng.standard_normal((N, T, D)),
        rng.standard_normal((N, H)),
        rng.standard_normal((N, H)),
    )
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():
        for p in lstm.parameters():
            p.copy_(_t(rng.standard_normal(tuple(p.shape))))
    Wx, Wh = lstm.weight_ih_l0.detach().numpy().T, lstm.weight_hh_l0.detach().numpy().T
    b = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().numpy()
    dh = rng.standard_normal((N, T, H))

    h, cache = lstm_forward(x, h0, Wx, Wh, b, c0=c0)
    dx, dh0, dWx, dWh, db, dc0 = lstm_backward(dh, cache, return_dc0=True)
    out, tdx, (tdh0, tdc0), g = _run_torch(lstm, x, (h0, c0), dh)
    np.testing.assert_allclose(h, out, **TOL)
    for mine, theirs in [
        (dx, tdx),
        (dh0, tdh0),
        (dc0, tdc0),
        (dWx, g["weight_ih_l0"].T),
        (dWh, g["weight_hh_l0"].T),
        (db, g["bias_ih_l0"]),
        (db, g["bias_hh_l0"]),
    ]:
        np.testing.assert_allclose(mine, theirs, **TOL)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_gru_matches_torch(N, T, D, H):
    rng = np.random.default_rng(N + T)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    gru = torch.nn.GRU(D, H, batch_first=True).double()
    with torch.no_grad():
        for p in gru.parameters():
            p.copy_(_t(rng.standard_normal(tuple(p.shape))))
    P = {n: p.detach().numpy() for n, p in gru.named_parameters()}
    dh = rng.standard_normal((N, T, H))

    h, cache = gru_forward(
        x, h0, P["weight_ih_l0"].T, P["weight_hh_l0"].T, P["bias_ih_l0"], P["bias_hh_l0"]
    )
    dx, dh0, dWx, dWh, dbx, dbh = gru_backward(dh, cache)
    out, tdx, (tdh0,), g = _run_torch(gru, x, (h0,), dh)
    np.testing.assert_allclose(h, out, **TOL)
    for mine, theirs in [
        (dx, tdx),
        (dh0, tdh0),
        (dWx, g["weight_ih_l0"].T),
        (dWh, g["weight_hh_l0"].T),
        (dbx, g["bias_ih_l0"]),
        (dbh, g["bias_hh_l0"]),
    ]:
        np.testing.assert_allclose(mine, theirs, **TOL)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_matches_torch(activation):
    rnn_module = pytest.importorskip("rnn_numpy.rnn")
    N, T, D, H = 3, 6, 4, 5
    rng = np.random.default_rng(7)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    rnn = torch.nn.RNN(D, H, nonlinearity=activation, batch_first=True).double()
    with torch.no_grad():
        for p in rnn.parameters():
            p.copy_(_t(0.5 * rng.standard_normal(tuple(p.shape))))
    P = {n: p.detach().numpy() for n, p in rnn.named_parameters()}
    dh = rng.standard_normal((N, T, H))
    h, cache = rnn_module.rnn_forward(
        x,
        h0,
        P["weight_ih_l0"].T,
        P["weight_hh_l0"].T,
        P["bias_ih_l0"] + P["bias_hh_l0"],
        activation=activation,
    )
    dx, dh0, dWx, dWh, db = rnn_module.rnn_backward(dh, cache)
    out, tdx, (tdh0,), g = _run_torch(rnn, x, (h0,), dh)
    np.testing.assert_allclose(h, out, **TOL)
    for mine, theirs in [
        (dx, tdx),
        (dh0, tdh0),
        (dWx, g["weight_ih_l0"].T),
        (dWh, g["weight_hh_l0"].T),
        (db, g["bias_ih_l0"]),
    ]:
        np.testing.assert_allclose(mine, theirs, **TOL)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_two_layer_stack_matches_torch(cell):
    """Outputs, dx, every layer's weight gradients and dh_0 of every layer (the LSTM layers
    start from nonzero (h0, c0))."""
    from rnn_numpy import stacked

    N, T, D, H = 2, 4, 3, 5
    rng = np.random.default_rng(11)
    x = rng.standard_normal((N, T, D))
    module = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(
        D, H, num_layers=2, batch_first=True
    ).double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(_t(0.5 * rng.standard_normal(tuple(p.shape))))
    P = {n: p.detach().numpy() for n, p in module.named_parameters()}
    h0, c0 = rng.standard_normal((2, N, H)), rng.standard_normal((2, N, H))
    layer_params, states = [], []
    for layer in range(2):
        w = {"Wx": P[f"weight_ih_l{layer}"].T, "Wh": P[f"weight_hh_l{layer}"].T}
        if cell == "lstm":
            w["b"] = P[f"bias_ih_l{layer}"] + P[f"bias_hh_l{layer}"]
            states.append((h0[layer], c0[layer]))
        else:
            w["bx"], w["bh"] = P[f"bias_ih_l{layer}"], P[f"bias_hh_l{layer}"]
            states.append(h0[layer])
        layer_params.append(w)
    dh = rng.standard_normal((N, T, H))
    h, cache = stacked.stacked_forward(x, states, layer_params, cell=cell)
    dx, d_states, dparams = stacked.stacked_backward(dh, cache)

    xt, h0t, c0t = _t(x, True), _t(h0, True), _t(c0, True)
    out, _ = module(xt, (h0t, c0t) if cell == "lstm" else h0t)
    out.backward(_t(dh))
    np.testing.assert_allclose(h, out.detach().numpy(), **TOL)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **TOL)
    for layer in range(2):
        np.testing.assert_allclose(d_states[layer], h0t.grad.numpy()[layer], **TOL)
        for name, torch_name in (("Wx", "weight_ih"), ("Wh", "weight_hh")):
            np.testing.assert_allclose(
                dparams[layer][name],
                module.get_parameter(f"{torch_name}_l{layer}").grad.numpy().T,
                **TOL,
            )


# -- notebook 04: gradient norms, clipping, RMSprop --------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_gradient_norms_by_lag_match_torch_autograd_jacobians(activation):
    """||dh_T/dh_k||_2 from torch.autograd.functional.jacobian of the recurrence from h_k."""
    from rnn_numpy.pathologies import gradient_norms_by_lag
    from rnn_numpy.rnn import rnn_forward

    rng = np.random.default_rng(4)
    N, T, D, H = 2, 5, 3, 4
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh, b = (
        rng.standard_normal((D, H)),
        0.6 * rng.standard_normal((H, H)),
        rng.standard_normal(H),
    )
    h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
    phi = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda a: a}[activation]
    norms = gradient_norms_by_lag(h, Wh, activation)
    for n in range(N):
        for k in range(1, T + 1):  # h[:, k-1] is h_k; run steps k+1..T from it

            def last_state(h_k, n=n, k=k):
                state = h_k
                for t in range(k + 1, T + 1):
                    state = phi(_t(x[n, t - 1]) @ _t(Wx) + state @ _t(Wh) + _t(b))
                return state

            jacobian = torch.autograd.functional.jacobian(last_state, _t(h[n, k - 1])).numpy()
            np.testing.assert_allclose(norms[n, k - 1], np.linalg.norm(jacobian, 2), **TOL)


def test_clipping_matches_torch_clip_grad():
    from rnn_numpy.clipping import clip_elementwise, clip_global_norm

    rng = np.random.default_rng(5)
    grads = {
        "Wx": 3 * rng.standard_normal((3, 4)),
        "Wh": rng.standard_normal((4, 4)),
        "b": rng.standard_normal(4),
    }
    for max_norm in (0.5, 1e3):
        params = [torch.nn.Parameter(_t(np.zeros_like(g))) for g in grads.values()]
        for p, g in zip(params, grads.values()):
            p.grad = _t(g)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=2.0)
        clipped, norm = clip_global_norm(grads, max_norm)
        assert norm == pytest.approx(float(total), rel=1e-12)
        for p, name in zip(params, grads):
            np.testing.assert_allclose(clipped[name], p.grad.numpy(), rtol=1e-6, atol=1e-12)
    params = [torch.nn.Parameter(_t(np.zeros_like(g))) for g in grads.values()]
    for p, g in zip(params, grads.values()):
        p.grad = _t(g)
    torch.nn.utils.clip_grad_value_(params, 0.7)
    clipped = clip_elementwise(grads, 0.7)
    for p, name in zip(params, grads):
        np.testing.assert_array_equal(clipped[name], p.grad.numpy())


def test_rmsprop_matches_torch_rmsprop():
    """torch.optim.RMSprop(alpha=decay_rate, eps outside the root, no momentum, not centred)."""
    from rnn_numpy.optim import rmsprop_step

    rng = np.random.default_rng(6)
    param, cache = rng.standard_normal(5), np.zeros(5)
    weight = torch.nn.Parameter(_t(param.copy()))
    optimizer = torch.optim.RMSprop([weight], lr=0.01, alpha=0.9, eps=1e-8)
    for _ in range(4):
        grad = rng.standard_normal(5) * 10 ** rng.uniform(-3, 2)
        param, cache = rmsprop_step(param, grad, cache, 0.01, decay_rate=0.9, eps=1e-8)
        weight.grad = _t(grad)
        optimizer.step()
        np.testing.assert_allclose(param, weight.detach().numpy(), rtol=1e-12, atol=1e-14)
