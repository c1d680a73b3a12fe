"""Hidden and visible checks of notebook 04, beyond what every catalogued mistake is held to
(test_mistakes.py) and every check (test_every_check.py)."""

import re

import nbformat
import numpy as np
import pytest

from coursekit.visible import gradient_pathologies as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import get_check, run_locally
from grader.layout import SOLUTIONS
from grader.mistakes import find
from grader.mistakes.gradient_pathologies import MISTAKES
from rnn_numpy.clipping import clip_elementwise, clip_global_norm, global_norm
from rnn_numpy.optim import rmsprop_step
from rnn_numpy.pathologies import (
    gradient_bound,
    gradient_norms_by_lag,
    hidden_jacobian,
    identity_recurrent_init,
    scale_spectral_radius,
)

REFERENCES = {
    "hidden_jacobian": hidden_jacobian,
    "gradient_norms_by_lag": gradient_norms_by_lag,
    "scale_spectral_radius": scale_spectral_radius,
    "gradient_bound": gradient_bound,
    "identity_recurrent_init": identity_recurrent_init,
    "global_norm": global_norm,
    "clip_elementwise": clip_elementwise,
    "clip_global_norm": clip_global_norm,
    "rmsprop_step": rmsprop_step,
}


def test_gradient_norms_by_lag_is_judged_on_its_own_logic():
    """A wrong hidden_jacobian in the learner's namespace does not fail gradient_norms_by_lag:
    the check answers its calls with the reference's Jacobians."""
    namespace = {
        "np": np,
        "hidden_jacobian": find(MISTAKES["hidden_jacobian"], "transposed").output,
    }
    exec(
        compile(
            "def gradient_norms_by_lag(h, Wh, activation='tanh'):\n"
            "    N, T, H = h.shape\n"
            "    norms = np.ones((N, T))\n"
            "    product = np.broadcast_to(np.eye(H), (N, H, H))\n"
            "    for k in range(T - 1, 0, -1):\n"
            "        product = product @ hidden_jacobian(h[:, k], Wh, activation)\n"
            "        norms[:, k - 1] = np.linalg.norm(product, ord=2, axis=(1, 2))\n"
            "    return norms\n",
            "<learner>",
            "exec",
        ),
        namespace,
    )
    verdict = run_locally("gradient_norms_by_lag", namespace["gradient_norms_by_lag"])
    assert verdict.passed, verdict.explain()


def test_clip_global_norm_is_judged_on_its_own_logic():
    namespace = {"np": np, "global_norm": find(MISTAKES["global_norm"], "sum_of_norms").output}
    exec(
        compile(
            "def clip_global_norm(grads, max_norm):\n"
            "    norm = global_norm(grads)\n"
            "    scale = max_norm / norm if norm > max_norm else 1.0\n"
            "    return {name: g * scale for name, g in grads.items()}, norm\n",
            "<learner>",
            "exec",
        ),
        namespace,
    )
    verdict = run_locally("clip_global_norm", namespace["clip_global_norm"])
    assert verdict.passed, verdict.explain()


def test_edge_cases_are_what_their_labels_say():
    for case in get_check("hidden_jacobian").fixed_cases():
        h_t, Wh = case.args[:2]
        if "exactly 0" in case.label:
            assert np.any(h_t == 0) and np.any(h_t > 0)
        if Wh.shape[0] > 1:
            assert not np.allclose(Wh, Wh.T)
    for case in get_check("scale_spectral_radius").fixed_cases():
        W, _ = case.args
        eigenvalues = np.linalg.eigvals(W)
        if "non-normal" in case.label:
            assert np.linalg.norm(W, 2) > np.max(np.abs(eigenvalues)) * 1.1
            assert np.max(eigenvalues.real) < np.max(np.abs(eigenvalues)) * 0.9
        if "complex" in case.label:
            assert abs(eigenvalues[np.argmax(np.abs(eigenvalues))].imag) > 0.1


# -- visible checks ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, mistake_id, fragment",
    [
        ("hidden_jacobian", "transposed", "transposed"),
        ("hidden_jacobian", "relu_at_zero", "units at exactly 0"),
        ("gradient_norms_by_lag", "frobenius", "Frobenius"),
        ("gradient_norms_by_lag", "by_lag", "lag order"),
        ("scale_spectral_radius", "sigma_max", "singular value"),
        ("scale_spectral_radius", "real_part", "largest absolute value"),
        ("global_norm", "overflow", "largest |entry|"),
        ("global_norm", "sum_of_norms", "norms of the arrays are added"),
        ("clip_elementwise", "to_zero", "-c, not 0"),
        ("clip_global_norm", "per_array", "its own norm"),
        ("clip_global_norm", "always", "only a norm above max_norm is scaled down"),
        ("rmsprop_step", "eps_inside", "outside the square root"),
        ("rmsprop_step", "swapped", "decay_rate and 1 - decay_rate are swapped"),
        ("rmsprop_step", "old_cache", "divides by the old cache"),
        ("gradient_bound", "python_overflow", "computed on Python numbers"),
        ("identity_recurrent_init", "no_scale", "scale is ignored"),
    ],
)
def test_visible_messages_name_the_mistake(name, mistake_id, fragment):
    with pytest.raises(VisibleCheckFailed, match=None) as failure:
        getattr(visible, f"check_{name}")(find(MISTAKES[name], mistake_id).output)
    assert fragment in str(failure.value), str(failure.value)


def test_visible_gradient_bound_asks_for_no_overflow_warning():
    def noisy(gamma, sigma_max, lags):
        return np.power(float(gamma) * float(sigma_max), np.asarray(lags, dtype=float))

    with pytest.raises(VisibleCheckFailed, match="errstate"):
        visible.check_gradient_bound(noisy)


def _solution_expressions(exercise: str) -> list[str]:
    """The right-hand sides of the assignments in the solution cell of `exercise` (notebook 04),
    comments dropped: the lines a fix would copy."""
    path = SOLUTIONS / "04_gradient_pathologies" / "04_gradient_pathologies.ipynb"
    cells = [
        cell
        for cell in nbformat.read(path, as_version=4).cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") == exercise
    ]
    solution = cells[0].source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    expressions = []
    for line in solution.splitlines():
        code = line.split("#")[0]
        if re.search(r"[^=!<>]=[^=]", code):
            expressions.append(code.split("=", 1)[1].strip())
    return [expression for expression in expressions if len(expression) >= 8]


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_visible_messages_never_give_the_fix_line(name):
    """No learner is surprised by the grader: a visible check names the mistake, it does not hand
    over the solution's code."""
    expressions = _solution_expressions(name)
    for mistake in MISTAKES[name]:
        try:
            getattr(visible, f"check_{name}")(mistake.output)
        except VisibleCheckFailed as failure:
            message = str(failure)
        else:
            continue
        for expression in expressions:
            assert expression not in message, (mistake.id, expression, message)


NOT_A_RESULT = [None, "text", 3.0, (1,), {}, {"x": np.ones(2)}, (np.ones(1), np.ones(1), 1)]


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("returned", NOT_A_RESULT, ids=repr)
def test_visible_checks_answer_with_a_message_whatever_is_returned(name, returned):
    """A visible check answers every result with a message (VisibleCheckFailed), never with a
    traceback of its own."""
    with pytest.raises(VisibleCheckFailed):
        getattr(visible, f"check_{name}")(lambda *args, **kwargs: returned)


def test_visible_checks_pass_the_reference():
    for name, reference in REFERENCES.items():
        getattr(visible, f"check_{name}")(reference)
