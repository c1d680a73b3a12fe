"""torch.nn as an independent oracle: same weights, same outputs, same gradients (autograd).

torch stores weight_ih as (gates*H, D) with rows in gate order (LSTM i, f, g, o; GRU r, z, n)
and uses column vectors, so our Wx is weight_ih.T and Wh is weight_hh.T. torch has two biases
per layer; the LSTM reference has one, b = bias_ih + bias_hh.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from grader.reference.gru import gru_backward, gru_forward        # noqa: E402
from grader.reference.lstm import lstm_backward, lstm_forward     # noqa: E402

SHAPES = [(1, 1, 1, 1), (3, 5, 4, 6), (2, 7, 3, 2)]               # (N, T, D, H)
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
    x, h0, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
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
    for mine, theirs in [(dx, tdx), (dh0, tdh0), (dc0, tdc0), (dWx, g["weight_ih_l0"].T),
                         (dWh, g["weight_hh_l0"].T), (db, g["bias_ih_l0"]), (db, g["bias_hh_l0"])]:
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

    h, cache = gru_forward(x, h0, P["weight_ih_l0"].T, P["weight_hh_l0"].T, P["bias_ih_l0"],
                           P["bias_hh_l0"])
    dx, dh0, dWx, dWh, dbx, dbh = gru_backward(dh, cache)
    out, tdx, (tdh0,), g = _run_torch(gru, x, (h0,), dh)
    np.testing.assert_allclose(h, out, **TOL)
    for mine, theirs in [(dx, tdx), (dh0, tdh0), (dWx, g["weight_ih_l0"].T),
                         (dWh, g["weight_hh_l0"].T), (dbx, g["bias_ih_l0"]),
                         (dbh, g["bias_hh_l0"])]:
        np.testing.assert_allclose(mine, theirs, **TOL)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_matches_torch(activation):
    rnn_module = pytest.importorskip("grader.reference.rnn")
    N, T, D, H = 3, 6, 4, 5
    rng = np.random.default_rng(7)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    rnn = torch.nn.RNN(D, H, nonlinearity=activation, batch_first=True).double()
    with torch.no_grad():
        for p in rnn.parameters():
            p.copy_(_t(0.5 * rng.standard_normal(tuple(p.shape))))
    P = {n: p.detach().numpy() for n, p in rnn.named_parameters()}
    dh = rng.standard_normal((N, T, H))
    h, cache = rnn_module.rnn_forward(x, h0, P["weight_ih_l0"].T, P["weight_hh_l0"].T,
                                      P["bias_ih_l0"] + P["bias_hh_l0"], activation=activation)
    dx, dh0, dWx, dWh, db = rnn_module.rnn_backward(dh, cache)
    out, tdx, (tdh0,), g = _run_torch(rnn, x, (h0,), dh)
    np.testing.assert_allclose(h, out, **TOL)
    for mine, theirs in [(dx, tdx), (dh0, tdh0), (dWx, g["weight_ih_l0"].T),
                         (dWh, g["weight_hh_l0"].T), (db, g["bias_ih_l0"])]:
        np.testing.assert_allclose(mine, theirs, **TOL)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_two_layer_stack_matches_torch(cell):
    """Outputs, dx, every layer's weight gradients and dh_0 of every layer (the LSTM layers
    start from nonzero (h0, c0))."""
    from grader.reference import stacked
    N, T, D, H = 2, 4, 3, 5
    rng = np.random.default_rng(11)
    x = rng.standard_normal((N, T, D))
    module = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(D, H, num_layers=2,
                                                                    batch_first=True).double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(_t(0.5 * rng.standard_normal(tuple(p.shape))))
    P = {n: p.detach().numpy() for n, p in module.named_parameters()}
    h0, c0 = rng.standard_normal((2, N, H)), rng.standard_normal((2, N, H))
    layer_params, states = [], []
    for l in range(2):
        w = {"Wx": P[f"weight_ih_l{l}"].T, "Wh": P[f"weight_hh_l{l}"].T}
        if cell == "lstm":
            w["b"] = P[f"bias_ih_l{l}"] + P[f"bias_hh_l{l}"]
            states.append((h0[l], c0[l]))
        else:
            w["bx"], w["bh"] = P[f"bias_ih_l{l}"], P[f"bias_hh_l{l}"]
            states.append(h0[l])
        layer_params.append(w)
    dh = rng.standard_normal((N, T, H))
    h, cache = stacked.stacked_forward(x, states, layer_params, cell=cell)
    dx, d_states, dparams = stacked.stacked_backward(dh, cache)

    xt, h0t, c0t = _t(x, True), _t(h0, True), _t(c0, True)
    out, _ = module(xt, (h0t, c0t) if cell == "lstm" else h0t)
    out.backward(_t(dh))
    np.testing.assert_allclose(h, out.detach().numpy(), **TOL)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **TOL)
    for l in range(2):
        np.testing.assert_allclose(d_states[l], h0t.grad.numpy()[l], **TOL)
        for name, torch_name in (("Wx", "weight_ih"), ("Wh", "weight_hh")):
            np.testing.assert_allclose(dparams[l][name], module.get_parameter(
                f"{torch_name}_l{l}").grad.numpy().T, **TOL)
