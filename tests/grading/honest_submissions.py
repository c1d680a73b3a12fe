"""Correct submissions of 02_rnn_recurrence written independently, and one planted copy.

Each honest variant is what a learner types in place of the release's `# YOUR CODE HERE` /
`raise NotImplementedError()` in every code solution cell, written in a style of its own
(loops or stacking, `@` or `np.dot` or einsum, other names and other hand-chosen weights), the
way several learners of a class solve the same exercises. `COPY_OF_B` is variant B with every
variable renamed and its layout changed: what a learner who copied B would hand in. The
similarity tests (test_similarity.py) grade them and rank their pairs.
"""

from __future__ import annotations

import copy

import nbformat

ASSIGNMENT = "02_rnn_recurrence"
PLACEHOLDER = "    # YOUR CODE HERE\n    raise NotImplementedError()"

VARIANT_A = {
    "rnn_step_forward": """
    pre = np.dot(x, Wx) + np.dot(h_prev, Wh) + b
    h = np.tanh(pre)
    cache = (x, h_prev, Wx, Wh, h, "tanh")""",
    "rnn_forward": """
    N, T, D = x.shape
    states = []
    current = h0
    for step in range(T):
        current, _ = rnn_step_forward(x[:, step, :], current, Wx, Wh, b)
        states.append(current)
    h = np.stack(states, axis=1)
    cache = (x, h0, Wx, Wh, h, "tanh")""",
    "rnn_output": """
    logits = np.matmul(h, Wy) + by
    cache = (h, Wy)""",
    "masked_rnn_forward": """
    N, T, D = x.shape
    h = np.empty((N, T, Wh.shape[0]))
    state = h0.copy()
    for t in range(T):
        nxt, _ = rnn_step_forward(x[:, t, :], state, Wx, Wh, b)
        keep = lengths > t
        state = np.where(keep[:, None], nxt, state)
        h[:, t, :] = state
    cache = (x, h0, Wx, Wh, h, lengths, "tanh")""",
    "stacked_rnn_forward": """
    hs = []
    inputs = x
    for layer in range(len(layer_params)):
        p = layer_params[layer]
        inputs, _ = rnn_forward(inputs, h0s[layer], p["Wx"], p["Wh"], p["b"])
        hs.append(inputs)
    h = inputs""",
    "sample": """
    V = Wy.shape[1]
    state = h0.reshape(1, -1)
    prev = first_index
    out = []
    for _ in range(length):
        onehot = np.zeros((1, V))
        onehot[0, prev] = 1.0
        state, _ = rnn_step_forward(onehot, state, Wx, Wh, b)
        scores, _ = rnn_output(state, Wy, by)
        z = scores[0] / temperature
        z -= np.max(z)
        probs = np.exp(z)
        probs /= probs.sum()
        prev = int(rng.choice(V, p=probs))
        out.append(prev)
    indices = np.array(out, dtype=np.int64)""",
    "hand_designed_rnn": """
    big = 20.0
    weights = {"Wx": np.array([[2 * big], [0.0], [0.0]]), "Wh": np.array([[big]]),
               "b": np.array([-big / 4]), "Wy": np.array([[-1.0, 1.0]]),
               "by": np.array([0.0, 0.0])}""",
}

VARIANT_B = {
    "rnn_step_forward": '''
    z = x.dot(Wx) + h_prev.dot(Wh)
    z = z + b
    h = np.tanh(z)
    cache = x, h_prev, Wx, Wh, h, "tanh"''',
    "rnn_forward": """
    batch, steps = x.shape[0], x.shape[1]
    hidden = h0.shape[-1]
    h = np.zeros((batch, steps, hidden), dtype=float)
    prev = h0
    t = 0
    while t < steps:
        prev = rnn_step_forward(x[:, t], prev, Wx, Wh, b)[0]
        h[:, t] = prev
        t += 1
    cache = (x, h0, Wx, Wh, h, "tanh")""",
    "rnn_output": """
    cache = (h, Wy)
    logits = h.dot(Wy) + by""",
    "masked_rnn_forward": """
    h_list = []
    last = h0
    for t in range(x.shape[1]):
        candidate = rnn_step_forward(x[:, t], last, Wx, Wh, b)[0]
        mask = (t < lengths).reshape(-1, 1).astype(float)
        last = mask * candidate + (1.0 - mask) * last
        h_list.append(last)
    h = np.stack(h_list, 1)
    cache = (x, h0, Wx, Wh, h, lengths, "tanh")""",
    "stacked_rnn_forward": """
    layer_input = x
    hs = []
    for m, (h0, params) in enumerate(zip(h0s, layer_params)):
        layer_input = rnn_forward(layer_input, h0, params["Wx"], params["Wh"], params["b"])[0]
        hs.append(layer_input)
    h = hs[-1]""",
    "sample": """
    vocab = len(by)
    hidden_state = np.atleast_2d(h0)
    current = first_index
    indices = np.empty(length, dtype=np.int64)
    eye = np.eye(vocab)
    for i in range(length):
        hidden_state, _ = rnn_step_forward(eye[current][None, :], hidden_state, Wx, Wh, b)
        y, _ = rnn_output(hidden_state, Wy, by)
        y = y[0] / temperature
        e = np.exp(y - y.max())
        current = int(rng.choice(vocab, p=e / e.sum()))
        indices[i] = current""",
    "hand_designed_rnn": """
    weights = dict(Wx=np.array([[30.0], [0.0], [0.0]]), Wh=np.array([[15.0]]),
                   b=np.array([-6.0]), Wy=np.array([[-2.0, 2.0]]), by=np.array([0.0, 0.0]))""",
}

VARIANT_C = {
    "rnn_step_forward": """
    h = np.tanh(np.matmul(x, Wx) + np.matmul(h_prev, Wh) + b[None, :])
    cache = (x, h_prev, Wx, Wh, h, 'tanh')""",
    "rnn_forward": """
    outs = [h0]
    for t in range(x.shape[1]):
        nxt, _cache = rnn_step_forward(x[:, t, :], outs[-1], Wx, Wh, b)
        outs.append(nxt)
    h = np.array(outs[1:]).transpose(1, 0, 2)
    cache = (x, h0, Wx, Wh, h, 'tanh')""",
    "rnn_output": """
    logits = np.einsum('...h,hv->...v', h, Wy) + by
    cache = (h, Wy)""",
    "masked_rnn_forward": """
    N, T = x.shape[:2]
    h = np.zeros((N, T, h0.shape[1]))
    cur = h0.copy()
    for t in range(T):
        new_h, _ = rnn_step_forward(x[:, t], cur, Wx, Wh, b)
        cur = cur.copy()
        alive = np.flatnonzero(lengths > t)
        cur[alive] = new_h[alive]
        h[:, t] = cur
    cache = (x, h0, Wx, Wh, h, lengths, 'tanh')""",
    "stacked_rnn_forward": """
    hs = []
    for i, p in enumerate(layer_params):
        below = x if i == 0 else hs[i - 1]
        out, _ = rnn_forward(below, h0s[i], p['Wx'], p['Wh'], p['b'])
        hs.append(out)
    h = hs[-1]""",
    "sample": """
    H, V = Wh.shape[0], Wx.shape[0]
    hcur = h0.reshape(1, H)
    token = first_index
    result = []
    while len(result) < length:
        inp = np.zeros((1, V))
        inp[0][token] = 1
        hcur, _ = rnn_step_forward(inp, hcur, Wx, Wh, b)
        lg, _ = rnn_output(hcur, Wy, by)
        a = lg.ravel() / temperature
        a = a - a.max()
        pr = np.exp(a) / np.sum(np.exp(a))
        token = int(rng.choice(V, p=pr))
        result.append(token)
    indices = np.asarray(result, dtype=np.int64)""",
    "hand_designed_rnn": """
    Wx = np.zeros((3, 2))
    Wx[0] = [12.0, 12.0]
    Wh = np.eye(2) * 6.0
    b = np.full(2, -3.0)
    weights = {"Wx": Wx, "Wh": Wh, "b": b, "Wy": np.array([[0.0, 1.0], [0.0, 1.0]]),
               "by": np.array([0.5, 0.0])}""",
}

# Variant B, copied: every name changed, comments added (one of them HTML, which the similarity
# page must show as text); the same code.
HOSTILE_COMMENT = """</pre><img src=x onerror="document.title='copied'">"""
COPY_OF_B = {
    "rnn_step_forward": '''
    pre_act = x.dot(Wx) + h_prev.dot(Wh)   # input and recurrent parts
    pre_act = pre_act + b
    h = np.tanh(pre_act)
    cache = x, h_prev, Wx, Wh, h, "tanh"''',
    "rnn_forward": """
    n_seq, n_steps = x.shape[0], x.shape[1]
    size = h0.shape[-1]
    h = np.zeros((n_seq, n_steps, size), dtype=float)
    state = h0
    k = 0
    while k < n_steps:
        # next state </pre><img src=x onerror="document.title='copied'">
        state = rnn_step_forward(x[:, k], state, Wx, Wh, b)[0]
        h[:, k] = state
        k += 1
    cache = (x, h0, Wx, Wh, h, "tanh")""",
    "rnn_output": """
    cache = (h, Wy)
    logits = h.dot(Wy) + by""",
    "masked_rnn_forward": """
    collected = []
    running = h0
    for k in range(x.shape[1]):
        proposal = rnn_step_forward(x[:, k], running, Wx, Wh, b)[0]
        on = (k < lengths).reshape(-1, 1).astype(float)
        running = on * proposal + (1.0 - on) * running   # frozen after the end
        collected.append(running)
    h = np.stack(collected, 1)
    cache = (x, h0, Wx, Wh, h, lengths, "tanh")""",
    "stacked_rnn_forward": """
    feed = x
    hs = []
    for idx, (start, weights) in enumerate(zip(h0s, layer_params)):
        feed = rnn_forward(feed, start, weights["Wx"], weights["Wh"], weights["b"])[0]
        hs.append(feed)
    h = hs[-1]""",
    "sample": """
    n_chars = len(by)
    hid = np.atleast_2d(h0)
    char = first_index
    indices = np.empty(length, dtype=np.int64)
    identity = np.eye(n_chars)
    for j in range(length):
        hid, _ = rnn_step_forward(identity[char][None, :], hid, Wx, Wh, b)
        out, _ = rnn_output(hid, Wy, by)
        out = out[0] / temperature
        ex = np.exp(out - out.max())
        char = int(rng.choice(n_chars, p=ex / ex.sum()))
        indices[j] = char""",
    "hand_designed_rnn": """
    weights = dict(Wx=np.array([[30.0], [0.0], [0.0]]), Wh=np.array([[15.0]]),
                   b=np.array([-6.0]), Wy=np.array([[-2.0, 2.0]]), by=np.array([0.0, 0.0]))""",
}

HONEST = {"honest_a": VARIANT_A, "honest_b": VARIANT_B, "honest_c": VARIANT_C}


def build(release: nbformat.NotebookNode, bodies: dict[str, str]) -> nbformat.NotebookNode:
    """The release notebook with each code solution cell's placeholder replaced by `bodies`."""
    notebook = copy.deepcopy(release)
    missing = set(bodies)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in bodies:
            if cell.source.count(PLACEHOLDER) != 1:
                raise ValueError(f"{grade_id}: the release's placeholder is not there once")
            cell.source = cell.source.replace(PLACEHOLDER, bodies[grade_id].strip("\n"))
            missing.discard(grade_id)
    if missing:
        raise KeyError(f"no solution cells {sorted(missing)}")
    return notebook
