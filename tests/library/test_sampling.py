"""rnn_numpy.sampling: temperature, reproducible draws, the right distribution."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnn_numpy.sampling import sample, temperature_probabilities


def make_model(V=5, H=4, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return dict(
        Wx=rng.normal(size=(V, H)) * scale,
        Wh=rng.normal(size=(H, H)) * scale * 0.5,
        b=rng.normal(size=(H,)) * 0.1,
        Wy=rng.normal(size=(H, V)) * scale * 2,
        by=rng.normal(size=(V,)) * 0.1,
        h0=np.zeros(H),
    )


def test_temperature_probabilities_by_hand():
    logits = np.array([0.0, math.log(2.0)])
    np.testing.assert_allclose(temperature_probabilities(logits, 1.0), [1 / 3, 2 / 3], rtol=1e-14)
    # logits / 0.5 = [0, 2 log 2] -> weights 1 : 4
    np.testing.assert_allclose(temperature_probabilities(logits, 0.5), [1 / 5, 4 / 5], rtol=1e-14)
    # logits / 2 = [0, log 2 / 2] -> weights 1 : sqrt 2
    np.testing.assert_allclose(
        temperature_probabilities(logits, 2.0),
        [1 / (1 + 2**0.5), 2**0.5 / (1 + 2**0.5)],
        rtol=1e-14,
    )


def test_temperature_probabilities_batches_and_is_stable():
    logits = np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]])
    p = temperature_probabilities(logits, 0.01)
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-14)
    assert temperature_probabilities(logits.astype(np.float32), 3.0).dtype == np.float32
    np.testing.assert_allclose(
        temperature_probabilities(logits, 1e4)[0],
        np.exp([1, -1, 0]) / np.exp([1, -1, 0]).sum(),
        rtol=1e-12,
    )


def test_temperature_probabilities_rejects_bad_arguments():
    with pytest.raises(ValueError, match="temperature must be finite and > 0"):
        temperature_probabilities(np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="temperature must be finite and > 0"):
        temperature_probabilities(np.zeros(3), -1.0)
    with pytest.raises(ValueError, match="logits must have shape"):
        temperature_probabilities(np.float64(1.0), 1.0)
    with pytest.raises(TypeError, match="logits must be a floating-point array"):
        temperature_probabilities(np.array([1, 2]), 1.0)


def follow_the_docstring(Wx, Wh, b, Wy, by, h0, first_index, length, rng, temperature):
    """An independent implementation written from sample's docstring."""
    V = Wx.shape[0]
    h, index, out = h0, first_index, []
    for _ in range(length):
        h = np.tanh(np.eye(V)[index] @ Wx + h @ Wh + b)
        z = (h @ Wy + by) / temperature
        p = np.exp(z - z.max())
        index = rng.choice(V, p=p / p.sum())
        out.append(index)
    return out


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_same_seed_same_sequence_as_the_docstring(temperature):
    model = make_model()
    first = sample(
        **model, first_index=2, length=30, rng=np.random.default_rng(7), temperature=temperature
    )
    again = sample(
        **model, first_index=2, length=30, rng=np.random.default_rng(7), temperature=temperature
    )
    assert first.shape == (30,) and first.dtype.kind == "i"
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(
        first,
        follow_the_docstring(
            **model, first_index=2, length=30, rng=np.random.default_rng(7), temperature=temperature
        ),
    )
    other = sample(
        **model, first_index=2, length=30, rng=np.random.default_rng(8), temperature=temperature
    )
    assert not np.array_equal(first, other)


def test_low_temperature_is_greedy():
    model = make_model(scale=2.0)
    drawn = sample(
        **model, first_index=0, length=25, rng=np.random.default_rng(0), temperature=0.01
    )
    h, index, greedy = model["h0"], 0, []
    for _ in range(25):
        h = np.tanh(model["Wx"][index] + h @ model["Wh"] + model["b"])
        index = int(np.argmax(h @ model["Wy"] + model["by"]))
        greedy.append(index)
    np.testing.assert_array_equal(drawn, greedy)


def test_distribution_at_temperature_one():
    """With zero recurrent weights every step draws from softmax(by)."""
    V, H, n = 4, 3, 8000
    by = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    drawn = sample(
        np.zeros((V, H)),
        np.zeros((H, H)),
        np.zeros(H),
        np.zeros((H, V)),
        by,
        np.zeros(H),
        0,
        n,
        np.random.default_rng(123),
    )
    frequencies = np.bincount(drawn, minlength=V) / n
    p = np.array([0.1, 0.2, 0.3, 0.4])
    assert np.all(np.abs(frequencies - p) < 4 * np.sqrt(p * (1 - p) / n))


def test_float32_model_samples():
    model = {k: v.astype(np.float32) for k, v in make_model().items()}
    drawn = sample(**model, first_index=1, length=10, rng=np.random.default_rng(0))
    assert drawn.shape == (10,)


def test_sample_rejects_bad_arguments():
    model = make_model(V=5, H=4)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"h0 must have 1 dimension\(s\) \(H,\)"):
        sample(**dict(model, h0=np.zeros((1, 4))), first_index=0, length=3, rng=rng)
    with pytest.raises(ValueError, match="Wy"):
        sample(**dict(model, Wy=np.zeros((4, 6))), first_index=0, length=3, rng=rng)
    with pytest.raises(ValueError, match="first_index .*below 5"):
        sample(**model, first_index=5, length=3, rng=rng)
    with pytest.raises(ValueError, match="first_index"):
        sample(**model, first_index=-1, length=3, rng=rng)
    with pytest.raises(ValueError, match="length must be at least 1"):
        sample(**model, first_index=0, length=0, rng=rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        sample(**model, first_index=0, length=3, rng=0)
    with pytest.raises(ValueError, match="temperature"):
        sample(**model, first_index=0, length=3, rng=rng, temperature=0)
