"""The pretrained character RNN shipped for notebook 02 (coursekit/data/pretrained_char_rnn.npz)."""
import numpy as np

from coursekit.text import DATA_DIR, CharVocab, load_corpus
from grader.reference.activations import softmax
from grader.reference.encoding import one_hot
from grader.reference.rnn import rnn_forward, rnn_output

PATH = DATA_DIR / "pretrained_char_rnn.npz"


def load():
    weights = np.load(PATH)          # no pickle: every array is numeric or a fixed-width str
    return weights, CharVocab("".join(weights["chars"]))


def test_file_is_small_and_complete():
    assert PATH.stat().st_size < 200 * 1024
    weights, vocab = load()
    V, H = weights["Wx"].shape
    assert vocab.chars == CharVocab(load_corpus("layer_words")).chars and V == vocab.size
    assert weights["Wh"].shape == (H, H) and weights["b"].shape == (H,)
    assert weights["Wy"].shape == (H, V) and weights["by"].shape == (V,)


def test_predicts_r_after_laye():
    weights, vocab = load()
    x = one_hot(vocab.encode("laye")[None, :], vocab.size)
    h, _ = rnn_forward(x, np.zeros((1, weights["Wh"].shape[0])), weights["Wx"], weights["Wh"],
                       weights["b"])
    logits, _ = rnn_output(h[:, -1], weights["Wy"], weights["by"])
    probabilities = softmax(logits[0])
    assert vocab.chars[int(np.argmax(probabilities))] == "r"


def test_training_script_is_deterministic():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tools" / "train_pretrained_char_rnn.py"
    spec = importlib.util.spec_from_file_location("train_pretrained_char_rnn", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    first, _, losses = script.train(epochs=1, verbose=False)
    second, _, _ = script.train(epochs=1, verbose=False)
    assert all(np.array_equal(first[name], second[name]) for name in first)
    assert np.all(np.isfinite(losses))
