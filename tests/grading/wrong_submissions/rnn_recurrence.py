"""Wrong submissions of 02_rnn_recurrence: one realistic mistake each (see __init__.py).

Each was verified by executing the modified solution notebook (nbclient, cwd = its folder, so
hidden checks run locally) and listing the hidden test cells that raised."""
from tests.grading.wrong_submissions import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name='rnn_step_forward_transposed_Wh',
        why='the row-vector convention mixed up with the column-vector W_hh h: h_prev @ Wh.T. Every exercise that calls rnn_step_forward inherits it (rnn_forward, masked_rnn_forward, stacked_rnn_forward via rnn_forward, sample); hand_designed_rnn is judged by the reference forward pass and keeps its points.',
        replacements={'rnn_step_forward': '''def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a tanh RNN for a batch: h = tanh(x @ Wx + h_prev @ Wh + b).

    N sequences in the batch, D input size, H hidden size.
    Inputs:
    - x: input at this step, shape (N, D)
    - h_prev: hidden state from the previous step, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - b: bias, shape (H,)
    Returns:
    - h: new hidden state, shape (N, H)
    - cache: the tuple (x, h_prev, Wx, Wh, h, "tanh")
    """
    h = np.tanh(x @ Wx + h_prev @ Wh.T + b)
    cache = (x, h_prev, Wx, Wh, h, "tanh")
    return h, cache
'''},
        failing_checks=frozenset(['masked_rnn_forward', 'rnn_forward', 'rnn_step_forward', 'sample', 'stacked_rnn_forward']),
    ),
    WrongSubmission(
        name='rnn_step_forward_without_bias',
        why='the bias b is forgotten; the same functions as above inherit it.',
        replacements={'rnn_step_forward': '''def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a tanh RNN for a batch: h = tanh(x @ Wx + h_prev @ Wh + b).

    N sequences in the batch, D input size, H hidden size.
    Inputs:
    - x: input at this step, shape (N, D)
    - h_prev: hidden state from the previous step, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - b: bias, shape (H,)
    Returns:
    - h: new hidden state, shape (N, H)
    - cache: the tuple (x, h_prev, Wx, Wh, h, "tanh")
    """
    h = np.tanh(x @ Wx + h_prev @ Wh)
    cache = (x, h_prev, Wx, Wh, h, "tanh")
    return h, cache
'''},
        failing_checks=frozenset(['masked_rnn_forward', 'rnn_forward', 'rnn_step_forward', 'sample', 'stacked_rnn_forward']),
    ),
    WrongSubmission(
        name='rnn_forward_state_not_carried',
        why="every step starts from h0 instead of the previous step's state; stacked_rnn_forward calls rnn_forward.",
        replacements={'rnn_forward': '''def rnn_forward(x, h0, Wx, Wh, b):
    """A tanh RNN over a whole sequence: h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b), t = 0..T-1.

    N sequences in the batch, T steps, D input size, H hidden size.
    Inputs:
    - x: inputs, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: shape (D, H); Wh: shape (H, H); b: shape (H,)
    Returns:
    - h: hidden state at every step, shape (N, T, H); h[:, t] is h_t
    - cache: the tuple (x, h0, Wx, Wh, h, "tanh")
    """
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_prev = h0
    for t in range(T):
        h_t, _ = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        h[:, t] = h_t
    cache = (x, h0, Wx, Wh, h, "tanh")
    return h, cache
'''},
        failing_checks=frozenset(['rnn_forward', 'stacked_rnn_forward']),
    ),
    WrongSubmission(
        name='rnn_output_without_bias',
        why='the output bias by is forgotten; sample, which calls rnn_output, inherits it.',
        replacements={'rnn_output': '''def rnn_output(h, Wy, by):
    """Scores over the vocabulary from hidden states: logits = h @ Wy + by.

    N sequences, T steps, H hidden size, V vocabulary size.
    Inputs:
    - h: hidden states, shape (N, T, H), or one step (N, H)
    - Wy: hidden-to-output weights, shape (H, V)
    - by: output bias, shape (V,)
    Returns:
    - logits: shape (N, T, V), or (N, V) for one step
    - cache: the tuple (h, Wy)
    """
    logits = h @ Wy
    cache = (h, Wy)
    return logits, cache
'''},
        failing_checks=frozenset(['rnn_output', 'sample']),
    ),
    WrongSubmission(
        name='masked_rnn_forward_zero_after_end',
        why="the state is reset to zero past each sequence's end instead of frozen.",
        replacements={'masked_rnn_forward': '''def masked_rnn_forward(x, h0, Wx, Wh, b, lengths):
    """rnn_forward for a padded batch: sequence n is only lengths[n] steps long.

    For t < lengths[n] the state follows the recurrence; from t = lengths[n] on it is frozen,
    h[n, t] = h[n, lengths[n] - 1], and the padding x[n, t] is never used.
    N sequences, T steps (the longest), D input size, H hidden size.
    Inputs:
    - x: padded inputs, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: shape (D, H); Wh: shape (H, H); b: shape (H,)
    - lengths: length of each sequence, integers in 1..T, shape (N,)
    Returns:
    - h: hidden states, shape (N, T, H)
    - cache: the tuple (x, h0, Wx, Wh, h, lengths, "tanh")
    """
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_prev = h0
    for t in range(T):
        h_new, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        active = (t < lengths)[:, None]                    # (N, 1): still inside the sequence?
        h_prev = np.where(active, h_new, h_prev)
        h[:, t] = np.where(active, h_new, 0.0)
    cache = (x, h0, Wx, Wh, h, lengths, "tanh")
    return h, cache
'''},
        failing_checks=frozenset(['masked_rnn_forward']),
    ),
    WrongSubmission(
        name='stacked_rnn_forward_weights_of_layer_0',
        why="every layer uses layer 0's weights (the hidden cases include layers of different sizes, where this raises, and equal sizes, where it gives wrong values).",
        replacements={'stacked_rnn_forward': '''def stacked_rnn_forward(x, h0s, layer_params):
    """L stacked tanh RNN layers, each with its own weights: layer l reads layer l-1's states.

    N sequences, T steps, D input size, H_l hidden size of layer l (l = 0..L-1), H_{-1} = D.
    Inputs:
    - x: inputs of layer 0, shape (N, T, D)
    - h0s: list of L initial states, h0s[l] of shape (N, H_l)
    - layer_params: list of L dicts with keys "Wx" (H_{l-1}, H_l), "Wh" (H_l, H_l), "b" (H_l,)
    Returns:
    - h_top: hidden states of the last layer, shape (N, T, H_{L-1})
    - hs: list of the L hidden sequences, hs[l] of shape (N, T, H_l)
    """
    h, hs = x, []
    for h0, params in zip(h0s, layer_params):
        h, _ = rnn_forward(h, h0, layer_params[0]["Wx"], layer_params[0]["Wh"], layer_params[0]["b"])   # (N, T, H_l)
        hs.append(h)
    return h, hs
'''},
        failing_checks=frozenset(['stacked_rnn_forward']),
    ),
    WrongSubmission(
        name='sample_multiplies_by_temperature',
        why='the logits are multiplied by the temperature instead of divided.',
        replacements={'sample': '''def sample(Wx, Wh, b, Wy, by, h0, first_index, length, rng, temperature=1.0):
    """Draw `length` character indices from a tanh RNN language model (one sequence).

    Each step: x = one-hot of the previous index, shape (V,); h = tanh(x @ Wx + h @ Wh + b);
    logits = h @ Wy + by; p = softmax(logits / temperature); next index = rng.choice(V, p=p)
    (exactly one rng.choice call per step).
    V vocabulary size (also the input size), H hidden size.
    Inputs:
    - Wx: shape (V, H); Wh: shape (H, H); b: shape (H,); Wy: shape (H, V); by: shape (V,)
    - h0: initial hidden state, shape (H,)
    - first_index: the index fed in at the first step, an integer in [0, V)
    - length: how many indices to draw, an integer >= 1
    - rng: a numpy.random.Generator
    - temperature: a number > 0
    Returns:
    - indices: the drawn indices, integers of shape (length,); first_index is not included
    """
    V = Wx.shape[0]
    h = h0[None, :]                                        # (1, H): a batch of one
    index = first_index
    indices = np.zeros(length, dtype=np.int64)
    for step in range(length):
        x = np.zeros((1, V))
        x[0, index] = 1.0
        h, _ = rnn_step_forward(x, h, Wx, Wh, b)
        logits, _ = rnn_output(h, Wy, by)                  # (1, V)
        scaled = logits[0] * temperature
        scaled = scaled - scaled.max()                     # no overflow in exp
        p = np.exp(scaled) / np.exp(scaled).sum()
        index = int(rng.choice(V, p=p))
        indices[step] = index
    return indices
'''},
        failing_checks=frozenset(['sample']),
    ),
    WrongSubmission(
        name='hand_designed_rnn_without_latch',
        why="Wh = 0: the state forgets the 'a' at the next 'b' or 'c'.",
        replacements={'hand_designed_rnn': '''def hand_designed_rnn():
    """Weights, chosen by hand, of a tanh RNN answering "has an 'a' appeared yet?".

    Inputs are one-hot over "abc" (D = 3), the state starts at h_0 = 0, and at step t the answer
    is "yes" exactly when logits_t[1] > logits_t[0], logits_t = h_t @ Wy + by. Any H >= 1.
    Returns:
    - weights: dict with "Wx" (3, H), "Wh" (H, H), "b" (H,), "Wy" (H, 2), "by" (2,)
    """
    s = 10.0                                   # large enough to push tanh to +-1
    weights = {
        "Wx": np.array([[2 * s], [0.0], [0.0]]),   # an "a" pushes hard towards +1
        "Wh": np.array([[0.0]]),                     # +1 stays +1 (latch), -1 stays -1
        "b": np.array([-s / 2]),                   # before any "a", drift towards -1
        "Wy": np.array([[-1.0, 1.0]]),             # h > 0 means "yes"
        "by": np.zeros(2),
    }
    return weights
'''},
        failing_checks=frozenset(['hand_designed_rnn']),
    ),
]
