"""A fair learning-rate sweep for notebook 07's race: every cell at one parameter budget is
trained with every rate of one grid, on the same text, streams, chunks and epochs, from weights
drawn with the same seed, and a table of the best validation bits/char is printed.

    .venv/bin/python -m tools.sweep_char_language_model                     # the defaults below
    .venv/bin/python -m tools.sweep_char_language_model --chars 75000 --budget 20000 \
        --epochs 30 --patience 2 --rates 0.03 0.1 0.3     # notebook 07's race: its rates

Each run is the library's train_char_model (rnn_numpy/char_model.py: truncated BPTT with
the state carried, global-norm clipping, Adagrad, early stopping on the validation loss), so the
race is at equal updates: every model reads the same chunks, at most `--epochs` passes. The
table gives each cell's best validation bits/char at each rate (its epoch in brackets, "*" where
early stopping ended the run before `--epochs`), then each cell's best rate, as the
`--learning-rate` argument of tools/train_char_language_model.py. A rate at the edge of the grid
is flagged: widen the grid there.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from coursekit.model_size import parameter_count
from rnn_numpy.char_model import (
    CAPSTONE,
    hidden_size_for_budget,
    init_char_model,
    train_char_model,
)
from rnn_numpy.language_model import bits_per_char
from tools.train_char_language_model import add_corpus_arguments, corpus_streams

RATES = (0.003, 0.01, 0.03, 0.1, 0.3)


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_corpus_arguments(parser, chars=300_000)
    parser.add_argument("--streams", type=int, default=CAPSTONE["streams"], help="N")
    parser.add_argument("--chunk", type=int, default=CAPSTONE["chunk"], help="K")
    parser.add_argument("--epochs", type=int, default=2, help="most passes per run")
    parser.add_argument("--patience", type=int, default=2)
    parser.add_argument("--max-norm", type=float, default=CAPSTONE["max_norm"])
    parser.add_argument(
        "--rates",
        type=float,
        nargs="+",
        default=list(RATES),
        help="Adagrad's eta: the one grid every cell is trained with",
    )
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def sweep(args: argparse.Namespace) -> dict:
    """{(cell, eta): (best validation loss in nats, best epoch, epochs run, seconds)}."""
    text, vocab, split, train_streams, val_streams = corpus_streams(args)
    print(
        f"{args.corpus}: {len(text):,} characters, V = {vocab.size}; {args.streams} streams x "
        f"{args.chunk} steps, at most {args.epochs} epochs, patience {args.patience}, max norm "
        f"{args.max_norm}, seed {args.seed}; budget {args.budget:,} parameters"
    )
    results = {}
    for cell in args.cells:
        H = hidden_size_for_budget(cell, vocab.size, args.budget)
        print(
            f"{cell}: H = {H}, {parameter_count(cell, vocab.size, H, vocab.size):,} parameters",
            flush=True,
        )
        for eta in args.rates:
            initial = init_char_model(cell, vocab.size, H, np.random.default_rng(args.seed))
            started = time.perf_counter()
            _, history = train_char_model(
                cell,
                initial,
                train_streams,
                val_streams,
                args.chunk,
                args.epochs,
                eta,
                args.max_norm,
                args.patience,
                progress=False,
            )
            results[cell, eta] = (
                float(history["val_loss"].min()),
                history["best_epoch"],
                len(history["val_loss"]),
                time.perf_counter() - started,
            )
    return results


def print_table(args: argparse.Namespace, results: dict) -> dict:
    """Print the table; return each cell's best rate."""
    print(
        "\nbest validation bits/char (best epoch; * stopped early) | eta = "
        + " | ".join(f"{eta:g}" for eta in args.rates)
    )
    chosen = {}
    for cell in args.cells:
        cells = []
        for eta in args.rates:
            loss, epoch, run, _ = results[cell, eta]
            cells.append(
                f"{bits_per_char(loss):.3f} ({epoch}{'*' if run < args.epochs else ''})"
                if np.isfinite(loss)
                else "diverged"
            )
        chosen[cell] = min(args.rates, key=lambda eta: results[cell, eta][0])
        print(f"{cell} | " + " | ".join(cells))
    seconds = sum(result[3] for result in results.values())
    print(f"({len(results)} runs, {seconds:.0f} s of training in all)")
    for cell, eta in chosen.items():
        edge = (
            " (at the edge of the grid: widen it)"
            if eta in (min(args.rates), max(args.rates))
            else ""
        )
        print(
            f"{cell}: best eta {eta:g}, {bits_per_char(results[cell, eta][0]):.3f} bits/char{edge}"
        )
    print("--learning-rate " + " ".join(f"{cell}={eta:g}" for cell, eta in chosen.items()))
    return chosen


def main(argv=None) -> dict:
    args = arguments(argv)
    threadpool_limits(1)  # small matrices: one BLAS thread is fastest
    return print_table(args, sweep(args))


if __name__ == "__main__":
    main()
