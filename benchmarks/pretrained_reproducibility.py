"""How reproducible is the training of the pretrained character RNN? Measured, per step size.

    .venv/bin/python -m benchmarks.pretrained_reproducibility

For each Adagrad step size, the shipped model's loop (coursekit.char_rnn.train_char_rnn) runs
three times: with notebook 03's solution functions, with the reference package's (a correct
implementation that rounds differently), and with the solution's functions from initial weights
nudged by 1e-12 (relative, in Wh). It prints the largest weight difference of each from the
first run, p('r' | "laye") and the final loss. A step size whose differences stay near 1e-11 is
reproducible to a tolerance by any correct implementation; one where they reach 1e-2 or more is
chaotic: the result depends on the last bit of every sum. The shipped model uses the step size
marked with *.
"""

from __future__ import annotations

import dataclasses
import time

from tqdm import tqdm

from coursekit import char_rnn
from rnn_numpy.optim import adagrad_step
from rnn_numpy.truncated_bptt import truncated_bptt
from tools import train_pretrained_char_rnn as tool

STEP_SIZES = (0.01, 0.025, 0.05, 0.1)
NUDGE = 1e-12
MADE = char_rnn.initial_params


def nudged(rng, vocab_size, hidden_size):
    """The usual initial weights with Wh scaled by 1 + NUDGE."""
    params = MADE(rng, vocab_size, hidden_size)
    return {**params, "Wh": params["Wh"] * (1 + NUDGE)}


def main():
    notebook = tool.notebook_functions(tool.default_notebook())
    rows = []
    for step in tqdm(STEP_SIZES, unit="step size"):
        settings = dataclasses.replace(char_rnn.PRETRAINED, learning_rate=step)
        started = time.perf_counter()
        base, vocab, losses = char_rnn.train_char_rnn(
            notebook["truncated_bptt"], notebook["adagrad_step"], settings
        )
        seconds = time.perf_counter() - started
        other, _, _ = char_rnn.train_char_rnn(truncated_bptt, adagrad_step, settings)
        char_rnn.initial_params = nudged
        try:
            nudged_params, _, _ = char_rnn.train_char_rnn(
                notebook["truncated_bptt"], notebook["adagrad_step"], settings
            )
        finally:
            char_rnn.initial_params = MADE
        p_r = tool.next_character_probabilities(notebook, base, vocab, "laye")[vocab.index["r"]]
        per_epoch = len(losses) // settings.epochs
        rows.append(
            (
                step,
                char_rnn.largest_difference(base, other),
                char_rnn.largest_difference(base, nudged_params),
                p_r,
                losses[-per_epoch:].mean(),
                seconds,
            )
        )
    print(
        f"\n{'step':>6} {'other impl.':>12} {'nudged 1e-12':>13} {'p(r|laye)':>10} "
        f"{'final loss':>11} {'seconds':>8}"
    )
    for step, other, nudge, p_r, loss, seconds in rows:
        mark = "*" if step == char_rnn.PRETRAINED.learning_rate else " "
        print(
            f"{step:>5}{mark} {other:12.1e} {nudge:13.1e} {p_r:10.3f} {loss:11.3f} {seconds:8.1f}"
        )


if __name__ == "__main__":
    main()
