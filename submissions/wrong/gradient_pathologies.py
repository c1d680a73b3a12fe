"""Wrong submissions of 04_gradient_pathologies: one realistic mistake each (see __init__.py).

Each is an edit of the solution: (text in the solution cell, what the learner wrote instead).
gradient_norms_by_lag calls hidden_jacobian and clip_global_norm calls global_norm; their checks
answer those calls with the reference (upstream stand-ins), so a mistake upstream costs only the
upstream exercise's points.
"""

from submissions.wrong import WrongSubmission

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="hidden_jacobian_transposed",
        why="row i of J_t taken from row i of W_h instead of its column (J = diag(slope) W_h); "
        "gradient_norms_by_lag, which calls it, keeps its points.",
        edits={
            "hidden_jacobian": (
                "    J = slope[:, :, None] * Wh.T ",
                "    J = slope[:, :, None] * Wh ",
            ),
        },
        failing_checks=frozenset(["hidden_jacobian"]),
        names=(("hidden_jacobian", "transposed"),),
    ),
    WrongSubmission(
        name="gradient_norms_by_lag_frobenius",
        why="the Frobenius norm of the product instead of its spectral norm.",
        edits={
            "gradient_norms_by_lag": (
                "np.linalg.norm(product, ord=2, axis=(1, 2))",
                "np.linalg.norm(product, axis=(1, 2))",
            ),
        },
        failing_checks=frozenset(["gradient_norms_by_lag"]),
        names=(("gradient_norms_by_lag", "frobenius"),),
    ),
    WrongSubmission(
        name="scale_spectral_radius_by_sigma_max",
        why="W scaled by its largest singular value instead of its spectral radius.",
        edits={
            "scale_spectral_radius": (
                """    radius = np.max(
        np.abs(np.linalg.eigvals(W))
    )  # |lambda|: eigenvalues may be negative or complex""",
                "    radius = np.linalg.norm(W, 2)  # |lambda|: eigenvalues may be negative or complex",
            ),
        },
        failing_checks=frozenset(["scale_spectral_radius"]),
        names=(("scale_spectral_radius", "sigma_max"),),
    ),
    WrongSubmission(
        name="gradient_bound_gamma_outside_the_power",
        why="gamma * sigma_max ** lag instead of (gamma * sigma_max) ** lag.",
        edits={
            "gradient_bound": (
                "        bound = np.power(float(gamma) * float(sigma_max), np.asarray(lags, dtype=float))",
                "        bound = float(gamma) * np.power(float(sigma_max), np.asarray(lags, dtype=float))",
            ),
        },
        failing_checks=frozenset(["gradient_bound"]),
        names=(("gradient_bound", "gamma_outside"),),
    ),
    WrongSubmission(
        name="identity_recurrent_init_ones",
        why="a matrix of ones instead of the identity.",
        edits={
            "identity_recurrent_init": (
                "    Wh = scale * np.eye(H)",
                "    Wh = scale * np.ones((H, H))",
            ),
        },
        failing_checks=frozenset(["identity_recurrent_init"]),
        names=(("identity_recurrent_init", "ones"),),
    ),
    WrongSubmission(
        name="global_norm_overflows",
        why="the squares are summed directly, so entries of 1e200 overflow to inf; "
        "clip_global_norm, which calls it, keeps its points.",
        edits={
            "global_norm": (
                """    largest = max((float(np.max(np.abs(g))) for g in grads.values() if g.size), default=0.0)
    if largest == 0.0:
        return 0.0
    total = sum(float(np.sum((g / largest) ** 2)) for g in grads.values())
    norm = largest * float(np.sqrt(total))  # no square of a huge entry is ever formed""",
                "    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))",
            ),
        },
        failing_checks=frozenset(["global_norm"]),
        names=(("global_norm", "overflow"),),
    ),
    WrongSubmission(
        name="clip_elementwise_negatives_to_zero",
        why="np.clip(g, 0, c): negative entries become 0 instead of being clipped at -c.",
        edits={
            "clip_elementwise": ("np.clip(g, -c, c)", "np.clip(g, 0, c)"),
        },
        failing_checks=frozenset(["clip_elementwise"]),
        names=(("clip_elementwise", "to_zero"),),
    ),
    WrongSubmission(
        name="clip_global_norm_per_array",
        why="each array clipped by its own norm instead of all by one factor from the global norm.",
        edits={
            "clip_global_norm": (
                """    scale = max_norm / norm if norm > max_norm else 1.0  # one factor for every array
    clipped = {name: g * scale for name, g in grads.items()}""",
                """    clipped = {}
    for name, g in grads.items():
        own = np.linalg.norm(g)
        clipped[name] = g * (max_norm / own if own > max_norm else 1.0)""",
            ),
        },
        failing_checks=frozenset(["clip_global_norm"]),
        names=(("clip_global_norm", "per_array"),),
    ),
    WrongSubmission(
        name="rmsprop_eps_inside_the_root",
        why="eps inside the square root (notebook 03's Adagrad convention), sqrt(cache + eps).",
        edits={
            "rmsprop_step": (
                "    new_param = param - learning_rate * grad / (np.sqrt(new_cache) + eps)",
                "    new_param = param - learning_rate * grad / np.sqrt(new_cache + eps)",
            ),
        },
        failing_checks=frozenset(["rmsprop_step"]),
        names=(("rmsprop_step", "eps_inside"),),
    ),
    WrongSubmission(
        name="rmsprop_changes_param_in_place",
        why="param -= ...: the right values, but the caller's array is changed."
        " In-place writes and NumPy warnings carry no points (issue 15): it keeps full "
        "marks; the visible check names it.",
        edits={
            "rmsprop_step": (
                "    new_param = param - learning_rate * grad / (np.sqrt(new_cache) + eps)",
                """    param -= learning_rate * grad / (np.sqrt(new_cache) + eps)
    new_param = param""",
            ),
        },
        failing_checks=frozenset(),
    ),
]
