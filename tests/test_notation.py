"""One notation, one meaning per symbol (docs/NOTATION.md), in the solution notebooks' text.

Reads the notebooks' JSON and the card only (no kernel). Each rule below is a symbol that once
had a second meaning somewhere in the course; the test names the notebook and the cell that
brings it back.
"""

from __future__ import annotations

import re
from functools import cache

import nbformat
import pytest

from grader.layout import REPOSITORY, SOLUTIONS, written_assignments

CARD = REPOSITORY / "docs" / "NOTATION.md"
MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)


@cache
def cells(assignment: str) -> list[nbformat.NotebookNode]:
    return nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4).cells


def math_spans(text: str) -> list[str]:
    """The TeX of every $...$ and $$...$$ span of a markdown text (code spans left out)."""
    text = re.sub(r"`[^`]*`", "", text)
    return [match.group(1) or match.group(2) for match in MATH.finditer(text)]


def markdown_math(assignment: str) -> list[tuple[str, str]]:
    """(cell id, TeX span) for every math span of the notebook's markdown."""
    return [
        (cell.get("id", "?"), span)
        for cell in cells(assignment)
        if cell.cell_type == "markdown"
        for span in math_spans(cell.source)
    ]


def letter(symbol: str) -> re.Pattern:
    """A single-letter symbol standing alone in TeX: not part of a word or a command."""
    return re.compile(rf"(?<![A-Za-z\\]){symbol}(?![A-Za-z])")


def without_commands(span: str) -> str:
    """The TeX with its commands (\\frac, \\mathrm{d}, \\text{...}) taken out, so that the letters
    left are symbols."""
    span = re.sub(r"\\(?:text|texttt|mathrm|operatorname)\{[^{}]*\}", " ", span)
    return re.sub(r"\\[A-Za-z]+", " ", span)


ASSIGNMENTS = written_assignments()


def card_and_notebook_math() -> list[tuple[str, str, str]]:
    """(notebook or card, cell id, TeX span) for every math span of the notebooks and the card."""
    spans = [(a, cell_id, span) for a in ASSIGNMENTS for cell_id, span in markdown_math(a)]
    return spans + [("NOTATION.md", "-", s) for s in math_spans(CARD.read_text(encoding="utf-8"))]


# The forms a finite difference's step takes in a formula: x + step e_i, 2 step, step^2, O(step),
# "/ step", step = 10^{-5}.
STEP_FORMS = (r"{} e_i", r"2{}", r"{}\^", r"O\({}", r"/ ?{}", r"{} = 10")


def test_the_finite_difference_step_is_delta_never_the_optimisers_epsilon():
    found = []
    for assignment, cell_id, span in card_and_notebook_math():
        for form in STEP_FORMS:
            if re.search(form.format(r"\\(?:var)?epsilon(?![_A-Za-z])"), span):
                found.append((assignment, cell_id, span.strip()[:60]))
    assert not found, f"epsilon as the step of a finite difference (the card's Delta): {found}"


def test_delta_is_used_only_by_the_notebooks_that_check_gradients_by_finite_differences():
    for assignment in ASSIGNMENTS:
        uses = [cell_id for cell_id, span in markdown_math(assignment) if r"\Delta" in span]
        code = "".join(cell.source for cell in cells(assignment) if cell.cell_type == "code")
        if uses:
            assert "CHECK_STEP = " in code, (
                f"{assignment} writes Delta (cells {uses}) but has no finite-difference step"
            )


def test_epsilon_without_var_is_only_the_machine_epsilon():
    for assignment, cell_id, span in card_and_notebook_math():
        for match in re.finditer(r"\\epsilon(?![A-Za-z])", span):
            assert span[match.end() :].startswith(r"_{\text{mach}}"), (assignment, cell_id)


def test_steps_are_t_and_k_never_the_optimisers_s():
    """s is Adagrad's and RMSprop's cache: never a step, so never a subscript (J_s, h_s, c_s)."""
    for assignment, cell_id, span in card_and_notebook_math():
        assert not re.search(r"_\{?s(?![A-Za-z])", span), (assignment, cell_id, span[:60])
    for assignment in ASSIGNMENTS:
        for cell in cells(assignment):
            if cell.cell_type == "code":  # docstrings and comments
                assert not re.search(r"\b[Jhc]_s\b", cell.source), (assignment, cell.get("id"))


def test_a_gradient_is_never_g_which_is_the_lstms_candidate():
    """g stands alone only in the gate lists "i, f, g, o" and a^g; elsewhere it is g_t."""
    for assignment, cell_id, span in card_and_notebook_math():
        bare = without_commands(span)
        gate_names = re.search(r"[ifgo](?:,\s*[ifgo]){3}", bare)  # "i, f, g, o" in some order
        for match in letter("g").finditer(bare):
            candidate = bare[match.end() :].startswith("_") or bare[: match.start()].endswith("^")
            card = assignment == "NOTATION.md"  # names the gates: "$g$ the candidate"
            assert candidate or gate_names or card, (assignment, cell_id, span[:60])


def test_u_only_weights_a_test_function():
    """u is the fixed random weights of a scalar test function (sum h * u, u . h_T): the stable
    sigmoid's e^{-|a|} and the adding problem's numbers have no letter."""
    for assignment, cell_id, span in card_and_notebook_math():
        bare = without_commands(span)
        if letter("u").search(bare):
            assert not re.search(r"u\s*=\s*e|u_[12]|1 \+ u", bare), (assignment, cell_id)


def test_kappa_is_the_clip_threshold_and_c_is_not():
    for assignment, cell_id, span in card_and_notebook_math():
        assert not re.search(r"-\s*c(?![_A-Za-z])", span), (assignment, cell_id, span[:60])
        if r"\kappa" in span:
            assert assignment in ("04_gradient_pathologies", "NOTATION.md"), (assignment, cell_id)


def card_rows() -> list[tuple[str, str]]:
    """(symbol TeX, code) of every table row of the card."""
    rows = re.findall(r"^\| \$(.+?)\$ \| (.+?) \|", CARD.read_text(encoding="utf-8"), re.M)
    assert len(rows) > 20, "the card's tables were not found"
    return rows


@pytest.mark.parametrize("symbol", [symbol for symbol, _ in card_rows()])
def test_every_symbol_of_the_card_is_used_in_a_notebook(symbol):
    written = [
        assignment
        for assignment in ASSIGNMENTS
        if any(symbol in span for _, span in markdown_math(assignment))
    ]
    assert written, f"the card lists ${symbol}$ but no notebook's text writes it"


def test_c_is_the_cells_state_and_a_character_index_is_v():
    """c_t is the LSTM's cell state (c_1..c_T, c_0); the index of a character is v_t (c_{t+1},
    c_{T+1}, c^{(n)}, c', one_hot(c) and e_c were a second meaning)."""
    character = re.compile(
        r"(?<![A-Za-z\\])c(?:_\{(?:t\+1|T\+1|t-w)|\^\{\(n\)\}|')|\\_hot\}\(c\)|e_c\b"
    )
    for assignment, cell_id, span in card_and_notebook_math():
        assert not character.search(span), (assignment, cell_id, span[:60])


def test_f_is_the_forget_gate_never_a_function():
    """f_t is the LSTM's forget gate; the function a gradient check differentiates is the code
    argument `f` (\\texttt{f}), never the symbol f. A bare f is the gate only in notebook 05 and
    the card."""
    for assignment, cell_id, span in card_and_notebook_math():
        bare = without_commands(span)
        for match in letter("f").finditer(bare):
            gate = bare[match.end() :].startswith("_") or bare[: match.start()].endswith(("^", "_"))
            assert gate or assignment in ("05_lstm", "NOTATION.md"), (assignment, cell_id, span)


def test_m_is_a_layer_never_a_mask_or_a_maximum():
    """m numbers the layers of a stack (1..M); a mask is written mask (the code's name), the
    softmax's shift y_max."""
    for assignment, cell_id, span in card_and_notebook_math():
        mask = re.search(r"(?<![A-Za-z])m_[{\w]", without_commands(span))
        maximum = re.search(r"(?<![A-Za-z\\])m\s*=\s*\\max", span)
        assert not (mask or maximum), (assignment, cell_id, span[:60])


def test_z_is_the_grus_update_gate_never_a_placeholder():
    """z_t is the GRU's update gate: the sigmoid's argument is a pre-activation a, and the card
    writes a gradient as dh, not dz for any z. A bare z is the gate only in notebook 06 (and in the
    list "r, z, n")."""
    for where, cell_id, span in card_and_notebook_math():
        bare = without_commands(span)
        gate_names = re.search(r"[rzn](?:,\s*[rzn]){2}", bare)
        for match in letter("z").finditer(bare):
            gate = bare[match.end() :].startswith("_") or bare[: match.start()].endswith("^")
            assert gate or gate_names or where == "06_gru_and_deep_rnns", (where, cell_id, span)


def test_sigma_is_only_the_sigmoid():
    """The largest singular value is ||W||_2 (code sigma_max), never sigma_max or sigma_i."""
    for where, cell_id, span in card_and_notebook_math():
        assert not re.search(r"\\sigma_", span), (where, cell_id, span[:60])
