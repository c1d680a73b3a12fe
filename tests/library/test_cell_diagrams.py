"""The cell diagrams (coursekit.cell_diagrams) draw headless and say only what the card says.

Each diagram's texts are exactly the symbols and terms listed here, and each of them is written,
as it stands, in the card's section on that cell (docs/NOTATION.md): a symbol renamed in the
diagram, or in the card, fails. The released notebooks carry one diagram cell each, where the
cell is introduced.
"""

from __future__ import annotations

import re

import matplotlib
import nbformat
import pytest

matplotlib.use("Agg")  # headless, as in CI: no display

from matplotlib.patches import FancyArrowPatch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from coursekit import cell_diagrams  # noqa: E402
from grader.layout import NOTEBOOKS, REPOSITORY  # noqa: E402

CARD = REPOSITORY / "docs" / "NOTATION.md"
# diagram -> (the card's section on it, the texts it shows, (the notebook that shows it, the
# heading of the exercise that first writes that cell's step: the diagram comes before it))
DIAGRAMS = {
    "draw_rnn_cell": (
        "The vanilla RNN",
        {
            "x_t",
            "h_{t-1}",
            "x_t W_x + h_{t-1} W_h + b",
            "a_t",
            r"\tanh",
            "h_t",
            "h_t W_y + b_y",
            "y_t",
        },
        ("02_rnn_recurrence", "## Exercise 1"),
    ),
    "draw_lstm_cell": (
        "LSTM",
        {
            "x_t",
            "h_{t-1}",
            "c_{t-1}",
            "x_t W_x + h_{t-1} W_h + b",
            "a^i",
            "a^f",
            "a^g",
            "a^o",
            r"\sigma",
            r"\tanh",
            "i_t",
            "f_t",
            "g_t",
            "o_t",
            r"\odot",
            "+",
            "c_t",
            "h_t",
        },
        ("05_lstm", "## Exercise 2"),
    ),
    "draw_gru_cell": (
        "GRU",
        {
            "x_t",
            "h_{t-1}",
            "x_t W_x^r + b_x^r + h_{t-1} W_h^r + b_h^r",
            "x_t W_x^z + b_x^z + h_{t-1} W_h^z + b_h^z",
            "h_{t-1} W_h^n + b_h^n",
            "x_t W_x^n + b_x^n",
            r"\sigma",
            r"\tanh",
            "r_t",
            "z_t",
            "n_t",
            "1 - z_t",
            r"\odot",
            "+",
            "h_t",
        },
        ("06_gru_and_deep_rnns", "## Exercise 1"),
    ),
}


def card_math(section: str) -> str:
    """The maths of the card's section whose heading starts with `section`, one space apart."""
    sections = re.split(r"^## ", CARD.read_text(encoding="utf-8"), flags=re.MULTILINE)
    (text,) = [part for part in sections if part.startswith(section)]
    formulas = re.findall(r"\$\$(.+?)\$\$|\$(.+?)\$", text, flags=re.DOTALL)
    return " ".join(" ".join("".join(groups).split()) for groups in formulas)


def in_card(term: str, maths: str) -> bool:
    """`term` is written in `maths` as a whole (not as part of a longer symbol)."""
    edge_before, edge_after = r"(?<![\w\\^{])", r"(?![\w^_{])"
    return re.search(edge_before + re.escape(term) + edge_after, maths) is not None


def texts(figure) -> set[str]:
    shown = {text.get_text() for text in figure.findobj(Text)}
    shown.discard("")  # arrows and empty titles
    assert all(text.startswith("$") and text.endswith("$") for text in shown), shown
    return {text[1:-1] for text in shown}


@pytest.mark.parametrize("name", DIAGRAMS)
def test_a_diagram_shows_exactly_the_cards_symbols(name, tmp_path):
    section, expected, _ = DIAGRAMS[name]
    figure = getattr(cell_diagrams, name)()
    try:
        assert texts(figure) == expected
        maths = card_math(section)
        assert [term for term in sorted(expected) if not in_card(term, maths)] == []
        arrows = [patch for patch in figure.axes[0].patches if isinstance(patch, FancyArrowPatch)]
        assert len(arrows) >= len(expected) - 2  # every value arrives somewhere
        figure.savefig(tmp_path / f"{name}.png")  # renders headless, mathtext included
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    finally:
        matplotlib.pyplot.close(figure)


def test_the_card_check_catches_a_renamed_symbol():
    maths = card_math("GRU")
    assert in_card("n_t", maths) and in_card("h_{t-1} W_h^n + b_h^n", maths)
    assert not in_card(r"\tilde h_t", maths) and not in_card("h_{t-1} W_h^n", card_math("LSTM"))
    assert not in_card("a^i", maths)  # the LSTM's, not the GRU's
    assert not in_card("c_t", card_math("The vanilla RNN"))


def test_a_diagram_draws_on_given_axes():
    figure, ax = matplotlib.pyplot.subplots()
    try:
        assert cell_diagrams.draw_rnn_cell(ax) is figure
        assert "y_t" in texts(figure)
    finally:
        matplotlib.pyplot.close(figure)


@pytest.mark.parametrize("name", DIAGRAMS)
def test_the_released_notebook_draws_its_cell_where_the_cell_is_introduced(name):
    _, _, (assignment, exercise) = DIAGRAMS[name]
    cells = nbformat.read(NOTEBOOKS / assignment / f"{assignment}.ipynb", as_version=4).cells
    drawing = [
        index
        for index, cell in enumerate(cells)
        if cell.cell_type == "code" and f"{name}()" in cell.source
    ]
    assert len(drawing) == 1, drawing
    (index,) = drawing
    assert "nbgrader" not in cells[index].metadata or not any(
        cells[index].metadata["nbgrader"].get(flag) for flag in ("solution", "grade")
    )
    writes_the_step = next(i for i, cell in enumerate(cells) if cell.source.startswith(exercise))
    assert writes_the_step - 3 < index < writes_the_step
