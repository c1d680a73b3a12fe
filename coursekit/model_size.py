"""How big a recurrent model is: the weight blocks of each cell type and its parameter count.

    parameter_count("lstm", input_size=2, hidden_size=16, output_size=1)            # notebook 05
    parameter_count("gru", input_size=2, hidden_size=12, output_size=1, layers=2)   # notebook 06
    parameter_count("rnn", input_size=V, hidden_size=H, output_size=V)              # notebook 07
    largest_hidden_size("rnn", input_size=2, output_size=1, budget=1233)  # 33: 05's fair race

A model here is `layers` stacked recurrent layers of one cell type ("rnn", "gru" or "lstm"), the
first reading input_size features and each holding hidden_size units, and a linear readout
y = h Wy + by from the top layer's state to output_size values. A layer of H units reading D
features has Wx (D, G), Wh (H, G) and one or two biases (G,), with G = GATE_BLOCKS[cell] * H
(the GRU has two biases, bx and bh; the tanh RNN and the LSTM one, b).

Notebooks 05, 06 and 07, the course's library and its tools use this module; it is not an
exercise.
"""

from __future__ import annotations

import numbers

GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}  # column blocks of Wx, Wh and each bias
BIAS_NAMES = {"rnn": ("b",), "gru": ("bx", "bh"), "lstm": ("b",)}


def parameter_count(cell, input_size, hidden_size, output_size, layers=1):
    """How many numbers a model has: its recurrent layers' weights and biases and its readout.

    Inputs:
    - cell: "rnn", "gru" or "lstm"
    - input_size: D, the features the first layer reads
    - hidden_size: H, the units of every layer
    - output_size: the values the readout Wy (H, output_size), by (output_size,) gives
    - layers: how many layers are stacked (the second and later read H features)
    All sizes are whole numbers >= 1.

    Returns:
    - count: an int
    """
    if not isinstance(cell, str) or cell not in GATE_BLOCKS:
        raise ValueError(f"parameter_count: cell must be one of {list(GATE_BLOCKS)}, got {cell!r}")
    sizes = {
        "input_size": input_size,
        "hidden_size": hidden_size,
        "output_size": output_size,
        "layers": layers,
    }
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(
                f"parameter_count: {name} must be a whole number, got {type(value).__name__}"
            )
        if value < 1:
            raise ValueError(f"parameter_count: {name} must be at least 1, got {value}")
    H = int(hidden_size)
    G = GATE_BLOCKS[cell] * H
    fan_ins = [int(input_size)] + [H] * (int(layers) - 1)
    recurrent = sum(fan_in * G + H * G + len(BIAS_NAMES[cell]) * G for fan_in in fan_ins)
    return recurrent + H * int(output_size) + int(output_size)


def largest_hidden_size(cell, input_size, output_size, budget, layers=1):
    """The largest H whose model has at most `budget` parameters (`parameter_count`), so that
    models of different cells race with equal budgets.

    Inputs: cell, input_size, output_size, layers as for `parameter_count`; budget: a whole
    number of parameters, at least what H = 1 needs.

    Returns:
    - H: an int >= 1
    """
    if isinstance(budget, bool) or not isinstance(budget, numbers.Integral):
        raise TypeError(
            f"largest_hidden_size: budget must be a whole number, got {type(budget).__name__}"
        )

    def count(H):
        return parameter_count(cell, input_size, H, output_size, layers=layers)

    if count(1) > budget:
        raise ValueError(
            f"largest_hidden_size: even H = 1 needs {count(1)} parameters, "
            f"more than the budget {budget}"
        )
    H = 1
    while count(H + 1) <= budget:
        H += 1
    return H
