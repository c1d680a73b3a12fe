"""Elementwise and global-norm gradient clipping."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_numpy.clipping import clip_elementwise, clip_global_norm, global_norm


def _grads():
    return {"Wx": np.array([[3.0, -4.0]]), "b": np.array([0.5, -12.0], dtype=np.float32)}


def test_clip_elementwise_clips_and_copies():
    grads = _grads()
    before = {k: v.copy() for k, v in grads.items()}
    clipped = clip_elementwise(grads, 1.0)
    np.testing.assert_array_equal(clipped["Wx"], [[1.0, -1.0]])
    np.testing.assert_array_equal(clipped["b"], [0.5, -1.0])
    assert clipped["b"].dtype == np.float32 and set(clipped) == set(grads)
    for k in grads:  # inputs untouched
        np.testing.assert_array_equal(grads[k], before[k])
        assert clipped[k] is not grads[k]


def test_clip_global_norm_scales_everything_by_one_factor():
    grads = {"a": np.array([3.0]), "b": np.array([[4.0]])}  # global norm 5
    clipped, norm = clip_global_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped["a"], [0.6])
    np.testing.assert_allclose(clipped["b"], [[0.8]])
    assert global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_array_equal(grads["a"], [3.0])  # not mutated


def test_clip_global_norm_leaves_small_gradients_alone():
    grads = _grads()
    clipped, norm = clip_global_norm(grads, 100.0)
    assert norm == pytest.approx(np.sqrt(9 + 16 + 0.25 + 144))
    for k in grads:
        np.testing.assert_array_equal(clipped[k], grads[k])
        assert clipped[k] is not grads[k] and clipped[k].dtype == grads[k].dtype


def test_huge_gradients_do_not_overflow_the_norm():
    clipped, norm = clip_global_norm({"w": np.full(4, 1e300)}, 1.0)
    assert norm == pytest.approx(2e300)
    np.testing.assert_allclose(clipped["w"], 0.5)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="max_norm"):
        clip_global_norm(_grads(), 0.0)
    with pytest.raises(ValueError, match="c must"):
        clip_elementwise(_grads(), -1.0)
    with pytest.raises(TypeError, match="grads"):
        clip_elementwise([np.ones(2)], 1.0)
    with pytest.raises(TypeError, match="Wx"):
        clip_global_norm({"Wx": np.ones(2, dtype=int)}, 1.0)
    with pytest.raises(ValueError, match="inf or nan"):
        clip_global_norm({"Wx": np.array([np.inf])}, 1.0)
