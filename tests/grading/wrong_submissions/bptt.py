"""Wrong submissions of 03_bptt: one realistic mistake each (see __init__.py).

Each was verified by executing the modified solution notebook (nbclient, cwd = its folder, so
hidden checks run locally) and listing the hidden test cells that raised."""
from tests.grading.wrong_submissions import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name='rnn_step_backward_derivative_of_pre_activation',
        why='the tanh derivative is taken of the pre-activation a = x Wx + h_prev Wh (1 - a**2) instead of written with h; rnn_backward and truncated_bptt call it.',
        replacements={'rnn_step_backward': '''def rnn_step_backward(dh, cache):
    """Backward pass of one tanh RNN step, h = tanh(x @ Wx + h_prev @ Wh + b).

    N sequences in the batch, D input size, H hidden size.
    Inputs:
    - dh: gradient of the loss with respect to h, shape (N, H)
    - cache: the tuple (x, h_prev, Wx, Wh, h, "tanh") from rnn_step_forward, with
      x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), h (N, H)
    Returns:
    - dx: shape (N, D)
    - dh_prev: shape (N, H)
    - dWx: shape (D, H)
    - dWh: shape (H, H)
    - db: shape (H,)
    """
    x, h_prev, Wx, Wh, h, _ = cache
    a = x @ Wx + h_prev @ Wh
    da = dh * (1 - a ** 2)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db
'''},
        failing_checks=frozenset(['rnn_backward', 'rnn_step_backward', 'truncated_bptt']),
    ),
    WrongSubmission(
        name='rnn_step_backward_Wh_not_transposed',
        why='dh_prev = da @ Wh (a transposed weight); rnn_backward and truncated_bptt call it.',
        replacements={'rnn_step_backward': '''def rnn_step_backward(dh, cache):
    """Backward pass of one tanh RNN step, h = tanh(x @ Wx + h_prev @ Wh + b).

    N sequences in the batch, D input size, H hidden size.
    Inputs:
    - dh: gradient of the loss with respect to h, shape (N, H)
    - cache: the tuple (x, h_prev, Wx, Wh, h, "tanh") from rnn_step_forward, with
      x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), h (N, H)
    Returns:
    - dx: shape (N, D)
    - dh_prev: shape (N, H)
    - dWx: shape (D, H)
    - dWh: shape (H, H)
    - db: shape (H,)
    """
    x, h_prev, Wx, Wh, h, _ = cache
    da = dh * (1 - h ** 2)                 # (N, H): gradient on the pre-activation
    dx = da @ Wx.T
    dh_prev = da @ Wh
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db
'''},
        failing_checks=frozenset(['rnn_backward', 'rnn_step_backward', 'truncated_bptt']),
    ),
    WrongSubmission(
        name='rnn_backward_not_accumulated',
        why='the weight gradients are overwritten at every step instead of summed over time; truncated_bptt calls rnn_backward.',
        replacements={'rnn_backward': '''def rnn_backward(dh, cache):
    """Backpropagation through time for rnn_forward.

    N sequences in the batch, T steps, D input size, H hidden size.
    Inputs:
    - dh: gradient of the loss with respect to every state h[:, t], shape (N, T, H)
      (only the part that comes from the outputs at step t, not from later steps)
    - cache: the tuple (x, h0, Wx, Wh, h, "tanh") from rnn_forward, with
      x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), h (N, T, H)
    Returns:
    - dx: shape (N, T, D)
    - dh0: shape (N, H)
    - dWx: shape (D, H), summed over all steps
    - dWh: shape (H, H), summed over all steps
    - db: shape (H,), summed over all steps
    """
    x, h0, Wx, Wh, h, _ = cache
    N, T, D = x.shape
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    dh_next = np.zeros_like(h0)               # gradient arriving from step t+1
    for t in reversed(range(T)):
        h_prev = h0 if t == 0 else h[:, t - 1]
        step_cache = (x[:, t], h_prev, Wx, Wh, h[:, t], "tanh")
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, step_cache)
        dWx = dWx_t                           # the same weights act at every step:
        dWh = dWh_t                           # their gradients add up over time
        db = db_t
    dh0 = dh_next
    return dx, dh0, dWx, dWh, db
'''},
        failing_checks=frozenset(['rnn_backward', 'truncated_bptt']),
    ),
    WrongSubmission(
        name='temporal_softmax_loss_mean_over_steps',
        why='the loss is divided by the number of unmasked steps instead of by N; truncated_bptt reports its losses and gradients.',
        replacements={'temporal_softmax_loss': '''def temporal_softmax_loss(logits, targets, mask):
    """Softmax cross-entropy summed over the unmasked steps, divided by the batch size N.

    N sequences, T steps, V vocabulary size.
    Inputs:
    - logits: scores for every step, shape (N, T, V)
    - targets: the correct index at every step, integers in [0, V), shape (N, T)
    - mask: True where the step counts, shape (N, T)
    Returns:
    - loss: a float, (1/N) * sum over unmasked (n, t) of -log softmax(logits[n, t])[targets[n, t]]
    - dlogits: gradient of loss with respect to logits, shape (N, T, V)
    """
    N, T, V = logits.shape
    shifted = logits - logits.max(axis=2, keepdims=True)                 # no overflow in exp
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=2)[..., 0]   # (N, T)
    weights = mask.astype(float)
    count = max(weights.sum(), 1.0)
    loss = float(-(picked * weights).sum() / count)
    dlogits = (np.exp(log_probs) - np.eye(V)[targets]) * weights[..., None] / count
    return loss, dlogits
'''},
        failing_checks=frozenset(['temporal_softmax_loss', 'truncated_bptt']),
    ),
    WrongSubmission(
        name='truncated_bptt_state_not_carried',
        why='every chunk starts from h0: the hidden state is not carried across chunks.',
        replacements={'truncated_bptt': '''def truncated_bptt(stream, h0, params, chunk_length):
    """Loss and gradients of each chunk of a stream, carrying the hidden state across chunks.

    N parallel streams of L characters, V characters, H hidden units, chunks of k steps;
    C = ceil((L - 1) / k) chunks. Chunk c reads the inputs stream[:, s:e] and predicts the
    targets stream[:, s+1:e+1], with s = c*k and e = min(s + k, L - 1).
    Inputs:
    - stream: character indices, integers in [0, V), shape (N, L), L >= 2
    - h0: the state before the first character, shape (N, H)
    - params: dict with "Wx" (V, H), "Wh" (H, H), "b" (H,), "Wy" (H, V), "by" (V,)
    - chunk_length: k, a whole number >= 1
    Returns:
    - losses: the temporal_softmax_loss of each chunk (full mask), shape (C,)
    - grads: dict with the keys of params: for each parameter, the sum over chunks of the
      chunk's gradient (backpropagated within the chunk only)
    - h_final: the state after the last input character, shape (N, H)
    """
    V = params["Wx"].shape[0]
    L = stream.shape[1]
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    losses, h = [], h0
    for start in range(0, L - 1, chunk_length):
        stop = min(start + chunk_length, L - 1)
        inputs, targets = stream[:, start:stop], stream[:, start + 1:stop + 1]
        x = np.eye(V)[inputs]                                            # (N, k, V)
        hs, cache = rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])   # (N, k, H)
        logits, output_cache = rnn_output(hs, params["Wy"], params["by"])        # (N, k, V)
        loss, dlogits = temporal_softmax_loss(logits, targets, np.ones(targets.shape, bool))
        dhs, dWy, dby = rnn_output_backward(dlogits, output_cache)
        _, _, dWx, dWh, db = rnn_backward(dhs, cache)     # dh0 is dropped: the truncation
        for name, grad in (("Wx", dWx), ("Wh", dWh), ("b", db), ("Wy", dWy), ("by", dby)):
            grads[name] += grad
        losses.append(loss)
        h = hs[:, -1]                                     # carried into the next chunk
    return np.array(losses), grads, h
'''},
        failing_checks=frozenset(['truncated_bptt']),
    ),
    WrongSubmission(
        name='truncated_bptt_targets_off_by_one',
        why='the targets are the inputs themselves (stream[:, s:e]) instead of the next characters.',
        replacements={'truncated_bptt': '''def truncated_bptt(stream, h0, params, chunk_length):
    """Loss and gradients of each chunk of a stream, carrying the hidden state across chunks.

    N parallel streams of L characters, V characters, H hidden units, chunks of k steps;
    C = ceil((L - 1) / k) chunks. Chunk c reads the inputs stream[:, s:e] and predicts the
    targets stream[:, s+1:e+1], with s = c*k and e = min(s + k, L - 1).
    Inputs:
    - stream: character indices, integers in [0, V), shape (N, L), L >= 2
    - h0: the state before the first character, shape (N, H)
    - params: dict with "Wx" (V, H), "Wh" (H, H), "b" (H,), "Wy" (H, V), "by" (V,)
    - chunk_length: k, a whole number >= 1
    Returns:
    - losses: the temporal_softmax_loss of each chunk (full mask), shape (C,)
    - grads: dict with the keys of params: for each parameter, the sum over chunks of the
      chunk's gradient (backpropagated within the chunk only)
    - h_final: the state after the last input character, shape (N, H)
    """
    V = params["Wx"].shape[0]
    L = stream.shape[1]
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    losses, h = [], h0
    for start in range(0, L - 1, chunk_length):
        stop = min(start + chunk_length, L - 1)
        inputs, targets = stream[:, start:stop], stream[:, start:stop]
        x = np.eye(V)[inputs]                                            # (N, k, V)
        hs, cache = rnn_forward(x, h, params["Wx"], params["Wh"], params["b"])   # (N, k, H)
        logits, output_cache = rnn_output(hs, params["Wy"], params["by"])        # (N, k, V)
        loss, dlogits = temporal_softmax_loss(logits, targets, np.ones(targets.shape, bool))
        dhs, dWy, dby = rnn_output_backward(dlogits, output_cache)
        _, _, dWx, dWh, db = rnn_backward(dhs, cache)     # dh0 is dropped: the truncation
        for name, grad in (("Wx", dWx), ("Wh", dWh), ("b", db), ("Wy", dWy), ("by", dby)):
            grads[name] += grad
        losses.append(loss)
        h = hs[:, -1]                                     # carried into the next chunk
    return np.array(losses), grads, h
'''},
        failing_checks=frozenset(['truncated_bptt']),
    ),
    WrongSubmission(
        name='numerical_gradient_one_sided',
        why='a one-sided difference (f(x + eps) - f(x)) / eps instead of the centred one.',
        replacements={'numerical_gradient': '''def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference gradient of a scalar function f at x.

    Move each entry of x to x_i + eps and x_i - eps in place (call f(x) with x itself, so a
    function that reads x sees the change), and restore it afterwards.
    Inputs:
    - f: a function of x returning a number
    - x: floating-point array of any shape
    - eps: step size, a number > 0
    Returns:
    - grad: array of x's shape, grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)
    """
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        plus = f(x)
        x[index] = old
        minus = f(x)
        x[index] = old                       # restore
        grad[index] = (plus - minus) / eps
    return grad
'''},
        failing_checks=frozenset(['numerical_gradient']),
    ),
    WrongSubmission(
        name='adagrad_eps_outside_root',
        why='eps added outside the square root, sqrt(cache) + eps, where the notebook defines sqrt(cache + eps).',
        replacements={'adagrad_step': '''def adagrad_step(param, grad, cache, learning_rate, eps=1e-8):
    """One Adagrad step (returns new arrays; param and cache are not changed).

    new_cache = cache + grad**2
    new_param = param - learning_rate * grad / sqrt(new_cache + eps)
    Inputs:
    - param: parameter array of any shape
    - grad: gradient, same shape
    - cache: sum of all earlier squared gradients, same shape (zeros at the start)
    - learning_rate: a number > 0
    - eps: a small number > 0
    Returns:
    - new_param, new_cache: arrays of param's shape
    """
    new_cache = cache + grad ** 2
    new_param = param - learning_rate * grad / (np.sqrt(new_cache) + eps)
    return new_param, new_cache
'''},
        failing_checks=frozenset(['adagrad_step']),
    ),
]
