"""Notebook 07 at full size, trained by YOUR functions: the capstone's settings on a million
characters, with a progress bar, a table of results, samples, and a saved file per model.

At the end of notebook 07 (every function below is already defined there):

    from coursekit.full_size import train_full_size

    full_size = train_full_size(
        train_char_model=train_char_model,  # your Exercise 6 (it calls your evaluate_loss)
        batchify=batchify,  # your Exercise 3
        bits_per_char=bits_per_char,  # your Exercise 2
        perplexity=perplexity,  # your Exercise 1
        init_char_model=init_char_model,  # the notebook's course code
        hidden_size_for_budget=hidden_size_for_budget,
        sample_chars=sample_chars,
    )

Nothing here trains or evaluates a model: every step of the training is the function you pass.
This module only reads the corpus (as the notebook does: `coursekit.text.load_text`), cuts it
into training and validation text (the last `validation` fraction), calls your functions with the
capstone's settings (CAPSTONE, below) and prints what they returned. By default it trains a
vanilla RNN with H = 100 (the capstone's model) for at most 10 epochs; `cells=("rnn", "gru",
"lstm")` races all three at the RNN's parameter count. Give any other setting as a keyword.

Each finished model is saved in `folder` (default `full_size/`, beside the notebook): <cell>.npz
(its best parameters and history) and <cell>.json (the settings it was trained with). Calling
again with the same settings reports a saved model instead of training it again (a model that
was interrupted starts over); `fresh=True` trains every model again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from coursekit.model_size import parameter_count
from coursekit.text import PYTHON_SOURCE, CharVocab, load_text

# The capstone's settings, found by benchmarks/capstone_vs_min_char_rnn.py and
# tools/sweep_char_language_model.py in the course's repository (notebook 07 states the figures):
# N = 16 streams of K = 16 steps, Adagrad's eta = 0.05, the global norm clipped to 5, and a
# vanilla RNN with H = 100 hidden units. Notebook 07's race reads its text the same way.
CAPSTONE = {"streams": 16, "chunk": 16, "learning_rate": 0.05, "max_norm": 5.0, "hidden_size": 100}
CELLS = ("rnn", "gru", "lstm")
DEFAULT_FOLDER = Path("full_size")
FUNCTIONS = (
    "train_char_model",
    "batchify",
    "bits_per_char",
    "perplexity",
    "init_char_model",
    "hidden_size_for_budget",
)


def train_full_size(
    *,
    train_char_model: Callable,
    batchify: Callable,
    bits_per_char: Callable,
    perplexity: Callable,
    init_char_model: Callable,
    hidden_size_for_budget: Callable,
    sample_chars: Callable | None = None,
    cells: tuple = ("rnn",),
    corpus: str = PYTHON_SOURCE,
    chars: int = 1_000_000,
    validation: float = 0.1,
    budget: int | None = None,
    streams: int = CAPSTONE["streams"],
    chunk_length: int = CAPSTONE["chunk"],
    learning_rate: float | dict = CAPSTONE["learning_rate"],
    max_norm: float = CAPSTONE["max_norm"],
    epochs: int = 10,
    patience: int = 2,
    seed: int = 0,
    folder: Path | str = DEFAULT_FOLDER,
    fresh: bool = False,
    progress: bool = True,
) -> dict:
    """Train each model of `cells` with your `train_char_model` at the capstone's settings.

    Inputs (keywords only):
    - train_char_model, batchify, bits_per_char, perplexity: your exercises' functions;
      init_char_model, hidden_size_for_budget, sample_chars: the notebook's course code
      (sample_chars may be None: no samples are printed)
    - cells: the models to train, from "rnn", "gru", "lstm"
    - corpus, chars, validation: the text (as the notebook's CORPUS, CORPUS_CHARS and
      VALIDATION_FRACTION)
    - budget: parameters per model; None gives every model the parameter count of a vanilla
      RNN with CAPSTONE["hidden_size"] units on this text
    - streams (N), chunk_length (K), learning_rate (eta: one number, or a dict cell -> eta),
      max_norm, epochs, patience, seed: as the notebook's settings
    - folder: where each finished model is saved; fresh: train again even if saved
    - progress: passed on to your train_char_model (its progress bar)
    Returns:
    - results: dict cell -> {"H", "parameters", "learning_rate", "params", "history",
      "seconds"}, params and history as your train_char_model returned them (read back from
      `folder` for a model trained before)
    """
    functions = {
        "train_char_model": train_char_model,
        "batchify": batchify,
        "bits_per_char": bits_per_char,
        "perplexity": perplexity,
        "init_char_model": init_char_model,
        "hidden_size_for_budget": hidden_size_for_budget,
    }
    for name, function in functions.items():
        if not callable(function):
            raise TypeError(f"train_full_size: {name} must be a function, got {function!r}")
    if sample_chars is not None and not callable(sample_chars):
        raise TypeError("train_full_size: sample_chars must be a function or None")
    cells = (cells,) if isinstance(cells, str) else tuple(cells)
    unknown = [cell for cell in cells if cell not in CELLS]
    if unknown or not cells:
        raise ValueError(f"train_full_size: cells must be taken from {list(CELLS)}, got {cells}")
    if not 0 < validation < 1:
        raise ValueError(f"train_full_size: validation must be in (0, 1), got {validation}")
    rates = _rates(learning_rate, cells)

    text = load_text(corpus, chars)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    split = int(len(ids) * (1 - validation))
    train_streams = batchify(ids[:split], streams)
    val_streams = batchify(ids[split:], streams)
    V = vocab.size
    if budget is None:
        budget = parameter_count("rnn", V, CAPSTONE["hidden_size"], V)
    print(
        f"{corpus}: {len(text):,} characters, V = {V}; training streams "
        f"{np.shape(train_streams)}, validation streams {np.shape(val_streams)}, chunks of "
        f"{chunk_length} steps; {budget:,} parameters per model"
    )
    folder = Path(folder)
    results = {}
    for cell in cells:
        H = hidden_size_for_budget(cell, V, budget)
        settings = {
            "cell": cell,
            "corpus": corpus,
            "chars": len(text),
            "validation": validation,
            "H": int(H),
            "streams": streams,
            "chunk_length": chunk_length,
            "learning_rate": rates[cell],
            "max_norm": max_norm,
            "epochs": epochs,
            "patience": patience,
            "seed": seed,
        }
        saved = None if fresh else _load(folder, cell, settings)
        if saved is not None:
            best, history, seconds = saved
            print(f"{cell}: trained before with these settings, read from {folder / cell}.npz")
        else:
            initial = init_char_model(cell, V, H, np.random.default_rng(seed))
            started = time.perf_counter()
            returned = train_char_model(
                cell,
                initial,
                train_streams,
                val_streams,
                chunk_length,
                epochs,
                rates[cell],
                max_norm,
                patience,
                progress,
            )
            seconds = time.perf_counter() - started
            best, history = _checked_result(returned)
            _save(folder, cell, settings, best, history, seconds)
        results[cell] = {
            "H": int(H),
            "parameters": parameter_count(cell, V, H, V),
            "learning_rate": rates[cell],
            "params": best,
            "history": history,
            "seconds": seconds,
        }
        if sample_chars is not None:
            prompt = text[:4]  # characters the vocabulary surely has
            drawn = sample_chars(
                cell, best, vocab.encode(prompt), 200, np.random.default_rng(seed), 0.8
            )
            print(f"{cell} sample (tau = 0.8):\n{prompt + vocab.decode(np.asarray(drawn))}\n")
    _print_table(results, bits_per_char, perplexity)
    return results


def _rates(learning_rate, cells: tuple) -> dict:
    if isinstance(learning_rate, dict):
        missing = [cell for cell in cells if cell not in learning_rate]
        if missing:
            raise ValueError(f"train_full_size: learning_rate gives no rate for {missing}")
        rates = {cell: learning_rate[cell] for cell in cells}
    else:
        rates = {cell: learning_rate for cell in cells}
    for cell, eta in rates.items():
        if not isinstance(eta, (int, float)) or not eta > 0:
            raise ValueError(f"train_full_size: the learning rate of {cell} must be > 0, got {eta}")
    return {cell: float(eta) for cell, eta in rates.items()}


def _checked_result(returned) -> tuple[dict, dict]:
    """(best_params, history) from what train_char_model returned, or a clear error."""
    if not (isinstance(returned, tuple) and len(returned) == 2):
        raise TypeError(
            "train_full_size: train_char_model must return (best_params, history), got "
            f"{type(returned).__name__}"
        )
    best, history = returned
    if not isinstance(best, dict) or not isinstance(history, dict):
        raise TypeError("train_full_size: train_char_model must return two dicts")
    missing = {"train_loss", "grad_norm", "val_loss", "best_epoch"} - set(history)
    if missing:
        raise ValueError(f"train_full_size: the history train_char_model returned has no {missing}")
    return best, history


def _files(folder: Path, cell: str) -> tuple[Path, Path]:
    return folder / f"{cell}.npz", folder / f"{cell}.json"


def _save(folder: Path, cell: str, settings: dict, best: dict, history: dict, seconds: float):
    folder.mkdir(parents=True, exist_ok=True)
    arrays, settings_file = _files(folder, cell)
    np.savez(
        arrays,
        **{f"params/{name}": np.asarray(value) for name, value in best.items()},
        **{
            f"history/{key}": np.asarray(history[key])
            for key in ("train_loss", "grad_norm", "val_loss")
        },
    )
    record = {"settings": settings, "best_epoch": int(history["best_epoch"]), "seconds": seconds}
    settings_file.write_text(json.dumps(record, indent=1))


def _load(folder: Path, cell: str, settings: dict):
    """(best, history, seconds) saved with these settings, or None."""
    arrays, settings_file = _files(folder, cell)
    if not (arrays.is_file() and settings_file.is_file()):
        return None
    record = json.loads(settings_file.read_text())
    if record.get("settings") != settings:
        print(f"{cell}: {arrays} was trained with other settings: training again")
        return None
    best, history = {}, {"best_epoch": int(record["best_epoch"])}
    with np.load(arrays, allow_pickle=False) as saved:
        for key in saved.files:
            group, name = key.split("/", 1)
            (best if group == "params" else history)[name] = np.array(saved[key])
    return best, history, float(record["seconds"])


def _print_table(results: dict, bits_per_char: Callable, perplexity: Callable) -> None:
    print(
        "model | H | parameters | eta | best epoch | epochs run | updates | val bits/char | "
        "val perplexity | seconds"
    )
    for cell, run in results.items():
        history = run["history"]
        best_loss = float(np.min(history["val_loss"]))
        print(
            f"{cell} | {run['H']} | {run['parameters']:,} | {run['learning_rate']:g} | "
            f"{history['best_epoch']} | {len(history['val_loss'])} | "
            f"{len(history['train_loss'])} | {float(bits_per_char(best_loss)):.3f} | "
            f"{float(perplexity(best_loss)):.2f} | {run['seconds']:.0f}"
        )
