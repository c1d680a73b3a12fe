"""Notebook 07's capstone loop against a baseline in the style of Karpathy's min-char-rnn (2015).

    .venv/bin/python -m benchmarks.capstone_vs_min_char_rnn                  # seed 0, one core
    .venv/bin/python -m benchmarks.capstone_vs_min_char_rnn --seeds 0 1 2 3 4 5 6 7

Both train a vanilla tanh RNN with H = 100 (29,396 parameters at V = 96) on the same text, the
first 1,000,000 characters of the standard library's source (coursekit.text.load_text, as
notebook 07 and tools/train_char_language_model.py read it), split the same way (the last 10 %
is the validation text), for one pass over the 900,000 training characters, on one BLAS thread:

- baseline, written here as min-char-rnn is: one stream, chunks of 25 steps with the state
  carried, weights drawn from N(0, 0.01^2), every gradient entry clipped to [-5, 5], Adagrad
  with eta = 0.1 (its sums of squares kept from the first update);
- course: the library's train_char_model (rnn_numpy/char_model.py) with the capstone's
  settings (CAPSTONE in that module: N streams of K steps, its Adagrad eta, global-norm
  clipping, its initialisation), unless the options override them.

Both are read by the same function, evaluate_loss: the validation text cut into the course's N
streams, each read from the zero state. A single stream trained without resets can learn
weights that work only from the states it keeps visiting (from the zero state it may fall into
another regime), so the baseline is also read min-char-rnn's way: the validation text as one
stream, from the state its training had reached ("carried"). "best" is the better of its two
readings at each point: the course must beat that.

Printed: both curves at equal training characters (every 100,000), at equal training wall time
(evaluation excluded), a summary over the seeds, and the load average before and after. Wall
times depend on the machine and its load: compare them within one run only.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits

from coursekit.model_size import parameter_count
from coursekit.text import CharVocab, load_text
from rnn_numpy.char_model import (
    CAPSTONE,
    char_model_loss,
    evaluate_loss,
    init_char_model,
    train_char_model,
)
from rnn_numpy.language_model import batchify, bits_per_char, iterate_chunks

CORPUS, CHARS, VALIDATION, H = "python-stdlib", 1_000_000, 0.1, CAPSTONE["hidden_size"]
EVERY = 50_000  # characters between two readings of the validation loss
SHOWN = 100_000  # rows of the equal-characters table
BASELINE = {"chunk": 25, "learning_rate": 0.1, "clip": 5.0, "init_std": 0.01}
READ_CHUNK = 1_000  # evaluation chunks (the loss does not depend on them)


@dataclasses.dataclass
class Reading:
    chars: int  # training characters read (targets seen) so far
    seconds: float  # training wall time so far, evaluation excluded
    bits: float  # validation bits/char, evaluate_loss (zero state)
    carried: float = float("nan")  # baseline only: one stream from its training state


@dataclasses.dataclass
class Data:
    V: int
    train: np.ndarray  # (S_train,) character indices
    val: np.ndarray  # (S_val,)


def load_data(chars: int) -> Data:
    text = load_text(CORPUS, chars)
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    split = int(len(ids) * (1 - VALIDATION))
    return Data(vocab.size, ids[:split], ids[split:])


# -- the baseline: min-char-rnn's loss function and loop -----------------------------------------
def min_char_rnn_loss(params: dict, inputs: np.ndarray, targets: np.ndarray, h: np.ndarray):
    """min-char-rnn's lossFun for one chunk of one stream, in the course's row orientation
    (h_t = tanh(x_t Wx + h_{t-1} Wh + b), y_t = h_t Wy + by; x_t one-hot, so x_t Wx is a row).

    inputs, targets: (T,) indices; h: (H,) the state before the chunk.
    Returns the summed loss, the gradients (dict like params) and the state after the chunk.
    """
    Wx, Wh, b, Wy, by = (params[name] for name in ("Wx", "Wh", "b", "Wy", "by"))
    T = len(inputs)
    hs = np.empty((T + 1, len(h)))  # hs[0] is the state before the chunk
    hs[0] = h
    for t in range(T):
        hs[t + 1] = np.tanh(Wx[inputs[t]] + hs[t] @ Wh + b)
    logits = hs[1:] @ Wy + by  # (T, V)
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(T), targets]).sum()
    dlogits = probs
    dlogits[np.arange(T), targets] -= 1
    grads = {"Wy": hs[1:].T @ dlogits, "by": dlogits.sum(axis=0)}
    dh_out = dlogits @ Wy.T  # (T, H)
    da = np.empty_like(dh_out)
    dh_next = np.zeros_like(h)
    for t in reversed(range(T)):
        da[t] = (dh_out[t] + dh_next) * (1 - hs[t + 1] ** 2)
        dh_next = da[t] @ Wh.T
    grads["Wh"] = hs[:-1].T @ da
    grads["b"] = da.sum(axis=0)
    grads["Wx"] = np.zeros_like(Wx)
    np.add.at(grads["Wx"], inputs, da)
    return float(loss), grads, hs[-1].copy()


def carried_bits(params: dict, val: np.ndarray, h: np.ndarray) -> float:
    """Validation bits/char of the validation text read as one stream from state h."""
    state, total = h[None, :], 0.0
    for inputs, targets in iterate_chunks(val[None, :], READ_CHUNK):
        loss, _, state = char_model_loss("rnn", params, inputs, targets, state, with_grads=False)
        total += loss
    return bits_per_char(total / (len(val) - 1))


def train_baseline(data: Data, seed: int, evaluate) -> list[Reading]:
    rng = np.random.default_rng(seed)
    std = BASELINE["init_std"]
    params = {
        "Wx": rng.standard_normal((data.V, H)) * std,
        "Wh": rng.standard_normal((H, H)) * std,
        "b": np.zeros(H),
        "Wy": rng.standard_normal((H, data.V)) * std,
        "by": np.zeros(data.V),
    }
    sums = {name: np.zeros_like(value) for name, value in params.items()}
    h, chars, seconds, readings = np.zeros(H), 0, 0.0, []
    clip, eta = BASELINE["clip"], BASELINE["learning_rate"]
    for inputs, targets in iterate_chunks(data.train[None, :], BASELINE["chunk"]):
        started = time.perf_counter()
        _, grads, h = min_char_rnn_loss(params, inputs[0], targets[0], h)
        for name, grad in grads.items():
            np.clip(grad, -clip, clip, out=grad)
            sums[name] += grad * grad
            params[name] -= eta * grad / np.sqrt(sums[name] + 1e-8)
        seconds += time.perf_counter() - started
        chars += targets.size
        last = chars == len(data.train) - 1
        if chars // EVERY > len(readings) or last:
            # the one-stream reading costs a pass over the validation text: every SHOWN only
            shown = last or (len(readings) + 1) * EVERY % SHOWN == 0
            carried = carried_bits(params, data.val, h) if shown else float("nan")
            readings.append(Reading(chars, seconds, evaluate(params), carried))
    return readings


# -- the course's loop --------------------------------------------------------------------------
def train_course(data: Data, seed: int, settings: dict, evaluate) -> list[Reading]:
    params = init_char_model("rnn", data.V, H, np.random.default_rng(seed))
    streams = batchify(data.train, settings["streams"])
    read_by = np.cumsum([targets.size for _, targets in iterate_chunks(streams, settings["chunk"])])
    readings, evaluating, started = [], [0.0], time.perf_counter()

    def read(run) -> None:
        updates = len(run.train_loss)
        chars = int(read_by[updates - 1])
        if chars // EVERY > len(readings) or updates == len(read_by):
            paused = time.perf_counter()
            readings.append(Reading(chars, paused - started - evaluating[0], evaluate(run.params)))
            evaluating[0] += time.perf_counter() - paused

    train_char_model(
        "rnn",
        params,
        streams,
        batchify(data.val, settings["streams"]),
        settings["chunk"],
        1,
        settings["learning_rate"],
        settings["max_norm"],
        1,
        progress=False,
        on_update=read,
    )
    return readings


# -- reading the curves -------------------------------------------------------------------------
def at_chars(readings: list[Reading], chars: int) -> Reading:
    """The first reading after at least `chars` training characters (else the last)."""
    return next((r for r in readings if r.chars >= chars), readings[-1])


def at_seconds(readings: list[Reading], seconds: float) -> Reading | None:
    """The last reading taken within `seconds` of training (None if there is none)."""
    within = [r for r in readings if r.seconds <= seconds]
    return within[-1] if within else None


def best(reading: Reading) -> float:
    """The better of the baseline's two readings (its zero-state one where it has no other)."""
    return float(np.fmin(reading.bits, reading.carried))


def compare(seed: int, baseline: list[Reading], course: list[Reading]) -> dict:
    print(f"\nseed {seed}: validation bits/char at equal training characters")
    print("  chars read | baseline zero-state | baseline carried | course | baseline s | course s")
    for chars in range(SHOWN, baseline[-1].chars + SHOWN, SHOWN):
        b, c = at_chars(baseline, min(chars, baseline[-1].chars)), at_chars(course, chars)
        print(
            f"  {c.chars:>10,} | {b.bits:19.3f} | {b.carried:16.3f} | {c.bits:6.3f} |"
            f" {b.seconds:10.1f} | {c.seconds:8.1f}"
        )
    print(f"seed {seed}: at equal training wall time (the latest reading of each within t)")
    print("  t (s) | course chars | course | baseline chars | baseline best")
    read_both = [r for r in baseline if not np.isnan(r.carried)]
    rows = course[SHOWN // EVERY - 1 :: SHOWN // EVERY]
    for c in rows + [course[-1]] if course[-1] not in rows else rows:
        b = at_seconds(read_both, c.seconds)
        baseline_text = f"{b.chars:>14,} | {best(b):13.3f}" if b else f"{'-':>14} | {'-':>13}"
        print(f"  {c.seconds:5.1f} | {c.chars:>12,} | {c.bits:6.3f} | {baseline_text}")
    done = course[-1]
    b = at_seconds(read_both, done.seconds)
    return {
        "baseline_end": best(baseline[-1]),
        "course_end": done.bits,
        "course_seconds": done.seconds,
        "baseline_seconds": baseline[-1].seconds,
        "baseline_at_course_end": best(b) if b else float("nan"),
        "baseline_chars_at_course_end": b.chars if b else 0,
    }


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--chars", type=int, default=CHARS, help="characters of the text")
    parser.add_argument("--streams", type=int, default=CAPSTONE["streams"], help="course's N")
    parser.add_argument("--chunk", type=int, default=CAPSTONE["chunk"], help="course's K")
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=CAPSTONE["learning_rate"],
        help="course's Adagrad eta",
    )
    parser.add_argument("--max-norm", type=float, default=CAPSTONE["max_norm"])
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = arguments(argv)
    threadpool_limits(1)
    load_before = os.getloadavg()
    data = load_data(args.chars)
    settings = {
        "streams": args.streams,
        "chunk": args.chunk,
        "learning_rate": args.learning_rate,
        "max_norm": args.max_norm,
    }
    val_streams = batchify(data.val, settings["streams"])

    def evaluate(params: dict) -> float:
        return bits_per_char(evaluate_loss("rnn", params, val_streams, READ_CHUNK))

    print(
        f"{CORPUS}: {args.chars:,} characters, V = {data.V}, {len(data.train):,} training and "
        f"{len(data.val):,} validation characters; H = {H}, "
        f"{parameter_count('rnn', data.V, H, data.V):,} parameters each; one BLAS thread"
    )
    print(
        f"baseline: 1 stream x {BASELINE['chunk']} steps, Adagrad eta = "
        f"{BASELINE['learning_rate']}, entries clipped to +-{BASELINE['clip']}, "
        f"N(0, {BASELINE['init_std']}^2) weights"
    )
    print(
        f"course: {settings['streams']} streams x {settings['chunk']} steps, Adagrad eta = "
        f"{settings['learning_rate']}, global norm clipped to {settings['max_norm']}, "
        f"init_char_model's weights; validation: {settings['streams']} streams"
    )
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    results = []
    for seed in args.seeds:
        baseline = train_baseline(data, seed, evaluate)
        course = train_course(data, seed, settings, evaluate)
        results.append(compare(seed, baseline, course))
    print(
        "\nsummary: seed | baseline best at the end | course at the end | course s |"
        " baseline s | baseline best when the course finished (chars)"
    )
    for seed, r in zip(args.seeds, results):
        print(
            f"  {seed} | {r['baseline_end']:.3f} | {r['course_end']:.3f} | "
            f"{r['course_seconds']:.1f} | {r['baseline_seconds']:.1f} | "
            f"{r['baseline_at_course_end']:.3f} ({r['baseline_chars_at_course_end']:,} chars)"
        )
    ends = np.array([[r["baseline_end"], r["course_end"]] for r in results])
    wins = int((ends[:, 1] <= ends[:, 0]).sum())
    print(
        f"mean over {len(results)} seeds: baseline best {ends[:, 0].mean():.3f}, course "
        f"{ends[:, 1].mean():.3f} bits/char after one pass; the course at least as good at "
        f"{wins} of {len(results)} seeds"
    )
    load_after = os.getloadavg()
    print(
        f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} "
        f"(2 cores, shared)"
    )


if __name__ == "__main__":
    main()
