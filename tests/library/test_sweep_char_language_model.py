"""tools/sweep_char_language_model.py: one grid of rates for every cell, the table, the choice."""

from rnn_numpy.language_model import bits_per_char
from tools import sweep_char_language_model as sweep

SMALL = [
    "--corpus",
    "layer_words",
    "--chars",
    "1200",
    "--budget",
    "2500",
    "--streams",
    "4",
    "--chunk",
    "16",
    "--epochs",
    "2",
    "--cells",
    "rnn",
    "gru",
    "--rates",
    "0.003",
    "0.3",
]


def test_every_cell_is_trained_at_every_rate_and_the_lowest_loss_is_chosen(capsys):
    args = sweep.arguments(SMALL)
    results = sweep.sweep(args)
    assert set(results) == {(cell, eta) for cell in ("rnn", "gru") for eta in (0.003, 0.3)}
    chosen = sweep.print_table(args, results)
    out = capsys.readouterr().out
    for cell in ("rnn", "gru"):
        assert chosen[cell] == min((0.003, 0.3), key=lambda eta: results[cell, eta][0])
        row = next(line for line in out.splitlines() if line.startswith(f"{cell} | "))
        for eta in (0.003, 0.3):
            assert f"{bits_per_char(results[cell, eta][0]):.3f}" in row
    assert "at the edge of the grid" in out
    assert out.strip().splitlines()[-1] == (
        f"--learning-rate rnn={chosen['rnn']:g} gru={chosen['gru']:g}"
    )
