"""Make (or check) `coursekit/data/pretrained_char_rnn.npz` with notebook 03's own code.

    .venv/bin/python -m tools.train_pretrained_char_rnn                 # remake the shipped file
    .venv/bin/python -m tools.train_pretrained_char_rnn --check         # compare, write nothing
    .venv/bin/python -m tools.train_pretrained_char_rnn --check --notebook my/03_bptt.ipynb

It needs what a learner has: the course kit (`coursekit`, whose `char_rnn.train_char_rnn` is the
training loop) and a notebook 03 whose exercises are done. The functions the loop calls
(`truncated_bptt`, `adagrad_step` and what they call, the provided forward pass of notebook 02)
are read from that notebook's exercise and provided cells and run here; nothing comes from the
grader's reference package. The default notebook is the solution (`solutions/03_bptt/`) if the
repository has it, else the released one (`notebooks/03_bptt/`, which must then be filled in).

Deterministic: the same notebook on the same machine gives the same file, bit for bit. Any
correct notebook 03 on any machine gives weights within `REPRODUCTION_TOLERANCE` of the shipped
file (`--check` says by how much). Notebook 03's training experiment runs the same loop with the
same settings and compares its result with the shipped file in the same way.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
from tqdm import tqdm

from coursekit.char_rnn import (
    PRETRAINED,
    PRETRAINED_PATH,
    REPRODUCTION_TOLERANCE,
    largest_difference,
    load_pretrained,
    save_pretrained,
    train_char_rnn,
)

REPOSITORY = Path(__file__).resolve().parents[1]

NEEDED = ("truncated_bptt", "adagrad_step", "rnn_forward", "rnn_output")
PREFIX = "laye"


def default_notebook() -> Path:
    for folder in ("solutions", "notebooks"):
        path = REPOSITORY / folder / "03_bptt" / "03_bptt.ipynb"
        if path.is_file():
            return path
    raise FileNotFoundError("no notebook 03_bptt found; pass --notebook")


def notebook_functions(path: Path, names=NEEDED) -> dict:
    """The functions defined by a notebook's exercise cells and provided cells.

    Runs those cells (and only those: no experiments, no checks) in a fresh namespace that has
    NumPy as `np`, and returns the namespace's entries named in `names`.
    """
    notebook = nbformat.read(path, as_version=4)
    namespace = {"np": np, "__name__": "notebook_03"}
    for cell in notebook.cells:
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        provided = cell.get("metadata", {}).get("rnn_course", {}).get("provided")
        if cell.cell_type == "code" and (nbgrader.get("solution") or provided):
            exec(
                compile(cell.source, f"{path.name}:{nbgrader.get('grade_id', 'cell')}", "exec"),
                namespace,
            )
    missing = [name for name in names if not callable(namespace.get(name))]
    if missing:
        raise LookupError(f"{path} does not define {missing}")
    return {name: namespace[name] for name in names}


def next_character_probabilities(functions: dict, params: dict, vocab, prefix: str) -> np.ndarray:
    """p(next character | prefix) from the zero state, shape (V,), with the notebook's forward."""
    x = np.eye(vocab.size)[vocab.encode(prefix)][None]  # (1, T, V)
    h, _ = functions["rnn_forward"](
        x, np.zeros((1, params["Wh"].shape[0])), params["Wx"], params["Wh"], params["b"]
    )  # (1, T, H)
    logits, _ = functions["rnn_output"](h[:, -1], params["Wy"], params["by"])  # (1, V)
    shifted = logits[0] - logits[0].max()
    return np.exp(shifted) / np.exp(shifted).sum()


def train_with(functions: dict, *, progress: bool = True):
    """train_char_rnn with the notebook's functions and the shipped model's settings."""
    bar = tqdm(total=PRETRAINED.epochs, unit="epoch", disable=not progress)
    try:
        return train_char_rnn(
            functions["truncated_bptt"],
            functions["adagrad_step"],
            PRETRAINED,
            on_epoch=lambda epoch, params: bar.update(1),
        )
    finally:
        bar.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--notebook",
        type=Path,
        default=None,
        help="a notebook 03_bptt with its exercises done (default: the solution)",
    )
    parser.add_argument("--output", type=Path, default=PRETRAINED_PATH)
    parser.add_argument(
        "--check", action="store_true", help="compare with --output instead of writing it"
    )
    args = parser.parse_args(argv)
    notebook = args.notebook or default_notebook()
    functions = notebook_functions(notebook)
    started = time.perf_counter()
    params, vocab, losses = train_with(functions)
    seconds = time.perf_counter() - started
    probabilities = next_character_probabilities(functions, params, vocab, PREFIX)
    best = vocab.chars[int(np.argmax(probabilities))]
    print(
        f"trained with {notebook} in {seconds:.1f} s: last epoch's loss "
        f"{losses[-len(losses) // PRETRAINED.epochs :].mean():.3f} nats per character; after "
        f"{PREFIX!r} the most probable character is {best!r}, p('r') = "
        f"{probabilities[vocab.index['r']]:.3f}"
    )
    if args.check:
        shipped, shipped_vocab, settings = load_pretrained(args.output)
        difference = largest_difference(params, shipped)
        same = shipped_vocab.chars == vocab.chars and settings == PRETRAINED
        verdict = (
            "reproduces it bit for bit"
            if difference == 0 and same
            else f"is within {REPRODUCTION_TOLERANCE:g}"
            if difference <= REPRODUCTION_TOLERANCE and same
            else "does NOT reproduce it"
        )
        print(f"largest difference from {args.output}: {difference:.2e}; this run {verdict}")
        return 0 if same and difference <= REPRODUCTION_TOLERANCE else 1
    if best != "r":
        print("the trained model must put most probability on 'r' after 'laye'; not written")
        return 1
    save_pretrained(args.output, params, vocab, PRETRAINED)
    print(f"wrote {args.output} ({args.output.stat().st_size / 1024:.1f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
