"""Characters as integers: a vocabulary, and the small corpora shipped in `coursekit/data/`.

    text = load_corpus("layer_words")
    vocab = CharVocab(text)          # the sorted distinct characters of text
    ids = vocab.encode("layer")      # int64 array, one index per character
    vocab.decode(ids) == "layer"
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_corpus(name: str) -> str:
    """The text of `coursekit/data/<name>.txt` (see coursekit/data/README.md for what is there)."""
    path = DATA_DIR / f"{name}.txt"
    if not path.is_file():
        available = sorted(p.stem for p in DATA_DIR.glob("*.txt"))
        raise FileNotFoundError(f"no corpus named {name!r}; available: {available}")
    return path.read_text(encoding="utf-8")


class CharVocab:
    """A character vocabulary: index i stands for the i-th character in sorted order."""

    def __init__(self, text: str):
        if not isinstance(text, str) or not text:
            raise ValueError("CharVocab needs a non-empty str to collect characters from")
        self.chars: list[str] = sorted(set(text))
        self.index: dict[str, int] = {char: i for i, char in enumerate(self.chars)}

    @property
    def size(self) -> int:
        """V, the number of distinct characters."""
        return len(self.chars)

    def __len__(self) -> int:
        return self.size

    def encode(self, text: str) -> np.ndarray:
        """Indices of the characters of `text`, shape (len(text),), dtype int64."""
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise KeyError(f"characters not in the vocabulary: {unknown}")
        return np.array([self.index[char] for char in text], dtype=np.int64)

    def decode(self, indices) -> str:
        """The text whose characters have these indices (any iterable of ints)."""
        return "".join(self.chars[int(i)] for i in np.asarray(indices).ravel())

    def __repr__(self) -> str:
        return f"CharVocab(size={self.size}, chars={''.join(self.chars)!r})"
