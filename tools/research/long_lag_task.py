"""The long-lag task of notebook 04 (section 5) and its training loop, for the research scripts.

Mirrors the notebook's cells (`marked_bit_batch`, `task_parameters`, `task_loss_and_grads`,
`task_accuracy`, `train_on_task`, and the functions learners write: global norm, both clippings,
RMSprop), extended with what the explosion experiment needs: ReLU units, an identity (IRNN)
start, the input-weight scale, and a record of rho(W_h) per step. Plain NumPy, no course imports,
so it runs unchanged before and after the layout change of issue 17.

Task: T = LEAD + lag steps; each step shows a random bit (one-hot, 2 channels); channel 3 marks
step k = LEAD. The loss is the cross-entropy of y_T = h_T Wy + by against the marked bit.
Shapes: x (N, T, 3), h (N, T, H), Wx (3, H), Wh (H, H), b (H,), Wy (H, 2), by (2,).
"""

from __future__ import annotations

import numpy as np

LEAD = 10  # the notebook's TASK_LEAD
BATCH = 32  # TASK_BATCH
TEST_SEQUENCES = 1000
SOLVED_ACCURACY = 0.9
DECAY_RATE = 0.9  # beta of RMSprop

PHI = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0), "linear": lambda a: a}
SLOPE = {
    "tanh": lambda h: 1 - h**2,
    "relu": lambda h: (h > 0).astype(float),
    "linear": np.ones_like,
}


def marked_bit_batch(rng, num_sequences, lag):
    T = LEAD + lag
    bits = rng.integers(0, 2, size=(num_sequences, T))
    x = np.zeros((num_sequences, T, 3))
    x[:, :, :2] = np.eye(2)[bits]
    x[:, LEAD - 1, 2] = 1.0
    return x, bits[:, LEAD - 1]


def spectral_radius(W):
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def task_parameters(rng, hidden, *, init="random", rho=0.9, input_scale=1.0):
    """init "random": N(0, 1) rescaled to spectral radius rho (the notebook); "identity": rho * I."""
    Wx = rng.normal(0.0, input_scale, (3, hidden))
    W = rng.normal(size=(hidden, hidden))
    Wh = rho * np.eye(hidden) if init == "identity" else W * (rho / spectral_radius(W))
    Wy = rng.normal(0.0, 0.1, (hidden, 2))
    return {"Wx": Wx, "Wh": Wh, "b": np.zeros(hidden), "Wy": Wy, "by": np.zeros(2)}


def forward(params, x, h0, activation):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_prev = h0
    for t in range(T):  # the notebook's order of operations, so runs agree to the last bit
        h_prev = PHI[activation](x[:, t] @ params["Wx"] + h_prev @ params["Wh"] + params["b"])
        h[:, t] = h_prev
    return h


def loss_and_grads(params, x, answer, activation, chunk_length=None):
    """Cross-entropy of y_T (mean over the batch) and its gradients by (truncated) BPTT."""
    N, T, _ = x.shape
    H = params["Wh"].shape[0]
    h_start = np.zeros((N, H))
    if chunk_length is not None and chunk_length < T:
        h_start = forward(params, x[:, : T - chunk_length], h_start, activation)[:, -1]
        x = x[:, T - chunk_length :]
        T = chunk_length
    h = forward(params, x, h_start, activation)
    logits = h[:, -1] @ params["Wy"] + params["by"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_probs[np.arange(N), answer].mean())
    dlogits = (np.exp(log_probs) - np.eye(2)[answer]) / N
    grads = {"Wy": h[:, -1].T @ dlogits, "by": dlogits.sum(axis=0)}
    dWx, dWh, db = np.zeros_like(params["Wx"]), np.zeros_like(params["Wh"]), np.zeros(H)
    dh = dlogits @ params["Wy"].T
    for t in reversed(range(T)):
        da = dh * SLOPE[activation](h[:, t])
        h_prev = h_start if t == 0 else h[:, t - 1]
        dWx += x[:, t].T @ da
        dWh += h_prev.T @ da
        db += da.sum(axis=0)
        dh = da @ params["Wh"].T
    grads.update(Wx=dWx, Wh=dWh, b=db)
    return loss, grads


def accuracy(params, lag, activation, seed):
    x, answer = marked_bit_batch(np.random.default_rng(seed + 1), TEST_SEQUENCES, lag)
    h = forward(params, x, np.zeros((TEST_SEQUENCES, params["Wh"].shape[0])), activation)
    logits = h[:, -1] @ params["Wy"] + params["by"]
    if not np.isfinite(logits).all():
        return 0.5  # a diverged network answers nothing: count it as chance
    return float(np.mean(np.argmax(logits, axis=1) == answer))


# -- what learners write (notebook 04, exercises 6 to 9) ------------------------------------------
def global_norm(grads):
    largest = max((float(np.max(np.abs(g))) for g in grads.values() if g.size), default=0.0)
    if largest == 0.0 or not np.isfinite(largest):
        return largest
    return largest * float(np.sqrt(sum(float(np.sum((g / largest) ** 2)) for g in grads.values())))


def clip_elementwise(grads, c):
    return {name: np.clip(g, -c, c) for name, g in grads.items()}


def clip_global_norm(grads, max_norm):
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return {name: g * scale for name, g in grads.items()}, norm


def rmsprop_step(param, grad, cache, learning_rate, decay_rate=DECAY_RATE, eps=1e-8):
    new_cache = decay_rate * cache + (1 - decay_rate) * grad**2
    return param - learning_rate * grad / (np.sqrt(new_cache) + eps), new_cache


def angle_degrees(grads, used):
    g = np.concatenate([grads[name].ravel() for name in grads])
    u = np.concatenate([used[name].ravel() for name in grads])
    cosine = g @ u / max(np.linalg.norm(g) * np.linalg.norm(u), 1e-300)
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def train(
    lag,
    *,
    seed,
    learning_rate,
    optimizer="sgd",
    clipping=None,
    clip_value=0.1,
    max_norm=1.0,
    activation="tanh",
    hidden=16,
    init="random",
    rho=0.9,
    input_scale=1.0,
    iterations=500,
    chunk_length=None,
    start=None,
):
    """Train a fresh network; per step: loss, global norm of the true gradient, angle of the step
    to it, rho(W_h) before the step. `start`: weights to begin from instead of a fresh draw.
    Stops at the first non-finite loss or gradient ("diverged_at")."""
    rng = np.random.default_rng(seed)
    params = task_parameters(rng, hidden, init=init, rho=rho, input_scale=input_scale)
    if start is not None:  # continue from given weights (the batches still come from `seed`)
        params = {name: value.copy() for name, value in start.items()}
    caches = {name: np.zeros_like(value) for name, value in params.items()}
    record = {"loss": [], "grad_norm": [], "angle": [], "rho": []}
    diverged_at = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(iterations):
            x, answer = marked_bit_batch(rng, BATCH, lag)
            record["rho"].append(
                spectral_radius(params["Wh"]) if np.isfinite(params["Wh"]).all() else np.inf
            )
            loss, grads = loss_and_grads(params, x, answer, activation, chunk_length)
            norm = global_norm(grads)
            record["loss"].append(loss)
            record["grad_norm"].append(norm)
            if not (np.isfinite(loss) and np.isfinite(norm)):
                diverged_at = step
                record["angle"].append(np.nan)
                break
            if clipping == "elementwise":
                used = clip_elementwise(grads, clip_value)
            elif clipping == "global":
                used, _ = clip_global_norm(grads, max_norm)
            else:
                used = grads
            record["angle"].append(angle_degrees(grads, used))
            for name in params:
                if optimizer == "sgd":
                    params[name] = params[name] - learning_rate * used[name]
                else:
                    params[name], caches[name] = rmsprop_step(
                        params[name], used[name], caches[name], learning_rate
                    )
        test = accuracy(params, lag, activation, seed) if diverged_at is None else 0.5
    out = {key: np.array(values) for key, values in record.items()}
    out.update(accuracy=test, diverged_at=diverged_at, params=params)
    return out


def gradient_norms_by_lag(h, Wh, activation):
    """||dh_T/dh_k||_2 for k = 1..T, shape (N, T) (notebook 04, exercise 2)."""
    N, T, H = h.shape
    norms = np.ones((N, T))
    product = np.broadcast_to(np.eye(H), (N, H, H))
    for k in range(T - 1, 0, -1):
        product = product @ (SLOPE[activation](h[:, k])[:, :, None] * Wh.T)
        norms[:, k - 1] = np.linalg.norm(product, ord=2, axis=(1, 2))
    return norms
