"""Hidden and visible checks of notebook 04: the reference passes, known mistakes fail."""
import numpy as np
import pytest

from coursekit.visible import gradient_pathologies as visible
from coursekit.visible.expect import VisibleCheckFailed
from grader.checks import get_check, run_locally
from grader.checks import gradient_pathologies as module
from rnn_numpy.clipping import clip_elementwise, clip_global_norm, global_norm
from rnn_numpy.optim import rmsprop_step
from rnn_numpy.pathologies import (gradient_bound, gradient_norms_by_lag, hidden_jacobian,
                                          identity_recurrent_init, scale_spectral_radius)

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
MISTAKES = {
    "hidden_jacobian": module.JACOBIAN_MISTAKES,
    "gradient_norms_by_lag": module.NORMS_MISTAKES,
    "scale_spectral_radius": module.SPECTRAL_MISTAKES,
    "gradient_bound": module.BOUND_MISTAKES,
    "identity_recurrent_init": module.IDENTITY_MISTAKES,
    "global_norm": module.GLOBAL_NORM_MISTAKES,
    "clip_elementwise": module.ELEMENTWISE_MISTAKES,
    "clip_global_norm": module.GLOBAL_CLIP_MISTAKES,
    "rmsprop_step": module.RMSPROP_MISTAKES,
}
# Mistakes that give the right values but change the caller's arrays: the verdict names the
# argument changed in place instead of giving a hint.
IN_PLACE = {m.description for ms in MISTAKES.values() for m in ms if "in place" in m.description}
# Mistakes the visible check is not meant to name (only the hidden cases are that precise).
VISIBLE_MISSES = {
    module.BOUND_MISTAKES[2].description,          # gamma = 1 in the visible cases but one
}
LIST = [(n, m) for n, ms in MISTAKES.items() for m in ms]
ids = (lambda v: v if isinstance(v, str) else v.description[:40])


@pytest.mark.parametrize("name, mistake", LIST, ids=ids)
def test_each_mistake_fails_and_is_named(name, mistake):
    verdict = run_locally(name, mistake.output)
    assert not verdict.passed
    expected = "in place" if mistake.description in IN_PLACE else mistake.description
    assert expected in verdict.explain(), verdict.explain()


def test_gradient_norms_by_lag_is_judged_on_its_own_logic():
    """A wrong hidden_jacobian in the learner's namespace does not fail gradient_norms_by_lag:
    the check answers its calls with the reference's Jacobians."""
    namespace = {"np": np, "hidden_jacobian": module.JACOBIAN_MISTAKES[0].output}
    exec(compile(
        "def gradient_norms_by_lag(h, Wh, activation='tanh'):\n"
        "    N, T, H = h.shape\n"
        "    norms = np.ones((N, T))\n"
        "    product = np.broadcast_to(np.eye(H), (N, H, H))\n"
        "    for k in range(T - 1, 0, -1):\n"
        "        product = product @ hidden_jacobian(h[:, k], Wh, activation)\n"
        "        norms[:, k - 1] = np.linalg.norm(product, ord=2, axis=(1, 2))\n"
        "    return norms\n", "<learner>", "exec"), namespace)
    verdict = run_locally("gradient_norms_by_lag", namespace["gradient_norms_by_lag"])
    assert verdict.passed, verdict.explain()


def test_clip_global_norm_is_judged_on_its_own_logic():
    namespace = {"np": np, "global_norm": module.GLOBAL_NORM_MISTAKES[1].output}
    exec(compile(
        "def clip_global_norm(grads, max_norm):\n"
        "    norm = global_norm(grads)\n"
        "    scale = max_norm / norm if norm > max_norm else 1.0\n"
        "    return {name: g * scale for name, g in grads.items()}, norm\n",
        "<learner>", "exec"), namespace)
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
VISIBLE = {name: getattr(visible, f"check_{name}") for name in REFERENCES}


@pytest.mark.parametrize("name, mistake", [(n, m) for n, m in LIST
                                           if m.description not in VISIBLE_MISSES], ids=ids)
def test_visible_check_fails_on_each_mistake(name, mistake):
    with pytest.raises(VisibleCheckFailed):
        VISIBLE[name](mistake.output)


@pytest.mark.parametrize("name, index, fragment", [
    ("hidden_jacobian", 0, "transposed"),
    ("hidden_jacobian", 3, "h_t > 0"),
    ("gradient_norms_by_lag", 1, "Frobenius"),
    ("gradient_norms_by_lag", 4, "lag order"),
    ("scale_spectral_radius", 0, "singular value"),
    ("scale_spectral_radius", 1, "np.abs"),
    ("global_norm", 0, "largest |entry|"),
    ("global_norm", 1, "norms of the arrays are added"),
    ("clip_elementwise", 0, "-c, not 0"),
    ("clip_global_norm", 0, "its own norm"),
    ("clip_global_norm", 1, "Only scale down"),
    ("rmsprop_step", 0, "outside the square root"),
    ("rmsprop_step", 2, "decay_rate weighs the old cache"),
])
def test_visible_messages_name_the_mistake(name, index, fragment):
    with pytest.raises(VisibleCheckFailed, match=None) as failure:
        VISIBLE[name](MISTAKES[name][index].output)
    assert fragment in str(failure.value), str(failure.value)


def test_visible_gradient_bound_asks_for_no_overflow_warning():
    def noisy(gamma, sigma_max, lags):
        return np.power(float(gamma) * float(sigma_max), np.asarray(lags, dtype=float))
    with pytest.raises(VisibleCheckFailed, match="errstate"):
        visible.check_gradient_bound(noisy)
