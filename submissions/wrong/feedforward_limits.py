"""Wrong submissions of 01_feedforward_limits: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
A function that calls another graded function (softmax_cross_entropy_backward calls softmax,
mlp_forward dense_forward, window_inputs one_hot) is judged with a correct stand-in for it, so
every mistake loses exactly the points of the exercise it is in.
"""

from submissions.wrong import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="memoryless_loss_floor_in_bits",
        why="log2 instead of the natural log: the floor comes out in bits, the loss is in nats.",
        edits={
            "memoryless_loss_floor": ("np.log(count / starts[a])", "np.log2(count / starts[a])"),
        },
        failing_checks=frozenset(["memoryless_loss_floor"]),
        names=(("memoryless_loss_floor", "bits"),),
    ),
    WrongSubmission(
        name="softmax_without_max_subtraction",
        why="exp of the raw logits overflows at 1e4. softmax_cross_entropy_backward calls softmax, "
        "but is judged with a correct softmax standing in, so it keeps its points.",
        edits={
            "softmax": (
                """    shifted = logits - logits.max(axis=axis, keepdims=True)
    exps = np.exp(shifted)""",
                "    exps = np.exp(logits)",
            ),
        },
        failing_checks=frozenset(["softmax"]),
        names=(("softmax", "no_max_subtracted"),),
    ),
    WrongSubmission(
        name="softmax_shifts_logits_in_place",
        why="the maximum is subtracted in place (logits -= ...): right probabilities, but the "
        "caller's logits are changed (class: inputs modified in place)."
        " In-place writes and NumPy warnings carry no points (issue 15): it keeps full "
        "marks; the visible check names it.",
        edits={
            "softmax": (
                """    shifted = logits - logits.max(axis=axis, keepdims=True)
    exps = np.exp(shifted)""",
                """    logits -= logits.max(axis=axis, keepdims=True)
    exps = np.exp(logits)""",
            ),
        },
        failing_checks=frozenset(),
    ),
    WrongSubmission(
        name="one_hot_only_for_vectors",
        why="one_hot written for 1-D indices only; window_inputs calls it on a 2-D table of "
        "positions but is judged with a correct one_hot standing in.",
        edits={
            "one_hot": (
                "    return np.eye(vocab_size)[indices]",
                """    out = np.zeros((len(indices), vocab_size))
    out[np.arange(len(indices)), indices] = 1.0
    return out""",
            ),
        },
        failing_checks=frozenset(["one_hot"]),
    ),
    WrongSubmission(
        name="one_hot_integers",
        why="the one-hot vectors are integers; the docstring asks for float64 (class: dtypes).",
        edits={
            "one_hot": (
                "    return np.eye(vocab_size)[indices]",
                "    return np.eye(vocab_size, dtype=int)[indices]",
            ),
        },
        failing_checks=frozenset(["one_hot"]),
    ),
    WrongSubmission(
        name="cross_entropy_summed",
        why="the per-row losses are summed, not averaged",
        edits={
            "cross_entropy": ("targets].mean())", "targets].sum())"),
        },
        failing_checks=frozenset(["cross_entropy"]),
        names=(("cross_entropy", "summed"),),
    ),
    WrongSubmission(
        name="dense_forward_without_bias",
        why="the bias is left out of the dense layer; mlp_forward calls dense_forward but is "
        "judged with a correct one standing in.",
        edits={
            "dense_forward": ("    out = x @ W + b", "    out = x @ W"),
        },
        failing_checks=frozenset(["dense_forward"]),
        names=(("dense_forward", "no_bias"),),
    ),
    WrongSubmission(
        name="mlp_forward_caches_the_pre_activation",
        why="the cache holds a = x @ W1 + b1 where the docstring says h = tanh(a); the logits "
        "are right, the provided backward pass would be wrong (class: caches).",
        edits={
            "mlp_forward": (
                "    return logits, (x, W1, b1, h, W2, b2)",
                "    return logits, (x, W1, b1, a, W2, b2)",
            ),
        },
        failing_checks=frozenset(["mlp_forward"]),
        names=(("mlp_forward", "cache_pre_activation"),),
    ),
    WrongSubmission(
        name="mlp_forward_tanh_by_exp",
        why="tanh written with exp overflows to nan past |a| = 709 (class: extreme numerics).",
        edits={
            "mlp_forward": (
                "    h = np.tanh(a)",
                "    h = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))",
            ),
        },
        failing_checks=frozenset(["mlp_forward"]),
        names=(("mlp_forward", "tanh_by_exp"),),
    ),
    WrongSubmission(
        name="window_inputs_drops_last_window",
        why="off by one: only the T-w windows that have a target inside the sequence",
        edits={
            "window_inputs": (
                """    positions = np.arange(T - window + 1)[:, None] + np.arange(window)  # (T-w+1, w)
    return one_hot(indices[positions], vocab_size).reshape(T - window + 1, window * vocab_size)""",
                """    positions = np.arange(T - window)[:, None] + np.arange(window)
    return one_hot(indices[positions], vocab_size).reshape(T - window, window * vocab_size)""",
            ),
        },
        failing_checks=frozenset(["window_inputs"]),
        names=(("window_inputs", "last_dropped"),),
    ),
]
