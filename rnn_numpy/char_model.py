"""A character language model with a recurrent core (RNN, GRU or LSTM) behind one interface:
its loss on a chunk, its validation loss over a long text, sampling, and the training loop of
notebook 07 (truncated BPTT with the state carried, global-norm clipping, Adagrad, a validation
split, early stopping).

Notation (docs/NOTATION.md): N parallel streams, T steps in a chunk, V characters (one-hot
inputs, so D = V), H hidden units, K the truncation length (`chunk_length`). The loss of a chunk
is the card's script L (`loss`): the negative log-probability of the targets summed over the T
steps and averaged over the N streams. What we report is the per-character loss, loss / T, in
nats (bits per character = loss / (T ln 2), perplexity = exp(loss / T)). A stream of T + 1
characters has T steps (every character but the first is a target).

The parameters of each cell type (`cell` is one of CELLS):

    "rnn"   Wx (V, H)    Wh (H, H)    b (H,)                      Wy (H, V)   by (V,)
    "gru"   Wx (V, 3H)   Wh (H, 3H)   bx (3H,)   bh (3H,)         Wy (H, V)   by (V,)
    "lstm"  Wx (V, 4H)   Wh (H, 4H)   b (4H,)                     Wy (H, V)   by (V,)

The state carried from one chunk to the next is h (N, H) for "rnn" and "gru", and the pair
(h, c) of two (N, H) arrays for "lstm" (the cell state is carried too).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from coursekit.full_size import CAPSTONE as CAPSTONE  # re-exported: the tools read it here
from coursekit.model_size import GATE_BLOCKS, largest_hidden_size, parameter_count
from rnn_numpy.clipping import clip_global_norm
from rnn_numpy.encoding import one_hot
from rnn_numpy.language_model import bits_per_char, iterate_chunks
from rnn_numpy.losses import temporal_softmax_loss
from rnn_numpy.lstm import bind_gate_width
from rnn_numpy.optim import adagrad_step
from rnn_numpy.rnn import rnn_output, rnn_output_backward
from rnn_numpy.sampling import temperature_probabilities
from rnn_numpy.shapes import Shapes
from rnn_numpy.stacked import CELLS as LAYERS

CELLS = ("rnn", "gru", "lstm")
# The capstone's settings (one definition, in coursekit.full_size: notebook 07 and the learners'
# full-size tool read it there): a vanilla RNN with H = 100 on 900,000 characters of the standard
# library's source, one pass, read as N = 16 streams of K = 16 steps with Adagrad's eta = 0.05
# and the global norm clipped to 5. benchmarks/capstone_vs_min_char_rnn.py races them against
# a min-char-rnn-style loop (1 stream of 25 steps, eta = 0.1): after the pass, 2.64-2.69
# bits/char against the baseline's 2.82-2.97 at seeds 0-7, in 33-38 % of its training time. At
# seed 0 (one pass each) 16 x 16 at eta 0.05 reached 2.67 bits/char, against 2.82 (8 x 32,
# eta 0.03), 2.88 (4 x 32, 0.03), 2.92 (16 x 16, 0.1), 2.66 (32 x 16 and 16 x 8, 0.05) and
# 3.29 (the former 32 x 64, 0.01): more streams average the gradient over more of the text,
# and Adagrad's first steps move every weight by about eta. The rates of the RNN/GRU/LSTM race
# depend on H: tools/sweep_char_language_model.py chooses them with one grid for every cell.
OUTPUT_PARAMS = ("Wy", "by")


def param_names(cell: str) -> tuple[str, ...]:
    """The keys of a model's parameter dict, in a fixed order."""
    return LAYERS[_check_cell("param_names", cell)].params + OUTPUT_PARAMS


def _check_cell(function_name: str, cell) -> str:
    if not isinstance(cell, str) or cell not in CELLS:
        raise ValueError(f"{function_name}: cell must be one of {list(CELLS)}, got {cell!r}")
    return cell


def _check_params(shapes: Shapes, cell: str, params) -> dict:
    names = param_names(cell)
    if not isinstance(params, dict) or set(params) != set(names):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(
            f"{shapes.function_name}: params of a {cell!r} model must be a dict "
            f"with keys {list(names)}, got {got}"
        )
    checked = {
        "Wy": shapes.floats("Wy", params["Wy"], ("H", "V")),
        "by": shapes.floats("by", params["by"], ("V",)),
    }
    G = bind_gate_width(shapes, GATE_BLOCKS[cell], "Wy") if cell != "rnn" else "H"
    checked["Wx"] = shapes.floats("Wx", params["Wx"], ("V", G))
    checked["Wh"] = shapes.floats("Wh", params["Wh"], ("H", G))
    for name in LAYERS[cell].params[2:]:
        checked[name] = shapes.floats(name, params[name], (G,))
    return checked


def _check_state(shapes: Shapes, cell: str, state):
    if cell == "lstm":
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise ValueError(
                f"{shapes.function_name}: the state of an LSTM is the pair (h, c), "
                f"got {type(state).__name__}"
            )
        return (
            shapes.floats("state h", state[0], ("N", "H")),
            shapes.floats("state c", state[1], ("N", "H")),
        )
    return shapes.floats("state", state, ("N", "H"))


# -- sizes and initial values -----------------------------------------------------------------
# parameter_count(cell, V, H, V) is the course's one count (coursekit.model_size), imported above.
def hidden_size_for_budget(cell, vocab_size, budget):
    """The largest H whose model has at most `budget` parameters (equal budgets, fair races).

    Inputs:
    - cell: "rnn", "gru" or "lstm"; vocab_size: V; budget: a whole number of parameters
    Returns:
    - H: an int >= 1
    """
    shapes = Shapes("hidden_size_for_budget")
    budget = shapes.positive_int("budget", budget)
    smallest = parameter_count(cell, vocab_size, 1, vocab_size)
    if smallest > budget:
        raise ValueError(
            f"hidden_size_for_budget: even H = 1 needs {smallest} parameters, "
            f"more than the budget {budget}"
        )
    return largest_hidden_size(cell, vocab_size, vocab_size, budget)


def init_char_model(cell, vocab_size, hidden_size, rng):
    """Initial parameters: every weight uniform in [-1/sqrt(H), 1/sqrt(H)] (as torch.nn's
    recurrent layers), biases zero except the LSTM's forget-gate bias, set to 1 (notebook 05).

    Inputs:
    - cell: "rnn", "gru" or "lstm"; vocab_size: V; hidden_size: H
    - rng: a numpy.random.Generator
    Returns:
    - params: dict of float64 arrays with the keys and shapes of the module docstring
    """
    shapes = Shapes("init_char_model")
    cell = _check_cell("init_char_model", cell)
    V = shapes.positive_int("vocab_size", vocab_size)
    H = shapes.positive_int("hidden_size", hidden_size)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"init_char_model: rng must be a numpy.random.Generator, got {type(rng).__name__}"
        )
    G, scale = GATE_BLOCKS[cell] * H, 1.0 / math.sqrt(H)
    params = {"Wx": rng.uniform(-scale, scale, (V, G)), "Wh": rng.uniform(-scale, scale, (H, G))}
    for name in LAYERS[cell].params[2:]:
        params[name] = np.zeros(G)
    if cell == "lstm":
        params["b"][H : 2 * H] = 1.0  # forget gate: remember by default
    params["Wy"] = rng.uniform(-scale, scale, (H, V))
    params["by"] = np.zeros(V)
    return params


def initial_state(cell, batch_size, hidden_size):
    """The state before the first character: zeros, h (N, H), or the pair (h, c) for "lstm"."""
    shapes = Shapes("initial_state")
    cell = _check_cell("initial_state", cell)
    N = shapes.positive_int("batch_size", batch_size)
    H = shapes.positive_int("hidden_size", hidden_size)
    if cell == "lstm":
        return np.zeros((N, H)), np.zeros((N, H))
    return np.zeros((N, H))


# -- one chunk --------------------------------------------------------------------------------
def _forward(cell: str, params: dict, inputs: np.ndarray, state):
    """Hidden states (N, T, H), the layer's cache and the state after the last step."""
    x = one_hot(inputs, params["Wy"].shape[1])  # (N, T, V)
    h, cache = LAYERS[cell].forward(x, tuple(state) if cell == "lstm" else state, params)
    last = (h[:, -1].copy(), cache[6][:, -1].copy()) if cell == "lstm" else h[:, -1].copy()
    return h, cache, last


def char_model_loss(cell, params, inputs, targets, state, with_grads=True):
    """Loss of one chunk, its gradients (backpropagated within the chunk only) and the state
    after the chunk, to carry into the next one.

    N streams, T steps, V characters, H hidden units.
    Inputs:
    - cell: "rnn", "gru" or "lstm"
    - params: dict of the cell's parameters (module docstring)
    - inputs: character indices fed in, integers in [0, V), shape (N, T)
    - targets: the next character at every step, integers in [0, V), shape (N, T)
    - state: the state before the chunk: h (N, H), or (h, c) for "lstm"
    - with_grads: False skips the backward pass (grads is then None)
    Returns:
    - loss: the chunk's loss (summed over the T steps, averaged over the N streams), a float
    - grads: dict with the keys of params, each the gradient of loss (same shape), or None
    - state: the state after the last step, shaped like the state passed in (new arrays)
    """
    shapes = Shapes("char_model_loss")
    cell = _check_cell("char_model_loss", cell)
    params = _check_params(shapes, cell, params)
    V = shapes.size("V")
    inputs = shapes.integers("inputs", inputs, ("N", "T"), low=0, high=V)
    targets = shapes.integers("targets", targets, ("N", "T"), low=0, high=V)
    state = _check_state(shapes, cell, state)
    h, cache, last = _forward(cell, params, inputs, state)
    logits, output_cache = rnn_output(h, params["Wy"], params["by"])  # (N, T, V)
    loss, dlogits = temporal_softmax_loss(logits, targets, np.ones(targets.shape, dtype=bool))
    if not with_grads:
        return float(loss), None, last
    dh, dWy, dby = rnn_output_backward(dlogits, output_cache)
    _, _, grads = LAYERS[cell].backward(dh, cache)  # dstate is dropped
    grads.update(Wy=dWy, by=dby)
    return float(loss), grads, last


def next_char_probabilities(cell, params, prefix, temperature=1.0):
    """The model's distribution of the character after `prefix`, read from the zero state.

    Inputs:
    - cell, params: as char_model_loss
    - prefix: character indices, integers in [0, V), shape (T,), T >= 1
    - temperature: tau > 0; the distribution is softmax(y_T / tau)
    Returns:
    - p: shape (V,), entries >= 0 summing to 1
    """
    shapes = Shapes("next_char_probabilities")
    cell = _check_cell("next_char_probabilities", cell)
    params = _check_params(shapes, cell, params)
    prefix = shapes.integers("prefix", prefix, ("T",), low=0, high=shapes.size("V"))
    state = initial_state(cell, 1, shapes.size("H"))
    h, _, _ = _forward(cell, params, prefix[None, :], state)
    logits, _ = rnn_output(h[:, -1], params["Wy"], params["by"])  # (1, V)
    return temperature_probabilities(logits[0], temperature)


def sample_chars(cell, params, prefix, length, rng, temperature=1.0):
    """Characters drawn one at a time after reading `prefix`: each drawn character is fed back.

    Inputs:
    - cell, params: as char_model_loss
    - prefix: character indices read first, integers in [0, V), shape (T,), T >= 1
    - length: how many characters to draw (>= 1)
    - rng: a numpy.random.Generator (one rng.choice per character)
    - temperature: tau > 0
    Returns:
    - indices: the drawn characters, integers of shape (length,) (the prefix not included)
    """
    shapes = Shapes("sample_chars")
    cell = _check_cell("sample_chars", cell)
    params = _check_params(shapes, cell, params)
    V, H = shapes.size("V"), shapes.size("H")
    prefix = shapes.integers("prefix", prefix, ("T",), low=0, high=V)
    length = shapes.positive_int("length", length)
    temperature = shapes.positive_float("temperature", temperature)
    state, inputs = initial_state(cell, 1, H), prefix[None, :]
    drawn = np.empty(length, dtype=np.int64)
    for step in range(length):
        h, _, state = _forward(cell, params, inputs, state)
        logits, _ = rnn_output(h[:, -1], params["Wy"], params["by"])
        drawn[step] = rng.choice(V, p=temperature_probabilities(logits[0], temperature))
        inputs = drawn[step : step + 1][None, :]
    return drawn


# -- a whole text: validation loss and training -----------------------------------------------
def evaluate_loss(cell, params, streams, chunk_length):
    """Per-character loss (nats) of the model on N parallel streams, read chunk by chunk with
    the state carried from each chunk into the next (the same chunks as training, no updates).

    The streams start from the zero state. Every character but the first of each stream is a
    target once, so the result is the sum of the chunk losses divided by the number of steps,
    T (a short last chunk weighs what its steps weigh, no more).
    Inputs:
    - cell, params: as char_model_loss
    - streams: character indices, integers in [0, V), shape (N, T + 1), T >= 1 (from batchify)
    - chunk_length: K >= 1
    Returns:
    - loss_per_char: a float, in nats
    """
    shapes = Shapes("evaluate_loss")
    cell = _check_cell("evaluate_loss", cell)
    params = _check_params(shapes, cell, params)
    streams = shapes.integers("streams", streams, ("N", "T+1"), low=0, high=shapes.size("V"))
    state = initial_state(cell, shapes.size("N"), shapes.size("H"))
    total, steps = 0.0, 0
    for inputs, targets in iterate_chunks(streams, chunk_length):
        loss, _, state = char_model_loss(cell, params, inputs, targets, state, with_grads=False)
        total += loss
        steps += inputs.shape[1]
    return total / steps


@dataclasses.dataclass
class TrainingState:
    """Everything a training run needs to go on after an epoch (what a checkpoint holds)."""

    params: dict
    caches: dict  # Adagrad's sums of squared gradients, like params
    best_params: dict
    best_loss: float = math.inf
    best_epoch: int = 0
    epoch: int = 0  # epochs completed
    train_loss: list = dataclasses.field(default_factory=list)
    grad_norm: list = dataclasses.field(default_factory=list)
    val_loss: list = dataclasses.field(default_factory=list)
    stopped: bool = False

    @classmethod
    def start(cls, params: dict) -> TrainingState:
        copies = {name: value.copy() for name, value in params.items()}
        return cls(
            params=copies,
            caches={n: np.zeros_like(v) for n, v in copies.items()},
            best_params={n: v.copy() for n, v in copies.items()},
        )

    def history(self) -> dict:
        return {
            "train_loss": np.array(self.train_loss, dtype=float),
            "grad_norm": np.array(self.grad_norm, dtype=float),
            "val_loss": np.array(self.val_loss, dtype=float),
            "best_epoch": int(self.best_epoch),
        }

    def to_arrays(self) -> dict[str, np.ndarray]:
        """A flat dict of arrays (np.savez), read back by `from_arrays`."""
        arrays = {
            f"{group}/{name}": value
            for group in ("params", "caches", "best_params")
            for name, value in getattr(self, group).items()
        }
        for name in ("train_loss", "grad_norm", "val_loss"):
            arrays[name] = np.array(getattr(self, name), dtype=float)
        arrays["scalars"] = np.array(
            [self.best_loss, self.best_epoch, self.epoch, self.stopped], dtype=float
        )
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> TrainingState:
        groups = {"params": {}, "caches": {}, "best_params": {}}
        for key in arrays:
            if "/" in key:
                group, name = key.split("/", 1)
                groups[group][name] = np.array(arrays[key])
        best_loss, best_epoch, epoch, stopped = (float(v) for v in arrays["scalars"])
        return cls(
            **groups,
            best_loss=best_loss,
            best_epoch=int(best_epoch),
            epoch=int(epoch),
            train_loss=list(arrays["train_loss"]),
            grad_norm=list(arrays["grad_norm"]),
            val_loss=list(arrays["val_loss"]),
            stopped=bool(stopped),
        )


class _Graded:
    """Where the training loop finds the functions that are exercises of their own."""

    iterate_chunks = staticmethod(iterate_chunks)
    evaluate_loss = staticmethod(evaluate_loss)
    bits_per_char = staticmethod(bits_per_char)


def train_char_model(
    cell,
    params,
    train_streams,
    val_streams,
    chunk_length,
    epochs,
    learning_rate,
    max_norm,
    patience,
    progress=True,
    *,
    resume: TrainingState | None = None,
    on_epoch: Callable[[TrainingState], None] | None = None,
    on_update: Callable[[TrainingState], None] | None = None,
    graded=_Graded,
):
    """Train a character model with truncated BPTT; stop early when validation stops improving.

    Each epoch walks the training streams chunk by chunk (iterate_chunks), starting from the
    zero state and carrying the state across chunks. Per chunk: char_model_loss, then
    clip_global_norm(grads, max_norm), then one adagrad_step per parameter (learning_rate,
    default eps), the Adagrad sums kept across epochs. After each epoch: evaluate_loss on the
    validation streams. The parameters of the epoch with the lowest validation loss are kept;
    training stops after `patience` epochs in a row without a new lowest validation loss (or
    after `epochs` epochs).

    N streams, V characters, H hidden units, U updates run, E epochs run.
    Inputs:
    - cell: "rnn", "gru" or "lstm"
    - params: initial parameters (not changed: training works on copies)
    - train_streams: integers in [0, V), shape (N, T + 1), T >= 1
    - val_streams: integers in [0, V), shape (N_val, T_val + 1), T_val >= 1
    - chunk_length: K >= 1
    - epochs: the most epochs to run (>= 1)
    - learning_rate: Adagrad's step size eta > 0
    - max_norm: the largest global gradient norm allowed (> 0)
    - patience: epochs without improvement before stopping (>= 1)
    - progress: show a tqdm progress bar
    - resume: a TrainingState to go on from (a checkpoint); on_epoch: called with the state
      after every epoch (to write a checkpoint); on_update: called with the state after every
      update (to measure a learning curve within an epoch); graded: where iterate_chunks, evaluate_loss
      and bits_per_char are looked up (the hidden check records the loop's calls to them)
    Returns:
    - best_params: dict like params, the parameters after epoch best_epoch
    - history: dict with "train_loss" (U,), each update's chunk loss per character (loss / T,
      before the update); "grad_norm" (U,), the global norm of each update's gradients before
      clipping; "val_loss" (E,), the validation loss per character after each epoch;
      "best_epoch", the epoch (counted from 1) with the lowest validation loss
    """
    shapes = Shapes("train_char_model")
    cell = _check_cell("train_char_model", cell)
    params = _check_params(shapes, cell, params)
    V, H = shapes.size("V"), shapes.size("H")
    train_streams = shapes.integers("train_streams", train_streams, ("N", "T+1"), low=0, high=V)
    val_streams = shapes.integers("val_streams", val_streams, ("N_val", "T_val+1"), low=0, high=V)
    chunk_length = shapes.positive_int("chunk_length", chunk_length)
    epochs = shapes.positive_int("epochs", epochs)
    learning_rate = shapes.positive_float("learning_rate", learning_rate)
    max_norm = shapes.positive_float("max_norm", max_norm)
    patience = shapes.positive_int("patience", patience)
    run = resume if resume is not None else TrainingState.start(params)
    chunks = graded.iterate_chunks(train_streams, chunk_length)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=epochs * len(chunks),
            initial=run.epoch * len(chunks),
            desc=f"{cell} H={H}",
            unit="update",
        )
    try:
        while run.epoch < epochs and not run.stopped:
            state = initial_state(cell, shapes.size("N"), H)
            for inputs, targets in chunks:
                loss, grads, state = char_model_loss(cell, run.params, inputs, targets, state)
                grads, norm = clip_global_norm(grads, max_norm)
                for name in run.params:
                    run.params[name], run.caches[name] = adagrad_step(
                        run.params[name], grads[name], run.caches[name], learning_rate
                    )
                run.train_loss.append(loss / inputs.shape[1])
                run.grad_norm.append(norm)
                if on_update is not None:
                    on_update(run)
                if bar is not None:
                    bar.update(1)
            run.epoch += 1
            val = graded.evaluate_loss(cell, run.params, val_streams, chunk_length)
            run.val_loss.append(val)
            if val < run.best_loss:
                run.best_loss, run.best_epoch = val, run.epoch
                run.best_params = {name: value.copy() for name, value in run.params.items()}
            elif run.epoch - run.best_epoch >= patience:
                run.stopped = True
            val_bits = graded.bits_per_char(val)
            if bar is not None:
                bar.set_postfix(val_bits_per_char=f"{val_bits:.3f}")
            if on_epoch is not None:
                on_epoch(run)
    finally:
        if bar is not None:
            bar.close()
    return {n: v.copy() for n, v in run.best_params.items()}, run.history()
