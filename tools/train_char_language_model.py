"""Notebook 07 at full size: RNN, GRU and LSTM character models at one parameter budget, trained
with the notebook's loop (truncated BPTT with the state carried, global-norm clipping, Adagrad,
validation after every epoch, early stopping), with a progress bar and checkpoints.

    .venv/bin/python -m tools.train_char_language_model                 # the defaults below
    .venv/bin/python -m tools.train_char_language_model --cells gru --epochs 20 --chars 4000000
    .venv/bin/python -m tools.train_char_language_model --corpus my_text.txt

A checkpoint is written after every epoch (checkpoints/char_language_model/<cell>.npz, with the
settings beside it in <cell>.json); run the same command again to resume where it stopped (a
finished run is reported, not retrained). `--fresh` starts over. The loop is the reference
implementation of the notebook's exercise (rnn_numpy/char_model.py); the corpus is read
as the notebook reads it (coursekit.text.load_text), split the same way (the last
`--validation` of the text is the validation text). Prints one row per model: its size, its
best validation loss in bits per character, and the wall time of its training.

For instructors and developers: it trains the reference library. Learners are not sent here (the
learner kit has no tools/): notebook 07's section 6 trains with their own functions,
`coursekit.full_size.train_full_size`, at the same CAPSTONE settings.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from coursekit.text import CharVocab, load_text
from grader.layout import REPOSITORY
from rnn_numpy.baselines import memoryless_loss_floor
from rnn_numpy.char_model import (
    CAPSTONE,
    CELLS,
    TrainingState,
    hidden_size_for_budget,
    init_char_model,
    parameter_count,
    sample_chars,
    train_char_model,
)
from rnn_numpy.language_model import batchify, bits_per_char, perplexity

CHECKPOINTS = REPOSITORY / "checkpoints" / "char_language_model"
# The best rates of `python -m tools.sweep_char_language_model` (its defaults: 300,000 characters,
# a budget of 100,000 parameters, CAPSTONE's 16 streams of 16 steps, 2 epochs) at seed 0.
LEARNING_RATES = ("rnn=0.1", "gru=0.1", "lstm=0.3")


def add_corpus_arguments(parser: argparse.ArgumentParser, chars: int) -> None:
    """The options every language-model tool shares: the corpus, its split, the models."""
    parser.add_argument(
        "--corpus",
        default="python-stdlib",
        help='"python-stdlib", a corpus of coursekit/data, or a text file',
    )
    parser.add_argument("--chars", type=int, default=chars, help="characters of the corpus")
    parser.add_argument("--validation", type=float, default=0.1, help="validation fraction")
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
    parser.add_argument("--budget", type=int, default=100_000, help="parameters per model")


def corpus_streams(args: argparse.Namespace) -> tuple:
    """(text, vocab, split, train_streams, val_streams): the corpus cut at the validation
    fraction, each part as `args.streams` streams."""
    text = load_text(args.corpus, args.chars)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    split = int(len(ids) * (1 - args.validation))
    return (
        text,
        vocab,
        split,
        batchify(ids[:split], args.streams),
        batchify(ids[split:], args.streams),
    )


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_corpus_arguments(parser, chars=1_000_000)
    parser.add_argument("--streams", type=int, default=CAPSTONE["streams"], help="N")
    parser.add_argument(
        "--chunk", type=int, default=CAPSTONE["chunk"], help="K, the truncation length"
    )
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--patience", type=int, default=2)
    parser.add_argument(
        "--learning-rate",
        nargs="+",
        default=list(LEARNING_RATES),
        metavar="[CELL=]ETA",
        help="Adagrad's eta: one number for every model, or one per cell",
    )
    parser.add_argument(
        "--max-norm", type=float, default=CAPSTONE["max_norm"], help="global-norm clipping"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoints", type=Path, default=CHECKPOINTS)
    parser.add_argument("--fresh", action="store_true", help="ignore existing checkpoints")
    return parser.parse_args(argv)


def learning_rate_of(values: list[str], cell: str) -> float:
    """eta for `cell` from ["0.05"] (every cell) or ["rnn=0.01", "gru=0.03", ...]."""
    if len(values) == 1 and "=" not in values[0]:
        return float(values[0])
    rates = dict(value.split("=", 1) for value in values)
    if cell not in rates:
        raise SystemExit(f"--learning-rate gives no rate for {cell} ({' '.join(values)})")
    return float(rates[cell])


def settings_of(args: argparse.Namespace, cell: str, V: int, H: int) -> dict:
    keys = (
        "corpus",
        "chars",
        "validation",
        "budget",
        "streams",
        "chunk",
        "max_norm",
        "seed",
        "patience",
    )
    return {
        "cell": cell,
        "V": V,
        "H": H,
        "learning_rate": learning_rate_of(args.learning_rate, cell),
        **{key: getattr(args, key) for key in keys},
    }


def load_checkpoint(folder: Path, cell: str, settings: dict) -> tuple[TrainingState | None, float]:
    """The saved state of a run with the same settings, and the seconds it has run so far."""
    state_file, settings_file = folder / f"{cell}.npz", folder / f"{cell}.json"
    if not (state_file.is_file() and settings_file.is_file()):
        return None, 0.0
    saved = json.loads(settings_file.read_text())
    if saved.get("settings") != settings:
        raise SystemExit(
            f"{state_file} was made with other settings ({saved.get('settings')}); "
            f"run with --fresh to start over, or with those settings to resume"
        )
    with np.load(state_file, allow_pickle=False) as arrays:
        return TrainingState.from_arrays(dict(arrays)), float(saved["seconds"])


def save_checkpoint(
    folder: Path, cell: str, settings: dict, run: TrainingState, seconds: float
) -> None:
    """Write the state after an epoch; a crash mid-write leaves the previous checkpoint."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{cell}.partial.npz"
    np.savez(partial, **run.to_arrays())
    os.replace(partial, folder / f"{cell}.npz")
    (folder / f"{cell}.json").write_text(
        json.dumps({"settings": settings, "seconds": seconds}, indent=1)
    )


def main(argv=None) -> None:
    args = arguments(argv)
    threadpool_limits(1)  # small matrices: one BLAS thread is fastest
    text, vocab, split, train_streams, val_streams = corpus_streams(args)
    floor = memoryless_loss_floor(text[split:])
    print(
        f"{args.corpus}: {len(text):,} characters, V = {vocab.size}; training streams "
        f"{train_streams.shape}, validation streams {val_streams.shape}, chunks of {args.chunk}; "
        f"memoryless floor of the validation text {bits_per_char(floor):.3f} bits/char"
    )
    rows = []
    for cell in args.cells:
        H = hidden_size_for_budget(cell, vocab.size, args.budget)
        settings = settings_of(args, cell, vocab.size, H)
        run, earlier = (
            (None, 0.0) if args.fresh else load_checkpoint(args.checkpoints, cell, settings)
        )
        if run is not None:
            print(f"{cell}: resuming after epoch {run.epoch} ({earlier:.0f} s so far)")
        initial = init_char_model(cell, vocab.size, H, np.random.default_rng(args.seed))
        started = time.perf_counter()

        def checkpoint(state: TrainingState) -> None:
            seconds = earlier + time.perf_counter() - started  # noqa: B023 (this cell's run)
            save_checkpoint(args.checkpoints, cell, settings, state, seconds)  # noqa: B023

        best, history = train_char_model(
            cell,
            initial,
            train_streams,
            val_streams,
            args.chunk,
            args.epochs,
            settings["learning_rate"],
            args.max_norm,
            args.patience,
            progress=True,
            resume=run,
            on_epoch=checkpoint,
        )
        seconds = earlier + time.perf_counter() - started
        best_loss = float(history["val_loss"].min())
        parameters = parameter_count(cell, vocab.size, H, vocab.size)
        rows.append(
            (
                cell,
                H,
                parameters,
                settings["learning_rate"],
                history["best_epoch"],
                len(history["val_loss"]),
                len(history["train_loss"]),
                bits_per_char(best_loss),
                perplexity(best_loss),
                seconds,
            )
        )
        prompt = text[:4]  # characters the vocabulary surely has
        drawn = sample_chars(
            cell, best, vocab.encode(prompt), 200, np.random.default_rng(args.seed), temperature=0.8
        )
        print(f"{cell} sample (tau = 0.8):\n{prompt + vocab.decode(drawn)}\n")
    print(
        "model | H | parameters | eta | best epoch | epochs run | updates | val bits/char | "
        "val perplexity | seconds"
    )
    for cell, H, count, eta, best_epoch, epochs_run, updates, bits, ppl, seconds in rows:
        print(
            f"{cell} | {H} | {count:,} | {eta:g} | {best_epoch} | {epochs_run} | {updates} | "
            f"{bits:.3f} | {ppl:.2f} | {seconds:.0f}"
        )


if __name__ == "__main__":
    main()
