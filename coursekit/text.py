"""Characters as integers: a vocabulary, the small corpora shipped in `coursekit/data/`, and
the source code of Python's standard library as a larger corpus read from your own install.

    text = load_corpus("layer_words")
    text = load_text("python-stdlib", max_chars=100_000)   # or any text file: load_text("my.txt")
    vocab = CharVocab(text)          # the sorted distinct characters of text
    ids = vocab.encode("layer")      # int64 array, one index per character
    vocab.decode(ids) == "layer"
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
PYTHON_SOURCE = "python-stdlib"


def load_corpus(name: str) -> str:
    """The text of `coursekit/data/<name>.txt` (see coursekit/data/README.md for what is there)."""
    path = DATA_DIR / f"{name}.txt"
    if not path.is_file():
        available = sorted(p.stem for p in DATA_DIR.glob("*.txt"))
        raise FileNotFoundError(f"no corpus named {name!r}; available: {available}")
    return path.read_text(encoding="utf-8")


def python_source_text(max_chars: int | None = None) -> str:
    """The source code of the Python standard library's top-level modules, as one text.

    Every `*.py` file directly in the standard library's folder (`sysconfig.get_paths()
    ["stdlib"]`) whose bytes are pure ASCII, in order of file name, joined; `max_chars` keeps
    the first characters. The text is read from the Python you run, never downloaded or copied
    into the course: its licence is the Python Software Foundation License Version 2
    (LICENSE.txt beside those files; see coursekit/data/README.md).
    """
    folder = Path(sysconfig.get_paths()["stdlib"])
    parts, size = [], 0
    for path in sorted(folder.glob("*.py")):
        try:
            part = path.read_bytes().decode("ascii")
        except (OSError, UnicodeDecodeError):
            continue
        parts.append(part)
        size += len(part)
        if max_chars is not None and size >= max_chars:
            break
    if not parts:
        raise FileNotFoundError(
            f"no Python source files in {folder}: this Python was installed "
            f"without its standard library's sources; point the notebook "
            f"at a text file of your own instead"
        )
    text = "".join(parts)
    return text if max_chars is None else text[:max_chars]


def load_text(source: str, max_chars: int | None = None) -> str:
    """A corpus by name or path: "python-stdlib" (python_source_text), the name of a corpus in
    coursekit/data ("layer_words"), or the path of any UTF-8 text file of your own.

    `max_chars` keeps the first characters (None: all of it).
    """
    if max_chars is not None and (not isinstance(max_chars, int) or max_chars < 2):
        raise ValueError(f"max_chars must be a whole number >= 2 or None, got {max_chars!r}")
    if source == PYTHON_SOURCE:
        return python_source_text(max_chars)
    path = Path(source).expanduser()
    if path.suffix or path.parent != Path("."):
        if not path.is_file():
            raise FileNotFoundError(f"no text file at {path.resolve()}")
        text = path.read_text(encoding="utf-8")
    else:
        text = load_corpus(source)
    return text if max_chars is None else text[:max_chars]


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
