"""Expected values of notebook 03's visible checks (coursekit/visible/bptt.py), from the
reference, on that module's constants; a few are deliberately wrong answers that name a mistake."""

from __future__ import annotations

import numpy as np

from coursekit.visible import bptt as kit
from rnn_numpy.activations import log_softmax
from rnn_numpy.losses import temporal_softmax_loss
from rnn_numpy.pathologies import hidden_jacobian
from rnn_numpy.rnn import (
    rnn_backward,
    rnn_forward,
    rnn_output_backward,
    rnn_step_backward,
    rnn_step_forward,
)
from rnn_numpy.stacked import stacked_rnn_backward
from rnn_numpy.state_jacobian import state_jacobian_product

NAMES = ("dx", "dh_prev", "dWx", "dWh", "db")
SEQUENCE_NAMES = ("dx", "dh0", "dWx", "dWh", "db")


def expectations() -> dict[str, np.ndarray]:
    values = {}
    h, cache = rnn_step_forward(kit.X, kit.H_PREV, kit.WX, kit.WH, kit.B)
    values["step_h"] = h
    values.update(
        {f"step_{name}": grad for name, grad in zip(NAMES, rnn_step_backward(kit.DH_STEP, cache))}
    )
    a = kit.X @ kit.WX + kit.H_PREV @ kit.WH + kit.B  # the wrong derivative 1 - a**2
    values["step_dWh_pre_activation_derivative"] = kit.H_PREV.T @ (kit.DH_STEP * (1 - a**2))

    h_seq, seq_cache = rnn_forward(kit.X_SEQUENCE, kit.H_PREV, kit.WX, kit.WH, kit.B)
    values["sequence_h"] = h_seq
    dh_last = np.zeros_like(h_seq)
    dh_last[:, -1] = 1.0
    values["backward_last_dh0"] = rnn_backward(dh_last, seq_cache)[1]
    values.update(
        {
            f"backward_{name}": grad
            for name, grad in zip(SEQUENCE_NAMES, rnn_backward(kit.DH_SEQUENCE, seq_cache))
        }
    )
    # wrong dWh: only step 1's share (overwritten each step); a zero state before step 1
    da = _pre_activation_gradients(kit.DH_SEQUENCE, h_seq, kit.WH)
    values["backward_dWh_not_accumulated"] = kit.H_PREV.T @ da[:, 0]
    previous = np.concatenate([np.zeros_like(kit.H_PREV)[:, None], h_seq[:, :-1]], axis=1)
    values["backward_dWh_first_state_zero"] = np.einsum("nth,ntk->hk", previous, da)

    states = h_seq[0]
    for t, k in kit.JACOBIAN_STEPS:
        values[f"jacobian_{t}_{k}"] = state_jacobian_product(states, kit.WH, t, k)
        factors = [hidden_jacobian(states[s - 1], kit.WH) for s in range(k + 1, t + 1)]
        reversed_product, next_state = np.eye(kit.H), np.eye(kit.H)
        for s, factor in zip(range(k + 1, t + 1), factors):
            reversed_product = reversed_product @ factor
            if s < kit.T:
                next_state = hidden_jacobian(states[s], kit.WH) @ next_state
        values[f"jacobian_{t}_{k}_reversed"] = reversed_product
        values[f"jacobian_{t}_{k}_next_state"] = next_state

    layer_1 = {"Wx": kit.WX, "Wh": kit.WH, "b": kit.B}
    h2, _ = rnn_forward(
        h_seq,
        kit.STACK_H0_2,
        kit.STACK_LAYER_2["Wx"],
        kit.STACK_LAYER_2["Wh"],
        kit.STACK_LAYER_2["b"],
    )
    values["stack_h2"] = h2
    dx, dh0s, dparams = stacked_rnn_backward(
        kit.DH_STACK_TOP,
        (kit.X_SEQUENCE, [kit.H_PREV, kit.STACK_H0_2], [layer_1, kit.STACK_LAYER_2], [h_seq, h2]),
    )
    values.update(
        stack_dx=dx,
        stack_dh0_1=dh0s[0],
        stack_dh0_2=dh0s[1],
        stack_dWh_1=dparams[0]["Wh"],
        stack_dWh_2=dparams[1]["Wh"],
    )

    dh, dWy, dby = rnn_output_backward(kit.DLOGITS, (kit.H_OUTPUT, kit.WY))
    values.update(output_dh=dh, output_dWy=dWy, output_dby=dby)
    loss, dlogits = temporal_softmax_loss(kit.LOGITS, kit.TARGETS, kit.MASK)
    values.update(loss_value=np.array(loss), loss_dlogits=dlogits)

    nll = -log_softmax(kit.CHAR_PARAMS["by"])  # Wy = 0: logits = by
    L = kit.STREAM.shape[1]
    values["truncated_blind_losses"] = np.array(
        [
            nll[kit.STREAM[:, s + 1 : min(s + kit.CHUNK_LENGTH, L - 1) + 1]].sum() / kit.N
            for s in range(0, L - 1, kit.CHUNK_LENGTH)
        ]
    )
    return values


def _pre_activation_gradients(dh, h, Wh):
    """da_t for every step of rnn_backward (the gradient on each pre-activation)."""
    da = np.zeros_like(h)
    dh_next = np.zeros_like(h[:, 0])
    for t in reversed(range(h.shape[1])):
        da[:, t] = (dh[:, t] + dh_next) * (1 - h[:, t] ** 2)
        dh_next = da[:, t] @ Wh.T
    return da
