"""Visible checks of notebook 02 (the RNN recurrence): one term at a time, so a message points at
the mistake. Conventions of the notebook: row vectors, h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b)."""
from __future__ import annotations

import numpy as np

from coursekit.visible.expect import (VisibleCheckFailed, call, expect_close, expect_shape,
                                      expect_true, passed)

# Small deterministic example (cs231n style): N=2, D=3, H=4, all sizes different so a transposed
# matrix shows up as a shape error, and Wh not symmetric so Wh and Wh.T give different answers.
N, D, H, V = 2, 3, 4, 5
X = np.linspace(-0.4, 0.5, N * D).reshape(N, D)
H_PREV = np.linspace(-0.3, 0.6, N * H).reshape(N, H)
WX = np.linspace(-0.5, 0.7, D * H).reshape(D, H)
WH = np.linspace(-0.6, 0.2, H * H).reshape(H, H)
B = np.linspace(-0.2, 0.4, H)
WY = np.linspace(-0.7, 0.6, H * V).reshape(H, V)
BY = np.linspace(-0.1, 0.3, V)


def _step(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh + b)


def _h_of(result, what, pair="(h, cache)"):
    """The learner's step/sequence function returns a pair such as (h, cache); its first part."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise VisibleCheckFailed(f"{what}: return the pair {pair}, got "
                                 f"{type(result).__name__}"
                                 + (f" of length {len(result)}" if isinstance(result, tuple) else ""))
    return result[0]


def check_rnn_step_forward(rnn_step_forward):
    zeros_x, zeros_h = np.zeros((N, D)), np.zeros((N, H))
    what = "zero input and zero state (h must be tanh(b) in every row)"
    h = _h_of(call(rnn_step_forward, zeros_x, zeros_h, WX, WH, B, what=what), what)
    expect_shape(h, (N, H), what=what)
    expect_close(h, np.tile(np.tanh(B), (N, 1)), what=what,
                 hint="With x = 0 and h_prev = 0 only the bias is left: did you add b, and "
                      "apply tanh?")
    what = "input only (h_prev = 0, b = 0)"
    h = _h_of(call(rnn_step_forward, X, zeros_h, WX, WH, np.zeros(H), what=what), what)
    expect_close(h, np.tanh(X @ WX), what=what,
                 hint="The input term is x @ Wx with x of shape (N, D) and Wx of shape (D, H).")
    what = "state only (x = 0, b = 0)"
    h = _h_of(call(rnn_step_forward, zeros_x, H_PREV, WX, WH, np.zeros(H), what=what), what)
    if np.allclose(h, np.tanh(H_PREV @ WH.T)):
        raise VisibleCheckFailed(f"{what}: you used Wh transposed. In the row-vector convention "
                                 f"the state term is h_prev @ Wh.")
    expect_close(h, np.tanh(H_PREV @ WH), what=what,
                 hint="The state term is h_prev @ Wh with h_prev of shape (N, H).")
    what = "all three terms"
    result = call(rnn_step_forward, X, H_PREV, WX, WH, B, what=what)
    h = _h_of(result, what)
    if np.allclose(h, X @ WX + H_PREV @ WH + B):
        raise VisibleCheckFailed(f"{what}: the result is the pre-activation; apply np.tanh.")
    expect_close(h, _step(X, H_PREV, WX, WH, B), what=what)
    cache = result[1]
    expect_true(isinstance(cache, tuple) and len(cache) == 6,
                what="the cache must be the tuple (x, h_prev, Wx, Wh, h, 'tanh')")
    expect_true(cache[5] == "tanh" and np.allclose(cache[4], h) and np.allclose(cache[1], H_PREV),
                what="the cache must be (x, h_prev, Wx, Wh, h, 'tanh') in this order",
                hint="Notebook 03's backward pass reads the cache in this order.")
    passed("rnn_step_forward")


def check_rnn_forward(rnn_forward):
    T = 3
    x = np.linspace(-0.5, 0.5, N * T * D).reshape(N, T, D)
    what = "T = 1 (must equal one step)"
    h = _h_of(call(rnn_forward, x[:, :1], H_PREV, WX, WH, B, what=what), what)
    expect_shape(h, (N, 1, H), what=what)
    expect_close(h[:, 0], _step(x[:, 0], H_PREV, WX, WH, B), what=what)
    what = f"N = {N}, T = {T}: the state at step 0 starts from h0"
    result = call(rnn_forward, x, H_PREV, WX, WH, B, what=what)
    h = _h_of(result, what)
    expect_shape(h, (N, T, H), what=what)
    expected, h_prev = [], H_PREV
    for t in range(T):
        h_prev = _step(x[:, t], h_prev, WX, WH, B)
        expected.append(h_prev)
    expected = np.stack(expected, axis=1)
    expect_close(h[:, 0], expected[:, 0], what=what)
    what = f"N = {N}, T = {T}: step t reads the state of step t-1"
    restarted = np.stack([_step(x[:, t], H_PREV, WX, WH, B) for t in range(T)], axis=1)
    if np.allclose(h, restarted):
        raise VisibleCheckFailed(f"{what}: every step used h0. Carry the new state into the "
                                 f"next step: h_prev = h_t.")
    expect_close(h, expected, what=what)
    cache = result[1]
    expect_true(isinstance(cache, tuple) and len(cache) == 6 and cache[5] == "tanh",
                what="the cache must be the tuple (x, h0, Wx, Wh, h, 'tanh')")
    expect_true(np.shape(cache[4]) == (N, T, H) and np.shape(cache[1]) == (N, H),
                what="the cache must hold h0 (N, H) second and all states h (N, T, H) fifth")
    passed("rnn_forward")


def check_rnn_output(rnn_output):
    T = 2
    h = np.linspace(-0.9, 0.9, N * T * H).reshape(N, T, H)
    what = "zero hidden states (logits must equal by)"
    result = call(rnn_output, np.zeros((N, T, H)), WY, BY, what=what)
    expect_true(isinstance(result, tuple) and len(result) == 2,
                what=f"{what}: return the pair (logits, cache)")
    expect_shape(result[0], (N, T, V), what=what)
    expect_close(result[0], np.broadcast_to(BY, (N, T, V)), what=what, hint="Did you add by?")
    what = f"N = {N}, T = {T}, H = {H}, V = {V}"
    logits, cache = call(rnn_output, h, WY, BY, what=what)
    expect_close(logits, h @ WY + BY, what=what, hint="logits = h @ Wy + by, with Wy (H, V).")
    what = "one step (h of shape (N, H))"
    logits_step, _ = call(rnn_output, h[:, 0], WY, BY, what=what)
    expect_close(logits_step, h[:, 0] @ WY + BY, what=what,
                 hint="The same line must work for h of shape (N, H).")
    expect_true(isinstance(cache, tuple) and len(cache) == 2 and np.shape(cache[1]) == (H, V),
                what="the cache must be the tuple (h, Wy)")
    passed("rnn_output")


def check_masked_rnn_forward(masked_rnn_forward):
    T = 4
    x = np.linspace(-0.5, 0.5, N * T * D).reshape(N, T, D)
    full = []
    h_prev = H_PREV
    for t in range(T):
        h_prev = _step(x[:, t], h_prev, WX, WH, B)
        full.append(h_prev)
    full = np.stack(full, axis=1)                                     # (N, T, H)
    what = "every sequence full length (must equal rnn_forward)"
    h = _h_of(call(masked_rnn_forward, x, H_PREV, WX, WH, B, np.array([T, T]), what=what), what)
    expect_shape(h, (N, T, H), what=what)
    expect_close(h, full, what=what)
    what = "lengths = [1, 3]: sequence 0 ends after step 0"
    result = call(masked_rnn_forward, x, H_PREV, WX, WH, B, np.array([1, 3]), what=what)
    h = _h_of(result, what)
    expect_close(h[0, 0], full[0, 0], what=f"{what}; its step 0")
    if np.allclose(h[0, 1:], 0):
        raise VisibleCheckFailed(f"{what}: past its end the state must stay frozen at its last "
                                 f"value h[0, 0], not be set to zero.")
    expect_close(h[0, 1:], np.broadcast_to(full[0, 0], (T - 1, H)), what=f"{what}; steps 1..3",
                 hint="Past the end of a sequence, copy the previous state: h_t = h_{t-1}.")
    expect_close(h[1, :3], full[1, :3], what="lengths = [1, 3]: sequence 1 steps 0..2",
                 hint="Freezing one sequence must not change the others.")
    expect_close(h[1, 3], full[1, 2], what="lengths = [1, 3]: sequence 1 step 3 (frozen)")
    expect_true(isinstance(result[1], tuple) and len(result[1]) == 7,
                what="the cache must be the tuple (x, h0, Wx, Wh, h, lengths, 'tanh')")
    passed("masked_rnn_forward")


def check_stacked_rnn_forward(stacked_rnn_forward):
    T, H2 = 3, 2
    x = np.linspace(-0.5, 0.5, N * T * D).reshape(N, T, D)
    layer0 = {"Wx": WX, "Wh": WH, "b": B}
    layer1 = {"Wx": np.linspace(-0.8, 0.8, H * H2).reshape(H, H2),
              "Wh": np.array([[0.3, -0.5], [0.4, 0.1]]), "b": np.array([0.1, -0.2])}
    h0s = [np.zeros((N, H)), np.linspace(-0.2, 0.2, N * H2).reshape(N, H2)]

    def run(x, h0, p):
        states, h_prev = [], h0
        for t in range(x.shape[1]):
            h_prev = _step(x[:, t], h_prev, p["Wx"], p["Wh"], p["b"])
            states.append(h_prev)
        return np.stack(states, axis=1)

    what = "one layer (must equal rnn_forward)"
    result = call(stacked_rnn_forward, x, h0s[:1], [layer0], what=what)
    h = _h_of(result, what, "(h_top, hs)")
    expect_shape(h, (N, T, H), what=what)
    expect_close(h, run(x, h0s[0], layer0), what=what)
    expect_true(isinstance(result[1], list) and len(result[1]) == 1,
                what=f"{what}: hs must be a list with one array of states per layer")
    what = f"two layers with H = {H} then {H2}"
    h = _h_of(call(stacked_rnn_forward, x, h0s, [layer0, layer1], what=what), what, "(h_top, hs)")
    expect_shape(h, (N, T, H2), what=f"{what} (the output is the top layer's states)")
    first = run(x, h0s[0], layer0)
    if np.allclose(h, run(first, np.zeros((N, H2)), layer1)):
        raise VisibleCheckFailed(f"{what}: layer 1 started from zeros; start layer l from h0s[l].")
    expect_close(h, run(first, h0s[1], layer1), what=what,
                 hint="Layer l reads the states of layer l-1 at every step, with its own weights.")
    passed("stacked_rnn_forward")


def _draws(Wx, Wh, b, Wy, by, h0, index, length, rng, temperature):
    """What the notebook's formula gives: one rng.choice per step (argmax if rng is None)."""
    h, out = h0[None, :], []
    for _ in range(length):
        h = np.tanh(np.eye(Wx.shape[0])[[index]] @ Wx + h @ Wh + b)
        z = (h @ Wy + by)[0]
        z = (z - z.max()) / temperature
        p = np.exp(z) / np.exp(z).sum()
        index = int(np.argmax(p)) if rng is None else int(rng.choice(len(p), p=p))
        out.append(index)
    return np.array(out)


def check_sample(sample):
    Wh, b, Wy = WH, B, WY
    Wx = np.linspace(-0.5, 0.7, V * H).reshape(V, H)           # one-hot inputs: D = V
    h0 = np.zeros(H)
    what = "length 6 from a fixed RNG"
    indices = call(sample, Wx, Wh, b, Wy, BY, h0, 2, 6, np.random.default_rng(0), what=what)
    indices = np.asarray(indices)
    expect_shape(indices, (6,), what=what)
    expect_true(indices.dtype.kind in "iu", what=f"{what}: return integer indices",
                hint="np.array(list_of_ints) or dtype=np.int64")
    expect_true(bool(np.all((indices >= 0) & (indices < V))), what=f"{what}: indices in 0..V-1")
    again = np.asarray(call(sample, Wx, Wh, b, Wy, BY, h0, 2, 6, np.random.default_rng(0),
                            what=what))
    expect_true(np.array_equal(indices, again), what=f"{what}: the same RNG seed must give the "
                f"same characters", hint="Draw only from the rng argument, never np.random.")
    what = "temperature 1e-3 (must pick the most probable character every time)"
    cold = np.asarray(call(sample, Wx, Wh, b, Wy, BY, h0, 2, 6, np.random.default_rng(1),
                           temperature=1e-3, what=what))
    expect_true(np.array_equal(cold, _draws(Wx, Wh, b, Wy, BY, h0, 2, 6, None, 1e-3)), what=what,
                hint="Divide the logits by the temperature before the softmax (subtract the "
                     "maximum first), feed each drawn character back in, carry the state.")
    for temperature in (1.0, 2.0):
        what = f"20 characters at temperature {temperature} from np.random.default_rng(3)"
        drawn = np.asarray(call(sample, Wx, Wh, b, Wy, BY, h0, 2, 20, np.random.default_rng(3),
                                temperature=temperature, what=what))
        expected = _draws(Wx, Wh, b, Wy, BY, h0, 2, 20, np.random.default_rng(3), temperature)
        expect_true(np.array_equal(drawn, expected), what=f"{what}: not the expected characters",
                    hint="Call rng.choice(V, p=p) exactly once per character (not np.argmax, "
                         "not np.random), feed the character just drawn back in as the next "
                         "input, and carry the state h from step to step.")
    passed("sample")


def check_hand_designed_rnn(hand_designed_rnn):
    weights = call(hand_designed_rnn, what="hand_designed_rnn()")
    expect_true(isinstance(weights, dict) and set(weights) >= {"Wx", "Wh", "b", "Wy", "by"},
                what="return a dict with the keys 'Wx', 'Wh', 'b', 'Wy', 'by'")
    Wx, Wh, b, Wy, by = (np.asarray(weights[k], dtype=float) for k in ("Wx", "Wh", "b", "Wy", "by"))
    hidden = Wh.shape[0] if Wh.ndim == 2 else -1
    for name, value, shape in (("Wx", Wx, (3, hidden)), ("Wh", Wh, (hidden, hidden)),
                               ("b", b, (hidden,)), ("Wy", Wy, (hidden, 2)), ("by", by, (2,))):
        expect_shape(value, shape, what=f"weights[{name!r}] (H = {hidden} from Wh)")
    for text in ("bcbcb", "abcbc", "bbbba", "cccbbbcccbbbacccbbbccc", "a", "c", "bacab"):
        h = np.zeros((1, hidden))
        for t, char in enumerate(text):
            h = np.tanh(np.eye(3)[["abc".index(char)]] @ Wx + h @ Wh + b)
            logits = h @ Wy + by
            said = bool(logits[0, 1] > logits[0, 0])
            truth = "a" in text[:t + 1]
            if said != truth:
                raise VisibleCheckFailed(
                    f"on {text!r}, after reading {text[:t + 1]!r} your network answers "
                    f"{'yes' if said else 'no'}, but the answer is {'yes' if truth else 'no'}")
    passed("hand_designed_rnn", "7 example sequences answered correctly at every step")
